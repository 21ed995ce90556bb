//! The proxy's JSON API, as the panel reads it.

use serde::{Deserialize, Serialize};

mod conversation;
mod link;
mod notes;
mod rules;

pub use conversation::{
    ConversationLog, ConversationLogged, ConversationQuery, LogConversation, LoggedMessage,
};
pub use link::{
    IntegrationUser, LinkMessage, LinkStatus, RedeemRequest, Redeemed, StartRequest, Started,
    StatusRequest,
};
pub use notes::{
    CLASSIC_NOTE_TITLE_MAX, NOTE_OBJECTS, NOTE_TITLE_MAX, NOTES_SHOWN, NewNote, Note, NoteCreated,
    NoteEdit, NoteKind, NoteText, Notes, NotesQuery, note_html, note_text, title_problem,
    with_added,
};
pub use rules::{Logged, LoggedQuery, RuleIntake, RuleJob, RuleJobs, message_ids};

/// `GET /api/health`: the proxy is up, and which Salesforce backend it talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the proxy answers.
    pub status: String,
    /// The proxy's version (its crate version).
    pub version: String,
    /// The Salesforce backend in use.
    pub backend: Backend,
    /// Where the org opens in a browser (records open under it).
    pub org_url: String,
}

/// Which Salesforce the proxy forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The embedded sandbox org, started in-process on a loopback port.
    Sandbox,
    /// A real Salesforce org, configured by instance URL.
    Salesforce,
}

impl Backend {
    /// How the panel names the backend to an agent.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sandbox => "sandbox org",
            Backend::Salesforce => "Salesforce",
        }
    }
}

/// Why the panel shows what it shows for a handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// A Contact or Lead with exactly this email.
    Email,
    /// A Contact or Lead with this phone number, whatever its stored format.
    Phone,
    /// No person, but the Account at the email's domain.
    Domain,
    /// The record pinned for this sender.
    Pinned,
    /// Nothing matched.
    None,
}

/// A Salesforce record as the panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    /// `Contact`, `Lead`, `Account`...
    pub object: String,
    /// The 18-character id.
    pub id: String,
    /// Its fields, by API name (parents nested as Salesforce answers them).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Its notes, newest first, when the lookup read them with the record (the person's and
    /// the Account's); `None` when they were not read (then the card reads them itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Note>>,
    /// True when Salesforce refused to read its notes (an org without enhanced notes, or an
    /// agent who cannot read them): the card says so instead of listing them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notes_unavailable: bool,
}

/// A related list: the first rows and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelatedList {
    /// Rows in all; with `more`, how many are shown of more than that.
    pub total: u64,
    /// There are more rows than `total` (a list read with a LIMIT one over what is shown);
    /// the panel says "10+", as Salesforce's own related lists do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
    /// The first rows, newest first.
    pub records: Vec<RecordView>,
}

/// What the panel shows for one handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelData {
    /// The handle looked up.
    pub handle: String,
    /// Why these records.
    pub reason: MatchReason,
    /// The Contact or Lead.
    pub person: Option<RecordView>,
    /// Its Account, or the Account at the email's domain.
    pub account: Option<RecordView>,
    /// The Account's Opportunities.
    pub opportunities: RelatedList,
    /// The person's Cases.
    pub cases: RelatedList,
    /// The person's open Tasks and Events.
    pub open_activities: RelatedList,
    /// The person's activity history.
    pub history: RelatedList,
    /// For a domain match: the Account's Contacts.
    pub account_contacts: RelatedList,
    /// Every record that matched, when several did (the agent picks one).
    pub candidates: Vec<RecordView>,
    /// Set when the answer comes from the cache because the API quota is at its last
    /// reserve: the panel says so, and how old the data is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Staleness>,
}

/// How old a panel served from cache alone is, and why it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staleness {
    /// Seconds since it was read from Salesforce.
    pub age_secs: u64,
    /// Why it was not read again.
    pub reason: String,
}

/// One value of a picklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicklistOption {
    /// The API value.
    pub value: String,
    /// What the agent sees.
    pub label: String,
    /// Selected by default.
    pub default: bool,
}

