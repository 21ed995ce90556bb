//! `GET /api/notes?object=&id=`: a record's notes of the org's kind, newest first, in one query
//! (two the first time an org turns out to keep classic notes).

use axum::Json;
use axum::extract::{Query, State};
use pane_salesforce::{Filter, Select};
use pane_wire::api::{NoteKind, Notes, NotesQuery};
use serde_json::Value;

use super::{note_object, unavailable};
use crate::gateway::Salesforce;
use crate::lookup::notes::{notes_in, notes_select, relationship};
use crate::note_kinds::{NotesAnswer, learned};
use crate::session::Agent;
use crate::validate::record_id;
use crate::{AppState, ProxyError};

/// The query of a record's notes of `kind`.
fn notes_query(object: &str, id: &str, kind: NoteKind) -> Select {
    Select::from(object)
        .fields(["Id"])
        .child(notes_select(kind))
        .filter(Filter::eq("Id", id))
}

/// The record's notes of `kind`, or Salesforce's refusal.
async fn read(
    salesforce: &Salesforce,
    query: &NotesQuery,
    kind: NoteKind,
) -> Result<Result<Notes, pane_salesforce::Error>, ProxyError> {
    let select = notes_query(&query.object, &query.id, kind);
    let page = salesforce
        .call_raw(salesforce.client.query(&select.to_string()))
        .await?;
    Ok(page.map(|page| Notes {
        notes: notes_in(
            page.records
                .first()
                .map(|r| r.get(relationship(kind)).unwrap_or(&Value::Null)),
        )
        .unwrap_or_default(),
    }))
}

/// `GET /api/notes?object=&id=`: the record's notes, newest first.
pub(super) async fn list(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<NotesQuery>,
) -> Result<Json<Notes>, ProxyError> {
    note_object(&query.object)?;
    if !record_id(&query.id) {
        return Err(ProxyError::BadRequest("not a record id".into()));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let org = &agent.link.org_id;
    let known = state.note_kinds.known(org);
    let asked = known.unwrap_or(NoteKind::Enhanced);
    let first = read(&salesforce, &query, asked).await?;
    let answer = match &first {
        Ok(_) => NotesAnswer::Answered,
        Err(err) => NotesAnswer::of_error(err),
    };
    let result = match learned(known, asked, [answer]) {
        Some(kind) if kind != asked => {
            state.note_kinds.learn(org, kind);
            read(&salesforce, &query, kind).await?
        }
        Some(kind) => {
            state.note_kinds.learn(org, kind);
            first
        }
        None => first,
    };
    result.map(Json).map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_query_reads_the_kinds_relationship_newest_first() {
        assert_eq!(
            notes_query("Contact", "003000000000001AAA", NoteKind::Enhanced).to_string(),
            "SELECT Id, (SELECT Id, ContentDocumentId, Title, TextPreview, LastModifiedDate FROM AttachedContentNotes ORDER BY LastModifiedDate DESC LIMIT 50) FROM Contact WHERE Id = '003000000000001AAA'"
        );
        assert_eq!(
            notes_query("Lead", "00Q000000000001AAA", NoteKind::Classic).to_string(),
            "SELECT Id, (SELECT Id, Title, Body, LastModifiedDate FROM Notes ORDER BY LastModifiedDate DESC LIMIT 50) FROM Lead WHERE Id = '00Q000000000001AAA'"
        );
    }
}
