//! The org: its schema, its records, its users, and the settings that change its behaviour.
//! Its reads of one record are in `read.rs`, its writes in `write.rs`, the duplicate rules in
//! `duplicates.rs`.

mod duplicates;
mod read;
mod write;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::SandboxError;
use crate::id::SfId;
use crate::keys::lookup_keys;
use crate::records::complete;
use crate::schema::{CustomField, FieldType, ObjectDef, Schema};
use crate::store::{Record, Store};

pub use write::Write;

/// A profile: what its users may not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// `(object, field)` pairs that are read-only for it.
    pub read_only: Vec<(String, String)>,
    /// Salesforce's "Modify All Data" permission (`UserPermissionAccess.PermissionsModifyAllData`).
    #[serde(default)]
    pub modify_all_data: bool,
}

/// A user who can log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoUser {
    /// Login.
    pub username: String,
    /// Password (demo only).
    pub password: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Profile.
    pub profile: Profile,
}

/// How the org is set up. The default is an empty org kept in memory, with the duplicate rules
/// and no custom fields or users; `demo::settings()` is the demo org's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// Where the records live; `None` keeps them in memory.
    pub database: Option<PathBuf>,
    /// Custom fields added to the standard objects.
    pub custom_fields: Vec<CustomField>,
    /// Users who can log in; the first is the default owner of seeded records.
    pub users: Vec<DemoUser>,
    /// Contacts and Leads with the same email or phone as another are refused
    /// (`DUPLICATES_DETECTED`), like Salesforce's standard duplicate rules.
    pub duplicate_rules: bool,
    /// Which block of ids the org mints from (see [`Store::set_id_block`]): orgs served side
    /// by side ([`crate::orgs`]) take different blocks, so no id names records in two orgs.
    #[serde(default)]
    pub id_block: u64,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            database: None,
            custom_fields: Vec::new(),
            users: Vec::new(),
            duplicate_rules: true,
            id_block: 0,
        }
    }
}

/// A user of this org, as requests carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their record id.
    pub id: SfId,
    /// Their login.
    pub username: String,
    /// Their profile.
    pub profile: Profile,
}

/// The org.
#[derive(Debug)]
pub struct Org {
    /// Objects and fields.
    pub schema: Schema,
    /// Records.
    pub store: Store,
    /// Settings.
    pub settings: OrgSettings,
    users: Vec<User>,
}

impl Org {
    /// Opens the org's store, unseeded: no users, no records but those stored before
    /// (`demo::open` opens the demo org).
    pub fn open(settings: OrgSettings) -> Result<Org, SandboxError> {
        Org::open_with(settings, |_| Ok(()))
    }

    /// Opens the org's store, lets `seed` fill it and load its users (`demo::seed`), then
    /// brings records stored by earlier versions up to date (their lookup keys and completed
    /// values, seeded ones included).
    pub fn open_with(
        settings: OrgSettings,
        seed: impl FnOnce(&mut Org) -> Result<(), SandboxError>,
    ) -> Result<Org, SandboxError> {
        let schema = Schema::new(&settings.custom_fields)?;
        let mut store = Store::open(settings.database.as_deref())?;
        store.set_id_block(settings.id_block);
        let mut org = Org {
            schema,
            store,
            settings,
            users: Vec::new(),
        };
        seed(&mut org)?;
        org.reindex_lookup_keys()?;
        org.complete_stored_records()?;
        Ok(org)
    }

    /// Gives records stored before the sandbox filled them their booleans, Case numbers and
    /// stage-derived Opportunity fields (once per store).
    fn complete_stored_records(&self) -> Result<(), SandboxError> {
        const VERSION: &str = "completed-1";
        if self.store.meta("completed_version")?.as_deref() == Some(VERSION) {
            return Ok(());
        }
        for object in self.schema.objects() {
            if object.key_prefix.is_none() {
                continue;
            }
            // In chunks, so a large store is never held at once; ids are minted in order, so
            // Case numbers follow creation.
            self.each_page(&object.name, |page| self.complete_page(object, page))?;
        }
        self.store.set_meta("completed_version", VERSION)
    }

