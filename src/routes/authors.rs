//! `/api/v1/authors`: author profiles ("Tác giả") that articles point to.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::{QueryResult, SqliteConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::resource::{Resource, Writable};
use super::{folded_prefix, paged, resolve_slug, utc, PageParams, Paged};
use crate::auth::Access;
use crate::db::authors::{self as store, AuthorFields, AuthorRow, MAX_AUTHOR_NAME};
use crate::error::{ApiError, FieldError};
use crate::etag;
use crate::extract::{check_len, double_option};
use crate::state::AppState;
use crate::text::trim;
use crate::{db, text};

/// An author profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    /// Id.
    #[schema(example = 2)]
    pub id: i32,
    /// Unique slug, for author pages.
    #[schema(example = "tran-thi-binh")]
    pub slug: String,
    /// Display name.
    #[schema(example = "Trần Thị Bình")]
    pub name: String,
    /// A few lines about the author.
    #[schema(example = "Phóng viên Ban Kinh tế.")]
    pub bio: Option<String>,
    /// Photo URL.
    #[schema(example = "https://example.vn/tac-gia/tran-thi-binh.jpg")]
    pub avatar_url: Option<String>,
    /// Visible published articles by this author.
    #[schema(example = 42)]
    pub article_count: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Content version, for the ETag.
    #[serde(skip)]
    pub version: i32,
}

impl Author {
    fn from_row(row: AuthorRow, article_count: i64) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            bio: row.bio,
            avatar_url: row.avatar_url,
            article_count,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

impl Resource for Author {
    type Row = AuthorRow;
    const KIND: &'static str = "author";
    const LETTER: char = 'u';
    const PATH: &'static str = "/api/v1/authors";

    fn load(conn: &mut SqliteConnection, row: AuthorRow) -> Result<Self, ApiError> {
        let count = store::article_counts(conn, &[row.id], db::now())?.get(&row.id).copied().unwrap_or(0);
        Ok(Author::from_row(row, count))
    }

    fn id(&self) -> i32 {
        self.id
    }

    /// `W/"u{id}-v{version}.{article_count}"`.
    fn etag(&self) -> String {
        etag::resource(Self::LETTER, self.id, self.version, self.article_count)
    }

    fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// Filters of the author list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorFilters {
    /// Name prefix, case- and diacritic-insensitive (`tran t` finds "Trần Thị Bình").
    #[param(max_length = 200, example = "tran t")]
    pub q: Option<String>,
}

/// Body of POST and PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Trần Thị Bình", "bio": "Phóng viên Ban Kinh tế.",
                          "avatar_url": "https://example.vn/tac-gia/tran-thi-binh.jpg"}))]
pub struct AuthorInput {
    /// Display name, at most 200 characters, not blank.
    #[schema(max_length = 200, pattern = r"[^\s\x1c-\x1f]")]
    pub name: String,
    /// Slug; generated from the name when absent (PUT keeps the current one).
    pub slug: Option<String>,
    /// At most 2,000 characters.
    #[schema(max_length = 2000)]
    pub bio: Option<String>,
    /// `http` or `https` URL, at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub avatar_url: Option<String>,
}

/// Body of PATCH: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bio": null}))]
pub struct AuthorPatch {
    /// Display name; `null` leaves it unchanged.
    #[schema(max_length = 200, pattern = r"[^\s\x1c-\x1f]")]
    pub name: Option<String>,
    /// Slug; `null` leaves it unchanged.
    pub slug: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub bio: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub avatar_url: Option<Option<String>>,
}

/// An author's fields before the checks: name, slug, bio, avatar.
type Draft = (String, Option<String>, Option<String>, Option<String>);

