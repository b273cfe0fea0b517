//! `X-Request-Id`: echoed when the client sends a sane one, generated otherwise; on
//! every response, in the access log, and as the `instance` of problem documents.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::middleware::Next;
use rand::RngCore;

use super::body_bytes;

/// The header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn sane(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

fn generate() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Assigns the request id and stamps it on the response.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody<Error = impl Into<Box<dyn std::error::Error>>> + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| sane(id))
        .map_or_else(generate, str::to_owned);
    let response = next.call(req).await?;
    let is_problem =
        response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let (req, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    let body = if is_problem {
        let bytes = body_bytes(body).await?;
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(mut problem)) => {
                problem.insert("instance".to_owned(), format!("urn:bantin:request:{id}").into());
                response.headers_mut().remove(CONTENT_LENGTH);
                BoxBody::new(serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec()))
            }
            _ => BoxBody::new(bytes),
        }
    } else {
        body.boxed()
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(ServiceResponse::new(req, response.set_body(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_ids_are_echoed() {
        assert!(sane("abc-123_x.y:z"));
        for bad in ["", "a b", "<script>", &"x".repeat(129), "ü"] {
            assert!(!sane(bad), "{bad}");
        }
        assert_eq!(generate().len(), 16);
    }
}