/// A field, as the panel needs it to show, edit and validate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Salesforce's type: `string`, `email`, `phone`, `url`, `textarea`, `picklist`,
    /// `boolean`, `date`, `datetime`, `int`, `double`, `currency`, `percent`, `reference`...
    pub kind: String,
    /// Must be given on create (red `*`).
    pub required: bool,
    /// This user may set it on create.
    pub createable: bool,
    /// This user may change it (a pencil).
    pub updateable: bool,
    /// Maximum length of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Digits after the point, for numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// Picklist values (active ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picklist: Vec<PicklistOption>,
    /// Only picklist values are accepted.
    #[serde(default)]
    pub restricted: bool,
    /// For lookups: the objects it may point at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_to: Vec<String>,
    /// A custom (`__c`) field.
    #[serde(default)]
    pub custom: bool,
    /// The record's name field.
    #[serde(default)]
    pub name_field: bool,
}

impl FieldSpec {
    /// A plain field `name` of Salesforce type `kind`: optional, createable and updateable,
    /// with no length, scale, picklist or lookup targets (tests build on it).
    pub fn new(name: impl Into<String>, label: impl Into<String>, kind: impl Into<String>) -> Self {
        FieldSpec {
            name: name.into(),
            label: label.into(),
            kind: kind.into(),
            required: false,
            createable: true,
            updateable: true,
            length: None,
            scale: None,
            picklist: vec![],
            restricted: false,
            reference_to: vec![],
            custom: false,
            name_field: false,
        }
    }
}

/// An object, as the panel needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectSpec {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Plural label.
    pub label_plural: String,
    /// This user may create records.
    pub createable: bool,
    /// This user may update records.
    pub updateable: bool,
    /// Its fields, in describe order.
    pub fields: Vec<FieldSpec>,
}

/// The one error shape every proxy endpoint answers with (any 4xx or 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable, machine-readable code, `snake_case` (`not_found`, `bad_request`...).
    pub code: String,
    /// A sentence for a person; never carries upstream details or secrets.
    pub message: String,
    /// The fields the error is about (Salesforce's validation errors), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// For a conflict: the record as it is now in Salesforce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

/// `GET /api/me`: who the session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Salesforce user id.
    pub user_id: String,
    /// Login.
    pub username: String,
    /// Email.
    pub email: String,
    /// Org id.
    pub org_id: String,
    /// May change the org's settings.
    pub is_admin: bool,
    /// Where the org's records open in a browser.
    pub instance_url: String,
    /// The org's currency (ISO 4217, `Organization.DefaultCurrencyIsoCode`, read when the agent
    /// linked): what amounts of records without a `CurrencyIsoCode` are in. `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// `GET /api/me`: whether this browser's panel is linked, to whom (the fields of [`Me`], beside
/// `linked`), and the proxy's [`Health`], so that the panel's one request at load answers
/// both the link and its status bar. `{"linked": false, "health": ...}` for a browser without
/// a linked session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WhoamiFields")]
pub struct Whoami {
    /// A linked session came with the request.
    pub linked: bool,
    /// Who it belongs to, when linked.
    #[serde(flatten)]
    pub me: Option<Me>,
    /// The proxy's health, as `GET /api/health` answers it.
    pub health: Health,
}

impl Whoami {
    /// The answer for the agent `me`.
    pub fn linked(me: Me, health: Health) -> Whoami {
        Whoami {
            linked: true,
            me: Some(me),
            health,
        }
    }

    /// The answer for a browser without a linked session.
    pub fn unlinked(health: Health) -> Whoami {
        Whoami {
            linked: false,
            me: None,
            health,
        }
    }
}

/// [`Whoami`] as it arrives: [`Me`]'s fields beside the others, each optional. Read through
/// this rather than `#[serde(flatten)]`, whose buffering of the whole object is 5 kB of the
/// panel's wasm for this one answer (issue 18: the bundle); the same JSON either way.
#[derive(Deserialize)]
struct WhoamiFields {
    linked: bool,
    health: Health,
    user_id: Option<String>,
    username: Option<String>,
    email: Option<String>,
    org_id: Option<String>,
    is_admin: Option<bool>,
    instance_url: Option<String>,
    currency: Option<String>,
}

