//! Article writes: create, replace, patch, delete.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{delete, patch, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::revisions::RevisionPath;
use super::{reload, Article};
use crate::auth::{Contributor, Editor, Role, TokenInfo};
use crate::db::articles::{self as store, ArticleFields, ArticleRow, SeoFields};
use crate::db::revisions;
use crate::db::Conn;
use crate::db::{categories as category_store, tags as tag_store};
use crate::error::{ApiError, FieldError};
use crate::etag::IfMatch;
use crate::extract::{check_len, double_option, ApiJson};
use crate::feeds::Site;
use crate::routes::resolve_slug;
use crate::routes::{Answer, State};
use crate::text::trim;
use crate::{db, html, text};

/// Largest body, in bytes, before sanitizing.
const MAX_BODY: usize = 1024 * 1024;
/// Most tags on one article.
const MAX_TAGS: usize = 50;

/// An article's status as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Published,
    Archived,
}

impl Status {
    /// The status of a stored row (`draft` for anything unknown).
    fn of(stored: &str) -> Self {
        match stored {
            "published" => Status::Published,
            "archived" => Status::Archived,
            _ => Status::Draft,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }
}

/// Body of POST and PUT. `view_count`, `version` and timestamps other than
/// `published_at` are not accepted (422).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Thực hiện hiệu quả các phong trào thi đua",
    "summary": "Tỉnh đẩy mạnh phong trào thi đua yêu nước trong năm 2020.",
    "body": "<p>Sáng 22/4, UBND tỉnh tổ chức hội nghị tổng kết công tác thi đua, khen thưởng.</p>",
    "author": "Nguyễn Văn An",
    "status": "published",
    "published_at": "2020-04-22T08:30:00Z",
    "category_id": 1,
    "tags": ["Thi đua", "khen-thuong"],
    "cover_image_url": "https://example.vn/anh/thi-dua.jpg",
    "featured": true
}))]
pub struct ArticleInput {
    /// Headline, at most 300 characters, not blank.
    #[schema(max_length = 300, pattern = r"[^\s\x1c-\x1f]")]
    pub title: String,
    /// Slug; generated from the title when absent (PUT keeps the current one).
    pub slug: Option<String>,
    /// Lead paragraph, at most 1,000 characters.
    #[schema(max_length = 1000)]
    pub summary: Option<String>,
    /// HTML body, at most 1 MiB; sanitized on write.
    #[schema(max_length = 1048576)]
    pub body: Option<String>,
    /// Byline, at most 200 characters.
    #[schema(max_length = 200)]
    pub author: Option<String>,
    /// Default `draft`.
    pub status: Option<Status>,
    /// Publication time; default the moment it is first published. A future time
    /// with status `published` schedules it.
    pub published_at: Option<DateTime<Utc>>,
    /// Category id; it must exist (422).
    #[schema(minimum = 1, maximum = 2147483647)]
    pub category_id: Option<i32>,
    /// Author profile id; it must exist (422). The byline `author` defaults to the
    /// profile's name.
    #[schema(minimum = 1, maximum = 2147483647)]
    pub author_id: Option<i32>,
    /// Tag names or slugs (each at most 100 characters, not blank); unknown ones are
    /// created. At most 50.
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// `http` or `https` URL (ASCII; percent-encode the rest), at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub cover_image_url: Option<String>,
    /// An image of the media library as the cover; it must exist (422).
    #[schema(minimum = 1, maximum = 2147483647)]
    pub cover_image_id: Option<i32>,
    /// Default false.
    pub featured: Option<bool>,
    /// Title for search engines and link previews, at most 120 characters; absent,
    /// `null` or blank: the `title` shows (see `seo_defaults`).
    #[schema(max_length = 120, example = "Quảng Nam: thi đua yêu nước năm 2020")]
    pub seo_title: Option<String>,
    /// Description for search engines and link previews, at most 300 characters;
    /// absent, `null` or blank: the `summary` shows.
    #[schema(max_length = 300, example = "Tỉnh tổng kết công tác thi đua, khen thưởng năm 2020.")]
    pub seo_description: Option<String>,
    /// Absolute `http` or `https` URL (ASCII), at most 2,000 characters; absent or
    /// `null`: the article's public URL shows.
    #[schema(max_length = 2000, example = "https://baoquangnam.vn/thi-dua-2020")]
    pub canonical_url: Option<String>,
    /// Absolute `http` or `https` URL (ASCII), at most 2,000 characters; absent or
    /// `null`: the cover image shows.
    #[schema(max_length = 2000, example = "https://example.vn/anh/thi-dua-1200x630.jpg")]
    pub og_image_url: Option<String>,
}

