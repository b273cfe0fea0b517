//! What every handler can reach: the pool, the caches and the shared services.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::generation::ContentGeneration;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: crate::db::DbPool,
    /// A PostgreSQL streaming replica for anonymous reads (`BANTIN_DATABASE_REPLICA`).
    pub replica: Option<crate::db::DbPool>,
    /// Buffered view counts, shared by all workers and the flusher.
    pub views: Arc<crate::views::ViewBuffer>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// Requests per minute per address; `None` when off.
    pub rate_limit: Option<Arc<crate::http::rate_limit::RateLimit>>,
    /// Browser origins allowed by CORS (`*` for any).
    pub cors_origins: Arc<Vec<String>>,
    /// Prometheus series.
    pub metrics: Arc<crate::http::metrics::Metrics>,
    /// The version of all content, bumped by every write.
    pub content: Arc<ContentGeneration>,
    /// Anonymous reads kept in memory.
    pub responses: Arc<crate::http::response_cache::ResponseCache>,
    /// The article search index.
    pub search: Arc<crate::search::Search>,
    /// API tokens, verified in memory.
    pub tokens: Arc<crate::auth::Tokens>,
    /// When a write was last refused because the database could not grow.
    pub space: Arc<crate::db::Space>,
    /// Revisions kept per article.
    pub revisions_keep: u32,
    /// The media folder.
    pub media: Arc<crate::media::store::Library>,
    /// The webhook delivery worker.
    pub webhooks: Arc<crate::webhooks::Webhooks>,
    /// The public site's feeds and sitemaps.
    pub feeds: Arc<crate::feeds::Feeds>,
    /// The static frontend served at `/` (`--site`), if any.
    pub site: Option<std::path::PathBuf>,
}

impl AppState {
    /// State over `pool` with the server settings `args` and the search index in
    /// `search_dir` (the indexer that fills it is started apart: [`crate::search::indexer::Indexer`]).
    pub fn new(
        pool: crate::db::DbPool,
        args: &crate::config::ServeArgs,
        search_dir: &std::path::Path,
        media_dir: &std::path::Path,
    ) -> Result<Self, String> {
        let content = Arc::new(ContentGeneration::default());
        let views = crate::views::ViewBuffer::new(Duration::from_secs(args.view_dedupe_secs), content.clone());
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        views.load_published(&mut conn).map_err(|e| format!("cannot load articles: {e}"))?;
        views.load_counts(&mut conn).map_err(|e| format!("cannot load view counts: {e}"))?;
        let dialect = conn.dialect();
        drop(conn);
        let views = Arc::new(views);
        match dialect {
            // Commands (imports) write beside the server: it checks for them.
            crate::db::Dialect::Sqlite => crate::views::ViewBuffer::watch_outside(&views, pool.clone())?,
            // Other processes (servers and commands) write beside this one.
            crate::db::Dialect::Pg => crate::cluster::follow(pool.clone(), &views)?,
        }
        crate::trash::start(pool.clone(), args.trash_days, &views)?;
        let feeds = Arc::new(crate::feeds::Feeds::from_settings(args)?);
        let site = feeds.site.clone();
        Ok(Self {
            pool: pool.clone(),
            replica: None,
            views,
            trusted_proxies: Arc::new(args.trusted_proxies.clone()),
            rate_limit: crate::http::rate_limit::RateLimit::new(args.rate_limit).map(Arc::new),
            cors_origins: Arc::new(
                args.cors_origins.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect(),
            ),
            metrics: Arc::new(crate::http::metrics::Metrics::new().map_err(|e| format!("metrics: {e}"))?),
            responses: Arc::new(crate::http::response_cache::ResponseCache::new(content.clone())),
            content,
            search: crate::search::Search::open(search_dir, args.search_slots())?,
            tokens: crate::auth::Tokens::start(pool.clone())?,
            space: Arc::default(),
            revisions_keep: args.revisions_keep,
            media: Arc::new(crate::media::store::Library::open(media_dir)?),
            webhooks: crate::webhooks::Webhooks::start(
                pool.clone(),
                args.webhook_allow_private,
                Arc::new(move |conn, id| crate::routes::articles::event_data(conn, id, site.as_deref())),
            )?,
            feeds,
            site: args.site.as_deref().map(crate::routes::site::folder).transpose()?,
        })
    }
}
