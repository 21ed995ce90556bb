//! Links in progress. A link is started by a panel (which keeps a redeem secret), begun by
//! the browser that opens the login popup (which gets a binding cookie), finished by the
//! OAuth callback in that same browser (which gives it a one-time code), and redeemed by the
//! panel with the secret and the code together, once. Only hashes of the secrets are kept;
//! every step is one conditional statement, so a step cannot happen twice or out of order.
//! A link lives ten minutes.

use super::Db;
use super::statement::{args, row, run, value};
use crate::ProxyError;
use crate::clock::now_secs as now;

/// How long a link in progress lives, in seconds.
pub const LINK_TTL_SECS: i64 = 600;

/// A link as a panel starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The OAuth `state` sent to Salesforce.
    pub oauth_state: String,
    /// The PKCE verifier.
    pub verifier: String,
    /// The panel's origin, where the callback posts the code.
    pub panel_origin: String,
    /// `agent` or `integration`.
    pub purpose: String,
    /// For an integration link: the admin's org.
    pub org_id: String,
    /// For an integration link: the admin who asked.
    pub requested_by: String,
    /// The SHA-256 of the panel's redeem secret.
    pub redeem_hash: String,
}

/// A link the callback claimed: what it needs to finish it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedLink {
    /// The link's id.
    pub tx: String,
    /// The PKCE verifier.
    pub verifier: String,
    /// The panel's origin.
    pub panel_origin: String,
    /// `agent` or `integration`.
    pub purpose: String,
    /// For an integration link: the admin's org.
    pub org_id: String,
    /// For an integration link: the admin who asked.
    pub requested_by: String,
    /// The SHA-256 of the binding cookie of the browser that began it.
    pub binding_hash: String,
}

impl Db {
    /// Remembers a link a panel started, as `tx`.
    pub async fn start_link(&self, tx: &str, link: &NewLink) -> Result<(), ProxyError> {
        let sql = "DELETE FROM link_txs WHERE created_at < $1";
        run(&self.pool, sql, args![now() - LINK_TTL_SECS]).await?;
        let l = link;
        run(
            &self.pool,
            "INSERT INTO link_txs (tx, oauth_state, verifier, panel_origin, purpose, org_id, requested_by, redeem_hash, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'started', $9)",
            args![
                tx, &l.oauth_state, &l.verifier, &l.panel_origin, &l.purpose, &l.org_id,
                &l.requested_by, &l.redeem_hash, now(),
            ],
        )
        .await
    }

    /// Binds started link `tx` to the browser holding the binding secret hashed as
    /// `binding_hash`, once; its OAuth `state`, PKCE verifier and panel origin.
    pub async fn begin_link(
        &self,
        tx: &str,
        binding_hash: &str,
    ) -> Result<Option<(String, String, String)>, ProxyError> {
        row(
            &self.pool,
            "UPDATE link_txs SET binding_hash = $2, status = 'begun'
             WHERE tx = $1 AND status = 'started' AND created_at >= $3
             RETURNING oauth_state, verifier, panel_origin",
            args![tx, binding_hash, now() - LINK_TTL_SECS],
        )
        .await
    }

    /// Claims the begun link whose OAuth state is `oauth_state`, once (the callback).
    pub async fn claim_link(&self, oauth_state: &str) -> Result<Option<ClaimedLink>, ProxyError> {
        row(
            &self.pool,
            "UPDATE link_txs SET status = 'exchanging'
                 WHERE oauth_state = $1 AND status = 'begun' AND created_at >= $2
                 RETURNING tx, verifier, panel_origin, purpose, org_id, requested_by, binding_hash",
            args![oauth_state, now() - LINK_TTL_SECS],
        )
        .await
    }

    /// Ends claimed link `tx`: `done` with the hash of the one-time code and the sealed
    /// session (empty for an integration link), or `failed`.
    pub async fn end_link(
        &self,
        tx: &str,
        outcome: Result<(&str, &str), ()>,
    ) -> Result<(), ProxyError> {
        let (status, code_hash, session_sealed) = match outcome {
            Ok((code_hash, sealed)) => ("done", code_hash, sealed),
            Err(()) => ("failed", "", ""),
        };
        run(
            &self.pool,
            "UPDATE link_txs SET status = $2, code_hash = $3, session_sealed = $4
             WHERE tx = $1 AND status = 'exchanging'",
            args![tx, status, code_hash, session_sealed],
        )
        .await
    }

