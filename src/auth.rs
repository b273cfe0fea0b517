//! Bearer tokens: who is asking, and whether they may write.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::error::ApiError;
use crate::{db, AppState};

/// Who is making the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token: sees only visible published content.
    Public,
    /// A `read` token: also sees drafts, scheduled and archived content.
    Read,
    /// A `write` token: may do everything.
    Write,
}

impl Access {
    /// Whether unpublished content may be shown.
    pub fn sees_unpublished(self) -> bool {
        self != Access::Public
    }

    /// Resolves the request's `Authorization` header.
    async fn of(req: HttpRequest) -> Result<Access, ApiError> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return Ok(Access::Public);
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".to_owned()))?
            .to_owned();
        let state =
            req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?;
        let scope = db::run(&state.pool, move |conn| Ok(db::tokens::scope_of(conn, &secret)?)).await?;
        match scope.as_deref() {
            Some("write") => Ok(Access::Write),
            Some("read") => Ok(Access::Read),
            _ => Err(ApiError::Unauthorized("the token is not valid".to_owned())),
        }
    }
}

impl FromRequest for Access {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Access::of(req.clone()))
    }
}

/// Proof that the request carries a `write` token: 401 without a valid token, 403 with
/// a `read` one.
#[derive(Debug, Clone, Copy)]
pub struct WriteAccess;

impl FromRequest for WriteAccess {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match Access::of(req).await? {
                Access::Write => Ok(WriteAccess),
                Access::Read => {
                    Err(ApiError::Forbidden("this token may only read; writing needs a write token".to_owned()))
                }
                Access::Public => Err(ApiError::Unauthorized(
                    "writing needs a write token: send `Authorization: Bearer <token>`".to_owned(),
                )),
            }
        })
    }
}
