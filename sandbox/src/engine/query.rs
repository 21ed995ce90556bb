//! SOQL queries over the org: plan (paths resolved, errors worded as Salesforce's), pick
//! candidates through the lookup index where the filter allows, filter, sort, page, project.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::access::{Access, access};
use super::eval::{Filter, PathError, Reader, Resolved, SortKey, matches, resolve, resolve_filter};
use crate::error::ApiError;
use crate::error::storage;
use crate::id::SfId;
use crate::keys::phone_key;
use crate::org::Org;
use crate::schema::{ChildRelationship, ObjectDef};
use crate::soql::{CmpOp, Expr, Nulls, Query, SelectItem, Span, Value as Lit, parse};
use crate::store::{Fields, Record};
use crate::time::{now_ms, parse_datetime};

/// A query's answer before paging: every matching row, projected.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutput {
    /// How many rows matched (for `COUNT()`, the count).
    pub total_size: usize,
    /// The rows.
    pub records: Vec<Value>,
    /// An aggregate query's rows (`AggregateResult`), which are never paged.
    pub aggregate: bool,
}

enum Item<'o> {
    Field(Resolved),
    Child(ChildRelationship, Box<Plan<'o>>),
}

pub(super) struct Plan<'o> {
    pub(super) object: &'o ObjectDef,
    items: Vec<Item<'o>>,
    filter: Option<Filter>,
    index: Option<Access>,
    order: Vec<(Resolved, bool, Nulls)>,
    limit: Option<usize>,
    offset: usize,
    count: bool,
}

impl Plan<'_> {
    /// The record's own fields that choose and order the plan's rows (not those it projects).
    pub(super) fn choosing_fields(&self) -> Fields {
        let mut fields = Fields::new();
        if let Some(filter) = &self.filter {
            filter.read_fields(&mut fields);
        }
        for (path, _, _) in &self.order {
            fields.insert(path.own_field().to_owned());
        }
        fields
    }
}

/// Salesforce's positioned message: the query line, a caret under where `span` starts,
/// `ERROR at Row:R:Column:C`, the text. A name no query text holds is placed at 1:1.
pub(super) fn positioned(soql: &str, span: Span, text: &str) -> String {
    let (line, column) = (span.line.max(1), span.column.max(1));
    let row = soql.lines().nth(line - 1).unwrap_or_default();
    format!(
        "\n{row}\n{caret:>column$}\nERROR at Row:{line}:Column:{column}\n{text}",
        caret = "^"
    )
}

pub(super) fn path_error(soql: &str, err: &PathError) -> ApiError {
    match err {
        PathError::NoField { name, span, object } => ApiError::query(
            "INVALID_FIELD",
            positioned(
                soql,
                *span,
                &format!(
                    "No such column '{name}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
                ),
            ),
        ),
        PathError::NoRelationship { name, span } => ApiError::query(
            "INVALID_FIELD",
            positioned(
                soql,
                *span,
                &format!(
                    "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
                ),
            ),
        ),
    }
}

/// A lookup key that narrows the candidates, from an equality in the filter's top-level ANDs.
fn index_key(object: &ObjectDef, expr: &Expr) -> Option<String> {
    match expr {
        Expr::And(a, b) => index_key(object, a).or_else(|| index_key(object, b)),
        Expr::Cmp {
            field,
            op: CmpOp::Eq,
            value: Lit::String(v),
        } if field.parts.len() == 1 => equal_key(object, &field.parts[0], v),
        _ => None,
    }
}

/// The lookup key of `field = value` on `object`'s own field, if it has one.
fn equal_key(object: &ObjectDef, field: &str, v: &str) -> Option<String> {
    let def = object.field(field)?;
    if def.external_id {
        return Some(crate::keys::external_key(&def.name, v));
    }
    match def.kind.as_str() {
        "email" => Some(format!("email:{}", v.trim().to_ascii_lowercase())),
        "phone" => phone_key(v).map(|p| format!("phone:{p}")),
        "id" => SfId::parse(v).ok().map(|id| format!("id:{id}")),
        "reference" => SfId::parse(v).ok().map(|id| format!("ref:{id}")),
        _ => None,
    }
}