/// Body of PATCH: absent fields stay, `null` clears the nullable ones
/// (`published_at: null` resets it to the default); `null` on any other field is 422.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "archived", "featured": false}))]
pub struct ArticlePatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, max_length = 300, pattern = r"[^\s\x1c-\x1f]")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String)]
    pub slug: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub summary: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, max_length = 1048576)]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub author: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Status)]
    pub status: Option<Option<Status>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 2147483647)]
    pub category_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 2147483647)]
    pub author_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<String>, max_items = 50)]
    pub tags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub cover_image_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 2147483647)]
    pub cover_image_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub featured: Option<Option<bool>>,
    /// `null` clears it: the `title` shows.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 120)]
    pub seo_title: Option<Option<String>>,
    /// `null` clears it: the `summary` shows.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub seo_description: Option<Option<String>>,
    /// `null` clears it: the public URL shows.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub canonical_url: Option<Option<String>>,
    /// `null` clears it: the cover image shows.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub og_image_url: Option<Option<String>>,
}

/// An article as the editor wants it, before checks.
struct Draft {
    title: String,
    slug: Option<String>,
    summary: Option<String>,
    body: String,
    author: Option<String>,
    status: Status,
    published_at: Option<NaiveDateTime>,
    category_id: Option<i32>,
    author_id: Option<i32>,
    tags: Vec<String>,
    cover_image_url: Option<String>,
    cover_image_id: Option<i32>,
    featured: bool,
    seo: SeoFields,
}

fn seconds(time: DateTime<Utc>) -> NaiveDateTime {
    let time = time.naive_utc();
    time.with_nanosecond(0).unwrap_or(time)
}

impl Draft {
    fn from_input(input: ArticleInput) -> Self {
        Self {
            title: input.title,
            slug: input.slug,
            summary: input.summary,
            body: input.body.unwrap_or_default(),
            author: input.author,
            status: input.status.unwrap_or(Status::Draft),
            published_at: input.published_at.map(seconds),
            category_id: input.category_id,
            author_id: input.author_id,
            tags: input.tags.unwrap_or_default(),
            cover_image_url: input.cover_image_url,
            cover_image_id: input.cover_image_id,
            featured: input.featured.unwrap_or(false),
            seo: SeoFields {
                seo_title: input.seo_title,
                seo_description: input.seo_description,
                canonical_url: input.canonical_url,
                og_image_url: input.og_image_url,
            },
        }
    }

    /// A kept version's content, to write back.
    fn from_content(content: revisions::Content) -> Self {
        let fields = content.fields;
        Self {
            title: fields.title,
            slug: Some(fields.slug),
            summary: fields.summary,
            body: fields.body,
            author: fields.author,
            status: Status::of(&fields.status),
            published_at: fields.published_at,
            category_id: fields.category_id,
            author_id: fields.author_id,
            tags: content.tags,
            cover_image_url: fields.cover_image_url,
            cover_image_id: fields.cover_image_id,
            featured: fields.featured,
            seo: fields.seo,
        }
    }

