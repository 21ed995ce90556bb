//! Salesforce's documented refusals and limits, enforced as Salesforce enforces them, and a log
//! of every request a rule refused.
//!
//! The sandbox org is strict by default and has no lenient mode: every rule here applies to the
//! product and to every test. Each rule names the Salesforce documentation page it comes from;
//! where the page gives the limit but not the words of the error, the comment says so and the
//! answer uses Salesforce's error code with the sandbox's own wording. `sandbox/RULES.md` lists
//! them all with their tests.
//!
//! A refused answer carries [`Refused`] (set by [`ApiError::rule`]); the [`record`] middleware
//! writes it to the org's [`Refusals`], which `GET /__sandbox/refusals` and [`refusals_at`]
//! read back, so a suite can assert that nothing it sent broke a documented rule. The log and
//! `Refused` live in `refusals.rs` and `error.rs` (this module re-exports them), so the error
//! type and the org's state need not import the rules.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
pub use crate::error::Refused;
use crate::org::User;
pub use crate::refusals::{REFUSALS_CAP, Refusal, Refusals, refusals_at};
use crate::soql::{Expr, FieldPath, Nulls, Query, SelectItem, Value as Lit};
use crate::state::SandboxState;

/// Lists `state`'s refusal log under its base URL (and its login URL when the hosts are
/// split), for [`refusals_at`].
pub fn register(state: &SandboxState) {
    crate::refusals::register(&state.refusals, &state.base_url(), &state.login_url());
}

/// Remembers each request whose answer carries [`Refused`] (composite subrequests included:
/// they run through the same routes, under their own method and url).
pub async fn record(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let url = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    let response = next.run(request).await;
    if let Some(refused) = response.extensions().get::<Refused>() {
        state.refusals.push(Refusal {
            rule: refused.rule.into(),
            method: method.to_string(),
            url: url.chars().take(2_000).collect(),
            status: response.status().as_u16(),
            error_code: refused.code.into(),
            message: refused.message.clone(),
        });
    }
    response
}

/// `host.api-on-instance`: with the My Domain host split ([`crate::SandboxConfig::split_hosts`]),
/// the REST and SOAP APIs answer on the instance host only, as an org's APIs answer at the
/// token answer's `instance_url` and not at the login server ("instance_url: Identifies the
/// Salesforce instance to which API calls are sent", OAuth 2.0 Username-Password Flow,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_username_password_oauth_flow.htm).
/// *Docs silent* on what the login server answers instead: the sandbox answers 401
/// `INVALID_SESSION_ID` "Session expired or invalid" (the login server holds no org session)
/// and logs the refusal, so a client that builds API URLs from the login URL fails its test.
/// OAuth, the identity URL and the pages answer on both hosts. Composite subrequests are not
/// HTTP requests and have no host.
pub async fn api_on_instance(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let api = path
        .strip_prefix("/services/data/")
        .is_some_and(|rest| !rest.is_empty())
        || path.starts_with("/services/Soap/");
    if !api || crate::subrequest::is_subrequest(&request) {
        return next.run(request).await;
    }
    let login = state.login_url();
    if login == state.base_url() {
        return next.run(request).await;
    }
    // HTTP/1.1 names the host in `Host`; HTTP/2 in the URI's authority.
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            request
                .headers()
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let login_host = login.split_once("://").map_or(login.as_str(), |(_, h)| h);
    if !host.eq_ignore_ascii_case(login_host) {
        return next.run(request).await;
    }
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_SESSION_ID",
        "Session expired or invalid",
    )
    .rule("host.api-on-instance")
    .into_response()
}

/// The longest URI a REST call may have, and the longest URI and headers together: 16,384
/// bytes. "In each REST call, the maximum length for the combined URI and headers is 16,384
/// bytes. A request exceeding this limit returns a 431 Request Header Fields Too Large error.
/// If the URI itself exceeds this limit, the request returns a 414 URI Too Long error."
/// (Salesforce Help, "Maximum number of rows returned by SOQL queries over the REST API",
/// https://help.salesforce.com/s/articleView?id=000386264&type=1). The page gives no body for
/// these answers (they come from Salesforce's front servers, before the API), so the sandbox
/// answers the status alone.
pub const MAX_URI_AND_HEADERS: usize = 16_384;

