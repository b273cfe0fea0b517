//! Bearer tokens: who is asking, and what their role lets them do.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// How often the token table is read again: a revoke (through the API or by
/// `bantin token revoke` in another process) takes effect within this time.
pub const TOKEN_REFRESH: Duration = Duration::from_millis(500);

/// How often the times tokens were last used are written (one statement per token
/// used since, not one write per request).
pub const LAST_USED_FLUSH: Duration = Duration::from_secs(5);

/// A token's role, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Sees drafts, scheduled, archived and trashed content (preview frontends).
    Read,
    /// Also creates articles and edits drafts; never makes content public.
    Contributor,
    /// Every content write (`write` in v1).
    Editor,
    /// Editor, plus tokens and webhooks.
    Admin,
}

impl Role {
    /// The role of a stored scope (`write` is the v1 name of `editor`).
    pub fn of_scope(scope: &str) -> Option<Role> {
        match scope {
            "read" => Some(Role::Read),
            "contributor" => Some(Role::Contributor),
            "editor" | "write" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// "a" or "an", for messages.
    fn article(self) -> &'static str {
        match self {
            Role::Editor | Role::Admin => "an",
            Role::Read | Role::Contributor => "a",
        }
    }

    /// The scope as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Contributor => "contributor",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

/// A token as verified in memory.
#[derive(Debug)]
pub struct TokenInfo {
    /// Row id.
    pub id: i32,
    /// Its name (the `editor` of revisions it writes).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Milliseconds since the epoch when it was last used (0: not since loaded).
    last_used_ms: AtomicI64,
    /// The last time written to the database.
    written_ms: AtomicI64,
}

impl TokenInfo {
    fn touch(&self) {
        self.last_used_ms.store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }
}

/// Every token in memory: verifying a token needs no database round trip. A thread
/// reads the table again every [`TOKEN_REFRESH`], writes last-used times every
/// [`LAST_USED_FLUSH`], and ends once the last holder of this set is gone.
pub struct Tokens {
    by_hash: RwLock<HashMap<String, Arc<TokenInfo>>>,
    /// One reload at a time: an older read must not replace a newer one.
    reloading: std::sync::Mutex<()>,
}

impl Tokens {
    /// Loads the tokens of `pool`'s database and keeps them fresh.
    pub fn start(pool: db::DbPool) -> Result<Arc<Self>, String> {
        let tokens = Arc::new(Self { by_hash: RwLock::new(HashMap::new()), reloading: std::sync::Mutex::new(()) });
        tokens.reload(&pool)?;
        let weak: Weak<Self> = Arc::downgrade(&tokens);
        std::thread::Builder::new()
            .name("tokens".to_owned())
            .spawn(move || {
                let mut flushed = Instant::now();
                loop {
                    std::thread::sleep(TOKEN_REFRESH);
                    let Some(tokens) = weak.upgrade() else { return };
                    if flushed.elapsed() >= LAST_USED_FLUSH {
                        flushed = Instant::now();
                        if let Err(why) = tokens.write_last_used(&pool) {
                            log::warn!("cannot record when tokens were last used: {why}");
                        }
                    }
                    if let Err(why) = tokens.reload(&pool) {
                        log::warn!("cannot refresh API tokens (the last known set stays in force): {why}");
                    }
                }
            })
            .map_err(|e| format!("cannot start the token refresher: {e}"))?;
        Ok(tokens)
    }

    fn all(&self) -> Vec<Arc<TokenInfo>> {
        match self.by_hash.read() {
            Ok(by_hash) => by_hash.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        }
    }

    /// Reads the token table again, keeping what is known of tokens that stay.
    pub fn reload(&self, pool: &db::DbPool) -> Result<(), String> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let rows = db::tokens::list(&mut conn).map_err(|e| e.to_string())?;
        let known: HashMap<i32, Arc<TokenInfo>> = self.all().into_iter().map(|t| (t.id, t)).collect();
        let fresh: HashMap<String, Arc<TokenInfo>> = rows
            .into_iter()
            .filter_map(|row| {
                let role = Role::of_scope(&row.scope)?;
                let info = match known.get(&row.id) {
                    Some(info) if info.role == role && info.name == row.name => info.clone(),
                    _ => Arc::new(TokenInfo {
                        id: row.id,
                        name: row.name,
                        role,
                        last_used_ms: AtomicI64::new(0),
                        written_ms: AtomicI64::new(0),
                    }),
                };
                Some((row.token_hash, info))
            })
            .collect();
        match self.by_hash.write() {
            Ok(mut by_hash) => *by_hash = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Writes the last-used time of every token used since the last write, in one
    /// transaction.
    pub fn write_last_used(&self, pool: &db::DbPool) -> Result<(), String> {
        let used: Vec<(Arc<TokenInfo>, i64)> = self
            .all()
            .into_iter()
            .filter_map(|t| {
                let at = t.last_used_ms.load(Ordering::Relaxed);
                (at > t.written_ms.load(Ordering::Relaxed)).then_some((t, at))
            })
            .collect();
        if used.is_empty() {
            return Ok(());
        }
        let times: Vec<(i32, NaiveDateTime)> = used
            .iter()
            .filter_map(|(t, at)| {
                DateTime::<Utc>::from_timestamp_millis(*at).map(|time| (t.id, db::seconds(time.naive_utc())))
            })
            .collect();
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        db::write(&mut conn, db::Changes::Nothing, |conn| db::tokens::set_last_used(conn, &times))
            .map_err(|e| e.to_string())?;
        for (token, at) in used {
            token.written_ms.store(at, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The token `secret`, noted as used now; `None` for an unknown token.
    pub fn access(&self, secret: &str) -> Option<Arc<TokenInfo>> {
        let hash = db::tokens::hash_token(secret);
        let found = match self.by_hash.read() {
            Ok(by_hash) => by_hash.get(&hash).cloned(),
            Err(poisoned) => poisoned.into_inner().get(&hash).cloned(),
        };
        if let Some(token) = &found {
            token.touch();
        }
        found
    }
}

/// Who is making the request.
#[derive(Debug, Clone)]
pub enum Access {
    /// No token: sees only visible published content.
    Public,
    /// A valid token.
    Token(Arc<TokenInfo>),
}

impl Access {
    /// Whether unpublished content may be shown (any token may).
    pub fn sees_unpublished(&self) -> bool {
        matches!(self, Access::Token(_))
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
        state
            .tokens
            .access(secret)
            .map(Access::Token)
            .ok_or_else(|| ApiError::Unauthorized("the token is not valid".to_owned()))
    }
}

impl FromRequest for Access {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Access::of(req))
    }
}

/// Proof that the request carries a token of at least role `MIN` (0 read,
/// 1 contributor, 2 editor, 3 admin): 401 without a valid token, 403 naming the role
/// needed with a lower one. Use the aliases [`Contributor`], [`Editor`], [`Admin`].
#[derive(Debug, Clone)]
pub struct Requires<const MIN: u8>(pub Arc<TokenInfo>);

/// At least a contributor token.
pub type Contributor = Requires<1>;
/// At least an editor token (`write` in v1).
pub type Editor = Requires<2>;
/// An admin token.
pub type Admin = Requires<3>;

const fn role_of(min: u8) -> Role {
    match min {
        0 => Role::Read,
        1 => Role::Contributor,
        2 => Role::Editor,
        _ => Role::Admin,
    }
}

impl<const MIN: u8> Requires<MIN> {
    /// The token making the request.
    pub fn token(&self) -> &TokenInfo {
        &self.0
    }

    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let needed = role_of(MIN);
        match Access::of(req)? {
            Access::Token(token) if token.role >= needed => Ok(Self(token)),
            Access::Token(token) => Err(ApiError::Forbidden(format!(
                "this needs {} {} token (or higher); this token is {} {} token",
                needed.article(),
                needed.as_str(),
                token.role.article(),
                token.role.as_str()
            ))),
            Access::Public => Err(ApiError::Unauthorized(format!(
                "this needs {} {} token: send `Authorization: Bearer <token>`",
                needed.article(),
                needed.as_str()
            ))),
        }
    }
}

impl<const MIN: u8> FromRequest for Requires<MIN> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::of(req))
    }
}
