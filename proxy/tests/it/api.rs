//! The panel API beyond `/api/panel`: settings and admins, describe, search, create, convert,
//! pins, usage and the quota budget, token refresh under load. Over real sockets, against the
//! embedded sandbox org and its request counter.

use pane_wire::api::{
    ApiError, CreateAnswer, FieldSpec, IntegrationUser, ObjectSpec, OrgSettings, PanelData,
    RecordView, SearchResults, Settings,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::running::{BEN, Running, linked, linked_with};

impl Running {
    async fn get_as(&self, session: &str, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, session).await
    }

    /// Creates a record of `object` as `session`: `body` holds its `fields` (and maybe `force`).
    async fn create_as(&self, session: &str, object: &str, body: Value) -> (u16, Value) {
        let path = format!("/api/records/{object}");
        self.send_as(session, Method::POST, &path, body).await
    }

    /// Saves the org's settings as `session`.
    pub async fn set_org(&self, session: &str, org: Value) -> (u16, Value) {
        self.send_as(session, Method::PUT, "/api/settings/org", org)
            .await
    }

    /// Saves `session`'s own layout.
    async fn set_layout(&self, session: &str, layout: Value) -> (u16, Value) {
        self.send_as(session, Method::PUT, "/api/settings/layout", layout)
            .await
    }

    /// Pins `record` (`{"object", "id"}`) for the sender with email `handle` as `session`, or
    /// unpins it (`None`): the status.
    async fn pin_as(&self, session: &str, handle: &str, record: Option<Value>) -> u16 {
        let method = if record.is_some() {
            Method::PUT
        } else {
            Method::DELETE
        };
        let req = self
            .api(method, "/api/pins", session)
            .query(&[("kind", "email"), ("handle", handle)]);
        let req = match record {
            Some(record) => req.json(&record),
            None => req,
        };
        req.send().await.unwrap().status().as_u16()
    }

    async fn panel_as(&self, session: &str, handle: &str) -> (u16, Value) {
        let res = self
            .panel_request(session, "email", handle)
            .send()
            .await
            .unwrap();
        json_of(res).await
    }
}

/// Org settings an admin saves: Contacts show Title and Department by default.
fn org_settings() -> Value {
    json!({"enabled": true, "default_fields": {"Contact": ["Title", "Department"]},
           "mandatory_fields": {"Contact": ["Title"]}, "api_share_percent": 60, "never_log": ["noreply.example"]})
}

/// Ana (an admin through Modify All Data) and Ben (an agent) linked: the proxy and their
/// sessions.
async fn ana_and_ben() -> (Running, String, String) {
    let mut proxy = linked().await;
    let ana = proxy.session.clone();
    let ben = proxy.link_as(BEN).await;
    (proxy, ana, ben)
}

/// [`ana_and_ben`], Ana's org settings saved.
async fn ana_and_ben_with_org_settings() -> (Running, String, String) {
    let (proxy, ana, ben) = ana_and_ben().await;
    assert_eq!(proxy.set_org(&ana, org_settings()).await.0, 200);
    (proxy, ana, ben)
}

impl Running {
    async fn settings_as(&self, session: &str) -> Settings {
        self.read_as(Method::GET, "/api/settings", session).await
    }

    /// The fields of the person on `handle`'s panel, as `session`.
    async fn person_fields_as(&self, session: &str, handle: &str) -> Vec<String> {
        let (status, panel) = self.panel_as(session, handle).await;
        assert_eq!(status, 200, "{panel}");
        let panel: PanelData = serde_json::from_value(panel).unwrap();
        panel.person.unwrap().fields.keys().cloned().collect()
    }
}

#[tokio::test]
async fn an_agent_holding_modify_all_data_is_an_admin_and_others_are_not() {
    let (proxy, ana, ben) = ana_and_ben().await;
    let mine = proxy.settings_as(&ana).await;
    assert!(mine.is_admin, "Ana holds Modify All Data");
    assert!(mine.org.enabled);
    assert!(!proxy.settings_as(&ben).await.is_admin);
    proxy.stop().await;
}

