//! The store: an r2d2 pool of connections (SQLite or PostgreSQL, see [`conn`]),
//! migrations, and the blocking-DB helper.

pub mod articles;
pub mod authors;
pub mod categories;
pub mod conn;
pub mod feeds;
pub mod media;
pub mod replica;
pub mod revisions;
pub mod search;
pub mod sql;
pub mod tags;
pub mod tokens;
pub mod views;
pub mod webhooks;

use std::path::Path;
use std::time::Duration;

use actix_web::web;
use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection};
use diesel::result::Error;
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::ApiError;

pub use conn::{Conn, Dialect, Location, Manager, MultiBackend};

/// The row and the row queries every simple resource table has (categories, tags,
/// authors). The row is `$row`: `id`, the content `$fields` (its `Insertable` and
/// `AsChangeset` part, which the row derefs to), `created_at`, `updated_at` and
/// `version`. The queries: find by id and by slug, whether a slug is taken, insert,
/// update (bumping `version` and `updated_at`) and delete. `$table` is the diesel
/// table module.
macro_rules! simple_store {
    ($table:ident, $row:ident, $fields:ty, $kind:literal) => {
        #[doc = concat!("A ", $kind, " as stored.")]
        #[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
        #[diesel(table_name = $table)]
        pub struct $row {
            /// Row id.
            pub id: i32,
            /// Its content.
            #[diesel(embed)]
            pub fields: $fields,
            /// Creation time (UTC).
            pub created_at: NaiveDateTime,
            /// Last change (UTC).
            pub updated_at: NaiveDateTime,
            /// Grows by one on every change; the ETag's content part.
            pub version: i32,
        }

        impl std::ops::Deref for $row {
            type Target = $fields;

            fn deref(&self) -> &$fields {
                &self.fields
            }
        }

        #[doc = concat!("The ", $kind, " with `id`.")]
        pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<$row>> {
            $table::table.find(id).select(<$row>::as_select()).first(conn).optional()
        }

        #[doc = concat!("The ", $kind, " with `slug`.")]
        pub fn find_by_slug(conn: &mut Conn, slug: &str) -> QueryResult<Option<$row>> {
            $table::table.filter($table::slug.eq(slug)).select(<$row>::as_select()).first(conn).optional()
        }

        #[doc = concat!("Whether a ", $kind, " has `slug`, other than `except`.")]
        pub fn slug_taken(conn: &mut Conn, slug: &str, except: Option<i32>) -> QueryResult<bool> {
            let id: Option<i32> =
                $table::table.filter($table::slug.eq(slug)).select($table::id).first(conn).optional()?;
            Ok(id.is_some_and(|id| Some(id) != except))
        }

        #[doc = concat!("Inserts a ", $kind, "; returns its row.")]
        pub fn insert(conn: &mut Conn, fields: &$fields) -> QueryResult<$row> {
            let now = $crate::db::now();
            crate::on_backend!(conn, c => diesel::insert_into($table::table)
                .values((fields, $table::created_at.eq(now), $table::updated_at.eq(now)))
                .returning(<$row>::as_returning())
                .get_result(c))
        }

        #[doc = concat!("Replaces the fields of ", $kind, " `id`; returns its row.")]
        pub fn update(conn: &mut Conn, id: i32, fields: &$fields) -> QueryResult<$row> {
            crate::on_backend!(conn, c => diesel::update($table::table.find(id))
                .set((fields, $table::updated_at.eq($crate::db::now()), $table::version.eq($table::version + 1)))
                .returning(<$row>::as_returning())
                .get_result(c))
        }

        #[doc = concat!("Deletes ", $kind, " `id` (rows that cascade go with it).")]
        pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<usize> {
            diesel::delete($table::table.find(id)).execute(conn)
        }

        impl $crate::db::Stored for $row {
            type Fields = $fields;

            fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Self>> {
                find(conn, id)
            }

            fn find_by_slug(conn: &mut Conn, slug: &str) -> QueryResult<Option<Self>> {
                find_by_slug(conn, slug)
            }

            fn id(&self) -> i32 {
                self.id
            }

            fn slug(&self) -> &str {
                &self.slug
            }

            fn slug_taken(conn: &mut Conn, slug: &str, except: Option<i32>) -> QueryResult<bool> {
                slug_taken(conn, slug, except)
            }

            fn version(&self) -> i32 {
                self.version
            }

            fn times(&self) -> (NaiveDateTime, NaiveDateTime) {
                (self.created_at, self.updated_at)
            }

            fn insert(conn: &mut Conn, fields: &$fields) -> QueryResult<Self> {
                insert(conn, fields)
            }

            fn update(conn: &mut Conn, id: i32, fields: &$fields) -> QueryResult<Self> {
                update(conn, id, fields)
            }
        }
    };
}
pub(crate) use simple_store;

