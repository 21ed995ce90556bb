//! REST calls with retries, token refresh, usage tracking and query paging.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde::Deserialize;
use serde_json::Value;

use crate::Error;
use crate::composite::{Composite, CompositeAnswer};
use crate::error::{from_reqwest, from_response};
use crate::retry::{Decision, Safety, decide};
use crate::soql::Search;
use crate::token::{Token, Tokens};
use crate::trace::{Kind, Observer, Outcome, tagged};
use crate::usage::{Usage, UsageCell, parse};

/// At most this many pages are read for one query.
pub const MAX_QUERY_PAGES: usize = 100;

/// One page of a query.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueryPage {
    /// Matches in all.
    #[serde(rename = "totalSize")]
    pub total_size: u64,
    /// Last page.
    pub done: bool,
    /// This page's rows.
    pub records: Vec<Value>,
    /// The next page, absent on the last.
    #[serde(rename = "nextRecordsUrl", default)]
    pub next_records_url: Option<String>,
}

/// An answer: status, headers, body (JSON, or `Null` for an empty body).
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Value,
}

/// A Salesforce client for one user.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    tokens: Arc<Tokens>,
    version: String,
    usage: Arc<UsageCell>,
    observer: Option<Observer>,
}

/// The `id` of a write's answer (`what`: "a create"), which Salesforce always sends.
fn id_of(answer: &Answer, what: &str) -> Result<String, Error> {
    answer
        .body
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::Malformed {
            status: answer.status,
            detail: format!("{what} answer without an id"),
        })
}

fn jitter() -> f64 {
    // Sub-second clock noise is jitter enough to spread retries.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1000) / 1000.0
}

impl Client {
    /// A client using `tokens`, API `version` (`59.0`).
    pub fn new(http: reqwest::Client, tokens: Arc<Tokens>, version: &str) -> Client {
        Client {
            http,
            tokens,
            version: version.to_owned(),
            usage: Arc::new(UsageCell::default()),
            observer: None,
        }
    }

    /// This client, telling `observer` of every request it sends.
    #[must_use]
    pub fn observed(mut self, observer: Observer) -> Client {
        self.observer = Some(observer);
        self
    }

    /// Tells the observer, if any, of one request sent.
    pub(crate) fn saw(&self, kind: Kind, status: Option<u16>) {
        if let Some(observer) = &self.observer {
            observer.saw(kind, Outcome::of(status));
        }
    }

    /// The API usage last reported by Salesforce.
    pub fn usage(&self) -> Option<Usage> {
        self.usage.get()
    }

    /// The HTTP client, shared by REST and SOAP calls.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The token source (for counting refreshes).
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    fn url(&self, token: &Token, path: &str) -> String {
        if path.starts_with("/services/") {
            format!("{}{path}", token.instance_url)
        } else {
            format!(
                "{}/services/data/v{}{path}",
                token.instance_url, self.version
            )
        }
    }

