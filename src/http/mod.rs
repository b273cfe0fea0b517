//! HTTP behaviour shared by every route: caching validators, request ids, rate
//! limits and metrics, as actix middleware.

pub mod caching;
pub mod fields;
pub mod metrics;
pub mod rate_limit;
pub mod request_id;
pub mod response_cache;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::ResponseError;

use crate::error::ApiError;

/// The Content-Security-Policy of `/docs`: everything from this server, nothing else
/// (Swagger UI sets inline styles and uses data: images).
pub const DOCS_CSP: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// `X-Content-Type-Options: nosniff` everywhere, and a strict CSP on the docs.
pub async fn security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    use actix_web::http::header::{HeaderValue, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
    let docs = req.path().starts_with("/docs");
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if docs {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    }
    Ok(response)
}

/// `HEAD` is a `GET` without the body (RFC 9110, 9.3.2): routed as the `GET`, with the
/// same status and headers (`Content-Length`, `ETag`, `Link`…). The HTTP codec noted the
/// request was a `HEAD` when it parsed it, and sends the headers alone.
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Longest query string accepted, in bytes (a `q` of 200 Vietnamese characters is at
/// most 1,800 bytes percent-encoded). Longer ones would be echoed into `Link` headers
/// that common clients refuse to read.
pub const MAX_QUERY_STRING: usize = 4096;

/// 400 for a query string over [`MAX_QUERY_STRING`] bytes, before any route sees it.
pub async fn bounded_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.query_string().len() > MAX_QUERY_STRING {
        let error = ApiError::BadRequest(format!("the query string must be at most {MAX_QUERY_STRING} bytes"));
        return Ok(problem_response(req.into_parts().0, &error));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A problem+json answer to `req` from middleware.
pub fn problem_response(req: actix_web::HttpRequest, error: &ApiError) -> ServiceResponse<BoxBody> {
    ServiceResponse::new(req, error.error_response())
}

/// Reads a whole response body (bodies here are small JSON documents).
pub async fn body_bytes<B: MessageBody>(body: B) -> Result<actix_web::web::Bytes, actix_web::Error>
where
    B::Error: Into<Box<dyn std::error::Error>>,
{
    actix_web::body::to_bytes(body).await.map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))
}
