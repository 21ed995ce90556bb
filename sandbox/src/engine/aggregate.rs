//! Aggregate queries: GROUP BY, `COUNT(field)`, `COUNT_DISTINCT`, `SUM`, `AVG`, `MIN`, `MAX`
//! with aliases, HAVING, and ORDER BY over groups. Rows are `AggregateResult`s.
//!
//! Salesforce's rules followed here, from the SOQL and SOSL Reference:
//! - "Aggregate Functions"
//!   (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_agg_functions.htm):
//!   COUNT(field) counts the rows where the field is not null, COUNT_DISTINCT the distinct
//!   non-null values; SUM and AVG take numbers; AggregateResult rows.
//! - "Using Aliases with GROUP BY"
//!   (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_alias.htm):
//!   an aggregate without an alias is named `expri`, `i` counting from 0 over the aggregates
//!   that have no alias.
//! - "GROUP BY" and "Considerations for GROUP BY"
//!   (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby.htm,
//!   https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_group_by_considerations.htm):
//!   only `groupable` fields are grouped; an aggregate query with LIMIT needs GROUP BY; "In
//!   REST API, queries that include a GROUP BY clause can't use the query locator".
//! - "HAVING"
//!   (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_having.htm).
//!
//! The error texts "Field must be grouped or aggregated: X" and "field 'X' can not be grouped
//! in a query call" are what Salesforce answers (the documentation states the rules, not the
//! wording); the others are worded here.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::eval::{Reader, Resolved, compare, compare_values, resolve};
use super::query::{QueryOutput, path_error};
use crate::error::ApiError;
use crate::org::Org;
use crate::soql::{AggregateFn, FieldPath, Having, HavingTerm, Nulls, Query, SelectItem};
use crate::store::Record;

/// One column of an aggregate row.
enum Column {
    /// A grouped field: its GROUP BY position.
    Group(String, usize),
    /// An aggregate.
    Aggregate(String, AggregateFn, Resolved),
}

fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::query("MALFORMED_QUERY", message)
}

fn numeric(kind: &str) -> bool {
    matches!(kind, "int" | "double" | "currency" | "percent")
}

/// The value of `function` over `path` in `rows`.
fn compute(reader: &Reader<'_>, function: AggregateFn, path: &Resolved, rows: &[Record]) -> Value {
    let values: Vec<Value> = rows
        .iter()
        .map(|r| reader.value(r, path))
        .filter(|v| !v.is_null())
        .collect();
    match function {
        AggregateFn::Count => json!(values.len()),
        AggregateFn::CountDistinct => {
            let mut seen: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.to_lowercase(),
                    other => other.to_string(),
                })
                .collect();
            seen.sort();
            seen.dedup();
            json!(seen.len())
        }
        AggregateFn::Sum | AggregateFn::Avg => {
            let numbers: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            if numbers.is_empty() {
                return Value::Null;
            }
            let sum: f64 = numbers.iter().sum();
            if function == AggregateFn::Sum {
                json!(sum)
            } else {
                // At most 2^53 rows: exact as a float.
                #[allow(clippy::cast_precision_loss, reason = "row counts are far below 2^53")]
                let n = numbers.len() as f64;
                json!(sum / n)
            }
        }
        AggregateFn::Min | AggregateFn::Max => values
            .into_iter()
            .reduce(|a, b| {
                let ord = compare_values(&path.kind, &a, &b);
                let keep_a = if function == AggregateFn::Min {
                    ord != Ordering::Greater
                } else {
                    ord != Ordering::Less
                };
                if keep_a { a } else { b }
            })
            .unwrap_or(Value::Null),
    }
}

