//! bantin: a headless JSON REST API server for news and blog sites.

pub mod auth;
pub mod client;
pub mod cluster;
pub mod config;
pub mod cursor;
pub mod data;
pub mod db;
pub mod demo;
pub mod error;
pub mod etag;
pub mod extract;
pub mod feeds;
pub mod generation;
pub mod html;
pub mod http;
pub mod media;
pub mod openapi;
pub mod routes;
pub mod schema;
pub mod search;
pub mod state;
pub mod text;
pub mod trash;
pub mod views;
pub mod webhooks;
pub mod wordpress;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress, Logger};
use actix_web::{web, App};
use utoipa::OpenApi as _;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::routes::fallback::{self, RouteTable};
pub use crate::state::AppState;

/// Adds to `$scope` the seven handlers each simple resource module has: `list`, the
/// reads by slug and by id, and the writes.
macro_rules! resource_services {
    ($scope:expr, $($resource:ident),+ $(,)?) => {
        $scope$(
            .service($resource::list)
            .service($resource::show_by_slug)
            .service($resource::show)
            .service($resource::create)
            .service($resource::replace)
            .service($resource::update)
            .service($resource::remove)
        )+
    };
}

/// `$scope` with each of `$handler` registered, in order.
macro_rules! services {
    ($scope:expr => $($handler:path),+ $(,)?) => {
        $scope$(.service($handler))+
    };
}

/// Registers every documented route.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use routes::articles::{batch, list, revisions, search, write};
    use routes::{articles, authors, categories, feeds, media, ops, tags, tokens, views, webhooks};
    let api = services! { scope::scope("/api/v1") =>
        list::list, search::suggest, views::popular, batch::batch, views::record, views::show, views::set, views::reset,
        articles::show_by_slug, list::related, articles::show,
        write::create, write::replace, write::update, write::remove, write::restore,
        revisions::list_revisions, revisions::show_revision, write::restore_revision,
    };
    let api = resource_services!(api, authors, categories, tags);
    let api = services! { api =>
        media::upload, media::list, media::show, media::update, media::remove,
        webhooks::list, webhooks::create, webhooks::show, webhooks::update, webhooks::remove, webhooks::ping,
        webhooks::deliveries, webhooks::retry,
        tokens::list, tokens::create, tokens::remove,
    };
    services! { cfg.service(api) =>
        ops::healthz, ops::readyz, ops::openapi_json, http::metrics::metrics,
        feeds::feed_xml, feeds::feed_json, feeds::sitemap_index, feeds::article_sitemap, feeds::category_sitemap,
        feeds::news_sitemap, media::serve_file,
    };
}

/// The OpenAPI document of the server, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new().into_utoipa_app().openapi(openapi::ApiDoc::openapi()).configure(routes).split_for_parts();
    openapi::finish(api)
}

/// The whole application, as `main` serves it and the tests drive it.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) =
        App::new().into_utoipa_app().openapi(openapi::ApiDoc::openapi()).configure(routes).split_for_parts();
    let api = openapi::finish(api);
    let table = RouteTable::from_openapi(&api);
    let fields = http::fields::FieldTable::from_openapi(&api);
    let spec = serde_json::to_string_pretty(&api).unwrap_or_default();
    let cors = cors(&state.cors_origins);
    let site = state.site.clone();
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(table))
        .app_data(web::Data::new(fields))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|error, _| ApiError::BadRequest(format!("invalid query parameter: {error}")).into()),
        )
        .app_data(web::PathConfig::default().error_handler(|error, req| {
            // `/articles/popular` is also matched by `/articles/{id}`: a method only
            // the template has is a 405 on the literal route, not a parse failure.
            let table = req.app_data::<web::Data<RouteTable>>();
            match table.and_then(|table| table.allowed(req.path())) {
                Some(allow) if !allow.contains(req.method()) => {
                    ApiError::MethodNotAllowed { method: req.method().clone(), allow }.into()
                }
                _ => ApiError::NotFound(format!("no resource at {}: {error}", req.path())).into(),
            }
        }))
        .app_data(web::Data::new(routes::ops::Spec(spec)))
        .route("/docs", web::get().to(|| async { web::Redirect::to("/docs/").permanent() }))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"]).try_it_out_enabled(true)),
        )
        .configure(|config| {
            if let Some(dir) = site {
                routes::site::configure(dir)(config);
            }
        })
        .default_service(web::to(fallback::unmatched))
        // Innermost first: validators see the uncompressed body; CORS headers reach
        // 429s; request ids reach problem bodies before compression.
        .wrap(from_fn(http::fields::sparse))
        .wrap(from_fn(http::response_cache::response_cache))
        .wrap(from_fn(http::bounded_query))
        .wrap(from_fn(http::caching::caching))
        .wrap(from_fn(http::security_headers))
        .wrap(from_fn(http::rate_limit::rate_limit))
        .wrap(cors)
        .wrap(from_fn(http::metrics::measure))
        .wrap(from_fn(http::request_id::request_id))
        .wrap(from_fn(http::head_as_get))
        .wrap(Compress::default())
        .wrap(Logger::new("%a \"%r\" %s %b %Dms req=%{x-request-id}o"))
}

/// Headers browsers may read from cross-origin answers.
const EXPOSED: [&str; 10] = [
    "etag",
    "link",
    "x-total-count",
    "location",
    "x-request-id",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
    "last-modified",
];

/// CORS for the configured origins; with none, no cross-origin access is granted
/// (requests still go through, without CORS headers).
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .block_on_origin_mismatch(false)
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers(EXPOSED)
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" { cors.allow_any_origin() } else { cors.allowed_origin(origin) };
    }
    cors
}
