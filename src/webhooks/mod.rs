//! Webhooks: what changes write to the outbox, how a delivery is signed (Standard
//! Webhooks), which addresses may receive one, and the worker that sends them.
//!
//! A change queues its event in the same transaction as the change
//! ([`emit`]). The worker (one thread, its own async runtime) picks each
//! subscription's oldest pending delivery when it is due, so a subscription gets its
//! events in order and a slow or dead receiver holds up only itself; it never touches
//! the HTTP workers. The same thread announces scheduled articles as they come due.

pub mod guard;
pub mod spec;
pub mod worker;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::db::Conn;

pub use worker::Webhooks;

/// An event a subscription may ask for; `*` asks for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum EventName {
    #[serde(rename = "article.created")]
    ArticleCreated,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    #[serde(rename = "article.trashed")]
    ArticleTrashed,
    #[serde(rename = "article.restored")]
    ArticleRestored,
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "category.created")]
    CategoryCreated,
    #[serde(rename = "category.updated")]
    CategoryUpdated,
    #[serde(rename = "category.deleted")]
    CategoryDeleted,
    #[serde(rename = "tag.created")]
    TagCreated,
    #[serde(rename = "tag.updated")]
    TagUpdated,
    #[serde(rename = "tag.deleted")]
    TagDeleted,
    #[serde(rename = "author.created")]
    AuthorCreated,
    #[serde(rename = "author.updated")]
    AuthorUpdated,
    #[serde(rename = "author.deleted")]
    AuthorDeleted,
    #[serde(rename = "media.created")]
    MediaCreated,
    #[serde(rename = "media.deleted")]
    MediaDeleted,
    #[serde(rename = "ping")]
    Ping,
    #[serde(rename = "*")]
    All,
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", BASE64.encode(key))
}

/// The `webhook-signature` of `body` sent as message `id` at `timestamp` (Unix
/// seconds): `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with
/// the decoded part of `secret` after `whsec_`. `None` for a malformed secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = BASE64.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// The body of a delivery: `{"type", "timestamp", "data"}`.
#[derive(Debug, Serialize)]
struct Body<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: String,
    data: &'a T,
}

/// Queues `event` with `data` for every active subscription that wants it, in the
/// caller's transaction (the change and its event commit together or not at all).
/// Nothing is written when no subscription is active.
pub fn emit<T: Serialize>(conn: &mut Conn, event: &str, data: &T) -> diesel::QueryResult<()> {
    if !crate::db::webhooks::any_active(conn)? {
        return Ok(());
    }
    send_to(conn, event, data, None).map(|_| ())
}

/// Queues `event` with `data` for subscription `only`, or for all that want it;
/// returns the deliveries queued.
pub fn send_to<T: Serialize>(
    conn: &mut Conn,
    event: &str,
    data: &T,
    only: Option<i32>,
) -> diesel::QueryResult<Vec<i32>> {
    let body = Body { kind: event, timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true), data };
    let body = serde_json::to_string(&body).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    crate::db::webhooks::enqueue(conn, event, &body, only)
}

/// `{"id": id}`: the data of a deletion.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Deleted {
    pub id: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}"), None, "no whsec_ prefix");
        assert_eq!(signature("whsec_!!!", "m", 1, "{}"), None, "not base64");
    }

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let key = BASE64.decode(a.strip_prefix("whsec_").expect("prefix")).expect("base64");
        assert_eq!(key.len(), 32);
    }
}
