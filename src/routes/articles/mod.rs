//! `/api/v1/articles`: the article resource.

pub mod batch;
pub mod list;
pub mod revisions;
pub mod search;
pub mod seo;
pub mod write;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::utc;
use crate::auth::Access;
use crate::db;
use crate::db::articles::{self as store, ArticleRow, Loaded};
use crate::db::Conn;
use crate::error::ApiError;
use crate::feeds::Site;
use crate::routes::{Answer, State};

/// A category as embedded in an article.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryRef {
    #[schema(example = 3)]
    pub id: i32,
    #[schema(example = "thoi-su")]
    pub slug: String,
    #[schema(example = "Thời sự")]
    pub name: String,
}

/// A tag as embedded in an article.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TagRef {
    #[schema(example = 12)]
    pub id: i32,
    #[schema(example = "thi-dua")]
    pub slug: String,
    #[schema(example = "Thi đua")]
    pub name: String,
}

/// An author profile as embedded in an article.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorRef {
    #[schema(example = 2)]
    pub id: i32,
    #[schema(example = "tran-thi-binh")]
    pub slug: String,
    #[schema(example = "Trần Thị Bình")]
    pub name: String,
    #[schema(required = true, example = "https://example.vn/tac-gia/tran-thi-binh.jpg")]
    pub avatar_url: Option<String>,
}

/// An article's cover from the media library.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoverImage {
    #[schema(example = 7)]
    pub id: i32,
    #[schema(example = "/media/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae.jpg")]
    pub url: String,
    #[schema(example = 4000)]
    pub width: i32,
    #[schema(example = 3000)]
    pub height: i32,
    #[schema(required = true)]
    pub alt: Option<String>,
    /// Narrowest first.
    pub variants: Vec<crate::routes::media::Variant>,
}

impl CoverImage {
    /// The cover shown for upload `row`.
    pub fn of(row: crate::db::media::MediaRow) -> Self {
        let media = crate::routes::media::Media::from(row);
        CoverImage {
            id: media.id,
            url: media.url,
            width: media.width,
            height: media.height,
            alt: media.alt,
            variants: media.variants,
        }
    }
}

/// An article in a list: everything but the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleItem {
    /// Id.
    #[schema(example = 101)]
    pub id: i32,
    /// Unique slug, for URLs.
    #[schema(example = "thuc-hien-hieu-qua-cac-phong-trao-thi-dua")]
    pub slug: String,
    /// Headline.
    #[schema(example = "Thực hiện hiệu quả các phong trào thi đua")]
    pub title: String,
    /// Lead paragraph.
    #[schema(required = true, example = "Tỉnh đẩy mạnh phong trào thi đua yêu nước trong năm 2020.")]
    pub summary: Option<String>,
    /// Byline (defaults to the author profile's name).
    #[schema(required = true, example = "Nguyễn Văn An")]
    pub author: Option<String>,
    /// The author profile's id, if any.
    #[schema(required = true, example = 2)]
    pub author_id: Option<i32>,
    /// The author profile, if any.
    #[schema(required = true)]
    pub author_profile: Option<AuthorRef>,
    /// `draft`, `published`, `archived`, or `trashed` (token holders only). A
    /// published article dated in the future is scheduled: invisible to the public
    /// until then.
    #[schema(value_type = ShownStatus, example = "published")]
    pub status: String,
    /// When it was moved to the trash; only on trashed articles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<DateTime<Utc>>,
    /// Publication time; `null` for never-published drafts.
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    /// Its category, if any.
    #[schema(required = true)]
    pub category: Option<CategoryRef>,
    /// Its tags, by name.
    pub tags: Vec<TagRef>,
    /// Cover image URL.
    #[schema(required = true, example = "https://example.vn/anh/bia.jpg")]
    pub cover_image_url: Option<String>,
    /// The cover from the media library, if any.
    #[schema(required = true, example = 7)]
    pub cover_image_id: Option<i32>,
    /// That cover with its variants, for `srcset`.
    #[schema(required = true)]
    pub cover_image: Option<CoverImage>,
    /// Whether editors feature it.
    pub featured: bool,
    /// Views counted so far ("Lượt xem").
    #[schema(example = 1001)]
    pub view_count: i64,
    /// Estimated minutes to read the body (200 words a minute, at least 1).
    #[schema(example = 3)]
    pub reading_time_minutes: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Starts at 1 and grows by one on every content change.
    #[schema(example = 1)]
    pub version: i32,
    /// The title for search engines and link previews (`<title>`, `og:title`); the
    /// `title` unless the article sets one.
    #[schema(example = "Quảng Nam: thi đua yêu nước năm 2020")]
    pub seo_title: String,
    /// The description for search engines and link previews; the `summary` unless the
    /// article sets one (so `null` without either).
    #[schema(required = true, example = "Tỉnh tổng kết công tác thi đua, khen thưởng năm 2020.")]
    pub seo_description: Option<String>,
    /// The article's canonical URL; unless the article sets one, its public URL
    /// (`BANTIN_SITE_URL` and `BANTIN_ARTICLE_URL`), `null` when no site is configured
    /// or the URL holds a date and the article has no publication time yet.
    #[schema(required = true, example = "https://baoquangnam.vn/thuc-hien-hieu-qua-cac-phong-trao-thi-dua")]
    pub canonical_url: Option<String>,
    /// The image of link previews (`og:image`); unless the article sets one, its cover:
    /// the widest variant of `cover_image` (an absolute path on this server, as in
    /// `cover_image`), else `cover_image_url`, else `null`.
    #[schema(required = true, example = "/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.jpg")]
    pub og_image_url: Option<String>,
    /// Which of `seo_title`, `seo_description`, `canonical_url` and `og_image_url` the
    /// article does not set, so that they show their default (even a `null` one), in
    /// that order.
    #[schema(example = json!(["seo_title", "canonical_url", "og_image_url"]))]
    pub seo_defaults: Vec<seo::SeoField>,
    /// With `q` only: the matches marked in the original text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<Highlight>,
}