impl From<WhoamiFields> for Whoami {
    /// Who the session belongs to where every field [`Me`] requires is there (as flattening
    /// decides it).
    fn from(f: WhoamiFields) -> Whoami {
        let me = match (
            f.user_id,
            f.username,
            f.email,
            f.org_id,
            f.is_admin,
            f.instance_url,
        ) {
            (
                Some(user_id),
                Some(username),
                Some(email),
                Some(org_id),
                Some(is_admin),
                Some(instance_url),
            ) => Some(Me {
                user_id,
                username,
                email,
                org_id,
                is_admin,
                instance_url,
                currency: f.currency,
            }),
            _ => None,
        };
        Whoami {
            linked: f.linked,
            me,
            health: f.health,
        }
    }
}

/// Field API names per object (`Contact` -> `["Name", "Email"]`).
pub type FieldsByObject = std::collections::BTreeMap<String, Vec<String>>;

/// The admin's settings for an org (`GET`/`PUT /api/settings/org`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgSettings {
    /// The integration is on: the panel reads Salesforce and rules run.
    pub enabled: bool,
    /// The fields every agent sees until they pick their own, per object.
    pub default_fields: FieldsByObject,
    /// Fields an agent must fill, on top of Salesforce's required ones, per object.
    pub mandatory_fields: FieldsByObject,
    /// The share of the org's daily API allowance this integration may use, in percent.
    pub api_share_percent: u8,
    /// Domains or addresses whose messages rules never log.
    pub never_log: Vec<String>,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            enabled: true,
            default_fields: FieldsByObject::new(),
            mandatory_fields: FieldsByObject::new(),
            api_share_percent: 50,
            never_log: Vec::new(),
        }
    }
}

/// `GET /api/settings`: what the panel needs to know about the agent and their org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The org's settings.
    pub org: OrgSettings,
    /// The agent's own fields per object (the cog); empty objects use the org's defaults.
    pub layout: FieldsByObject,
    /// The agent may change the org's settings.
    pub is_admin: bool,
    /// The Salesforce login rules act as, once an admin linked it.
    pub integration_user: Option<String>,
}

/// The fields shown for `object`: the agent's own (the cog), else the org's defaults, else
/// `builtin`; an empty list counts as no choice. The proxy reads these and the panel shows them.
pub fn layout_fields<S: AsRef<str>>(
    agent: &FieldsByObject,
    org: &OrgSettings,
    object: &str,
    builtin: &[S],
) -> Vec<String> {
    agent
        .get(object)
        .filter(|f| !f.is_empty())
        .or_else(|| org.default_fields.get(object).filter(|f| !f.is_empty()))
        .cloned()
        .unwrap_or_else(|| builtin.iter().map(|f| f.as_ref().to_owned()).collect())
}

impl Settings {
    /// [`layout_fields`] for this agent and org.
    pub fn shown_fields<S: AsRef<str>>(&self, object: &str, builtin: &[S]) -> Vec<String> {
        layout_fields(&self.layout, &self.org, object, builtin)
    }
}

/// How the API quota is spent, from the most to the least generous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// Everything runs.
    Normal,
    /// Rule work waits (queued) until the daily reset; the panel still reads Salesforce.
    RulesPaused,
    /// The last reserve: the panel shows cached records only.
    CacheOnly,
}

/// `GET /api/usage`: today's API usage and what is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The UTC day counted (`2026-11-24`).
    pub day: String,
    /// Salesforce requests this integration made today.
    pub requests_today: u64,
    /// The org's API requests in the last 24 hours, as Salesforce last reported them.
    pub org_used: Option<u64>,
    /// The org's daily allowance, as Salesforce last reported it.
    pub org_max: Option<u64>,
    /// The share of the allowance this integration may use, in percent.
    pub share_percent: u8,
    /// Requests this integration may still make today, when known.
    pub remaining: Option<u64>,
    /// What runs.
    pub budget: Budget,
}

/// `GET /api/search?q=`: Contacts, Leads and Accounts matching the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The records, Salesforce's relevance order.
    pub records: Vec<RecordView>,
}

/// `?kind=email&handle=...`: the sender a `/api/panel` or `/api/pins` call is about.
///
/// `kind` stays text so that an unknown kind is the API's own 400, not a query rejection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleQuery {
    /// `email` or `phone`.
    #[serde(default)]
    pub kind: String,
    /// The address or number.
    #[serde(default)]
    pub handle: String,
}

/// `PUT /api/pins?kind&handle` body: the record pinned for the sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRequest {
    /// `Contact`, `Lead` or `Account`.
    pub object: String,
    /// The record's id.
    pub id: String,
}

