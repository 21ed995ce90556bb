//! Each org's rule intake: the unguessable key its webhook URL carries and its signing
//! secrets, sealed (see `rules::tenant`).

use super::Db;
use super::statement::{args, changed, row, run};
use crate::ProxyError;
use crate::clock::now_ms;

/// An org's intake, as stored (secrets sealed).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Intake {
    /// The org whose webhooks these are.
    pub org_id: String,
    /// The key in the org's intake URL.
    #[sqlx(rename = "intake_key")]
    pub key: String,
    /// The current signing secret, sealed.
    pub secret_sealed: String,
    /// The secret before the last rotation, sealed ('' when none).
    pub previous_sealed: String,
    /// Until when (ms) the previous secret is still accepted.
    pub previous_until: i64,
}

const COLUMNS: &str = "org_id, intake_key, secret_sealed, previous_sealed, previous_until";

impl Db {
    /// Makes the org's intake with `key` and `secret_sealed` unless it has one; answers the
    /// org's intake either way (a concurrent first link keeps the first one made).
    pub async fn ensure_intake(
        &self,
        org_id: &str,
        key: &str,
        secret_sealed: &str,
    ) -> Result<Intake, ProxyError> {
        run(
            &self.pool,
            "INSERT INTO org_intakes (org_id, intake_key, secret_sealed, created_at, rotated_at)
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (org_id) DO NOTHING",
            args![org_id, key, secret_sealed, now_ms()],
        )
        .await?;
        self.intake_of(org_id)
            .await?
            .ok_or_else(|| ProxyError::Database(format!("no intake for org {org_id}")))
    }

    /// The org's intake.
    pub async fn intake_of(&self, org_id: &str) -> Result<Option<Intake>, ProxyError> {
        self.intake_where("org_id", org_id).await
    }

    /// The intake an intake URL's key names.
    pub async fn intake_by_key(&self, key: &str) -> Result<Option<Intake>, ProxyError> {
        self.intake_where("intake_key", key).await
    }

    /// The intake whose `column` (one of the two unique ones, named here) is `value`.
    async fn intake_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<Intake>, ProxyError> {
        let sql = format!("SELECT {COLUMNS} FROM org_intakes WHERE {column} = $1");
        row(&self.pool, sqlx::AssertSqlSafe(sql), args![value]).await
    }

    /// Every org's intake (the dev inbox picks the only one).
    pub async fn intakes(&self) -> Result<Vec<Intake>, ProxyError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM org_intakes ORDER BY created_at, org_id"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the org's secret with `secret_sealed`; the one it had stays valid until
    /// `grace_until` (ms). `false` when the org has no intake.
    pub async fn rotate_intake(
        &self,
        org_id: &str,
        secret_sealed: &str,
        grace_until: i64,
    ) -> Result<bool, ProxyError> {
        let changed = changed(
            &self.pool,
            "UPDATE org_intakes SET previous_sealed = secret_sealed, previous_until = $3,
                 secret_sealed = $2, rotated_at = $4
             WHERE org_id = $1",
            args![org_id, secret_sealed, grace_until, now_ms()],
        )
        .await?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_org_keeps_its_first_intake_and_a_rotation_keeps_the_previous_secret() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let a = db
            .ensure_intake("00DA", "key-a", "sealed-a1")
            .await
            .unwrap();
        assert_eq!((a.key.as_str(), a.previous_sealed.as_str()), ("key-a", ""));
        // A second first link keeps the first intake.
        let again = db.ensure_intake("00DA", "key-x", "sealed-x").await.unwrap();
        assert_eq!(again, a);
        db.ensure_intake("00DB", "key-b", "sealed-b1")
            .await
            .unwrap();
        assert_eq!(
            db.intake_by_key("key-b").await.unwrap().map(|i| i.org_id),
            Some("00DB".to_owned())
        );
        assert_eq!(db.intake_by_key("00DB").await.unwrap(), None);
        assert!(db.rotate_intake("00DA", "sealed-a2", 42).await.unwrap());
        let rotated = db.intake_of("00DA").await.unwrap().unwrap();
        assert_eq!(
            (
                rotated.secret_sealed.as_str(),
                rotated.previous_sealed.as_str(),
                rotated.previous_until
            ),
            ("sealed-a2", "sealed-a1", 42)
        );
        assert_eq!(
            db.intake_of("00DB").await.unwrap().unwrap().secret_sealed,
            "sealed-b1"
        );
        assert!(!db.rotate_intake("00DC", "s", 1).await.unwrap());
        assert_eq!(db.intakes().await.unwrap().len(), 2);
    }
}
