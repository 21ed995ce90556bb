//! The Composite resource as a value: typed subrequests and references, refused when built if
//! Salesforce would refuse them, and a typed reading of the answer.
//!
//! Salesforce's rules, from "Send Multiple Requests Using Composite" and "Composite
//! Subrequest Limits"
//! (<https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html>,
//! <https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite.html>):
//! - at most 25 subrequests, of which at most 5 are query or sObject Collections operations;
//! - only sObject resources (rows, rows by External ID, relationships...), Query, QueryAll
//!   and sObject Collections: Search is supported by Composite *Batch* only;
//! - a `referenceId` is alphanumeric with underscores, starts with a letter, and is unique;
//!   a reference names an earlier subrequest.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::Error;
use crate::error::from_response;
use crate::soql::{BadName, Piece, Reference, Search, Select, is_name, percent, url_encode};

/// The most subrequests in one composite.
pub const MAX_SUBREQUESTS: usize = 25;
/// The most query or sObject Collections subrequests in one composite.
pub const MAX_QUERIES: usize = 5;

/// A subrequest's `referenceId`, shared by the plan that makes a composite and the code that
/// reads its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ref(&'static str);

impl Ref {
    /// A reference id (checked when a subrequest is added under it).
    pub const fn named(name: &'static str) -> Ref {
        Ref(name)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// `@{ref.records[0].field}`: a field of the first row a query found.
    pub fn first(self, field: &str) -> Reference {
        Reference {
            source: self.0.to_owned(),
            path: format!("{}.records[0].{field}", self.0),
        }
    }

    /// `@{ref.field}`: a field of a record read or created (`id` of a create).
    pub fn field(self, field: &str) -> Reference {
        Reference {
            source: self.0.to_owned(),
            path: format!("{}.{field}", self.0),
        }
    }
}

/// A record id, or a reference to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordId {
    /// A 15- or 18-character id.
    Id(String),
    /// An id from an earlier subrequest.
    Ref(Reference),
}

impl RecordId {
    /// `Some` for a well-formed 15- or 18-character id.
    pub fn parse(id: &str) -> Option<RecordId> {
        ((id.len() == 15 || id.len() == 18) && id.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| RecordId::Id(id.to_owned()))
    }

    fn piece(&self) -> Piece {
        match self {
            RecordId::Id(id) => Piece::Text(id.clone()),
            RecordId::Ref(r) => Piece::Ref(r.clone()),
        }
    }
}

impl From<Reference> for RecordId {
    fn from(value: Reference) -> Self {
        RecordId::Ref(value)
    }
}

/// One REST request, inside a composite or on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `GET /query?q=`.
    Query(Select),
    /// `GET /queryAll?q=`.
    QueryAll(Select),
    /// `GET /search?q=` (not allowed in a composite).
    Search(Search),
    /// `GET /sobjects/{object}/{id}?fields=`.
    Retrieve {
        /// The object.
        object: String,
        /// The record.
        id: RecordId,
        /// The fields to read.
        fields: Vec<String>,
    },
    /// `GET /sobjects/{object}/{id}/{relationship}?fields=`: a record's related records.
    Related {
        /// The parent's object.
        object: String,
        /// The parent.
        id: RecordId,
        /// The child relationship (`Opportunities`).
        relationship: String,
        /// The children's fields.
        fields: Vec<String>,
    },
    /// `POST /sobjects/{object}`.
    Create {
        /// The object.
        object: String,
        /// Its fields.
        body: Value,
    },
    /// `PATCH /sobjects/{object}/{field}/{value}`: create or update by External ID.
    Upsert {
        /// The object.
        object: String,
        /// The External ID field.
        field: String,
        /// Its value.
        value: String,
        /// The other fields.
        body: Value,
    },
}