#[tokio::test]
async fn only_an_admin_may_save_the_org_settings() {
    let (proxy, ana, ben) = ana_and_ben().await;
    let (status, body) = proxy.set_org(&ben, org_settings()).await;
    let refusal: ApiError = serde_json::from_value(body).unwrap();
    assert_eq!((status, refusal.code.as_str()), (403, "forbidden"));
    assert_eq!(proxy.set_org(&ana, org_settings()).await.0, 200);
    proxy.stop().await;
}

#[tokio::test]
async fn every_agent_of_the_org_sees_the_admins_settings() {
    let (proxy, _, ben) = ana_and_ben_with_org_settings().await;
    let saved: OrgSettings = serde_json::from_value(org_settings()).unwrap();
    assert_eq!(proxy.settings_as(&ben).await.org, saved);
    proxy.stop().await;
}

#[tokio::test]
async fn the_panel_shows_the_org_default_fields() {
    let (proxy, ana, _) = ana_and_ben_with_org_settings().await;
    let fields = proxy.person_fields_as(&ana, "rose@edge.com").await;
    assert!(fields.iter().any(|f| f == "Department"), "{fields:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn an_agents_own_layout_replaces_the_org_defaults_but_keeps_what_the_panel_needs() {
    let (proxy, _, ben) = ana_and_ben_with_org_settings().await;
    let (status, _) = proxy
        .set_layout(&ben, json!({"Contact": ["MobilePhone"]}))
        .await;
    assert_eq!(status, 200);
    let fields = proxy.person_fields_as(&ben, "rose@edge.com").await;
    let has = |name: &str| fields.iter().any(|f| f == name);
    assert!(has("MobilePhone"), "{fields:?}");
    assert!(!has("Department"), "his layout, not the org's: {fields:?}");
    assert!(has("AccountId"), "what the panel needs stays");
    proxy.stop().await;
}

#[tokio::test]
async fn layouts_naming_other_objects_or_not_field_lists_are_refused() {
    let (proxy, _, ben) = ana_and_ben_with_org_settings().await;
    for bad in [
        json!({"User": ["Name"]}),
        json!({"Contact": ["Name, (SELECT Id FROM Cases)"]}),
        json!({"Contact": "Name"}),
    ] {
        let (status, _) = proxy.set_layout(&ben, bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
    }
    proxy.stop().await;
}

#[tokio::test]
async fn an_api_share_over_100_percent_is_refused() {
    let proxy = linked().await;
    let (status, _) = proxy
        .set_org(&proxy.session, json!({"api_share_percent": 101}))
        .await;
    assert_eq!(status, 400);
    proxy.stop().await;
}

#[tokio::test]
async fn a_turned_off_pane_says_so_and_asks_salesforce_nothing_not_even_from_cache() {
    let (proxy, ana, ben) = ana_and_ben_with_org_settings().await;
    assert_eq!(proxy.panel_as(&ben, "rose@edge.com").await.0, 200);
    assert_eq!(proxy.set_org(&ana, json!({"enabled": false})).await.0, 200);
    let before = proxy.salesforce_calls().await;
    let (status, body) = proxy.panel_as(&ben, "sean@edge.com").await;
    let refusal: ApiError = serde_json::from_value(body).unwrap();
    assert_eq!((status, refusal.code.as_str()), (403, "disabled"));
    let (status, _) = proxy.panel_as(&ben, "rose@edge.com").await;
    assert_eq!(status, 403, "not even from cache");
    assert_eq!(proxy.salesforce_calls().await, before);
    proxy.stop().await;
}

#[tokio::test]
async fn configured_admins_are_admins_and_admins_link_the_integration_user() {
    let mut proxy = linked_with(|c| c.admins = vec!["BEN@pane-support.example".into()]).await;
    let ana = proxy.session.clone();
    let ben = proxy.link_as(BEN).await;
    let (_, his) = proxy.get_as(&ben, "/api/settings").await;
    assert_eq!(his["is_admin"], true, "in the configured list");

    // Without a session, or as a non-admin: refused.
    let refused =
        crate::login::start_link_raw(&proxy.http, &proxy.origin, "integration", None).await;
    assert_eq!(refused.status(), 401);
    let page = crate::login::link_integration_as(&proxy.http, &proxy.origin, &ana, BEN).await;
    assert!(page.contains("salesforce-pane-integration"), "{page}");
    assert!(
        !page.contains("\"code\"") && !page.contains("pane_session"),
        "an integration link opens no panel session"
    );
    let (_, settings) = proxy.get_as(&ana, "/api/settings").await;
    assert_eq!(settings["integration_user"], BEN.0);
    let (status, integration) = proxy.get_as(&ben, "/api/admin/integration").await;
    let integration: IntegrationUser = serde_json::from_value(integration).unwrap();
    assert_eq!(
        (status, integration.username.as_deref(), integration.problem),
        (200, Some(BEN.0), None)
    );

    let (status, _) = proxy
        .call(Method::DELETE, "/api/admin/integration", &ana)
        .await;
    assert_eq!(status, 204);
    let (_, settings) = proxy.get_as(&ana, "/api/settings").await;
    assert_eq!(settings["integration_user"], Value::Null);
    proxy.stop().await;
}

#[tokio::test]
async fn non_admins_are_refused_admin_calls() {
    let mut proxy = linked().await;
    let ben = proxy.link_as(BEN).await;
    for (method, path) in [
        (Method::GET, "/api/admin/integration"),
        (Method::DELETE, "/api/admin/integration"),
        (Method::PUT, "/api/settings/org"),
    ] {
        let (status, body) = proxy.send_as(&ben, method.clone(), path, json!({})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}"
        );
        let (status, _) = proxy
            .send_as("not-a-session", method.clone(), path, json!({}))
            .await;
        assert_eq!(status, 401, "{method} {path} without a session");
    }
    let res =
        crate::login::start_link_raw(&proxy.http, &proxy.origin, "integration", Some(&ben)).await;
    assert_eq!(res.status(), 403);
    proxy.stop().await;
}

impl Running {
    /// `GET /api/describe/{object}` as `session`.
    async fn describe_as(&self, session: &str, object: &str) -> ObjectSpec {
        let path = format!("/api/describe/{object}");
        self.read_as(Method::GET, &path, session).await
    }
}

/// The field `name` of a described object, which it must have.
fn field<'a>(spec: &'a ObjectSpec, name: &str) -> &'a FieldSpec {
    spec.fields.iter().find(|f| f.name == name).unwrap()
}

