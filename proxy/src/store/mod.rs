//! The proxy's database (sqlx): SQLite by default, Postgres by URL, the same migrations.

use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Connection, Executor, Row};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

use crate::ProxyError;
use crate::clock::{now_ms, now_secs as now};
use statement::{args, row, run, value};

pub mod conversation_logs;
pub mod job_writer;
pub mod jobs;
mod jobs_claim;
pub mod link_tx;
pub mod note_creates;
pub mod org_intakes;
pub mod panel_cache;
pub(crate) mod statement;
#[cfg(test)]
#[path = "../../tests/support/database.rs"]
mod test_database;

pub use job_writer::{JobWriter, NewJob};
pub use jobs::QueueStats;
pub use link_tx::{ClaimedLink, NewLink};
pub use note_creates::{NoteClaim, NoteKey};

/// The database.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    /// Postgres: a database several replicas may share (SQLite is one process's).
    shared: bool,
    /// The rule intake's group commit (see [`job_writer`]).
    pub(crate) job_writer: JobWriter,
    /// In-memory SQLite: a connection held open beside the pool's, so the database lives as
    /// long as this handle, not as long as the pool's connection (which a cancelled query or an
    /// idle timeout closes; the next one would open an empty database).
    _memory_keeper: Option<Arc<Mutex<AnyConnection>>>,
}

/// Numbers the process's in-memory databases, each its own.
static MEMORY_DATABASES: AtomicU64 = AtomicU64::new(0);

/// The SHA-256 of a token, hex: what is stored instead of the token.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// A linked Salesforce user.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Holds Salesforce's "Modify All Data" permission (read when linking).
    pub is_admin: bool,
    /// The org's currency, ISO 4217 (read when linking); empty when unknown.
    pub currency: String,
}

// Written out, not derived: `is_admin` is stored as 0/1 (SQLite has no boolean) and sqlx Any
// decodes no `bool` from an integer.
impl<'r> sqlx::FromRow<'r, AnyRow> for Link {
    fn from_row(row: &'r AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Link {
            user_id: row.try_get("user_id")?,
            org_id: row.try_get("org_id")?,
            username: row.try_get("username")?,
            email: row.try_get("email")?,
            instance_url: row.try_get("instance_url")?,
            refresh_token_sealed: row.try_get("refresh_token_sealed")?,
            access_token_sealed: row.try_get("access_token_sealed")?,
            is_admin: row.try_get::<i64, _>("is_admin")? != 0,
            currency: row.try_get("currency")?,
        })
    }
}

/// The Salesforce requests made for an org on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayUsage {
    /// Requests this integration made.
    pub requests: u64,
    /// The org's usage as Salesforce last reported it (0 when never reported).
    pub org_used: u64,
    /// The org's allowance as Salesforce last reported it (0 when never reported).
    pub org_max: u64,
    /// When Salesforce last reported it (ms since the epoch, 0 when never).
    pub reported_at: i64,
}

const LINK_COLUMNS: &str = "l.user_id, l.org_id, l.username, l.email, l.instance_url, l.refresh_token_sealed, l.access_token_sealed, l.is_admin, l.currency";

/// The name sqlx's `Any` driver gives SQLite connections.
const SQLITE: &str = "SQLite";

