//! Bearer tokens: who is asking, and whether they may write.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// How often the token table is read again: a revoke (through the API or by
/// `bantin token revoke` in another process) takes effect within this time.
pub const TOKEN_REFRESH: Duration = Duration::from_millis(500);

/// Every token's hash and scope, in memory: verifying a token needs no database
/// round trip. A thread reads the table again every [`TOKEN_REFRESH`] and ends once
/// the last holder of this set is gone.
pub struct Tokens {
    by_hash: RwLock<HashMap<String, Access>>,
}

impl Tokens {
    /// Loads the tokens of `pool`'s database and keeps them fresh.
    pub fn start(pool: db::DbPool) -> Result<Arc<Self>, String> {
        let tokens = Arc::new(Self { by_hash: RwLock::new(HashMap::new()) });
        tokens.reload(&pool)?;
        let weak: Weak<Self> = Arc::downgrade(&tokens);
        std::thread::Builder::new()
            .name("tokens".to_owned())
            .spawn(move || loop {
                std::thread::sleep(TOKEN_REFRESH);
                let Some(tokens) = weak.upgrade() else { return };
                if let Err(why) = tokens.reload(&pool) {
                    log::warn!("cannot refresh API tokens (the last known set stays in force): {why}");
                }
            })
            .map_err(|e| format!("cannot start the token refresher: {e}"))?;
        Ok(tokens)
    }

    /// Reads the token table again.
    pub fn reload(&self, pool: &db::DbPool) -> Result<(), String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let rows = db::tokens::hashes(&mut conn).map_err(|e| e.to_string())?;
        let fresh: HashMap<String, Access> = rows
            .into_iter()
            .filter_map(|(hash, scope)| match scope.as_str() {
                "write" => Some((hash, Access::Write)),
                "read" => Some((hash, Access::Read)),
                _ => None,
            })
            .collect();
        match self.by_hash.write() {
            Ok(mut by_hash) => *by_hash = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// What the token `secret` may do; `None` for an unknown token.
    pub fn access(&self, secret: &str) -> Option<Access> {
        let hash = db::tokens::hash_token(secret);
        match self.by_hash.read() {
            Ok(by_hash) => by_hash.get(&hash).copied(),
            Err(poisoned) => poisoned.into_inner().get(&hash).copied(),
        }
    }
}

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

    /// Resolves the request's `Authorization` header (in memory).
    fn of(req: &HttpRequest) -> Result<Access, ApiError> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return Ok(Access::Public);
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".to_owned()))?;
        let state =
            req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?;
        state.tokens.access(secret).ok_or_else(|| ApiError::Unauthorized("the token is not valid".to_owned()))
    }
}

impl FromRequest for Access {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Access::of(req))
    }
}

/// Proof that the request carries a `write` token: 401 without a valid token, 403 with
/// a `read` one.
#[derive(Debug, Clone, Copy)]
pub struct WriteAccess;

impl FromRequest for WriteAccess {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match Access::of(req) {
            Ok(Access::Write) => Ok(WriteAccess),
            Ok(Access::Read) => {
                Err(ApiError::Forbidden("this token may only read; writing needs a write token".to_owned()))
            }
            Ok(Access::Public) => Err(ApiError::Unauthorized(
                "writing needs a write token: send `Authorization: Bearer <token>`".to_owned(),
            )),
            Err(error) => Err(error),
        })
    }
}
