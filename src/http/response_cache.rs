//! Anonymous reads served from memory.
//!
//! A news API is read far more than written, and every anonymous reader of an article
//! or a list page gets the same bytes. Successful anonymous `GET`s under `/api/` are
//! kept (body and headers) keyed by path and query, and tagged with the content
//! generation current when they were computed. Every successful write bumps the
//! generation before its response leaves the server: an entry from an older
//! generation is never served, so after a write returns the next read sees the
//! change. What changes by time alone (a scheduled article coming due, a new UTC day
//! for most-read windows) bumps the generation too, from the view flusher's tick.
//!
//! View counts are kept apart from content. A view flush bumps only the views
//! generation: an entry keeps its content and, when served after a flush, takes the
//! current `view_count` of each article in it (the positions of the numbers are found
//! once, when the entry is stored) and the single-article `ETag` is rewritten with it
//! (list tags are hashes of the served body, so they change too). Only answers made
//! or ordered by views (most read, view history, `sort=view_count`) are outdated by a
//! flush.

use crate::generation::ContentGeneration;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
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
use crate::state::AppState;

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

/// Whether an answer is made or ordered by views, beyond the counts it shows: such
/// answers are outdated by every view flush.
fn depends_on_views(path: &str, query: &str) -> bool {
    path.ends_with("/views")
        || path == "/api/v1/articles/popular"
        || query.split('&').any(|pair| matches!(pair, "sort=view_count" | "sort=-view_count" | "sort=%2Dview_count"))
}

/// Where an article's `view_count` number stands in a cached body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CountAt {
    start: usize,
    end: usize,
    article: i32,
}

