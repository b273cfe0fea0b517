//! Sparse fieldsets: `fields=id,slug,title` on the reads of articles, categories, tags
//! and authors answers only those top-level fields of the object (or of each list
//! item), nested objects whole.
//!
//! One source of truth: [`document`] adds the `fields` parameter to the spec with the
//! names each operation's schema has, and the answer's sparse schema; [`FieldTable`]
//! reads those names back from the finished spec, and the [`sparse`] middleware checks
//! requests against them. Handlers never see `fields`: it is taken off the query
//! before they run and put back into the `Link` header after.

use std::collections::BTreeSet;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::middleware::Next;
use actix_web::web;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use utoipa::openapi::OpenApi;

use super::{body_bytes, problem_response};
use crate::error::ApiError;

/// The reads that take `fields`.
pub const PATHS: [&str; 14] = [
    "/api/v1/articles",
    "/api/v1/articles/popular",
    "/api/v1/articles/{id}",
    "/api/v1/articles/slug/{slug}",
    "/api/v1/articles/{id}/related",
    "/api/v1/categories",
    "/api/v1/categories/{id}",
    "/api/v1/categories/slug/{slug}",
    "/api/v1/tags",
    "/api/v1/tags/{id}",
    "/api/v1/tags/slug/{slug}",
    "/api/v1/authors",
    "/api/v1/authors/{id}",
    "/api/v1/authors/slug/{slug}",
];

/// The query parameter.
const PARAMETER: &str = "fields";

/// Adds `fields` to every read of [`PATHS`]: the parameter (an enum of the answer's
/// top-level field names) and, as a second choice of the 200 answer, the same shape
/// with every field optional. Works on the document's JSON: the answer schemas are
/// spread over references, `allOf` and `oneOf`.
pub fn document(api: OpenApi) -> OpenApi {
    let Ok(mut doc) = serde_json::to_value(&api) else { return api };
    let mut added = Map::new();
    for path in PATHS {
        let Some(schema) =
            doc.pointer(&format!("/paths/{}/get/responses/200/content/application~1json/schema", escape(path)))
        else {
            continue;
        };
        let schema = schema.clone();
        let names = item_names(&doc, &schema);
        if names.is_empty() {
            continue;
        }
        let sparse = sparse_answer(&doc, &schema, &mut added);
        let operation = doc.pointer_mut(&format!("/paths/{}/get", escape(path))).and_then(Value::as_object_mut);
        let Some(operation) = operation else { continue };
        let parameters = operation.entry("parameters").or_insert_with(|| json!([]));
        if let Some(parameters) = parameters.as_array_mut() {
            parameters.push(parameter(&names));
        }
        let answer = operation.get_mut("responses").and_then(|r| r.pointer_mut("/200/content/application~1json"));
        if let Some(answer) = answer {
            answer["schema"] = json!({ "anyOf": [schema, sparse] });
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.extend(added);
    }
    serde_json::from_value(doc).unwrap_or(api)
}

/// `path` as a JSON pointer segment.
fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// The parameter's description and schema.
fn parameter(names: &[String]) -> Value {
    json!({
        "name": PARAMETER,
        "in": "query",
        "required": false,
        "style": "form",
        "explode": false,
        "description": "Only these top-level fields, comma-separated (of each item, in a list); \
            nested objects come whole. An unknown name is a 400 that names it. Each selection \
            has its own `ETag`.",
        "schema": { "type": "array", "minItems": 1, "items": { "type": "string", "enum": names } },
        "example": ["id", "slug"],
    })
}

/// The schema `schema` refers to, or itself.
fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let target = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| doc.pointer(&format!("/components/schemas/{}", escape(name))));
    match target {
        Some(target) => resolved(doc, target),
        None => schema,
    }
}

/// The alternatives of a `oneOf`/`anyOf`, or the schema alone.
fn alternatives<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let schema = resolved(doc, schema);
    match schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
        Some(list) => list.iter().flat_map(|alternative| alternatives(doc, alternative)).collect(),
        None => vec![schema],
    }
}

/// The item schema of a list answer (`{"data": [item], …}`).
fn list_item<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let data = resolved(doc, schema).pointer("/properties/data")?;
    (data.get("type") == Some(&json!("array"))).then(|| data.get("items")).flatten()
}

/// Every property of an object schema, `allOf` parts merged, in order.
fn properties(doc: &Value, schema: &Value, into: &mut Map<String, Value>) {
    let schema = resolved(doc, schema);
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        properties(doc, part, into);
    }
    for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        into.entry(name.clone()).or_insert_with(|| property.clone());
    }
}

/// The field names `fields` may select for an answer of `schema`: the item's of each
/// list alternative, or the object's.
fn item_names(doc: &Value, schema: &Value) -> Vec<String> {
    let mut merged = Map::new();
    for alternative in alternatives(doc, schema) {
        properties(doc, list_item(doc, alternative).unwrap_or(alternative), &mut merged);
    }
    merged.keys().cloned().collect()
}

