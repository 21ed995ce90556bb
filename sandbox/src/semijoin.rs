//! Where a semi-join (`Id IN (SELECT AccountId FROM Contact ...)`) or an anti-join (`NOT IN`)
//! may sit in a query, as Salesforce restricts it ("Comparison Operators", SOQL and SOSL
//! Reference, semi-joins and anti-joins:
//! <https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm>):
//!
//! - at most two per WHERE clause ("No more than two IN or NOT IN statements per WHERE
//!   clause"; the page does not give the error's words, the sandbox words it);
//! - only among the top-level ANDs of the WHERE: not beside an `OR` ("Semi join sub-selects
//!   are not allowed with the 'OR' operator"), not under `NOT` or in a parenthesised
//!   expression ("Semi join sub-selects are only allowed at the top level WHERE expressions
//!   and not in nested WHERE expressions."), the two messages Salesforce answers;
//! - not nested in another ("You can't nest a semi-join or anti-join statement in another
//!   semi-join or anti-join statement"; the error's words are the sandbox's);
//! - the subquery selects one field, without a relationship (the engine checks that it is an
//!   id or a reference of the left operand's type, `engine::semijoin`).

use crate::error::ApiError;
use crate::soql::{Expr, Query, SelectItem};

/// The most semi-joins and anti-joins one WHERE may hold.
pub const MAX_SEMI_JOINS: usize = 2;

fn malformed(rule: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::query("MALFORMED_QUERY", message).rule(rule)
}

/// Every semi-join of `expr`, with whether it is among the top-level ANDs.
fn joins<'q>(expr: &'q Expr, top: bool, out: &mut Vec<(&'q Query, bool)>) {
    match expr {
        Expr::And(a, b) => {
            joins(a, top, out);
            joins(b, top, out);
        }
        Expr::Or(a, b) => {
            joins(a, false, out);
            joins(b, false, out);
        }
        Expr::Not(inner) => joins(inner, false, out),
        Expr::SemiJoin { query, .. } => out.push((query, top)),
        Expr::Cmp { .. } | Expr::In { .. } => {}
    }
}

/// Salesforce's refusals of where `query`'s semi-joins sit and what they select (its
/// subqueries' WHERE clauses too).
pub fn check(query: &Query) -> Result<(), ApiError> {
    let children = query.select.iter().filter_map(|item| match item {
        SelectItem::SubQuery(sub) => Some(sub.as_ref()),
        _ => None,
    });
    for q in std::iter::once(query).chain(children) {
        let Some(filter) = &q.filter else { continue };
        let mut found = Vec::new();
        joins(filter, true, &mut found);
        if found.len() > MAX_SEMI_JOINS {
            return Err(malformed(
                "soql.semi-join-count",
                format!(
                    "No more than {MAX_SEMI_JOINS} semi join or anti join sub-selects can be specified in a WHERE clause"
                ),
            ));
        }
        for (sub, top) in found {
            if !top {
                return Err(if matches!(filter, Expr::Or(..)) {
                    malformed(
                        "soql.semi-join-or",
                        "Semi join sub-selects are not allowed with the 'OR' operator",
                    )
                } else {
                    malformed(
                        "soql.semi-join-nested",
                        "Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.",
                    )
                });
            }
            if sub.filter.as_ref().is_some_and(Expr::has_semi_join) {
                return Err(malformed(
                    "soql.semi-join-nesting",
                    "Nesting of semi join sub-selects is not supported",
                ));
            }
            match sub.select.as_slice() {
                [SelectItem::Field(path)] if path.parts.len() == 1 => {}
                _ => {
                    return Err(malformed(
                        "soql.semi-join-select",
                        "A semi join sub-select must select exactly one id or reference field, without a relationship",
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soql::parse;

    /// (query, the rule it breaks, if any).
    #[rustfmt::skip]
    const CASES: &[(&str, Option<&str>)] = &[
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)", None),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Id NOT IN (SELECT AccountId FROM Opportunity) AND Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@x.com' OR Account.Website LIKE '%x.com%')", None),
        ("SELECT Id, (SELECT Id FROM Contacts WHERE Id IN (SELECT WhoId FROM Task)) FROM Account", None),
        ("SELECT Id FROM Account WHERE Name = 'a' OR Id IN (SELECT AccountId FROM Contact)", Some("soql.semi-join-or")),
        ("SELECT Id FROM Account WHERE Name = 'a' AND (Name = 'b' OR Id IN (SELECT AccountId FROM Contact))", Some("soql.semi-join-nested")),
        ("SELECT Id FROM Account WHERE NOT Id IN (SELECT AccountId FROM Contact)", Some("soql.semi-join-nested")),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Id IN (SELECT AccountId FROM Case) AND Id IN (SELECT AccountId FROM Opportunity)", Some("soql.semi-join-count")),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Id IN (SELECT WhoId FROM Task))", Some("soql.semi-join-nesting")),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId, Id FROM Contact)", Some("soql.semi-join-select")),
        ("SELECT Id FROM Account WHERE Id IN (SELECT Account.Id FROM Contact)", Some("soql.semi-join-select")),
        ("SELECT Id FROM Account WHERE Id IN (SELECT COUNT() FROM Contact)", Some("soql.semi-join-select")),
        ("SELECT Id, (SELECT Id FROM Contacts WHERE Name = 'a' OR Id IN (SELECT WhoId FROM Task)) FROM Account", Some("soql.semi-join-or")),
    ];

    #[test]
    fn semi_joins_sit_only_where_salesforce_allows_them() {
        for (soql, rule) in CASES {
            let query = parse(soql).unwrap_or_else(|e| panic!("{soql}: {e}"));
            let refused = check(&query).err();
            assert_eq!(refused.as_ref().and_then(|e| e.rule), *rule, "{soql}");
            if let Some(err) = refused {
                assert_eq!(err.code, "MALFORMED_QUERY", "{soql}");
            }
        }
    }
}
