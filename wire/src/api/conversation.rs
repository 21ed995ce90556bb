//! Logging a whole conversation to Salesforce: `POST /api/conversations/log` and
//! `GET /api/conversations/log?conversation=cnv_1`.

use serde::{Deserialize, Serialize};

/// One message of the conversation, as the host listed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedMessage {
    /// The host's message id.
    pub id: String,
    /// Who wrote it: `Name <address>`, or the address.
    pub author: String,
    /// When it was sent, in epoch milliseconds (`None` when the host gave no date).
    #[serde(default)]
    pub date: Option<f64>,
    /// Its body as the host gave it.
    #[serde(default)]
    pub body: String,
    /// `true` when [`LoggedMessage::body`] is HTML (the proxy logs its text).
    #[serde(default)]
    pub html: bool,
}

/// `POST /api/conversations/log` body: the conversation, every message in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConversation {
    /// The host's conversation id.
    pub conversation: String,
    /// Its subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// The Contact or Lead the Task is about.
    pub who_id: String,
    /// The messages, oldest first.
    pub messages: Vec<LoggedMessage>,
}

/// `GET /api/conversations/log` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationQuery {
    /// The host's conversation id.
    #[serde(default)]
    pub conversation: String,
}

/// A logged conversation: its Task and when it was last logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationLog {
    /// The Task's id.
    pub task_id: String,
    /// When it was last logged (ms since the epoch).
    pub logged_at: i64,
    /// How many messages that log held.
    pub messages: i64,
}

/// `GET /api/conversations/log` answer (and `POST`'s, always with `log`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationLogged {
    /// The conversation's log, `None` when it was never logged.
    pub log: Option<ConversationLog>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_log_request_reads_with_wire_names_and_refuses_unknown_fields() {
        let body = json!({
            "conversation": "cnv_1", "subject": "Invoice", "who_id": "003000000000001",
            "messages": [{"id": "msg_1", "author": "Rose <rose@edge.com>", "date": 1.5,
                          "body": "<p>Hi</p>", "html": true}]
        });
        let read: LogConversation = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(read.messages[0].date, Some(1.5));
        assert_eq!(serde_json::to_value(&read).unwrap(), body);
        let mut extra = body;
        extra["who"] = json!("x");
        assert!(serde_json::from_value::<LogConversation>(extra).is_err());
    }
}