/// Refuses an API request whose URI, or URI and headers together, exceed
/// [`MAX_URI_AND_HEADERS`]: 414 and 431. Composite subrequests are not HTTP requests and are
/// not measured.
pub async fn uri_length(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/services/") || crate::subrequest::is_subrequest(&request)
    {
        return next.run(request).await;
    }
    let uri = request
        .uri()
        .path_and_query()
        .map_or(request.uri().path().len(), |p| p.as_str().len());
    // Each header line as sent: `name: value\r\n`.
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let refused = if uri > MAX_URI_AND_HEADERS {
        Some((
            StatusCode::URI_TOO_LONG,
            "rest.uri-too-long",
            "URI Too Long",
        ))
    } else if uri + headers > MAX_URI_AND_HEADERS {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "rest.uri-and-headers-too-large",
            "Request Header Fields Too Large",
        ))
    } else {
        None
    };
    let Some((status, rule, message)) = refused else {
        return next.run(request).await;
    };
    let mut response = status.into_response();
    response.extensions_mut().insert(Refused {
        rule,
        code: "",
        message: message.into(),
    });
    response
}

/// The longest SOQL statement: "Maximum length of SOQL statements: By default, 100,000
/// characters" (SOQL and SOSL Limits for Search Queries,
/// https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
/// The error code is the one older versions of that page name ("For SOQL statements that
/// exceed this maximum length, the API returns a MALFORMED_QUERY exception code"); its message
/// is not documented.
pub const MAX_SOQL_LENGTH: usize = 100_000;

/// "No more than 20 parent-to-child relationships can be specified in a query."
/// (Understanding Relationship Query Limitations,
/// https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-relationships-query-limits.html)
pub const MAX_SUBQUERIES: usize = 20;

/// "No more than 55 child-to-parent relationships can be specified in a query." (same page)
pub const MAX_PARENT_RELATIONSHIPS: usize = 55;

/// "In each specified relationship, no more than five levels can be specified in a
/// child-to-parent relationship. For example, Contact.Account.Owner.FirstName (three levels)."
/// (same page)
pub const MAX_RELATIONSHIP_LEVELS: usize = 5;

/// "The maximum offset is 2,000 rows. Requesting an offset greater than 2,000 results in a
/// NUMBER_OUTSIDE_VALID_RANGE error." (SOQL and SOSL Limits for Search Queries, above, and
/// OFFSET, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_offset.htm).
/// The message is the one Salesforce answers, as clients match it ("Maximum SOQL offset
/// allowed is 2000").
pub const MAX_OFFSET: u64 = 2_000;

/// The largest LIMIT of an activity subquery for users without "View All Data".
pub const MAX_ACTIVITY_LIMIT: u64 = 500;

fn malformed(rule: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::query("MALFORMED_QUERY", message).rule(rule)
}

/// The relationship levels of `path` from `object` (a leading `Object.` names the object itself).
fn levels<'p>(object: &str, path: &'p FieldPath) -> &'p [String] {
    match path.parts.split_first() {
        Some((first, rest)) if !rest.is_empty() && first.eq_ignore_ascii_case(object) => rest,
        _ => &path.parts,
    }
}

fn filter_paths<'q>(expr: &'q Expr, out: &mut Vec<&'q FieldPath>) {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            filter_paths(a, out);
            filter_paths(b, out);
        }
        Expr::Not(inner) => filter_paths(inner, out),
        Expr::Cmp { field, .. } | Expr::In { field, .. } | Expr::SemiJoin { field, .. } => {
            out.push(field)
        }
        #[allow(
            unreachable_patterns,
            reason = "the SOQL grammar grows (GROUP BY work)"
        )]
        _ => {}
    }
}

/// The field paths a query (not its subqueries) names: SELECT, WHERE, ORDER BY.
fn paths(query: &Query) -> Vec<&FieldPath> {
    let mut out = Vec::new();
    for item in &query.select {
        if let SelectItem::Field(path) = item {
            out.push(path);
        }
    }
    if let Some(filter) = &query.filter {
        filter_paths(filter, &mut out);
    }
    out.extend(query.order_by.iter().map(|o| &o.field));
    out
}