/// What Salesforce would refuse in a composite, found when it is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompositeError {
    /// More than [`MAX_SUBREQUESTS`].
    #[error("a composite holds at most {MAX_SUBREQUESTS} subrequests")]
    TooMany,
    /// More than [`MAX_QUERIES`] query or collection subrequests.
    #[error("a composite holds at most {MAX_QUERIES} query or sObject Collections subrequests")]
    TooManyQueries,
    /// A resource Composite does not support (Search).
    #[error("{0} is not supported in a composite")]
    Unsupported(&'static str),
    /// A referenceId used twice or not alphanumeric.
    #[error("bad referenceId {0:?}")]
    BadReferenceId(&'static str),
    /// A reference to no earlier subrequest.
    #[error("{0} refers to no earlier subrequest")]
    UnknownReference(String),
    /// Text in a write's body that Salesforce would take for a reference (`@{`): user text
    /// goes through [`inert`].
    #[error("{0:?} in a body would be read as a reference")]
    StrayReference(String),
    /// A name that is not an API name.
    #[error(transparent)]
    BadName(#[from] BadName),
}

/// `text` with every `@{` broken by a zero-width space, so Salesforce never reads user text in a
/// composite body as a reference to another subrequest (Composite has no escape for it). The
/// text reads the same.
pub fn inert(text: &str) -> String {
    text.replace("@{", "@\u{200B}{")
}

/// A reference as a JSON value for a write's body (`"@{contacts.records[0].Id}"`).
pub fn reference_value(reference: &Reference) -> Value {
    Value::String(reference.to_string())
}

/// The subrequests a body's references name; `Err` with a string that holds `@{` without
/// being one reference.
fn body_references(body: &Value, out: &mut Vec<String>) -> Result<(), CompositeError> {
    match body {
        Value::String(s) if s.contains("@{") => {
            let inner = s
                .strip_prefix("@{")
                .and_then(|r| r.strip_suffix('}'))
                .filter(|r| !r.contains(['{', '}', '@']))
                .ok_or_else(|| CompositeError::StrayReference(s.clone()))?;
            let source = inner.split(['.', '[']).next().unwrap_or_default();
            out.push(source.to_owned());
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|v| body_references(v, out)),
        Value::Object(map) => map.values().try_for_each(|v| body_references(v, out)),
        _ => Ok(()),
    }
}

impl Request {
    /// Whether it counts toward the composite's query/collection cap.
    fn is_query(&self) -> bool {
        matches!(self, Request::Query(_) | Request::QueryAll(_))
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        match self {
            Request::Create { .. } => "POST",
            Request::Upsert { .. } => "PATCH",
            _ => "GET",
        }
    }

    /// The body, for writes.
    pub fn body(&self) -> Option<&Value> {
        match self {
            Request::Create { body, .. } | Request::Upsert { body, .. } => Some(body),
            _ => None,
        }
    }

    fn validate(&self) -> Result<(), BadName> {
        let names: Vec<&str> = match self {
            Request::Query(s) | Request::QueryAll(s) => return s.validate(),
            Request::Search(s) => return s.validate(),
            Request::Retrieve { object, fields, .. } => std::iter::once(object.as_str())
                .chain(fields.iter().map(String::as_str))
                .collect(),
            Request::Related {
                object,
                relationship,
                fields,
                ..
            } => [object.as_str(), relationship.as_str()]
                .into_iter()
                .chain(fields.iter().map(String::as_str))
                .collect(),
            Request::Create { object, .. } => vec![object.as_str()],
            Request::Upsert { object, field, .. } => vec![object.as_str(), field.as_str()],
        };
        match names.into_iter().find(|n| !is_name(n)) {
            Some(bad) => Err(BadName(bad.to_owned())),
            None => Ok(()),
        }
    }

    fn references(&self) -> Vec<&Reference> {
        match self {
            Request::Query(s) | Request::QueryAll(s) => s.references(),
            Request::Retrieve {
                id: RecordId::Ref(r),
                ..
            }
            | Request::Related {
                id: RecordId::Ref(r),
                ..
            } => vec![r],
            _ => Vec::new(),
        }
    }

    /// The path and query after `/services/data/vNN.N`, encoded, references left as
    /// `@{...}`.
    pub fn path(&self) -> String {
        let fields = |fields: &[String]| {
            if fields.is_empty() {
                String::new()
            } else {
                format!("?fields={}", percent(&fields.join(",")))
            }
        };
        match self {
            Request::Query(s) => format!("/query?q={}", url_encode(&s.pieces())),
            Request::QueryAll(s) => format!("/queryAll?q={}", url_encode(&s.pieces())),
            Request::Search(s) => format!("/search?q={}", percent(&s.to_string())),
            Request::Retrieve {
                object,
                id,
                fields: f,
            } => format!(
                "/sobjects/{object}/{}{}",
                url_encode(&[id.piece()]),
                fields(f)
            ),
            Request::Related {
                object,
                id,
                relationship,
                fields: f,
            } => format!(
                "/sobjects/{object}/{}/{relationship}{}",
                url_encode(&[id.piece()]),
                fields(f)
            ),
            Request::Create { object, .. } => format!("/sobjects/{object}"),
            Request::Upsert {
                object,
                field,
                value,
                ..
            } => format!("/sobjects/{object}/{field}/{}", percent(value)),
        }
    }
}

/// A composite request being built.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    version: String,
    all_or_none: bool,
    parts: Vec<(Ref, Request)>,
}

impl Composite {
    /// An empty composite for API `version` (`"59.0"`), `allOrNone` false.
    pub fn new(version: &str) -> Composite {
        Composite {
            version: version.to_owned(),
            all_or_none: false,
            parts: Vec::new(),
        }
    }

    /// Sets `allOrNone`.
    #[must_use]
    pub fn all_or_none(mut self, all_or_none: bool) -> Composite {
        self.all_or_none = all_or_none;
        self
    }

    /// Adds `request` under `reference`, or says why Salesforce would refuse it.
    pub fn add(
        &mut self,
        reference: Ref,
        request: Request,
    ) -> Result<&mut Composite, CompositeError> {
        if matches!(request, Request::Search(_)) {
            return Err(CompositeError::Unsupported("Search"));
        }
        if self.parts.len() >= MAX_SUBREQUESTS {
            return Err(CompositeError::TooMany);
        }
        if request.is_query() && self.queries() >= MAX_QUERIES {
            return Err(CompositeError::TooManyQueries);
        }
        let name = reference.name();
        let well_formed = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed || self.parts.iter().any(|(r, _)| *r == reference) {
            return Err(CompositeError::BadReferenceId(name));
        }
        request.validate()?;
        let mut sources: Vec<String> = request
            .references()
            .into_iter()
            .map(|r| r.source().to_owned())
            .collect();
        if let Some(body) = request.body() {
            body_references(body, &mut sources)?;
        }
        if let Some(unknown) = sources
            .into_iter()
            .find(|source| !self.parts.iter().any(|(p, _)| p.name() == source))
        {
            return Err(CompositeError::UnknownReference(unknown));
        }
        self.parts.push((reference, request));
        Ok(self)
    }

    /// The query and collection subrequests so far.
    pub fn queries(&self) -> usize {
        self.parts.iter().filter(|(_, r)| r.is_query()).count()
    }

    /// The subrequests so far.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// No subrequests yet.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The subrequests, in order.
    pub fn requests(&self) -> impl Iterator<Item = (Ref, &Request)> {
        self.parts.iter().map(|(r, q)| (*r, q))
    }

    /// The JSON body to POST to `/composite`.
    pub fn body(&self) -> Value {
        let requests: Vec<Value> = self
            .parts
            .iter()
            .map(|(reference, request)| {
                let mut sub = json!({
                    "method": request.method(),
                    "referenceId": reference.name(),
                    "url": format!("/services/data/v{}{}", self.version, request.path()),
                });
                if let (Some(body), Some(map)) = (request.body(), sub.as_object_mut()) {
                    map.insert("body".into(), body.clone());
                }
                sub
            })
            .collect();
        json!({"allOrNone": self.all_or_none, "compositeRequest": requests})
    }
}

/// One subrequest's answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Part {
    /// Its `referenceId`.
    #[serde(rename = "referenceId")]
    pub reference_id: String,
    /// Its HTTP status.
    #[serde(rename = "httpStatusCode")]
    pub status: u16,
    /// Its body.
    #[serde(default)]
    pub body: Value,
}