/// Every SQLite connection's settings. WAL: a commit is one append and one fsync of the log
/// (the rollback journal costs several), and readers (the panel, the workers' claims) never
/// block the intake's writer. `synchronous = FULL`: the log is synced at every commit, so a
/// webhook acknowledged after its commit survives a power loss too, not only a crash of the
/// process (WAL with `NORMAL` keeps commits across a process crash, but the last ones may roll
/// back after a power loss: <https://www.sqlite.org/pragma.html#pragma_synchronous>). Group
/// commit ([`job_writer`]) shares that fsync among every webhook of a batch.
const SQLITE_PRAGMAS: [&str; 2] = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"];

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Db {
    /// Connects (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://...`) and migrates;
    /// starts the rule intake's writer (on the current tokio runtime).
    pub async fn connect(url: &str) -> Result<Db, ProxyError> {
        sqlx::any::install_default_drivers();
        // In-memory SQLite is one named, shared-cache database (sqlx's `mode=memory`), kept
        // alive by a connection of its own; the pool has one connection to it (SQLite's shared
        // cache locks tables between connections).
        // https://www.sqlite.org/inmemorydb.html ("the database is automatically deleted and
        // memory is reclaimed when the last connection to the database closes")
        let named;
        let (url, max, memory_keeper) = if url.contains(":memory:") {
            let n = MEMORY_DATABASES.fetch_add(1, Ordering::Relaxed);
            named = format!(
                "sqlite:file:pane-memory-{}-{n}?mode=memory",
                std::process::id()
            );
            let keeper = AnyConnection::connect(&named).await?;
            (named.as_str(), 1, Some(Arc::new(Mutex::new(keeper))))
        } else {
            (url, 8, None)
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == SQLITE {
                        for pragma in SQLITE_PRAGMAS {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| ProxyError::Database(e.to_string()))?;
        let job_writer = JobWriter::spawn(pool.clone());
        Ok(Db {
            pool,
            job_writer,
            _memory_keeper: memory_keeper,
            shared: url.starts_with("postgres"),
        })
    }

    /// Whether several replicas may share this database (Postgres): what they cache must then
    /// agree through it.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Whether the database answers a query (readiness).
    pub async fn ping(&self) -> Result<(), ProxyError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Creates or updates a link.
    pub async fn put_link(&self, l: &Link) -> Result<(), ProxyError> {
        run(
            &self.pool,
            "INSERT INTO links (user_id, org_id, username, email, instance_url, refresh_token_sealed, access_token_sealed, created_at, updated_at, is_admin, currency)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)
             ON CONFLICT (user_id) DO UPDATE SET org_id = $2, username = $3, email = $4, instance_url = $5,
                 refresh_token_sealed = $6, access_token_sealed = $7, updated_at = $8, is_admin = $9, currency = $10",
            args![
                &l.user_id, &l.org_id, &l.username, &l.email, &l.instance_url,
                &l.refresh_token_sealed, &l.access_token_sealed, now(), i64::from(l.is_admin), &l.currency,
            ],
        )
        .await
    }

    /// A link by user id.
    pub async fn link(&self, user_id: &str) -> Result<Option<Link>, ProxyError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links l WHERE l.user_id = $1");
        row(&self.pool, AssertSqlSafe(sql), args![user_id]).await
    }

    /// Removes a link and its sessions.
    pub async fn remove_link(&self, user_id: &str) -> Result<(), ProxyError> {
        // Together or not at all: no session outlives its link, and a failed unlink keeps
        // both.
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM links WHERE user_id = $1",
        ] {
            run(&mut *tx, sql, args![user_id]).await?;
        }
        tx.commit().await?;
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
        run(
            &self.pool,
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            args![token_hash(token), user_id, t, t + ttl_secs],
        )
        .await
    }

    /// The link of a live session, in one query.
    pub async fn session_link(&self, token: &str) -> Result<Option<Link>, ProxyError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM sessions s JOIN links l ON l.user_id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        row(
            &self.pool,
            AssertSqlSafe(sql),
            args![token_hash(token), now()],
        )
        .await
    }

    /// Makes `user_id` the org's integration user (rules act as it).
    pub async fn set_integration(
        &self,
        org_id: &str,
        user_id: &str,
        linked_by: &str,
    ) -> Result<(), ProxyError> {
        run(
            &self.pool,
            "INSERT INTO integrations (org_id, user_id, linked_by, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id) DO UPDATE SET user_id = $2, linked_by = $3, updated_at = $4",
            args![org_id, user_id, linked_by, now()],
        )
        .await
    }

    /// The org's integration user's link.
    pub async fn integration(&self, org_id: &str) -> Result<Option<Link>, ProxyError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM integrations i JOIN links l ON l.user_id = i.user_id WHERE i.org_id = $1"
        );
        row(&self.pool, AssertSqlSafe(sql), args![org_id]).await
    }

    /// A JSON document kept per key (org settings by org, layouts by user).
    async fn document(&self, table: Document, key: &str) -> Result<Option<String>, ProxyError> {
        let sql = match table {
            Document::OrgSettings => "SELECT settings FROM org_settings WHERE org_id = $1",
            Document::Layout => "SELECT layout FROM layouts WHERE user_id = $1",
        };
        value(&self.pool, sql, args![key]).await
    }

    async fn put_document(&self, table: Document, key: &str, json: &str) -> Result<(), ProxyError> {
        let sql = match table {
            Document::OrgSettings => {
                "INSERT INTO org_settings (org_id, settings, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (org_id) DO UPDATE SET settings = $2, updated_at = $3"
            }
            Document::Layout => {
                "INSERT INTO layouts (user_id, layout, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET layout = $2, updated_at = $3"
            }
        };
        run(&self.pool, sql, args![key, json, now()]).await
    }

    /// The org's settings, as stored (JSON).
    pub async fn org_settings(&self, org_id: &str) -> Result<Option<String>, ProxyError> {
        self.document(Document::OrgSettings, org_id).await
    }

    /// Stores the org's settings (JSON).
    pub async fn put_org_settings(&self, org_id: &str, json: &str) -> Result<(), ProxyError> {
        self.put_document(Document::OrgSettings, org_id, json).await
    }

    /// The agent's layout, as stored (JSON).
    pub async fn layout(&self, user_id: &str) -> Result<Option<String>, ProxyError> {
        self.document(Document::Layout, user_id).await
    }

    /// Stores the agent's layout (JSON).
    pub async fn put_layout(&self, user_id: &str, json: &str) -> Result<(), ProxyError> {
        self.put_document(Document::Layout, user_id, json).await
    }

    /// The record pinned for a sender: `(object, id)`.
    pub async fn pin(
        &self,
        org_id: &str,
        handle: &str,
    ) -> Result<Option<(String, String)>, ProxyError> {
        let sql = "SELECT object, record_id FROM pins WHERE org_id = $1 AND handle = $2";
        row(&self.pool, sql, args![org_id, handle]).await
    }

    /// Pins a record for a sender, for the whole org.
    pub async fn put_pin(
        &self,
        org_id: &str,
        handle: &str,
        object: &str,
        record_id: &str,
        pinned_by: &str,
    ) -> Result<(), ProxyError> {
        run(
            &self.pool,
            "INSERT INTO pins (org_id, handle, object, record_id, pinned_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id, handle) DO UPDATE SET object = $3, record_id = $4, pinned_by = $5, updated_at = $6",
            args![org_id, handle, object, record_id, pinned_by, now()],
        )
        .await
    }

    /// Unpins a sender's record.
    pub async fn remove_pin(&self, org_id: &str, handle: &str) -> Result<(), ProxyError> {
        let sql = "DELETE FROM pins WHERE org_id = $1 AND handle = $2";
        run(&self.pool, sql, args![org_id, handle]).await
    }

    /// An org's usage on `day`.
    pub async fn usage(&self, org_id: &str, day: &str) -> Result<DayUsage, ProxyError> {
        let row: Option<(i64, i64, i64, i64)> = row(
            &self.pool,
            "SELECT requests, org_used, org_max, reported_at FROM api_usage WHERE org_id = $1 AND day = $2",
            args![org_id, day],
        )
        .await?;
        Ok(
            row.map_or_else(DayUsage::default, |(r, u, m, at)| DayUsage {
                requests: unsigned(r),
                org_used: unsigned(u),
                org_max: unsigned(m),
                reported_at: at,
            }),
        )
    }

    /// Counts `requests` more for an org on `day`, with the org's usage as Salesforce last
    /// reported it (`(used, max)`), when it did. One atomic statement, so replicas can share
    /// the count.
    pub async fn add_usage(
        &self,
        org_id: &str,
        day: &str,
        requests: u64,
        reported: Option<(u64, u64)>,
    ) -> Result<(), ProxyError> {
        let (used, max) = reported.map_or((-1, -1), |(u, m)| (signed(u), signed(m)));
        run(
            &self.pool,
            "INSERT INTO api_usage (org_id, day, requests, org_used, org_max, reported_at)
             VALUES ($1, $2, $3, CASE WHEN $4 < 0 THEN 0 ELSE $4 END, CASE WHEN $5 < 0 THEN 0 ELSE $5 END,
                     CASE WHEN $5 < 0 THEN 0 ELSE $6 END)
             ON CONFLICT (org_id, day) DO UPDATE SET requests = api_usage.requests + $3,
                 org_used = CASE WHEN $4 < 0 THEN api_usage.org_used ELSE $4 END,
                 org_max = CASE WHEN $5 < 0 THEN api_usage.org_max ELSE $5 END,
                 reported_at = CASE WHEN $5 < 0 THEN api_usage.reported_at ELSE $6 END",
            args![org_id, day, signed(requests), used, max, now_ms()],
        )
        .await
    }
}

