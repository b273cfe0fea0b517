//! HTTP behaviour shared by every route: caching validators, request ids, rate
//! limits and metrics, as actix middleware.

pub mod caching;
pub mod metrics;
pub mod rate_limit;
pub mod request_id;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::ResponseError;

use crate::error::ApiError;

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
