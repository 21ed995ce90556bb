//! Notes on a record, as Salesforce's enhanced notes (ContentNote, linked to records by
//! ContentDocumentLink). `GET /api/notes?object=&id=` reads a record's notes, newest first, in
//! one query (its `AttachedContentNotes`); `POST /api/notes` makes a note and links it in one
//! composite with `allOrNone`, once per key the panel sends (the key is claimed in the database
//! before the write, so a retry to any proxy on it answers the note made); `PATCH /api/notes/{id}` changes
//! a note's title or text. The panel's person and Account come with their notes (the lookup
//! reads them too), so a write forgets the org's cached panels.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use pane_salesforce::composite::{inert, reference_value};
use pane_salesforce::{Composite, Filter, Literal, Order, Ref, Request, Select};
use pane_wire::api::{
    NOTE_OBJECTS, NewNote, NoteCreated, NoteEdit, NoteText, Notes, NotesQuery, note_html,
    note_text, title_problem,
};
use serde_json::{Map, Value, json};

use crate::gateway::{Salesforce, refused};
use crate::json::ApiJson;
use crate::lookup::notes::{attached_notes, notes_in};
use crate::session::Agent;
use crate::store::{NoteClaim, NoteKey};
use crate::validate::record_id;
use crate::{AppState, ProxyError};

/// The note routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/notes", get(list).post(create))
        .route("/api/notes/{id}", patch(edit))
        .route("/api/notes/{id}/text", get(text))
}

fn note_object(object: &str) -> Result<(), ProxyError> {
    if NOTE_OBJECTS.contains(&object) {
        Ok(())
    } else {
        Err(ProxyError::BadRequest(format!(
            "notes are on {}",
            NOTE_OBJECTS.join(", ")
        )))
    }
}

/// A note's id: a record id of a ContentDocument (`069`).
fn note_id(id: &str) -> Result<(), ProxyError> {
    if record_id(id) && id.starts_with("069") {
        Ok(())
    } else {
        Err(ProxyError::BadRequest("not a note id".into()))
    }
}

fn title_checked(title: &str) -> Result<String, ProxyError> {
    match title_problem(title) {
        Some(message) => Err(ProxyError::Rejected {
            message,
            fields: vec!["title".into()],
        }),
        None => Ok(inert(title.trim())),
    }
}

fn content(body: &str) -> Value {
    Value::String(STANDARD.encode(note_html(body)))
}

/// The query of a record's notes.
fn notes_query(object: &str, id: &str) -> Select {
    Select::from(object)
        .fields(["Id"])
        .child(attached_notes())
        .filter(Filter::eq("Id", id))
}

