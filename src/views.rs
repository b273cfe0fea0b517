//! The view buffer: views are counted in memory (deduplicated per visitor, bots
//! ignored) and written in batches by a background flusher, never per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{self, DbPool};
use crate::generation::ContentGeneration;

/// Most (visitor, article) pairs remembered for dedupe (about 24 bytes each), so a
/// flood of fake visitors costs bounded memory.
const MAX_REMEMBERED_VISITS: usize = 1_000_000;
/// Shards of the dedupe set, so workers seldom wait on one lock.
const SHARDS: usize = 16;

/// The (visitor, article) pairs counted within the dedupe window: the first 8 bytes of
/// the visit key and when it was counted (ms since start). Two keys sharing 8 bytes
/// would at worst leave one view uncounted (odds about 1 in 10^11 per million visits).
struct RecentVisits {
    shards: Vec<Mutex<HashMap<u64, u64>>>,
    window_ms: u64,
    started: std::time::Instant,
}

impl RecentVisits {
    fn new(window: Duration) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            window_ms: u64::try_from(window.as_millis()).unwrap_or(u64::MAX),
            started: std::time::Instant::now(),
        }
    }

    /// Whether `key` was not counted within the window; remembers it if so. A full
    /// shard first forgets expired visits; if it is still full (a flood of distinct
    /// visitors), it forgets them all rather than grow.
    fn first(&self, key: &[u8; 32]) -> bool {
        let mut short = [0u8; 8];
        short.copy_from_slice(&key[..8]);
        let short = u64::from_le_bytes(short);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let window = self.window_ms;
        let mut shard = lock(&self.shards[(short % SHARDS as u64) as usize]);
        if shard.get(&short).is_some_and(|seen| now.saturating_sub(*seen) < window) {
            return false;
        }
        if shard.len() >= MAX_REMEMBERED_VISITS / SHARDS {
            shard.retain(|_, seen| now.saturating_sub(*seen) < window);
            if shard.len() >= MAX_REMEMBERED_VISITS / SHARDS {
                shard.clear();
            }
        }
        shard.insert(short, now);
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).len()).sum()
    }
}

/// How often a server checks whether a command (an import) wrote to its database.
pub const OUTSIDE_CHECK: Duration = Duration::from_millis(500);

/// Most User-Agent verdicts remembered.
const BOT_VERDICTS: usize = 10_000;
/// Longest User-Agent whose verdict is remembered (bounds the cache at ~5 MB).
const BOT_VERDICT_LEN: usize = 512;

/// Buffered views and what is needed to count them honestly.
pub struct ViewBuffer {
    pending: Mutex<HashMap<(i32, NaiveDate), i64>>,
    seen: RecentVisits,
    salt: Mutex<(NaiveDate, [u8; 32])>,
    bots: isbot::Bots,
    /// isbot's verdict per User-Agent: real traffic repeats a few hundred of them, and
    /// the pattern scan was ~6 % of recording a view. At most [`BOT_VERDICTS`], then
    /// started afresh.
    verdicts: RwLock<HashMap<Box<str>, bool>>,
    published: RwLock<HashMap<i32, NaiveDateTime>>,
    /// Every article's view count as flushed (absent = 0), so cached answers can show
    /// current counts without being recomputed.
    counts: RwLock<HashMap<i32, i64>>,
    flushing: Mutex<()>,
    flushes: AtomicU64,
    /// Whether the last flush failed because the database cannot grow.
    full: AtomicBool,
    /// One [`Self::sync`] at a time.
    syncing: Mutex<()>,
    content: Arc<ContentGeneration>,
}

/// Most (article, day) counters buffered: while the database cannot be written (its
/// disk is full), views of articles and days already buffered still count; views
/// that would need a new counter beyond this are dropped, and logged (~50 MB).
const MAX_PENDING: usize = 1_000_000;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn random_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    rand::rng().fill_bytes(&mut salt);
    salt
}

