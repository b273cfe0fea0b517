//! `ETag`, `If-None-Match` → 304 and `Cache-Control` on reads.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

use super::body_bytes;
use crate::etag;

/// Cache policy of anonymous reads.
pub const PUBLIC: &str = "public, max-age=60";
/// Cache policy of reads with a token: never shared, never stored.
pub const PRIVATE: &str = "private, no-store";

/// For successful `GET`s under `/api/`: keeps the handler's `ETag` or tags the body
/// with its hash, answers 304 without a body when `If-None-Match` matches, and sets
/// `Cache-Control` (public for anonymous reads, private with a token).
pub async fn caching(
    req: ServiceRequest,
    next: Next<impl MessageBody<Error = impl Into<Box<dyn std::error::Error>>> + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cacheable = req.method() == Method::GET && req.path().starts_with("/api/");
    let policy = if req.headers().contains_key(header::AUTHORIZATION) { PRIVATE } else { PUBLIC };
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let response = next.call(req).await?;
    if !cacheable || response.status() != StatusCode::OK {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    let (tag, body) = match response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()) {
        Some(tag) => (tag.to_owned(), body.boxed()),
        None => {
            let bytes = body_bytes(body).await?;
            (etag::of_body(&bytes), BoxBody::new(bytes))
        }
    };
    if if_none_match.is_some_and(|list| etag::list_matches(&list, &tag)) {
        let mut not_modified = HttpResponse::NotModified();
        not_modified.insert_header((header::ETAG, tag)).insert_header((header::CACHE_CONTROL, policy));
        if let Some(modified) = response.headers().get(header::LAST_MODIFIED) {
            not_modified.insert_header((header::LAST_MODIFIED, modified.clone()));
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static(policy));
    if let Ok(value) = header::HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    Ok(ServiceResponse::new(req, response.set_body(body)))
}
