//! Logging a whole conversation from the panel (`/api/conversations/log`): one Task on the
//! Contact or Lead with every message in order under its author and time, upserted on the
//! conversation's marker so logging again, or a retry after a lost answer, updates it. One
//! Salesforce request a log; asking whether a conversation is logged asks none.

use reqwest::Method;
use serde_json::{Value, json};

use crate::login::sent;
use crate::running::{Running, linked, linked_with};

const LOG: &str = "/api/conversations/log";

/// Rose's messages in `conversation`, the first `n` of them.
fn rose_log(conversation: &str, who: &str, n: usize) -> Value {
    let messages = [
        (
            "Rose Gonzalez <rose@edge.com>",
            1_795_510_800_000_i64,
            "<p>Our invoice charges us twice.</p>",
            true,
        ),
        (
            "Ana Agent <ana@pane-support.example>",
            1_795_514_400_000,
            "Sorry about that, looking now.",
            false,
        ),
        (
            "Rose Gonzalez <rose@edge.com>",
            1_795_600_800_000,
            "<p>Thanks! Any news?</p>",
            true,
        ),
    ];
    let messages: Vec<Value> = messages
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, (author, date, body, html))| {
            json!({"id": format!("msg_{conversation}_{i}"), "author": author, "date": date,
                   "body": body, "html": html})
        })
        .collect();
    json!({"conversation": conversation, "subject": "Invoice charged twice", "who_id": who,
           "messages": messages})
}

impl Running {
    /// Logs `body`: the status, the answer and the Salesforce requests it cost.
    async fn log_conversation(&self, body: Value) -> (u16, Value, u64) {
        let before = self.salesforce_calls().await;
        let (status, answer) = self.send_as(&self.session, Method::POST, LOG, body).await;
        (status, answer, self.salesforce_calls().await - before)
    }

    /// Logs Rose's conversation `id` of `n` messages, which succeeds: the answer and the
    /// Salesforce requests it cost.
    async fn log_rose(&self, id: &str, n: usize) -> (Value, u64) {
        let rose = self.rose().await;
        let before = self.salesforce_calls().await;
        let (status, answer, _) = self.log_conversation(rose_log(id, &rose, n)).await;
        assert_eq!(status, 200, "{answer}");
        (answer, self.salesforce_calls().await - before)
    }

    async fn conversation_tasks(&self, conversation: &str) -> Vec<Value> {
        self.soql(&format!(
            "SELECT Id, Subject, WhoId, Status, ActivityDate, Description FROM Task \
             WHERE Pane_Message_Id__c = 'conv:{conversation}'"
        ))
        .await
    }
}