#[tokio::test]
async fn a_describe_costs_one_request_once_per_agent_and_shows_extra_mandatory_fields() {
    let mut proxy = linked().await;
    let ana = proxy.session.clone();
    let before = proxy.salesforce_calls().await;
    let contact = proxy.describe_as(&ana, "Contact").await;
    assert_eq!(proxy.salesforce_calls().await - before, 1);
    assert!(field(&contact, "LastName").required);
    assert!(!field(&contact, "Title").required);
    let again = proxy.describe_as(&ana, "Contact").await;
    assert_eq!(again, contact);
    assert_eq!(
        proxy.salesforce_calls().await - before,
        1,
        "then from cache"
    );

    let org = json!({"mandatory_fields": {"Contact": ["Title"]}});
    assert_eq!(proxy.set_org(&ana, org).await.0, 200);
    let contact = proxy.describe_as(&ana, "Contact").await;
    assert!(
        field(&contact, "Title").required,
        "the admin's extra mandatory field"
    );
    assert_eq!(proxy.salesforce_calls().await - before, 1);

    // Per user: Ben's profile cannot change an Account's AnnualRevenue.
    let ben = proxy.link_as(BEN).await;
    let mine = proxy.describe_as(&ana, "Account").await;
    let his = proxy.describe_as(&ben, "Account").await;
    assert!(field(&mine, "AnnualRevenue").updateable);
    assert!(!field(&his, "AnnualRevenue").updateable);
    for bad in ["User", "Contact%20x", "Organization"] {
        let (status, _) = proxy.get_as(&ana, &format!("/api/describe/{bad}")).await;
        assert_eq!(status, 400, "{bad}");
    }
    proxy.stop().await;
}

