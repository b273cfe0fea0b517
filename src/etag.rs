//! Entity tags and preconditions.
//!
//! A single resource's tag is `W/"{kind}{id}-v{version}.{count}"`: the part before the
//! dot is its content version, which `If-Match` compares; the count after it (views,
//! articles) changes the tag so that caches revalidate, but a view counted between an
//! editor's read and write does not make the write fail. Lists are tagged with a hash
//! of their body.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The tag of one resource.
pub fn resource(kind: char, id: i32, version: i32, count: i64) -> String {
    format!("W/\"{kind}{id}-v{version}.{count}\"")
}

/// The tag of a body: the first 16 bytes of its SHA-256.
pub fn of_body(body: &[u8]) -> String {
    format!("W/\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// The opaque part of a tag: without `W/` and quotes.
fn opaque(tag: &str) -> &str {
    let tag = tag.trim();
    tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"')
}

/// Whether any tag in the header value `list` matches `tag` (weak comparison, `*`
/// matches anything).
pub fn list_matches(list: &str, tag: &str) -> bool {
    let wanted = opaque(tag);
    list.split(',').map(str::trim).any(|candidate| candidate == "*" || opaque(candidate) == wanted)
}

/// The content version a resource's tag names: `a5-v3` of `W/"a5-v3.10"`, and of
/// the sparse representation's `W/"a5-v3;f=1a2b3c4d.10"`.
fn content_version(tag: &str) -> &str {
    let version = opaque(tag).split('.').next().unwrap_or_default();
    version.split(';').next().unwrap_or(version)
}

/// The `If-Match` header of a write, if any.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// 412 unless the header is absent or names the current content version
    /// `{kind}{id}-v{version}` (or `*`).
    pub fn check(&self, kind: char, id: i32, version: i32) -> Result<(), ApiError> {
        let Some(list) = &self.0 else { return Ok(()) };
        let current = format!("{kind}{id}-v{version}");
        let fresh =
            list.split(',').map(str::trim).any(|candidate| candidate == "*" || content_version(candidate) == current);
        if fresh {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed(
                "the resource has changed since you read it (If-Match does not match); read it again".to_owned(),
            ))
        }
    }
}

impl From<Option<String>> for IfMatch {
    /// A precondition given in a body rather than a header (batch writes).
    fn from(list: Option<String>) -> Self {
        IfMatch(list)
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.headers().get(header::IF_MATCH).map(|v| v.to_str().map(str::to_owned));
        ready(match value {
            None => Ok(IfMatch(None)),
            Some(Ok(list)) => Ok(IfMatch(Some(list))),
            Some(Err(_)) => Err(ApiError::BadRequest("If-Match must be visible ASCII".to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_the_content_version_only() {
        let current = |list: &str| IfMatch(Some(list.to_owned())).check('a', 12, 3).is_ok();
        assert!(current("W/\"a12-v3.1001\""), "views differ, content same");
        assert!(current("\"a12-v3.0\""));
        assert!(current("W/\"a12-v2.5\", W/\"a12-v3.5\""));
        assert!(current("*"));
        assert!(!current("W/\"a12-v2.1001\""));
        assert!(!current("W/\"a13-v3.0\""));
        assert!(!current("garbage"));
        assert!(IfMatch(None).check('a', 12, 3).is_ok());
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        let tag = resource('t', 5, 2, 7);
        assert_eq!(tag, "W/\"t5-v2.7\"");
        assert!(list_matches("W/\"t5-v2.7\"", &tag));
        assert!(list_matches("\"x\", \"t5-v2.7\"", &tag));
        assert!(list_matches("*", &tag));
        assert!(!list_matches("W/\"t5-v2.8\"", &tag), "the count is part of the cache validator");
        assert_eq!(of_body(b"abc"), of_body(b"abc"));
        assert_ne!(of_body(b"abc"), of_body(b"abd"));
    }
}
