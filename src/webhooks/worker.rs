//! The delivery worker: one thread with its own async runtime, apart from the HTTP
//! workers. Every [`POLL`] (or at once when woken) it takes each subscription's oldest
//! pending delivery that is due, at most [`IN_FLIGHT`] at a time and one per
//! subscription, sends it, and records the outcome with the next try. Every second it
//! announces scheduled articles whose time has come. All its state is in the
//! database, so deliveries survive restarts. Of several processes sharing a
//! PostgreSQL database, only the [`Leader`](crate::cluster::Leader) delivers.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::guard::{self, Guarded};
use crate::db::webhooks::{self as store, Due, Outcome};
use crate::db::Conn;
use crate::db::{self, DbPool};
use crate::error::ApiError;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How often due deliveries are looked for when nothing wakes the worker.
pub const POLL: Duration = Duration::from_millis(250);
/// Deliveries in flight at once (each to a different subscription).
pub const IN_FLIGHT: usize = 32;
/// How often scheduled articles are checked for having come due.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(1);
/// How often old deliveries are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The API object of article `id` as an editor sees it, for `article.published`.
pub type ArticleData = Arc<dyn Fn(&mut Conn, i32) -> Result<serde_json::Value, ApiError> + Send + Sync>;

/// The running worker; it stops when the last holder drops this.
pub struct Webhooks {
    wake: Arc<Notify>,
    /// Whether receivers on inner addresses are allowed.
    pub allow_private: bool,
}

impl Webhooks {
    /// Starts the worker over `pool`.
    pub fn start(pool: DbPool, allow_private: bool, article: ArticleData) -> Result<Arc<Self>, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Guarded { allow_private }))
            .user_agent(concat!("bantin-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the webhook runtime: {e}"))?;
        let this = Arc::new(Webhooks { wake: Arc::new(Notify::new()), allow_private });
        let worker = Worker { pool, client, wake: this.wake.clone(), allow_private, article };
        let weak = Arc::downgrade(&this);
        std::thread::Builder::new()
            .name("webhooks".to_owned())
            .spawn(move || runtime.block_on(worker.run(weak)))
            .map_err(|e| format!("cannot start the webhook worker: {e}"))?;
        Ok(this)
    }

    /// Looks for due deliveries now (after a change queued some).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

struct Worker {
    pool: DbPool,
    client: reqwest::Client,
    wake: Arc<Notify>,
    allow_private: bool,
    article: ArticleData,
}

/// Runs `work` with a pooled connection on the blocking pool.
async fn blocking<T: Send + 'static>(
    pool: &DbPool,
    work: impl FnOnce(&mut Conn) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        work(&mut conn)
    })
    .await
    .map_err(|e| e.to_string())?
}

impl Worker {
    async fn run(self, alive: Weak<Webhooks>) {
        let this = Arc::new(self);
        let busy: Arc<Mutex<HashSet<i32>>> = Arc::default();
        let mut announced = Instant::now() - ANNOUNCE_EVERY;
        let mut pruned = Instant::now();
        // Of several processes sharing a PostgreSQL database, one delivers.
        let leader = crate::cluster::Leader::new(this.pool.clone());
        while alive.strong_count() > 0 {
            if announced.elapsed() >= ANNOUNCE_EVERY {
                announced = Instant::now();
                let article = this.article.clone();
                if let Err(why) = blocking(&this.pool, move |conn| announce(conn, article)).await {
                    log::warn!("cannot announce scheduled articles (next try soon): {why}");
                }
            }
            let leads = {
                let leader = leader.clone();
                tokio::task::spawn_blocking(move || leader.leads()).await.unwrap_or(false)
            };
            if !leads {
                tokio::select! {
                    () = this.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
                continue;
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = Instant::now();
                if let Err(why) =
                    blocking(&this.pool, |conn| store::prune(conn, db::now()).map_err(|e| e.to_string())).await
                {
                    log::warn!("cannot prune the webhook log: {why}");
                }
            }
            let taken: Vec<i32> = busy.lock().map(|b| b.iter().copied().collect()).unwrap_or_default();
            let room = IN_FLIGHT.saturating_sub(taken.len());
            if room > 0 {
                let limit = i64::try_from(room).unwrap_or(1);
                match blocking(&this.pool, move |conn| {
                    store::due(conn, db::now(), &taken, limit).map_err(|e| e.to_string())
                })
                .await
                {
                    Ok(due) => {
                        for due in due {
                            if let Ok(mut set) = busy.lock() {
                                set.insert(due.delivery.webhook_id);
                            }
                            tokio::spawn(Worker::deliver(this.clone(), busy.clone(), due));
                        }
                    }
                    Err(why) => log::warn!("cannot read due webhook deliveries: {why}"),
                }
            }
            tokio::select! {
                () = this.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Sends `due`, records how it went, and frees its subscription's turn.
    async fn deliver(this: Arc<Worker>, busy: Arc<Mutex<HashSet<i32>>>, due: Due) {
        let outcome = this.send(&due).await;
        let (id, webhook) = (due.delivery.id, due.delivery.webhook_id);
        if let Some(error) = &outcome.error {
            log::info!("webhook {webhook} delivery {id} failed: {error}");
        }
        if let Err(why) =
            blocking(&this.pool, move |conn| store::record(conn, id, &outcome, db::now()).map_err(|e| e.to_string()))
                .await
        {
            log::warn!("cannot record webhook delivery {id} (it will be sent again): {why}");
        }
        if let Ok(mut set) = busy.lock() {
            set.remove(&webhook);
        }
        this.wake.notify_one();
    }

    /// One attempt: a signed POST; success is a 2xx within [`TIMEOUT`].
    async fn send(&self, due: &Due) -> Outcome {
        let failed = |status_code: Option<i32>, error: String| Outcome { status_code, error: Some(error) };
        if let Err(why) = guard::literal_allowed(&due.url, self.allow_private) {
            return failed(None, why);
        }
        let message = format!("msg_{}", due.delivery.id);
        let timestamp = chrono::Utc::now().timestamp();
        let Some(signature) = super::signature(&due.secret, &message, timestamp, &due.body) else {
            return failed(None, "the subscription's secret is malformed".to_owned());
        };
        let sent = self
            .client
            .post(&due.url)
            .header("content-type", "application/json")
            .header("webhook-id", message)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(due.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                let code = Some(i32::from(status.as_u16()));
                if status.is_success() {
                    Outcome { status_code: code, error: None }
                } else if status.is_redirection() {
                    failed(code, format!("HTTP {status}: redirects are not followed"))
                } else {
                    failed(code, format!("HTTP {status}"))
                }
            }
            Err(error) if error.is_timeout() => failed(None, format!("no answer within {} s", TIMEOUT.as_secs())),
            Err(error) => failed(None, describe(&error)),
        }
    }
}

/// An error and its causes, in one line.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// Sends `article.published` for the articles whose scheduled time has come, once
/// each: marking them and queueing the events is one transaction.
fn announce(conn: &mut Conn, article: ArticleData) -> Result<usize, String> {
    let now = db::now();
    if !store::has_unannounced(conn, now).map_err(|e| e.to_string())? {
        return Ok(0);
    }
    // Marks rows already visible: nothing cached changes.
    db::write(conn, db::Changes::Nothing, |conn| {
        let ids = store::announce_due(conn, now)?;
        for id in &ids {
            let data = article(conn, *id)?;
            super::emit(conn, "article.published", &data)?;
        }
        Ok::<_, ApiError>(ids.len())
    })
    .map_err(|e| e.to_string())
}
