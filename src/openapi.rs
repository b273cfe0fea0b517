//! The OpenAPI document: info, tags and security here; paths come from the route table.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::Problem;

/// The hand-written part of the spec.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bantin",
        description = "A headless JSON REST API for news and blog sites: articles with Vietnamese-aware search, nested categories, tags, view counts and most-read lists.\n\nEvery error answers `application/problem+json` (RFC 9457) with a machine `code`. Lists answer `{\"data\": [...], \"meta\": {...}}` with `X-Total-Count` and `Link` headers. Writes need `Authorization: Bearer <token>` with a `write` token; a `read` token also shows unpublished content.",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(Problem)),
    modifiers(&BearerScheme),
    tags(
        (name = "articles", description = "Articles: lists, search, related"),
        (name = "categories", description = "The nested category menu"),
        (name = "tags", description = "Tags on articles"),
        (name = "views", description = "View counts and most-read lists"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `bantin token create`"))
                    .build(),
            ),
        );
    }
}

/// Completes the generated document with what is true of every operation: each
/// error answers problem+json; any `/api` operation may answer 401 (a wrong token is
/// refused even where none is needed) and 429 (rate limit).
pub fn finish(mut api: OpenApiDoc) -> OpenApiDoc {
    let problem = || ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("Problem")))).build();
    for (path, item) in api.paths.paths.iter_mut() {
        let operations =
            [item.get.as_mut(), item.post.as_mut(), item.put.as_mut(), item.patch.as_mut(), item.delete.as_mut()];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if path.starts_with("/api/") {
                responses.entry("401".to_owned()).or_insert_with(|| {
                    RefOr::T(ResponseBuilder::new().description("The token is missing, malformed or unknown").build())
                });
                responses.entry("429".to_owned()).or_insert_with(|| {
                    RefOr::T(ResponseBuilder::new().description("Over the rate limit; see `Retry-After`").build())
                });
            }
            for (status, response) in responses.iter_mut() {
                let is_error = status.starts_with('4') || status.starts_with('5');
                if let (true, RefOr::T(response)) = (is_error, response) {
                    if response.content.is_empty() {
                        response.content.insert("application/problem+json".to_owned(), RefOr::T(problem()));
                    }
                }
            }
        }
    }
    api
}
