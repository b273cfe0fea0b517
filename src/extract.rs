//! Request extractors that turn every kind of bad input into the right problem+json.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, FieldError};
use crate::text::trim;

/// Largest JSON body accepted (article bodies may be up to 1 MiB of HTML).
pub const MAX_JSON_BODY: usize = 2 * 1024 * 1024;
/// Oversized bodies up to this size are read to the end before the 413 is sent.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// A JSON request body: 415 unless the content type is JSON, 413 over
/// [`MAX_JSON_BODY`], 400 for malformed JSON, 422 (naming the field) for JSON of the
/// wrong shape, including unknown fields.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses `bytes` as `T`, classifying failures as 400 (syntax) or 422 (shape).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        // Serde would read a struct from an array too; bodies are objects.
        serde_json::from_slice::<serde_json::Value>(bytes).map_err(|error| classify(bytes, error, String::new()))?;
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let mut document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| classify(bytes, e, String::new()))?;
    integral_floats_to_integers(&mut document);
    from_document(document)
}

/// Reads `T` from a JSON object already parsed (a part of a body; the caller checked it
/// is an object), failing as [`parse_json`] does: 422 naming the field for the wrong
/// shape or unknown fields.
pub fn from_document<T: DeserializeOwned>(document: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(document).map_err(|error| {
        let path = error.path().to_string();
        classify(b"{}", error.into_inner(), path)
    })
}

/// JSON has one number type: `3.0` is the integer 3 (JSON Schema agrees), but serde
/// refuses it for an integer field. Whole floats within `i64` become integers.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64().filter(|x| n.is_f64() && x.fract() == 0.0 && x.abs() < 9.0e15) {
                *n = serde_json::Number::from(x as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

fn classify(bytes: &[u8], error: serde_json::Error, path: String) -> ApiError {
    match error.classify() {
        serde_json::error::Category::Data => {
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            let field = unknown_field(&message).map_or(path, |name| name.to_owned());
            let field = if field == "." || field.is_empty() { "body".to_owned() } else { field };
            ApiError::Validation(vec![FieldError::new(field, message)])
        }
        _ if bytes.iter().all(u8::is_ascii_whitespace) => {
            ApiError::BadRequest("the request body is empty; send a JSON object".to_owned())
        }
        _ => ApiError::BadRequest(format!("the request body is not valid JSON: {error}")),
    }
}

/// The name in serde's "unknown field `x`, ..." or "missing field `x`" message.
fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("missing field `"))?.split('`').next()
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType("send the request body as application/json".to_owned()));
            }
            let too_large = || ApiError::PayloadTooLarge(format!("the request body is over {MAX_JSON_BODY} bytes"));
            // An oversized body is read and dropped (up to DRAIN_LIMIT) before the 413, so
            // the client, still sending, gets the answer instead of a reset connection.
            let mut body = web::BytesMut::new();
            let mut over = declared.is_some_and(|n| n > MAX_JSON_BODY);
            if declared.is_some_and(|n| n > DRAIN_LIMIT) {
                return Err(too_large());
            }
            let mut seen = 0usize;
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
                seen += chunk.len();
                if seen > MAX_JSON_BODY {
                    over = true;
                    if seen > DRAIN_LIMIT {
                        break;
                    }
                }
                if !over {
                    body.extend_from_slice(&chunk);
                }
            }
            if over {
                return Err(too_large());
            }
            parse_json(&body).map(ApiJson)
        })
    }
}

/// For PATCH bodies: distinguishes an absent field (`None`) from `null` (`Some(None)`).
/// Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Checks a text field as sent: at most `max` characters, and (when `required`) not
/// blank. The limit applies before trimming, as the OpenAPI `maxLength` does.
pub fn check_len(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool, max: usize) {
    if value.chars().count() > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    } else if required && trim(value).is_empty() {
        errors.push(FieldError::new(field, "must not be empty"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        #[serde(default, deserialize_with = "double_option")]
        parent_id: Option<Option<i32>>,
    }

    #[test]
    fn json_failures_are_classified() {
        let cases: [(&str, u16, &str); 8] = [
            ("{", 400, ""),
            ("", 400, ""),
            ("{\"name\": 5}", 422, "name"),
            ("{\"name\": \"a\", \"nmae\": 1}", 422, "nmae"),
            ("{}", 422, "name"),
            ("[1]", 422, "body"),
            ("{\"name\": \"a\"} trailing", 400, ""),
            ("{\"name\": \"a\", \"parent_id\": 3.0}", 0, ""),
        ];
        for (body, status, field) in cases {
            if status == 0 {
                let parsed: Input = parse_json(body.as_bytes()).expect("whole floats are integers");
                assert_eq!(parsed.parent_id, Some(Some(3)));
                continue;
            }
            let error = parse_json::<Input>(body.as_bytes()).expect_err(body);
            let problem = error.problem();
            assert_eq!(problem.status, status, "{body}");
            if status == 422 {
                assert_eq!(problem.errors.expect("errors")[0].field, field, "{body}");
            }
        }
    }

    #[test]
    fn patch_fields_tell_absent_from_null() {
        let absent: Input = parse_json(b"{\"name\": \"a\"}").expect("parse");
        assert_eq!(absent.parent_id, None);
        let null: Input = parse_json(b"{\"name\": \"a\", \"parent_id\": null}").expect("parse");
        assert_eq!(null.parent_id, Some(None));
        let set: Input = parse_json(b"{\"name\": \"a\", \"parent_id\": 3}").expect("parse");
        assert_eq!(set.parent_id, Some(Some(3)));
    }
}
