//! The OpenAPI document: info, tags and security here; paths come from the route table.

use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use actix_web::http;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ArrayItems, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, HttpMethod as Method, OpenApi as OpenApiDoc, Ref, RefOr, Required, Response, ResponseBuilder,
};
use utoipa::{Modify, OpenApi};

use crate::error::Problem;
use crate::text;

/// The hand-written part of the spec.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bantin",
        description = "A headless JSON REST API for news and blog sites: articles with Vietnamese-aware search, nested categories, tags, view counts and most-read lists.\n\nEvery error answers `application/problem+json` (RFC 9457) with a machine `code`. Lists answer `{\"data\": [...], \"meta\": {...}}` with `X-Total-Count` and `Link` headers. Writes need `Authorization: Bearer <token>` with a `write` token; a `read` token also shows unpublished content.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    components(schemas(Problem)),
    modifiers(&BearerScheme),
    tags(
        (name = "articles", description = "Articles: lists, search, related"),
        (name = "categories", description = "The nested category menu"),
        (name = "tags", description = "Tags on articles"),
        (name = "authors", description = "Author profiles (\"Tác giả\")"),
        (name = "views", description = "View counts and most-read lists"),
        (name = "tokens", description = "API tokens and their roles (admin)"),
        (name = "media", description = "The media library: uploaded images with responsive variants, served under `/media/`"),
        (name = "webhooks", description = "Signed notifications of content changes (admin); the payloads are under `webhooks`"),
        (name = "operations", description = "Health and readiness"),
        (name = "feeds", description = "RSS, JSON Feed and sitemaps of the public site (outside `/api`; 404 unless `BANTIN_SITE_URL` is set)"),
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

/// Request bodies that take a slug, tags or a cover URL.
const INPUTS: [&str; 8] = [
    "CategoryInput",
    "CategoryPatch",
    "TagInput",
    "TagPatch",
    "AuthorInput",
    "AuthorPatch",
    "ArticleInput",
    "ArticlePatch",
];

/// The string schema of property `name` of `object`, if it has one.
fn string_property<'a>(object: &'a mut Object, name: &str) -> Option<&'a mut Object> {
    match object.properties.get_mut(name)? {
        RefOr::T(Schema::Object(property)) => Some(property),
        _ => None,
    }
}

/// Puts the rules the server applies to slugs, tag names and image URLs into the request
/// schemas, from the same constants the server checks with (utoipa's `pattern` takes
/// only literals).
fn constrain_inputs(api: &mut OpenApiDoc) {
    let Some(components) = api.components.as_mut() else { return };
    for name in INPUTS {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else { continue };
        if let Some(slug) = string_property(object, "slug") {
            slug.pattern = Some(text::SLUG_PATTERN.to_owned());
            slug.max_length = Some(text::MAX_SLUG_LEN);
        }
        for field in ["cover_image_url", "avatar_url", "canonical_url", "og_image_url"] {
            if let Some(url) = string_property(object, field) {
                url.pattern = Some(text::WEB_URL_PATTERN.to_owned());
            }
        }
        if let Some(RefOr::T(Schema::Array(tags))) = object.properties.get_mut("tags") {
            if let ArrayItems::RefOrSchema(item) = &mut tags.items {
                if let RefOr::T(Schema::Object(item)) = item.as_mut() {
                    item.max_length = Some(crate::db::tags::MAX_TAG_NAME);
                    item.pattern = Some(r"[^\s\x1c-\x1f]".to_owned());
                }
            }
        }
    }
}

/// Where a path item keeps its operation for one method.
pub(crate) type OperationSlot = fn(&mut PathItem) -> &mut Option<Operation>;

/// The methods the API answers, in the order `Allow` lists them: as the spec and as
/// HTTP name them, and where a path item keeps the operation.
pub(crate) const METHODS: [(Method, http::Method, OperationSlot); 5] = [
    (Method::Get, http::Method::GET, |item| &mut item.get),
    (Method::Post, http::Method::POST, |item| &mut item.post),
    (Method::Put, http::Method::PUT, |item| &mut item.put),
    (Method::Patch, http::Method::PATCH, |item| &mut item.patch),
    (Method::Delete, http::Method::DELETE, |item| &mut item.delete),
];

/// Collections only admins manage: every operation needs an admin token.
const ADMIN_ONLY: [&str; 2] = ["tokens", "webhooks"];

/// The single resources whose writes honour `If-Match` and whose reads send
/// `Last-Modified`.
const RESOURCES: [&str; 4] =
    ["/api/v1/articles/{id}", "/api/v1/categories/{id}", "/api/v1/tags/{id}", "/api/v1/authors/{id}"];