fn subqueries(query: &Query) -> impl Iterator<Item = &Query> {
    query.select.iter().filter_map(|item| match item {
        SelectItem::SubQuery(sub) => Some(sub.as_ref()),
        _ => None,
    })
}

/// The SOQL limits every user meets: subqueries, relationships, OFFSET.
fn check_limits(query: &Query) -> Result<(), ApiError> {
    let subs: Vec<&Query> = subqueries(query).collect();
    if subs.len() > MAX_SUBQUERIES {
        return Err(malformed(
            "soql.max-subqueries",
            format!(
                "No more than {MAX_SUBQUERIES} parent-to-child relationships can be specified in a query"
            ),
        ));
    }
    let mut relationships = std::collections::HashSet::new();
    let scopes = std::iter::once((query.from.as_str(), String::new(), query)).chain(
        subs.iter()
            .map(|s| (s.from.as_str(), format!("{}/", s.from), *s)),
    );
    for (object, scope, q) in scopes {
        for path in paths(q) {
            let levels = levels(object, path);
            if levels.len() > MAX_RELATIONSHIP_LEVELS {
                return Err(malformed(
                    "soql.relationship-levels",
                    format!(
                        "No more than {MAX_RELATIONSHIP_LEVELS} levels can be specified in a child-to-parent relationship: {path}"
                    ),
                ));
            }
            for depth in 1..levels.len() {
                relationships.insert(format!(
                    "{scope}{}",
                    levels[..depth].join(".").to_ascii_lowercase()
                ));
            }
        }
    }
    if relationships.len() > MAX_PARENT_RELATIONSHIPS {
        return Err(malformed(
            "soql.max-parent-relationships",
            format!(
                "No more than {MAX_PARENT_RELATIONSHIPS} child-to-parent relationships can be specified in a query"
            ),
        ));
    }
    if query.offset.is_some_and(|o| o > MAX_OFFSET) {
        return Err(ApiError::query(
            "NUMBER_OUTSIDE_VALID_RANGE",
            format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
        )
        .rule("soql.max-offset"));
    }
    // "OFFSET is intended to be used in a top-level query, and is not allowed in most
    // subqueries, so the following query is invalid and returns a MALFORMED_QUERY error"
    // (OFFSET page, above; the message is not documented).
    if subs.iter().any(|s| s.offset.is_some()) {
        return Err(malformed(
            "soql.subquery-offset",
            "OFFSET is not allowed in a subquery",
        ));
    }
    Ok(())
}

/// Whether `filter` pins the query to one record: `Id = '...'` or `Id IN ('...')` among its
/// top-level ANDs.
fn single_record(filter: Option<&Expr>) -> bool {
    let Some(filter) = filter else {
        return false;
    };
    let is_id =
        |path: &FieldPath| path.parts.len() == 1 && path.parts[0].eq_ignore_ascii_case("Id");
    match filter {
        Expr::And(a, b) => single_record(Some(a)) || single_record(Some(b)),
        Expr::Cmp {
            field,
            op: crate::soql::CmpOp::Eq,
            value: Lit::String(_),
        } => is_id(field),
        Expr::In {
            field,
            negated: false,
            values,
        } => is_id(field) && values.len() == 1,
        _ => false,
    }
}

/// The activity relationships and the ActivityDate direction each must be sorted in.
const ACTIVITY_RELATIONSHIPS: &[(&str, bool)] =
    &[("OpenActivities", false), ("ActivityHistories", true)];