    /// Sends one call, retrying what is worth retrying and refreshing an expired session
    /// once. `path` is relative to `/services/data/vNN.N` unless it starts with `/services/`.
    /// A POST is taken to create: it is not sent again once it may have reached Salesforce.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, Error> {
        let prepare = |request: RequestBuilder| {
            let mut request = request.query(query);
            for (k, v) in headers {
                request = request.header(*k, *v);
            }
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        };
        self.exchange(method, path, prepare, |status, headers, bytes| {
            if bytes.is_empty() {
                return Ok(Answer {
                    status,
                    headers,
                    body: Value::Null,
                });
            }
            serde_json::from_slice(bytes)
                .map(|body| Answer {
                    status,
                    headers,
                    body,
                })
                .map_err(|e| Error::Malformed {
                    status,
                    detail: e.to_string(),
                })
        })
        .await
    }

    /// GET a blob (a base64 field's body, such as a note's `Content`): its bytes, as sent.
    pub async fn get_blob(&self, path: &str) -> Result<Vec<u8>, Error> {
        self.exchange(
            Method::GET,
            path,
            |request| request,
            |_, _, bytes| Ok(bytes.to_vec()),
        )
        .await
    }

    /// One call with its retries and token refresh, as [`Client::send`] describes: `prepare`
    /// adds the call's query, headers and body to each attempt's request, and `read` reads a
    /// successful answer's body.
    async fn exchange<T>(
        &self,
        method: Method,
        path: &str,
        prepare: impl Fn(RequestBuilder) -> RequestBuilder,
        read: impl Fn(u16, HeaderMap, &[u8]) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let safety = if method == Method::POST {
            Safety::Once
        } else {
            Safety::Idempotent
        };
        let mut token = self.tokens.current().await?;
        let mut attempt = 0;
        loop {
            let request = tagged(
                self.http
                    .request(method.clone(), self.url(&token, path))
                    .bearer_auth(&token.access_token),
            );
            let sent = prepare(request).send().await;
            self.saw(
                Kind::of(&method, path),
                sent.as_ref().ok().map(|r| r.status().as_u16()),
            );
            let outcome = match sent {
                Err(e) => Err(from_reqwest(&e)),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    if let Some(usage) = headers
                        .get("sforce-limit-info")
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse)
                    {
                        self.usage.record(usage);
                    }
                    match response.bytes().await {
                        Err(e) => Err(Error::Transport(e.to_string())),
                        Ok(bytes) if status >= 400 => Err(from_response(status, &bytes)),
                        Ok(bytes) => read(status, headers, &bytes),
                    }
                }
            };
            let error = match outcome {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            match decide(&error, attempt, jitter(), safety) {
                Decision::GiveUp => return Err(error),
                Decision::RefreshThenRetry => token = self.tokens.refresh(&token).await?,
                Decision::Retry(wait) => {
                    tracing::warn!(%error, attempt, ?wait, "Salesforce call failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
            attempt += 1;
        }
    }

    /// GET a JSON resource.
    pub async fn get(&self, path: &str) -> Result<Value, Error> {
        Ok(self.send(Method::GET, path, &[], None, &[]).await?.body)
    }

    /// One page of a SOQL query.
    pub async fn query(&self, soql: &str) -> Result<QueryPage, Error> {
        let answer = self
            .send(Method::GET, "/query", &[("q", soql)], None, &[])
            .await?;
        serde_json::from_value(answer.body).map_err(|e| Error::Malformed {
            status: answer.status,
            detail: e.to_string(),
        })
    }

    /// Every row of a SOQL query, following `nextRecordsUrl` (at most [`MAX_QUERY_PAGES`],
    /// and never the same page twice).
    pub async fn query_all(&self, soql: &str) -> Result<Vec<Value>, Error> {
        let mut page = self.query(soql).await?;
        let mut rows = std::mem::take(&mut page.records);
        let mut seen = std::collections::HashSet::new();
        while let Some(next) = page.next_records_url.take() {
            if !seen.insert(next.clone()) || seen.len() > MAX_QUERY_PAGES {
                return Err(Error::Malformed {
                    status: 200,
                    detail: format!("query paging did not end (at {next})"),
                });
            }
            let answer = self.send(Method::GET, &next, &[], None, &[]).await?;
            page = serde_json::from_value(answer.body).map_err(|e| Error::Malformed {
                status: answer.status,
                detail: e.to_string(),
            })?;
            rows.append(&mut page.records);
        }
        Ok(rows)
    }

    /// Creates a record; answers its id.
    pub async fn create(&self, object: &str, fields: &Value) -> Result<String, Error> {
        let answer = self
            .send(
                Method::POST,
                &format!("/sobjects/{object}"),
                &[],
                Some(fields),
                &[],
            )
            .await?;
        id_of(&answer, "a create")
    }

    /// Creates or updates the record whose External ID `field` is `value` (`PATCH
    /// /sobjects/{object}/{field}/{value}`): safe to send again, it never makes a second record.
    /// Answers the id and whether it was created.
    pub async fn upsert(
        &self,
        object: &str,
        field: &str,
        value: &str,
        fields: &Value,
    ) -> Result<(String, bool), Error> {
        let path = format!("/sobjects/{object}/{field}/{}", crate::soql::percent(value));
        let answer = self
            .send(Method::PATCH, &path, &[], Some(fields), &[])
            .await?;
        Ok((id_of(&answer, "an upsert")?, answer.status == 201))
    }

    /// Creates or updates up to 200 records of `object` on their External ID `field` in one
    /// call (`PATCH /composite/sobjects/{object}/{field}`, "Upsert Records Using sObject
    /// Collections",
    /// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html):
    /// each record's own result (`id`, `success`, `errors`, `created`), in the records' order.
    /// Safe to send again: a record whose value exists is updated, never made twice.
    pub async fn upsert_many(
        &self,
        object: &str,
        field: &str,
        records: Vec<Value>,
        all_or_none: bool,
    ) -> Result<Vec<Value>, Error> {
        let path = format!(
            "/composite/sobjects/{}/{}",
            crate::soql::percent(object),
            crate::soql::percent(field)
        );
        let body = serde_json::json!({"allOrNone": all_or_none, "records": records});
        let answer = self
            .send(Method::PATCH, &path, &[], Some(&body), &[])
            .await?;
        match answer.body {
            Value::Array(rows) => Ok(rows),
            other => Err(Error::Malformed {
                status: answer.status,
                detail: format!("an sObject Collections upsert answered {other}"),
            }),
        }
    }

    /// Updates a record, refused (412) if it changed after `unmodified_since` (an HTTP date).
    pub async fn update(
        &self,
        object: &str,
        id: &str,
        fields: &Value,
        unmodified_since: Option<&str>,
    ) -> Result<(), Error> {
        let headers: Vec<(&str, &str)> = unmodified_since
            .map(|d| ("If-Unmodified-Since", d))
            .into_iter()
            .collect();
        self.send(
            Method::PATCH,
            &format!("/sobjects/{object}/{id}"),
            &[],
            Some(fields),
            &headers,
        )
        .await
        .map(drop)
    }

    /// Deletes a record.
    pub async fn delete(&self, object: &str, id: &str) -> Result<(), Error> {
        self.send(
            Method::DELETE,
            &format!("/sobjects/{object}/{id}"),
            &[],
            None,
            &[],
        )
        .await
        .map(drop)
    }

    /// A SOSL search; answers the `searchRecords`.
    pub async fn search(&self, search: &Search) -> Result<Vec<Value>, Error> {
        let sosl = search.to_string();
        let answer = self
            .send(Method::GET, "/search", &[("q", &sosl)], None, &[])
            .await?;
        Ok(answer
            .body
            .get("searchRecords")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// A composite request (one API call).
    pub async fn composite(&self, composite: &Composite) -> Result<CompositeAnswer, Error> {
        let answer = self
            .send(
                Method::POST,
                "/composite",
                &[],
                Some(&composite.body()),
                &[],
            )
            .await?;
        CompositeAnswer::from_value(answer.body)
    }
}
