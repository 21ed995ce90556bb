//! `POST /api/notes`: a note made on a record, of the org's kind, in one composite with
//! `allOrNone` that also reads the note back, so the answer carries it as the card lists it.
//! Made once per key the panel sends: the key is claimed in the database before the write, so
//! a retry to any proxy on it answers the note made.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use pane_salesforce::composite::reference_value;
use pane_salesforce::{Composite, Filter, Literal, Order, RecordId, Ref, Request, Select};
use pane_wire::api::{NewNote, Note, NoteCreated, NoteKind};
use serde_json::{Value, json};

use super::{note_fields, note_object, title_checked, unavailable};
use crate::gateway::{Salesforce, refused};
use crate::json::ApiJson;
use crate::lookup::notes::{note_row, relationship};
use crate::note_kinds::NotesAnswer;
use crate::session::Agent;
use crate::store::{NoteClaim, NoteKey};
use crate::validate::record_id;
use crate::{AppState, ProxyError};

const NOTE: Ref = Ref::named("note");
const LINK: Ref = Ref::named("link");
const READ: Ref = Ref::named("read");

/// The fields the made note is read back with.
fn read_fields(kind: NoteKind) -> Vec<String> {
    let text = match kind {
        NoteKind::Enhanced => "TextPreview",
        NoteKind::Classic => "Body",
    };
    ["Id", "Title", text, "LastModifiedDate"]
        .map(str::to_owned)
        .to_vec()
}

/// The composite that makes a note of `kind` on `record_id`, all or none, and reads it back.
/// A ContentNote is linked by a ContentDocumentLink whose ShareType `I` lets whoever sees the
/// record see the note (ContentDocumentLink, Object Reference: "I: Inferred permission. The
/// user's permission is determined by the related record"); a classic Note names its record
/// as its `ParentId` (Note, Object Reference: "Required. ID of the object associated with the
/// note").
fn create_plan(
    kind: NoteKind,
    record_id: &str,
    title: &str,
    body: &str,
    version: &str,
) -> Result<Composite, ProxyError> {
    let mut fields = note_fields(kind, Some(title), Some(body))?;
    if kind == NoteKind::Classic {
        fields.insert("ParentId".into(), Value::String(record_id.to_owned()));
    }
    let mut composite = Composite::new(version).all_or_none(true);
    let bad = |e: pane_salesforce::CompositeError| ProxyError::BadRequest(e.to_string());
    composite
        .add(
            NOTE,
            Request::Create {
                object: kind.object().into(),
                body: Value::Object(fields),
            },
        )
        .map_err(bad)?;
    if kind == NoteKind::Enhanced {
        composite
            .add(
                LINK,
                Request::Create {
                    object: "ContentDocumentLink".into(),
                    body: json!({
                        "ContentDocumentId": reference_value(&NOTE.field("id")),
                        "LinkedEntityId": record_id,
                        "ShareType": "I",
                        "Visibility": "AllUsers",
                    }),
                },
            )
            .map_err(bad)?;
    }
    composite
        .add(
            READ,
            Request::Retrieve {
                object: kind.object().into(),
                id: RecordId::from(NOTE.field("id")),
                fields: read_fields(kind),
            },
        )
        .map_err(bad)?;
    Ok(composite)
}