const BY_SLUG: [&str; 4] = [
    "/api/v1/articles/slug/{slug}",
    "/api/v1/categories/slug/{slug}",
    "/api/v1/tags/slug/{slug}",
    "/api/v1/authors/slug/{slug}",
];

fn schema(kind: Type) -> RefOr<Schema> {
    RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(kind).build()))
}

fn header(kind: Type, description: &str) -> RefOr<Header> {
    let mut header = Header::new(schema(kind));
    header.description = Some(description.to_owned());
    RefOr::T(header)
}

fn header_parameter(name: &str, description: &str) -> RefOr<Parameter> {
    RefOr::T(
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(schema(Type::String)))
            .build(),
    )
}

fn ensure(responses: &mut BTreeMap<String, RefOr<Response>>, status: &str, description: &str) {
    responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
}

/// Adds `headers` to the response with `status`, if the operation has it.
fn add_headers(responses: &mut BTreeMap<String, RefOr<Response>>, status: &str, headers: &[(&str, Type, &str)]) {
    if let Some(RefOr::T(response)) = responses.get_mut(status) {
        for (name, kind, description) in headers {
            response.headers.entry((*name).to_owned()).or_insert_with(|| header(kind.clone(), description));
        }
    }
}

/// The 404 of an operation on `path`: "No article with this id", named after the
/// collection before the first path parameter; `hidden` for public reads of
/// articles, which hide what a token would see.
fn not_found(path: &str, hidden: bool) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let Some(at) = segments.iter().position(|s| s.starts_with('{')) else { return "No such resource".to_owned() };
    let key = segments[at].trim_matches(|c| c == '{' || c == '}');
    let collection = segments[..at].iter().rev().find(|s| **s != "slug").copied().unwrap_or("");
    let noun = match collection.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => collection.strip_suffix('s').unwrap_or(collection).to_owned(),
    };
    let visibility = if hidden && noun == "article" { ", or not visible without a token" } else { "" };
    format!("No {noun} with this {key}{visibility}")
}

/// Whether the 200 answer is a page of a list (`Paged<T>`).
fn is_paged(responses: &BTreeMap<String, RefOr<Response>>) -> bool {
    let Some(RefOr::T(ok)) = responses.get("200") else { return false };
    ok.content.values().any(|content| match content {
        RefOr::T(content) => {
            matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.starts_with("#/components/schemas/Paged_"))
        }
        RefOr::Ref(_) => false,
    })
}

