//! `/api/v1/tags`: flat labels on articles.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::{QueryResult, SqliteConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::resource::{self, Resource};
use super::{paged, resolve_slug, utc, PageParams, Paged};
use crate::auth::{Access, Editor};
use crate::db::tags::{self as store, TagFields, TagOrder, TagRow, MAX_TAG_NAME};
use crate::error::{ApiError, FieldError};
use crate::etag::{self, IfMatch};
use crate::extract::{check_len, double_option, ApiJson};
use crate::state::AppState;
use crate::text::trim;
use crate::{db, text};

/// A tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    /// Id.
    #[schema(example = 12)]
    pub id: i32,
    /// Unique slug, for URLs.
    #[schema(example = "thi-dua")]
    pub slug: String,
    /// Display name.
    #[schema(example = "Thi đua")]
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Visible published articles carrying this tag.
    #[schema(example = 7)]
    pub article_count: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Content version, for the ETag.
    #[serde(skip)]
    pub version: i32,
}

impl Tag {
    fn from_row(row: TagRow, article_count: i64) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            article_count,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

impl Resource for Tag {
    type Row = TagRow;
    const KIND: &'static str = "tag";
    const LETTER: char = 't';
    const PATH: &'static str = "/api/v1/tags";

    fn find(conn: &mut SqliteConnection, id: i32) -> QueryResult<Option<TagRow>> {
        store::find(conn, id)
    }

    fn find_by_slug(conn: &mut SqliteConnection, slug: &str) -> QueryResult<Option<TagRow>> {
        store::find_by_slug(conn, slug)
    }

    fn version(row: &TagRow) -> i32 {
        row.version
    }

    fn load(conn: &mut SqliteConnection, row: TagRow) -> Result<Self, ApiError> {
        let counts = store::article_counts(conn, &[row.id], db::now())?;
        let count = counts.get(&row.id).copied().unwrap_or(0);
        Ok(Tag::from_row(row, count))
    }

    fn id(&self) -> i32 {
        self.id
    }

    /// `W/"t{id}-v{version}.{article_count}"`.
    fn etag(&self) -> String {
        etag::resource(Self::LETTER, self.id, self.version, self.article_count)
    }

    fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// Filters of the tag list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagFilters {
    /// Name prefix, case- and diacritic-insensitive (`thi d` finds "Thi đua"), for
    /// autocomplete.
    #[param(max_length = 100, example = "thi d")]
    pub q: Option<String>,
    /// `name` (default) or `-article_count` (most used first).
    #[param(inline)]
    pub sort: Option<TagSort>,
}

/// The sorts of the tag list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum TagSort {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-article_count")]
    MostUsed,
}

/// Body of POST and PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Thi đua", "description": "Phong trào thi đua yêu nước"}))]
pub struct TagInput {
    /// Display name, at most 100 characters, not blank, unique ignoring case (409).
    #[schema(max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Slug; generated from the name when absent (PUT keeps the current one).
    pub slug: Option<String>,
    /// Description, at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Body of PATCH: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": null}))]
pub struct TagPatch {
    /// Display name, at most 100 characters, not blank; `null` leaves it unchanged.
    #[schema(max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// Slug; `null` leaves it unchanged.
    pub slug: Option<String>,
    /// Description; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
}

/// Validates a tag's fields and resolves its slug; `id` and `current_slug` are the
/// tag's own when updating.
fn resolve(
    conn: &mut SqliteConnection,
    id: Option<i32>,
    current_slug: Option<&str>,
    name: &str,
    slug: Option<String>,
    description: Option<String>,
) -> Result<TagFields, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    check_len(&mut errors, "name", name, true, MAX_TAG_NAME);
    let name = trim(name).to_owned();
    if let Some(description) = &description {
        check_len(&mut errors, "description", description, false, 2000);
    }
    let explicit = slug;
    if let Some(problem) = explicit.as_deref().and_then(text::slug_problem) {
        errors.push(FieldError::new("slug", problem));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(other) = store::find_by_name(conn, &name, id)? {
        return Err(ApiError::Conflict(format!("a tag named '{}' already exists (id {})", other.name, other.id)));
    }
    let slug = resolve_slug(explicit, current_slug, &name, "tag", |s| store::slug_taken(conn, s, id))?;
    Ok(TagFields { slug, name_folded: text::fold(&name), name, description })
}

/// List tags.
///
/// `q` matches the start of the name, ignoring case and Vietnamese marks, for
/// autocomplete.
#[utoipa::path(
    tag = "tags",
    params(PageParams, TagFilters),
    responses(
        (status = 200, description = "A page of tags", body = Paged<Tag>,
            headers(("X-Total-Count" = i64, description = "Items matching, over all pages"),
                    ("Link" = String, description = "first, prev, next and last pages (RFC 8288)"))),
        (status = 400, description = "A query parameter is malformed or out of range"),
    )
)]
#[get("/tags")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _access: Access,
    page: web::Query<PageParams>,
    filters: web::Query<TagFilters>,
) -> Result<HttpResponse, ApiError> {
    let paging = page.paging()?;
    let order = match filters.sort {
        None | Some(TagSort::Name) => TagOrder::Name,
        Some(TagSort::MostUsed) => TagOrder::MostUsed,
    };
    let prefix = match filters.q.as_deref() {
        Some(q) if q.chars().count() > MAX_TAG_NAME => {
            return Err(ApiError::BadRequest(format!("q must be at most {MAX_TAG_NAME} characters")))
        }
        Some(q) if !trim(q).is_empty() => Some(text::fold(trim(q))),
        _ => None,
    };
    let (tags, total) = db::run(&state.pool, move |conn| {
        let (rows, total) = store::page(conn, prefix.as_deref(), order, db::now(), paging.offset(), paging.limit())?;
        let tags: Vec<Tag> = rows.into_iter().map(|(row, count)| Tag::from_row(row, count)).collect();
        Ok((tags, total))
    })
    .await?;
    Ok(paged(&req, paging, total, tags))
}

