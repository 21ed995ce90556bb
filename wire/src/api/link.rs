//! Linking a Salesforce login: the bodies and answers of `/api/oauth/*` and
//! `/api/admin/integration`.

use serde::{Deserialize, Serialize};

/// `POST /api/oauth/start` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// `agent` (the default) or `integration` (admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The panel's origin, for clients that send no `Origin` header (scripts, tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// `POST /api/oauth/start` answer: a new link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    /// The link's id.
    pub tx: String,
    /// The secret that redeems it (the panel keeps it in memory only; the proxy stores its hash).
    pub redeem: String,
    /// Where the login popup opens.
    pub begin_url: String,
}

/// `POST /api/oauth/redeem` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The link's id.
    pub tx: String,
    /// The secret [`Started::redeem`].
    pub redeem: String,
    /// The one-time code the popup posted to the panel.
    #[serde(default)]
    pub code: String,
}

/// `POST /api/oauth/redeem` answer (the session itself is in a cookie, never here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redeemed {
    /// Always `true`: the session cookie is set.
    pub linked: bool,
}

/// `POST /api/oauth/status` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// The link's id.
    pub tx: String,
    /// The secret [`Started::redeem`].
    pub redeem: String,
}

/// `POST /api/oauth/status` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatus {
    /// `started`, `begun`, `exchanging`, `done`, `failed`, or `gone` once redeemed or expired.
    pub status: String,
}

/// `GET /api/admin/integration` (admins): the Salesforce login rules act as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationUser {
    /// Its login, once an admin linked one.
    pub username: Option<String>,
    /// Its Salesforce user id.
    pub user_id: Option<String>,
    /// Why rule work waits (Salesforce refused the link), if it does.
    pub problem: Option<String>,
}

/// What the popup posts to the panel (`postMessage`) when a link finishes, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LinkMessage {
    /// An agent's link is done: the panel redeems it with `code`.
    #[serde(rename = "salesforce-pane-linked")]
    Linked {
        /// The link's id.
        tx: String,
        /// The one-time code for [`RedeemRequest::code`].
        code: String,
    },
    /// The org's integration user is linked.
    #[serde(rename = "salesforce-pane-integration")]
    Integration {
        /// The link's id.
        tx: String,
        /// Its Salesforce login.
        username: String,
    },
}

impl LinkMessage {
    /// The link the message is about.
    pub fn tx(&self) -> &str {
        match self {
            LinkMessage::Linked { tx, .. } | LinkMessage::Integration { tx, .. } => tx,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// `value` is `wire` on the wire, and `wire` reads back as `value`.
    fn round_trips<T>(value: &T, wire: Value)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        assert_eq!(serde_json::to_value(value).unwrap(), wire);
        assert_eq!(&serde_json::from_value::<T>(wire).unwrap(), value);
    }

    #[test]
    fn start_request_sends_only_what_is_set() {
        let request = StartRequest {
            purpose: Some("agent".into()),
            origin: None,
        };
        round_trips(&request, json!({"purpose": "agent"}));
        assert_eq!(
            serde_json::from_value::<StartRequest>(json!({})).unwrap(),
            StartRequest::default()
        );
        assert!(serde_json::from_value::<StartRequest>(json!({"other": 1})).is_err());
    }

    #[test]
    fn link_answers_round_trip_with_wire_names() {
        let started = Started {
            tx: "t".into(),
            redeem: "r".into(),
            begin_url: "https://p/oauth/begin?tx=t".into(),
        };
        round_trips(
            &started,
            json!({"tx": "t", "redeem": "r", "begin_url": "https://p/oauth/begin?tx=t"}),
        );

        let redeem = RedeemRequest {
            tx: "t".into(),
            redeem: "r".into(),
            code: "c".into(),
        };
        round_trips(&redeem, json!({"tx": "t", "redeem": "r", "code": "c"}));
        assert_eq!(
            serde_json::to_value(Redeemed { linked: true }).unwrap(),
            json!({"linked": true})
        );

        let status = StatusRequest {
            tx: "t".into(),
            redeem: "r".into(),
        };
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            json!({"tx": "t", "redeem": "r"})
        );
        let answer = LinkStatus {
            status: "done".into(),
        };
        assert_eq!(
            serde_json::from_value::<LinkStatus>(json!({"status": "done"})).unwrap(),
            answer
        );

        let linked = LinkMessage::Linked {
            tx: "t".into(),
            code: "c".into(),
        };
        round_trips(
            &linked,
            json!({"type": "salesforce-pane-linked", "tx": "t", "code": "c"}),
        );
        let integration = serde_json::from_value::<LinkMessage>(
            json!({"type": "salesforce-pane-integration", "tx": "t", "username": "int@acme.com"}),
        )
        .unwrap();
        assert_eq!(integration.tx(), "t");
        assert!(
            serde_json::from_value::<LinkMessage>(json!({"type": "other", "tx": "t"})).is_err()
        );

        let user = IntegrationUser {
            username: Some("int@acme.com".into()),
            user_id: Some("005".into()),
            problem: None,
        };
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(
            json,
            json!({"username": "int@acme.com", "user_id": "005", "problem": null})
        );
        assert_eq!(
            serde_json::from_value::<IntegrationUser>(json).unwrap(),
            user
        );
    }
}
