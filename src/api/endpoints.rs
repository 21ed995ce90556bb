//! One function per proxy call the panel makes: the only place that knows the proxy's paths,
//! query strings and request bodies. Each takes the [`Api`] client (`Copy`) and answers with
//! the [`pane_wire::api`] type; bodies are sent as those types too.

use pane_wire::api::{
    ConversationLogged, ConvertAnswer, ConvertOptions, ConvertRequest, CreateAnswer, CreateRequest,
    FieldsByObject, HandleQuery, Health, IntegrationUser, LinkStatus, LogConversation, NewNote,
    NoteCreated, NoteEdit, NoteText, Notes, ObjectSpec, OrgSettings, PanelData, PinRequest,
    RedeemRequest, Redeemed, RuleIntake, RuleJobs, SearchResults, Settings, StartRequest, Started,
    StatusRequest, UpdateRequest, Usage, Whoami,
};
use pane_wire::bridge::{Handle, HandleKind};
use serde_json::{Map, Value};

use super::{Api, Method};
use crate::PanelError;

/// Percent-encodes a query-string value.
fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

/// `kind=email&handle=...`: the sender a panel or pin call is about.
fn handle_query(handle: &Handle) -> String {
    let kind = match handle.kind {
        HandleKind::Email => "email",
        HandleKind::Phone => "phone",
    };
    let query = HandleQuery {
        kind: kind.to_owned(),
        handle: handle.value.clone(),
    };
    format!(
        "kind={}&handle={}",
        encode(&query.kind),
        encode(&query.handle)
    )
}

