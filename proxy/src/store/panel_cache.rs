//! The panel cache replicas share on Postgres: each org's cache generation (bumped by every
//! write through any replica) and the panels read from Salesforce, as JSON, with the generation
//! they were read under. `cache.rs` decides what is fresh; this file only stores.

use super::Db;
use super::statement::{args, row, run, value};
use crate::ProxyError;

/// A panel's key: `(org, user, handle key)`. Users see different records: never shared
/// between them.
pub type PanelKey = (String, String, String);

/// A panel as a replica stored it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SharedPanel {
    /// The panel, JSON (sealed: see `cache.rs`).
    #[sqlx(rename = "panel")]
    pub json: String,
    /// The org's cache generation when its read began.
    pub generation: i64,
    /// When it was read (ms since the epoch).
    pub read_at: i64,
}

impl Db {
    /// The org's cache generation (0 until its first write).
    pub async fn cache_generation(&self, org_id: &str) -> Result<i64, ProxyError> {
        let sql = "SELECT generation FROM cache_generations WHERE org_id = $1";
        Ok(value(&self.pool, sql, args![org_id]).await?.unwrap_or(0))
    }

    /// Bumps the org's cache generation (every panel cached before is no longer fresh), and
    /// drops its panels read before `older_than` (ms since the epoch), kept no longer.
    pub async fn bump_cache_generation(
        &self,
        org_id: &str,
        older_than: i64,
    ) -> Result<(), ProxyError> {
        run(
            &self.pool,
            "INSERT INTO cache_generations (org_id, generation) VALUES ($1, 1)
             ON CONFLICT (org_id) DO UPDATE SET generation = cache_generations.generation + 1",
            args![org_id],
        )
        .await?;
        let sql = "DELETE FROM panel_cache WHERE org_id = $1 AND read_at < $2";
        run(&self.pool, sql, args![org_id, older_than]).await
    }

    /// The panel stored for `key`, whatever its generation.
    pub async fn shared_panel(&self, key: &PanelKey) -> Result<Option<SharedPanel>, ProxyError> {
        row(
            &self.pool,
            "SELECT panel, generation, read_at FROM panel_cache WHERE org_id = $1 AND user_id = $2 AND handle = $3",
            args![&key.0, &key.1, &key.2],
        )
        .await
    }

    /// Stores a panel for `key`, unless one read under a later generation is there already (a
    /// slower read never replaces a newer one).
    pub async fn put_shared_panel(
        &self,
        key: &PanelKey,
        panel: &SharedPanel,
    ) -> Result<(), ProxyError> {
        run(
            &self.pool,
            "INSERT INTO panel_cache (org_id, user_id, handle, panel, generation, read_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id, user_id, handle) DO UPDATE SET panel = $4, generation = $5, read_at = $6
             WHERE panel_cache.generation <= $5",
            args![&key.0, &key.1, &key.2, &panel.json, panel.generation, panel.read_at],
        )
        .await
    }

    /// Drops every panel stored for `user_id` (after an unlink).
    pub async fn forget_shared_panels_of(&self, user_id: &str) -> Result<(), ProxyError> {
        let sql = "DELETE FROM panel_cache WHERE user_id = $1";
        run(&self.pool, sql, args![user_id]).await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn panel(json: &str, generation: i64, read_at: i64) -> SharedPanel {
        SharedPanel {
            json: json.into(),
            generation,
            read_at,
        }
    }

    /// Run on SQLite and Postgres by `store::tests`.
    pub(crate) async fn exercise(db: &Db) {
        assert_eq!(db.cache_generation("00DA").await.unwrap(), 0);
        db.bump_cache_generation("00DA", 0).await.unwrap();
        db.bump_cache_generation("00DA", 0).await.unwrap();
        assert_eq!(db.cache_generation("00DA").await.unwrap(), 2);
        assert_eq!(db.cache_generation("00DB").await.unwrap(), 0, "per org");

        let key: PanelKey = ("00DA".into(), "005A".into(), "email:rose@edge.com".into());
        assert_eq!(db.shared_panel(&key).await.unwrap(), None);
        db.put_shared_panel(&key, &panel("{\"a\":1}", 2, 1000))
            .await
            .unwrap();
        db.put_shared_panel(&key, &panel("{\"a\":0}", 1, 2000))
            .await
            .unwrap();
        assert_eq!(
            db.shared_panel(&key).await.unwrap(),
            Some(panel("{\"a\":1}", 2, 1000)),
            "a read under an older generation does not replace a newer one"
        );
        db.put_shared_panel(&key, &panel("{\"a\":2}", 2, 3000))
            .await
            .unwrap();
        assert_eq!(
            db.shared_panel(&key).await.unwrap(),
            Some(panel("{\"a\":2}", 2, 3000))
        );
        assert_eq!(
            db.shared_panel(&(key.0.clone(), "005B".into(), key.2.clone()))
                .await
                .unwrap(),
            None,
            "per user"
        );

        db.bump_cache_generation("00DA", 2500).await.unwrap();
        assert!(
            db.shared_panel(&key).await.unwrap().is_some(),
            "read after the cut: kept"
        );
        db.bump_cache_generation("00DA", 3001).await.unwrap();
        assert_eq!(
            db.shared_panel(&key).await.unwrap(),
            None,
            "read before the cut: dropped"
        );

        db.put_shared_panel(&key, &panel("{}", 4, 4000))
            .await
            .unwrap();
        db.forget_shared_panels_of("005A").await.unwrap();
        assert_eq!(db.shared_panel(&key).await.unwrap(), None);
    }
}