/// Completes the generated document with what is true of every operation, so that
/// each handler declares only what is particular to it:
/// - every error answers problem+json; every answer may carry the rate-limit headers
///   and carries `X-Request-Id`; anything may be refused with 429;
/// - any `/api` operation may answer 401 (a wrong token is refused even where none is
///   needed); writes needing a token may answer 403; reads take a token optionally;
///   token and webhook management need one (admin) and are tagged by their collection;
/// - operations with query parameters or a body may answer 400; with a body also 413,
///   415 and 422; with a path parameter 404; anything on the database may answer 503;
/// - pages of lists send `X-Total-Count` and `Link`;
/// - reads send `ETag` and `Cache-Control` and answer `If-None-Match` with 304; single
///   resources send `Last-Modified` and their writes honour `If-Match` (412).
pub fn finish(api: OpenApiDoc) -> OpenApiDoc {
    let mut api = crate::http::fields::document(api);
    constrain_inputs(&mut api);
    crate::webhooks::spec::document(&mut api);
    let problem = || ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("Problem")))).build();
    for (path, item) in api.paths.paths.iter_mut() {
        let in_api = path.starts_with("/api/");
        let resource = RESOURCES.contains(&path.as_str());
        for (method, _, slot) in METHODS {
            let Some(operation) = slot(item).as_mut() else { continue };
            // What only admins manage needs a token, under the collection's tag.
            if let Some(collection) = ADMIN_ONLY.iter().find(|c| path.starts_with(&format!("/api/v1/{c}"))) {
                operation.tags = Some(vec![(*collection).to_owned()]);
                operation.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
            }
            // Handler names repeat across resources (`show`, `list`): qualify by tag.
            if let (Some(id), Some(tag)) =
                (operation.operation_id.as_mut(), operation.tags.as_ref().and_then(|t| t.first()))
            {
                if !id.starts_with(tag.as_str()) {
                    *id = format!("{tag}_{id}");
                }
            }
            let parameters = operation.parameters.get_or_insert_with(Vec::new);
            let has_query = parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
            let has_path = parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
            let has_body = operation.request_body.is_some();
            let needs_token = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let restores = method == Method::Post && path.ends_with("/restore");
            let precondition = (resource && matches!(method, Method::Put | Method::Patch | Method::Delete)) || restores;
            let feed = crate::routes::feeds::PATHS.contains(&path.as_str());
            let read = (in_api || feed) && method == Method::Get;
            if precondition {
                parameters.push(header_parameter(
                    "If-Match",
                    "The `ETag` read before; a stale one is refused with 412 and changes nothing. `*` matches any.",
                ));
            }
            if read {
                parameters.push(header_parameter(
                    "If-None-Match",
                    "An `ETag` from an earlier read; if it still matches, 304.",
                ));
            }
            // Public API calls take a token optionally (it shows unpublished content);
            // the operations endpoints take none.
            if !needs_token {
                operation.security = Some(if in_api {
                    vec![SecurityRequirement::default(), SecurityRequirement::new("bearer", Vec::<String>::new())]
                } else {
                    Vec::new()
                });
            }
            let responses = &mut operation.responses.responses;
            if in_api {
                ensure(responses, "401", "The token is missing, malformed or unknown");
            }
            if needs_token {
                ensure(responses, "403", "The token's role is too low for this; `detail` names the role needed");
            }
            if has_query || has_body || precondition {
                ensure(responses, "400", "A malformed parameter, header or JSON body");
            }
            if has_path {
                ensure(responses, "404", &not_found(path, read && !needs_token));
            }
            if has_body {
                ensure(responses, "413", "The request body is over 2 MiB");
                ensure(responses, "415", "The body is not application/json");
                ensure(responses, "422", "Invalid, read-only or unknown fields");
            }
            if precondition {
                ensure(responses, "412", "If-Match does not match the current version; nothing changed");
            }
            ensure(responses, "429", "Over the rate limit; see `Retry-After`");
            add_headers(responses, "429", &[("Retry-After", Type::Integer, "Seconds to wait before retrying")]);
            // Anything that reads or writes the database: it may be unreachable or every
            // connection busy (and writes meet a full disk).
            if in_api || feed {
                ensure(responses, "503", "The database is unreachable or busy, or full for writes; see `Retry-After`");
            }
            add_headers(responses, "503", &[("Retry-After", Type::Integer, "Seconds to wait before retrying")]);
            if is_paged(responses) {
                add_headers(
                    responses,
                    "200",
                    &[
                        ("X-Total-Count", Type::Integer, "Items in the list, over all pages"),
                        ("Link", Type::String, "first, prev, next and last pages (RFC 8288)"),
                    ],
                );
            }
            let validators: &[(&str, Type, &str)] = &[
                ("ETag", Type::String, "Validator for If-None-Match and If-Match"),
                ("Last-Modified", Type::String, "When the resource last changed (HTTP date)"),
            ];
            if read {
                let single = resource || BY_SLUG.contains(&path.as_str());
                add_headers(responses, "200", &validators[..if single { 2 } else { 1 }]);
                add_headers(
                    responses,
                    "200",
                    &[(
                        "Cache-Control",
                        Type::String,
                        if feed {
                            "`public, max-age=300`"
                        } else {
                            "`public, max-age=60` anonymously, `private, no-store` with a token"
                        },
                    )],
                );
                responses.insert(
                    "304".to_owned(),
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("Not modified since the `If-None-Match` tag; no body")
                            .header("ETag", Header::new(schema(Type::String)))
                            .build(),
                    ),
                );
            }
            if in_api
                && !read
                && (resource
                    || (path.ends_with("/categories")
                        || path.ends_with("/tags")
                        || path.ends_with("/authors")
                        || path.ends_with("/articles")))
            {
                for status in ["200", "201"] {
                    add_headers(responses, status, validators);
                }
            }
            for (status, response) in responses.iter_mut() {
                let RefOr::T(response) = response else { continue };
                let is_error = status.starts_with('4') || status.starts_with('5');
                if is_error && response.content.is_empty() {
                    response.content.insert("application/problem+json".to_owned(), RefOr::T(problem()));
                }
                response
                    .headers
                    .entry("X-Request-Id".to_owned())
                    .or_insert_with(|| header(Type::String, "This request's id, echoed or generated"));
                for (name, description) in [
                    ("RateLimit-Limit", "Requests allowed per minute (when rate limiting is on)"),
                    ("RateLimit-Remaining", "Requests left now"),
                    ("RateLimit-Reset", "Seconds until the allowance is full again"),
                ] {
                    response.headers.entry(name.to_owned()).or_insert_with(|| header(Type::Integer, description));
                }
            }
        }
    }
    api
}
