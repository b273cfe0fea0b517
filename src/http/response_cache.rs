//! Anonymous reads served from memory.
//!
//! A news API is read far more than written, and every anonymous reader of an article
//! or a list page gets the same bytes. Successful anonymous `GET`s under `/api/` are
//! kept (body and headers) keyed by path and query, and tagged with the content
//! generation current when they were computed. Every successful write bumps the
//! generation before its response leaves the server, and so does every view flush
//! that wrote something: an entry from an older generation is never served, so after
//! a write returns the next read sees the change. What changes by time alone (a
//! scheduled article coming due, a new UTC day for most-read windows) bumps the
//! generation too, from the view flusher's tick (every `BANTIN_VIEW_FLUSH_MS`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use moka::sync::Cache;
use tokio::sync::futures::OwnedNotified;
use tokio::sync::Notify;

use super::body_bytes;
use crate::AppState;

/// Bytes of cached single articles at most.
const MAX_ARTICLE_BYTES: u64 = 24 * 1024 * 1024;
/// Bytes of cached lists, counts and the rest at most. Kept apart from articles, so
/// a stream of cold articles cannot push the hot lists out.
const MAX_LIST_BYTES: u64 = 8 * 1024 * 1024;
/// How long a list or count is fresh. What time alone changes (a scheduled article
/// coming due, a new UTC day) bumps the generation through the flusher's tick, so this
/// only refreshes what nothing else covers. When an entry is not fresh, the first
/// reader recomputes it while the others still get it (same generation only), so a
/// hot list never makes every reader hit the database at once.
const FRESH_FOR: Duration = Duration::from_secs(300);
/// One visible article changes only by writes (which bump the generation), never by
/// time alone: it stays fresh until evicted or outdated.
const ARTICLE_FRESH_FOR: Duration = Duration::from_secs(3600);
/// Longest an entry is kept at all.
const TIME_TO_LIVE: Duration = Duration::from_secs(3600);

/// Whether `path` is one article (`/api/v1/articles/{id}` or `/slug/{slug}`).
fn is_single_article(path: &str) -> bool {
    match path.strip_prefix("/api/v1/articles/") {
        Some(rest) => match rest.strip_prefix("slug/") {
            Some(slug) => !slug.contains('/'),
            None => rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty(),
        },
        None => false,
    }
}

/// The version of all content: bumped by every write.
#[derive(Debug, Default)]
pub struct ContentGeneration(AtomicU64);