/// An article's status as shown: as written, or `trashed` while it is in the trash.
// Only the spec's type of `ArticleItem::status`, which keeps the stored text.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ShownStatus {
    Draft,
    Published,
    Archived,
    Trashed,
}

/// Where a search matched, as HTML: the original text escaped, matched words in
/// `<mark>`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Highlight {
    /// The whole title.
    #[schema(example = "Thực hiện hiệu quả các phong trào <mark>thi</mark> <mark>đua</mark>")]
    pub title: String,
    /// About 30 words of the body (or summary) around the best match.
    #[schema(example = "… đẩy mạnh phong trào <mark>thi</mark> <mark>đua</mark> yêu nước …")]
    pub snippet: String,
}

/// A whole article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Article {
    #[serde(flatten)]
    pub item: ArticleItem,
    /// Sanitized HTML.
    #[schema(example = "<p>Sáng 22/4, UBND tỉnh tổ chức hội nghị...</p>")]
    pub body: String,
}

impl Article {
    /// `W/"a{id}-v{version}.{view_count}"`.
    pub fn etag(&self) -> String {
        crate::etag::resource('a', self.item.id, self.item.version, self.item.view_count)
    }

    /// This article as an answer with `status`, `ETag` and `Last-Modified`.
    pub fn answer(&self, status: StatusCode) -> HttpResponse {
        super::tagged(status, self.etag(), self.item.updated_at, self)
    }
}

impl ArticleItem {
    /// The item for a row loaded with its category, tags, author and cover (as JSON),
    /// on `site`.
    fn build(loaded: &Loaded, site: Option<&Site>) -> Result<Self, ApiError> {
        fn parsed<T: serde::de::DeserializeOwned>(json: &Option<String>) -> Result<Option<T>, ApiError> {
            json.as_deref().map(serde_json::from_str).transpose().map_err(ApiError::internal)
        }
        let tags: Option<Vec<TagRef>> = parsed(&loaded.tags_json)?;
        Ok(Self::from_parts(
            &loaded.article,
            parsed(&loaded.category_json)?,
            tags.unwrap_or_default(),
            parsed(&loaded.author_json)?,
            parsed(&loaded.cover_json)?,
            site,
        ))
    }

    /// The item for `row` with its category, tags, author profile and cover, on
    /// `site` (for the default canonical URL).
    pub fn from_parts(
        row: &ArticleRow,
        category: Option<CategoryRef>,
        tags: Vec<TagRef>,
        author_profile: Option<AuthorRef>,
        cover_image: Option<CoverImage>,
        site: Option<&Site>,
    ) -> Self {
        let seo = seo::Shown::of(
            &row.seo,
            seo::Defaults {
                title: row.title.clone(),
                description: row.summary.clone(),
                canonical_url: seo::public_url(
                    site,
                    row.id,
                    &row.slug,
                    category.as_ref().map(|c| c.slug.as_str()),
                    row.published_at,
                ),
                og_image_url: seo::cover_url(cover_image.as_ref(), row.cover_image_url.as_deref()),
            },
        );
        Self {
            id: row.id,
            slug: row.slug.clone(),
            title: row.title.clone(),
            summary: row.summary.clone(),
            author: row.author.clone(),
            author_id: row.author_id,
            author_profile,
            status: if row.trashed_at.is_some() { "trashed".to_owned() } else { row.status.clone() },
            trashed_at: row.trashed_at.map(utc),
            published_at: row.published_at.map(utc),
            category,
            tags,
            cover_image_url: row.cover_image_url.clone(),
            cover_image_id: row.cover_image_id,
            cover_image,
            featured: row.featured,
            view_count: row.view_count,
            reading_time_minutes: row.reading_time_minutes,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            seo_title: seo.seo_title,
            seo_description: seo.seo_description,
            canonical_url: seo.canonical_url,
            og_image_url: seo.og_image_url,
            seo_defaults: seo.defaults,
            highlight: None,
        }
    }
}

