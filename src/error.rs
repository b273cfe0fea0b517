//! The one error type of the API and its RFC 9457 problem+json rendering.

use actix_web::http::{header, Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request, or one failing operation of a batch write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as sent (dotted path for nested fields). In a batch write, the
    /// part of the operation at fault: `id`, `if_match`, `body` or `body.<field>`.
    #[schema(example = "title")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must not be empty")]
    pub message: String,
    /// Batch writes only: the failing operation's position in `operations`, counted
    /// from 0 (its `message` counts from 1: index 6 is "operation 7").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Batch writes only: the status the operation would have answered on its own
    /// (404, 409, 412 or 422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Batch writes only: the machine `code` of that status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl FieldError {
    /// An error on `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into(), index: None, status: None, code: None }
    }
}

/// Every way a request can fail; each maps to one status and machine `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, bad query parameter.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or unknown token where one is needed.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the token's scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource or route.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists, the method does not.
    #[error("method {method} is not allowed here")]
    MethodNotAllowed {
        /// The method that was tried.
        method: Method,
        /// The methods the route answers.
        allow: Vec<Method>,
    },
    /// 409: the write clashes with existing data.
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` named a stale version.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the body is over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the body is JSON but its content is invalid.
    #[error("the request body is invalid")]
    Validation(Vec<FieldError>),
    /// 412 or 422: operations of a batch write failed, each named in `errors` by its
    /// `index` (412 when every failure is a stale `if_match`); nothing was changed.
    #[error("{}", batch_detail(.0))]
    BatchFailed(Vec<FieldError>),
    /// 429: over the rate limit; retry after this many seconds.
    #[error("too many requests; retry in {0} seconds")]
    RateLimited(u64),
    /// 500: anything else. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// 503: the database cannot grow (its disk or its size limit is full). Nothing
    /// was changed; reads go on.
    #[error(
        "the database cannot grow (its disk or its size limit is full): this write changed nothing; \
         reads go on, retry once space is freed"
    )]
    Full,
    /// 503: temporarily unable to answer (search busy or still building); retry
    /// after `retry_after` seconds. Nothing was changed.
    #[error("{detail}")]
    Unavailable {
        /// What is unavailable and why.
        detail: String,
        /// Seconds to wait before trying again.
        retry_after: u64,
    },
}

impl ApiError {
    /// 404 for the resource `kind` looked up by `key`.
    pub fn not_found(kind: &str, key: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("no {kind} with {key}"))
    }

    /// 422 for a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// 500 carrying an internal cause for the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The machine-readable code sent as `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition_failed",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::BatchFailed(_) if self.status_code() == StatusCode::PRECONDITION_FAILED => "precondition_failed",
            Self::BatchFailed(_) => "validation_failed",
            Self::RateLimited(_) => "rate_limited",
            Self::Internal(_) => "internal",
            Self::Unavailable { .. } | Self::Full => "unavailable",
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            Self::Internal(_) => "the server failed to answer; the cause has been logged".to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code().to_owned(),
            instance: None,
            errors: match self {
                Self::Validation(errors) | Self::BatchFailed(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

/// An RFC 9457 problem details document, as every 4xx and 5xx answer carries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
    "detail": "the request body is invalid", "code": "validation_failed",
    "errors": [{"field": "title", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// Always `about:blank`: the status and `code` say what happened.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence for humans.
    pub detail: String,
    /// A stable machine code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `precondition_failed`, `payload_too_large`,
    /// `unsupported_media_type`, `validation_failed`, `rate_limited`, `internal`,
    /// `unavailable`.
    pub code: String,
    /// This occurrence: `urn:bantin:request:{X-Request-Id}`, for support requests
    /// and log searches. Added to every problem answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "urn:bantin:request:4f2a9c1e7b3d5a60")]
    pub instance: Option<String>,
    /// The invalid fields, on `validation_failed` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BatchFailed(errors) if !errors.is_empty() && errors.iter().all(|e| e.status == Some(412)) => {
                StatusCode::PRECONDITION_FAILED
            }
            Self::BatchFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable { .. } | Self::Full => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed { allow, .. } => {
                let allow: Vec<&str> = allow.iter().map(Method::as_str).collect();
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::RateLimited(seconds) | Self::Unavailable { retry_after: seconds, .. } => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            Self::Full => {
                response.insert_header((header::RETRY_AFTER, FULL_RETRY_AFTER.to_string()));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.problem()).unwrap_or_default();
        let mut response = response.body(body);
        if let Self::Full = self {
            // For /readyz: the metrics middleware notes it on the app's state.
            response.extensions_mut().insert(crate::db::RefusedForSpace);
        }
        response
    }
}

/// The `detail` of a failed batch: which operations failed, counted from 1.
fn batch_detail(errors: &[FieldError]) -> String {
    let mut failed: Vec<usize> = errors.iter().filter_map(|e| e.index).collect();
    failed.dedup();
    let names: Vec<String> = failed.iter().map(|index| (index + 1).to_string()).collect();
    let noun = if failed.len() == 1 { "operation" } else { "operations" };
    format!(
        "{noun} {} of the batch failed (counted from 1; `index` in `errors` counts from 0), so no operation was applied",
        names.join(", ")
    )
}

/// Seconds a client is told to wait before retrying a write refused for a full database.
const FULL_RETRY_AFTER: u64 = 30;

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound("no such resource".to_owned()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict(format!("a unique value is already taken: {}", info.message()))
            }
            other if crate::db::is_full(&other) => Self::Full,
            // PostgreSQL's text cannot hold U+0000 (SQLite's can): the value is refused
            // there, in a transaction that then changes nothing.
            Error::DatabaseError(_, info) if info.message().starts_with("invalid byte sequence for encoding") => {
                Self::BadRequest(
                    "text with the NUL character (U+0000) cannot be stored or looked up in this database".to_owned(),
                )
            }
            // A PostgreSQL server that went away (restart, failover, network): the
            // request may succeed on a retry once the pool reconnects.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                log::warn!("the database connection closed: {}", info.message());
                Self::Unavailable { detail: "the database is unreachable; try again".to_owned(), retry_after: 1 }
            }
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    /// No connection within the pool's wait: the database is unreachable, or every
    /// connection is busy. Either way a retry soon may succeed.
    fn from(error: diesel::r2d2::PoolError) -> Self {
        log::warn!("no database connection: {error}");
        Self::Unavailable { detail: "the database is unreachable or busy; try again".to_owned(), retry_after: 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn rendered(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.error_response();
        let status = response.status();
        let body = to_bytes(response.into_body()).await.expect("body");
        (status, serde_json::from_slice(&body).expect("json"))
    }

    #[actix_web::test]
    async fn each_kind_renders_its_status_and_code() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400, "bad_request"),
            (ApiError::Unauthorized("x".into()), 401, "unauthorized"),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::not_found("tag", "id 7"), 404, "not_found"),
            (ApiError::MethodNotAllowed { method: Method::PUT, allow: vec![Method::GET] }, 405, "method_not_allowed"),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (ApiError::PreconditionFailed("x".into()), 412, "precondition_failed"),
            (ApiError::PayloadTooLarge("x".into()), 413, "payload_too_large"),
            (ApiError::UnsupportedMediaType("x".into()), 415, "unsupported_media_type"),
            (ApiError::invalid("title", "must not be empty"), 422, "validation_failed"),
            (ApiError::RateLimited(3), 429, "rate_limited"),
            (ApiError::internal("disk on fire"), 500, "internal"),
            (ApiError::Unavailable { detail: "x".into(), retry_after: 1 }, 503, "unavailable"),
        ];
        for (error, status, code) in cases {
            let (got_status, body) = rendered(error).await;
            assert_eq!(got_status.as_u16(), status);
            assert_eq!(body["status"], status);
            assert_eq!(body["code"], code);
            assert_eq!(body["type"], "about:blank");
            assert!(body["title"].is_string() && body["detail"].is_string());
        }
    }

    #[actix_web::test]
    async fn validation_lists_fields_and_internal_hides_its_cause() {
        let (_, body) = rendered(ApiError::invalid("title", "must not be empty")).await;
        assert_eq!(
            body,
            serde_json::json!({
                "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
                "detail": "the request body is invalid", "code": "validation_failed",
                "errors": [{"field": "title", "message": "must not be empty"}]
            })
        );
        let (_, body) = rendered(ApiError::internal("secret path /var/db")).await;
        assert!(!body.to_string().contains("secret"));
        assert!(body.get("errors").is_none());
    }

    #[actix_web::test]
    async fn a_failed_batch_names_each_operation_and_is_412_only_when_every_failure_is_stale() {
        let failed = |index: usize, field: &str, status: u16, code: &str| FieldError {
            index: Some(index),
            status: Some(status),
            code: Some(code.to_owned()),
            ..FieldError::new(field, format!("operation {}: x", index + 1))
        };
        let stale = failed(6, "if_match", 412, "precondition_failed");
        let (status, body) = rendered(ApiError::BatchFailed(vec![stale.clone()])).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(
            body,
            serde_json::json!({
                "type": "about:blank", "title": "Precondition Failed", "status": 412,
                "detail": "operation 7 of the batch failed (counted from 1; `index` in `errors` counts from 0), \
                           so no operation was applied",
                "code": "precondition_failed",
                "errors": [{"index": 6, "field": "if_match", "message": "operation 7: x", "status": 412,
                            "code": "precondition_failed"}]
            })
        );
        let missing = failed(9, "id", 404, "not_found");
        let (status, body) = rendered(ApiError::BatchFailed(vec![stale, missing])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "validation_failed");
        assert!(body["detail"].as_str().is_some_and(|d| d.starts_with("operations 7, 10 of the batch failed")));
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
    }
}
