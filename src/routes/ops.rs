//! Operations endpoints: liveness and readiness.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::routes::{Answer, State};

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
    /// Writes: `ok`, or `full: <why>` while the database cannot grow (its disk or its
    /// size limit is full): writes answer 503 and change nothing, reads go on, and
    /// recorded views wait in memory until space is freed.
    #[schema(example = "ok")]
    pub database: String,
}

/// Readiness: the database answers; says whether search and writes are ready too.
///
/// 200 while the search index is being built (the server serves everything but
/// search) and while the database is full (it serves every read); `search` and
/// `database` say why.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database does not answer (unreachable, or no connection free within 10 s); see `Retry-After`"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: State) -> Answer {
    let at_limit = db::run(&state.pool, |conn| Ok(db::at_size_limit(conn)?)).await?;
    let database = if at_limit {
        "full: the database is at its size limit (--max-database-mb) with no free page; \
         writes answer 503 until space is freed"
    } else if state.views.database_full() || state.space.full() {
        "full: a write failed because the database cannot grow (its disk is full); writes answer \
         503 and recorded views wait in memory until space is freed"
    } else {
        "ok"
    };
    let search = state.search.readiness().to_string();
    Ok(HttpResponse::Ok().json(Readiness { status: "ok".to_owned(), search, database: database.to_owned() }))
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