struct Entry {
    fresh_until: Instant,
    refreshing: AtomicBool,
    generation: u64,
    /// The views generation the counts in `body` are from.
    views: u64,
    /// Outdated by any view flush (see [`depends_on_views`]).
    by_views: bool,
    counts: Vec<CountAt>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

const COUNT_KEY: &[u8] = b"\"view_count\":";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The `view_count` numbers of `body` with their articles, in order: one article, or
/// the items of `data`. `None` when the body's counts cannot be matched to articles.
fn count_spots(body: &[u8]) -> Option<Vec<CountAt>> {
    // One article starts with its own id (`{"id":12,`): no need to parse its body.
    if let Some(rest) = body.strip_prefix(b"{\"id\":") {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let article: i32 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
        let Some(key) = find(body, COUNT_KEY) else {
            // A category or tag: no view count.
            return Some(Vec::new());
        };
        let start = key + COUNT_KEY.len();
        let end = start + body[start..].iter().take_while(|b| b.is_ascii_digit()).count();
        return match find(&body[end..], COUNT_KEY) {
            Some(_) => None,
            None => Some(vec![CountAt { start, end, article }]),
        };
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = |item: &serde_json::Value| item.get("id")?.as_i64().and_then(|id| i32::try_from(id).ok());
    let articles: Vec<i32> = if value.get("view_count").is_some() {
        vec![id(&value)?]
    } else {
        match value.get("data").and_then(|data| data.as_array()) {
            Some(items) => {
                items.iter().filter(|item| item.get("view_count").is_some()).map(id).collect::<Option<_>>()?
            }
            None => Vec::new(),
        }
    };
    // A key inside a string is escaped (`\"view_count\":`), so every unescaped one is
    // a field, in the order the items were written.
    let mut spots = Vec::with_capacity(articles.len());
    let mut from = 0;
    for article in articles {
        let start = from + find(&body[from..], COUNT_KEY)? + COUNT_KEY.len();
        let end = start + body[start..].iter().take_while(|b| b.is_ascii_digit()).count();
        spots.push(CountAt { start, end, article });
        from = end;
    }
    match find(&body[from..], COUNT_KEY) {
        Some(_) => None,
        None => Some(spots),
    }
}

impl Entry {
    /// This entry with the view counts `count_of` gives now, as of views generation
    /// `views`; a single article's `ETag` (`W/"a1-v2.{count}"`) follows its count.
    fn recounted(&self, views: u64, count_of: impl Fn(i32) -> i64) -> Self {
        let mut body = Vec::with_capacity(self.body.len() + 8 * self.counts.len());
        let mut counts = Vec::with_capacity(self.counts.len());
        let mut at = 0;
        // Each count read once, so a single article's body and ETag agree.
        let now: Vec<i64> = self.counts.iter().map(|spot| count_of(spot.article)).collect();
        for (spot, count) in self.counts.iter().zip(&now) {
            body.extend_from_slice(&self.body[at..spot.start]);
            let start = body.len();
            body.extend_from_slice(count.to_string().as_bytes());
            counts.push(CountAt { start, end: body.len(), article: spot.article });
            at = spot.end;
        }
        body.extend_from_slice(&self.body[at..]);
        let mut headers = self.headers.clone();
        if let [count] = now.as_slice() {
            for (name, value) in &mut headers {
                let tag = value.to_str().ok().filter(|_| *name == actix_web::http::header::ETAG);
                if let Some(tag) = tag.and_then(|tag| tag.rfind('.').map(|dot| &tag[..dot])) {
                    if let Ok(new) = HeaderValue::from_str(&format!("{tag}.{count}\"")) {
                        *value = new;
                    }
                }
            }
        }
        Self {
            fresh_until: self.fresh_until,
            refreshing: AtomicBool::new(false),
            generation: self.generation,
            views,
            by_views: self.by_views,
            counts,
            headers,
            body: Bytes::from(body),
        }
    }
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

    /// The entry to serve for `key`: none when absent or outdated by a write (or by a
    /// view flush, for answers made by views), or when it is stale and this reader is
    /// the one to recompute it. Counts changed by a flush are brought up to date with
    /// `count_of`.
    fn get(&self, single_article: bool, key: &str, count_of: impl Fn(i32) -> i64) -> Option<Arc<Entry>> {
        let views = self.generation.views();
        let mut entry = self
            .of(single_article)
            .get(key)
            .filter(|entry| entry.generation == self.generation.current())
            .filter(|entry| !entry.by_views || entry.views == views)?;
        // An answer without counts (a category, a tag list) has nothing to bring up to date.
        if entry.views != views && !entry.counts.is_empty() {
            let recounted = Arc::new(entry.recounted(views, count_of));
            self.of(single_article).insert(key.to_owned(), recounted.clone());
            entry = recounted;
        }
        if Instant::now() < entry.fresh_until || entry.refreshing.swap(true, Ordering::AcqRel) {
            return Some(entry);
        }
        None
    }
}

/// Whether a successful request changed content (recording a view does not: the
/// flush bumps the views generation itself).
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
    let by_views = depends_on_views(req.path(), req.query_string());
    let views = state.views.clone();
    let count_of = move |article| views.view_count(article);
    if let Some(entry) = state.responses.get(single_article, &key, &count_of) {
        return Ok(serve(req, &entry));
    }
    let _flight = match state.responses.join(&key) {
        Turn::Lead(flight) => Some(flight),
        Turn::Wait(done) => {
            done.await;
            if let Some(entry) = state.responses.get(single_article, &key, &count_of) {
                return Ok(serve(req, &entry));
            }
            // The leader's answer was not cacheable (or is already outdated): compute.
            None
        }
    };
    let generation = state.content.current();
    let views_generation = state.content.views();
    // What fills the anonymous cache may be read from a replica (when current).
    let response = crate::db::replica::reading_from(state.replica.clone(), next.call(req)).await?;
    if response.status() != StatusCode::OK {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let body = body_bytes(body).await?;
    let headers = response.headers().iter().map(|(n, v)| (n.clone(), v.clone())).collect();
    let counts = if by_views { None } else { count_spots(&body) };
    let entry = Entry {
        fresh_until: Instant::now() + fresh_for,
        refreshing: AtomicBool::new(false),
        generation,
        views: views_generation,
        // Counts that cannot be placed: outdated by flushes, as before.
        by_views: by_views || counts.is_none(),
        counts: counts.unwrap_or_default(),
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
    fn counts_are_found_in_articles_and_lists_and_replaced_in_place() {
        let list = br#"{"data":[{"id":7,"title":"\"view_count\":9","category":{"id":1},"view_count":12,"version":1},{"id":8,"view_count":0}],"meta":{"total":2}}"#;
        let spots = count_spots(list).expect("spots");
        assert_eq!(
            spots.iter().map(|s| (s.article, &list[s.start..s.end])).collect::<Vec<_>>(),
            [(7, &b"12"[..]), (8, &b"0"[..])]
        );
        let entry = Entry {
            fresh_until: Instant::now(),
            refreshing: AtomicBool::new(false),
            generation: 0,
            views: 0,
            by_views: false,
            counts: spots,
            headers: Vec::new(),
            body: Bytes::from_static(list),
        };
        let recounted = entry.recounted(1, |article| if article == 7 { 1500 } else { 3 });
        let value: serde_json::Value = serde_json::from_slice(&recounted.body).expect("json");
        assert_eq!(value["data"][0]["view_count"], 1500);
        assert_eq!(value["data"][1]["view_count"], 3);
        assert_eq!(value["data"][0]["title"], "\"view_count\":9");
        let again = recounted.recounted(2, |_| 4);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&again.body).expect("json")["data"][0]["view_count"], 4);

        let one = br#"{"id":3,"tags":[{"id":4}],"view_count":5,"body":"<p>x</p>"}"#;
        let entry = Entry {
            counts: count_spots(one).expect("spots"),
            headers: vec![(actix_web::http::header::ETAG, HeaderValue::from_static("W/\"a3-v2.5\""))],
            body: Bytes::from_static(one),
            ..entry
        };
        let recounted = entry.recounted(1, |_| 6);
        assert_eq!(recounted.headers[0].1, "W/\"a3-v2.6\"");
        assert!(
            count_spots(br#"{"data":[{"id":1,"view_count":1}],"extra":{"view_count":2}}"#).is_none(),
            "unplaceable"
        );
        assert_eq!(count_spots(br#"{"data":[{"id":1,"name":"x"}]}"#), Some(Vec::new()));
        assert_eq!(count_spots(r#"{"id":4,"name":"Thời sự","article_count":3}"#.as_bytes()), Some(Vec::new()));
    }

    #[test]
    fn answers_made_by_views_are_known_by_their_url() {
        assert!(depends_on_views("/api/v1/articles/popular", "window=day"));
        assert!(depends_on_views("/api/v1/articles/3/views", ""));
        assert!(depends_on_views("/api/v1/articles", "q=x&sort=-view_count"));
        assert!(!depends_on_views("/api/v1/articles", "sort=-published_at"));
        assert!(!depends_on_views("/api/v1/articles/slug/tin-moi", ""));
    }

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