    /// The current article with `patch` applied; `null` on a required field is a 422.
    fn from_patch(row: &ArticleRow, tags: Vec<String>, patch: ArticlePatch) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        fn required<T>(errors: &mut Vec<FieldError>, field: &str, value: Option<Option<T>>, current: T) -> T {
            match value {
                None => current,
                Some(Some(value)) => value,
                Some(None) => {
                    errors.push(FieldError::new(field, "must not be null"));
                    current
                }
            }
        }
        let draft = Self {
            title: required(&mut errors, "title", patch.title, row.title.clone()),
            slug: required(&mut errors, "slug", patch.slug.map(|s| s.map(Some)), None),
            summary: patch.summary.unwrap_or_else(|| row.summary.clone()),
            body: required(&mut errors, "body", patch.body, row.body.clone()),
            author: patch.author.unwrap_or_else(|| row.author.clone()),
            status: required(&mut errors, "status", patch.status, Status::of(&row.status)),
            published_at: patch.published_at.map_or(row.published_at, |p| p.map(seconds)),
            category_id: patch.category_id.unwrap_or(row.category_id),
            author_id: patch.author_id.unwrap_or(row.author_id),
            tags: required(&mut errors, "tags", patch.tags, tags),
            cover_image_url: patch.cover_image_url.unwrap_or_else(|| row.cover_image_url.clone()),
            cover_image_id: patch.cover_image_id.unwrap_or(row.cover_image_id),
            featured: required(&mut errors, "featured", patch.featured, row.featured),
            seo: SeoFields {
                seo_title: patch.seo_title.unwrap_or_else(|| row.seo.seo_title.clone()),
                seo_description: patch.seo_description.unwrap_or_else(|| row.seo.seo_description.clone()),
                canonical_url: patch.canonical_url.unwrap_or_else(|| row.seo.canonical_url.clone()),
                og_image_url: patch.og_image_url.unwrap_or_else(|| row.seo.og_image_url.clone()),
            },
        };
        if errors.is_empty() {
            Ok(draft)
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// Validates, sanitizes and resolves slug, publication time and tags. `current` is
    /// the stored article when updating.
    fn resolve(self, conn: &mut Conn, current: Option<&ArticleRow>) -> Result<(ArticleFields, Vec<i32>), ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        check_len(&mut errors, "title", &self.title, true, 300);
        let title = trim(&self.title).to_owned();
        if let Some(summary) = &self.summary {
            check_len(&mut errors, "summary", summary, false, 1000);
        }
        let summary = self.summary.as_deref().map(|s| trim(s).to_owned());
        if let Some(author) = &self.author {
            check_len(&mut errors, "author", author, false, 200);
        }
        let author = self.author.as_deref().map(trim).filter(|a| !a.is_empty()).map(str::to_owned);
        if self.body.len() > MAX_BODY {
            errors.push(FieldError::new("body", "must be at most 1 MiB"));
        }
        let cover = self.cover_image_url;
        if let Some(url) = &cover {
            if !text::is_stored_url(url) {
                errors.push(FieldError::new(
                    "cover_image_url",
                    "must be an http or https URL of at most 2,000 characters",
                ));
            }
        }
        if self.tags.len() > MAX_TAGS {
            errors.push(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
        }
        let seo = super::seo::checked(&mut errors, self.seo);
        let explicit = self.slug;
        if let Some(problem) = explicit.as_deref().and_then(text::slug_problem) {
            errors.push(FieldError::new("slug", problem));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        if let Some(category) = self.category_id {
            if category_store::find(conn, category)?.is_none() {
                return Err(ApiError::invalid("category_id", format!("no category with id {category}")));
            }
        }
        if let Some(image) = self.cover_image_id {
            if crate::db::media::find(conn, image)?.is_none() {
                return Err(ApiError::invalid("cover_image_id", format!("no media with id {image}")));
            }
        }
        // A byline that only echoed the old profile's name follows a new profile.
        let mut author = author;
        if let Some(previous) = current.filter(|row| row.author_id != self.author_id && row.author == author) {
            if let Some(old) = previous.author_id.map(|id| crate::db::authors::find(conn, id)).transpose()?.flatten() {
                if author.as_deref() == Some(old.name.as_str()) {
                    author = None;
                }
            }
        }
        let author = match self.author_id {
            Some(id) => match crate::db::authors::find(conn, id)? {
                // The byline defaults to the profile's name.
                Some(profile) => author.or(Some(profile.fields.name)),
                None => return Err(ApiError::invalid("author_id", format!("no author with id {id}"))),
            },
            None => author,
        };
        let id = current.map(|row| row.id);
        let current_slug = current.map(|row| row.slug.as_str());
        let slug = resolve_slug(explicit, current_slug, &title, "article", |s| store::slug_taken(conn, s, id))?;
        // Default publication time: when it is first published, kept across edits.
        let published_at = self
            .published_at
            .or_else(|| current.and_then(|row| row.published_at))
            .or_else(|| (self.status == Status::Published).then(db::now));
        let body = html::sanitize(&self.body);
        let tag_ids = tag_store::find_or_create_all(conn, &self.tags)?;
        let fields = ArticleFields {
            slug,
            title,
            summary,
            reading_time_minutes: html::reading_time_minutes(&body),
            body,
            author,
            status: self.status.as_str().to_owned(),
            published_at,
            category_id: self.category_id,
            cover_image_url: cover,
            cover_image_id: self.cover_image_id,
            featured: self.featured,
            author_id: self.author_id,
            seo,
        };
        Ok((fields, tag_ids))
    }
}

/// Create an article.
#[utoipa::path(
    tag = "articles",
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Article,
            headers(("Location" = String, description = "URL of the new article"),
                    ("ETag" = String, description = "The article's version tag"))),
        (status = 409, description = "The slug is taken"),
        (status = 422, description = "Invalid, read-only or unknown fields, or an unknown category"),
    )
)]
#[post("/articles")]
pub async fn create(state: State, writer: Contributor, input: ApiJson<ArticleInput>) -> Answer {
    let draft = Draft::from_input(input.0);
    if writer.token().role < Role::Editor && draft.status != Status::Draft {
        return Err(contributors_write_drafts());
    }
    let views = state.views.clone();
    let editor = writer.token().name.clone();
    let site = state.feeds.site.clone();
    let article = db::run(&state.pool, move |conn| {
        let row = crate::db::immediate(conn, |conn| {
            let (fields, tag_ids) = draft.resolve(conn, None)?;
            let row = store::insert(conn, &fields, &tag_ids, Some(&editor))?;
            super::queue_events(conn, row.id, "article.created", false, site.as_deref())?;
            Ok::<_, ApiError>(row)
        })?;
        views.sync(conn, row.id)?;
        reload(conn, row.id, site.as_deref())
    })
    .await?;
    let mut response = article.answer(StatusCode::CREATED);
    if let Ok(location) = header::HeaderValue::from_str(&format!("/api/v1/articles/{}", article.item.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Replace an article.
///
/// A full replace: absent optional fields are cleared or take their defaults, except
/// `slug` and `published_at`, which keep their current values when absent.
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Article),
        (status = 409, description = "The slug is taken"),
        (status = 422, description = "Invalid, read-only or unknown fields, or an unknown category"),
    )
)]
#[put("/articles/{id}")]
pub async fn replace(
    state: State,
    writer: Contributor,
    if_match: IfMatch,
    id: web::Path<i32>,
    input: ApiJson<ArticleInput>,
) -> Answer {
    let input = input.0;
    write(state, writer.0, id.into_inner(), if_match, move |_, _| Ok(Draft::from_input(input))).await
}

