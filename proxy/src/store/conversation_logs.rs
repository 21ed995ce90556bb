//! Which conversations were logged to Salesforce as one Task, per org: what the panel asks
//! to show a conversation as logged without asking Salesforce.

use pane_wire::api::ConversationLog;

use super::Db;
use super::statement::{args, row, run};
use crate::ProxyError;

impl Db {
    /// Remembers that `conversation` of `org_id` is logged as `log` (a later log replaces it).
    pub async fn put_conversation_log(
        &self,
        org_id: &str,
        conversation: &str,
        log: &ConversationLog,
    ) -> Result<(), ProxyError> {
        let sql = "INSERT INTO conversation_logs (org_id, conversation_id, task_id, messages, logged_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id, conversation_id) DO UPDATE SET task_id = $3, messages = $4, logged_at = $5";
        let args = args![
            org_id,
            conversation,
            &log.task_id,
            log.messages,
            log.logged_at
        ];
        run(&self.pool, sql, args).await
    }

    /// The log of `conversation` of `org_id`, if it was logged.
    pub async fn conversation_log(
        &self,
        org_id: &str,
        conversation: &str,
    ) -> Result<Option<ConversationLog>, ProxyError> {
        let row: Option<(String, i64, i64)> = row(
            &self.pool,
            "SELECT task_id, messages, logged_at FROM conversation_logs WHERE org_id = $1 AND conversation_id = $2",
            args![org_id, conversation],
        )
        .await?;
        Ok(row.map(|(task_id, messages, logged_at)| ConversationLog {
            task_id,
            logged_at,
            messages,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_log_replaces_the_first_and_orgs_are_apart() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        assert_eq!(db.conversation_log("org1", "cnv_1").await.unwrap(), None);
        let log = |task: &str, messages, at| ConversationLog {
            task_id: task.into(),
            messages,
            logged_at: at,
        };
        db.put_conversation_log("org1", "cnv_1", &log("00T1", 2, 10))
            .await
            .unwrap();
        db.put_conversation_log("org1", "cnv_1", &log("00T1", 3, 20))
            .await
            .unwrap();
        assert_eq!(
            db.conversation_log("org1", "cnv_1").await.unwrap(),
            Some(log("00T1", 3, 20))
        );
        assert_eq!(db.conversation_log("org2", "cnv_1").await.unwrap(), None);
    }
}