/// Activity relationships for users without "View All Data" (OpenActivity,
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_openactivity.htm,
/// and ActivityHistory,
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_activityhistory.htm,
/// "Usage"): the main query must reference one record, the subquery must have a LIMIT of 500
/// or fewer, and sort on ActivityDate (ascending for OpenActivity, descending for
/// ActivityHistory) then LastModifiedDate descending, nulls possibly last. The pages do not
/// give the errors; the single-record one is the message Salesforce answers
/// ("MALFORMED_QUERY: Implementation restriction: activity aggregate relationships only allow
/// security evaluation for non-admin users when a single parent record is evaluated"), the
/// LIMIT and ORDER BY ones use the same code and the sandbox's wording in the same form.
fn check_activities(query: &Query, user: &User) -> Result<(), ApiError> {
    if user.profile.modify_all_data {
        // The demo profiles grant "View All Data" with "Modify All Data" (as the admin profile
        // does); `UserPermissionAccess` answers both from this flag.
        return Ok(());
    }
    const RESTRICTION: &str = "Implementation restriction: activity aggregate relationships only allow security evaluation for non-admin users when";
    for sub in subqueries(query) {
        let Some(&(_, descending)) = ACTIVITY_RELATIONSHIPS
            .iter()
            .find(|(name, _)| sub.from.eq_ignore_ascii_case(name))
        else {
            continue;
        };
        if !single_record(query.filter.as_ref()) {
            return Err(malformed(
                "soql.activity-single-parent",
                format!("{RESTRICTION} a single parent record is evaluated"),
            ));
        }
        if sub.limit.is_none_or(|l| l > MAX_ACTIVITY_LIMIT) {
            return Err(malformed(
                "soql.activity-limit",
                format!("{RESTRICTION} LIMIT is specified and at most {MAX_ACTIVITY_LIMIT}"),
            ));
        }
        // Nulls may be sorted last; `NULLS FIRST` is allowed only where it is the default
        // (ascending).
        let nulls_ok = |nulls: Option<Nulls>, desc: bool| match nulls {
            None | Some(Nulls::Last) => true,
            Some(Nulls::First) => !desc,
        };
        let ordered = match sub.order_by.as_slice() {
            [date, modified] => {
                date.field.parts.len() == 1
                    && date.field.parts[0].eq_ignore_ascii_case("ActivityDate")
                    && date.descending == descending
                    && nulls_ok(date.nulls, descending)
                    && modified.field.parts.len() == 1
                    && modified.field.parts[0].eq_ignore_ascii_case("LastModifiedDate")
                    && modified.descending
                    && nulls_ok(modified.nulls, true)
            }
            _ => false,
        };
        if !ordered {
            let direction = if descending { "DESC" } else { "ASC" };
            return Err(malformed(
                "soql.activity-order-by",
                format!("{RESTRICTION} ordered by ActivityDate {direction}, LastModifiedDate DESC"),
            ));
        }
    }
    Ok(())
}

/// Salesforce's refusals of a SOQL query `user` sends through the REST API, before it runs.
/// A query that does not parse passes: the engine answers its syntax error.
pub fn check_query(soql: &str, user: &User) -> Result<(), ApiError> {
    if soql.chars().count() > MAX_SOQL_LENGTH {
        return Err(malformed(
            "soql.max-length",
            format!("SOQL statements cannot exceed {MAX_SOQL_LENGTH} characters"),
        ));
    }
    let Ok(query) = crate::soql::parse(soql) else {
        return Ok(());
    };
    check_limits(&query)?;
    crate::semijoin::check(&query)?;
    crate::notes::check_link_query(&query)?;
    check_activities(&query, user)
}

/// The longest SOSL search term that finds anything: "If the SearchQuery string is longer than
/// 10,000 characters, no result rows are returned." (SOSL Syntax,
/// https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-sosl-syntax.html)
pub const MAX_SEARCH_TERM: usize = 10_000;

/// The most records a SOSL search returns: "SOSL has ... an overall limit of 2,000 results
/// returned beginning with API version 28.0" (SOSL Limits on Objects,
/// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_sosl_limits.htm),
/// and "LIMIT n ... up to 2,000" (SOSL Syntax, above).
pub const MAX_SEARCH_RESULTS: usize = 2_000;

