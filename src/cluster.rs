//! Several bantin processes on one PostgreSQL database, serving as one.
//!
//! Every write transaction bumps a row of the `generations` table (`content`, or
//! `views` for view flushes) and sends `NOTIFY bantin_generation`, both in the same
//! transaction: the notification goes out at COMMIT, and never for a write that rolled
//! back. Each process follows on one connection that `LISTEN`s, polled every
//! [`LISTEN_POLL`], and reads the generations every [`BACKSTOP`] as well, so a lost
//! notification or a reconnect leaves nothing stale for longer than that. When
//! `content` moved, the process reads the publication times again and outdates its
//! cached answers; when `views` moved, it reads the view counts again (at most once per
//! [`COUNTS_EVERY`]) and outdates answers made from views.
//!
//! Jobs that must run once for all processes (webhook delivery) run in the process
//! that holds [`JOBS_LOCK`], a session lock that PostgreSQL frees when that process's
//! connection ends, `kill -9` included; another process takes it within a poll.
//!
//! On SQLite there is one process, and none of this runs.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, QueryResult, QueryableByName, RunQueryDsl};

use crate::db::{Changes, Conn, DbConn, DbPool};
use crate::views::ViewBuffer;

/// The channel generations are announced on.
pub const CHANNEL: &str = "bantin_generation";
/// How often the listening connection is asked for notifications (a local read: no
/// round trip to the server).
pub const LISTEN_POLL: Duration = Duration::from_millis(25);
/// How often the generations are read whatever was heard.
pub const BACKSTOP: Duration = Duration::from_secs(1);
/// Most frequent reload of every view count (other processes flush every second each).
pub const COUNTS_EVERY: Duration = Duration::from_secs(1);
/// The session lock of the process that runs the once-for-all jobs.
pub const JOBS_LOCK: i64 = 0x6a6f_6273;

/// Bumps the generation `changes` names and announces it, inside the writing
/// transaction.
pub fn announce(conn: &mut PgConnection, changes: Changes) -> QueryResult<()> {
    let name = match changes {
        Changes::Content => "content",
        Changes::Views => "views",
        Changes::Nothing => return Ok(()),
    };
    diesel::sql_query("UPDATE generations SET value = value + 1 WHERE name = $1")
        .bind::<Text, _>(name)
        .execute(conn)?;
    let payload = format!("{name} {}", *PROCESS);
    diesel::sql_query("SELECT pg_notify($1, $2)").bind::<Text, _>(CHANNEL).bind::<Text, _>(payload).execute(conn)?;
    Ok(())
}

/// This process, in its notifications: its own writes already updated what it keeps,
/// so hearing them back changes nothing.
static PROCESS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{}-{:016x}", std::process::id(), rand::random::<u64>()));

/// What the listening connection heard since it was last asked.
#[derive(Debug, Default, Clone, Copy)]
struct Heard {
    /// Anything from another process (or possibly missed: after a reconnect).
    foreign: bool,
    /// This process's own content writes.
    own_content: i64,
    /// This process's own view flushes.
    own_views: i64,
}

#[derive(QueryableByName)]
struct Generations {
    #[diesel(sql_type = BigInt)]
    content: i64,
    #[diesel(sql_type = BigInt)]
    views: i64,
}

/// The generations as stored: (content, views).
pub(crate) fn generations(conn: &mut PgConnection) -> QueryResult<(i64, i64)> {
    let row: Generations = diesel::sql_query(
        "SELECT (SELECT value FROM generations WHERE name = 'content') AS content, \
                (SELECT value FROM generations WHERE name = 'views') AS views",
    )
    .get_result(conn)?;
    Ok((row.content, row.views))
}

/// Starts following the other processes' writes (PostgreSQL only; a no-op on SQLite):
/// a thread that ends with the last holder of `views`.
pub fn follow(pool: DbPool, views: &Arc<ViewBuffer>) -> Result<(), String> {
    let mut follower = Follower { pool, conn: None, known: None, counts_wanted: false, counts_read: None };
    if !follower.listen()? {
        return Ok(());
    }
    // What was loaded at start may predate the generations just read: read it again.
    follower.catch_up(views, (0, 0))?;
    let weak = Arc::downgrade(views);
    std::thread::Builder::new()
        .name("cluster".to_owned())
        .spawn(move || {
            let mut read_at = Instant::now();
            loop {
                std::thread::sleep(LISTEN_POLL);
                let Some(views) = weak.upgrade() else { return };
                let heard = match follower.heard() {
                    Ok(heard) => heard,
                    Err(why) => {
                        log::warn!("lost the connection that listens for other processes' writes: {why}");
                        follower.conn = None;
                        Heard { foreign: true, ..Heard::default() }
                    }
                };
                let own = (heard.own_content, heard.own_views);
                if heard.foreign || read_at.elapsed() >= BACKSTOP || follower.counts_wanted {
                    read_at = Instant::now();
                    if let Err(why) = follower.catch_up(&views, own) {
                        log::warn!("cannot follow other processes' writes (next try soon): {why}");
                        follower.conn = None;
                    }
                } else {
                    follower.expect(own);
                }
            }
        })
        .map_err(|e| format!("cannot start the cluster follower: {e}"))?;
    Ok(())
}

/// The listening side of [`follow`].
struct Follower {
    pool: DbPool,
    /// The listening connection, taken from the pool for good (`None`: to reconnect).
    conn: Option<DbConn>,
    /// The generations last acted on.
    known: Option<(i64, i64)>,
    /// Whether the view counts moved since they were last read.
    counts_wanted: bool,
    /// When the view counts were last read.
    counts_read: Option<Instant>,
}

