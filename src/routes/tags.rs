//! `/api/v1/tags`: flat labels on articles.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::{QueryResult, SqliteConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::resource::{Resource, Writable};
use super::{folded_prefix, paged, resolve_slug, utc, PageParams, Paged};
use crate::auth::Access;
use crate::db::tags::{self as store, TagFields, TagOrder, TagRow, MAX_TAG_NAME};
use crate::error::{ApiError, FieldError};
use crate::etag;
use crate::extract::{check_len, double_option};
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
    #[schema(max_length = 100, pattern = r"[^\s\x1c-\x1f]")]
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
    #[schema(max_length = 100, pattern = r"[^\s\x1c-\x1f]")]
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
        (status = 200, description = "A page of tags", body = Paged<Tag>),
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
    let prefix = folded_prefix(filters.q.as_deref(), MAX_TAG_NAME)?;
    let (tags, total) = db::run(&state.pool, move |conn| {
        let (rows, total) = store::page(conn, prefix.as_deref(), order, db::now(), paging.offset(), paging.limit())?;
        let tags: Vec<Tag> = rows.into_iter().map(|(row, count)| Tag::from_row(row, count)).collect();
        Ok((tags, total))
    })
    .await?;
    Ok(paged(&req, paging, total, tags))
}

impl Writable for Tag {
    type Input = TagInput;
    type Patch = TagPatch;
    type Fields = TagFields;

    fn from_input(
        conn: &mut SqliteConnection,
        current: Option<&TagRow>,
        input: TagInput,
    ) -> Result<TagFields, ApiError> {
        let (id, slug) = (current.map(|row| row.id), current.map(|row| row.slug.as_str()));
        resolve(conn, id, slug, &input.name, input.slug, input.description)
    }

    fn from_patch(conn: &mut SqliteConnection, current: &TagRow, patch: TagPatch) -> Result<TagFields, ApiError> {
        let name = patch.name.unwrap_or_else(|| current.name.clone());
        let description = patch.description.unwrap_or_else(|| current.description.clone());
        resolve(conn, Some(current.id), Some(&current.slug), &name, patch.slug, description)
    }

    fn insert(conn: &mut SqliteConnection, fields: &TagFields) -> QueryResult<TagRow> {
        store::insert(conn, fields)
    }

    fn update(conn: &mut SqliteConnection, id: i32, fields: &TagFields) -> QueryResult<TagRow> {
        store::update(conn, id, fields)
    }

    /// The tag is detached from its articles, which stay.
    fn delete(conn: &mut SqliteConnection, row: &TagRow) -> Result<(), ApiError> {
        store::delete(conn, row.id)?;
        Ok(())
    }
}

crate::crud_routes! {
    resource: Tag, input: TagInput, patch: TagPatch, tag: "tags",
    paths: ("/tags", "/tags/{id}", "/tags/slug/{slug}"),
    id: "Tag id", slug: ("Tag slug", "thi-dua"),
    found: ("The tag", "No tag with this id", "No tag with this slug"),
    docs: ("Get a tag by id.", "Get a tag by slug.", "Create a tag.", "Update some fields of a tag."),
    replace_doc: ["Replace a tag.", "", "A full replace: an absent `description` is cleared; an absent `slug` stays."],
    remove_doc: ["Delete a tag.", "", "The tag is detached from its articles, which stay."],
    location: "URL of the new tag", conflict: "The name or slug is taken",
    invalid: ("Invalid or unknown fields", "Invalid or unknown fields"),
    remove_refusal: []
}