    /// Where link `tx` stands (`started`, `begun`, `exchanging`, `done`, `failed`), for the
    /// panel that started it (the hash of its redeem secret); `None` for anyone else, and once
    /// redeemed or expired.
    pub async fn link_status(
        &self,
        tx: &str,
        redeem_hash: &str,
    ) -> Result<Option<String>, ProxyError> {
        value(
            &self.pool,
            "SELECT status FROM link_txs WHERE tx = $1 AND redeem_hash = $2 AND created_at >= $3",
            args![tx, redeem_hash, now() - LINK_TTL_SECS],
        )
        .await
    }

    /// Takes done link `tx`'s sealed session, once, for whoever holds both the panel's redeem
    /// secret and the browser's one-time code (their hashes).
    pub async fn redeem_link(
        &self,
        tx: &str,
        redeem_hash: &str,
        code_hash: &str,
    ) -> Result<Option<String>, ProxyError> {
        value(
            &self.pool,
            "DELETE FROM link_txs
             WHERE tx = $1 AND redeem_hash = $2 AND code_hash = $3 AND status = 'done' AND created_at >= $4
             RETURNING session_sealed",
            args![tx, redeem_hash, code_hash, now() - LINK_TTL_SECS],
        )
        .await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn new_link() -> NewLink {
        NewLink {
            oauth_state: "S1".into(),
            verifier: "v1".into(),
            panel_origin: "http://127.0.0.1:8080".into(),
            purpose: "agent".into(),
            org_id: String::new(),
            requested_by: String::new(),
            redeem_hash: "R".into(),
        }
    }

    /// Every step once, in order, by its own party. Run on SQLite and Postgres by
    /// `store::tests`.
    pub(crate) async fn exercise(db: &Db) {
        db.start_link("T1", &new_link()).await.unwrap();
        assert_eq!(db.claim_link("S1").await.unwrap(), None, "not begun yet");
        assert_eq!(
            db.begin_link("T1", "B").await.unwrap(),
            Some((
                "S1".to_owned(),
                "v1".to_owned(),
                "http://127.0.0.1:8080".to_owned()
            ))
        );
        assert_eq!(db.begin_link("T1", "B2").await.unwrap(), None, "begun once");
        assert_eq!(
            db.link_status("T1", "R").await.unwrap().as_deref(),
            Some("begun")
        );
        assert_eq!(db.link_status("T1", "not-R").await.unwrap(), None);
        let claimed = db.claim_link("S1").await.unwrap().unwrap();
        assert_eq!(claimed.binding_hash, "B");
        assert_eq!(claimed.tx, "T1");
        assert_eq!(db.claim_link("S1").await.unwrap(), None, "claimed once");
        assert_eq!(
            db.redeem_link("T1", "R", "K").await.unwrap(),
            None,
            "not done"
        );
        db.end_link("T1", Ok(("K", "sealed"))).await.unwrap();
        assert_eq!(db.redeem_link("T1", "R", "other").await.unwrap(), None);
        assert_eq!(db.redeem_link("T1", "other", "K").await.unwrap(), None);
        assert_eq!(
            db.redeem_link("T1", "R", "K").await.unwrap().as_deref(),
            Some("sealed")
        );
        assert_eq!(db.redeem_link("T1", "R", "K").await.unwrap(), None, "once");

        db.start_link(
            "T2",
            &NewLink {
                oauth_state: "S2".into(),
                ..new_link()
            },
        )
        .await
        .unwrap();
        db.begin_link("T2", "B").await.unwrap();
        db.claim_link("S2").await.unwrap();
        db.end_link("T2", Err(())).await.unwrap();
        assert_eq!(
            db.link_status("T2", "R").await.unwrap().as_deref(),
            Some("failed")
        );
        assert_eq!(db.redeem_link("T2", "R", "").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_link_goes_through_each_step_once() {
        exercise(&Db::connect("sqlite::memory:").await.unwrap()).await;
    }
}