/// Validates an author's fields and resolves the slug; `current` is the author's own
/// row when updating.
fn resolve(conn: &mut SqliteConnection, current: Option<&AuthorRow>, draft: Draft) -> Result<AuthorFields, ApiError> {
    let (name, slug, bio, avatar_url) = draft;
    let mut errors: Vec<FieldError> = Vec::new();
    check_len(&mut errors, "name", &name, true, MAX_AUTHOR_NAME);
    if let Some(bio) = &bio {
        check_len(&mut errors, "bio", bio, false, 2000);
    }
    if let Some(url) = &avatar_url {
        if url.len() > 2000 || !text::is_web_url(url) {
            errors.push(FieldError::new("avatar_url", "must be an http or https URL of at most 2,000 characters"));
        }
    }
    if let Some(problem) = slug.as_deref().and_then(text::slug_problem) {
        errors.push(FieldError::new("slug", problem));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = trim(&name).to_owned();
    let id = current.map(|row| row.id);
    let slug =
        resolve_slug(slug, current.map(|row| row.slug.as_str()), &name, "author", |s| store::slug_taken(conn, s, id))?;
    Ok(AuthorFields { slug, name_folded: text::fold(&name), name, bio, avatar_url })
}

/// List authors.
///
/// By name; `q` matches the start of the name, ignoring case and Vietnamese marks.
#[utoipa::path(
    tag = "authors",
    params(PageParams, AuthorFilters),
    responses(
        (status = 200, description = "A page of authors", body = Paged<Author>),
    )
)]
#[get("/authors")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _access: Access,
    page: web::Query<PageParams>,
    filters: web::Query<AuthorFilters>,
) -> Result<HttpResponse, ApiError> {
    let paging = page.paging()?;
    let prefix = folded_prefix(filters.q.as_deref(), MAX_AUTHOR_NAME)?;
    let (authors, total) = db::run(&state.pool, move |conn| {
        let (rows, total) = store::page(conn, prefix.as_deref(), paging.offset(), paging.limit())?;
        let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
        let counts = store::article_counts(conn, &ids, db::now())?;
        let authors: Vec<Author> = rows
            .into_iter()
            .map(|row| {
                let count = counts.get(&row.id).copied().unwrap_or(0);
                Author::from_row(row, count)
            })
            .collect();
        Ok((authors, total))
    })
    .await?;
    Ok(paged(&req, paging, total, authors))
}

impl Writable for Author {
    type Input = AuthorInput;
    type Patch = AuthorPatch;
    type Fields = AuthorFields;

    fn from_input(
        conn: &mut SqliteConnection,
        current: Option<&AuthorRow>,
        input: AuthorInput,
    ) -> Result<AuthorFields, ApiError> {
        resolve(conn, current, (input.name, input.slug, input.bio, input.avatar_url))
    }

    fn from_patch(
        conn: &mut SqliteConnection,
        current: &AuthorRow,
        patch: AuthorPatch,
    ) -> Result<AuthorFields, ApiError> {
        let draft = (
            patch.name.unwrap_or_else(|| current.name.clone()),
            patch.slug,
            patch.bio.unwrap_or_else(|| current.bio.clone()),
            patch.avatar_url.unwrap_or_else(|| current.avatar_url.clone()),
        );
        resolve(conn, Some(current), draft)
    }

    fn insert(conn: &mut SqliteConnection, fields: &AuthorFields) -> QueryResult<AuthorRow> {
        store::insert(conn, fields)
    }

    fn update(conn: &mut SqliteConnection, id: i32, fields: &AuthorFields) -> QueryResult<AuthorRow> {
        store::update(conn, id, fields)
    }

    /// Only an author no article points to can go.
    fn delete(conn: &mut SqliteConnection, row: &AuthorRow) -> Result<(), ApiError> {
        let used = store::articles_of(conn, row.id)?;
        if used > 0 {
            return Err(ApiError::Conflict(format!(
                "{used} article(s) still point to this author; change their author_id first"
            )));
        }
        store::delete(conn, row.id)?;
        Ok(())
    }
}

crate::crud_routes! {
    resource: Author, input: AuthorInput, patch: AuthorPatch, tag: "authors",
    paths: ("/authors", "/authors/{id}", "/authors/slug/{slug}"),
    id: "Author id", slug: ("Author slug", "tran-thi-binh"),
    found: ("The author", "No author with this id", "No author with this slug"),
    docs: ("Get an author by id.", "Get an author by slug.", "Create an author.", "Update some fields of an author."),
    replace_doc: ["Replace an author.", "", "A full replace: absent `bio` and `avatar_url` are cleared; an absent `slug` stays."],
    remove_doc: [
        "Delete an author.",
        "",
        "Only an author no article points to (of any status, the trash included) can go;",
        "otherwise 409 saying how many."
    ],
    location: "URL of the new author", conflict: "The slug is taken",
    invalid: ("Invalid or unknown fields", "Invalid or unknown fields"),
    remove_refusal: [(status = 409, description = "Articles still point to the author")]
}