#[tokio::test]
async fn a_conversation_is_logged_as_one_task_in_order_with_authors_and_times() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let (answer, requests) = proxy.log_rose("cnv_it_1", 3).await;
    assert_eq!(requests, 1, "one upsert");
    let tasks = proxy.conversation_tasks("cnv_it_1").await;
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!(answer["log"]["task_id"], task["Id"]);
    assert_eq!(answer["log"]["messages"], 3);
    assert_eq!(task["Subject"], "Conversation: Invoice charged twice");
    assert_eq!(task["WhoId"], rose.as_str());
    assert_eq!(task["Status"], "Completed");
    assert_eq!(task["ActivityDate"], "2026-11-25", "the last message's day");
    assert_eq!(
        task["Description"],
        "Rose Gonzalez <rose@edge.com> · 2026-11-24 09:00 UTC\nOur invoice charges us twice.\n\n\
         Ana Agent <ana@pane-support.example> · 2026-11-24 10:00 UTC\nSorry about that, looking now.\n\n\
         Rose Gonzalez <rose@edge.com> · 2026-11-25 10:00 UTC\nThanks! Any news?"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn logging_again_after_a_new_message_updates_the_one_task() {
    let proxy = linked().await;
    let (first, _) = proxy.log_rose("cnv_it_2", 2).await;
    let (second, requests) = proxy.log_rose("cnv_it_2", 3).await;
    assert_eq!(requests, 1, "one upsert, an update");
    assert_eq!(second["log"]["task_id"], first["log"]["task_id"]);
    let tasks = proxy.conversation_tasks("cnv_it_2").await;
    assert_eq!(tasks.len(), 1, "still one Task");
    let description = tasks[0]["Description"].as_str().unwrap();
    assert!(description.ends_with("Thanks! Any news?"), "{description}");
    proxy.stop().await;
}

#[tokio::test]
async fn whether_a_conversation_is_logged_is_answered_without_salesforce() {
    let proxy = linked().await;
    let ask = || async {
        let path = format!("{LOG}?conversation=cnv_it_3");
        let (status, answer, requests) = proxy.get_counting(&path).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(requests, 0, "no Salesforce request");
        answer
    };
    assert_eq!(ask().await, json!({"log": null}));
    let (logged, _) = proxy.log_rose("cnv_it_3", 2).await;
    assert_eq!(ask().await, logged);
    assert_eq!(logged["log"]["messages"], 2);
    proxy.stop().await;
}

#[tokio::test]
async fn a_lost_answer_is_sent_again_and_makes_no_second_task() {
    // The write is made and its answer dropped, or held past the proxy's 1 s timeout.
    for (n, loss) in [None, Some(2_500_u64)].into_iter().enumerate() {
        let proxy = linked_with(|c| c.salesforce_timeout_secs = 1).await;
        let rose = proxy.rose().await;
        let path = "/sobjects/Task/Pane_Message_Id__c";
        let faults = match loss {
            None => json!({"drop_after_next": 1, "after_path": path}),
            Some(ms) => json!({"hang_after_next": 1, "hang_ms": ms, "after_path": path}),
        };
        proxy.control("faults", faults).await;
        let conversation = format!("cnv_it_lost_{n}");
        let (status, answer, requests) = proxy
            .log_conversation(rose_log(&conversation, &rose, 2))
            .await;
        assert_eq!(status, 200, "{loss:?}: {answer}");
        assert_eq!(
            requests, 2,
            "{loss:?}: the lost upsert, then the same upsert again"
        );
        let tasks = proxy.conversation_tasks(&conversation).await;
        assert_eq!(tasks.len(), 1, "{loss:?}: one Task");
        assert_eq!(answer["log"]["task_id"], tasks[0]["Id"], "{loss:?}");
        proxy.stop().await;
    }
}

#[tokio::test]
async fn a_log_on_anything_but_a_contact_or_lead_is_refused_without_asking_salesforce() {
    let proxy = linked().await;
    let account = proxy.soql("SELECT Id FROM Account LIMIT 1").await[0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rose = proxy.rose().await;
    let mut no_messages = rose_log("cnv_it_4", &rose, 0);
    no_messages["messages"] = json!([]);
    for body in [
        rose_log("cnv_it_4", &account, 2),
        rose_log("cnv_it_4", "003' OR Id != '", 2),
        rose_log("cnv/../x", &rose, 2),
        no_messages,
    ] {
        let (status, answer, requests) = proxy.log_conversation(body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(requests, 0, "{body}");
    }
    assert!(proxy.conversation_tasks("cnv_it_4").await.is_empty());
    proxy.stop().await;
}

#[tokio::test]
async fn a_conversation_longer_than_a_task_holds_is_cut_with_a_marker() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let mut body = rose_log("cnv_it_5", &rose, 2);
    body["messages"][1]["body"] = json!("long ".repeat(8_000));
    let (status, answer, _) = proxy.log_conversation(body).await;
    assert_eq!(status, 200, "{answer}");
    let tasks = proxy.conversation_tasks("cnv_it_5").await;
    let description = tasks[0]["Description"].as_str().unwrap();
    assert_eq!(description.chars().count(), 32_000, "Salesforce's limit");
    assert!(description.ends_with(pane_proxy::conversation::TRUNCATED));
    proxy.stop().await;
}

#[tokio::test]
async fn logging_and_asking_need_the_agents_session() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let post = proxy
        .anonymous(Method::POST, LOG)
        .json(&rose_log("cnv_it_6", &rose, 2));
    assert_eq!(sent(post).await.status(), 401);
    let get = proxy.anonymous(Method::GET, &format!("{LOG}?conversation=cnv_it_6"));
    assert_eq!(sent(get).await.status(), 401);
    assert!(proxy.conversation_tasks("cnv_it_6").await.is_empty());
    proxy.stop().await;
}