impl ContentGeneration {
    /// The current generation.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Marks every cached answer as outdated.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

struct Entry {
    fresh_until: Instant,
    refreshing: AtomicBool,
    generation: u64,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

/// The cache of anonymous reads.
pub struct ResponseCache {
    articles: Cache<String, Arc<Entry>>,
    lists: Cache<String, Arc<Entry>>,
    generation: Arc<ContentGeneration>,
    /// Answers being computed, so concurrent readers of a missing entry wait for the
    /// first instead of all hitting the database (after a write or flush outdates a
    /// hot list, or at start).
    in_flight: Mutex<HashMap<String, Arc<Notify>>>,
}

/// Whether this reader computes a missing answer or waits for the one computing it.
enum Turn<'a> {
    Lead(Flight<'a>),
    Wait(OwnedNotified),
}

/// The right to compute an answer; others are woken when it ends (even by a panic).
struct Flight<'a> {
    cache: &'a ResponseCache,
    key: String,
    done: Arc<Notify>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        lock(&self.cache.in_flight).remove(&self.key);
        self.done.notify_waiters();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ResponseCache {
    /// An empty cache invalidated by `generation`.
    pub fn new(generation: Arc<ContentGeneration>) -> Self {
        let cache = |bytes| {
            Cache::builder()
                .max_capacity(bytes)
                .weigher(|key: &String, entry: &Arc<Entry>| {
                    u32::try_from(key.len() + entry.body.len()).unwrap_or(u32::MAX)
                })
                .time_to_live(TIME_TO_LIVE)
                .build()
        };
        Self {
            articles: cache(MAX_ARTICLE_BYTES),
            lists: cache(MAX_LIST_BYTES),
            generation,
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Joins the computation of `key`: the first reader leads; the others get a future
    /// that resolves when it ends (created under the lock, so no wake-up is missed).
    fn join(&self, key: &str) -> Turn<'_> {
        let mut flights = lock(&self.in_flight);
        if let Some(done) = flights.get(key) {
            return Turn::Wait(done.clone().notified_owned());
        }
        let done = Arc::new(Notify::new());
        flights.insert(key.to_owned(), done.clone());
        Turn::Lead(Flight { cache: self, key: key.to_owned(), done })
    }

    fn of(&self, single_article: bool) -> &Cache<String, Arc<Entry>> {
        if single_article {
            &self.articles
        } else {
            &self.lists
        }
    }

    /// The entry to serve for `key`: none when absent or outdated by a write, or
    /// when it is stale and this reader is the one to recompute it.
    fn get(&self, single_article: bool, key: &str) -> Option<Arc<Entry>> {
        let entry = self.of(single_article).get(key).filter(|entry| entry.generation == self.generation.current())?;
        if Instant::now() < entry.fresh_until || entry.refreshing.swap(true, Ordering::AcqRel) {
            return Some(entry);
        }
        None
    }
}

/// Whether a successful request changed content (recording a view does not until
/// the flush, which bumps the generation itself).
fn writes_content(req: &ServiceRequest) -> bool {
    req.method() != Method::GET && !(req.method() == Method::POST && req.path().ends_with("/views"))
}

/// Serves anonymous reads from the cache, fills it, and bumps the generation after
/// writes.
pub async fn response_cache(
    req: ServiceRequest,
    next: Next<impl MessageBody<Error = impl Into<Box<dyn std::error::Error>>> + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let api = req.path().starts_with("/api/");
    let cacheable = api && req.method() == Method::GET && !req.headers().contains_key(AUTHORIZATION);
    if !cacheable {
        let writes = api && writes_content(&req);
        let response = next.call(req).await?.map_into_boxed_body();
        if writes && response.status().is_success() {
            state.content.bump();
        }
        return Ok(response);
    }
    let key = req.uri().to_string();
    let single_article = is_single_article(req.path());
    let fresh_for = if single_article { ARTICLE_FRESH_FOR } else { FRESH_FOR };
    let serve = |req: ServiceRequest, entry: &Entry| {
        let mut response = HttpResponse::build(StatusCode::OK);
        for (name, value) in &entry.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        ServiceResponse::new(req.into_parts().0, response.body(entry.body.clone()))
    };
    if let Some(entry) = state.responses.get(single_article, &key) {
        return Ok(serve(req, &entry));
    }
    let _flight = match state.responses.join(&key) {
        Turn::Lead(flight) => Some(flight),
        Turn::Wait(done) => {
            done.await;
            if let Some(entry) = state.responses.get(single_article, &key) {
                return Ok(serve(req, &entry));
            }
            // The leader's answer was not cacheable (or is already outdated): compute.
            None
        }
    };
    let generation = state.content.current();
    let response = next.call(req).await?;
    if response.status() != StatusCode::OK {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let body = body_bytes(body).await?;
    let headers = response.headers().iter().map(|(n, v)| (n.clone(), v.clone())).collect();
    let entry = Entry {
        fresh_until: Instant::now() + fresh_for,
        refreshing: AtomicBool::new(false),
        generation,
        headers,
        body: body.clone(),
    };
    state.responses.of(single_article).insert(key, Arc::new(entry));
    Ok(ServiceResponse::new(req, response.set_body(BoxBody::new(body))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_article_lives_long() {
        for (path, single) in [
            ("/api/v1/articles/12", true),
            ("/api/v1/articles/slug/bao-so-5", true),
            ("/api/v1/articles", false),
            ("/api/v1/articles/12/related", false),
            ("/api/v1/articles/12/views", false),
            ("/api/v1/articles/popular", false),
            ("/api/v1/categories/3", false),
        ] {
            assert_eq!(is_single_article(path), single, "{path}");
        }
    }
}
