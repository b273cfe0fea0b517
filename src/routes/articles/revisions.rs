//! `/api/v1/articles/{id}/revisions`: earlier versions, for token holders.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Article, ArticleItem, AuthorRef, CategoryRef, TagRef};
use crate::auth::Access;
use crate::db::articles::{ArticleFields, ArticleRow};
use crate::db::revisions::{self, RevisionRow};
use crate::db::Conn;
use crate::error::ApiError;
use crate::routes::{mapped, utc, Listing, PageParams, Paged};
use crate::routes::{Answer, State};
use crate::schema::tags;
use crate::{db, html};

/// A kept version of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    /// The version it was.
    #[schema(example = 3)]
    pub version: i32,
    /// Its headline then.
    pub title: String,
    /// Its status then.
    #[schema(example = "draft")]
    pub status: String,
    /// When that version was written.
    pub updated_at: DateTime<Utc>,
    /// The token that wrote it; `null` for the command line or an import.
    #[schema(example = "bien-tap-vien-an")]
    pub editor: Option<String>,
}

impl From<RevisionRow> for Revision {
    fn from(row: RevisionRow) -> Self {
        Self {
            version: row.version,
            title: row.title,
            status: row.status,
            updated_at: utc(row.updated_at),
            editor: row.editor,
        }
    }
}

fn token_holders_only(access: &Access) -> Result<(), ApiError> {
    if access.sees_unpublished() {
        Ok(())
    } else {
        Err(ApiError::Unauthorized("revisions need a token: send `Authorization: Bearer <token>`".to_owned()))
    }
}

/// The path of one revision.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RevisionPath {
    /// Article id
    #[param(minimum = 1)]
    pub id: i32,
    /// A kept version
    #[param(minimum = 1)]
    pub version: i32,
}

impl RevisionPath {
    /// The revision, or a 404 naming it.
    pub fn find(self, conn: &mut Conn) -> Result<RevisionRow, ApiError> {
        let RevisionPath { id, version } = self;
        revisions::find(conn, id, version)?
            .ok_or_else(|| ApiError::not_found("revision", format!("version {version} of article {id}")))
    }
}

/// List an article's revisions (token holders), newest first.
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of kept versions, newest first", body = Paged<Revision>),
    )
)]
#[get("/articles/{id}/revisions")]
pub async fn list_revisions(list: Listing, id: web::Path<i32>) -> Answer {
    token_holders_only(&list.caller)?;
    let id = id.into_inner();
    list.page_of(move |conn, offset, limit| {
        super::found(conn, id)?;
        mapped(revisions::page(conn, id, offset, limit)?, Revision::from)
    })
    .await
}

/// Get an article as it was at a kept version (token holders).
///
/// The whole article object (body, tags, category included) with that version's
/// content; categories, tags and authors appear as they are named now.
#[utoipa::path(
    tag = "articles",
    params(RevisionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article at that version", body = Article),
        (status = 404, description = "No article with this id, or no such kept version"),
    )
)]
#[get("/articles/{id}/revisions/{version}")]
pub async fn show_revision(state: State, access: Access, path: web::Path<RevisionPath>) -> Answer {
    token_holders_only(&access)?;
    let path = path.into_inner();
    let site = state.feeds.site.clone();
    let article = db::run(&state.pool, move |conn| {
        let current = super::found(conn, path.id)?;
        let revision = path.find(conn)?;
        let content = revision.content().map_err(ApiError::internal)?;
        let category = match content.fields.category_id {
            Some(category) => db::categories::find(conn, category)?.map(|c| CategoryRef {
                id: c.id,
                slug: c.fields.slug,
                name: c.fields.name,
            }),
            None => None,
        };
        let author_profile = match content.fields.author_id {
            Some(author) => db::authors::find(conn, author)?.map(|a| AuthorRef {
                id: a.id,
                slug: a.fields.slug,
                name: a.fields.name,
                avatar_url: a.fields.avatar_url,
            }),
            None => None,
        };
        let tags: Vec<TagRef> = tags::table
            .filter(tags::slug.eq_any(&content.tags))
            .order((tags::name_folded, tags::id))
            .select((tags::id, tags::slug, tags::name))
            .load::<(i32, String, String)>(conn)?
            .into_iter()
            .map(|(id, slug, name)| TagRef { id, slug, name })
            .collect();
        // The article row as it was: that version's content and times, today's count.
        let body = content.fields.body;
        let fields = ArticleFields {
            body: String::new(),
            reading_time_minutes: html::reading_time_minutes(&body),
            ..content.fields
        };
        let then = ArticleRow {
            fields,
            updated_at: revision.updated_at,
            version: revision.version,
            trashed_at: None,
            editor: revision.editor,
            ..current
        };
        let cover_image = then.cover_image_id.map(|id| db::media::find(conn, id)).transpose()?.flatten();
        let cover_image = cover_image.map(super::CoverImage::of);
        let item = ArticleItem::from_parts(&then, category, tags, author_profile, cover_image, site.as_deref());
        Ok(Article { item, body })
    })
    .await?;
    Ok(HttpResponse::Ok().json(article))
}