/// List items for rows loaded with their categories and tags (no further query), on
/// `site` (the public site, for default canonical URLs).
pub fn items(rows: &[Loaded], site: Option<&Site>) -> Result<Vec<ArticleItem>, ApiError> {
    rows.iter().map(|loaded| ArticleItem::build(loaded, site)).collect()
}

/// The whole article for a loaded row, on `site`.
pub fn full(loaded: Loaded, site: Option<&Site>) -> Result<Article, ApiError> {
    let item = ArticleItem::build(&loaded, site)?;
    Ok(Article { item, body: loaded.article.fields.body })
}

/// The article row with `id` (any status, the trash included), or a 404.
pub fn found(conn: &mut Conn, id: i32) -> Result<ArticleRow, ApiError> {
    store::find(conn, id)?.ok_or_else(|| ApiError::not_found("article", format!("id {id}")))
}

/// The whole article with `id` as stored now (after a write), on `site`: one query.
pub fn reload(conn: &mut Conn, id: i32, site: Option<&Site>) -> Result<Article, ApiError> {
    full(store::find_loaded(conn, id)?.ok_or_else(|| ApiError::internal("article vanished"))?, site)
}

/// The data of an article event: the whole article as an editor sees it on `site`.
pub fn event_data(conn: &mut Conn, id: i32, site: Option<&Site>) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(reload(conn, id, site)?).map_err(ApiError::internal)
}

/// Queues the webhook events of a change to article `id`, in the change's
/// transaction: `event` with the article, then `article.published` or
/// `article.unpublished` when the change made it visible to the public or took it
/// away (`was_announced`: whether it was visible before). The article is shown as on
/// `site`.
pub fn queue_events(
    conn: &mut Conn,
    id: i32,
    event: &str,
    was_announced: bool,
    site: Option<&Site>,
) -> Result<(), ApiError> {
    if !db::webhooks::any_active(conn)? {
        return Ok(());
    }
    let data = reload(conn, id, site)?;
    crate::webhooks::emit(conn, event, &data)?;
    match (was_announced, db::webhooks::announced(conn, id)?) {
        (false, true) => crate::webhooks::emit(conn, "article.published", &data)?,
        (true, false) => crate::webhooks::emit(conn, "article.unpublished", &data)?,
        _ => {}
    }
    Ok(())
}

/// Whether the public may see `row` at `now`.
pub fn visible_to_public(row: &ArticleRow, now: NaiveDateTime) -> bool {
    row.status == "published" && row.published_at.is_some_and(|at| at <= now) && row.trashed_at.is_none()
}

/// `row` if `access` may see it, else 404.
pub fn visible(row: Option<ArticleRow>, access: Access, key: &str) -> Result<ArticleRow, ApiError> {
    match row {
        Some(row) if access.sees_unpublished() || visible_to_public(&row, db::now()) => Ok(row),
        _ => Err(ApiError::not_found("article", key)),
    }
}

/// The loaded article if `access` may see it, else 404.
pub fn visible_loaded(loaded: Option<Loaded>, access: Access, key: &str) -> Result<Loaded, ApiError> {
    match loaded {
        Some(loaded) if access.sees_unpublished() || visible_to_public(&loaded.article, db::now()) => Ok(loaded),
        _ => Err(ApiError::not_found("article", key)),
    }
}

/// Get an article by id.
///
/// The public sees only published articles whose time has come; tokens see all.
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    responses(
        (status = 200, description = "The article", body = Article),
    )
)]
#[get("/articles/{id}")]
pub async fn show(state: State, access: Access, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let site = state.feeds.site.clone();
    let article = db::run(&state.pool, move |conn| {
        full(visible_loaded(store::find_loaded(conn, id)?, access, &format!("id {id}"))?, site.as_deref())
    })
    .await?;
    Ok(article.answer(StatusCode::OK))
}

/// Get an article by slug.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug", example = "thuc-hien-hieu-qua-cac-phong-trao-thi-dua")),
    responses(
        (status = 200, description = "The article", body = Article),
    )
)]
#[get("/articles/slug/{slug}")]
pub async fn show_by_slug(state: State, access: Access, slug: web::Path<String>) -> Answer {
    let slug = slug.into_inner();
    let site = state.feeds.site.clone();
    let article = db::run(&state.pool, move |conn| {
        let loaded = store::find_loaded_by_slug(conn, &slug)?;
        full(visible_loaded(loaded, access, &format!("slug '{slug}'"))?, site.as_deref())
    })
    .await?;
    Ok(article.answer(StatusCode::OK))
}
