//! Operations endpoints: liveness and readiness.

use actix_web::{get, web, HttpResponse};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::{db, AppState};

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".to_owned() })
}

/// A readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok`: the database answers, so every endpoint can.
    #[schema(example = "ok")]
    pub status: String,
    /// The search index: `ready`, `building the index: N of M articles` (searches
    /// answer 503 meanwhile; everything else is served), or `failed: <why>`.
    #[schema(example = "ready")]
    pub search: String,
}

/// Readiness: the database answers; says whether search is ready too.
///
/// 200 while the search index is being built (the server serves everything but
/// search); `search` says why search is not ready.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 500, description = "The database does not answer"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    db::run(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    })
    .await?;
    let search = state.search.readiness().to_string();
    Ok(HttpResponse::Ok().json(Readiness { status: "ok".to_owned(), search }))
}

/// The OpenAPI document, serialized once at start.
pub struct Spec(pub String);

/// This API's OpenAPI 3.1 document (the same as `bantin openapi`).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object, content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(spec: web::Data<Spec>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(spec.0.clone())
}
