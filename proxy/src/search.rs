//! `GET /api/search?q=`: the Search Salesforce box. One SOSL search over Contacts, Leads and
//! Accounts; the agent's text is escaped, so it is only ever searched for.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use pane_salesforce::escape::sosl_term;
use pane_wire::api::SearchResults;
use serde::Deserialize;

use crate::lookup::answer::record;
use crate::oauth::Agent;
use crate::panel::Salesforce;
use crate::{AppState, ProxyError};

/// How many records a search answers at most.
pub const MAX_RESULTS: usize = 25;

/// The search route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/search", get(search))
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The SOSL for the agent's text, or why there is none. SOSL needs two characters at least.
pub fn sosl(text: &str) -> Result<String, ProxyError> {
    let text: String = text.trim().chars().filter(|c| !c.is_control()).collect();
    let significant = text.chars().filter(|c| c.is_alphanumeric()).count();
    if significant < 2 {
        return Err(ProxyError::BadRequest(
            "Type at least two letters or digits to search.".into(),
        ));
    }
    if text.chars().count() > 100 {
        return Err(ProxyError::BadRequest(
            "A search is at most 100 characters.".into(),
        ));
    }
    // Each word searched for literally; the last one also as a prefix, as the agent types.
    let mut words: Vec<String> = text.split_whitespace().map(sosl_term).collect();
    if let Some(last) = words.last_mut()
        && last.chars().filter(|c| c.is_alphanumeric()).count() >= 2
    {
        last.push('*');
    }
    Ok(format!(
        "FIND {{{}}} IN ALL FIELDS RETURNING \
         Contact(Id, Name, Title, Email, Phone, AccountId ORDER BY LastModifiedDate DESC LIMIT 10), \
         Lead(Id, Name, Company, Email, Phone, Status WHERE IsConverted = false ORDER BY LastModifiedDate DESC LIMIT 10), \
         Account(Id, Name, Website, Phone ORDER BY Name LIMIT 5) LIMIT {MAX_RESULTS}",
        words.join(" ")
    ))
}

async fn search(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResults>, ProxyError> {
    let sosl = sosl(&query.q)?;
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let rows = salesforce.call(salesforce.client.search(&sosl)).await?;
    Ok(Json(SearchResults {
        records: rows.iter().filter_map(record).take(MAX_RESULTS).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_a_term() {
        let cases = [
            ("rose", "FIND {rose*} IN ALL FIELDS"),
            ("Jack  Rog", "FIND {Jack Rog*} IN ALL FIELDS"),
            (
                "x} IN ALL FIELDS RETURNING User(Id) {y",
                "FIND {x\\} IN ALL FIELDS RETURNING User\\(Id\\) \\{y}",
            ),
            ("o'brien", "FIND {o\\'brien*}"),
            ("\"exact phrase\"", "FIND {\\\"exact phrase\\\"*}"),
            ("ab*", "FIND {ab\\**}"),
        ];
        for (text, start) in cases {
            let sosl = sosl(text).unwrap();
            assert!(sosl.starts_with(start), "{text:?} gave {sosl}");
            assert_eq!(
                sosl.matches("} IN ALL FIELDS RETURNING Contact(").count(),
                1,
                "one unescaped closing brace: {sosl}"
            );
        }
        for bad in ["", " ", "a", "**", "}{", &"x".repeat(101)] {
            assert!(sosl(bad).is_err(), "{bad:?}");
        }
    }
}