/// `schema` with every field optional: for a list, its items.
fn sparse_answer(doc: &Value, schema: &Value, added: &mut Map<String, Value>) -> Value {
    let choices: Vec<Value> = alternatives(doc, schema)
        .into_iter()
        .map(|alternative| match list_item(doc, alternative) {
            Some(item) => {
                let mut list = alternative.clone();
                list["properties"]["data"]["items"] = sparse_item(doc, item, added);
                list["description"] = json!("The list, each item with only the fields named in `fields`.");
                list
            }
            None => sparse_item(doc, alternative, added),
        })
        .collect();
    match <[Value; 1]>::try_from(choices) {
        Ok([one]) => one,
        Err(choices) => json!({ "anyOf": choices }),
    }
}

/// An object of the item's fields, none required: `{Name}Fields` among the components
/// when the item is a named schema.
fn sparse_item(doc: &Value, item: &Value, added: &mut Map<String, Value>) -> Value {
    let mut merged = Map::new();
    properties(doc, item, &mut merged);
    let name = item.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"));
    let what = name.map_or_else(|| "an item".to_owned(), |name| format!("`{name}`"));
    let schema = json!({
        "type": "object",
        "description": format!("{what} with only the fields named in `fields`."),
        "properties": merged,
    });
    match name {
        Some(name) => {
            let sparse = format!("{name}Fields");
            added.insert(sparse.clone(), schema);
            json!({ "$ref": format!("#/components/schemas/{sparse}") })
        }
        None => schema,
    }
}

/// The names each read of [`PATHS`] may select, as the spec gives them.
#[derive(Debug, Default)]
pub struct FieldTable {
    routes: Vec<(ResourceDef, BTreeSet<String>)>,
}

impl FieldTable {
    /// The table of the finished spec `api`; literal routes before templates
    /// (`/articles/popular` before `/articles/{id}`).
    pub fn from_openapi(api: &OpenApi) -> Self {
        let doc = serde_json::to_value(api).unwrap_or_default();
        let mut routes: Vec<(ResourceDef, BTreeSet<String>)> = PATHS
            .iter()
            .filter_map(|path| {
                let parameters = doc.pointer(&format!("/paths/{}/get/parameters", escape(path)))?.as_array()?;
                let ours = parameters.iter().find(|p| p.get("name") == Some(&json!(PARAMETER)))?;
                let names = ours.pointer("/schema/items/enum")?.as_array()?;
                // Ids are digits: `/articles/suggest` is not `/articles/{id}`.
                let def = ResourceDef::new(path.replace("{id}", "{id:[0-9]+}"));
                Some((def, names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect()))
            })
            .collect();
        routes.sort_by_key(|(def, _)| def.pattern().map_or(0, |p| p.matches('{').count()));
        Self { routes }
    }

    fn names(&self, path: &str) -> Option<&BTreeSet<String>> {
        self.routes.iter().find(|(def, _)| def.is_match(path)).map(|(_, names)| names)
    }
}

/// The `fields` of a query string (every occurrence, comma-joined), and the query
/// without them.
fn take_fields(query: &str) -> Option<(String, String)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let (ours, rest): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(key, _)| key == PARAMETER);
    if ours.is_empty() {
        return None;
    }
    let fields = ours.into_iter().map(|(_, value)| value).collect::<Vec<_>>().join(",");
    Some((fields, serde_urlencoded::to_string(rest).unwrap_or_default()))
}

