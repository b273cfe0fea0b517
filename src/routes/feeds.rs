//! Public feeds and sitemaps, outside `/api/v1`: `/feed.xml`, `/feed.json`,
//! `/sitemap.xml` and `/sitemaps/*.xml`. They answer 404 unless `BANTIN_SITE_URL` is set.

use std::fmt::Display;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::articles::ListFilter;
use crate::db::Conn;
use crate::error::ApiError;
use crate::feeds::sitemap::{self, UrlSet};
use crate::feeds::{json_feed, rss, Channel, FeedArticle, Rendered, Site, FEED_ITEMS};
use crate::routes::{Answer, State};
use crate::{db, etag};

/// The routes of this module, as the spec names them (they share their caching rules).
pub const PATHS: [&str; 6] = [
    "/feed.xml",
    "/feed.json",
    "/sitemap.xml",
    "/sitemaps/articles-{n}.xml",
    "/sitemaps/categories.xml",
    "/sitemaps/news.xml",
];

/// How long shared caches may keep a feed or sitemap.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// The 404 of a feed, as the spec documents it.
const NO_FEED: &str = "No category or tag with this slug, or feeds are off (`BANTIN_SITE_URL` is not set)";
/// The 404 of a sitemap that always exists while sitemaps are on, as the spec documents it.
const SITEMAPS_OFF: &str = "Sitemaps are off (`BANTIN_SITE_URL` is not set)";

/// Filters of a feed.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedFilters {
    /// Only articles in this category (by slug) and its descendants; an unknown slug is a 404.
    #[param(example = "thoi-su")]
    pub category: Option<String>,
    /// Only articles with this tag (by slug); an unknown slug is a 404.
    #[param(example = "thi-dua")]
    pub tag: Option<String>,
}

/// What a document is made of and until when it stays true by time alone.
type Made = (Rendered, Option<NaiveDateTime>);

/// `body` as a document of `content_type`, true until `until`; failing to write it is a 500.
fn made(
    body: Result<Vec<u8>, impl Display>,
    content_type: &'static str,
    until: Option<NaiveDateTime>,
) -> Result<Made, ApiError> {
    Ok((Rendered::new(body.map_err(ApiError::internal)?, content_type), until))
}

/// Serves the document `key` from memory while content has not changed since it was
/// made, else makes it with `make` off the async workers (with a pooled connection)
/// and keeps it; answers 304 when `If-None-Match` names it.
async fn serve<F>(req: &HttpRequest, state: &State, key: String, make: F) -> Answer
where
    F: FnOnce(&mut Conn, &Site, NaiveDateTime) -> Result<Made, ApiError> + Send + 'static,
{
    let site = state.feeds.site.clone().ok_or_else(|| {
        ApiError::NotFound(format!(
            "no resource at {}: feeds and sitemaps are off (BANTIN_SITE_URL is not set)",
            req.path()
        ))
    })?;
    let now = db::now();
    // Read before the database, so that a write made meanwhile outdates what is kept.
    let generation = state.content.current();
    let rendered = match state.feeds.cached(&key, generation, now) {
        Some(rendered) => rendered,
        None => {
            let (rendered, until) = db::run(&state.pool, move |conn| make(conn, &site, now)).await?;
            let rendered = Arc::new(rendered);
            state.feeds.keep(key, generation, until, rendered.clone());
            rendered
        }
    };
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|list| etag::list_matches(list, &rendered.etag)) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, rendered.etag.clone()))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(rendered.content_type)
        .insert_header((header::ETAG, rendered.etag.clone()))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .body(rendered.body.clone()))
}

