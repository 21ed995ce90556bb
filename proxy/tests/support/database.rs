//! A test's own database, a throwaway Postgres one or an SQLite file: shared (by `#[path]`)
//! by the store's unit tests, the integration tests and the crash test.

/// The URL of an SQLite database file in `dir` (made when first connected to).
pub fn sqlite_file(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("proxy.db").display())
}

/// A fresh database on the Postgres server named by `PANE_TEST_POSTGRES_URL` (`scripts/test`
/// starts one); `None` without it, unless `PANE_REQUIRE_POSTGRES` makes that a failure.
pub async fn postgres_database() -> Option<String> {
    let Ok(server) = std::env::var("PANE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("PANE_REQUIRE_POSTGRES").is_err(),
            "PANE_REQUIRE_POSTGRES is set but PANE_TEST_POSTGRES_URL is not"
        );
        eprintln!("no PANE_TEST_POSTGRES_URL: the Postgres half of this test did not run");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("pane_test_{}", rand::random::<u64>());
    let admin = sqlx::AnyPool::connect(&server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let base = server.rsplit_once('/').unwrap().0;
    Some(format!("{base}/{name}"))
}