impl Follower {
    /// Takes a connection and listens on it; false on SQLite.
    fn listen(&mut self) -> Result<bool, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        let Conn::Pg(pg) = &mut *conn else { return Ok(false) };
        diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(pg).map_err(|e| e.to_string())?;
        self.conn = Some(conn);
        Ok(true)
    }

    /// What came since the last call (reconnecting first if needed: after a reconnect
    /// anything may have been missed, so that counts as foreign).
    fn heard(&mut self) -> Result<Heard, String> {
        let mut heard = Heard::default();
        if self.conn.is_none() {
            self.listen()?;
            heard.foreign = true;
            return Ok(heard);
        }
        let Some(Conn::Pg(pg)) = self.conn.as_deref_mut() else { return Ok(heard) };
        for notification in pg.notifications_iter() {
            let notification = notification.map_err(|e| e.to_string())?;
            match notification.payload.split_once(' ') {
                Some(("content", from)) if from == *PROCESS => heard.own_content += 1,
                Some(("views", from)) if from == *PROCESS => heard.own_views += 1,
                _ => heard.foreign = true,
            }
        }
        Ok(heard)
    }

    /// Moves the generations acted on past this process's own writes, which changed
    /// nothing it does not already know.
    fn expect(&mut self, (own_content, own_views): (i64, i64)) {
        if let Some((content, views)) = &mut self.known {
            *content += own_content;
            *views += own_views;
        }
    }

    /// Reads the generations and reloads what moved beyond this process's own writes
    /// (`own`: content writes and view flushes heard back since the last call).
    fn catch_up(&mut self, views: &ViewBuffer, own: (i64, i64)) -> Result<(), String> {
        if self.conn.is_none() {
            self.listen()?;
        }
        self.expect(own);
        let Some(Conn::Pg(pg)) = self.conn.as_deref_mut() else { return Ok(()) };
        let (content, counted) = generations(pg).map_err(|e| e.to_string())?;
        // Notifications of commits the read already counts arrive with its answer.
        let late = self.heard()?;
        self.expect((late.own_content, late.own_views));
        let (known_content, known_views) = self.known.map_or((None, None), |(c, v)| (Some(c), Some(v)));
        // A generation ahead of the notifications heard (one not delivered yet, or a
        // write of another process) is someone else's: reload.
        if known_content != Some(content) {
            // Read after the generation: whatever it counts is in what is read.
            views.reload_published(&self.pool)?;
            views.content().bump();
        }
        if known_views != Some(counted) {
            self.counts_wanted = true;
        }
        if self.counts_wanted && self.counts_read.is_none_or(|at| at.elapsed() >= COUNTS_EVERY) {
            views.reload_counts(&self.pool)?;
            views.content().bump_views();
            self.counts_wanted = false;
            self.counts_read = Some(Instant::now());
        }
        self.known = Some((content, counted));
        Ok(())
    }
}

/// Decides which process runs the jobs that must run once for all (webhook delivery).
pub struct Leader {
    pool: DbPool,
    /// Whether the database is SQLite (one process: it always leads), once known.
    sqlite: std::sync::OnceLock<bool>,
    /// The connection holding [`JOBS_LOCK`], while this process holds it.
    held: Mutex<Option<DbConn>>,
}

impl Leader {
    /// A leader over `pool`'s database.
    pub fn new(pool: DbPool) -> Arc<Self> {
        Arc::new(Leader { pool, sqlite: std::sync::OnceLock::new(), held: Mutex::new(None) })
    }

    /// Whether this process runs the once-for-all jobs now (blocking: a query on
    /// PostgreSQL). Always on SQLite; on PostgreSQL while it holds [`JOBS_LOCK`] on a
    /// live connection, taking it when free.
    pub fn leads(&self) -> bool {
        if self.sqlite.get() == Some(&true) {
            return true;
        }
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(Conn::Pg(pg)) = held.as_deref_mut() {
            if matches!(holds_jobs_lock(pg), Ok(true)) {
                return true;
            }
            log::warn!("this process lost the jobs lock (its connection broke): another process takes over");
            *held = None;
        }
        let Ok(mut conn) = self.pool.get() else { return false };
        let taken = match &mut *conn {
            Conn::Sqlite(_) => {
                let _ = self.sqlite.set(true);
                return true;
            }
            Conn::Pg(pg) => diesel::select(pg_try_advisory_lock(JOBS_LOCK)).get_result::<bool>(pg),
        };
        if matches!(taken, Ok(true)) {
            log::info!("this process runs the once-for-all jobs (webhook delivery)");
            *held = Some(conn);
            return true;
        }
        false
    }
}

diesel::define_sql_function! {
    /// PostgreSQL's `pg_try_advisory_lock(key)`.
    fn pg_try_advisory_lock(key: BigInt) -> diesel::sql_types::Bool;
}

/// Whether `pg`'s session holds [`JOBS_LOCK`] (and the connection is alive).
fn holds_jobs_lock(pg: &mut PgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Held {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        held: bool,
    }
    // A bigint key below 2^32 is classid 0, objid key, objsubid 1 in pg_locks.
    let row: Held = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() \
         AND classid = 0 AND CAST(objid AS bigint) = $1 AND objsubid = 1 AND granted) AS held",
    )
    .bind::<BigInt, _>(JOBS_LOCK)
    .get_result(pg)?;
    Ok(row.held)
}