/// `POST /api/records/{object}` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateRequest {
    /// The fields, by API name.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Create even if a Contact or Lead with the same email or phone exists.
    #[serde(default)]
    pub force: bool,
}

/// `PATCH /api/records/{object}/{id}` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateRequest {
    /// The changed fields, by API name.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// When the agent loaded the record (an HTTP date, e.g. its `Last-Modified`); `None`
    /// saves whatever changed since.
    #[serde(default)]
    pub loaded_at: Option<String>,
}

/// `POST /api/records/{object}`: what happened to a create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateAnswer {
    /// The new record's id, when it was created.
    pub id: Option<String>,
    /// Contacts or Leads that already have this email or phone: nothing was created; the
    /// agent can use one of them, or ask again with `force`.
    #[serde(default)]
    pub existing: Vec<RecordView>,
    /// Salesforce's duplicate-rule matches, when its rules refused the record.
    #[serde(default)]
    pub duplicates: Vec<RecordView>,
}

/// `GET /api/leads/{id}/convert`: what converting can be asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvertOptions {
    /// The Lead's converted statuses (from `LeadStatus`), the default first.
    pub statuses: Vec<String>,
}

/// `POST /api/leads/{id}/convert` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvertRequest {
    /// One of [`ConvertOptions::statuses`]; the first when empty.
    pub converted_status: String,
    /// Attach to this Account instead of creating one.
    pub account_id: Option<String>,
    /// Also create an Opportunity, with this name.
    pub opportunity_name: Option<String>,
}