/// The channel and the articles of a feed with `filters`: 404 for an unknown category
/// or tag.
fn feed_of(
    conn: &mut Conn,
    site: &Site,
    filters: &FeedFilters,
    now: NaiveDateTime,
) -> Result<(Channel, Vec<FeedArticle>), ApiError> {
    let mut filter = ListFilter::visible(now);
    let mut title = site.name.clone();
    let mut link = site.url.clone();
    let mut description = None;
    if let Some(slug) = &filters.category {
        let category = db::categories::find_by_slug(conn, slug)?
            .ok_or_else(|| ApiError::not_found("category", format!("slug {slug}")))?;
        filter.categories = Some(db::categories::with_descendants(conn, category.id)?);
        title = format!("{title} – {}", category.name);
        link = site.category_url(&category.slug);
        description = category.description.clone();
    }
    if let Some(slug) = &filters.tag {
        let tag =
            db::tags::find_by_slug(conn, slug)?.ok_or_else(|| ApiError::not_found("tag", format!("slug {slug}")))?;
        filter.tags = Some(vec![tag.slug.clone()]);
        title = format!("{title} – {}", tag.name);
        description = description.or_else(|| tag.description.clone());
    }
    let description = description.unwrap_or_else(|| format!("Tin mới nhất – {title}"));
    let articles = db::feeds::newest(conn, &filter, FEED_ITEMS)?;
    Ok((Channel { title, link, description }, articles))
}

fn feed_key(kind: &str, filters: &FeedFilters) -> String {
    let part = |value: &Option<String>| value.as_deref().map_or_else(String::new, |v| format!("={v}"));
    format!("{kind}?category{}&tag{}", part(&filters.category), part(&filters.tag))
}

/// How a feed format writes a channel and its articles.
type FeedWriter = fn(&Site, &Channel, Vec<FeedArticle>) -> Result<Made, ApiError>;

/// Serves the feed with `filters` in the format `kind`, written by `write`.
async fn feed(req: &HttpRequest, state: &State, kind: &str, filters: FeedFilters, write: FeedWriter) -> Answer {
    serve(req, state, feed_key(kind, &filters), move |conn, site, now| {
        let (channel, articles) = feed_of(conn, site, &filters, now)?;
        write(site, &channel, articles)
    })
    .await
}

/// RSS 2.0 of the 50 newest visible articles, newest first.
///
/// `category` includes its descendants' articles. Items link to the public site
/// (`BANTIN_ARTICLE_URL`) and carry the summary as `description` and the body as
/// `content:encoded`.
#[utoipa::path(
    tag = "feeds",
    params(FeedFilters),
    responses(
        (status = 200, description = "The RSS 2.0 feed", body = String, content_type = "application/rss+xml"),
        (status = 404, description = NO_FEED),
    )
)]
#[get("/feed.xml")]
pub async fn feed_xml(req: HttpRequest, state: State, filters: web::Query<FeedFilters>) -> Answer {
    feed(&req, &state, "rss", filters.into_inner(), |site, channel, articles| {
        made(rss::write(site, channel, &articles), rss::CONTENT_TYPE, None)
    })
    .await
}

/// The same feed as JSON Feed 1.1.
#[utoipa::path(
    tag = "feeds",
    params(FeedFilters),
    responses(
        (status = 200, description = "The JSON Feed 1.1", body = json_feed::JsonFeed, content_type = json_feed::CONTENT_TYPE),
        (status = 404, description = NO_FEED),
    )
)]
#[get("/feed.json")]
pub async fn feed_json(req: HttpRequest, state: State, filters: web::Query<FeedFilters>) -> Answer {
    feed(&req, &state, "json", filters.into_inner(), |site, channel, articles| {
        let feed = json_feed::build(site, channel, articles);
        made(serde_json::to_vec(&feed), json_feed::CONTENT_TYPE, None)
    })
    .await
}

/// The sitemap index: `/sitemaps/articles-{n}.xml` (visible articles by id, 50,000 a
/// file, each with the latest change of its articles) and `/sitemaps/categories.xml`.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org 0.9 sitemap index", body = String, content_type = sitemap::CONTENT_TYPE),
        (status = 404, description = SITEMAPS_OFF),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(req: HttpRequest, state: State) -> Answer {
    serve(&req, &state, "sitemap.xml".to_owned(), |conn, site, now| {
        let files = db::feeds::article_files(conn, now, sitemap::URLS_PER_FILE)?;
        let (_, home) = db::feeds::category_pages(conn, now)?;
        let files = files
            .iter()
            .enumerate()
            .map(|(at, file)| (format!("{}{}", site.url, sitemap::article_file_path(at + 1)), Some(file.lastmod)));
        let categories = (format!("{}/sitemaps/categories.xml", site.url), home);
        made(sitemap::index(files.chain([categories])), sitemap::CONTENT_TYPE, None)
    })
    .await
}

