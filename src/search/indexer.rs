//! The indexer: one thread that owns the index writer and keeps the index in step
//! with the database. It follows `search_changes` from the sequence number stored in
//! the index's last commit, re-indexes scheduled articles as they come due, commits a
//! batch at a time (with the new sequence number in the commit's payload), reloads
//! the readers and bumps the response-cache generation. A missing, damaged, older or
//! interrupted index is rebuilt from the articles table while the server serves
//! everything else.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tantivy::indexer::IndexWriterOptions;
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::schema::SCHEMA_VERSION;
use super::{Progress, Readiness, Search};
use crate::db::{self, search as store, DbPool};
use crate::generation::ContentGeneration;

/// How often the change table is polled.
const POLL: Duration = Duration::from_millis(100);
/// Changes applied per commit at most.
const BATCH: i64 = 1000;
/// Articles per commit while rebuilding (bounds the writer's memory).
const REBUILD_BATCH: i64 = 1000;
/// How long changes are kept for followers.
const KEEP_CHANGES: chrono::Duration = chrono::Duration::days(1);
/// The writer's memory budget (Tantivy's minimum).
const WRITER_MEMORY: usize = 15_000_000;

/// The running indexer; stops (and joins) on [`Indexer::stop`] or when dropped.
pub struct Indexer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Why the indexer could not go on.
type Failure = String;

/// A writer for `search`'s index: one indexing thread, one merge thread.
pub fn writer(search: &Search) -> Result<IndexWriter<TantivyDocument>, Failure> {
    let options = IndexWriterOptions::builder()
        .memory_budget_per_thread(WRITER_MEMORY)
        .num_worker_threads(1)
        .num_merge_threads(1)
        .build();
    search.index.writer_with_options(options).map_err(|e| format!("cannot write the search index: {e}"))
}

impl Indexer {
    /// Starts following `pool`'s changes into `search`.
    pub fn start(search: Arc<Search>, pool: DbPool, content: Arc<ContentGeneration>) -> Result<Self, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("indexer".to_owned())
            .spawn(move || {
                if let Err(why) = run(&search, &pool, &content, &stopping) {
                    log::error!("search indexer stopped: {why}");
                    search.set_readiness(Readiness::Failed(why));
                }
            })
            .map_err(|e| format!("cannot start the indexer: {e}"))?;
        Ok(Self { stop, thread: Some(thread) })
    }

    /// Stops after the batch in hand (committed or not: the change table still has it).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            if thread.join().is_err() {
                log::error!("the search indexer panicked");
            }
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run(search: &Search, pool: &DbPool, content: &ContentGeneration, stop: &AtomicBool) -> Result<(), Failure> {
    let mut writer = writer(search)?;
    let mut progress = match search.progress().filter(|p| p.complete) {
        Some(progress) if followable(pool, progress.seq)? => progress,
        _ => match rebuild(search, &mut writer, pool, stop, |_, _| {})? {
            Some(progress) => progress,
            None => return Ok(()),
        },
    };
    search.applied.store(progress.seq, Ordering::Release);
    search.set_readiness(Readiness::Ready);
    content.bump();
    let mut last_prune = Instant::now() - Duration::from_secs(3600);
    while !stop.load(Ordering::Acquire) {
        match step(search, &mut writer, pool, &mut progress) {
            Ok(true) => {
                search.applied.store(progress.seq, Ordering::Release);
                content.bump();
                continue;
            }
            Ok(false) => {}
            Err(why) => {
                log::error!("search indexer: {why}; retrying");
                // What was added but not committed is dropped; the changes are re-read.
                writer.rollback().map_err(|e| format!("cannot roll back the index writer: {e}"))?;
                std::thread::park_timeout(Duration::from_secs(1));
            }
        }
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = Instant::now();
            prune(pool);
        }
        std::thread::park_timeout(POLL);
    }
    Ok(())
}

fn followable(pool: &DbPool, seq: i64) -> Result<bool, Failure> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    store::can_follow_from(&mut conn, seq).map_err(|e| e.to_string())
}

