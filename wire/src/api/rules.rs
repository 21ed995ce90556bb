//! What the panel reads about rules: `/api/admin/rules`, `/api/admin/rules/intake` and
//! `/api/rules/logged`.

use serde::{Deserialize, Serialize};

/// One rule job, as the admin's audit view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleJob {
    /// Its id.
    pub id: String,
    /// The host's event id.
    pub event_id: String,
    /// `send_to_salesforce` or `create_lead`.
    pub action: String,
    /// The message.
    pub message_id: String,
    /// `queued`, `running`, `retry`, `done`, `dead`.
    pub state: String,
    /// `logged`, `created`, `no_match`, `existed`, `skipped`, `failed`.
    pub outcome: String,
    /// Why, in words.
    pub detail: String,
    /// The record it touched (empty when none).
    pub record_object: String,
    /// Its id (empty when none).
    pub record_id: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Salesforce requests it cost.
    pub requests: i64,
    /// When it was received (ms since the epoch).
    pub created_at: i64,
    /// When it last changed (ms since the epoch).
    pub updated_at: i64,
}

/// `GET /api/admin/rules` (admins): the recent rule jobs, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleJobs {
    /// The jobs.
    pub jobs: Vec<RuleJob>,
}

/// `GET /api/admin/rules/intake` and `POST /api/admin/rules/intake/rotate` (admins): where
/// the host sends the admin's org's rule webhooks, and the secret that signs them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleIntake {
    /// The org's intake URL; each rule's webhook appends its action
    /// (`/send-to-salesforce`, `/create-lead`).
    pub url: String,
    /// The org's signing secret (the host's API secret for rule webhooks, its application
    /// secret for application webhooks).
    pub secret: String,
    /// Until when (ms since the epoch) the secret before the last rotation is still accepted;
    /// `None` when it no longer is.
    pub previous_valid_until: Option<i64>,
}

/// `GET /api/rules/logged?ids=msg_1,msg_2` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedQuery {
    /// The host message ids, comma-separated.
    #[serde(default)]
    pub ids: String,
}

/// The message ids of a comma-separated list (`ids=msg_1,msg_2`), blanks left out.
pub fn message_ids(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GET /api/rules/logged` answer: which of the messages asked about rules logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logged {
    /// The logged message ids.
    pub logged: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_ids_are_the_list_without_blanks() {
        for (list, ids) in [
            ("msg_1,msg_2", vec!["msg_1", "msg_2"]),
            (" msg_1 , ,msg_2,", vec!["msg_1", "msg_2"]),
            ("", vec![]),
            (",", vec![]),
        ] {
            assert_eq!(message_ids(list), ids, "{list:?}");
        }
    }

    #[test]
    fn rule_jobs_round_trip_with_wire_names() {
        let jobs = RuleJobs {
            jobs: vec![RuleJob {
                id: "j".into(),
                event_id: "e".into(),
                action: "create_lead".into(),
                message_id: "msg_1".into(),
                state: "done".into(),
                outcome: "created".into(),
                detail: String::new(),
                record_object: "Lead".into(),
                record_id: "00Q".into(),
                attempts: 1,
                requests: 3,
                created_at: 10,
                updated_at: 20,
            }],
        };
        let json = serde_json::to_value(&jobs).unwrap();
        assert_eq!(json["jobs"][0]["record_object"], "Lead");
        assert_eq!(json["jobs"][0]["requests"], 3);
        assert_eq!(serde_json::from_value::<RuleJobs>(json).unwrap(), jobs);
        let logged = Logged {
            logged: vec!["msg_1".into()],
        };
        let json = serde_json::to_value(&logged).unwrap();
        assert_eq!(json, json!({"logged": ["msg_1"]}));
        assert_eq!(serde_json::from_value::<Logged>(json).unwrap(), logged);
    }
}