impl ViewBuffer {
    /// A buffer that counts a visitor once per article per `dedupe` window.
    pub fn new(dedupe: Duration, content: Arc<ContentGeneration>) -> Self {
        Self {
            pending: Mutex::new(HashMap::new()),
            seen: RecentVisits::new(dedupe),
            salt: Mutex::new((Utc::now().date_naive(), random_salt())),
            bots: isbot::Bots::default(),
            verdicts: RwLock::new(HashMap::new()),
            published: RwLock::new(HashMap::new()),
            counts: RwLock::new(HashMap::new()),
            flushing: Mutex::new(()),
            flushes: AtomicU64::new(0),
            full: AtomicBool::new(false),
            syncing: Mutex::new(()),
            content,
        }
    }

    /// Whether `user_agent` is a crawler, preview fetcher or monitor (or missing).
    pub fn is_bot(&self, user_agent: &str) -> bool {
        if user_agent.trim().is_empty() {
            return true;
        }
        if let Some(verdict) = read(&self.verdicts).get(user_agent) {
            return *verdict;
        }
        let verdict = self.bots.is_bot(user_agent);
        if user_agent.len() > BOT_VERDICT_LEN {
            return verdict;
        }
        let mut verdicts = write(&self.verdicts);
        if verdicts.len() >= BOT_VERDICTS {
            verdicts.clear();
        }
        verdicts.insert(user_agent.into(), verdict);
        verdict
    }

    /// The visitor key: SHA-256 of a secret salt (new every UTC day, never stored),
    /// the address, the User-Agent and the article. No address is kept anywhere.
    fn visit_key(&self, article: i32, ip: IpAddr, user_agent: &str) -> [u8; 32] {
        let today = Utc::now().date_naive();
        let salt = {
            let mut salt = lock(&self.salt);
            if salt.0 != today {
                *salt = (today, random_salt());
            }
            salt.1
        };
        let mut hash = Sha256::new();
        hash.update(salt);
        hash.update(ip.to_string().as_bytes());
        hash.update([0]);
        hash.update(user_agent.as_bytes());
        hash.update([0]);
        hash.update(article.to_le_bytes());
        hash.finalize().into()
    }

    /// Records a view of `article` unless the visitor is a bot or was counted within
    /// the dedupe window; returns whether it counted.
    pub fn record(&self, article: i32, ip: IpAddr, user_agent: &str) -> bool {
        if self.is_bot(user_agent) {
            return false;
        }
        let fresh = self.seen.first(&self.visit_key(article, ip, user_agent));
        if fresh {
            let mut pending = lock(&self.pending);
            let key = (article, Utc::now().date_naive());
            if pending.len() >= MAX_PENDING && !pending.contains_key(&key) {
                log::warn!(
                    "{MAX_PENDING} view counters are waiting to be written; a view of article {article} is dropped"
                );
                return false;
            }
            *pending.entry(key).or_default() += 1;
        }
        fresh
    }

    /// Views waiting to be written.
    pub fn pending(&self) -> i64 {
        lock(&self.pending).values().sum()
    }

    /// Whether the last flush failed because the database cannot grow (the views wait
    /// in memory for the next flush).
    pub fn database_full(&self) -> bool {
        self.full.load(Ordering::Relaxed)
    }