/// SOSL's refusals: a term of fewer than two characters ("search term must be longer than one
/// character", `MALFORMED_SEARCH`). The SOSL Syntax page (above) gives no minimum; this is the
/// answer Salesforce gives, already worded by the parser, marked here as a rule.
pub fn check_search(sosl: &str) -> Result<(), ApiError> {
    match crate::soql::parse_search(sosl) {
        Err(err @ crate::soql::SearchError::TermTooShort) => {
            Err(ApiError::query("MALFORMED_SEARCH", err.to_string()).rule("sosl.term-too-short"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Profile;

    fn user(admin: bool) -> User {
        User {
            id: crate::id::SfId::mint("005", 1),
            username: "u@example.com".into(),
            profile: Profile {
                name: "p".into(),
                read_only: vec![],
                modify_all_data: admin,
            },
        }
    }

    fn rule_of(soql: &str, admin: bool) -> Option<&'static str> {
        check_query(soql, &user(admin)).err().and_then(|e| e.rule)
    }

    #[test]
    fn activity_subqueries_for_non_admins() {
        let ok = "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC NULLS LAST, LastModifiedDate DESC LIMIT 500), (SELECT Id FROM ActivityHistories ORDER BY ActivityDate DESC, LastModifiedDate DESC LIMIT 10) FROM Contact WHERE Id = '003000000000001AAA'";
        assert_eq!(rule_of(ok, false), None);
        let cases = [
            (
                "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 5) FROM Contact WHERE Email = 'a@b.c'",
                "soql.activity-single-parent",
            ),
            (
                "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC, LastModifiedDate DESC) FROM Contact WHERE Id = '003000000000001AAA'",
                "soql.activity-limit",
            ),
            (
                "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 501) FROM Contact WHERE Id = '003000000000001AAA'",
                "soql.activity-limit",
            ),
            (
                "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC NULLS LAST LIMIT 10) FROM Contact WHERE Id = '003000000000001AAA'",
                "soql.activity-order-by",
            ),
            (
                "SELECT Id, (SELECT Id FROM ActivityHistories ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 10) FROM Contact WHERE Id = '003000000000001AAA'",
                "soql.activity-order-by",
            ),
            (
                "SELECT Id, (SELECT Id FROM ActivityHistories ORDER BY ActivityDate DESC NULLS FIRST, LastModifiedDate DESC LIMIT 10) FROM Contact WHERE Id = '003000000000001AAA'",
                "soql.activity-order-by",
            ),
        ];
        for (soql, rule) in cases {
            assert_eq!(rule_of(soql, false), Some(rule), "{soql}");
            assert_eq!(rule_of(soql, true), None, "admins are exempt: {soql}");
        }
        assert_eq!(
            rule_of(
                "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate, LastModifiedDate DESC LIMIT 1) FROM Lead WHERE IsConverted = false AND Id IN ('00Q000000000001AAA')",
                false
            ),
            None
        );
    }

    #[test]
    fn soql_limits() {
        for (n, rule) in [(21, Some("soql.max-subqueries")), (20, None)] {
            let subs = vec!["(SELECT Id FROM Contacts)"; n].join(", ");
            let soql = format!("SELECT Id, {subs} FROM Account");
            assert_eq!(rule_of(&soql, true), rule, "{n} subqueries");
        }
        assert_eq!(
            rule_of("SELECT Id, a.b.c.d.e.f FROM Contact", true),
            Some("soql.relationship-levels")
        );
        assert_eq!(
            rule_of("SELECT Id, a.b.c.d.f, Contact.a.b.c.d.f FROM Contact", true),
            None
        );
        let parents = (0..56)
            .map(|i| format!("r{i}.Name"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(
            rule_of(&format!("SELECT {parents} FROM Contact"), true),
            Some("soql.max-parent-relationships")
        );
        assert_eq!(
            rule_of("SELECT Id FROM Contact LIMIT 10 OFFSET 2001", true),
            Some("soql.max-offset")
        );
        assert_eq!(
            rule_of("SELECT Id FROM Contact LIMIT 10 OFFSET 2000", true),
            None
        );
        assert_eq!(
            rule_of(
                "SELECT Id, (SELECT Id FROM Contacts LIMIT 1 OFFSET 1) FROM Account",
                true
            ),
            Some("soql.subquery-offset")
        );
        let long = format!(
            "SELECT Id FROM Contact WHERE Name = '{}'",
            "x".repeat(MAX_SOQL_LENGTH)
        );
        assert_eq!(rule_of(&long, true), Some("soql.max-length"));
    }
}
