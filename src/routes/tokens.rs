//! `/api/v1/tokens`: API tokens, managed by admins.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{mapped, utc, Listing, NoFilters, PageParams, Paged};
use crate::auth::Admin;
use crate::db;
use crate::db::tokens::{self as store, TokenRow};
use crate::error::{ApiError, FieldError};
use crate::extract::{check_len, ApiJson};
use crate::routes::{Answer, State};
use crate::state::AppState;
use crate::text::trim;

/// A token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Sees drafts, scheduled, archived and trashed content.
    Read,
    /// Also creates articles and edits drafts; never makes content public.
    Contributor,
    /// Every content write.
    Editor,
    /// Editor, plus tokens and webhooks.
    Admin,
    /// v1's name of `editor` (accepted when creating; stored and shown as `editor`).
    Write,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Contributor => "contributor",
            Scope::Editor | Scope::Write => "editor",
            Scope::Admin => "admin",
        }
    }
}

/// A token, never its secret or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// Id.
    #[schema(example = 4)]
    pub id: i32,
    /// Unique name, e.g. the person or app using it.
    #[schema(example = "toa-soan-nguyen-an")]
    pub name: String,
    /// `read`, `contributor`, `editor` or `admin`.
    #[schema(example = "contributor")]
    pub scope: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it was last used (recorded every few seconds); `null` if never.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for Token {
    fn from(row: TokenRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            scope: row.scope,
            created_at: utc(row.created_at),
            last_used_at: row.last_used_at.map(utc),
        }
    }
}

/// A token just made, with its secret (shown only in this answer).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    pub item: Token,
    /// The secret, for `Authorization: Bearer <token>`; it cannot be shown again.
    #[schema(example = "bantin_5f0c…")]
    pub token: String,
}

/// Reads the tokens again on this server, so that a change through the API takes
/// effect at once (other servers: within [`crate::auth::TOKEN_REFRESH`]). The change is
/// committed already: if this fails, the refresher thread picks it up within that time.
async fn reload(state: &AppState) {
    let (tokens, pool) = (state.tokens.clone(), state.pool.clone());
    let reloaded = web::block(move || tokens.reload(&pool)).await.map_err(|e| e.to_string()).and_then(|r| r);
    if let Err(why) = reloaded {
        log::warn!("cannot reload the tokens after a change (the refresher will): {why}");
    }
}

/// Body of POST.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "cong-tac-vien-binh", "scope": "contributor"}))]
pub struct TokenInput {
    /// Unique name, at most 100 characters, not blank.
    #[schema(max_length = 100, pattern = r"[^\s\x1c-\x1f]")]
    pub name: String,
    /// The role.
    pub scope: Scope,
}

/// List tokens (admin).
#[utoipa::path(
    params(PageParams),
    responses(
        (status = 200, description = "A page of tokens, oldest first", body = Paged<Token>),
    )
)]
#[get("/tokens")]
pub async fn list(list: Listing<NoFilters, Admin>) -> Answer {
    list.page_of(|conn, offset, limit| mapped(store::page(conn, offset, limit)?, Token::from)).await
}

/// Create a token (admin).
///
/// The answer is the only place the secret (`token`) is ever shown.
#[utoipa::path(
    request_body = TokenInput,
    responses(
        (status = 201, description = "Created; `token` holds the secret", body = NewToken),
        (status = 409, description = "The name is taken"),
        (status = 422, description = "Invalid or unknown fields"),
    )
)]
#[post("/tokens")]
pub async fn create(state: State, _admin: Admin, input: ApiJson<TokenInput>) -> Answer {
    let input = input.0;
    let mut errors: Vec<FieldError> = Vec::new();
    check_len(&mut errors, "name", &input.name, true, 100);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = trim(&input.name).to_owned();
    let (row, secret) = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| match store::create_row(conn, &name, input.scope.as_str()) {
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                Err(ApiError::Conflict(format!("a token named '{name}' already exists")))
            }
            other => Ok(other?),
        })
    })
    .await?;
    reload(&state).await;
    Ok(HttpResponse::build(StatusCode::CREATED).json(NewToken { item: row.into(), token: secret }))
}

/// Revoke a token (admin).
///
/// Takes effect at once on this server, within half a second on others.
#[utoipa::path(
    params(("id" = i32, Path, description = "Token id", minimum = 1)),
    responses(
        (status = 204, description = "Revoked"),
    )
)]
#[delete("/tokens/{id}")]
pub async fn remove(state: State, _admin: Admin, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let deleted = db::run(&state.pool, move |conn| Ok(store::delete(conn, id)?)).await?;
    if !deleted {
        return Err(ApiError::not_found("token", format!("id {id}")));
    }
    reload(&state).await;
    Ok(HttpResponse::NoContent().finish())
}