    /// Flushes completed so far.
    pub fn flush_count(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Writes every buffered view in one immediate transaction (blocking). On failure
    /// the views go back into the buffer for the next try; none is dropped.
    pub fn flush(&self, pool: &DbPool) -> Result<i64, String> {
        let _one_at_a_time = lock(&self.flushing);
        self.flush_alone(pool)
    }

    /// Writes the buffered views, then sets `article`'s total to `total` with `set`
    /// (which says whether the article exists), with no flush in between, so that
    /// the count kept in memory is the one in the database.
    pub fn replace_total(
        &self,
        pool: &DbPool,
        article: i32,
        total: i64,
        set: impl FnOnce(&mut crate::db::Conn) -> diesel::QueryResult<bool>,
    ) -> Result<bool, String> {
        let _one_at_a_time = lock(&self.flushing);
        self.flush_alone(pool)?;
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let found = db::write(&mut conn, db::Changes::Views, set).map_err(|e| e.to_string())?;
        if found {
            write(&self.counts).insert(article, total);
        }
        Ok(found)
    }

    /// [`Self::flush`] while holding the flush lock.
    fn flush_alone(&self, pool: &DbPool) -> Result<i64, String> {
        let mut batch: Vec<(i32, NaiveDate, i64)> =
            std::mem::take(&mut *lock(&self.pending)).into_iter().map(|((a, d), n)| (a, d, n)).collect();
        if batch.is_empty() {
            return Ok(0);
        }
        // Rows in one order in every process: flushes of several processes that share
        // a PostgreSQL database cannot deadlock on each other.
        batch.sort_unstable();
        let written = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            db::write(&mut conn, db::Changes::Views, |conn| db::views::apply(conn, &batch)).map_err(|e| e.to_string())
        });
        self.full.store(written.as_ref().is_err_and(|why| db::says_full(why)), Ordering::Relaxed);
        match written {
            Ok(()) => {
                self.flushes.fetch_add(1, Ordering::Relaxed);
                let mut counts = write(&self.counts);
                for (article, _, views) in &batch {
                    *counts.entry(*article).or_default() += views;
                }
                drop(counts);
                // Counts changed, content did not: cached answers take the new counts;
                // only answers ordered or made by views (most read, history) are old.
                self.content.bump_views();
                Ok(batch.iter().map(|(_, _, n)| n).sum())
            }
            Err(error) => {
                let mut pending = lock(&self.pending);
                for (article, day, views) in batch {
                    *pending.entry((article, day)).or_default() += views;
                }
                Err(error)
            }
        }
    }

    /// Loads the publication time of every published article (at start).
    pub fn load_published(&self, conn: &mut crate::db::Conn) -> diesel::QueryResult<usize> {
        let all = db::articles::published_times(conn)?;
        let count = all.len();
        *write(&self.published) = all.into_iter().collect();
        Ok(count)
    }

    /// Loads every article's view count (at start).
    pub fn load_counts(&self, conn: &mut crate::db::Conn) -> diesel::QueryResult<usize> {
        let all = db::articles::view_counts(conn)?;
        let count = all.len();
        *write(&self.counts) = all.into_iter().collect();
        Ok(count)
    }

    /// Reads published times and view counts again after a command changed the
    /// database (an import), then outdates cached answers. Holds the flush lock and
    /// SQLite's write lock meanwhile, so no flush or write of this server can fall
    /// between the read and the swap.
    pub fn reload(&self, pool: &DbPool) -> Result<(), String> {
        let _one_at_a_time = lock(&self.flushing);
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        db::write(&mut conn, db::Changes::Nothing, |conn| {
            self.load_published(conn)?;
            self.load_counts(conn)
        })
        .map_err(|e| e.to_string())?;
        self.content.bump();
        self.content.bump_views();
        Ok(())
    }

    /// Reads the publication times again (another process wrote).
    pub fn reload_published(&self, pool: &DbPool) -> Result<(), String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        self.load_published(&mut conn).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Reads every view count again (another process flushed). Holds the flush lock,
    /// so that no flush of this process falls between the read and the swap.
    pub fn reload_counts(&self, pool: &DbPool) -> Result<(), String> {
        let _one_at_a_time = lock(&self.flushing);
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        self.load_counts(&mut conn).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The generations this buffer outdates.
    pub fn content(&self) -> &ContentGeneration {
        &self.content
    }

    /// Starts a thread that calls [`Self::reload`] whenever a command has written to
    /// the database (checked every [`OUTSIDE_CHECK`]); it ends with the last holder of
    /// `buffer`.
    pub fn watch_outside(buffer: &Arc<Self>, pool: DbPool) -> Result<(), String> {
        let mut seen = {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            db::outside_generation(&mut conn).map_err(|e| e.to_string())?
        };
        let weak = Arc::downgrade(buffer);
        std::thread::Builder::new()
            .name("outside-writes".to_owned())
            .spawn(move || loop {
                std::thread::sleep(OUTSIDE_CHECK);
                let Some(buffer) = weak.upgrade() else { return };
                let now = pool
                    .get()
                    .map_err(|e| e.to_string())
                    .and_then(|mut conn| db::outside_generation(&mut conn).map_err(|e| e.to_string()));
                match now {
                    Ok(generation) if generation != seen => match buffer.reload(&pool) {
                        Ok(()) => seen = generation,
                        Err(why) => log::warn!("cannot reload after a command's writes (next try soon): {why}"),
                    },
                    Ok(_) => {}
                    Err(why) => log::warn!("cannot check for a command's writes: {why}"),
                }
            })
            .map_err(|e| format!("cannot start the outside-writes watcher: {e}"))?;
        Ok(())
    }

    /// The flushed view count of `article` (0 when it has none).
    pub fn view_count(&self, article: i32) -> i64 {
        read(&self.counts).get(&article).copied().unwrap_or(0)
    }

    /// Whether the public may see `article` at `now`, from memory.
    pub fn publicly_visible(&self, article: i32, now: NaiveDateTime) -> bool {
        read(&self.published).get(&article).is_some_and(|at| *at <= now)
    }

    /// Records the publication state of `row` in memory (see [`Self::sync`], which
    /// writes go through).
    pub fn note(&self, row: &db::articles::ArticleRow) {
        let mut published = write(&self.published);
        match (row.status.as_str(), row.published_at) {
            ("published", Some(at)) if row.trashed_at.is_none() => published.insert(row.id, at),
            _ => published.remove(&row.id),
        };
    }

    /// Whether anything that depends on time alone changed in (`since`, `now`]: a
    /// scheduled article came due, or the UTC day changed (most-read windows, view
    /// history ranges).
    pub fn time_passed_matters(&self, since: NaiveDateTime, now: NaiveDateTime) -> bool {
        since.date() != now.date() || read(&self.published).values().any(|at| *at > since && *at <= now)
    }

    /// Outdates cached answers when [`Self::time_passed_matters`] (the flusher calls
    /// this every interval).
    pub fn tick(&self, since: NaiveDateTime, now: NaiveDateTime) {
        if self.time_passed_matters(since, now) {
            self.content.bump();
        }
    }

    /// Records article `article`'s publication state as committed, after a write
    /// (whether it committed or failed: a full disk shows at COMMIT). Reads the row
    /// again under a lock, so that of two writers the later sync wins and leaves the
    /// newer state.
    pub fn sync(&self, conn: &mut crate::db::Conn, article: i32) -> diesel::QueryResult<()> {
        let _one_at_a_time = lock(&self.syncing);
        match db::articles::find(conn, article)? {
            Some(row) => self.note(&row),
            None => self.forget(article),
        }
        Ok(())
    }

    /// Forgets an article just deleted (inside the delete's transaction).
    pub fn forget(&self, article: i32) {
        write(&self.published).remove(&article);
        write(&self.counts).remove(&article);
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The background thread that flushes the buffer on an interval, and once more when
/// stopped.
pub struct Flusher {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

/// Attempts of the final flush before giving up (each waits out SQLite's busy timeout).
const FINAL_FLUSH_ATTEMPTS: u32 = 5;

impl Flusher {
    /// Starts flushing `buffer` into `pool` every `every`.
    pub fn start(buffer: Arc<ViewBuffer>, pool: DbPool, every: Duration) -> Self {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut last_tick = db::now();
            loop {
                match stopped.recv_timeout(every) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Err(error) = buffer.flush(&pool) {
                            log::warn!("view flush failed, views kept for the next try: {error}");
                        }
                        let now = db::now();
                        buffer.tick(last_tick, now);
                        last_tick = now;
                    }
                    _ => {
                        for attempt in 1..=FINAL_FLUSH_ATTEMPTS {
                            match buffer.flush(&pool) {
                                Ok(n) => {
                                    log::info!("final view flush wrote {n} view(s)");
                                    return;
                                }
                                Err(error) => log::error!("final view flush, attempt {attempt}: {error}"),
                            }
                        }
                        log::error!("{} buffered view(s) could not be written", buffer.pending());
                        return;
                    }
                }
            }
        });
        Self { stop, thread }
    }

    /// Stops the thread after a final flush.
    pub fn stop(self) {
        let _ = self.stop.send(());
        if self.thread.join().is_err() {
            log::error!("the view flusher panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_counts_once_per_article_within_the_window() {
        let buffer = ViewBuffer::new(Duration::from_secs(60), Arc::default());
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let browser = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
        assert!(buffer.record(1, ip, browser));
        assert!(!buffer.record(1, ip, browser), "same visitor, same article");
        assert!(buffer.record(2, ip, browser), "another article");
        assert!(buffer.record(1, ip, "Mozilla/5.0 (iPhone) Safari/604.1"), "another browser");
        assert!(buffer.record(1, "203.0.113.8".parse().expect("ip"), browser), "another address");
        assert_eq!(buffer.pending(), 4);
    }

    #[test]
    fn bots_and_empty_agents_do_not_count() {
        let buffer = ViewBuffer::new(Duration::from_secs(60), Arc::default());
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        for agent in [
            "",
            "  ",
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Zalo/1.0 crawler",
            "curl/8.5.0",
            "UptimeRobot/2.0",
        ] {
            assert!(!buffer.record(1, ip, agent), "{agent}");
            assert!(buffer.is_bot(agent), "the remembered verdict: {agent}");
        }
        let long_browser = format!("Mozilla/5.0 (X11; Linux) Firefox/120.0 {}", "x".repeat(BOT_VERDICT_LEN));
        assert!(!buffer.is_bot(&long_browser) && !buffer.is_bot(&long_browser));
        assert!(buffer.is_bot(&format!("Googlebot/2.1 {}", "x".repeat(BOT_VERDICT_LEN))));
        assert!(read(&buffer.verdicts).len() <= 8, "long agents are not remembered");
        assert_eq!(buffer.pending(), 0);
    }

    #[test]
    fn the_dedupe_window_expires() {
        let buffer = ViewBuffer::new(Duration::from_millis(1), Arc::default());
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        assert!(buffer.record(1, ip, "Mozilla/5.0 Firefox/120.0"));
        std::thread::sleep(Duration::from_millis(20));
        assert!(buffer.record(1, ip, "Mozilla/5.0 Firefox/120.0"));
    }

    #[test]
    fn a_scheduled_article_coming_due_or_a_new_day_outdates_cached_answers() {
        use chrono::NaiveDate;
        let at =
            |d: u32, h: u32| NaiveDate::from_ymd_opt(2026, 11, d).and_then(|d| d.and_hms_opt(h, 0, 0)).expect("time");
        let buffer = ViewBuffer::new(Duration::from_secs(60), Arc::default());
        let row = |id, status: &str, published_at| db::articles::ArticleRow {
            id,
            fields: db::articles::ArticleFields {
                slug: format!("a{id}"),
                title: "t".into(),
                summary: None,
                body: String::new(),
                author: None,
                status: status.into(),
                published_at,
                category_id: None,
                cover_image_url: None,
                featured: false,
                reading_time_minutes: 1,
                author_id: None,
                cover_image_id: None,
                seo: Default::default(),
            },
            view_count: 0,
            version: 1,
            created_at: at(1, 0),
            updated_at: at(1, 0),
            trashed_at: None,
            editor: None,
        };
        buffer.note(&row(1, "published", Some(at(28, 12))));
        buffer.note(&row(2, "draft", Some(at(28, 14))));
        assert!(!buffer.time_passed_matters(at(28, 9), at(28, 10)), "nothing due");
        assert!(buffer.time_passed_matters(at(28, 11), at(28, 12)), "article 1 comes due");
        assert!(!buffer.time_passed_matters(at(28, 13), at(28, 15)), "a draft's date does not matter");
        assert!(buffer.time_passed_matters(at(28, 23), at(29, 0)), "a new day");
        let generation = buffer.content.current();
        buffer.tick(at(28, 11), at(28, 12));
        assert_eq!(buffer.content.current(), generation + 1);
    }

    #[test]
    fn a_flood_of_visitors_cannot_grow_the_dedupe_set_past_its_cap() {
        let visits = RecentVisits::new(Duration::from_secs(1800));
        for i in 0..(MAX_REMEMBERED_VISITS as u64 + 50_000) {
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
            visits.first(&key);
        }
        assert!(visits.len() <= MAX_REMEMBERED_VISITS, "{}", visits.len());
    }
}