/// The names asked for, each known, without repeats; 400 naming an unknown one.
fn parse(fields: &str, known: &BTreeSet<String>) -> Result<Vec<String>, ApiError> {
    let mut names: Vec<String> = Vec::new();
    for name in fields.split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        if !known.contains(name) {
            let known = known.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
            return Err(ApiError::BadRequest(format!("fields: unknown field '{name}' (known: {known})")));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    if names.is_empty() {
        return Err(ApiError::BadRequest("fields must name at least one field".to_owned()));
    }
    Ok(names)
}

/// `value` with only `names` kept: of each item of `data` in a list, else of the object.
fn select(value: &mut Value, names: &[String]) {
    let keep = |object: &mut Map<String, Value>| object.retain(|key, _| names.iter().any(|n| n == key));
    match value.get_mut("data").and_then(Value::as_array_mut) {
        Some(items) => items.iter_mut().filter_map(Value::as_object_mut).for_each(keep),
        None => {
            if let Some(object) = value.as_object_mut() {
                keep(object);
            }
        }
    }
}

/// A representation's tag: `W/"a5-v3.10"` becomes `W/"a5-v3;f=1a2b3c4d.10"`. The count
/// stays last (the response cache rewrites it) and `If-Match` still reads `a5-v3`.
fn tagged(tag: &str, names: &[String]) -> String {
    let mut sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let mark = format!(";f={}", hex::encode(&Sha256::digest(sorted.join(",").as_bytes())[..4]));
    let end = tag.rfind('.').or_else(|| tag.rfind('"')).unwrap_or(tag.len());
    format!("{}{mark}{}", &tag[..end], &tag[end..])
}

/// Each `<target>` of a `Link` header with `fields` put back.
fn linked(link: &str, fields: &str) -> String {
    let param = serde_urlencoded::to_string([(PARAMETER, fields)]).unwrap_or_default();
    link.split(", ")
        .map(|entry| match entry.find('>') {
            Some(end) if entry.starts_with('<') => {
                let joiner = if entry[..end].contains('?') { '&' } else { '?' };
                format!("{}{joiner}{param}{}", &entry[..end], &entry[end..])
            }
            _ => entry.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `fields` to the reads of [`PATHS`] (innermost: the response cache and the
/// `ETag`/304 logic see the sparse answer).
pub async fn sparse(
    mut req: ServiceRequest,
    next: Next<impl MessageBody<Error = impl Into<Box<dyn std::error::Error>>> + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let table = req.app_data::<web::Data<FieldTable>>().cloned();
    // Most reads have no `fields`: no query parsing for them.
    let maybe = req.method() == Method::GET && req.query_string().contains(PARAMETER);
    let asked = maybe.then(|| take_fields(req.query_string())).flatten();
    let (Some(table), Some((fields, rest))) = (table, asked) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(known) = table.names(req.path()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let names = match parse(&fields, known) {
        Ok(names) => names,
        Err(error) => return Ok(problem_response(req.into_parts().0, &error)),
    };
    let uri = if rest.is_empty() { req.path().to_owned() } else { format!("{}?{rest}", req.path()) };
    if let Ok(uri) = uri.parse::<Uri>() {
        req.head_mut().uri = uri;
    }
    let response = next.call(req).await?;
    if response.status() != StatusCode::OK {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    let bytes = body_bytes(body).await?;
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(ServiceResponse::new(req, response.set_body(BoxBody::new(bytes))));
    };
    select(&mut value, &names);
    let body = serde_json::to_vec(&value).map_err(ApiError::internal)?;
    let headers = response.headers_mut();
    let tag = headers.get(header::ETAG).and_then(|v| v.to_str().ok()).map(|tag| tagged(tag, &names));
    if let Some(tag) = tag.and_then(|tag| HeaderValue::from_str(&tag).ok()) {
        headers.insert(header::ETAG, tag);
    }
    let link = headers.get(header::LINK).and_then(|v| v.to_str().ok()).map(|link| linked(link, &fields));
    if let Some(link) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        headers.insert(header::LINK, link);
    }
    Ok(ServiceResponse::new(req, response.set_body(BoxBody::new(body))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeSet<String> {
        ["id", "slug", "title", "category"].into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn fields_are_taken_off_the_query() {
        let (fields, rest) = take_fields("page=2&fields=id,slug&q=thi+%C4%91ua&fields=title").expect("fields");
        assert_eq!(fields, "id,slug,title");
        assert_eq!(rest, "page=2&q=thi+%C4%91ua");
        assert_eq!(take_fields("page=2"), None);
        assert_eq!(take_fields("fields="), Some((String::new(), String::new())));
    }

    #[test]
    fn names_are_checked_and_kept_once() {
        assert_eq!(parse(" id, slug ,id,", &known()).expect("names"), ["id", "slug"]);
        let unknown = parse("id,titel", &known()).expect_err("unknown");
        assert!(unknown.to_string().contains("'titel'"), "{unknown}");
        assert!(parse(",", &known()).is_err());
    }

    #[test]
    fn lists_keep_the_fields_of_each_item_and_objects_their_own() {
        let names = ["id".to_owned(), "category".to_owned()];
        let mut list =
            json!({"data": [{"id": 1, "title": "a", "category": {"id": 2, "name": "x"}}], "meta": {"total": 1}});
        select(&mut list, &names);
        assert_eq!(list, json!({"data": [{"id": 1, "category": {"id": 2, "name": "x"}}], "meta": {"total": 1}}));
        let mut one = json!({"id": 1, "title": "a", "body": "<p>b</p>"});
        select(&mut one, &names);
        assert_eq!(one, json!({"id": 1}));
    }

    #[test]
    fn each_selection_has_its_own_tag_and_keeps_the_version_and_count() {
        let a = tagged("W/\"a5-v3.10\"", &["id".to_owned(), "slug".to_owned()]);
        let b = tagged("W/\"a5-v3.10\"", &["slug".to_owned(), "id".to_owned()]);
        let c = tagged("W/\"a5-v3.10\"", &["id".to_owned()]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("W/\"a5-v3;f=") && a.ends_with(".10\""), "{a}");
    }

    #[test]
    fn links_get_the_fields_back() {
        let link = "</api/v1/articles?page=1>; rel=\"first\", </api/v1/articles?page=2>; rel=\"next\"";
        assert_eq!(
            linked(link, "id,slug"),
            "</api/v1/articles?page=1&fields=id%2Cslug>; rel=\"first\", \
             </api/v1/articles?page=2&fields=id%2Cslug>; rel=\"next\""
        );
    }
}