/// Get a tag by id.
#[utoipa::path(
    tag = "tags",
    params(("id" = i32, Path, description = "Tag id", minimum = 1)),
    responses(
        (status = 200, description = "The tag", body = Tag),
        (status = 404, description = "No tag with this id"),
    )
)]
#[get("/tags/{id}")]
pub async fn show(state: web::Data<AppState>, _access: Access, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    resource::show::<Tag>(&state, id.into_inner()).await
}

/// Get a tag by slug.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "Tag slug", example = "thi-dua")),
    responses(
        (status = 200, description = "The tag", body = Tag),
        (status = 404, description = "No tag with this slug"),
    )
)]
#[get("/tags/slug/{slug}")]
pub async fn show_by_slug(
    state: web::Data<AppState>,
    _access: Access,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    resource::show_by_slug::<Tag>(&state, slug.into_inner()).await
}

/// Create a tag.
#[utoipa::path(
    tag = "tags",
    request_body = TagInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Tag,
            headers(("Location" = String, description = "URL of the new tag"))),
        (status = 409, description = "The name or slug is taken"),
        (status = 422, description = "Invalid or unknown fields"),
    )
)]
#[post("/tags")]
pub async fn create(
    state: web::Data<AppState>,
    _editor: Editor,
    input: ApiJson<TagInput>,
) -> Result<HttpResponse, ApiError> {
    let input = input.0;
    resource::create::<Tag, _>(&state, move |conn| {
        let fields = resolve(conn, None, None, &input.name, input.slug, input.description)?;
        Ok(store::insert(conn, &fields)?)
    })
    .await
}

/// Replace a tag.
///
/// A full replace: an absent `description` is cleared; an absent `slug` stays.
#[utoipa::path(
    tag = "tags",
    params(("id" = i32, Path, description = "Tag id", minimum = 1)),
    request_body = TagInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Tag),
        (status = 404, description = "No tag with this id"),
        (status = 409, description = "The name or slug is taken"),
        (status = 422, description = "Invalid or unknown fields"),
    )
)]
#[put("/tags/{id}")]
pub async fn replace(
    state: web::Data<AppState>,
    _editor: Editor,
    if_match: IfMatch,
    id: web::Path<i32>,
    input: ApiJson<TagInput>,
) -> Result<HttpResponse, ApiError> {
    let input = input.0;
    write(state, id.into_inner(), if_match, move |_| (input.name, input.slug, input.description)).await
}

/// Update some fields of a tag.
#[utoipa::path(
    tag = "tags",
    params(("id" = i32, Path, description = "Tag id", minimum = 1)),
    request_body = TagPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Tag),
        (status = 404, description = "No tag with this id"),
        (status = 409, description = "The name or slug is taken"),
        (status = 422, description = "Invalid or unknown fields"),
    )
)]
#[patch("/tags/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    _editor: Editor,
    if_match: IfMatch,
    id: web::Path<i32>,
    input: ApiJson<TagPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = input.0;
    write(state, id.into_inner(), if_match, move |row| {
        (
            patch.name.unwrap_or_else(|| row.name.clone()),
            patch.slug,
            patch.description.unwrap_or_else(|| row.description.clone()),
        )
    })
    .await
}

type TagDraft = (String, Option<String>, Option<String>);

async fn write<F>(state: web::Data<AppState>, id: i32, if_match: IfMatch, draft: F) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&TagRow) -> TagDraft + Send + 'static,
{
    let prepare = move |conn: &mut SqliteConnection, current: &TagRow| {
        let (name, slug, description) = draft(current);
        resolve(conn, Some(current.id), Some(&current.slug), &name, slug, description)
    };
    resource::write::<Tag, _, _, _>(&state, id, if_match, prepare, |conn, id, fields| store::update(conn, id, &fields))
        .await
}

/// Delete a tag.
///
/// The tag is detached from its articles, which stay.
#[utoipa::path(
    tag = "tags",
    params(("id" = i32, Path, description = "Tag id", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No tag with this id"),
    )
)]
#[delete("/tags/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    _editor: Editor,
    if_match: IfMatch,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    resource::remove::<Tag, _>(
        &state,
        id.into_inner(),
        if_match,
        |conn, tag| Ok(store::delete(conn, tag.id).map(drop)?),
    )
    .await
}
