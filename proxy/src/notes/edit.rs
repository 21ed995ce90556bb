//! A note's whole text (`GET /api/notes/{id}/text`) and its edit (`PATCH /api/notes/{id}`), of
//! the kind its id tells: a ContentNote's text is its `Content` blob (HTML), a classic Note's
//! its `Body` (plain text).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pane_wire::api::{NoteEdit, NoteKind, NoteText, note_text};
use serde_json::Value;

use super::{note_fields, note_id};
use crate::gateway::{Salesforce, refused};
use crate::json::ApiJson;
use crate::note_kinds::writable;
use crate::session::Agent;
use crate::{AppState, ProxyError};

/// `GET /api/notes/{id}/text`: the note's whole text, to edit, in one request: a ContentNote's
/// `Content` blob, not the 255-character `TextPreview` ("TextPreview ... string(255)",
/// ContentNote, Object Reference; a base64 field's body is read at
/// `/sobjects/{object}/{id}/{field}`), or a classic Note's `Body`.
pub(super) async fn text(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Json<NoteText>, ProxyError> {
    let kind = note_id(&id)?;
    writable(state.note_kinds.known(&agent.link.org_id), kind)?;
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let record = format!("{} {id}", kind.object());
    let text = match kind {
        NoteKind::Enhanced => {
            let bytes = salesforce
                .call_raw(
                    salesforce
                        .client
                        .get_blob(&format!("/sobjects/ContentNote/{id}/Content")),
                )
                .await?
                .map_err(|err| refused(&err, Some(&record)))?;
            note_text(&String::from_utf8_lossy(&bytes))
        }
        NoteKind::Classic => salesforce
            .call_raw(
                salesforce
                    .client
                    .get(&format!("/sobjects/Note/{id}?fields=Body")),
            )
            .await?
            .map_err(|err| refused(&err, Some(&record)))?
            .get("Body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    };
    Ok(Json(NoteText { text }))
}

/// `PATCH /api/notes/{id}`: a note's new title or text; 204.
pub(super) async fn edit(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteEdit>,
) -> Result<StatusCode, ProxyError> {
    let kind = note_id(&id)?;
    writable(state.note_kinds.known(&agent.link.org_id), kind)?;
    let fields = note_fields(kind, body.title.as_deref(), body.body.as_deref())?;
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
                .update(kind.object(), &id, &Value::Object(fields), None),
        )
        .await?;
    state.panel_cache.forget_org(&agent.link.org_id).await;
    result.map_err(|err| refused(&err, Some(&format!("{} {id}", kind.object()))))?;
    Ok(StatusCode::NO_CONTENT)
}
