//! Salesforce's refusals of a whole `/composite` request before any subrequest runs: its
//! limits, the resources a subrequest may name, and its referenceIds.

use axum::http::StatusCode;
use serde_json::Value;

use crate::error::ApiError;

// COMPOSITE_DOC: Send Multiple Requests Using Composite,
// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html
// (with its Composite Request Body and Composite Subrequest sections).

/// "You can have up to 25 subrequests in a single call." (COMPOSITE_DOC) The page gives no
/// error for more; the answer is a 400 with the sandbox's wording.
const MAX_SUBREQUESTS: usize = 25;

/// "Up to 5 of these subrequests can be sObject Collections or query operations, including
/// Query and QueryAll requests." (COMPOSITE_DOC; "Query More" requests count too, in the
/// page's older versions.) The page gives no error; a 400 with the sandbox's wording.
const MAX_QUERY_SUBREQUESTS: usize = 5;

/// What a composite subrequest's `url` asks, as Composite supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resource {
    /// `/sobjects/...`: "All sObject resources (/services/data/vXX.X/sobjects/), including
    /// sObject Rows by External ID and excluding sObject Blob Get" (the org has no blob fields).
    SObject,
    /// `/query`, `/queryAll` and their next pages.
    Query,
    /// `/composite/sobjects`: "The sObject Collections resource ... Available in API version
    /// 43.0 and later."
    Collections,
}

/// The resource a composite subrequest `url` names, or `None` when Composite does not support
/// it (COMPOSITE_DOC: only sObject resources, Query, QueryAll and sObject Collections;
/// "The URL must start with /services/data/vXX.X/"). Search, parameterizedSearch, limits and
/// composite itself are not among them (Composite Batch takes search and limits).
pub(super) fn composite_resource(url: &str) -> Option<Resource> {
    let rest = url.strip_prefix("/services/data/v")?;
    let (version, rest) = rest.split_once('/')?;
    crate::state::api_version(&format!("v{version}"))?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    let first = path.split('/').next().unwrap_or_default();
    match first {
        "sobjects" => Some(Resource::SObject),
        "query" | "queryAll" => Some(Resource::Query),
        "composite" if path == "composite/sobjects" || path.starts_with("composite/sobjects/") => {
            Some(Resource::Collections)
        }
        _ => None,
    }
}

/// A referenceId as Composite takes it: "The referenceId must start with a letter or a number.
/// The referenceId must not contain anything besides letters, numbers, or underscores"
/// (COMPOSITE_DOC, Composite Subrequest).
fn valid_reference_id(reference: &str) -> bool {
    reference
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Salesforce's refusals of a whole composite request, before any subrequest runs.
pub(super) fn check_composite(version: &str, requests: &[Value]) -> Result<(), ApiError> {
    let bad_request = |code: &'static str, message: String, rule: &'static str| {
        ApiError::new(StatusCode::BAD_REQUEST, code, message).rule(rule)
    };
    if requests.len() > MAX_SUBREQUESTS {
        return Err(bad_request(
            "LIMIT_EXCEEDED",
            format!("Exceeded max limit of subrequests allowed ({MAX_SUBREQUESTS})"),
            "composite.max-subrequests",
        ));
    }
    let queries = requests
        .iter()
        .filter_map(|r| r.get("url").and_then(Value::as_str))
        .filter(|url| {
            matches!(
                composite_resource(url),
                Some(Resource::Query | Resource::Collections)
            )
        })
        .count();
    if queries > MAX_QUERY_SUBREQUESTS {
        return Err(bad_request(
            "LIMIT_EXCEEDED",
            format!(
                "Exceeded max limit of query and sObject Collections subrequests allowed ({MAX_QUERY_SUBREQUESTS})"
            ),
            "composite.max-query-subrequests",
        ));
    }
    // "In API version 52.0 and later, any illegal characters in reference IDs cause the whole
    // request to fail." (Composite Subrequest Result,
    // https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-subrequest-result.html).
    // The page's example answer is not rendered; the message is the one it shows for the same
    // fault in version 51.0 ("Provided referenceId ('...') must start with a letter or a
    // number, and it can contain only letters, numbers and underscores ('_')."), with its code.
    // Earlier versions fail only the subrequests that use the reference, as the sandbox always
    // did.
    let v52 = super::super::data::version_number(version) >= 52;
    let mut seen = std::collections::HashSet::new();
    for r in requests {
        let reference = r
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if v52 && !valid_reference_id(reference) {
            return Err(bad_request(
                "PROCESSING_HALTED",
                format!(
                    "Invalid reference specified. Provided referenceId ('{reference}') must start with a letter or a number, and it can contain only letters, numbers and underscores ('_')."
                ),
                "composite.reference-id-characters",
            ));
        }
        // A referenceId "maps to the subrequest's response" (COMPOSITE_DOC), so two
        // subrequests cannot share one; the page gives no error for it.
        if !seen.insert(reference) {
            return Err(bad_request(
                "INVALID_INPUT",
                format!("Duplicate referenceId provided in the request: {reference}"),
                "composite.reference-id-unique",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_composite_and_batch_take() {
        let (sobject, query, collections) = (
            Some(Resource::SObject),
            Some(Resource::Query),
            Some(Resource::Collections),
        );
        for (url, resource) in [
            ("/services/data/v59.0/sobjects/Account", sobject),
            ("/services/data/v59.0/sobjects/Account/Ext__c/x", sobject),
            ("/services/data/v59.0/query?q=SELECT Id FROM Account", query),
            ("/services/data/v59.0/query/?q=x", query),
            ("/services/data/v59.0/queryAll?q=x", query),
            ("/services/data/v59.0/query/01gx-2000", query),
            ("/services/data/v59.0/composite/sobjects", collections),
            (
                "/services/data/v59.0/composite/sobjects/Account?ids=x",
                collections,
            ),
            ("/services/data/v59.0/search?q=FIND {x}", None),
            ("/services/data/v59.0/parameterizedSearch?q=x", None),
            ("/services/data/v59.0/limits", None),
            ("/services/data/v59.0/composite", None),
            ("/services/data/v59.0/composite/batch", None),
            ("/services/data/v20.0/sobjects/Account", None),
            ("/sobjects/Account", None),
            ("v59.0/sobjects/Account", None),
        ] {
            assert_eq!(composite_resource(url), resource, "{url}");
        }
        for (id, ok) in [
            ("refAccount", true),
            ("0ref_1", true),
            ("_x", false),
            ("a.b", false),
            ("a[1]", false),
            ("", false),
        ] {
            assert_eq!(valid_reference_id(id), ok, "{id}");
        }
    }
}
