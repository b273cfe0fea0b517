//! Article search: a Tantivy index beside the database, kept in step by the indexer
//! (`indexer.rs`) from the change table, and queried on a small pool of threads sized
//! to the cores. Routes use this door only: [`Search::find`], [`Search::suggest`] and
//! the text helpers re-exported here.

pub mod analysis;
pub mod engine;
mod highlight;
pub mod indexer;
pub mod schema;

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use self::engine::{Filters, Found, Hit, Order, Window, COUNT_CAP};
pub use self::highlight::{escape, highlight, snippet, Query, MAX_QUERY_CHARS};
use self::schema::{Fields, SCHEMA_VERSION};
use crate::error::ApiError;

/// How long a search waits for a free slot before answering 503.
pub const SLOT_WAIT: Duration = Duration::from_secs(1);

/// What the index has applied, stored in each commit's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// [`SCHEMA_VERSION`] of the index.
    pub schema: u32,
    /// Every change up to this sequence number is applied.
    pub seq: i64,
    /// Articles that came due up to this time are indexed as visible.
    pub clock: NaiveDateTime,
    /// False while a rebuild is under way (an interrupted one starts over).
    pub complete: bool,
}

/// Whether search can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// The index is being built from the database.
    Building {
        done: u64,
        total: u64,
    },
    Ready,
    /// The indexer stopped on an error (logged); search answers 503.
    Failed(String),
}

impl std::fmt::Display for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Building { done, total } => write!(f, "building the index: {done} of {total} articles"),
            Self::Ready => write!(f, "ready"),
            Self::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// One suggestion: a title that matches as typed.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub id: i32,
    pub slug: String,
    pub title: String,
    /// Seconds since the epoch.
    pub published_at: Option<i64>,
}

/// A search to run: folded terms, filters, order and page.
#[derive(Debug, Clone)]
pub struct Plan {
    pub terms: Vec<String>,
    pub filters: Filters,
    pub order: Order,
    pub window: Window,
    /// Whether to count the matches (page mode).
    pub count: bool,
}

type Job = Box<dyn FnOnce() + Send>;

/// The article index, its reader, and the slots and threads searches run on.
pub struct Search {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    readiness: RwLock<Readiness>,
    applied: AtomicI64,
    /// One permit per search allowed to score at once.
    pub slots: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

impl Search {
    /// Opens the index in `dir`, or creates an empty one there when it is missing,
    /// unreadable or of another schema (the indexer then rebuilds it), and starts
    /// `slots` search threads.
    pub fn open(dir: &Path, slots: usize) -> Result<Arc<Self>, String> {
        let (index, reader, progress) = match open_existing(dir) {
            Ok(found) => found,
            Err(why) => {
                if dir.exists() {
                    log::warn!("search index at {} is not usable ({why}); rebuilding it", dir.display());
                }
                let index = create_empty(dir)?;
                (index.clone(), reader_of(&index)?, None)
            }
        };
        let (_, fields) = Fields::schema();
        let slots = slots.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..slots {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("search-{n}"))
                .spawn(move || loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panic fails this search (its caller sees an error), not the thread.
                        Ok(job) => drop(std::panic::catch_unwind(AssertUnwindSafe(job))),
                        Err(_) => return,
                    }
                })
                .map_err(|e| format!("cannot start search threads: {e}"))?;
        }
        let ready = progress.filter(|p| p.complete);
        Ok(Arc::new(Self {
            index,
            reader,
            fields,
            readiness: RwLock::new(if ready.is_some() {
                Readiness::Ready
            } else {
                Readiness::Building { done: 0, total: 0 }
            }),
            applied: AtomicI64::new(ready.map_or(0, |p| p.seq)),
            slots: Arc::new(Semaphore::new(slots)),
            jobs: sender,
        }))
    }

    /// Whether search can answer, and if not why.
    pub fn readiness(&self) -> Readiness {
        self.readiness.read().map_or_else(|e| e.into_inner().clone(), |r| r.clone())
    }

    fn set_readiness(&self, readiness: Readiness) {
        match self.readiness.write() {
            Ok(mut r) => *r = readiness,
            Err(e) => *e.into_inner() = readiness,
        }
    }

    /// The sequence number of the last change the searchable index reflects.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// The progress stored with the index's last commit.
    pub fn progress(&self) -> Option<Progress> {
        stored_progress(&self.index)
    }

    fn ensure_ready(&self) -> Result<(), ApiError> {
        match self.readiness() {
            Readiness::Ready => Ok(()),
            other => Err(ApiError::Unavailable { detail: format!("search is unavailable: {other}"), retry_after: 5 }),
        }
    }

    /// Runs `work` on a search thread once a slot is free; 503 when none frees up
    /// within [`SLOT_WAIT`].
    async fn on_slot<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.ensure_ready()?;
        let busy = || ApiError::Unavailable {
            detail: "every search slot is busy; try again in a moment".to_owned(),
            retry_after: 1,
        };
        let permit: OwnedSemaphorePermit = actix_web::rt::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit = permit;
            let _ = tx.send(work());
        });
        self.jobs.send(job).map_err(|_| ApiError::internal("search threads are gone"))?;
        rx.await.map_err(|_| ApiError::internal("a search failed"))?
    }

    /// Makes the plan with `prepare` (which may read the database, e.g. to turn slugs
    /// into ids, and gives its connection back), runs it (hits in its order and window,
    /// and the count when asked), then `then` with them, all on one search thread.
    /// `then` is where the page's rows are loaded and highlighted: all the work of a
    /// search stays within its slot, so searches can never take more cores than there
    /// are slots. No database connection is held while scoring.
    pub async fn find<T: Send + 'static>(
        self: &Arc<Self>,
        prepare: impl FnOnce() -> Result<Plan, ApiError> + Send + 'static,
        then: impl FnOnce(Found) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let this = self.clone();
        self.on_slot(move || then(this.score(&prepare()?)?)).await
    }

    fn score(&self, plan: &Plan) -> Result<Found, ApiError> {
        let searcher = self.reader.searcher();
        let fields = &self.fields;
        let Some(query) = engine::build(fields, fields.text, fields.prefix, &plan.terms, &plan.filters) else {
            return Ok(Found { hits: Vec::new(), total: plan.count.then_some((0, false)) });
        };
        let hits = engine::page(&searcher, query.as_ref(), plan.order, plan.window).map_err(ApiError::internal)?;
        let total =
            if plan.count { Some(engine::count(&searcher, query.as_ref()).map_err(ApiError::internal)?) } else { None };
        Ok(Found { hits, total })
    }

    /// Up to `limit` visible articles whose titles match `terms` as typed (the last
    /// word as a prefix), best first.
    pub async fn suggest(self: &Arc<Self>, terms: Vec<String>, limit: usize) -> Result<Vec<Suggestion>, ApiError> {
        let this = self.clone();
        self.on_slot(move || {
            let searcher = this.reader.searcher();
            let fields = &this.fields;
            let Some(query) = engine::build(fields, fields.title, fields.title_prefix, &terms, &Filters::visible())
            else {
                return Ok(Vec::new());
            };
            let window = Window::Offset { offset: 0, limit };
            let hits = engine::page(&searcher, query.as_ref(), Order::Relevance, window).map_err(ApiError::internal)?;
            hits.iter()
                .map(|hit| {
                    let doc: TantivyDocument = searcher.doc(hit.address).map_err(ApiError::internal)?;
                    let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                    let published_at = searcher
                        .segment_reader(hit.address.segment_ord)
                        .fast_fields()
                        .i64("published_at")
                        .map_err(ApiError::internal)?
                        .first(hit.address.doc_id)
                        .filter(|at| *at != i64::MIN);
                    Ok(Suggestion { id: hit.id, slug: text(fields.slug), title: text(fields.title), published_at })
                })
                .collect()
        })
        .await
    }
}