/// Article sitemap file `n` (from 1): up to 50,000 visible articles by id, each with
/// its public URL and `lastmod` (its last edit, or its publication when later).
#[utoipa::path(
    tag = "feeds",
    params(("n" = u32, Path, minimum = 1, description = "The file's number, from 1, as the index lists it")),
    responses(
        (status = 200, description = "A sitemaps.org 0.9 sitemap", body = String, content_type = sitemap::CONTENT_TYPE),
        (status = 404, description = "No such file (beyond the last one the index lists), or sitemaps are off (`BANTIN_SITE_URL` is not set)"),
    )
)]
#[get("/sitemaps/articles-{n}.xml")]
pub async fn article_sitemap(req: HttpRequest, state: State, n: web::Path<u32>) -> Answer {
    let n = n.into_inner();
    serve(&req, &state, format!("articles-{n}.xml"), move |conn, site, now| {
        let missing = || ApiError::NotFound(format!("no article sitemap {n}"));
        let offset = sitemap::file_offset(n, sitemap::URLS_PER_FILE).ok_or_else(missing)?;
        let mut urls = UrlSet::start(false).map_err(ApiError::internal)?;
        for article in db::feeds::article_file(conn, now, offset, sitemap::URLS_PER_FILE)? {
            let article = article?;
            urls.url(&site.article_url(&article.at.link()), Some(article.modified())).map_err(ApiError::internal)?;
        }
        if urls.is_empty() {
            return Err(missing());
        }
        made(urls.finish(), sitemap::CONTENT_TYPE, None)
    })
    .await
}

/// The home page and every category page, each with `lastmod`: the latest change of
/// the category or of a visible article in it or below it.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org 0.9 sitemap", body = String, content_type = sitemap::CONTENT_TYPE),
        (status = 404, description = SITEMAPS_OFF),
    )
)]
#[get("/sitemaps/categories.xml")]
pub async fn category_sitemap(req: HttpRequest, state: State) -> Answer {
    serve(&req, &state, "categories.xml".to_owned(), |conn, site, now| {
        let (pages, home) = db::feeds::category_pages(conn, now)?;
        let home = (format!("{}/", site.url), home);
        let pages = pages.iter().map(|page| (site.category_url(&page.slug), Some(page.lastmod)));
        made(sitemap::urlset(std::iter::once(home).chain(pages)), sitemap::CONTENT_TYPE, None)
    })
    .await
}

/// Google News sitemap: visible articles published in the last 48 hours, newest first
/// (at most 1,000), with the site's name as the publication and language `vi`.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org 0.9 sitemap with the Google News 0.9 extension (an empty `urlset` when nothing was published in 48 hours)", body = String, content_type = sitemap::CONTENT_TYPE),
        (status = 404, description = SITEMAPS_OFF),
    )
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(req: HttpRequest, state: State) -> Answer {
    serve(&req, &state, "news.xml".to_owned(), |conn, site, now| {
        let since = now - Duration::hours(sitemap::NEWS_HOURS);
        let articles = db::feeds::news(conn, now, since, sitemap::NEWS_MAX)?;
        let urls = articles.iter().map(|a| (site.article_url(&a.at.link()), a.at.published_at, a.title.as_str()));
        let xml = sitemap::news(&site.name, urls);
        // True until its oldest article leaves the window (writes and scheduled
        // articles coming due outdate it through the content generation).
        let until = articles.last().map(|article| article.at.published_at + Duration::hours(sitemap::NEWS_HOURS));
        made(xml, sitemap::CONTENT_TYPE, until)
    })
    .await
}