/// The range of folded names starting with `prefix` (folded already), for `BETWEEN`;
/// every name when `None`.
pub fn prefix_range(prefix: Option<&str>) -> (String, String) {
    let prefix = prefix.unwrap_or("");
    (prefix.to_owned(), format!("{prefix}\u{10FFFF}"))
}

/// `Ok((rows, total))`: the page of `$query` (an expression, built once for the count
/// and once for the rows) at `$offset`, `$limit` rows long, ordered by `$order`, with
/// the total it matches.
macro_rules! page_and_total {
    ($conn:expr, $query:expr, $order:expr, $row:ty, $offset:expr, $limit:expr) => {{
        let total: i64 = $query.count().get_result($conn)?;
        let rows = $query.order($order).offset($offset).limit($limit).select(<$row>::as_select()).load($conn)?;
        Ok((rows, total))
    }};
}
pub(crate) use page_and_total;

/// A row of a simple resource table (see `simple_store!`), as the generic handlers
/// reach it.
pub trait Stored: Sized {
    /// Its checked content fields, as written.
    type Fields: Send + 'static;

    /// The row with `id`.
    fn find(conn: &mut Conn, id: i32) -> diesel::QueryResult<Option<Self>>;
    /// The row with `slug`.
    fn find_by_slug(conn: &mut Conn, slug: &str) -> diesel::QueryResult<Option<Self>>;
    /// Its id.
    fn id(&self) -> i32;
    /// Its slug.
    fn slug(&self) -> &str;
    /// Whether a row other than `except` has `slug`.
    fn slug_taken(conn: &mut Conn, slug: &str, except: Option<i32>) -> diesel::QueryResult<bool>;
    /// Its version, for `If-Match`.
    fn version(&self) -> i32;
    /// When it was created and last changed.
    fn times(&self) -> (chrono::NaiveDateTime, chrono::NaiveDateTime);
    /// Stores a new row.
    fn insert(conn: &mut Conn, fields: &Self::Fields) -> diesel::QueryResult<Self>;
    /// Stores new fields of row `id` (bumping its version).
    fn update(conn: &mut Conn, id: i32, fields: &Self::Fields) -> diesel::QueryResult<Self>;
}

/// The SQLite migrations (`migrations/sqlite/`), compiled in.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The PostgreSQL migrations (`migrations/postgres/`), compiled in: one squashed
/// schema, as a PostgreSQL database starts fresh.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A pool of database connections.
pub type DbPool = Pool<Manager>;
/// One pooled connection.
pub type DbConn = PooledConnection<Manager>;

