//! The proxy's database (sqlx): SQLite by default, Postgres by URL, the same migrations.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

use crate::ProxyError;

/// The database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
}

fn db(err: sqlx::Error) -> ProxyError {
    ProxyError::Database(err.to_string())
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The SHA-256 of a token, hex: what is stored instead of the token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A linked Salesforce user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Link {
    /// Salesforce user id.
    pub user_id: String,
    /// Org id.
    pub org_id: String,
    /// Login.
    pub username: String,
    /// Email.
    pub email: String,
    /// Instance URL.
    pub instance_url: String,
    /// Refresh token, sealed.
    pub refresh_token_sealed: String,
    /// Access token, sealed.
    pub access_token_sealed: String,
}

impl Db {
    /// Connects (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://...`) and migrates.
    pub async fn connect(url: &str) -> Result<Db, ProxyError> {
        sqlx::any::install_default_drivers();
        // One connection for in-memory SQLite: each connection would be its own database.
        let max = if url.contains(":memory:") { 1 } else { 8 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect(url)
            .await
            .map_err(db)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| ProxyError::Database(e.to_string()))?;
        Ok(Db { pool })
    }

    /// Remembers an OAuth link in progress.
    pub async fn put_state(
        &self,
        state: &str,
        verifier: &str,
        panel_origin: &str,
    ) -> Result<(), ProxyError> {
        sqlx::query("DELETE FROM oauth_states WHERE created_at < $1")
            .bind(now() - 600)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO oauth_states (state, verifier, panel_origin, created_at) VALUES ($1, $2, $3, $4)")
            .bind(state)
            .bind(verifier)
            .bind(panel_origin)
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Takes a link in progress once (valid for 10 minutes): `(verifier, panel_origin)`.
    pub async fn take_state(&self, state: &str) -> Result<Option<(String, String)>, ProxyError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT verifier, panel_origin, created_at FROM oauth_states WHERE state = $1",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM oauth_states WHERE state = $1")
            .bind(state)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(row
            .filter(|(_, _, at)| now() - at <= 600)
            .map(|(v, o, _)| (v, o)))
    }

    /// Creates or updates a link.
    pub async fn put_link(&self, link: &Link) -> Result<(), ProxyError> {
        let t = now();
        sqlx::query(
            "INSERT INTO links (user_id, org_id, username, email, instance_url, refresh_token_sealed, access_token_sealed, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (user_id) DO UPDATE SET org_id = $2, username = $3, email = $4, instance_url = $5,
                 refresh_token_sealed = $6, access_token_sealed = $7, updated_at = $8",
        )
        .bind(&link.user_id)
        .bind(&link.org_id)
        .bind(&link.username)
        .bind(&link.email)
        .bind(&link.instance_url)
        .bind(&link.refresh_token_sealed)
        .bind(&link.access_token_sealed)
        .bind(t)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// A link by user id.
    pub async fn link(&self, user_id: &str) -> Result<Option<Link>, ProxyError> {
        sqlx::query_as("SELECT user_id, org_id, username, email, instance_url, refresh_token_sealed, access_token_sealed FROM links WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    /// Removes a link and its sessions.
    pub async fn remove_link(&self, user_id: &str) -> Result<(), ProxyError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM links WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Stores a new session for `user_id`, valid `ttl_secs`; only its hash is kept.
    pub async fn put_session(
        &self,
        token: &str,
        user_id: &str,
        ttl_secs: i64,
    ) -> Result<(), ProxyError> {
        let t = now();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(token))
            .bind(user_id)
            .bind(t)
            .bind(t + ttl_secs)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// The link of a live session, in one query.
    pub async fn session_link(&self, token: &str) -> Result<Option<Link>, ProxyError> {
        sqlx::query_as(
            "SELECT l.user_id, l.org_id, l.username, l.email, l.instance_url, l.refresh_token_sealed, l.access_token_sealed
             FROM sessions s JOIN links l ON l.user_id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> Link {
        Link {
            user_id: "005A".into(),
            org_id: "00DA".into(),
            username: "ana@x".into(),
            email: "ana@x".into(),
            instance_url: "http://127.0.0.1:1".into(),
            refresh_token_sealed: "sealed-r".into(),
            access_token_sealed: "sealed-a".into(),
        }
    }

    #[tokio::test]
    async fn states_links_and_sessions() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.put_state("s1", "v1", "http://localhost:8080")
            .await
            .unwrap();
        assert_eq!(
            db.take_state("s1").await.unwrap(),
            Some(("v1".into(), "http://localhost:8080".into()))
        );
        assert_eq!(
            db.take_state("s1").await.unwrap(),
            None,
            "a state is used once"
        );

        db.put_link(&link()).await.unwrap();
        let mut changed = link();
        changed.access_token_sealed = "sealed-a2".into();
        db.put_link(&changed).await.unwrap();
        assert_eq!(db.link("005A").await.unwrap(), Some(changed));

        db.put_session("secret-session", "005A", 3600)
            .await
            .unwrap();
        assert_eq!(
            db.session_link("secret-session")
                .await
                .unwrap()
                .map(|l| l.user_id)
                .as_deref(),
            Some("005A")
        );
        assert_eq!(
            db.session_link("other").await.unwrap().map(|l| l.user_id),
            None
        );
        db.put_session("old-session", "005A", -1).await.unwrap();
        assert_eq!(
            db.session_link("old-session")
                .await
                .unwrap()
                .map(|l| l.user_id),
            None,
            "expired"
        );

        db.remove_link("005A").await.unwrap();
        assert_eq!(
            db.session_link("secret-session")
                .await
                .unwrap()
                .map(|l| l.user_id),
            None
        );
        assert_eq!(db.link("005A").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_file_database_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("pane.db").display());
        Db::connect(&url)
            .await
            .unwrap()
            .put_link(&link())
            .await
            .unwrap();
        assert!(
            Db::connect(&url)
                .await
                .unwrap()
                .link("005A")
                .await
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn tokens_are_stored_as_hashes() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