/// `GET /api/notes?object=&id=`: the record's notes, newest first (one query).
async fn list(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<NotesQuery>,
) -> Result<Json<Notes>, ProxyError> {
    note_object(&query.object)?;
    if !record_id(&query.id) {
        return Err(ProxyError::BadRequest("not a record id".into()));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let select = notes_query(&query.object, &query.id);
    let page = salesforce
        .call(salesforce.client.query(&select.to_string()))
        .await
        .map_err(unavailable)?;
    let notes = notes_in(
        page.records
            .first()
            .map(|r| r.get("AttachedContentNotes").unwrap_or(&Value::Null)),
    )
    .unwrap_or_default();
    Ok(Json(Notes { notes }))
}

/// `err`, or [`ProxyError::NotesUnavailable`] when Salesforce refused the notes' object or
/// relationship as unknown: an org without enhanced notes, or an agent who cannot read
/// ContentNote, answers `INVALID_TYPE` ("Notes must be enabled", ContentNote, Object Reference:
/// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_contentnote.htm).
fn unavailable(err: ProxyError) -> ProxyError {
    match &err {
        ProxyError::Upstream(pane_salesforce::Error::Api { errors, .. })
            if errors.iter().any(|e| e.error_code == "INVALID_TYPE") =>
        {
            ProxyError::NotesUnavailable
        }
        _ => err,
    }
}

const NOTE: Ref = Ref::named("note");
const LINK: Ref = Ref::named("link");

/// The composite that makes a note and links it to `record_id`, all or none. The link's
/// ShareType `I` lets whoever sees the record see the note (ContentDocumentLink, Object
/// Reference: "I: Inferred permission. The user's permission is determined by the related
/// record").
fn create_plan(
    record_id: &str,
    title: &str,
    body: &str,
    version: &str,
) -> Result<Composite, ProxyError> {
    let mut composite = Composite::new(version).all_or_none(true);
    composite
        .add(
            NOTE,
            Request::Create {
                object: "ContentNote".into(),
                body: json!({"Title": title, "Content": content(body)}),
            },
        )
        .and_then(|c| {
            c.add(
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
        })
        .map_err(|e| ProxyError::BadRequest(e.to_string()))?;
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
    body: &NewNote,
    title: &str,
    since: i64,
) -> Result<Option<String>, ProxyError> {
    let select = made_query(body, title, &agent.link.user_id, since);
    select
        .validate()
        .map_err(|e| ProxyError::BadRequest(e.to_string()))?;
    let page = salesforce
        .call(salesforce.client.query(&select.to_string()))
        .await?;
    let candidates: Vec<String> = page
        .records
        .first()
        .and_then(|r| r.pointer("/AttachedContentNotes/records"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.get("ContentDocumentId").and_then(Value::as_str))
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

/// The query of [`find_made`]'s candidates, earliest first.
fn made_query(body: &NewNote, title: &str, user_id: &str, since: i64) -> Select {
    Select::from(&body.object)
        .fields(["Id"])
        .child(
            Select::from("AttachedContentNotes")
                .fields(["ContentDocumentId"])
                .filter(Filter::And(vec![
                    Filter::eq("Title", title),
                    Filter::eq("CreatedById", user_id),
                    Filter::ge("CreatedDate", Literal::date_time(since - 60)),
                ]))
                .order([Order::asc("CreatedDate")])
                .limit(10),
        )
        .filter(Filter::eq("Id", body.record_id.as_str()))
}

/// How often an attempt waiting on another attempt of its key looks at the database.
const WAIT_STEP: Duration = Duration::from_millis(200);

/// `POST /api/notes`: 201 with the note's id; the same key again, to any proxy on the same
/// database, answers the same note.
async fn create(
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
    let title = title_checked(&body.title)?;
    let key = NoteKey {
        org_id: &agent.link.org_id,
        user_id: &agent.link.user_id,
        key,
    };
    let db = &state.services.db;
    let claimed_at = loop {
        let now = crate::clock::now_secs();
        match db.claim_note(key, now).await? {
            NoteClaim::Mine => break now,
            NoteClaim::Made(id) => {
                tracing::info!(note = %id, "a note's create was retried; answering the note made");
                return Ok(created(id));
            }
            // Another attempt is making it: wait for its answer.
            NoteClaim::Pending(at) if now < at.saturating_add(state.note_lease_secs) => {
                tokio::time::sleep(WAIT_STEP).await;
            }
            // Its attempt was lost (a crash, an answer lost with the note not found): the
            // note it made if any, else this attempt makes it.
            NoteClaim::Pending(at) => {
                let salesforce = Salesforce::for_agent(&state, &agent).await?;
                if let Some(id) = find_made(&state, &salesforce, &agent, &body, &title, at).await? {
                    tracing::warn!(note = %id, "a note's create was lost; found the note it made");
                    db.note_made(key, &id).await?;
                    state.panel_cache.forget_org(&agent.link.org_id).await;
                    return Ok(created(id));
                }
                if db.take_over_note(key, at, now).await? {
                    break now;
                }
            }
        }
    };
    match make(&state, &agent, &body, &title, claimed_at).await {
        Ok(id) => {
            db.note_made(key, &id).await?;
            state.panel_cache.forget_org(&agent.link.org_id).await;
            Ok(created(id))
        }
        Err(Unmade::No(err)) => {
            db.release_note(key).await?;
            Err(err)
        }
        // The note may exist: the claim stays, and a retry after its lease looks again.
        Err(Unmade::Unknown(err)) => Err(err),
    }
}

fn created(id: String) -> (StatusCode, Json<NoteCreated>) {
    (StatusCode::CREATED, Json(NoteCreated { id }))
}

/// Why [`make`] answers no note.
enum Unmade {
    /// No note was made.
    No(ProxyError),
    /// Whether a note was made is not known.
    Unknown(ProxyError),
}

/// Makes the note, claimed at `claimed_at`: its id.
async fn make(
    state: &AppState,
    agent: &Agent,
    body: &NewNote,
    title: &str,
    claimed_at: i64,
) -> Result<String, Unmade> {
    let salesforce = Salesforce::for_agent(state, agent)
        .await
        .map_err(Unmade::No)?;
    let version = &state.services.salesforce.version;
    let plan = create_plan(&body.record_id, title, &body.body, version).map_err(Unmade::No)?;
    let answer = match salesforce
        .call_raw(salesforce.client.composite(&plan))
        .await
        .map_err(Unmade::No)?
    {
        Ok(answer) => answer,
        // No answer after sending: the note may exist. Look for it rather than let a retry
        // make it twice.
        Err(err @ pane_salesforce::Error::Transport(_)) => {
            let found = find_made(state, &salesforce, agent, body, title, claimed_at)
                .await
                .map_err(Unmade::Unknown)?;
            let Some(id) = found else {
                return Err(Unmade::No(err.into()));
            };
            tracing::warn!(note = %id, "a note's answer was lost; found the note it made");
            return Ok(id);
        }
        Err(err) => return Err(Unmade::No(err.into())),
    };
    let id = answer
        .ok(LINK)
        .and(answer.ok(NOTE))
        .and_then(|b| b.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(id) = id else {
        // All or none: the subrequest that failed for its own reason, not the halted ones.
        let failed = [LINK, NOTE]
            .into_iter()
            .filter_map(|r| answer.error(r))
            .find(|e| !e.to_string().contains("PROCESSING_HALTED"))
            .or_else(|| answer.error(NOTE));
        return Err(Unmade::No(match failed {
            Some(err) => refused(&err, None),
            None => ProxyError::BadRequest("Salesforce did not make the note.".into()),
        }));
    };
    tracing::info!(note = %id, object = %body.object, "note created");
    Ok(id)
}

/// `GET /api/notes/{id}/text`: the note's whole text, to edit: its `Content` blob (one
/// request), not the 255-character `TextPreview` ("TextPreview ... string(255)", ContentNote,
/// Object Reference; a base64 field's body is read at `/sobjects/{object}/{id}/{field}`).
async fn text(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Json<NoteText>, ProxyError> {
    note_id(&id)?;
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let bytes = salesforce
        .call_raw(
            salesforce
                .client
                .get_blob(&format!("/sobjects/ContentNote/{id}/Content")),
        )
        .await?
        .map_err(|err| refused(&err, Some(&format!("ContentNote {id}"))))?;
    Ok(Json(NoteText {
        text: note_text(&String::from_utf8_lossy(&bytes)),
    }))
}

/// `PATCH /api/notes/{id}`: a note's new title or text; 204.
async fn edit(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteEdit>,
) -> Result<StatusCode, ProxyError> {
    note_id(&id)?;
    let mut fields = Map::new();
    if let Some(title) = &body.title {
        fields.insert("Title".into(), Value::String(title_checked(title)?));
    }
    if let Some(text) = &body.body {
        fields.insert("Content".into(), content(text));
    }
    if fields.is_empty() {
        return Err(ProxyError::BadRequest(
            "a note edit changes its title or its text".into(),
        ));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let result = salesforce
        .call_raw(
            salesforce
                .client
                .update("ContentNote", &id, &Value::Object(fields), None),
        )
        .await?;
    state.panel_cache.forget_org(&agent.link.org_id).await;
    result.map_err(|err| refused(&err, Some(&format!("ContentNote {id}"))))?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_query_reads_the_attached_notes_newest_first() {
        assert_eq!(
            notes_query("Contact", "003000000000001AAA").to_string(),
            "SELECT Id, (SELECT Id, ContentDocumentId, Title, TextPreview, LastModifiedDate FROM AttachedContentNotes ORDER BY LastModifiedDate DESC LIMIT 50) FROM Contact WHERE Id = '003000000000001AAA'"
        );
    }

    #[test]
    fn ids_and_objects_are_checked() {
        for (id, ok) in [
            ("069000000000001AAA", true),
            ("003000000000001AAA", false),
            ("069' OR Id != '", false),
        ] {
            assert_eq!(note_id(id).is_ok(), ok, "{id}");
        }
        for (object, ok) in [("Contact", true), ("Opportunity", true), ("Case", false)] {
            assert_eq!(note_object(object).is_ok(), ok, "{object}");
        }
    }
}
