//! Undoing a composite's or a collection's writes when `allOrNone` fails.

use percent_encoding::percent_decode_str;

use crate::id::SfId;
use crate::state::SandboxState;
use crate::store::Record;

/// What to do to undo one write.
pub(super) enum Undo {
    Remove(SfId),
    Restore(Record, Vec<String>),
}

pub(super) fn rollback(state: &SandboxState, undo: Vec<Undo>) {
    for step in undo.into_iter().rev() {
        let done = match step {
            Undo::Remove(id) => state.org.store.remove(&id),
            Undo::Restore(record, keys) => state.org.store.put(&record, keys),
        };
        if let Err(err) = done {
            tracing::error!(%err, "rolling back a composite failed");
        }
    }
}

/// The records a write subrequest is about to touch, before it runs: `/sobjects/{Type}/{Id}`
/// by its id, `/sobjects/{Type}/{Field}/{value}` (an upsert or a delete by External ID) by
/// what the field's value matches now. Under `allOrNone`, "the entire composite request is
/// rolled back" (Composite Request Body,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/requests_composite.htm),
/// upserts by External ID included.
pub(super) fn snapshot(state: &SandboxState, url: &str) -> Vec<Undo> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Some((before, rest)) = path.split_once("/sobjects/") else {
        return Vec::new();
    };
    let segments: Vec<String> = rest
        .trim_end_matches('/')
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    match segments.as_slice() {
        [_, id] => snapshot_id(state, id).into_iter().collect(),
        [object, key, value] => {
            let version = before.rsplit_once("/v").map(|(_, v)| v).unwrap_or_default();
            crate::rest::rows::records_named(state, object, key, value, version)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|record| restore(state, record))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The record `id` names, before a write changes or deletes it.
pub(super) fn snapshot_id(state: &SandboxState, id: &str) -> Option<Undo> {
    let id = SfId::parse(id).ok()?;
    restore(state, state.org.store.get(&id).ok()??)
}

/// Puts `record` back as it is, with its lookup keys.
pub(super) fn restore(state: &SandboxState, record: Record) -> Option<Undo> {
    let object = state.org.schema.object(&record.object)?;
    let keys = crate::keys::lookup_keys(object, &record.fields);
    Some(Undo::Restore(record, keys))
}
