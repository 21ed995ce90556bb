//! Undoing a composite's or a collection's writes when `allOrNone` fails.

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

/// The record a write subrequest touches (`/sobjects/{Type}/{Id}`), before it runs.
pub(super) fn snapshot(state: &SandboxState, url: &str) -> Option<Undo> {
    let path = url.split('?').next()?;
    let id = path.trim_end_matches('/').rsplit('/').next()?;
    let id = SfId::parse(id).ok()?;
    let record = state.org.store.get(&id).ok()??;
    let object = state.org.schema.object(&record.object)?;
    let keys = crate::keys::lookup_keys(object, &record.fields);
    Some(Undo::Restore(record, keys))
}