fn prune(pool: &DbPool) {
    let pruned = pool
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| store::prune(&mut conn, db::now() - KEEP_CHANGES).map_err(|e| e.to_string()));
    if let Err(why) = pruned {
        log::warn!("cannot prune search changes: {why}");
    }
}

fn commit(writer: &mut IndexWriter<TantivyDocument>, progress: &Progress) -> Result<(), Failure> {
    let payload = serde_json::to_string(progress).map_err(|e| e.to_string())?;
    let mut prepared = writer.prepare_commit().map_err(|e| format!("cannot commit the index: {e}"))?;
    prepared.set_payload(&payload);
    prepared.commit().map_err(|e| format!("cannot commit the index: {e}"))?;
    Ok(())
}

/// Applies the next batch of changes and of articles come due; returns whether
/// anything was applied.
fn step(
    search: &Search,
    writer: &mut IndexWriter<TantivyDocument>,
    pool: &DbPool,
    progress: &mut Progress,
) -> Result<bool, Failure> {
    let now = db::now();
    let (seq, ids, documents) = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let changes = store::changes_after(&mut conn, progress.seq, BATCH).map_err(|e| e.to_string())?;
        let due = store::came_due(&mut conn, progress.clock, now).map_err(|e| e.to_string())?;
        let seq = changes.last().map_or(progress.seq, |(seq, _)| *seq);
        let ids: BTreeSet<i32> = changes.iter().map(|(_, id)| *id).chain(due).collect();
        if ids.is_empty() {
            progress.clock = now;
            return Ok(false);
        }
        let ids: Vec<i32> = ids.into_iter().collect();
        let documents = store::documents(&mut conn, &ids).map_err(|e| e.to_string())?;
        (seq, ids, documents)
    };
    // Replace: delete every changed id, add back those that still exist.
    for id in &ids {
        writer.delete_term(Term::from_field_u64(search.fields.id, u64::try_from(*id).unwrap_or_default()));
    }
    for (row, tags) in &documents {
        writer.add_document(search.fields.document(row, tags, now)).map_err(|e| e.to_string())?;
    }
    let next = Progress { schema: SCHEMA_VERSION, seq, clock: now, complete: true };
    commit(writer, &next)?;
    search.reader.reload().map_err(|e| format!("cannot reload the index: {e}"))?;
    *progress = next;
    Ok(true)
}

/// Rebuilds the whole index from the articles table. Returns the progress it reached,
/// or `None` when stopped before the end. `report(done, total)` is called as it goes.
pub fn rebuild(
    search: &Search,
    writer: &mut IndexWriter<TantivyDocument>,
    pool: &DbPool,
    stop: &AtomicBool,
    mut report: impl FnMut(u64, u64),
) -> Result<Option<Progress>, Failure> {
    let started = Instant::now();
    let (seq, clock, total) = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let seq = store::last_seq(&mut conn).map_err(|e| e.to_string())?;
        let total = store::article_count(&mut conn).map_err(|e| e.to_string())?;
        (seq, db::now(), u64::try_from(total).unwrap_or_default())
    };
    search.set_readiness(Readiness::Building { done: 0, total });
    writer.delete_all_documents().map_err(|e| e.to_string())?;
    let mut partial = Progress { schema: SCHEMA_VERSION, seq, clock, complete: false };
    let (mut after, mut done) = (0, 0u64);
    loop {
        if stop.load(Ordering::Acquire) {
            return Ok(None);
        }
        let batch = {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            store::documents_after(&mut conn, after, REBUILD_BATCH).map_err(|e| e.to_string())?
        };
        let Some((last, _)) = batch.last() else { break };
        after = last.id;
        for (row, tags) in &batch {
            writer.add_document(search.fields.document(row, tags, clock)).map_err(|e| e.to_string())?;
        }
        done += batch.len() as u64;
        commit(writer, &partial)?;
        search.set_readiness(Readiness::Building { done, total: total.max(done) });
        report(done, total.max(done));
    }
    partial.complete = true;
    commit(writer, &partial)?;
    search.reader.reload().map_err(|e| format!("cannot reload the index: {e}"))?;
    log::info!("search index built: {done} articles in {:.1} s", started.elapsed().as_secs_f64());
    Ok(Some(partial))
}
