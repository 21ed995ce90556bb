//! `GET /api/search?q=`: the Search Salesforce box. One SOSL search over Contacts, Leads and
//! Accounts; the agent's text is escaped, so it is only ever searched for.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use pane_salesforce::{Order, Scope, Search, Select};
use pane_wire::api::SearchResults;
use serde::Deserialize;

use crate::gateway::{Gateway, Salesforce};
use crate::lookup::answer::record;
use crate::lookup::plan::returning_people;
use crate::session::Agent;
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
pub fn sosl(text: &str) -> Result<Search, ProxyError> {
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
    let people = returning_people(
        Search::find_as_typed(&text, Scope::All),
        &["Name", "Title", "Email", "Phone", "AccountId"],
        &["Name", "Company", "Email", "Phone", "Status"],
        10,
    );
    #[allow(clippy::cast_possible_truncation, reason = "MAX_RESULTS is 25")]
    Ok(people
        .returning(
            Select::from("Account")
                .fields(["Name", "Website", "Phone"])
                .order([Order::asc("Name")])
                .limit(5),
        )
        .limit(MAX_RESULTS as u32))
}

async fn search(
    State(gateway): State<Gateway>,
    agent: Agent,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResults>, ProxyError> {
    let sosl = sosl(&query.q)?;
    let salesforce = Salesforce::for_agent(&gateway, &agent).await?;
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
            let sosl = sosl(text).unwrap().to_string();
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