/// What a conversion made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvertAnswer {
    /// The Contact.
    pub contact_id: String,
    /// The Account.
    pub account_id: String,
    /// The Opportunity, if one was asked for.
    pub opportunity_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health() -> Health {
        Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            backend: Backend::Sandbox,
            org_url: "http://127.0.0.1:4000/".into(),
        }
    }

    fn me(currency: Option<&str>) -> Me {
        Me {
            user_id: "005000000000001AAA".into(),
            username: "rose@edge.com".into(),
            email: "rose@edge.com".into(),
            org_id: "00D000000000001AAA".into(),
            is_admin: false,
            instance_url: "https://edge.my.salesforce.com".into(),
            currency: currency.map(str::to_owned),
        }
    }

    /// A `Me` missing a field it requires is no `Me` (flattening's `None`), not an error.
    #[test]
    fn whoami_without_every_field_of_me_has_none() {
        let mut json = serde_json::to_value(Whoami::linked(me(None), health())).unwrap();
        json.as_object_mut().unwrap().remove("org_id");
        let who: Whoami = serde_json::from_value(json).unwrap();
        assert_eq!(who.me, None);
        assert!(who.linked);
    }

    #[test]
    fn health_round_trips_with_wire_names() {
        let health = Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            backend: Backend::Sandbox,
            org_url: "http://127.0.0.1:4000/".into(),
        };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "ok", "version": "0.1.0", "backend": "sandbox",
                               "org_url": "http://127.0.0.1:4000/"})
        );
        assert_eq!(serde_json::from_value::<Health>(json).unwrap(), health);
    }

    #[test]
    fn whoami_is_me_beside_linked_and_health() {
        let health = Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            backend: Backend::Sandbox,
            org_url: "http://127.0.0.1:4000/".into(),
        };
        let me = Me {
            user_id: "005A".into(),
            username: "ana@pane-support.example".into(),
            email: "ana@pane-support.example".into(),
            org_id: "00DA".into(),
            is_admin: true,
            instance_url: "http://127.0.0.1:4000".into(),
            currency: None,
        };
        let cases = [
            (
                "unlinked",
                Whoami::unlinked(health.clone()),
                serde_json::json!({"linked": false, "health": serde_json::to_value(&health).unwrap()}),
            ),
            (
                "linked",
                Whoami::linked(me.clone(), health.clone()),
                serde_json::json!({"linked": true, "user_id": "005A",
                    "username": "ana@pane-support.example", "email": "ana@pane-support.example",
                    "org_id": "00DA", "is_admin": true, "instance_url": "http://127.0.0.1:4000",
                    "health": serde_json::to_value(&health).unwrap()}),
            ),
        ];
        for (name, whoami, json) in cases {
            assert_eq!(serde_json::to_value(&whoami).unwrap(), json, "{name}");
            assert_eq!(
                serde_json::from_value::<Whoami>(json.clone()).unwrap(),
                whoami,
                "{name}"
            );
        }
        // A linked answer still reads as `Me`.
        let linked = serde_json::to_value(Whoami::linked(me.clone(), health)).unwrap();
        assert_eq!(serde_json::from_value::<Me>(linked).unwrap(), me);
    }

    #[test]
    fn panel_data_round_trips() {
        let mut fields = serde_json::Map::new();
        fields.insert("Name".into(), serde_json::json!("Rose Gonzalez"));
        let rose = RecordView {
            object: "Contact".into(),
            id: "003Pa0000000001IAA".into(),
            fields,
            notes: None,
            notes_unavailable: false,
        };
        let data = PanelData {
            handle: "rose@edge.com".into(),
            reason: MatchReason::Email,
            person: Some(rose.clone()),
            account: None,
            opportunities: RelatedList::default(),
            cases: RelatedList {
                total: 1,
                more: false,
                records: vec![rose],
            },
            open_activities: RelatedList::default(),
            history: RelatedList::default(),
            account_contacts: RelatedList::default(),
            candidates: vec![],
            stale: None,
        };
        let json = serde_json::to_value(&data).unwrap();
        assert_eq!(json["reason"], "email");
        assert_eq!(json["person"]["fields"]["Name"], "Rose Gonzalez");
        assert_eq!(serde_json::from_value::<PanelData>(json).unwrap(), data);
    }

    #[test]
    fn request_bodies_keep_their_wire_names() {
        let query = HandleQuery {
            kind: "email".into(),
            handle: "rose@edge.com".into(),
        };
        let json = serde_json::to_value(&query).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "email", "handle": "rose@edge.com"})
        );
        assert_eq!(serde_json::from_value::<HandleQuery>(json).unwrap(), query);
        let pin = PinRequest {
            object: "Contact".into(),
            id: "003".into(),
        };
        let json = serde_json::to_value(&pin).unwrap();
        assert_eq!(json, serde_json::json!({"object": "Contact", "id": "003"}));
        assert_eq!(serde_json::from_value::<PinRequest>(json).unwrap(), pin);
        let mut fields = serde_json::Map::new();
        fields.insert("LastName".into(), serde_json::json!("Gonzalez"));
        let create = CreateRequest {
            fields: fields.clone(),
            force: false,
        };
        let json = serde_json::to_value(&create).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"fields": {"LastName": "Gonzalez"}, "force": false})
        );
        assert_eq!(
            serde_json::from_value::<CreateRequest>(json).unwrap(),
            create
        );
        let update = UpdateRequest {
            fields,
            loaded_at: None,
        };
        let json = serde_json::to_value(&update).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"fields": {"LastName": "Gonzalez"}, "loaded_at": null})
        );
        assert_eq!(
            serde_json::from_value::<UpdateRequest>(json).unwrap(),
            update
        );
    }

    #[test]
    fn layout_is_the_agents_else_the_orgs_else_the_builtin() {
        let fields = |f: &[&str]| f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let mut org = OrgSettings::default();
        org.default_fields
            .insert("Contact".into(), fields(&["Title"]));
        org.default_fields.insert("Lead".into(), vec![]);
        let mut agent = FieldsByObject::new();
        agent.insert("Contact".into(), fields(&["Phone"]));
        agent.insert("Account".into(), vec![]);
        let builtin = ["Name"];
        for (object, agent, shown) in [
            ("Contact", &agent, &["Phone"][..]),
            ("Contact", &FieldsByObject::new(), &["Title"][..]),
            ("Lead", &agent, &["Name"][..]),
            ("Account", &agent, &["Name"][..]),
            ("Case", &agent, &["Name"][..]),
        ] {
            assert_eq!(
                layout_fields(agent, &org, object, &builtin),
                fields(shown),
                "{object}"
            );
        }
    }

    #[test]
    fn api_error_round_trips() {
        let err = ApiError {
            code: "not_found".into(),
            message: "No such route.".into(),
            fields: vec![],
            current: None,
        };
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"code":"not_found","message":"No such route."}"#);
        assert_eq!(serde_json::from_str::<ApiError>(&json).unwrap(), err);
    }
}