/// How long a connection waits for SQLite's write lock before giving up.
const BUSY_TIMEOUT_MS: u32 = 5000;
/// Bytes the write-ahead log file is cut back to after a checkpoint (it otherwise
/// keeps the size of the largest transaction ever written).
const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Sets what every connection needs, as it is opened: SQLite's pragmas, PostgreSQL's
/// session settings.
#[derive(Debug, Clone, Copy)]
struct Session {
    /// The most pages the SQLite file may hold (`None`: as many as the disk takes).
    max_pages: Option<u64>,
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Session {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        let sql = match conn {
            // busy_timeout first: on a new file, switching to WAL takes a lock that the
            // pool's other connections, opening at the same moment, must wait for.
            Conn::Sqlite(_) => format!(
                "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};{}",
                self.max_pages.map(|pages| format!(" PRAGMA max_page_count = {pages};")).unwrap_or_default()
            ),
            // A lock waited for as long as SQLite's busy timeout; a transaction left
            // open by a stuck request cannot hold locks for ever.
            Conn::Pg(_) => format!(
                "SET lock_timeout = {BUSY_TIMEOUT_MS}; SET idle_in_transaction_session_timeout = 60000; \
                 SET TIME ZONE 'UTC';"
            ),
        };
        conn.batch_execute(&sql).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// SQLite's page size for new databases (bytes).
const PAGE_SIZE: u64 = 4096;

/// Opens (creating if needed) the SQLite database at `path`, applies pending
/// migrations and returns a pool of `size` connections.
pub fn open(path: &Path, size: u32) -> Result<DbPool, String> {
    open_capped(path, size, None)
}

/// [`open`], with the database file held to at most `max_mb` megabytes (MiB): writes
/// that would grow it further fail as if the disk were full.
pub fn open_capped(path: &Path, size: u32, max_mb: Option<u64>) -> Result<DbPool, String> {
    let path = path.to_str().ok_or("the database path is not valid UTF-8")?;
    connect(&Location::Sqlite(path.to_owned()), size, max_mb)
}

/// Opens the database at `location` (a SQLite file is created if needed), applies
/// pending migrations and returns a pool of `size` connections. `max_mb` caps a
/// SQLite file (see [`open_capped`]); PostgreSQL's disk is its server's to watch.
pub fn connect(location: &Location, size: u32, max_mb: Option<u64>) -> Result<DbPool, String> {
    let max_pages = max_mb.map(|mb| (mb * 1024 * 1024 / PAGE_SIZE).max(1));
    let pool = pool("database", location, size, Duration::from_secs(10), Session { max_pages })?;
    let mut conn = pool.get().map_err(|e| format!("cannot open database {location}: {e}"))?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Opens a read-only pool of `size` connections to a PostgreSQL streaming replica of
/// the database (no migrations: the primary's reach it by replication). A replica
/// that cannot be reached is passed over after 2 s.
pub fn connect_replica(location: &Location, size: u32) -> Result<DbPool, String> {
    if !location.is_postgres() {
        return Err("the replica must be a postgres:// URL".to_owned());
    }
    pool("the replica", location, size, Duration::from_secs(2), Session { max_pages: None })
}

/// A pool of `size` connections to `location` (`what`, in messages), waiting `wait`
/// for a connection.
fn pool(what: &str, location: &Location, size: u32, wait: Duration, session: Session) -> Result<DbPool, String> {
    let manager = Manager::new(location.clone());
    // One connection outside the pool first: its error is the real one (libpq's
    // words), where the pool would only say that it timed out.
    drop(manager.connect().map_err(|e| format!("cannot open {what} {location}: {e}"))?);
    Pool::builder()
        .max_size(size)
        .connection_timeout(wait)
        .connection_customizer(Box::new(session))
        .build(manager)
        .map_err(|e| format!("cannot open {what} {location}: {e}"))
}

/// The PostgreSQL advisory lock held while migrating: processes starting together
/// apply each migration once.
const MIGRATE_LOCK: i64 = 0x6261_6e74_696d;

/// Applies pending migrations; returns how many ran.
pub fn migrate(conn: &mut Conn) -> Result<usize, String> {
    let done = match conn {
        Conn::Sqlite(conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS).map(|done| done.len()),
        Conn::Pg(conn) => {
            let lock = |conn: &mut diesel::PgConnection, sql: &str| {
                diesel::sql_query(sql).bind::<diesel::sql_types::BigInt, _>(MIGRATE_LOCK).execute(conn)
            };
            lock(conn, "SELECT pg_advisory_lock($1)").map_err(|e| format!("cannot lock for migrating: {e}"))?;
            let done = conn.run_pending_migrations(PG_MIGRATIONS).map(|done| done.len());
            lock(conn, "SELECT pg_advisory_unlock($1)").map_err(|e| format!("cannot unlock after migrating: {e}"))?;
            done
        }
    };
    done.map_err(|e| format!("migration failed: {e}"))
}

/// Runs blocking database work on the blocking thread pool with a pooled connection.
/// The connection is taken and given back inside the closure's thread, never held
/// across an `.await`.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let replica = replica::current();
    web::block(move || {
        if let Some(mut conn) = replica.and_then(|replica| replica::snapshot(&pool, &replica)) {
            let done = work(&mut conn);
            replica::finish(&mut conn);
            return done;
        }
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Marks a response refused because the database cannot grow.
#[derive(Debug, Clone, Copy)]
pub struct RefusedForSpace;

/// Whether the last write was refused for lack of space, for `/readyz`.
#[derive(Debug, Default)]
pub struct Space {
    full: std::sync::atomic::AtomicBool,
}

impl Space {
    /// Notes the outcome of a write to the database: refused for lack of space or not.
    pub fn note(&self, refused: bool) {
        self.full.store(refused, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the last write was refused for lack of space.
    pub fn full(&self) -> bool {
        self.full.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a write transaction changes, which decides what it tells the other processes
/// sharing a PostgreSQL database (see [`crate::cluster`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changes {
    /// Content: every process outdates its cached answers and reloads what it keeps.
    Content,
    /// View counts only.
    Views,
    /// Nothing cached (bookkeeping: token use, announcements, reloads).
    Nothing,
}

/// Runs `work` in an immediate (write-locking) transaction that changes content: see
/// [`transaction`].
pub fn immediate<T, E: From<Error>>(conn: &mut Conn, work: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E> {
    write(conn, Changes::Content, work)
}

/// Runs `work` in an immediate (write-locking) transaction that changes `changes`;
/// on PostgreSQL the change is announced to every process in the same transaction.
pub fn write<T, E: From<Error>>(
    conn: &mut Conn,
    changes: Changes,
    work: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E> {
    transaction(conn, true, |conn| {
        let done = work(conn)?;
        if let Conn::Pg(pg) = conn {
            crate::cluster::announce(pg, changes)?;
        }
        Ok(done)
    })
}

/// The PostgreSQL advisory lock every write transaction takes: SQLite's single writer,
/// across every process sharing the database.
const WRITE_LOCK: i64 = 0x6261_6e74_696e;

/// Runs `work` in a transaction, `immediate` (taking the write lock at once: SQLite's
/// `BEGIN IMMEDIATE`, PostgreSQL's advisory [`WRITE_LOCK`]) or deferred (one
/// consistent snapshot for reads), committed if it returns `Ok`. Unlike diesel's own,
/// an error from `work` is returned as it was even when SQLite has already rolled the
/// transaction back itself (it does on a full disk): diesel would answer "cannot
/// rollback - no transaction is active" instead.
pub fn transaction<T, E: From<Error>>(
    conn: &mut Conn,
    immediate: bool,
    work: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <Conn as diesel::Connection>::TransactionManager;
    match (immediate, &mut *conn) {
        (true, Conn::Sqlite(c)) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        (true, Conn::Pg(c)) => {
            AnsiTransactionManager::begin_transaction(c)?;
            let locked = diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(WRITE_LOCK)
                .execute(c);
            if let Err(error) = locked {
                // The transaction is aborted; its rollback error would hide the cause.
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(error.into());
            }
        }
        (false, conn) => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // When SQLite already rolled back, this fails; the work's error is the news.
            let _ = Manager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// Notes a write made outside the server (by a command), in its transaction: a
/// server serving the database reloads what it keeps in memory.
pub fn note_outside_write(conn: &mut Conn) -> diesel::QueryResult<()> {
    use crate::schema::outside_writes::dsl::{generation, outside_writes};
    use diesel::ExpressionMethods;
    diesel::update(outside_writes).set(generation.eq(generation + 1)).execute(conn)?;
    Ok(())
}

/// The count of writes made outside the server so far.
pub fn outside_generation(conn: &mut Conn) -> diesel::QueryResult<i64> {
    use crate::schema::outside_writes::dsl::{generation, outside_writes};
    use diesel::QueryDsl;
    outside_writes.select(generation).first(conn)
}

/// Whether `error` says the database cannot grow (`SQLITE_FULL`: the disk, or the
/// size limit, is full).
pub fn is_full(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(_, info) if says_full(info.message()))
}

/// Whether an error message is SQLite's `SQLITE_FULL`.
pub fn says_full(message: &str) -> bool {
    message.contains("database or disk is full")
}

/// Whether the database is at its size limit with no free page left (a write that
/// needs a new page will fail). Cheap: three pragmas.
pub fn at_size_limit(conn: &mut Conn) -> diesel::QueryResult<bool> {
    // PostgreSQL has no file cap of bantin's: its disk is the server's to watch.
    if conn.dialect() == Dialect::Pg {
        return Ok(false);
    }
    #[derive(QueryableByName)]
    struct Pages {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        pages: i64,
    }
    let pragma = |conn: &mut Conn, name: &str| -> diesel::QueryResult<i64> {
        Ok(diesel::sql_query(format!("SELECT {name} AS pages FROM pragma_{name}()")).get_result::<Pages>(conn)?.pages)
    };
    let (used, max, free) =
        (pragma(conn, "page_count")?, pragma(conn, "max_page_count")?, pragma(conn, "freelist_count")?);
    Ok(free == 0 && used >= max)
}

/// The current time in UTC, to the second (the API's precision).
pub fn now() -> NaiveDateTime {
    seconds(Utc::now().naive_utc())
}

/// `time` to the second (the API's precision).
pub fn seconds(time: NaiveDateTime) -> NaiveDateTime {
    time.with_nanosecond(0).unwrap_or(time)
}