/// Sends a call whose answer says only that it worked (any JSON, or none: the answer is not
/// read, so it travels as a [`Value`]).
async fn done<B: serde::Serialize>(
    api: Api,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<(), PanelError> {
    api.send::<B, Value>(method, path, body).await.map(|_| ())
}

/// `GET /api/health`: the proxy's status and backend.
pub async fn health(api: Api) -> Result<Health, PanelError> {
    api.get_json("/api/health").await
}

/// `GET /api/me`: whether the panel is linked, who to, and the proxy's health.
pub async fn me(api: Api) -> Result<Whoami, PanelError> {
    api.get_json("/api/me").await
}

/// `GET /api/settings`: the org's settings and the agent's layout.
pub async fn settings(api: Api) -> Result<Settings, PanelError> {
    api.get_json("/api/settings").await
}

/// `GET /api/describe/{object}`: the fields of `object`.
pub async fn describe(api: Api, object: &str) -> Result<ObjectSpec, PanelError> {
    api.get_json(&format!("/api/describe/{object}")).await
}

/// `GET /api/panel`: the records for `handle`.
pub async fn panel(api: Api, handle: &Handle) -> Result<PanelData, PanelError> {
    api.get_json(&format!("/api/panel?{}", handle_query(handle)))
        .await
}

/// `PUT /api/pins`: pins record `id` of `object` for `handle`, for the whole team.
pub async fn pin(api: Api, handle: &Handle, object: &str, id: &str) -> Result<(), PanelError> {
    let body = PinRequest {
        object: object.to_owned(),
        id: id.to_owned(),
    };
    let path = format!("/api/pins?{}", handle_query(handle));
    done(api, Method::Put, &path, Some(&body)).await
}

/// `DELETE /api/pins`: forgets the pin for `handle`.
pub async fn unpin(api: Api, handle: &Handle) -> Result<(), PanelError> {
    let path = format!("/api/pins?{}", handle_query(handle));
    done::<()>(api, Method::Delete, &path, None).await
}

/// `GET /api/notes?object=&id=`: the notes of a record, newest first.
pub async fn notes(api: Api, object: &str, id: &str) -> Result<Notes, PanelError> {
    api.get_json(&format!(
        "/api/notes?object={}&id={}",
        encode(object),
        encode(id)
    ))
    .await
}

/// `POST /api/notes`: adds a note to a record (`note.key` makes a retry answer the same note).
pub async fn add_note(api: Api, note: &NewNote) -> Result<NoteCreated, PanelError> {
    api.send(Method::Post, "/api/notes", Some(note)).await
}

/// `PATCH /api/notes/{id}`: a note's new title or text.
pub async fn edit_note(api: Api, id: &str, edit: &NoteEdit) -> Result<(), PanelError> {
    done(
        api,
        Method::Patch,
        &format!("/api/notes/{}", encode(id)),
        Some(edit),
    )
    .await
}

/// `GET /api/notes/{id}/text`: a note's whole text, to edit.
pub async fn note_text(api: Api, id: &str) -> Result<NoteText, PanelError> {
    api.get_json(&format!("/api/notes/{}/text", encode(id)))
        .await
}

/// `GET /api/search?q=`: Contacts, Leads and Accounts matching `text`.
pub async fn search(api: Api, text: &str) -> Result<SearchResults, PanelError> {
    api.get_json(&format!("/api/search?q={}", encode(text)))
        .await
}

/// `POST /api/records/{object}`: creates a record with `fields`; `force` past duplicates. A 409
/// carries the matches in the error's body (a [`CreateAnswer`]).
pub async fn create_record(
    api: Api,
    object: &str,
    fields: &Map<String, Value>,
    force: bool,
) -> Result<CreateAnswer, PanelError> {
    let body = CreateRequest {
        fields: fields.clone(),
        force,
    };
    api.send(Method::Post, &format!("/api/records/{object}"), Some(&body))
        .await
}

/// `PATCH /api/records/{object}/{id}`: saves `fields`, refused as a conflict when the record
/// changed since `loaded_at` (`None`: save whatever changed).
pub async fn update_record(
    api: Api,
    object: &str,
    id: &str,
    fields: &Map<String, Value>,
    loaded_at: Option<&str>,
) -> Result<(), PanelError> {
    let body = UpdateRequest {
        fields: fields.clone(),
        loaded_at: loaded_at.map(str::to_owned),
    };
    let path = format!("/api/records/{object}/{id}");
    done(api, Method::Patch, &path, Some(&body)).await
}

/// `GET /api/leads/{id}/convert`: what converting Lead `id` needs (the org's statuses).
pub async fn convert_options(api: Api, id: &str) -> Result<ConvertOptions, PanelError> {
    api.get_json(&format!("/api/leads/{id}/convert")).await
}

/// `POST /api/leads/{id}/convert`: converts Lead `id`.
pub async fn convert(
    api: Api,
    id: &str,
    request: &ConvertRequest,
) -> Result<ConvertAnswer, PanelError> {
    api.send(
        Method::Post,
        &format!("/api/leads/{id}/convert"),
        Some(request),
    )
    .await
}

/// `PUT /api/settings/layout`: the agent's fields per object; answers the layout saved.
pub async fn save_layout(api: Api, layout: &FieldsByObject) -> Result<FieldsByObject, PanelError> {
    api.send(Method::Put, "/api/settings/layout", Some(layout))
        .await
}

/// `PUT /api/settings/org` (admins): the org's settings; answers the settings saved.
pub async fn save_org_settings(
    api: Api,
    settings: &OrgSettings,
) -> Result<OrgSettings, PanelError> {
    api.send(Method::Put, "/api/settings/org", Some(settings))
        .await
}

/// `GET /api/usage`: today's Salesforce API usage.
pub async fn usage(api: Api) -> Result<Usage, PanelError> {
    api.get_json("/api/usage").await
}

/// `GET /api/conversations/log?conversation=&ids=`: whether the conversation is logged as a
/// Task, and (where its host messages are known) which of them rules logged, in one request.
pub async fn conversation_status(
    api: Api,
    conversation: &str,
    ids: Option<&[String]>,
) -> Result<ConversationLogged, PanelError> {
    let mut path = format!(
        "/api/conversations/log?conversation={}",
        encode(conversation)
    );
    if let Some(ids) = ids {
        path.push_str("&ids=");
        path.push_str(&encode(&ids.join(",")));
    }
    api.get_json(&path).await
}

/// `POST /api/conversations/log`: logs the conversation as one Task (again: updates it).
pub async fn log_conversation(
    api: Api,
    body: &LogConversation,
) -> Result<ConversationLogged, PanelError> {
    api.send(Method::Post, "/api/conversations/log", Some(body))
        .await
}

/// `GET /api/admin/integration` (admins): the integration user and why rule work waits.
pub async fn integration(api: Api) -> Result<IntegrationUser, PanelError> {
    api.get_json("/api/admin/integration").await
}

/// `DELETE /api/admin/integration` (admins): unlinks the integration user.
pub async fn unlink_integration(api: Api) -> Result<(), PanelError> {
    done::<()>(api, Method::Delete, "/api/admin/integration", None).await
}

/// `GET /api/admin/rules` (admins): the recent rule jobs.
pub async fn rule_jobs(api: Api) -> Result<RuleJobs, PanelError> {
    api.get_json("/api/admin/rules").await
}

/// `GET /api/admin/rules/intake` (admins): the org's rule intake URL and secret.
pub async fn rule_intake(api: Api) -> Result<RuleIntake, PanelError> {
    api.get_json("/api/admin/rules/intake").await
}

/// `POST /api/admin/rules/intake/rotate` (admins): a new secret; the previous one is accepted
/// for a day more.
pub async fn rotate_rule_intake(api: Api) -> Result<RuleIntake, PanelError> {
    api.send::<(), RuleIntake>(Method::Post, "/api/admin/rules/intake/rotate", None)
        .await
}

/// `POST /api/admin/rules/{id}/retry` (admins): runs failed rule job `id` again.
pub async fn retry_rule_job(api: Api, id: &str) -> Result<(), PanelError> {
    let path = format!("/api/admin/rules/{id}/retry");
    done::<()>(api, Method::Post, &path, None).await
}

/// `POST /api/oauth/start`: starts a link for `purpose` (`agent` or `integration`).
pub async fn oauth_start(api: Api, purpose: &str) -> Result<Started, PanelError> {
    let body = StartRequest {
        purpose: Some(purpose.to_owned()),
        origin: None,
    };
    api.send(Method::Post, "/api/oauth/start", Some(&body))
        .await
}

/// `POST /api/oauth/redeem`: redeems link `tx` with its secret and the popup's one-time
/// `code`; the answer sets the session cookie.
pub async fn oauth_redeem(api: Api, tx: &str, redeem: &str, code: &str) -> Result<(), PanelError> {
    let body = RedeemRequest {
        tx: tx.to_owned(),
        redeem: redeem.to_owned(),
        code: code.to_owned(),
    };
    api.send::<_, Redeemed>(Method::Post, "/api/oauth/redeem", Some(&body))
        .await
        .map(|_| ())
}

/// `POST /api/oauth/status`: how link `tx` is going (`done`, `failed`, `gone`, or waiting).
pub async fn oauth_status(api: Api, tx: &str, redeem: &str) -> Result<String, PanelError> {
    let body = StatusRequest {
        tx: tx.to_owned(),
        redeem: redeem.to_owned(),
    };
    let answer: LinkStatus = api
        .send(Method::Post, "/api/oauth/status", Some(&body))
        .await?;
    Ok(answer.status)
}

/// `POST /api/oauth/unlink`: ends the agent's session.
pub async fn unlink(api: Api) -> Result<(), PanelError> {
    done::<()>(api, Method::Post, "/api/oauth/unlink", None).await
}