    /// Hands every stored row of `object` (deleted ones too) to `f`, 1000 at a time in id
    /// order, so a large store is never held at once.
    fn each_page(
        &self,
        object: &str,
        mut f: impl FnMut(Vec<Record>) -> Result<(), SandboxError>,
    ) -> Result<(), SandboxError> {
        const PAGE: usize = 1000;
        let mut after = String::new();
        loop {
            let page = self.store.scan_page(object, true, &after, PAGE)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = last.id.to_string();
            let full = page.len() == PAGE;
            f(page)?;
            if !full {
                return Ok(());
            }
        }
    }

    fn complete_page(&self, object: &ObjectDef, page: Vec<Record>) -> Result<(), SandboxError> {
        let mut changed = Vec::new();
        {
            for mut record in page {
                let before = record.fields.clone();
                if object.name == "Case"
                    && record
                        .fields
                        .get("CaseNumber")
                        .is_none_or(serde_json::Value::is_null)
                {
                    record.fields_mut().insert(
                        "CaseNumber".into(),
                        serde_json::Value::String(self.next_case_number()?),
                    );
                }
                complete(object, record.fields_mut(), None);
                if record.fields != before {
                    let keys = lookup_keys(object, &record.fields);
                    changed.push((record, keys));
                }
            }
        }
        self.store.put_many(&changed)
    }

    /// Gives records stored before their lookup keys were what `keys::lookup_keys` makes
    /// now (External IDs; email domains and URL texts for leading-wildcard `LIKE`) those keys,
    /// once per store, in chunks (a 1,000,000-record store is re-keyed, not rewritten).
    fn reindex_lookup_keys(&self) -> Result<(), SandboxError> {
        const VERSION: &str = "lookup-2";
        if self.store.meta("lookup_version")?.as_deref() == Some(VERSION) {
            return Ok(());
        }
        for object in self.schema.objects() {
            let keyed = object.fields.iter().any(|f| {
                f.external_id || matches!(f.field_type(), FieldType::Email | FieldType::Url)
            });
            if !keyed {
                continue;
            }
            self.each_page(&object.name, |page| {
                let keys: Vec<_> = page
                    .into_iter()
                    .map(|r| {
                        let keys = lookup_keys(object, &r.fields);
                        (r.id, keys)
                    })
                    .collect();
                self.store.replace_keys(&keys)
            })?;
        }
        self.store.set_meta("lookup_version", VERSION)
    }

    pub(crate) fn set_users(&mut self, users: Vec<User>) {
        self.users = users;
    }

    /// The org's id (its Organization record).
    pub fn org_id(&self) -> String {
        self.store
            .scan("Organization", false)
            .ok()
            .and_then(|mut r| r.pop())
            .map_or_else(|| SfId::mint("00D", 1).to_string(), |r| r.id.to_string())
    }

    /// Sets the org's currency (`Organization.DefaultCurrencyIsoCode`, one of
    /// [`crate::schema::ORG_CURRENCIES`]), as an admin does in Company Information; false when
    /// `iso_code` is not one of them.
    pub fn set_currency(&self, iso_code: &str) -> Result<bool, SandboxError> {
        if !crate::schema::ORG_CURRENCIES.contains(&iso_code) {
            return Ok(false);
        }
        for mut record in self.store.scan("Organization", false)? {
            record.fields_mut().insert(
                "DefaultCurrencyIsoCode".into(),
                serde_json::Value::from(iso_code),
            );
            self.store.put(&record, Vec::new())?;
        }
        Ok(true)
    }

    /// The users who can log in.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// A user by login, without case.
    pub fn user(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// A user by id.
    pub fn user_by_id(&self, id: &SfId) -> Option<&User> {
        self.users.iter().find(|u| u.id == *id)
    }

    /// Whether `user` may change `object.field` (the field's describe and their profile).
    pub fn read_only_for(&self, user: &User, object: &str, field: &str) -> bool {
        user.profile
            .read_only
            .iter()
            .any(|(o, f)| o.eq_ignore_ascii_case(object) && f.eq_ignore_ascii_case(field))
    }
}