/// Update some fields of an article.
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    request_body = ArticlePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Article),
        (status = 409, description = "The slug is taken"),
        (status = 422, description = "Invalid, read-only or unknown fields, `null` on a required field, or an unknown category"),
    )
)]
#[patch("/articles/{id}")]
pub async fn update(
    state: State,
    writer: Contributor,
    if_match: IfMatch,
    id: web::Path<i32>,
    input: ApiJson<ArticlePatch>,
) -> Answer {
    let patch = input.0;
    write(state, writer.0, id.into_inner(), if_match, move |row, tags| Draft::from_patch(row, tags, patch)).await
}

/// The 403 of a contributor trying to make content public.
fn contributors_write_drafts() -> ApiError {
    ApiError::Forbidden(
        "a contributor token may only create and edit drafts; publishing, scheduling and archiving need an \
         editor token"
            .to_owned(),
    )
}

/// PUT and PATCH: one immediate transaction runs [`update_article`].
async fn write<F>(state: State, writer: Arc<TokenInfo>, id: i32, if_match: IfMatch, draft: F) -> Answer
where
    F: FnOnce(&ArticleRow, Vec<String>) -> Result<Draft, ApiError> + Send + 'static,
{
    let keep = state.revisions_keep;
    let views = state.views.clone();
    let site = state.feeds.site.clone();
    let article = db::run(&state.pool, move |conn| {
        let row = crate::db::immediate(conn, |conn| {
            update_article(conn, &writer, keep, id, &if_match, draft, site.as_deref())
        });
        views.sync(conn, id)?;
        reload(conn, row?.id, site.as_deref())
    })
    .await?;
    Ok(article.answer(StatusCode::OK))
}