/// A composite's answer.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct CompositeAnswer {
    /// Each subrequest's answer, in order.
    #[serde(rename = "compositeResponse")]
    pub parts: Vec<Part>,
}

impl CompositeAnswer {
    /// Reads a composite's answer body.
    pub fn from_value(body: Value) -> Result<CompositeAnswer, Error> {
        serde_json::from_value(body).map_err(|e| Error::Malformed {
            status: 200,
            detail: e.to_string(),
        })
    }

    /// The answer to `reference`.
    pub fn part(&self, reference: Ref) -> Option<&Part> {
        self.parts
            .iter()
            .find(|p| p.reference_id == reference.name())
    }

    /// The body of `reference` when it succeeded.
    pub fn ok(&self, reference: Ref) -> Option<&Value> {
        self.part(reference)
            .filter(|p| (200..300).contains(&p.status))
            .map(|p| &p.body)
    }

    /// The rows a query or related-records subrequest found (none when it failed).
    pub fn records(&self, reference: Ref) -> &[Value] {
        self.ok(reference)
            .and_then(|b| b.get("records"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// `reference`'s error, when it failed.
    pub fn error(&self, reference: Ref) -> Option<Error> {
        self.part(reference)
            .filter(|p| p.status >= 300)
            .map(|p| from_response(p.status, p.body.to_string().as_bytes()))
    }

    /// The first subrequest that failed on Salesforce's side (5xx): a reason to try the
    /// whole request again later.
    pub fn server_error(&self) -> Option<Error> {
        self.parts
            .iter()
            .find(|p| p.status >= 500)
            .map(|p| from_response(p.status, p.body.to_string().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soql::Filter;

    const A: Ref = Ref::named("contacts");
    const B: Ref = Ref::named("account");

    fn query(n: usize) -> Request {
        Request::Query(Select::from("Contact").limit(u32::try_from(n).unwrap()))
    }

    #[test]
    fn a_sixth_query_and_a_26th_subrequest_are_refused() {
        let mut c = Composite::new("59.0");
        const NAMES: [Ref; 26] = {
            let mut names = [Ref::named("r"); 26];
            let all = [
                "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
                "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
            ];
            let mut i = 0;
            while i < 26 {
                names[i] = Ref::named(all[i]);
                i += 1;
            }
            names
        };
        for (i, name) in NAMES.iter().take(5).enumerate() {
            c.add(*name, query(i)).unwrap();
        }
        assert_eq!(
            c.clone().add(NAMES[5], query(5)).unwrap_err(),
            CompositeError::TooManyQueries
        );
        for name in &NAMES[5..25] {
            c.add(
                *name,
                Request::Retrieve {
                    object: "Account".into(),
                    id: RecordId::parse("001000000000001AAA").unwrap(),
                    fields: vec!["Name".into()],
                },
            )
            .unwrap();
        }
        assert_eq!(c.len(), 25);
        assert_eq!(
            c.add(
                NAMES[25],
                Request::Create {
                    object: "Task".into(),
                    body: json!({})
                }
            )
            .unwrap_err(),
            CompositeError::TooMany
        );
    }

    #[test]
    fn search_is_refused() {
        let mut c = Composite::new("59.0");
        let search = Search::find("512", crate::soql::Scope::Phone);
        assert_eq!(
            c.add(A, Request::Search(search)).unwrap_err(),
            CompositeError::Unsupported("Search")
        );
    }

    #[test]
    fn references_must_name_an_earlier_subrequest() {
        let mut c = Composite::new("59.0");
        let by_ref = |r: Ref| Request::Retrieve {
            object: "Account".into(),
            id: r.first("AccountId").into(),
            fields: vec!["Name".into()],
        };
        assert!(matches!(
            c.add(B, by_ref(A)).unwrap_err(),
            CompositeError::UnknownReference(_)
        ));
        c.add(A, query(1)).unwrap();
        c.add(B, by_ref(A)).unwrap();
        assert_eq!(
            c.add(A, query(1)).unwrap_err(),
            CompositeError::BadReferenceId("contacts"),
            "used twice"
        );
        assert_eq!(
            c.add(Ref::named("has-dash"), query(1)).unwrap_err(),
            CompositeError::BadReferenceId("has-dash")
        );
        let body = c.body();
        assert_eq!(
            body["compositeRequest"][1]["url"],
            "/services/data/v59.0/sobjects/Account/@{contacts.records[0].AccountId}?fields=Name"
        );
        assert_eq!(body["allOrNone"], false);
    }

    #[test]
    fn bad_names_are_refused() {
        let mut c = Composite::new("59.0");
        let err = c
            .add(
                A,
                Request::Query(Select::from("Contact").fields(["Name FROM User"])),
            )
            .unwrap_err();
        assert!(matches!(err, CompositeError::BadName(_)));
    }

    #[test]
    fn references_in_bodies_are_checked_and_user_text_is_inert() {
        let mut c = Composite::new("59.0");
        c.add(A, query(1)).unwrap();
        let upsert = |body: Value| Request::Upsert {
            object: "Task".into(),
            field: "Pane_Message_Id__c".into(),
            value: "m1".into(),
            body,
        };
        let typed = json!({"WhoId": reference_value(&A.first("Id")), "Subject": "Hi"});
        assert!(c.clone().add(B, upsert(typed)).is_ok());
        let stray = json!({"Description": "mail me @{contacts.records[0].Id} now"});
        assert!(matches!(
            c.clone().add(B, upsert(stray)).unwrap_err(),
            CompositeError::StrayReference(_)
        ));
        let unknown = json!({"WhoId": reference_value(&B.first("Id"))});
        assert_eq!(
            c.clone().add(Ref::named("x"), upsert(unknown)).unwrap_err(),
            CompositeError::UnknownReference("account".into())
        );
        let text = inert("mail me @{contacts.records[0].Id} now");
        assert!(!text.contains("@{"));
        assert!(
            c.add(B, upsert(json!({"Description": text}))).is_ok(),
            "inert text is sent as it is"
        );
    }

    #[test]
    fn upserts_encode_their_key() {
        let r = Request::Upsert {
            object: "Task".into(),
            field: "Pane_Message_Id__c".into(),
            value: "msg/1 2".into(),
            body: json!({"Subject": "x"}),
        };
        assert_eq!(r.path(), "/sobjects/Task/Pane_Message_Id__c/msg%2F1%202");
        assert_eq!(r.method(), "PATCH");
    }

    #[test]
    fn answers_are_read_by_reference() {
        let answer = CompositeAnswer::from_value(json!({"compositeResponse": [
            {"referenceId": "contacts", "httpStatusCode": 200, "httpHeaders": {},
             "body": {"totalSize": 1, "done": true, "records": [{"Id": "003A"}]}},
            {"referenceId": "account", "httpStatusCode": 400, "httpHeaders": {},
             "body": [{"errorCode": "PROCESSING_HALTED", "message": "halted"}]},
        ]}))
        .unwrap();
        assert_eq!(answer.records(A).len(), 1);
        assert!(answer.ok(B).is_none());
        assert_eq!(answer.error(B).unwrap().code(), Some("PROCESSING_HALTED"));
        assert!(answer.server_error().is_none());
        let filter = Filter::eq("Id", A.first("Id"));
        assert_eq!(
            Select::from("Contact").filter(filter).to_string(),
            "SELECT Id FROM Contact WHERE Id = '@{contacts.records[0].Id}'"
        );
    }
}
