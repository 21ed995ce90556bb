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
use crate::note_kinds::NotesAnswer;
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
    let ask = |kind| {
        let (salesforce, query) = (&salesforce, &query);
        async move {
            let read = read(salesforce, query, kind).await;
            let answer = match &read {
                Ok(Ok(_)) => NotesAnswer::Answered,
                Ok(Err(err)) => NotesAnswer::of_error(err),
                Err(_) => NotesAnswer::Other,
            };
            (read, vec![answer])
        }
    };
    let result = state.note_kinds.asking(&agent.link.org_id, ask).await?;
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
