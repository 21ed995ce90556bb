//! Logging a whole conversation from the panel: `POST /api/conversations/log` writes every
//! message the host listed, in order with authors and times, as one completed Task on the
//! matched Contact or Lead, and `GET /api/conversations/log?conversation=cnv_1` says whether
//! (and when) it was logged, from the proxy's store with no Salesforce request; with
//! `&ids=msg_1,msg_2` it also says which of those messages rules logged (the panel asks both in
//! one request).
//!
//! The Task is upserted on `Pane_Message_Id__c = conv:<conversation id>` (the rules' marker
//! field, which already is an External ID, with a prefix no host message id has), so logging
//! again, a retry, or a second agent logging the same conversation updates the one Task: one
//! Salesforce request, two when its answer is lost and the upsert is sent again.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use pane_wire::api::{
    ConversationLog, ConversationLogged, ConversationQuery, LogConversation, message_ids,
};
use serde_json::{Value, json};

use crate::clock::now_ms;
use crate::gateway::budget::utc_day;
use crate::gateway::{Salesforce, refused};
use crate::json::ApiJson;
use crate::session::Agent;
use crate::validate::record_id;
use crate::{AppState, ProxyError};

/// The External ID field the Task is upserted on: the rules' marker field (`rules::worker`),
/// named here too because features do not import each other.
const MARKER_FIELD: &str = "Pane_Message_Id__c";
/// Salesforce's limit on a Task's `Description` (a Long Text Area of 32,000 characters: the
/// Task describe's `length`).
pub const DESCRIPTION_MAX: usize = 32_000;
/// Salesforce's limit on a Task's `Subject`.
const SUBJECT_MAX: usize = 255;
/// What ends a Description cut at [`DESCRIPTION_MAX`].
pub const TRUNCATED: &str = "\n\n[Truncated: the conversation is longer than Salesforce keeps in a Task. The rest is in Front.]";
/// The longest conversation id accepted (the marker field holds 255 characters).
const CONVERSATION_ID_MAX: usize = 200;

/// The conversation routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/conversations/log", get(status).post(log))
}

/// The marker of a conversation's Task.
pub fn task_key(conversation: &str) -> String {
    format!("conv:{conversation}")
}

/// A host conversation id: letters, digits, `_` and `-`.
fn conversation_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= CONVERSATION_ID_MAX
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A Contact's (`003`) or Lead's (`00Q`) record id: the only records a conversation is
/// logged on (the key prefixes are Salesforce's, the same in every org).
pub fn person_id(id: &str) -> bool {
    record_id(id) && (id.starts_with("003") || id.starts_with("00Q"))
}

/// `2026-11-24 09:00 UTC` from epoch milliseconds.
pub fn when(ms: f64) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "milliseconds since the epoch"
    )]
    let secs = (ms / 1000.0).floor() as i64;
    let minutes = secs.rem_euclid(86_400) / 60;
    format!(
        "{} {:02}:{:02} UTC",
        utc_day(secs),
        minutes / 60,
        minutes % 60
    )
}

/// The text of an HTML body: tags dropped, line and paragraph breaks kept, entities decoded,
/// blank runs folded.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close]
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(
            tag.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "blockquote"
        ) {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let decoded = html_escape::decode_html_entities(&out);
    let lines: Vec<&str> = decoded.lines().map(str::trim_end).collect();
    let mut text = String::new();
    let mut blank = true;
    for line in lines {
        if line.trim().is_empty() {
            if !blank {
                text.push('\n');
            }
            blank = true;
        } else {
            text.push_str(line.trim_start_matches(' '));
            text.push('\n');
            blank = false;
        }
    }
    text.trim_end().to_owned()
}

/// The Task's Description: each message in order under an `author · time` line, cut to
/// [`DESCRIPTION_MAX`] characters with [`TRUNCATED`] at the end when it is longer.
pub fn description(log: &LogConversation) -> String {
    let mut text = String::new();
    for (n, m) in log.messages.iter().enumerate() {
        if n > 0 {
            text.push_str("\n\n");
        }
        let time = m.date.map_or_else(|| "no date".to_owned(), when);
        let body = if m.html {
            html_text(&m.body)
        } else {
            m.body.trim().to_owned()
        };
        text.push_str(&format!("{} · {time}\n{body}", m.author.trim()));
    }
    if text.chars().count() <= DESCRIPTION_MAX {
        return text;
    }
    let keep = DESCRIPTION_MAX - TRUNCATED.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(TRUNCATED);
    cut
}

