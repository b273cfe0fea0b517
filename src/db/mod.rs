//! The store: an r2d2 pool of SQLite connections, migrations, and the blocking-DB helper.

pub mod articles;
pub mod categories;
pub mod search;
pub mod sql;
pub mod tags;
pub mod tokens;
pub mod views;

use std::path::Path;
use std::time::Duration;

use actix_web::web;
use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::ApiError;

/// The migrations in `migrations/`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A pool of SQLite connections.
pub type DbPool = Pool<ConnectionManager<SqliteConnection>>;
/// One pooled connection.
pub type DbConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// How long a connection waits for SQLite's write lock before giving up.
const BUSY_TIMEOUT_MS: u32 = 5000;
/// Bytes the write-ahead log file is cut back to after a checkpoint (it otherwise
/// keeps the size of the largest transaction ever written).
const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Sets the pragmas every connection needs, as it is opened.
#[derive(Debug, Clone, Copy)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first: on a new file, switching to WAL takes a lock that the
        // pool's other connections, opening at the same moment, must wait for.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
             PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens (creating if needed) the database at `path`, applies pending migrations and
/// returns a pool of `size` connections.
pub fn open(path: &Path, size: u32) -> Result<DbPool, String> {
    let url = path.to_str().ok_or("the database path is not valid UTF-8")?;
    let pool = Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(ConnectionManager::<SqliteConnection>::new(url))
        .map_err(|e| format!("cannot open database {url}: {e}"))?;
    let mut conn = pool.get().map_err(|e| format!("cannot open database {url}: {e}"))?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Applies pending migrations; returns how many ran.
pub fn migrate(conn: &mut SqliteConnection) -> Result<usize, String> {
    conn.run_pending_migrations(MIGRATIONS).map(|done| done.len()).map_err(|e| format!("migration failed: {e}"))
}

/// Runs blocking database work on the blocking thread pool with a pooled connection.
/// The connection is taken and given back inside the closure's thread, never held
/// across an `.await`.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(ApiError::internal)?
}

/// The current time in UTC, to the second (the API's precision).
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(0).unwrap_or(now)
}
