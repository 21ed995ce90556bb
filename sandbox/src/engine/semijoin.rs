//! Semi-joins and anti-joins run: the subquery first, its ids then the list the left operand is
//! compared with (`Id IN (SELECT AccountId FROM Contact WHERE ...)` becomes `Id IN ('001...',
//! ...)`). Where they may sit is checked before (`crate::semijoin`); here, what they compare:
//! "The left operand must query a single ID (primary key) or reference (foreign key) field"
//! and the subquery "must query a field referencing the same object type as the main query"
//! ("Comparison Operators", SOQL and SOSL Reference, semi-joins and anti-joins:
//! <https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm>).
//! Salesforce's answer to a non-id field in the subquery is "semi join sub-selects can only
//! query id fields, cannot use: '…'"; the page gives no words for the other two, the sandbox's
//! are in the same form.

use std::collections::BTreeSet;

use super::eval::{Reader, Resolved, resolve};
use super::query::path_error;
use crate::error::ApiError;
use crate::org::Org;
use crate::schema::ObjectDef;
use crate::soql::{Expr, FieldPath, Query, SelectItem, Value as Lit};

fn malformed(rule: &'static str, message: String) -> ApiError {
    ApiError::query("MALFORMED_QUERY", message).rule(rule)
}

/// The object types an id or reference field on `object` points at; `None` for any other
/// field or one read through a relationship.
fn targets(object: &ObjectDef, path: &Resolved) -> Option<Vec<String>> {
    if !path.steps.is_empty() {
        return None;
    }
    match path.kind.as_str() {
        "id" => Some(vec![object.name.clone()]),
        "reference" => object.field(&path.field).map(|f| f.reference_to.clone()),
        _ => None,
    }
}

impl Org {
    /// `expr` with each semi-join replaced by the ids its subquery selects.
    pub(super) fn joined(
        &self,
        soql: &str,
        object: &ObjectDef,
        expr: &Expr,
    ) -> Result<Expr, ApiError> {
        let both = |a: &Expr, b: &Expr| -> Result<(Box<Expr>, Box<Expr>), ApiError> {
            Ok((
                Box::new(self.joined(soql, object, a)?),
                Box::new(self.joined(soql, object, b)?),
            ))
        };
        Ok(match expr {
            Expr::And(a, b) => {
                let (a, b) = both(a, b)?;
                Expr::And(a, b)
            }
            Expr::Or(a, b) => {
                let (a, b) = both(a, b)?;
                Expr::Or(a, b)
            }
            Expr::Not(inner) => Expr::Not(Box::new(self.joined(soql, object, inner)?)),
            Expr::SemiJoin {
                field,
                negated,
                query,
            } => Expr::In {
                field: field.clone(),
                negated: *negated,
                values: self
                    .semi_join_ids(soql, object, field, query)?
                    .into_iter()
                    .map(Lit::String)
                    .collect(),
            },
            Expr::Cmp { .. } | Expr::In { .. } => expr.clone(),
        })
    }

    /// The ids `query` selects, checked against the left operand `field` of `object`.
    fn semi_join_ids(
        &self,
        soql: &str,
        object: &ObjectDef,
        field: &FieldPath,
        query: &Query,
    ) -> Result<BTreeSet<String>, ApiError> {
        let left = resolve(self, object, field).map_err(|e| path_error(soql, &e))?;
        let left_targets = targets(object, &left).ok_or_else(|| {
            malformed(
                "soql.semi-join-left",
                format!("The left operand of a semi join or anti join must be an id or a reference field, not '{field}'"),
            )
        })?;
        let (plan, _) = self.plan(soql, query, None)?;
        let [SelectItem::Field(path)] = query.select.as_slice() else {
            return Err(malformed(
                "soql.semi-join-select",
                "A semi join sub-select must select exactly one id or reference field, without a relationship".into(),
            ));
        };
        let selected = resolve(self, plan.object, path).map_err(|e| path_error(soql, &e))?;
        let selected_targets = targets(plan.object, &selected).ok_or_else(|| {
            malformed(
                "soql.semi-join-select",
                format!("semi join sub-selects can only query id fields, cannot use: '{path}'"),
            )
        })?;
        if !selected_targets.iter().any(|t| left_targets.contains(t)) {
            return Err(malformed(
                "soql.semi-join-type",
                format!(
                    "The semi join sub-select's {path} does not reference the same object type as {field}"
                ),
            ));
        }
        let reader = Reader::new(self);
        // A scan reads only the fields that choose the rows and the one selected.
        let mut only = plan.choosing_fields();
        only.insert(selected.own_field().to_owned());
        let rows = self.candidates_of(&plan, false, Some(&only))?;
        Ok(self
            .select(&reader, &plan, rows)
            .iter()
            .filter_map(|row| reader.value(row, &selected).as_str().map(str::to_owned))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::demo;

    fn names(soql: &str) -> Vec<String> {
        let org = demo::open(demo::settings()).unwrap();
        let out = org
            .query(soql, false, "59.0")
            .unwrap_or_else(|e| panic!("{soql}: {e:?}"));
        out.records
            .iter()
            .map(|r| r["Name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn a_semi_join_keeps_the_rows_its_subquery_selects() {
        // Pat's Contact is at pyramid.net, Pyramid's website is www.pyramid.com: the domain
        // lookup's two ways to a company.
        assert_eq!(
            names(
                "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@pyramid.net' OR Account.Website LIKE '%edge.com%') ORDER BY Name"
            ),
            ["Edge Communications", "Pyramid Construction Inc."]
        );
        assert_eq!(
            names(
                "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email = 'nobody@nowhere.example')"
            ),
            Vec::<String>::new()
        );
        // An anti-join: Accounts without a Contact whose last name is Rogers.
        assert_eq!(
            names(
                "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = 'Rogers') AND Website != null ORDER BY Name LIMIT 2"
            ),
            ["Edge Communications", "Pyramid Construction Inc."]
        );
        // A reference on the left: Contacts whose Account has a Contact at edge.com.
        assert_eq!(
            names(
                "SELECT Name FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Website LIKE '%edge.com%') ORDER BY Name"
            ),
            ["Rose Gonzalez", "Sean Forbes"]
        );
    }

    #[test]
    fn a_semi_join_compares_ids_of_one_type() {
        let org = demo::open(demo::settings()).unwrap();
        for (soql, rule) in [
            (
                "SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)",
                "soql.semi-join-left",
            ),
            (
                "SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)",
                "soql.semi-join-select",
            ),
            (
                "SELECT Id FROM Account WHERE Id IN (SELECT Id FROM Contact)",
                "soql.semi-join-type",
            ),
        ] {
            let err = org.query(soql, false, "59.0").expect_err(soql);
            assert_eq!(
                (err.code, err.rule),
                ("MALFORMED_QUERY", Some(rule)),
                "{soql}"
            );
        }
        let err = org
            .query(
                "SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)",
                false,
                "59.0",
            )
            .unwrap_err();
        assert_eq!(
            err.message,
            "semi join sub-selects can only query id fields, cannot use: 'LastName'"
        );
    }
}