/// Records read at a time by a filtered scan.
const SCAN_CHUNK: usize = 500;

impl Org {
    pub(super) fn plan<'o>(
        &'o self,
        soql: &str,
        query: &Query,
        parent: Option<&'o ObjectDef>,
    ) -> Result<(Plan<'o>, Option<ChildRelationship>), ApiError> {
        let (object, link) = match parent {
            None => {
                let object = self.schema.object(&query.from).ok_or_else(|| {
                    ApiError::query(
                        "INVALID_TYPE",
                        positioned(soql, query.from_span, &format!("sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", query.from)),
                    )
                })?;
                if object.key_prefix.is_none() {
                    return Err(ApiError::query(
                        "INVALID_TYPE_FOR_OPERATION",
                        format!("entity type {} does not support query", object.name),
                    ));
                }
                (object, None)
            }
            Some(parent) => {
                let not_understood = || {
                    ApiError::query(
                        "INVALID_TYPE",
                        positioned(
                            soql,
                            query.from_span,
                            &format!(
                                "Didn't understand relationship '{}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                                query.from
                            ),
                        ),
                    )
                };
                let rel = parent.child(&query.from).ok_or_else(not_understood)?;
                // A relationship to an object the org lacks (enhanced notes off) is not one.
                let object = self.schema.object(&rel.child).ok_or_else(not_understood)?;
                (object, Some(rel.clone()))
            }
        };
        let mut items = Vec::new();
        let mut count = false;
        for item in &query.select {
            match item {
                SelectItem::Count => count = true,
                SelectItem::Field(path) => items.push(Item::Field(
                    resolve(self, object, path).map_err(|e| path_error(soql, &e))?,
                )),
                SelectItem::Aggregate(_) => {
                    // Aggregates run through `aggregate`; here they can only be in a subquery.
                    return Err(ApiError::query(
                        "MALFORMED_QUERY",
                        "Aggregate functions are not supported in a subquery",
                    ));
                }
                SelectItem::SubQuery(sub) => {
                    let (plan, rel) = self.plan(soql, sub, Some(object))?;
                    if let Some(rel) = rel {
                        items.push(Item::Child(rel, Box::new(plan)));
                    }
                }
            }
        }
        if count && !items.is_empty() {
            return Err(ApiError::query(
                "MALFORMED_QUERY",
                "COUNT() cannot be used with other fields",
            ));
        }
        // Semi-joins become the ids their subqueries select; a filter without one is used as
        // written (not copied: every query passes here).
        let where_: Option<Cow<'_, Expr>> = match &query.filter {
            Some(f) if f.has_semi_join() => Some(Cow::Owned(self.joined(soql, object, f)?)),
            Some(f) => Some(Cow::Borrowed(f)),
            None => None,
        };
        let filter = where_
            .as_ref()
            .map(|f| resolve_filter(self, object, f))
            .transpose()
            .map_err(|e| path_error(soql, &e))?;
        // One equality on an indexed field; else an OR of indexed branches, a list of them, an
        // email's domain or a URL's text (`access`).
        let index = where_
            .as_ref()
            .and_then(|f| index_key(object, f))
            .map(Access::Key)
            .or_else(|| filter.as_ref().and_then(|f| access(object, f, &equal_key)));
        let order = query
            .order_by
            .iter()
            .map(|o| {
                let nulls = o.nulls.unwrap_or(if o.descending {
                    Nulls::Last
                } else {
                    Nulls::First
                });
                resolve(self, object, &o.field)
                    .map(|r| (r, o.descending, nulls))
                    .map_err(|e| path_error(soql, &e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let to_usize = |n: Option<u64>| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        Ok((
            Plan {
                object,
                items,
                filter,
                index,
                order,
                limit: to_usize(query.limit),
                offset: to_usize(query.offset).unwrap_or(0),
                count,
            },
            link,
        ))
    }

    /// Runs a SOQL query (`all`: deleted rows too, as `queryAll`).
    pub fn query(&self, soql: &str, all: bool, version: &str) -> Result<QueryOutput, ApiError> {
        let query = parse(soql)
            .map_err(|e| ApiError::query("MALFORMED_QUERY", e.salesforce_message(soql)))?;
        if query.is_aggregate() {
            return self.aggregate(soql, &query, all);
        }
        let (plan, _) = self.plan(soql, &query, None)?;
        let reader = Reader::new(self);
        // `COUNT()` projects nothing: its rows are read only as far as they are chosen.
        let only = plan.count.then(|| plan.choosing_fields());
        let rows = self.candidates_of(&plan, all, only.as_ref())?;
        let rows = self.select(&reader, &plan, rows);
        if plan.count {
            return Ok(QueryOutput {
                total_size: rows.len(),
                records: vec![],
                aggregate: false,
            });
        }
        let records = rows
            .iter()
            .map(|r| self.project(&reader, &plan, r, version, all))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(QueryOutput {
            total_size: records.len(),
            records,
            aggregate: false,
        })
    }

    pub(super) fn candidates(&self, plan: &Plan<'_>, all: bool) -> Result<Vec<Record>, ApiError> {
        self.candidates_of(plan, all, None)
    }

    /// [`Org::candidates`]; a scan reads only `only`'s fields of each record when given (a
    /// record found by id or lookup key comes whole, kept in memory by the store).
    pub(super) fn candidates_of(
        &self,
        plan: &Plan<'_>,
        all: bool,
        only: Option<&Fields>,
    ) -> Result<Vec<Record>, ApiError> {
        let object = &plan.object.name;
        match &plan.index {
            Some(Access::Key(key)) if key.starts_with("id:") => {
                let id = SfId::parse(&key[3..]).map_err(|_| ApiError::not_found())?;
                Ok(self
                    .store
                    .get(&id)
                    .map_err(storage)?
                    .into_iter()
                    .filter(|r| &r.object == object && (all || !r.deleted))
                    .collect())
            }
            Some(Access::Key(key)) => self.keyed(object, key, all),
            Some(access) => match self.reached(object, access, all)? {
                Some(rows) => Ok(rows),
                None => self.scan_filtered(plan, all, only),
            },
            None => self.scan_filtered(plan, all, only),
        }
    }

    /// Every record of the plan's object that passes its filter, by a scan.
    fn scan_filtered(
        &self,
        plan: &Plan<'_>,
        all: bool,
        only: Option<&Fields>,
    ) -> Result<Vec<Record>, ApiError> {
        let object = &plan.object.name;
        if plan.filter.is_none() && only.is_none() {
            return self.store.scan(object, all).map_err(storage);
        }
        // Chunk by chunk: memory follows the matches, not the object's size (a full scan of a
        // grown object made every query allocate all of it).
        let reader = Reader::new(self);
        let today = chrono::Utc::now().date_naive();
        let mut kept = Vec::new();
        let mut after = String::new();
        loop {
            let page = self
                .store
                .scan_page_of(object, all, &after, SCAN_CHUNK, only)
                .map_err(storage)?;
            let full = page.len() == SCAN_CHUNK;
            let Some(last) = page.last() else { break };
            after = last.id.to_string();
            kept.extend(page.into_iter().filter(|r| {
                plan.filter
                    .as_ref()
                    .is_none_or(|filter| matches(&reader, r, filter, today))
            }));
            if !full {
                break;
            }
        }
        Ok(kept)
    }

    /// Filters, sorts and pages candidate rows.
    pub(super) fn select(
        &self,
        reader: &Reader<'_>,
        plan: &Plan<'_>,
        rows: Vec<Record>,
    ) -> Vec<Record> {
        let today = chrono::Utc::now().date_naive();
        let mut rows: Vec<Record> = match &plan.filter {
            Some(filter) => rows
                .into_iter()
                .filter(|r| matches(reader, r, filter, today))
                .collect(),
            None => rows,
        };
        if !plan.order.is_empty() {
            let keys: Vec<Vec<SortKey>> = rows
                .iter()
                .map(|r| {
                    plan.order
                        .iter()
                        .map(|(p, _, _)| reader.with_value(r, p, |v| SortKey::of(&p.kind, v)))
                        .collect()
                })
                .collect();
            // Ties keep the rows' order: the index decides last, so the order is total and a
            // partial selection gives what a stable sort would.
            let by_keys = |&a: &usize, &b: &usize| {
                for (i, (_, descending, nulls)) in plan.order.iter().enumerate() {
                    let (x, y) = (&keys[a][i], &keys[b][i]);
                    let ord = match (x.is_null(), y.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => {
                            if *nulls == Nulls::First {
                                Ordering::Less
                            } else {
                                Ordering::Greater
                            }
                        }
                        (false, true) => {
                            if *nulls == Nulls::First {
                                Ordering::Greater
                            } else {
                                Ordering::Less
                            }
                        }
                        (false, false) => {
                            let ord = x.compare(y);
                            if *descending { ord.reverse() } else { ord }
                        }
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                a.cmp(&b)
            };
            let mut order: Vec<usize> = (0..rows.len()).collect();
            // Only the rows the LIMIT keeps are put in order (the first 11 of 2,400 Contacts).
            let wanted = plan
                .limit
                .map_or(usize::MAX, |limit| plan.offset.saturating_add(limit));
            if wanted < order.len() {
                if wanted > 0 {
                    order.select_nth_unstable_by(wanted - 1, by_keys);
                }
                order.truncate(wanted);
            }
            order.sort_unstable_by(by_keys);
            let mut slots: Vec<Option<Record>> = rows.into_iter().map(Some).collect();
            rows = order.into_iter().filter_map(|i| slots[i].take()).collect();
        }
        rows.into_iter()
            .skip(plan.offset)
            .take(plan.limit.unwrap_or(usize::MAX))
            .collect()
    }

    /// Sorts rows by a query's ORDER BY (used by SOSL's RETURNING).
    pub(super) fn sorted(
        &self,
        reader: &Reader<'_>,
        query: &Query,
        rows: Vec<Record>,
    ) -> Result<Vec<Record>, ApiError> {
        let (plan, _) = self.plan(&query.to_string(), query, None)?;
        Ok(self.select(reader, &plan, rows))
    }

    /// The rows of a child relationship's subquery `plan` under `parent`: filtered, sorted and
    /// cut. Stored children come whole from the store's kept records, so 11 Contacts of 2,400
    /// cost no read nor copy of the other 2,389 once the company has been read.
    fn child_rows(
        &self,
        reader: &Reader<'_>,
        rel: &ChildRelationship,
        plan: &Plan<'_>,
        parent: &Record,
        all: bool,
    ) -> Result<Vec<Record>, ApiError> {
        let rows = self.children(rel, parent, all)?;
        Ok(self.select(reader, plan, rows))
    }

    /// The rows of a child relationship under `parent`: a stored child's from the store;
    /// activities and notes, which are made from other records.
    fn children(
        &self,
        rel: &ChildRelationship,
        parent: &Record,
        all: bool,
    ) -> Result<Vec<Record>, ApiError> {
        let key = format!("ref:{}", parent.id);
        let linked = |r: &Record| {
            r.fields.get(&rel.field).and_then(Value::as_str) == Some(parent.id.as_str())
        };
        match rel.child.as_str() {
            "OpenActivity" | "ActivityHistory" => {
                let open = rel.child == "OpenActivity";
                let now = now_ms();
                let mut rows = Vec::new();
                for source in ["Task", "Event"] {
                    for mut r in self.keyed(source, &key, all)? {
                        let is_open = if source == "Task" {
                            r.fields.get("IsClosed").and_then(Value::as_bool) != Some(true)
                        } else {
                            let end = r
                                .fields
                                .get("EndDateTime")
                                .or_else(|| r.fields.get("ActivityDateTime"))
                                .and_then(Value::as_str)
                                .and_then(parse_datetime);
                            end.is_some_and(|end| end >= now)
                        };
                        if is_open == open
                            && (linked(&r)
                                || ["WhoId", "WhatId", "AccountId"].iter().any(|f| {
                                    r.fields.get(*f).and_then(Value::as_str)
                                        == Some(parent.id.as_str())
                                }))
                        {
                            r.fields_mut()
                                .insert("IsTask".into(), Value::Bool(source == "Task"));
                            r.object = rel.child.clone();
                            rows.push(r);
                        }
                    }
                }
                Ok(rows)
            }
            "AttachedContentNote" => self.attached_notes(parent, all),
            child => Ok(self
                .keyed(child, &key, all)?
                .into_iter()
                .filter(linked)
                .collect()),
        }
    }

    fn project(
        &self,
        reader: &Reader<'_>,
        plan: &Plan<'_>,
        record: &Record,
        version: &str,
        all: bool,
    ) -> Result<Value, ApiError> {
        let mut out = Map::new();
        out.insert(
            "attributes".into(),
            attributes(&record.object, &record.id, version),
        );
        for item in &plan.items {
            match item {
                Item::Field(path) => insert_path(reader, &mut out, record, path, 0, version),
                Item::Child(rel, child) => {
                    let rows = self.child_rows(reader, rel, child, record, all)?;
                    let value = if rows.is_empty() {
                        Value::Null
                    } else {
                        let records = rows
                            .iter()
                            .map(|r| self.project(reader, child, r, version, all))
                            .collect::<Result<Vec<_>, _>>()?;
                        json!({"totalSize": records.len(), "done": true, "records": records})
                    };
                    out.insert(rel.name.clone(), value);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

fn attributes(object: &str, id: &SfId, version: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/v{version}/sobjects/{object}/{id}")})
}

/// Writes `path` of `record` into `out`, nesting parents as records with their attributes.
pub(super) fn insert_path(
    reader: &Reader<'_>,
    out: &mut Map<String, Value>,
    record: &Record,
    path: &Resolved,
    depth: usize,
    version: &str,
) {
    let Some(step) = path.steps.get(depth) else {
        let value = record
            .fields
            .get(&path.field)
            .cloned()
            .unwrap_or(Value::Null);
        out.insert(path.field.clone(), value);
        return;
    };
    let Some(parent) = reader.parent(record, &step.field) else {
        out.entry(step.relationship.clone()).or_insert(Value::Null);
        return;
    };
    // A polymorphic relationship's record is typed `Name` (the object "used to retrieve
    // information from related records where the related record can be from more than one
    // object type", Name, Object Reference:
    // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_name.htm;
    // only TYPEOF, which this org does not parse, gives the record's own type: TYPEOF,
    // https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-typeof.html).
    // Its `url` still names the record's own object: the documentation does not show one,
    // and a URL under `/sobjects/Name/` would lead nowhere.
    let entry = out.entry(step.relationship.clone()).or_insert_with(|| {
        let mut attributes = attributes(&parent.object, &parent.id, version);
        if step.polymorphic {
            attributes["type"] = Value::from("Name");
        }
        json!({ "attributes": attributes })
    });
    if let Value::Object(nested) = entry {
        insert_path(reader, nested, &parent, path, depth + 1, version);
    }
}

#[cfg(test)]
mod tests {
    use crate::demo;
    use crate::org::Org;
    use serde_json::json;

    fn org() -> Org {
        demo::open(demo::settings()).unwrap()
    }

    /// A child list that keeps some rows chooses them reading only their sort and filter
    /// fields, then reads those whole: the same rows, with every field asked, as the whole list
    /// cut; and `COUNT()`, which reads only what chooses its rows, counts what a read lists.
    #[test]
    fn a_cut_child_list_is_the_whole_list_cut() {
        let org = org();
        demo::seed_scale(&org, 3_000).unwrap();
        let account = |cut: &str| {
            org.query(
                &format!("SELECT Id, (SELECT Id, Name, Email, Title, Account.Name FROM Contacts WHERE Email != null ORDER BY LastName DESC, Id {cut}) FROM Account WHERE Website LIKE '%company7.example%'"),
                false,
                "59.0",
            )
            .unwrap()
            .records
        };
        let rows = |r: &serde_json::Value| r["Contacts"]["records"].as_array().unwrap().clone();
        let whole = account("");
        assert_eq!(whole.len(), 1);
        let all = rows(&whole[0]);
        assert!(all.len() > 5, "{}", all.len());
        let cut = account("LIMIT 3 OFFSET 2");
        assert_eq!(rows(&cut[0]), all[2..5]);
        assert!(all[2]["Email"].is_string());
        assert!(all[2]["Account"]["Name"].is_string());

        let soql =
            "Contact WHERE Email LIKE '%@company7.example' OR Account.Website LIKE '%company7%'";
        let count = org
            .query(&format!("SELECT COUNT() FROM {soql}"), false, "59.0")
            .unwrap()
            .total_size;
        let listed = org
            .query(&format!("SELECT Id FROM {soql}"), false, "59.0")
            .unwrap()
            .records
            .len();
        assert_eq!(count, listed);
        assert!(count > 5);
    }

    /// The rules' marker is an External ID: found through the index (a scan made every rule
    /// job read every Task), and `Id`, email and references keep theirs.
    #[test]
    fn equalities_on_indexed_fields_use_the_index() {
        let org = org();
        let task = org.schema.object("Task").unwrap();
        let plan = |soql: &str| {
            let query = crate::soql::parse(soql).unwrap();
            query
                .filter
                .as_ref()
                .and_then(|f| super::index_key(task, f))
        };
        assert_eq!(
            plan("SELECT Id FROM Task WHERE Status = 'Completed' AND Pane_Message_Id__c = 'msg_1'"),
            Some("ext:Pane_Message_Id__c:msg_1".to_owned())
        );
        assert_eq!(plan("SELECT Id FROM Task WHERE Subject = 'x'"), None);
        let user = org.users()[0].clone();
        let id = org
            .create(
                &user,
                "Task",
                &json!({"Subject": "Marked", "Pane_Message_Id__c": "msg_1"}),
                false,
            )
            .unwrap();
        let found = org
            .query(
                "SELECT Id FROM Task WHERE Pane_Message_Id__c = 'msg_1'",
                false,
                "59.0",
            )
            .unwrap();
        assert_eq!(found.records.len(), 1);
        assert_eq!(found.records[0]["Id"], id.to_string());
    }

    #[test]
    fn parents_children_and_filters() {
        let org = org();
        let out = org
            .query(
                "SELECT Id, Name, Email, Account.Name, Account.Owner.Email, (SELECT Subject FROM Cases ORDER BY Subject), (SELECT Subject FROM OpenActivities), (SELECT Subject FROM ActivityHistories), (SELECT Id FROM Opportunities) FROM Contact WHERE Email = 'ROSE@edge.com'",
                false,
                "59.0",
            )
            .unwrap();
        assert_eq!(out.total_size, 1);
        let rose = &out.records[0];
        assert_eq!(rose["Name"], "Rose Gonzalez");
        assert_eq!(rose["attributes"]["type"], "Contact");
        assert_eq!(rose["Account"]["Name"], "Edge Communications");
        assert_eq!(rose["Account"]["attributes"]["type"], "Account");
        assert_eq!(
            rose["Account"]["Owner"]["Email"],
            "ana@pane-support.example"
        );
        assert_eq!(rose["Cases"]["totalSize"], 1);
        assert_eq!(
            rose["Cases"]["records"][0]["Subject"],
            "Invoice 4471 charged twice"
        );
        assert_eq!(
            rose["OpenActivities"]["records"][0]["Subject"],
            "Call Rose back about the invoice"
        );
        assert_eq!(
            rose["Opportunities"],
            json!(null),
            "an empty child relationship is null"
        );
    }

    #[test]
    fn where_order_limit_offset_count() {
        let org = org();
        let q = |soql: &str| org.query(soql, false, "59.0").unwrap();
        assert_eq!(q("SELECT COUNT() FROM Contact").total_size, 5);
        assert_eq!(
            q("SELECT Id FROM Contact WHERE LastName = 'rogers'").total_size,
            2
        );
        assert_eq!(
            q("SELECT Id FROM Contact WHERE Email LIKE '%@edge.com' AND NOT FirstName = 'Sean'")
                .total_size,
            1
        );
        assert_eq!(q("SELECT Id FROM Lead WHERE Status IN ('Working - Contacted', 'Closed - Not Converted')").total_size, 2);
        assert_eq!(
            q("SELECT Id FROM Lead WHERE Status NOT IN ('Working - Contacted')").total_size,
            3
        );
        assert_eq!(
            q("SELECT Id FROM Opportunity WHERE Amount > 60000 OR (IsWon = true AND Amount < 1)")
                .total_size,
            2
        );
        assert_eq!(
            q("SELECT Id FROM Contact WHERE Phone = '3362227000'").total_size,
            1
        );
        assert_eq!(
            q("SELECT Id FROM Account WHERE CreatedDate = TODAY").total_size,
            5
        );
        assert_eq!(
            q("SELECT Id FROM Account WHERE CreatedDate < LAST_N_DAYS:3").total_size,
            0
        );
        let names: Vec<String> = q("SELECT Name FROM Account ORDER BY Name DESC LIMIT 2 OFFSET 1")
            .records
            .iter()
            .map(|r| r["Name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            ["Pyramid Construction Inc.", "Grand Hotels & Resorts Ltd"]
        );
        let nulls: Vec<bool> = q("SELECT Title FROM Contact ORDER BY Title NULLS FIRST")
            .records
            .iter()
            .map(|r| r["Title"].is_null())
            .collect();
        assert!(nulls[0] && !nulls[nulls.len() - 1]);
        let polymorphic =
            q("SELECT Who.Name, What.Name FROM Task WHERE Who.Name = 'Rose Gonzalez'");
        assert_eq!(
            polymorphic.records[0]["Who"]["attributes"]["type"], "Name",
            "a polymorphic relationship's record is a Name"
        );
        assert_eq!(
            polymorphic.records[0]["What"]["Name"],
            "Edge Communications"
        );
    }

    #[test]
    fn a_limited_order_is_the_whole_order_cut() {
        // Only the rows a LIMIT keeps are put in order: the same rows as sorting all of them,
        // ties (60 Contacts of one last name, the many null Titles, the shared AccountIds) in
        // the same order.
        let org = org();
        let user = org.users()[0].clone();
        for n in 0..60 {
            let contact = json!({"LastName": "Tie", "FirstName": format!("N{}", (n * 37) % 60)});
            org.create(&user, "Contact", &contact, false).unwrap();
        }
        let ids = |soql: &str| -> Vec<String> {
            org.query(soql, false, "59.0")
                .unwrap()
                .records
                .iter()
                .map(|r| r["Id"].as_str().unwrap().to_owned())
                .collect()
        };
        for (object, order) in [
            ("Contact", "LastName DESC"),
            ("Contact", "LastName, FirstName"),
            ("Contact", "Title NULLS FIRST"),
            ("Contact", "AccountId DESC"),
            ("Account", "Name DESC"),
            ("Lead", "Status, Company DESC NULLS LAST"),
        ] {
            let whole = ids(&format!("SELECT Id FROM {object} ORDER BY {order}"));
            assert!(whole.len() >= 4, "{object}: enough rows to cut");
            for (limit, offset) in [
                (0, 0),
                (1, 0),
                (2, 1),
                (2, 2),
                (7, 20),
                (whole.len() + 5, 1),
            ] {
                let cut = ids(&format!(
                    "SELECT Id FROM {object} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
                ));
                let want: Vec<String> = whole.iter().skip(offset).take(limit).cloned().collect();
                assert_eq!(
                    cut, want,
                    "{object} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
                );
            }
        }
    }

    #[test]
    fn errors_are_worded_as_salesforce_words_them() {
        let org = org();
        let err = org
            .query("select count() from XYZZY", false, "59.0")
            .unwrap_err();
        assert_eq!(err.code, "INVALID_TYPE");
        // The recorded fixture's message, byte for byte.
        let recorded: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/query-invalid-type.json")).unwrap();
        let recorded_message = recorded
            .pointer("/0/response/body/compositeResponse/1/body/0/message")
            .and_then(|m| m.as_str())
            .unwrap_or_else(|| panic!("fixture shape: {recorded}"));
        assert_eq!(err.message, recorded_message);
        let err = org
            .query("SELECT Id, Foo FROM Contact", false, "59.0")
            .unwrap_err();
        assert_eq!(err.code, "INVALID_FIELD");
        assert!(err.message.starts_with("\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Contact'."), "{}", err.message);
        let err = org
            .query("SELECT Nope.Name FROM Contact", false, "59.0")
            .unwrap_err();
        assert!(
            err.message
                .contains("Didn't understand relationship 'Nope' in field path."),
            "{}",
            err.message
        );
        let err = org
            .query("SELECT Id FRM Contact", false, "59.0")
            .unwrap_err();
        assert_eq!(err.code, "MALFORMED_QUERY");
        assert!(err.message.ends_with("unexpected token: 'FRM'"));
        let err = org
            .query(
                "SELECT Id, (SELECT Id FROM Nothings) FROM Account",
                false,
                "59.0",
            )
            .unwrap_err();
        assert_eq!(err.code, "INVALID_TYPE");
        let err = org
            .query("SELECT Id FROM ActivityHistory", false, "59.0")
            .unwrap_err();
        assert_eq!(err.code, "INVALID_TYPE_FOR_OPERATION");
    }

    /// Errors are placed where the parser saw the failing name, not at the first place the
    /// same word appears in the text (a string literal, an earlier path).
    #[test]
    fn errors_point_at_the_name_that_failed() {
        let org = org();
        for (soql, code, at) in [
            (
                "SELECT Id, Foo FROM Contact",
                "INVALID_FIELD",
                "Row:1:Column:12",
            ),
            (
                "SELECT Id,\n  Foo\nFROM Contact",
                "INVALID_FIELD",
                "Row:2:Column:3",
            ),
            ("SELECT Id FROM Xyzzy", "INVALID_TYPE", "Row:1:Column:16"),
            // The text search found these in the literal or the earlier path.
            (
                "SELECT Id FROM Contact WHERE Name = 'Foo' AND Foo = 1",
                "INVALID_FIELD",
                "Row:1:Column:47",
            ),
            (
                "SELECT Account.Name, Name.Foo FROM Contact",
                "INVALID_FIELD",
                "Row:1:Column:22",
            ),
            (
                "SELECT Id, (SELECT Id FROM Contacts WHERE Name = 'Nothings'), (SELECT Id FROM Nothings) FROM Account",
                "INVALID_TYPE",
                "Row:1:Column:79",
            ),
        ] {
            let err = org.query(soql, false, "59.0").unwrap_err();
            assert_eq!(err.code, code, "{soql}: {}", err.message);
            assert!(
                err.message.contains(&format!("ERROR at {at}\n")),
                "{soql}: {}",
                err.message
            );
        }
    }

    #[test]
    fn query_all_sees_deleted_rows() {
        let org = org();
        let lead = org
            .query("SELECT Id FROM Lead LIMIT 1", false, "59.0")
            .unwrap()
            .records[0]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        org.delete("Lead", &lead).unwrap();
        assert_eq!(
            org.query("SELECT COUNT() FROM Lead", false, "59.0")
                .unwrap()
                .total_size,
            3
        );
        assert_eq!(
            org.query("SELECT COUNT() FROM Lead", true, "59.0")
                .unwrap()
                .total_size,
            4
        );
        let deleted = org
            .query(
                &format!("SELECT IsDeleted FROM Lead WHERE Id = '{lead}'"),
                true,
                "59.0",
            )
            .unwrap();
        assert_eq!(deleted.records[0]["IsDeleted"], true);
    }
}