/// PUT, PATCH or a revision restore of article `id` by `writer`, in the caller's
/// transaction: reads the article, builds and checks the new version, and writes it
/// (keeping the old one as a revision, queueing its events) only if something
/// changed (`version` + 1). A contributor may only edit a draft, and it stays a
/// draft. Events show the article as on `site`.
fn update_article<F>(
    conn: &mut Conn,
    writer: &TokenInfo,
    keep: u32,
    id: i32,
    if_match: &IfMatch,
    draft: F,
    site: Option<&Site>,
) -> Result<ArticleRow, ApiError>
where
    F: FnOnce(&ArticleRow, Vec<String>) -> Result<Draft, ApiError>,
{
    let current = super::found(conn, id)?;
    if current.trashed_at.is_some() {
        return Err(in_the_trash(id));
    }
    let current_tags = store::tags_of(conn, &[id])?.remove(&id).unwrap_or_default();
    let current_slugs: Vec<String> = current_tags.iter().map(|t| t.slug.clone()).collect();
    let mut sorted_old: Vec<i32> = current_tags.iter().map(|t| t.id).collect();
    sorted_old.sort_unstable();
    let draft = draft(&current, current_tags.into_iter().map(|t| t.fields.slug).collect())?;
    if writer.role < Role::Editor && (current.status != Status::Draft.as_str() || draft.status != Status::Draft) {
        return Err(contributors_write_drafts());
    }
    let (fields, tag_ids) = draft.resolve(conn, Some(&current))?;
    // Invalid content is a 422 whatever the tag; a stale tag is a 412 before
    // anything is written (tags created by resolve roll back with it).
    if_match.check('a', id, current.version)?;
    let mut sorted_new = tag_ids.clone();
    sorted_new.sort_unstable();
    if fields == current.fields && sorted_new == sorted_old {
        return Ok(current);
    }
    revisions::keep(conn, &current, current_slugs, keep)?;
    let was_announced = db::webhooks::announced(conn, id)?;
    let row = store::update(conn, id, &fields, &tag_ids, Some(&writer.name))?;
    super::queue_events(conn, id, "article.updated", was_announced, site)?;
    Ok(row)
}

/// PATCH of article `id` with `patch`, in the caller's transaction (see
/// [`update_article`]).
pub(super) fn patch_article(
    conn: &mut Conn,
    writer: &TokenInfo,
    keep: u32,
    id: i32,
    if_match: &IfMatch,
    patch: ArticlePatch,
    site: Option<&Site>,
) -> Result<ArticleRow, ApiError> {
    update_article(conn, writer, keep, id, if_match, |row, tags| Draft::from_patch(row, tags, patch), site)
}

/// The 409 of a write to an article in the trash.
pub(super) fn in_the_trash(id: i32) -> ApiError {
    ApiError::Conflict(format!("article {id} is in the trash; restore it first (POST /api/v1/articles/{id}/restore)"))
}

/// Query of DELETE.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveParams {
    /// `true` deletes for good (from the trash or not); otherwise the article moves
    /// to the trash.
    pub permanent: Option<bool>,
}

