//! Logging a whole conversation to Salesforce: `POST /api/conversations/log` and
//! `GET /api/conversations/log?conversation=cnv_1`.

use serde::{Deserialize, Serialize};

use crate::bridge::Message;

/// How many characters of bodies one log sends at most: far more than a Task's Description
/// keeps (32,000), so the proxy still cuts with its marker, and far less than a request holds.
pub const BODIES_MAX: usize = 200_000;

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

impl LogConversation {
    /// The log of `messages` (in the host's order) on `who_id`. Bodies past [`BODIES_MAX`]
    /// characters in all are sent empty: the Task could not keep them.
    pub fn of(
        conversation: &str,
        subject: Option<&str>,
        who_id: &str,
        messages: &[Message],
    ) -> LogConversation {
        let mut budget = BODIES_MAX;
        let messages = messages
            .iter()
            .map(|m| {
                let author = match m.from.name.as_deref().map(str::trim) {
                    Some(name) if !name.is_empty() => format!("{name} <{}>", m.from.handle),
                    _ => m.from.handle.clone(),
                };
                let content = m.content.clone().unwrap_or_default();
                let size = content.body.chars().count();
                let body = if size <= budget {
                    budget -= size;
                    content.body
                } else {
                    budget = 0;
                    String::new()
                };
                LoggedMessage {
                    id: m.id.clone(),
                    author,
                    date: m.date,
                    body,
                    html: content.kind == "html",
                }
            })
            .collect();
        LogConversation {
            conversation: conversation.to_owned(),
            subject: subject.map(str::to_owned),
            who_id: who_id.to_owned(),
            messages,
        }
    }
}

/// `GET /api/conversations/log` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationQuery {
    /// The host's conversation id.
    #[serde(default)]
    pub conversation: String,
    /// The conversation's host message ids, comma-separated: which of them rules logged is
    /// answered in the same request ([`ConversationLogged::logged`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<String>,
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
    /// Which of the message ids asked about ([`ConversationQuery::ids`]) rules logged; absent
    /// where none were asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn host_message(id: &str, name: Option<&str>, body: &str, kind: &str) -> Message {
        serde_json::from_value(json!({
            "id": id, "date": 1000.0, "status": "inbound",
            "from": {"handle": "rose@edge.com", "name": name, "type": "email"},
            "content": {"body": body, "type": kind}
        }))
        .unwrap()
    }

    #[test]
    fn a_log_holds_every_message_in_order_with_its_author_time_and_body() {
        let messages = [
            host_message("msg_1", Some("Rose Gonzalez"), "<p>Hi</p>", "html"),
            host_message("msg_2", None, "plain", "text"),
            host_message("msg_3", Some(" "), "", "text"),
        ];
        let log = LogConversation::of("cnv_1", Some("Hello"), "003A", &messages);
        let authors: Vec<&str> = log.messages.iter().map(|m| m.author.as_str()).collect();
        assert_eq!(
            authors,
            [
                "Rose Gonzalez <rose@edge.com>",
                "rose@edge.com",
                "rose@edge.com"
            ]
        );
        let ids: Vec<&str> = log.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["msg_1", "msg_2", "msg_3"]);
        assert!(log.messages[0].html && !log.messages[1].html);
        assert_eq!(log.messages[0].body, "<p>Hi</p>");
        assert_eq!(log.messages[0].date, Some(1000.0));
        assert_eq!(
            (log.conversation.as_str(), log.who_id.as_str()),
            ("cnv_1", "003A")
        );
    }

    #[test]
    fn bodies_past_the_budget_are_sent_empty() {
        let big = "x".repeat(BODIES_MAX - 10);
        let messages = [
            host_message("msg_1", None, &big, "text"),
            host_message("msg_2", None, &"y".repeat(11), "text"),
            host_message("msg_3", None, "z", "text"),
        ];
        let log = LogConversation::of("cnv_1", None, "003A", &messages);
        let sizes: Vec<usize> = log.messages.iter().map(|m| m.body.len()).collect();
        assert_eq!(sizes, [BODIES_MAX - 10, 0, 0]);
    }

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