/// The tables holding one JSON document per key.
#[derive(Debug, Clone, Copy)]
enum Document {
    OrgSettings,
    Layout,
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
            is_admin: false,
            currency: "EUR".into(),
        }
    }

    // Under this name for the job writer's tests too.
    pub(super) use super::test_database::postgres_database as postgres;

    #[tokio::test]
    async fn sqlite_and_postgres_run_the_same_migrations_and_queries() {
        exercise(&Db::connect("sqlite::memory:").await.unwrap()).await;
        if let Some(url) = postgres().await {
            let db = Db::connect(&url).await.unwrap();
            exercise(&db).await;
            // Migrating again is a no-op.
            Db::connect(&url).await.unwrap();
        }
    }

    async fn exercise(db: &Db) {
        link_tx::tests::exercise(db).await;
        panel_cache::tests::exercise(db).await;
        note_creates::tests::exercise(db).await;

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

        // Admins, integration users, settings, layouts, pins, usage.
        let mut admin = link();
        admin.is_admin = true;
        db.put_link(&admin).await.unwrap();
        assert_eq!(db.link("005A").await.unwrap(), Some(admin.clone()));
        assert_eq!(db.integration("00DA").await.unwrap(), None);
        db.set_integration("00DA", "005A", "005B").await.unwrap();
        assert_eq!(db.integration("00DA").await.unwrap(), Some(admin));

        assert_eq!(db.org_settings("00DA").await.unwrap(), None);
        db.put_org_settings("00DA", "{\"enabled\":false}")
            .await
            .unwrap();
        db.put_org_settings("00DA", "{\"enabled\":true}")
            .await
            .unwrap();
        assert_eq!(
            db.org_settings("00DA").await.unwrap().as_deref(),
            Some("{\"enabled\":true}")
        );
        db.put_layout("005A", "{}").await.unwrap();
        assert_eq!(db.layout("005A").await.unwrap().as_deref(), Some("{}"));
        assert_eq!(db.layout("005B").await.unwrap(), None);

        db.put_pin("00DA", "email:zoe@gmail.com", "Account", "001A", "005A")
            .await
            .unwrap();
        db.put_pin("00DA", "email:zoe@gmail.com", "Contact", "003A", "005A")
            .await
            .unwrap();
        assert_eq!(
            db.pin("00DA", "email:zoe@gmail.com").await.unwrap(),
            Some(("Contact".into(), "003A".into()))
        );
        assert_eq!(db.pin("00DB", "email:zoe@gmail.com").await.unwrap(), None);
        db.remove_pin("00DA", "email:zoe@gmail.com").await.unwrap();
        assert_eq!(db.pin("00DA", "email:zoe@gmail.com").await.unwrap(), None);

        assert_eq!(
            db.usage("00DA", "2026-11-24").await.unwrap(),
            DayUsage::default()
        );
        db.add_usage("00DA", "2026-11-24", 1, None).await.unwrap();
        db.add_usage("00DA", "2026-11-24", 1, Some((90, 1000)))
            .await
            .unwrap();
        db.add_usage("00DA", "2026-11-24", 2, None).await.unwrap();
        assert_eq!(
            db.usage("00DA", "2026-11-24").await.unwrap(),
            DayUsage {
                requests: 4,
                org_used: 90,
                org_max: 1000,
                reported_at: db.usage("00DA", "2026-11-24").await.unwrap().reported_at,
            },
            "an answer without a reported usage keeps the last one"
        );
        assert_eq!(
            db.usage("00DA", "2026-11-25").await.unwrap(),
            DayUsage::default()
        );
    }

    async fn sessions_of(db: &Db, user_id: &str) -> i64 {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .0
    }

    #[tokio::test]
    async fn an_in_memory_database_outlives_the_connection_that_made_it() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.put_link(&link()).await.unwrap();
        db.put_session("one", "005A", 3600).await.unwrap();
        // The pool's one connection goes (a cancelled query, an idle timeout): a new one must
        // open the same database, not an empty one ("no such table: sessions").
        db.pool.acquire().await.unwrap().close().await.unwrap();
        let sessions: i64 = sqlx::query("SELECT COUNT(*) FROM sessions")
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(sessions, 1);
    }

    #[tokio::test]
    async fn a_link_and_its_sessions_go_together() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.put_link(&link()).await.unwrap();
        db.put_session("one", "005A", 3600).await.unwrap();
        db.put_session("two", "005A", 3600).await.unwrap();
        // The link's delete fails: its sessions stay too.
        sqlx::query(
            "CREATE TRIGGER keep_links BEFORE DELETE ON links BEGIN SELECT RAISE(ABORT, 'kept'); END",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        assert!(db.remove_link("005A").await.is_err());
        assert!(db.link("005A").await.unwrap().is_some());
        assert_eq!(
            sessions_of(&db, "005A").await,
            2,
            "rolled back with the link"
        );
        // Once it can go, both go.
        sqlx::query("DROP TRIGGER keep_links")
            .execute(&db.pool)
            .await
            .unwrap();
        db.remove_link("005A").await.unwrap();
        assert_eq!(db.link("005A").await.unwrap(), None);
        assert_eq!(sessions_of(&db, "005A").await, 0);
    }

    #[tokio::test]
    async fn a_file_database_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = super::test_database::sqlite_file(dir.path());
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

    #[tokio::test]
    async fn a_file_database_commits_to_a_synced_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let url = super::test_database::sqlite_file(dir.path());
        let db = Db::connect(&url).await.unwrap();
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        let sync: (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(
            (mode.0.as_str(), sync.0),
            ("wal", 2),
            "WAL, synchronous = FULL"
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