impl Running {
    /// `GET /api/search?q=` as Ana: the status and the answer.
    async fn search(&self, q: &str) -> (u16, Value) {
        let req = self.api(Method::GET, "/api/search", &self.session);
        json_of(req.query(&[("q", q)]).send().await.unwrap()).await
    }
}

/// The (object, Name) of each record a search found.
fn found(body: &Value) -> Vec<(String, String)> {
    let results: SearchResults = serde_json::from_value(body.clone()).unwrap();
    let name = |r: &RecordView| {
        r.fields
            .get("Name")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let pair = |r: &RecordView| (r.object.clone(), name(r).unwrap_or_default());
    results.records.iter().map(pair).collect()
}

#[tokio::test]
async fn search_finds_contacts_accounts_and_leads_by_name() {
    let proxy = linked().await;
    for (q, object, name) in [
        ("Rose", "Contact", "Rose Gonzalez"),
        ("Edge Communications", "Account", "Edge Communications"),
        ("Bertha", "Lead", "Bertha Boxer"),
    ] {
        let (status, body) = proxy.search(q).await;
        assert_eq!(status, 200, "{q}: {body}");
        let wanted = (object.to_owned(), name.to_owned());
        assert!(found(&body).contains(&wanted), "{q}: {body}");
    }
    proxy.stop().await;
}

/// Search text that tries to escape the search: other objects, more rows, formulas.
const HOSTILE: [&str; 8] = [
    "x} IN ALL FIELDS RETURNING User(Id, Username) FIND {ana",
    "Rose} RETURNING User(Id",
    "rose' OR Name != '",
    "ana@pane-support.example",
    "\"Rose\" OR \"*\"",
    "Rose\\",
    "{!$User.Id}",
    "Rose\u{0}Gonzalez",
];

#[tokio::test]
async fn hostile_search_text_is_searched_literally_or_refused_never_widened() {
    let proxy = linked().await;
    for q in HOSTILE {
        let (status, body) = proxy.search(q).await;
        assert!(status == 200 || status == 400, "{q}: {status} {body}");
        if status == 200 {
            for (object, name) in found(&body) {
                assert!(
                    ["Contact", "Lead", "Account"].contains(&object.as_str()),
                    "{q}: {object}"
                );
                assert_ne!(name, "Ana Agent", "{q}");
            }
            assert!(found(&body).len() <= 1, "{q} widened the search: {body}");
        }
    }
    proxy.stop().await;
}

#[tokio::test]
async fn search_text_too_short_or_only_wildcards_is_refused() {
    let proxy = linked().await;
    for q in ["", "a", "**", "{}"] {
        let (status, body) = proxy.search(q).await;
        let refusal: ApiError = serde_json::from_value(body).unwrap();
        assert_eq!(
            (status, refusal.code.as_str()),
            (400, "bad_request"),
            "{q:?}"
        );
    }
    proxy.stop().await;
}

#[tokio::test]
async fn hostile_handles_never_match_someone_else() {
    let proxy = linked().await;
    let ana = proxy.session.clone();
    for handle in [
        "x'or'1'='1@evil.example",
        "rose@edge.com' OR Email != '",
        "rose@edge.com\\' OR Email != \\'@x.example",
        "%@gmail.com",
        "rose@edge.com%@gmail.com",
        "a@b.co} RETURNING User(Id) FIND {x",
        "*@gmail.com",
    ] {
        let (status, body) = proxy.panel_as(&ana, handle).await;
        assert!(status == 200 || status == 400, "{handle}: {status}");
        if status == 200 {
            assert_eq!(body["person"], Value::Null, "{handle}: {body}");
            assert_eq!(body["candidates"], json!([]), "{handle}");
        }
    }
    for phone in ["1' OR Phone != '1", "+1 (512) 757-9340} RETURNING User(Id"] {
        let res = proxy
            .panel_request(&ana, "phone", phone)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(res).await;
        assert!(status == 200 || status == 400, "{phone}: {status}");
        if status == 200 {
            assert!(
                body["person"].is_null() || body["person"]["object"] != "User",
                "{phone}: {body}"
            );
        }
    }
    proxy.stop().await;
}

/// A create refused because the person exists, or Salesforce found duplicates: its answer.
fn refused_create(status: u16, body: Value) -> CreateAnswer {
    assert_eq!(status, 409, "{body}");
    serde_json::from_value(body).unwrap()
}

/// A create refused with 400: its error.
fn bad_create(status: u16, body: Value) -> ApiError {
    assert_eq!(status, 400, "{body}");
    serde_json::from_value(body).unwrap()
}

impl Running {
    /// The id of the person on `handle`'s panel, as `session`.
    async fn person_id_as(&self, session: &str, handle: &str) -> String {
        let (_, panel) = self.panel_as(session, handle).await;
        let panel: PanelData = serde_json::from_value(panel).unwrap();
        panel.person.unwrap().id
    }
}

#[tokio::test]
async fn creating_a_contact_whose_email_exists_in_any_case_answers_the_existing_person() {
    let proxy = linked().await;
    let rose_id = proxy.person_id_as(&proxy.session, "rose@edge.com").await;
    let again = json!({"fields": {"LastName": "Gonzalez", "Email": "ROSE@edge.com"}});
    let (status, body) = proxy.create_as(&proxy.session, "Contact", again).await;
    let answer = refused_create(status, body);
    assert_eq!(answer.id, None);
    assert_eq!(answer.existing[0].id, rose_id);
    proxy.stop().await;
}

#[tokio::test]
async fn creating_a_lead_whose_phone_exists_answers_the_existing_lead() {
    let proxy = linked().await;
    let by_phone =
        json!({"fields": {"LastName": "Boxer", "Company": "FCOF", "Phone": "850.644.4200"}});
    let (status, body) = proxy.create_as(&proxy.session, "Lead", by_phone).await;
    assert_eq!(refused_create(status, body).existing[0].object, "Lead");
    proxy.stop().await;
}

#[tokio::test]
async fn a_forced_create_passes_on_the_matches_of_salesforces_duplicate_rule() {
    let proxy = linked().await;
    let rose_id = proxy.person_id_as(&proxy.session, "rose@edge.com").await;
    let forced =
        json!({"fields": {"LastName": "Gonzalez", "Email": "rose@edge.com"}, "force": true});
    let (status, body) = proxy.create_as(&proxy.session, "Contact", forced).await;
    assert_eq!(refused_create(status, body).duplicates[0].id, rose_id);
    proxy.stop().await;
}

#[tokio::test]
async fn the_admins_extra_mandatory_field_is_checked_before_salesforce_is_asked() {
    let proxy = linked().await;
    let ana = proxy.session.clone();
    let org = json!({"mandatory_fields": {"Contact": ["Title"]}});
    assert_eq!(proxy.set_org(&ana, org).await.0, 200);
    let before = proxy.salesforce_calls().await;
    let new = json!({"fields": {"LastName": "Nia", "Email": "nia@newco.example"}});
    let (status, body) = proxy.create_as(&ana, "Contact", new).await;
    assert_eq!(bad_create(status, body).fields, ["Title"]);
    assert_eq!(proxy.salesforce_calls().await, before);
    proxy.stop().await;
}

#[tokio::test]
async fn a_create_looks_for_existing_people_then_creates_and_forgets_the_cached_nobody() {
    let proxy = linked().await;
    let nobody = proxy.panel_as(&proxy.session, "nia@newco.example").await.1;
    assert_eq!(nobody["reason"], "none");
    let before = proxy.salesforce_calls().await;
    let new = json!({"fields": {"LastName": "Nia", "Email": "nia@newco.example", "Title": "CTO"}});
    let (status, body) = proxy.create_as(&proxy.session, "Contact", new).await;
    assert_eq!(status, 201, "{body}");
    let made: CreateAnswer = serde_json::from_value(body).unwrap();
    assert_eq!(
        proxy.salesforce_calls().await - before,
        2,
        "the look for existing people, then the create"
    );
    let nia = proxy
        .person_id_as(&proxy.session, "nia@newco.example")
        .await;
    assert_eq!(Some(nia), made.id, "the cached 'nobody' was forgotten");
    proxy.stop().await;
}

#[tokio::test]
async fn salesforces_own_validation_is_answered_beside_the_field() {
    let proxy = linked().await;
    let (status, body) = proxy
        .create_as(
            &proxy.session,
            "Lead",
            json!({"fields": {"LastName": "NoCompany"}}),
        )
        .await;
    let refusal = bad_create(status, body);
    assert_eq!(refusal.code, "rejected");
    assert!(refusal.fields.iter().any(|f| f == "Company"), "{refusal:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn creates_of_other_objects_no_fields_or_bad_field_names_are_refused() {
    let proxy = linked().await;
    for (path, body) in [
        ("/api/records/User", json!({"fields": {"LastName": "x"}})),
        ("/api/records/Contact", json!({"fields": {}})),
        (
            "/api/records/Contact",
            json!({"fields": {"Name) FROM User --": "x"}}),
        ),
        ("/api/records/Contact", json!({"nope": 1})),
    ] {
        let (status, _) = proxy
            .send_as(&proxy.session, Method::POST, path, body.clone())
            .await;
        assert_eq!(status, 400, "{path} {body}");
    }
    proxy.stop().await;
}

#[tokio::test]
async fn a_lead_converts_into_a_contact_with_an_account() {
    let proxy = linked().await;
    let ana = proxy.session.clone();
    let (_, phyllis) = proxy.panel_as(&ana, "pcotton@abbottins.net").await;
    assert_eq!(phyllis["person"]["object"], "Lead");
    let lead = phyllis["person"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/leads/{lead}/convert");

    let before = proxy.salesforce_calls().await;
    let (status, options) = proxy.get_as(&ana, &path).await;
    assert_eq!(
        (status, options["statuses"].clone()),
        (200, json!(["Closed - Converted"]))
    );
    proxy.get_as(&ana, &path).await;
    assert_eq!(
        proxy.salesforce_calls().await - before,
        1,
        "statuses read once"
    );

    let convert = |body: Value| proxy.send_as(&ana, Method::POST, &path, body);
    let (status, body) = convert(json!({"converted_status": "Open - Not Contacted"})).await;
    assert_eq!(
        (status, body["fields"].clone()),
        (400, json!(["converted_status"]))
    );
    let (status, made) = convert(json!({"opportunity_name": "Abbott renewal"})).await;
    assert_eq!(status, 200, "{made}");
    let contact = made["contact_id"].as_str().unwrap();
    assert!(contact.starts_with("003") && made["account_id"].as_str().unwrap().starts_with("001"));
    assert!(made["opportunity_id"].as_str().unwrap().starts_with("006"));

    let (_, now) = proxy.panel_as(&ana, "pcotton@abbottins.net").await;
    assert_eq!(
        (
            now["person"]["object"].as_str(),
            now["person"]["id"].as_str()
        ),
        (Some("Contact"), Some(contact))
    );
    assert_eq!(
        now["opportunities"]["records"][0]["fields"]["Name"],
        "Abbott renewal"
    );
    let (status, body) = convert(json!({})).await;
    assert_eq!(status, 400, "converted once: {body}");
    proxy.stop().await;
}

#[tokio::test]
async fn a_pinned_record_wins_for_the_whole_team() {
    let (proxy, ana, ben) = ana_and_ben().await;
    let (_, rose) = proxy.panel_as(&ana, "rose@edge.com").await;
    let edge = rose["account"]["id"].as_str().unwrap().to_owned();
    let (_, zoe) = proxy.panel_as(&ben, "zoe@gmail.com").await;
    assert_eq!(zoe["reason"], "none");

    let pin = |record: Value| proxy.pin_as(&ana, "Zoe@Gmail.com", Some(record));
    assert_eq!(pin(json!({"object": "Account", "id": edge})).await, 204);
    let (_, zoe) = proxy.panel_as(&ben, "zoe@gmail.com").await;
    assert_eq!(zoe["reason"], "pinned", "Ben sees Ana's pin: {zoe}");
    assert_eq!(zoe["account"]["fields"]["Name"], "Edge Communications");

    // A pin wins over an email match too.
    let rose_pin = json!({"object": "Contact", "id": rose["person"]["id"]});
    assert_eq!(
        proxy.pin_as(&ana, "sean@edge.com", Some(rose_pin)).await,
        204
    );
    let (_, sean) = proxy.panel_as(&ben, "sean@edge.com").await;
    assert_eq!(
        (
            sean["reason"].as_str(),
            sean["person"]["fields"]["Name"].as_str()
        ),
        (Some("pinned"), Some("Rose Gonzalez"))
    );

    assert_eq!(proxy.pin_as(&ben, "zoe@gmail.com", None).await, 204);
    let (_, zoe) = proxy.panel_as(&ana, "zoe@gmail.com").await;
    assert_eq!(zoe["reason"], "none");
    for bad in [
        json!({"object": "User", "id": edge}),
        json!({"object": "Account", "id": "001' OR Id != '"}),
        json!({"object": "Account"}),
    ] {
        assert_eq!(pin(bad.clone()).await, 400, "{bad}");
    }
    proxy.stop().await;
}

#[tokio::test]
async fn usage_is_counted_and_the_last_reserve_serves_the_cache_alone() {
    let proxy = linked().await;
    let ana = proxy.session.clone();
    proxy.panel_as(&ana, "rose@edge.com").await;
    let (status, usage) = proxy.get_as(&ana, "/api/usage").await;
    assert_eq!(status, 200);
    let log = proxy.sandbox_log().await;
    assert_eq!(usage["requests_today"], 1);
    assert_eq!(usage["org_max"], log["max"]);
    assert_eq!(usage["budget"], "normal");
    assert_eq!(usage["share_percent"], 50);

    // Others spent the org's allowance down to its last reserve.
    proxy
        .control("quota", json!({"max": 1000, "used": 990}))
        .await;
    let (status, _) = proxy.panel_as(&ana, "sean@edge.com").await;
    assert_eq!(status, 200, "Salesforce tells the new usage on this answer");
    let (_, usage) = proxy.get_as(&ana, "/api/usage").await;
    assert_eq!(
        (usage["budget"].as_str(), usage["org_used"].as_u64()),
        (Some("cache_only"), Some(991))
    );

    // A settings change ages the cache, so what follows is served from the reserve.
    assert_eq!(
        proxy
            .set_org(&ana, json!({"api_share_percent": 100}))
            .await
            .0,
        200
    );
    let before = proxy.salesforce_calls().await;
    let res = proxy
        .panel_request(&ana, "email", "rose@edge.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-pane-cache"], "stale");
    let (status, rose) = json_of(res).await;
    assert_eq!(status, 200);
    assert_eq!(rose["person"]["fields"]["Name"], "Rose Gonzalez");
    assert!(rose["stale"]["age_secs"].as_u64().is_some(), "{rose}");
    assert!(
        rose["stale"]["reason"]
            .as_str()
            .unwrap()
            .contains("reserve")
    );
    let (status, body) = proxy.panel_as(&ana, "tim.barr@burlington.com").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("quota_reserve"))
    );
    let (status, _) = proxy
        .create_as(&ana, "Account", json!({"fields": {"Name": "Later"}}))
        .await;
    assert_eq!(status, 429);
    assert_eq!(
        proxy.salesforce_calls().await,
        before,
        "nothing reached Salesforce"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_panels_after_expiry_refresh_the_token_once() {
    let proxy = linked().await;
    proxy.panel("email", "rose@edge.com").await;
    proxy.control("expire-tokens", json!({})).await;
    let refreshes = proxy.sandbox_count("refreshes").await;
    let answers = futures::future::join_all((0..20).map(|i| {
        let handle = format!("agent{i}@company{i}.example");
        let req = proxy.panel_request(&proxy.session, "email", &handle);
        async move { req.send().await.unwrap().status().as_u16() }
    }))
    .await;
    assert_eq!(answers, vec![200; 20]);
    let after = proxy.sandbox_count("refreshes").await;
    assert_eq!(after - refreshes, 1, "one refresh for twenty requests");
    proxy.stop().await;
}

#[tokio::test]
async fn the_proxy_runs_on_postgres_too() {
    let Some(url) = crate::database::postgres_database().await else {
        return;
    };
    let mut proxy = linked_with(|c| c.database_url = url).await;
    let ana = proxy.session.clone();
    let ben = proxy.link_as(BEN).await;
    let org = json!({"default_fields": {"Contact": ["Department"]}, "api_share_percent": 70});
    assert_eq!(proxy.set_org(&ana, org).await.0, 200);
    assert_eq!(proxy.set_org(&ben, json!({})).await.0, 403);
    let (_, rose) = proxy.panel_as(&ben, "rose@edge.com").await;
    assert!(rose["person"]["fields"].get("Department").is_some());
    let edge = json!({"object": "Account", "id": rose["account"]["id"]});
    assert_eq!(proxy.pin_as(&ana, "zoe@gmail.com", Some(edge)).await, 204);
    let (_, zoe) = proxy.panel_as(&ben, "zoe@gmail.com").await;
    assert_eq!(zoe["reason"], "pinned");
    let (_, usage) = proxy.get_as(&ana, "/api/usage").await;
    assert_eq!(
        (
            usage["requests_today"].as_u64(),
            usage["share_percent"].as_u64()
        ),
        (Some(2), Some(70))
    );
    proxy.stop().await;
}

#[tokio::test]
async fn unlinking_revokes_the_token_at_salesforce() {
    let proxy = linked().await;
    let ana = proxy.session.clone();
    let revocations = proxy.sandbox_count("revocations").await;
    let res = proxy
        .api(Method::POST, "/api/oauth/unlink", &ana)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let log = proxy.sandbox_log().await;
    assert_eq!(log["revocations"].as_u64().unwrap() - revocations, 1);
    let (status, _) = proxy.panel_as(&ana, "rose@edge.com").await;
    assert_eq!(status, 401, "the session went with the link");
    proxy.stop().await;
}

#[tokio::test]
async fn a_stale_describe_is_revalidated_with_if_modified_since() {
    let proxy = linked_with(|c| c.describe_fresh_secs = 0).await;
    let ana = proxy.session.clone();
    let (_, first) = proxy.get_as(&ana, "/api/describe/Lead").await;
    let (status, second) = proxy.get_as(&ana, "/api/describe/Lead").await;
    assert_eq!((status, &second), (200, &first));
    let log = proxy.sandbox_log().await;
    let describes: Vec<bool> = log["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .ends_with("/sobjects/Lead/describe")
        })
        .map(|r| r["revalidation"].as_bool().unwrap())
        .collect();
    assert_eq!(describes, [false, true], "read, then revalidated");
    proxy.stop().await;
}