/// Whether the describe lets `path`'s field be grouped (its `groupable`).
fn groupable(org: &Org, object: &crate::schema::ObjectDef, path: &Resolved) -> bool {
    // The objects the path ends on, walking its parents as `resolve` did.
    let mut owners = vec![object];
    for step in &path.steps {
        owners = owners
            .iter()
            .filter_map(|o| o.field(&step.field))
            .flat_map(|f| f.reference_to.iter())
            .filter_map(|t| org.schema.object(t))
            .collect();
    }
    owners
        .iter()
        .find_map(|o| o.field(&path.field))
        .and_then(|f| f.raw.get("groupable"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

impl Org {
    /// Runs an aggregate query.
    pub(super) fn aggregate(
        &self,
        soql: &str,
        query: &Query,
        all: bool,
    ) -> Result<QueryOutput, ApiError> {
        // The rows: the query's object and WHERE, through the ordinary plan.
        let rows_query = Query {
            select: vec![SelectItem::Field(FieldPath::new(vec!["Id".into()]))],
            from: query.from.clone(),
            from_span: query.from_span,
            filter: query.filter.clone(),
            group_by: vec![],
            having: None,
            order_by: vec![],
            limit: None,
            offset: None,
        };
        let (plan, _) = self.plan(soql, &rows_query, None)?;
        let object = plan.object;
        let resolve_path =
            |p: &FieldPath| resolve(self, object, p).map_err(|e| path_error(soql, &e));

        let group_by = query
            .group_by
            .iter()
            .map(|p| {
                let r = resolve_path(p)?;
                if !groupable(self, object, &r) {
                    return Err(malformed(format!(
                        "field '{}' can not be grouped in a query call",
                        r.field
                    )));
                }
                Ok(r)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if group_by.is_empty() && query.limit.is_some() {
            return Err(malformed(
                "An aggregate query with LIMIT must have a GROUP BY clause",
            ));
        }
        let grouped = |r: &Resolved, written: &FieldPath| {
            group_by
                .iter()
                .position(|g| g == r)
                .ok_or_else(|| malformed(format!("Field must be grouped or aggregated: {written}")))
        };
        let mut columns = Vec::new();
        let mut unnamed = 0;
        for item in &query.select {
            match item {
                SelectItem::Field(p) => {
                    let r = resolve_path(p)?;
                    let at = grouped(&r, p)?;
                    columns.push(Column::Group(r.field.clone(), at));
                }
                SelectItem::Aggregate(a) => {
                    let r = resolve_path(&a.field)?;
                    if matches!(a.function, AggregateFn::Sum | AggregateFn::Avg)
                        && !numeric(&r.kind)
                    {
                        return Err(malformed(format!(
                            "field {} does not support aggregate operator {}",
                            r.field,
                            a.function.as_str()
                        )));
                    }
                    let name = a.alias.clone().unwrap_or_else(|| {
                        unnamed += 1;
                        format!("expr{}", unnamed - 1)
                    });
                    columns.push(Column::Aggregate(name, a.function, r));
                }
                SelectItem::Count => {
                    return Err(malformed(
                        "COUNT() cannot be used with GROUP BY or other aggregate functions",
                    ));
                }
                SelectItem::SubQuery(_) => {
                    return Err(malformed(
                        "A subquery cannot be used with GROUP BY or aggregate functions",
                    ));
                }
            }
        }

        let reader = Reader::new(self);
        let rows = self.candidates(&plan, all)?;
        let rows = self.select(&reader, &plan, rows);

        // Groups, in the order of their first row; one group when there is no GROUP BY.
        let mut groups: Vec<(Vec<Value>, Vec<Record>)> = Vec::new();
        if group_by.is_empty() {
            groups.push((vec![], rows));
        } else {
            let mut index: HashMap<String, usize> = HashMap::new();
            for row in rows {
                let key: Vec<Value> = group_by.iter().map(|g| reader.value(&row, g)).collect();
                let text = Value::Array(key.clone()).to_string();
                match index.get(&text) {
                    Some(&i) => groups[i].1.push(row),
                    None => {
                        index.insert(text, groups.len());
                        groups.push((key, vec![row]));
                    }
                }
            }
            // Sorted by the grouped values (nulls first), so answers are stable.
            groups.sort_by(|(a, _), (b, _)| {
                for ((x, y), g) in a.iter().zip(b).zip(&group_by) {
                    let ord = compare_values(&g.kind, x, y);
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                Ordering::Equal
            });
        }

        // HAVING.
        let today = chrono::Utc::now().date_naive();
        if let Some(having) = &query.having {
            let checked = self.check_having(soql, object, having, &group_by)?;
            groups.retain(|(key, rows)| keep(&reader, &checked, key, rows, today));
        }

        // ORDER BY over groups.
        if !query.order_by.is_empty() {
            let mut keys = Vec::new();
            for o in &query.order_by {
                let r = resolve_path(&o.field)?;
                let nulls = o.nulls.unwrap_or(if o.descending {
                    Nulls::Last
                } else {
                    Nulls::First
                });
                let at = match o.aggregate {
                    Some(_) => None,
                    None => Some(grouped(&r, &o.field)?),
                };
                keys.push((o.aggregate, r, at, o.descending, nulls));
            }
            let values: Vec<Vec<Value>> = groups
                .iter()
                .map(|(key, rows)| {
                    keys.iter()
                        .map(|(function, r, at, _, _)| match (function, at) {
                            (Some(function), _) => compute(&reader, *function, r, rows),
                            (None, Some(at)) => key.get(*at).cloned().unwrap_or(Value::Null),
                            (None, None) => Value::Null,
                        })
                        .collect()
                })
                .collect();
            let mut order: Vec<usize> = (0..groups.len()).collect();
            order.sort_by(|&a, &b| {
                for (i, (function, r, _, descending, nulls)) in keys.iter().enumerate() {
                    let (x, y) = (&values[a][i], &values[b][i]);
                    let ord = match (x.is_null(), y.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) if *nulls == Nulls::First => Ordering::Less,
                        (true, false) => Ordering::Greater,
                        (false, true) if *nulls == Nulls::First => Ordering::Greater,
                        (false, true) => Ordering::Less,
                        (false, false) => {
                            let kind = match function {
                                Some(AggregateFn::Count | AggregateFn::CountDistinct) => "int",
                                _ => r.kind.as_str(),
                            };
                            let ord = compare_values(kind, x, y);
                            if *descending { ord.reverse() } else { ord }
                        }
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                Ordering::Equal
            });
            let mut slots: Vec<Option<(Vec<Value>, Vec<Record>)>> =
                groups.into_iter().map(Some).collect();
            groups = order.into_iter().filter_map(|i| slots[i].take()).collect();
        }

        let to_usize = |n: Option<u64>| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let records: Vec<Value> = groups
            .iter()
            .skip(to_usize(query.offset).unwrap_or(0))
            .take(to_usize(query.limit).unwrap_or(usize::MAX))
            .map(|(key, rows)| {
                let mut out = Map::new();
                out.insert("attributes".into(), json!({"type": "AggregateResult"}));
                for column in &columns {
                    match column {
                        Column::Group(name, at) => {
                            out.insert(name.clone(), key.get(*at).cloned().unwrap_or(Value::Null));
                        }
                        Column::Aggregate(name, function, r) => {
                            out.insert(name.clone(), compute(&reader, *function, r, rows));
                        }
                    }
                }
                Value::Object(out)
            })
            .collect();
        Ok(QueryOutput {
            total_size: records.len(),
            records,
            aggregate: true,
        })
    }

    /// Resolves a HAVING clause's terms: aggregates of the object's fields, or grouped fields.
    fn check_having(
        &self,
        soql: &str,
        object: &crate::schema::ObjectDef,
        having: &Having,
        group_by: &[Resolved],
    ) -> Result<CheckedHaving, ApiError> {
        Ok(match having {
            Having::And(a, b) => CheckedHaving::And(
                Box::new(self.check_having(soql, object, a, group_by)?),
                Box::new(self.check_having(soql, object, b, group_by)?),
            ),
            Having::Or(a, b) => CheckedHaving::Or(
                Box::new(self.check_having(soql, object, a, group_by)?),
                Box::new(self.check_having(soql, object, b, group_by)?),
            ),
            Having::Not(a) => {
                CheckedHaving::Not(Box::new(self.check_having(soql, object, a, group_by)?))
            }
            Having::Cmp { term, op, value } => {
                let (function, path) = match term {
                    HavingTerm::Aggregate(function, path) => (Some(*function), path),
                    HavingTerm::Field(path) => (None, path),
                };
                let r = resolve(self, object, path).map_err(|e| path_error(soql, &e))?;
                let at = match function {
                    Some(_) => None,
                    None => Some(group_by.iter().position(|g| *g == r).ok_or_else(|| {
                        malformed(format!("Field must be grouped or aggregated: {path}"))
                    })?),
                };
                CheckedHaving::Cmp(function, r, at, *op, value.clone())
            }
        })
    }
}

enum CheckedHaving {
    And(Box<CheckedHaving>, Box<CheckedHaving>),
    Or(Box<CheckedHaving>, Box<CheckedHaving>),
    Not(Box<CheckedHaving>),
    Cmp(
        Option<AggregateFn>,
        Resolved,
        Option<usize>,
        crate::soql::CmpOp,
        crate::soql::Value,
    ),
}

fn keep(
    reader: &Reader<'_>,
    having: &CheckedHaving,
    key: &[Value],
    rows: &[Record],
    today: chrono::NaiveDate,
) -> bool {
    match having {
        CheckedHaving::And(a, b) => {
            keep(reader, a, key, rows, today) && keep(reader, b, key, rows, today)
        }
        CheckedHaving::Or(a, b) => {
            keep(reader, a, key, rows, today) || keep(reader, b, key, rows, today)
        }
        CheckedHaving::Not(a) => !keep(reader, a, key, rows, today),
        CheckedHaving::Cmp(function, r, at, op, lit) => {
            let (value, kind) = match (function, at) {
                (Some(function), _) => {
                    let kind = match function {
                        AggregateFn::Count | AggregateFn::CountDistinct => "int",
                        _ => r.kind.as_str(),
                    };
                    (compute(reader, *function, r, rows), kind)
                }
                (None, Some(at)) => (
                    key.get(*at).cloned().unwrap_or(Value::Null),
                    r.kind.as_str(),
                ),
                (None, None) => (Value::Null, r.kind.as_str()),
            };
            compare(kind, &value, *op, lit, today)
        }
    }
}