/// The Task's fields: completed, on `who_id`, dated the last message's day (today without
/// dates).
pub fn task_body(log: &LogConversation, today_ms: i64) -> Value {
    let subject = match log.subject.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => format!("Conversation: {s}"),
        _ => "Conversation".to_owned(),
    };
    #[allow(
        clippy::cast_possible_truncation,
        reason = "milliseconds since the epoch"
    )]
    let last = log
        .messages
        .iter()
        .rev()
        .find_map(|m| m.date)
        .map_or(today_ms / 1000, |ms| (ms / 1000.0).floor() as i64);
    json!({
        "Subject": subject.chars().take(SUBJECT_MAX).collect::<String>(),
        "WhoId": log.who_id,
        "Status": "Completed",
        "ActivityDate": utc_day(last),
        "Description": description(log),
    })
}

/// What makes a log request unanswerable, in words.
fn refusal(log: &LogConversation) -> Option<&'static str> {
    if !conversation_id(&log.conversation) {
        return Some("conversation must be a conversation id");
    }
    if !person_id(&log.who_id) {
        return Some("who_id must be a Contact's or a Lead's record id");
    }
    if log.messages.is_empty() {
        return Some("messages must hold the conversation's messages");
    }
    None
}

async fn log(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<LogConversation>,
) -> Result<Json<ConversationLogged>, ProxyError> {
    if let Some(why) = refusal(&body) {
        return Err(ProxyError::BadRequest(why.into()));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let key = task_key(&body.conversation);
    let task = task_body(&body, now_ms());
    let upsert = || salesforce.client.upsert("Task", MARKER_FIELD, &key, &task);
    let task_id = match salesforce.call_raw(upsert()).await? {
        Ok((id, _)) => id,
        // The answer was lost (the write may have been made): the upsert again updates
        // what it made, never a second Task.
        Err(pane_salesforce::Error::Transport(err)) => {
            tracing::warn!(%err, "a conversation log's answer was lost; sending it again");
            salesforce
                .call_raw(upsert())
                .await?
                .map_err(|e| refused(&e, Some(&body.who_id)))?
                .0
        }
        Err(err) => return Err(refused(&err, Some(&body.who_id))),
    };
    state.panel_cache.forget_org(&agent.link.org_id).await;
    let logged = ConversationLog {
        task_id,
        logged_at: now_ms(),
        messages: i64::try_from(body.messages.len()).unwrap_or(i64::MAX),
    };
    state
        .services
        .db
        .put_conversation_log(&agent.link.org_id, &body.conversation, &logged)
        .await?;
    Ok(Json(ConversationLogged {
        log: Some(logged),
        logged: None,
    }))
}

async fn status(
    State(state): State<AppState>,
    agent: Agent,
    Query(q): Query<ConversationQuery>,
) -> Result<Json<ConversationLogged>, ProxyError> {
    if !conversation_id(&q.conversation) {
        return Err(ProxyError::BadRequest(
            "conversation must be a conversation id".into(),
        ));
    }
    let db = &state.services.db;
    let log = db
        .conversation_log(&agent.link.org_id, &q.conversation)
        .await?;
    // Which of its messages rules logged, in the same answer: the panel asks both at once.
    let logged = match q.ids.as_deref().map(message_ids) {
        Some(ids) => Some(db.logged_messages(&agent.link.org_id, &ids).await?),
        None => None,
    };
    Ok(Json(ConversationLogged { log, logged }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pane_wire::api::LoggedMessage;

    fn message(author: &str, date: Option<f64>, body: &str, html: bool) -> LoggedMessage {
        LoggedMessage {
            id: format!("msg_{author}"),
            author: author.into(),
            date,
            body: body.into(),
            html,
        }
    }

    fn conversation(messages: Vec<LoggedMessage>) -> LogConversation {
        LogConversation {
            conversation: "cnv_1".into(),
            subject: Some(" Invoice ".into()),
            who_id: "003000000000001AAA".into(),
            messages,
        }
    }

    #[test]
    fn only_contact_and_lead_ids_are_people() {
        for (id, person) in [
            ("003000000000001", true),
            ("003000000000001AAA", true),
            ("00Q000000000001AAA", true),
            ("001000000000001AAA", false),
            ("00T000000000001AAA", false),
            ("003000000000001'", false),
            ("003", false),
            ("", false),
        ] {
            assert_eq!(person_id(id), person, "{id:?}");
        }
    }

    #[test]
    fn conversation_ids() {
        for (id, ok) in [
            ("cnv_1", true),
            ("cnv-abc_9", true),
            ("", false),
            ("cnv/1", false),
            ("cnv 1", false),
            ("cnv'1", false),
        ] {
            assert_eq!(conversation_id(id), ok, "{id:?}");
        }
        assert!(!conversation_id(&"c".repeat(CONVERSATION_ID_MAX + 1)));
        assert_eq!(task_key("cnv_1"), "conv:cnv_1");
    }

    #[test]
    fn times_are_utc_to_the_minute() {
        for (ms, text) in [
            (0.0, "1970-01-01 00:00 UTC"),
            (1_795_996_800_000.0 - 1.0, "2026-11-29 23:59 UTC"),
            (
                1_795_996_800_000.0 + 9.5 * 3_600_000.0,
                "2026-11-30 09:30 UTC",
            ),
        ] {
            assert_eq!(when(ms), text, "{ms}");
        }
    }

    #[test]
    fn html_bodies_become_text() {
        for (html, text) in [
            ("<p>Hello &amp; welcome</p>", "Hello & welcome"),
            ("<p>One</p><p>Two</p>", "One\n\nTwo"),
            ("a<br>b<br/>c", "a\nb\nc"),
            ("<div><b>bold</b> <i>it</i></div>", "bold it"),
            ("no tags", "no tags"),
            ("broken <tag", "broken"),
            ("&lt;script&gt;", "<script>"),
        ] {
            assert_eq!(html_text(html), text, "{html:?}");
        }
    }

    #[test]
    fn the_description_is_every_message_in_order_under_its_author_and_time() {
        let log = conversation(vec![
            message("Rose <rose@edge.com>", Some(0.0), "<p>Hi</p>", true),
            message("Ana Agent", Some(60_000.0), " Hello Rose ", false),
            message("Rose <rose@edge.com>", None, "", false),
        ]);
        assert_eq!(
            description(&log),
            "Rose <rose@edge.com> · 1970-01-01 00:00 UTC\nHi\n\n\
             Ana Agent · 1970-01-01 00:01 UTC\nHello Rose\n\n\
             Rose <rose@edge.com> · no date\n"
        );
    }

    #[test]
    fn a_long_conversation_is_cut_to_the_limit_with_a_marker() {
        let long = "x".repeat(DESCRIPTION_MAX);
        let log = conversation(vec![
            message("Rose", Some(0.0), &long, false),
            message("Ana", Some(0.0), "the end", false),
        ]);
        let text = description(&log);
        assert_eq!(text.chars().count(), DESCRIPTION_MAX);
        assert!(text.ends_with(TRUNCATED));
        assert!(text.starts_with("Rose · 1970-01-01 00:00 UTC\nxxx"));
        let short = conversation(vec![message("Rose", Some(0.0), "hi", false)]);
        assert!(!description(&short).contains("Truncated"));
        // Multi-byte text is cut by characters, not bytes.
        let wide = conversation(vec![message("Rose", None, &"é".repeat(40_000), false)]);
        assert_eq!(description(&wide).chars().count(), DESCRIPTION_MAX);
    }

    #[test]
    fn the_task_is_completed_on_the_person_dated_the_last_message() {
        let day = 1_795_996_800_000.0;
        let log = conversation(vec![
            message("Rose", Some(day - 86_400_000.0), "a", false),
            message("Ana", Some(day + 1_000.0), "b", false),
            message("Rose", None, "c", false),
        ]);
        let task = task_body(&log, 0);
        assert_eq!(task["Subject"], "Conversation: Invoice");
        assert_eq!(task["WhoId"], "003000000000001AAA");
        assert_eq!(task["Status"], "Completed");
        assert_eq!(task["ActivityDate"], "2026-11-30");
        let undated = conversation(vec![message("Rose", None, "a", false)]);
        #[allow(clippy::cast_possible_truncation)]
        let today = task_body(&undated, day as i64);
        assert_eq!(today["ActivityDate"], "2026-11-30");
        let mut long = conversation(vec![message("Rose", None, "a", false)]);
        long.subject = Some("s".repeat(400));
        assert_eq!(
            task_body(&long, 0)["Subject"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            SUBJECT_MAX
        );
        long.subject = None;
        assert_eq!(task_body(&long, 0)["Subject"], "Conversation");
    }

    #[test]
    fn requests_without_a_conversation_a_person_or_messages_are_refused() {
        let ok = conversation(vec![message("Rose", None, "a", false)]);
        assert_eq!(refusal(&ok), None);
        let mut account = ok.clone();
        account.who_id = "001000000000001AAA".into();
        assert!(refusal(&account).is_some());
        let mut empty = ok.clone();
        empty.messages.clear();
        assert!(refusal(&empty).is_some());
        let mut bad = ok;
        bad.conversation = "../x".into();
        assert!(refusal(&bad).is_some());
    }
}