/// The note this agent made on the record with `title` since `since` (epoch seconds) that no
/// other key answers, if any: the note of a create whose answer was lost. ContentNote takes no
/// field but Title and Content ("Not all fields can be set for notes. Only the Content and
/// Title fields can be updated", ContentNote, Object Reference), and Content's HTML is
/// sanitized, so there is no marker of ours to look for: the note is the earliest of the
/// record's notes with its title and creator made since its key was claimed (a minute's
/// allowance for the clocks) that the database does not give to another key.
async fn find_made(
    state: &AppState,
    salesforce: &Salesforce,
    agent: &Agent,
    made: Made<'_>,
    since: i64,
) -> Result<Option<String>, ProxyError> {
    let select = made_query(made, &agent.link.user_id, since);
    select
        .validate()
        .map_err(|e| ProxyError::BadRequest(e.to_string()))?;
    let page = salesforce
        .call(salesforce.client.query(&select.to_string()))
        .await?;
    let candidates: Vec<String> = page
        .records
        .first()
        .and_then(|r| r.get(relationship(made.kind)))
        .and_then(|list| list.get("records"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.get(made_id_field(made.kind)).and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    for id in candidates {
        if !state
            .services
            .db
            .note_answered(&agent.link.org_id, &id)
            .await?
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// What a note create makes: its kind, on which record, with which title.
#[derive(Clone, Copy)]
struct Made<'a> {
    kind: NoteKind,
    body: &'a NewNote,
    title: &'a str,
}

/// The field of a note row that is the note's id.
fn made_id_field(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Enhanced => "ContentDocumentId",
        NoteKind::Classic => "Id",
    }
}

/// The query of [`find_made`]'s candidates, earliest first.
fn made_query(made: Made<'_>, user_id: &str, since: i64) -> Select {
    Select::from(&made.body.object)
        .fields(["Id"])
        .child(
            Select::from(relationship(made.kind))
                .fields([made_id_field(made.kind)])
                .filter(Filter::And(vec![
                    Filter::eq("Title", made.title),
                    Filter::eq("CreatedById", user_id),
                    Filter::ge("CreatedDate", Literal::date_time(since - 60)),
                ]))
                .order([Order::asc("CreatedDate")])
                .limit(10),
        )
        .filter(Filter::eq("Id", made.body.record_id.as_str()))
}

/// How often an attempt waiting on another attempt of its key looks at the database.
const WAIT_STEP: Duration = Duration::from_millis(200);

/// `POST /api/notes`: 201 with the note; the same key again, to any proxy on the same
/// database, answers the same note (its id only).
pub(super) async fn create(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<NoteCreated>), ProxyError> {
    note_object(&body.object)?;
    if !record_id(&body.record_id) {
        return Err(ProxyError::BadRequest("not a record id".into()));
    }
    let key = body.key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(ProxyError::BadRequest(
            "a note needs a key of at most 100 characters".into(),
        ));
    }
    let kind = state.note_kinds.asked(&agent.link.org_id);
    let title = title_checked(&body.title, kind)?;
    let key = NoteKey {
        org_id: &agent.link.org_id,
        user_id: &agent.link.user_id,
        key,
    };
    let made = Made {
        kind,
        body: &body,
        title: &title,
    };
    let db = &state.services.db;
    let claimed_at = loop {
        let now = crate::clock::now_secs();
        match db.claim_note(key, now).await? {
            NoteClaim::Mine => break now,
            NoteClaim::Made(id) => {
                tracing::info!(note = %id, "a note's create was retried; answering the note made");
                return Ok(created(id, None));
            }
            // Another attempt is making it: wait for its answer.
            NoteClaim::Pending(at) if now < at.saturating_add(state.note_lease_secs) => {
                tokio::time::sleep(WAIT_STEP).await;
            }
            // Its attempt was lost (a crash, an answer lost with the note not found): the
            // note it made if any, else this attempt makes it.
            NoteClaim::Pending(at) => {
                let salesforce = Salesforce::for_agent(&state, &agent).await?;
                if let Some(id) = find_made(&state, &salesforce, &agent, made, at).await? {
                    tracing::warn!(note = %id, "a note's create was lost; found the note it made");
                    db.note_made(key, &id).await?;
                    state.panel_cache.forget_org(&agent.link.org_id).await;
                    return Ok(created(id, None));
                }
                if db.take_over_note(key, at, now).await? {
                    break now;
                }
            }
        }
    };
    match make_learning(&state, &agent, made, claimed_at).await {
        Ok((id, note)) => {
            db.note_made(key, &id).await?;
            state.panel_cache.forget_org(&agent.link.org_id).await;
            Ok(created(id, note))
        }
        Err(Unmade::No(err)) => {
            db.release_note(key).await?;
            Err(err)
        }
        // The note may exist: the claim stays, and a retry after its lease looks again.
        Err(Unmade::Unknown(err)) => Err(err),
    }
}

fn created(id: String, note: Option<Note>) -> (StatusCode, Json<NoteCreated>) {
    (StatusCode::CREATED, Json(NoteCreated { id, note }))
}

/// Why [`make`] answers no note.
enum Unmade {
    /// No note was made (with what Salesforce said of the kind asked, when it refused).
    No(ProxyError),
    /// Whether a note was made is not known.
    Unknown(ProxyError),
}

/// Makes the note as [`make`] does, the kind learned as `note_kinds.rs` says: when the org's
/// kind was not known and it has no enhanced notes, the note is made a classic one (nothing
/// was made: the composite is all or none and its first subrequest was refused).
async fn make_learning(
    state: &AppState,
    agent: &Agent,
    made: Made<'_>,
    claimed_at: i64,
) -> Result<(String, Option<Note>), Unmade> {
    let ask = |kind| async move {
        // The title as the kind asked allows it (a classic Note's is shorter).
        let title = match title_checked(made.title, kind) {
            Ok(title) => title,
            Err(err) => return (Err(Unmade::No(err)), vec![NotesAnswer::Other]),
        };
        let (result, answer) = make(
            state,
            agent,
            Made {
                kind,
                title: &title,
                ..made
            },
            claimed_at,
        )
        .await;
        (result, vec![answer])
    };
    state.note_kinds.asking(&agent.link.org_id, ask).await
}

/// Makes the note, claimed at `claimed_at`: its id and the note read back; with what Salesforce
/// answered of the note's kind.
async fn make(
    state: &AppState,
    agent: &Agent,
    made: Made<'_>,
    claimed_at: i64,
) -> (Result<(String, Option<Note>), Unmade>, NotesAnswer) {
    let salesforce = match Salesforce::for_agent(state, agent).await {
        Ok(salesforce) => salesforce,
        Err(err) => return (Err(Unmade::No(err)), NotesAnswer::Other),
    };
    let version = &state.services.salesforce.version;
    let plan = match create_plan(
        made.kind,
        &made.body.record_id,
        made.title,
        &made.body.body,
        version,
    ) {
        Ok(plan) => plan,
        Err(err) => return (Err(Unmade::No(err)), NotesAnswer::Other),
    };
    let answer = match salesforce
        .call_raw(salesforce.client.composite(&plan))
        .await
    {
        Err(err) => return (Err(Unmade::No(err)), NotesAnswer::Other),
        Ok(Ok(answer)) => answer,
        // No answer after sending: the note may exist. Look for it rather than let a retry
        // make it twice.
        Ok(Err(err @ pane_salesforce::Error::Transport(_))) => {
            let found = find_made(state, &salesforce, agent, made, claimed_at)
                .await
                .map_err(Unmade::Unknown);
            let result = match found {
                Ok(Some(id)) => {
                    tracing::warn!(note = %id, "a note's answer was lost; found the note it made");
                    Ok((id, None))
                }
                Ok(None) => Err(Unmade::No(err.into())),
                Err(unknown) => Err(unknown),
            };
            return (result, NotesAnswer::Other);
        }
        Ok(Err(err)) => return (Err(Unmade::No(err.into())), NotesAnswer::Other),
    };
    let parts = match made.kind {
        NoteKind::Enhanced => vec![NOTE, LINK],
        NoteKind::Classic => vec![NOTE],
    };
    let made_all = parts.iter().all(|part| answer.ok(*part).is_some());
    let id = answer
        .ok(NOTE)
        .filter(|_| made_all)
        .and_then(|b| b.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(id) = id else {
        let kind_answer = NotesAnswer::of_part(&answer, NOTE);
        // All or none: the subrequest that failed for its own reason, not the halted ones.
        let failed = parts
            .iter()
            .filter_map(|r| answer.error(*r))
            .find(|e| !e.to_string().contains("PROCESSING_HALTED"))
            .or_else(|| answer.error(NOTE));
        let err = match failed {
            Some(err) if kind_answer == NotesAnswer::Unknown => unavailable(err),
            Some(err) => refused(&err, None),
            None => ProxyError::BadRequest("Salesforce did not make the note.".into()),
        };
        return (Err(Unmade::No(err)), kind_answer);
    };
    let note = answer.ok(READ).and_then(note_row).map(|mut note| {
        note.id.clone_from(&id);
        note
    });
    tracing::info!(note = %id, object = %made.body.object, kind = ?made.kind, "note created");
    (Ok((id, note)), NotesAnswer::Answered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(c: &Composite) -> Vec<String> {
        c.requests().map(|(_, r)| r.path()).collect()
    }

    #[test]
    fn each_kind_is_made_and_read_back_in_one_composite() {
        let enhanced =
            create_plan(NoteKind::Enhanced, "003000000000001AAA", "T", "x", "59.0").unwrap();
        assert_eq!(
            paths(&enhanced),
            [
                "/sobjects/ContentNote",
                "/sobjects/ContentDocumentLink",
                "/sobjects/ContentNote/@{note.id}?fields=Id%2CTitle%2CTextPreview%2CLastModifiedDate"
            ]
        );
        let classic =
            create_plan(NoteKind::Classic, "003000000000001AAA", "T", "x", "59.0").unwrap();
        assert_eq!(
            paths(&classic),
            [
                "/sobjects/Note",
                "/sobjects/Note/@{note.id}?fields=Id%2CTitle%2CBody%2CLastModifiedDate"
            ]
        );
        let body = classic.body().to_string();
        assert!(
            body.contains("\"ParentId\":\"003000000000001AAA\""),
            "{body}"
        );
        assert!(body.contains("\"allOrNone\":true"), "{body}");
    }
}
