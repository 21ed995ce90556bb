//! One statement on the database, written once for the store's queries: its SQL, its
//! arguments (`$1`, `$2`, ... in order, built by [`args!`]) and what it answers, on the pool
//! or inside a transaction.

use sqlx::any::{Any, AnyArguments, AnyRow};
use sqlx::error::BoxDynError;
use sqlx::{AnyPool, Executor, FromRow, SqlSafeStr};

use crate::ProxyError;

/// A statement's arguments; an argument that cannot be encoded fails the statement (as with
/// sqlx's `bind`).
pub type Args = Result<AnyArguments, BoxDynError>;

/// The arguments `$1`, `$2`, ... of a statement, in order: `args![org_id, handle, now()]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {{
        let mut args = sqlx::any::AnyArguments::default();
        (|| -> $crate::store::statement::Args {
            $(sqlx::Arguments::add(&mut args, $value)?;)*
            Ok(args)
        })()
    }};
}
pub(crate) use args;

/// Runs a statement.
pub async fn run<'c>(
    on: impl Executor<'c, Database = Any>,
    sql: impl SqlSafeStr,
    args: Args,
) -> Result<(), ProxyError> {
    changed(on, sql, args).await.map(drop)
}

/// Runs a statement; how many rows it changed.
pub async fn changed<'c>(
    on: impl Executor<'c, Database = Any>,
    sql: impl SqlSafeStr,
    args: Args,
) -> Result<u64, ProxyError> {
    let done = sqlx::query_with(sql, args.map_err(sqlx::Error::Encode)?)
        .execute(on)
        .await?;
    Ok(done.rows_affected())
}

/// The row a statement answers, if any.
pub async fn row<'c, T>(
    on: impl Executor<'c, Database = Any>,
    sql: impl SqlSafeStr,
    args: Args,
) -> Result<Option<T>, ProxyError>
where
    T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as_with(sql, args.map_err(sqlx::Error::Encode)?)
        .fetch_optional(on)
        .await?)
}

/// The first column of the row a statement answers, if any.
pub async fn value<T>(
    on: &AnyPool,
    sql: impl SqlSafeStr,
    args: Args,
) -> Result<Option<T>, ProxyError>
where
    (T,): for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(row(on, sql, args).await?.map(|(value,)| value))
}

/// The rows a statement answers.
pub async fn rows<'c, T>(
    on: impl Executor<'c, Database = Any>,
    sql: impl SqlSafeStr,
    args: Args,
) -> Result<Vec<T>, ProxyError>
where
    T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as_with(sql, args.map_err(sqlx::Error::Encode)?)
        .fetch_all(on)
        .await?)
}