/// Move an article to the trash, or delete it for good.
///
/// Without `permanent=true` the article moves to the trash: gone for the public
/// everywhere, kept (with its slug) for token holders as `status: trashed`, deleted
/// for good after `BANTIN_TRASH_DAYS` days. A trashed article only takes
/// `permanent=true` (otherwise 404).
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1), RemoveParams),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Trashed, or deleted for good"),
        (status = 404, description = "No article with this id (or already in the trash)"),
    )
)]
#[delete("/articles/{id}")]
pub async fn remove(
    state: State,
    _editor: Editor,
    if_match: IfMatch,
    id: web::Path<i32>,
    params: web::Query<RemoveParams>,
) -> Answer {
    let id = id.into_inner();
    let permanent = params.permanent.unwrap_or(false);
    let views = state.views.clone();
    let site = state.feeds.site.clone();
    db::run(&state.pool, move |conn| {
        let done = crate::db::immediate(conn, |conn| remove_article(conn, id, &if_match, permanent, site.as_deref()));
        views.sync(conn, id)?;
        done
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// DELETE of article `id`, in the caller's transaction: to the trash (queueing its
/// events), or for good when `permanent`. A trashed article is a 404 unless
/// `permanent`.
pub(super) fn remove_article(
    conn: &mut Conn,
    id: i32,
    if_match: &IfMatch,
    permanent: bool,
    site: Option<&Site>,
) -> Result<(), ApiError> {
    let current = super::found(conn, id)?;
    if current.trashed_at.is_some() && !permanent {
        return Err(ApiError::not_found("article", format!("id {id} outside the trash")));
    }
    if_match.check('a', id, current.version)?;
    if permanent {
        store::delete(conn, id)?;
        crate::webhooks::emit(conn, "article.deleted", &crate::webhooks::Deleted { id })?;
    } else {
        let was_announced = db::webhooks::announced(conn, id)?;
        store::set_trashed(conn, id, Some(db::now()))?;
        super::queue_events(conn, id, "article.trashed", was_announced, site)?;
    }
    Ok(())
}

/// Restore an article from the trash.
///
/// It comes back with the status it had before.
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = Article),
        (status = 409, description = "The article is not in the trash"),
    )
)]
#[post("/articles/{id}/restore")]
pub async fn restore(state: State, _editor: Editor, if_match: IfMatch, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let views = state.views.clone();
    let site = state.feeds.site.clone();
    let article = db::run(&state.pool, move |conn| {
        let row = crate::db::immediate(conn, |conn| restore_article(conn, id, &if_match, site.as_deref()));
        views.sync(conn, id)?;
        reload(conn, row?.id, site.as_deref())
    })
    .await?;
    Ok(article.answer(StatusCode::OK))
}

/// Restore of article `id` from the trash, in the caller's transaction (queueing its
/// events); 409 when it is not in the trash.
pub(super) fn restore_article(
    conn: &mut Conn,
    id: i32,
    if_match: &IfMatch,
    site: Option<&Site>,
) -> Result<ArticleRow, ApiError> {
    let current = super::found(conn, id)?;
    if current.trashed_at.is_none() {
        return Err(ApiError::Conflict(format!("article {id} is not in the trash")));
    }
    if_match.check('a', id, current.version)?;
    let row = store::set_trashed(conn, id, None)?;
    super::queue_events(conn, id, "article.restored", false, site)?;
    Ok(row)
}

/// Restore an earlier version of an article.
///
/// The content of `version` is written as a new version (the current one is kept as
/// a revision); honours `If-Match`.
#[utoipa::path(
    tag = "articles",
    params(RevisionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored as a new version", body = Article),
        (status = 404, description = "No article with this id, or no such kept version"),
        (status = 409, description = "The article is in the trash, or the version's slug is now taken"),
        (status = 422, description = "The version refers to a category or author that no longer exists"),
    )
)]
#[post("/articles/{id}/revisions/{version}/restore")]
pub async fn restore_revision(
    state: State,
    writer: Editor,
    if_match: IfMatch,
    path: web::Path<RevisionPath>,
) -> Answer {
    let path = path.into_inner();
    let content = db::run(&state.pool, move |conn| path.find(conn)?.content().map_err(ApiError::internal)).await?;
    write(state, writer.0, path.id, if_match, move |_, _| Ok(Draft::from_content(content))).await
}
