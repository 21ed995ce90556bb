//! What a caller may follow of the requests a [`crate::Client`] sends: the request id each
//! carries (`X-Request-Id`, set for the calls made inside [`with_request_id`]), and an
//! [`Observer`] told the kind and outcome of every HTTP request sent (retries included), for
//! metrics.

use std::future::Future;
use std::sync::Arc;

use reqwest::{Method, RequestBuilder};

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The header a request id travels in.
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// Runs `work` with `id` as the request id of every Salesforce request it sends.
pub async fn with_request_id<F: Future>(id: Arc<str>, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The request id of the work running now, if any.
pub fn request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// `request` with the current request id, when there is one.
pub(crate) fn tagged(request: RequestBuilder) -> RequestBuilder {
    match request_id() {
        Some(id) => request.header(REQUEST_ID_HEADER, &*id),
        None => request,
    }
}

/// What a request asked of the API (a bounded set: a metric's label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A SOQL query, or one of its next pages.
    Query,
    /// A SOSL search.
    Search,
    /// An object's describe.
    Describe,
    /// A record read (by id or External ID).
    Read,
    /// A record create.
    Create,
    /// A record update or upsert.
    Update,
    /// A record delete.
    Delete,
    /// A composite request (one API call for several subrequests).
    Composite,
    /// A Lead conversion (SOAP).
    Convert,
    /// Anything else.
    Other,
}

impl Kind {
    /// The kind of a REST request, from its method and path (relative to
    /// `/services/data/vNN.N`, or absolute from `/services/`).
    pub fn of(method: &Method, path: &str) -> Kind {
        let path = path.split('?').next().unwrap_or(path);
        let rest = match path.strip_prefix("/services/data/") {
            // `vNN.N/...`: drop the version.
            Some(versioned) => versioned.find('/').map_or("", |i| &versioned[i..]),
            None => path,
        };
        let first = rest.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "query" | "queryAll" => Kind::Query,
            "search" | "parameterizedSearch" => Kind::Search,
            "composite" => Kind::Composite,
            "sobjects" if rest.ends_with("/describe") => Kind::Describe,
            "sobjects" => match *method {
                Method::GET | Method::HEAD => Kind::Read,
                Method::POST => Kind::Create,
                Method::PATCH | Method::PUT => Kind::Update,
                Method::DELETE => Kind::Delete,
                _ => Kind::Other,
            },
            _ if path.starts_with("/services/Soap/") => Kind::Convert,
            _ => Kind::Other,
        }
    }

    /// Its label: `query`, `search`...
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Search => "search",
            Kind::Describe => "describe",
            Kind::Read => "read",
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Delete => "delete",
            Kind::Composite => "composite",
            Kind::Convert => "convert",
            Kind::Other => "other",
        }
    }
}

/// How a request ended (a bounded set: a metric's label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// 2xx.
    Ok,
    /// 304: a revalidation that cost no transfer.
    NotModified,
    /// Another 1xx or 3xx.
    Other,
    /// 4xx: Salesforce refused it (a bad request, an expired session, the limit...).
    Refused,
    /// 5xx.
    Failed,
    /// No answer: the connection failed, timed out or broke.
    Unreachable,
}

impl Outcome {
    /// The outcome of an answer with `status`, `None` when none came.
    pub fn of(status: Option<u16>) -> Outcome {
        match status {
            None => Outcome::Unreachable,
            Some(200..=299) => Outcome::Ok,
            Some(304) => Outcome::NotModified,
            Some(400..=499) => Outcome::Refused,
            Some(500..) => Outcome::Failed,
            Some(_) => Outcome::Other,
        }
    }

    /// Its label: `ok`, `refused`...
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NotModified => "not_modified",
            Outcome::Other => "other",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Unreachable => "unreachable",
        }
    }
}

/// Told of every HTTP request a client sent to the API.
#[derive(Clone)]
pub struct Observer(Arc<dyn Fn(Kind, Outcome) + Send + Sync>);

impl Observer {
    /// An observer calling `f`.
    pub fn new(f: impl Fn(Kind, Outcome) + Send + Sync + 'static) -> Observer {
        Observer(Arc::new(f))
    }

    /// Tells it of one request.
    pub fn saw(&self, kind: Kind, outcome: Outcome) {
        (self.0)(kind, outcome);
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_requests() {
        use Kind::*;
        let (get, post) = (&Method::GET, &Method::POST);
        let cases = [
            (get, "/query", Query),
            (get, "/services/data/v59.0/query/01gx-2000", Query),
            (get, "/queryAll", Query),
            (get, "/search", Search),
            (get, "/sobjects/Contact/describe", Describe),
            (get, "/sobjects/Contact/003x", Read),
            (get, "/sobjects/Task/Pane_Message_Id__c/m1", Read),
            (post, "/sobjects/Task", Create),
            (&Method::PATCH, "/sobjects/Contact/003x", Update),
            (&Method::DELETE, "/sobjects/Contact/003x", Delete),
            (post, "/composite", Composite),
            (post, "/services/Soap/u/59.0", Convert),
            (get, "/limits", Other),
            (get, "/services/data/v59.0", Other),
            (get, "/query?q=SELECT+Id+FROM+Lead", Query),
        ];
        for (method, path, want) in cases {
            assert_eq!(Kind::of(method, path), want, "{method} {path}");
        }
    }

    #[test]
    fn outcomes_of_statuses() {
        let cases = [
            (None, Outcome::Unreachable),
            (Some(200), Outcome::Ok),
            (Some(201), Outcome::Ok),
            (Some(204), Outcome::Ok),
            (Some(304), Outcome::NotModified),
            (Some(302), Outcome::Other),
            (Some(401), Outcome::Refused),
            (Some(403), Outcome::Refused),
            (Some(412), Outcome::Refused),
            (Some(500), Outcome::Failed),
            (Some(503), Outcome::Failed),
        ];
        for (status, want) in cases {
            assert_eq!(Outcome::of(status), want, "{status:?}");
        }
    }

    #[tokio::test]
    async fn the_request_id_is_the_scope_s() {
        assert_eq!(request_id(), None);
        let inside = with_request_id("r-1".into(), async { request_id() }).await;
        assert_eq!(inside.as_deref(), Some("r-1"));
        assert_eq!(request_id(), None);
    }
}