/// The progress in the payload of `index`'s last commit.
fn stored_progress(index: &Index) -> Option<Progress> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(analysis::WORDS, analysis::Folded::WORDS);
    index.tokenizers().register(analysis::PREFIXES, analysis::Folded::PREFIXES);
}

/// What an index directory holds, read without changing it (for `bantin check`).
#[derive(Debug)]
pub struct Inspection {
    /// The article id of every document.
    pub ids: Vec<i32>,
    /// How far the index has followed the database, if it says.
    pub progress: Option<Progress>,
}

/// Reads the index in `dir` as it is; an error says why it is not usable (a server
/// would rebuild it).
pub fn inspect(dir: &Path) -> Result<Inspection, String> {
    let (_, reader, progress) = open_existing(dir)?;
    let ids = engine::all_ids(&reader.searcher(), &tantivy::query::AllQuery).map_err(|e| e.to_string())?;
    Ok(Inspection { ids, progress })
}

/// A reader of `index` reloaded by the indexer after each commit.
fn reader_of(index: &Index) -> Result<IndexReader, String> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| format!("cannot read the search index: {e}"))
}

/// The index in `dir` with its reader, if it is readable and of this schema version.
fn open_existing(dir: &Path) -> Result<(Index, IndexReader, Option<Progress>), String> {
    let index = Index::open_in_dir(dir).map_err(|e| e.to_string())?;
    let (schema, _) = Fields::schema();
    if index.schema() != schema {
        return Err("its fields differ from this version's".to_owned());
    }
    let progress = stored_progress(&index);
    if progress.is_some_and(|p| p.schema != SCHEMA_VERSION) {
        return Err("it was built by another version".to_owned());
    }
    register_tokenizers(&index);
    // Every segment must open: a missing or damaged file shows here.
    let reader = reader_of(&index)?;
    Ok((index, reader, progress))
}

/// A new, empty index in `dir` (whatever was there is removed).
fn create_empty(dir: &Path) -> Result<Index, String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (schema, _) = Fields::schema();
    let index = Index::create_in_dir(dir, schema).map_err(|e| format!("cannot create the search index: {e}"))?;
    register_tokenizers(&index);
    Ok(index)
}
