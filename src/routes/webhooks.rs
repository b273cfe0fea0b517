//! `/api/v1/webhooks`: subscriptions to content changes, managed by admins, with
//! their delivery log, manual retry and ping. Delivery itself is `crate::webhooks`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{mapped, utc, Listing, NoFilters, PageParams, Paged};
use crate::auth::Admin;
use crate::db;
use crate::db::webhooks::{self as store, DeliveryRow, WebhookFields, WebhookRow};
use crate::error::{ApiError, FieldError};
use crate::extract::{check_len, double_option, ApiJson};
use crate::routes::{Answer, State};
use crate::webhooks::{guard, EventName};

/// A subscription, never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    #[schema(example = 1)]
    pub id: i32,
    /// Where deliveries are POSTed.
    #[schema(example = "https://example.vn/hooks/bantin")]
    pub url: String,
    /// The events it receives; `["*"]` for all.
    #[schema(example = json!(["article.published", "article.updated"]))]
    pub events: Vec<EventName>,
    pub description: Option<String>,
    /// Inactive subscriptions get nothing; their pending deliveries wait.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        let events = row.events().iter().filter_map(|e| serde_json::from_value(serde_json::json!(e)).ok()).collect();
        Self {
            id: row.id,
            url: row.fields.url,
            events,
            description: row.fields.description,
            active: row.fields.active,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A subscription just made, with its signing secret (shown only in this answer).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewWebhook {
    #[serde(flatten)]
    pub item: Webhook,
    /// `whsec_…`: verify `webhook-signature` with it (Standard Webhooks). It cannot be
    /// shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// Body of POST.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://example.vn/hooks/bantin", "events": ["article.published"],
                          "description": "Purge the CDN"}))]
pub struct WebhookInput {
    /// `http` or `https`, at most 2,000 characters; its host must resolve to public
    /// addresses only (unless `BANTIN_WEBHOOK_ALLOW_PRIVATE=1`).
    #[schema(max_length = 2000, pattern = "^https?://")]
    pub url: String,
    /// Event names (see the `webhooks` of this document), or `["*"]`; 1 to 20.
    #[schema(min_items = 1, max_items = 20)]
    pub events: Vec<EventName>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
}

/// Body of PATCH: absent fields stay, `null` clears `description`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct WebhookPatch {
    #[schema(max_length = 2000, pattern = "^https?://")]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 20)]
    pub events: Option<Vec<EventName>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    #[schema(example = 42)]
    pub id: i32,
    /// The event it carries.
    #[schema(example = "article.published")]
    pub event: String,
    /// `pending`, `succeeded` or `failed` (gave up after 3 days of retries).
    #[schema(example = "succeeded")]
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The receiver's status code at the last attempt, if it answered.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it is tried next (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryRow> for Delivery {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            event: row.event,
            status: row.status,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            next_attempt_at: row.next_attempt_at.map(utc),
            created_at: utc(row.created_at),
        }
    }
}

/// The path of one delivery.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// Webhook id
    #[param(minimum = 1)]
    pub id: i32,
    /// Delivery id
    #[param(minimum = 1)]
    pub delivery_id: i32,
}

/// Checks a subscription's fields (resolving the URL's host, so off the workers).
fn check(input: WebhookInput, allow_private: bool) -> Result<WebhookFields, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let url = if input.url.chars().count() > 2000 {
        errors.push(FieldError::new("url", "must be at most 2,000 characters"));
        None
    } else {
        guard::check_url(&input.url, allow_private).map_err(|why| errors.push(FieldError::new("url", why))).ok()
    };
    if input.events.is_empty() || input.events.len() > 20 {
        errors.push(FieldError::new("events", "must name 1 to 20 events"));
    }
    if let Some(description) = &input.description {
        check_len(&mut errors, "description", description, false, 500);
    }
    let mut events = input.events;
    events.sort();
    events.dedup();
    let events = serde_json::to_string(&events).map_err(ApiError::internal)?;
    match url {
        Some(url) if errors.is_empty() => {
            Ok(WebhookFields { url, events, description: input.description, active: input.active.unwrap_or(true) })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// [`check`], on the blocking pool (it waits for DNS) without holding a connection.
async fn checked(input: WebhookInput, state: &crate::state::AppState) -> Result<WebhookFields, ApiError> {
    let allow = state.webhooks.allow_private;
    web::block(move || check(input, allow)).await.map_err(ApiError::internal)?
}

/// The subscription with `id`, or a 404.
fn found(conn: &mut crate::db::Conn, id: i32) -> Result<WebhookRow, ApiError> {
    store::find(conn, id)?.ok_or_else(|| ApiError::not_found("webhook", format!("id {id}")))
}

/// List webhooks (admin), oldest first.
#[utoipa::path(
    params(PageParams),
    responses((status = 200, description = "A page of subscriptions", body = Paged<Webhook>))
)]
#[get("/webhooks")]
pub async fn list(listing: Listing<NoFilters, Admin>) -> Answer {
    listing.page_of(|conn, offset, limit| mapped(store::page(conn, offset, limit)?, Webhook::from)).await
}

/// Create a webhook (admin).
///
/// The answer is the only place the signing secret is ever shown.
#[utoipa::path(
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Created; `secret` signs its deliveries", body = NewWebhook),
    )
)]
#[post("/webhooks")]
pub async fn create(state: State, _admin: Admin, input: ApiJson<WebhookInput>) -> Answer {
    let fields = checked(input.0, &state).await?;
    let row =
        db::run(&state.pool, move |conn| Ok(store::insert(conn, &fields, &crate::webhooks::new_secret())?)).await?;
    let secret = row.secret.clone();
    Ok(HttpResponse::build(StatusCode::CREATED).json(NewWebhook { item: row.into(), secret }))
}

/// Get a webhook (admin).
#[utoipa::path(
    params(("id" = i32, Path, description = "Webhook id", minimum = 1)),
    responses((status = 200, description = "The subscription", body = Webhook))
)]
#[get("/webhooks/{id}")]
pub async fn show(state: State, _admin: Admin, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| found(conn, id)).await?;
    Ok(HttpResponse::Ok().json(Webhook::from(row)))
}

/// Update some fields of a webhook (admin).
#[utoipa::path(
    params(("id" = i32, Path, description = "Webhook id", minimum = 1)),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "Updated", body = Webhook),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update(state: State, _admin: Admin, id: web::Path<i32>, patch: ApiJson<WebhookPatch>) -> Answer {
    let (id, patch) = (id.into_inner(), patch.0);
    let current = db::run(&state.pool, move |conn| found(conn, id)).await?;
    let input = WebhookInput {
        url: patch.url.unwrap_or_else(|| current.fields.url.clone()),
        events: patch.events.unwrap_or_else(|| Webhook::from(current.clone()).events),
        description: patch.description.unwrap_or_else(|| current.fields.description.clone()),
        active: Some(patch.active.unwrap_or(current.fields.active)),
    };
    let fields = checked(input, &state).await?;
    let row = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            found(conn, id)?;
            Ok(store::update(conn, id, &fields)?)
        })
    })
    .await?;
    state.webhooks.wake();
    Ok(HttpResponse::Ok().json(Webhook::from(row)))
}

/// Delete a webhook (admin), with its pending deliveries and log.
#[utoipa::path(
    params(("id" = i32, Path, description = "Webhook id", minimum = 1)),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhooks/{id}")]
pub async fn remove(state: State, _admin: Admin, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    if !db::run(&state.pool, move |conn| Ok(store::delete(conn, id)?)).await? {
        return Err(ApiError::not_found("webhook", format!("id {id}")));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Send a `ping` to a webhook (admin).
///
/// Queued like any event, behind the subscription's pending deliveries; its data is
/// `{"id": <webhook id>}`.
#[utoipa::path(
    params(("id" = i32, Path, description = "Webhook id", minimum = 1)),
    responses(
        (status = 202, description = "Queued", body = Delivery),
        (status = 409, description = "The webhook is inactive"),
    )
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping(state: State, _admin: Admin, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let delivery = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let webhook = found(conn, id)?;
            if !webhook.fields.active {
                return Err(ApiError::Conflict(format!("webhook {id} is inactive; activate it to ping it")));
            }
            let queued = crate::webhooks::send_to(conn, "ping", &crate::webhooks::Deleted { id }, Some(id))?;
            let delivery = queued.first().copied().ok_or_else(|| ApiError::internal("the ping was not queued"))?;
            store::find_delivery(conn, id, delivery)?.ok_or_else(|| ApiError::internal("the ping was not queued"))
        })
    })
    .await?;
    state.webhooks.wake();
    Ok(HttpResponse::Accepted().json(Delivery::from(delivery)))
}

/// List a webhook's deliveries (admin), newest first.
#[utoipa::path(
    params(("id" = i32, Path, description = "Webhook id", minimum = 1), PageParams),
    responses((status = 200, description = "A page of deliveries, newest first", body = Paged<Delivery>))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(listing: Listing<NoFilters, Admin>, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    listing
        .page_of(move |conn, offset, limit| {
            found(conn, id)?;
            mapped(store::deliveries(conn, id, offset, limit)?, Delivery::from)
        })
        .await
}

/// Send a delivery again (admin).
///
/// It goes back to `pending`, due now, with three more days of retries; it still
/// waits for the subscription's earlier pending deliveries.
#[utoipa::path(
    params(DeliveryPath),
    responses((status = 202, description = "Queued again", body = Delivery))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry(state: State, _admin: Admin, path: web::Path<DeliveryPath>) -> Answer {
    let DeliveryPath { id, delivery_id } = path.into_inner();
    let delivery = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            found(conn, id)?;
            store::find_delivery(conn, id, delivery_id)?
                .ok_or_else(|| ApiError::not_found("delivery", format!("id {delivery_id} of webhook {id}")))?;
            Ok(store::retry(conn, delivery_id)?)
        })
    })
    .await?;
    state.webhooks.wake();
    Ok(HttpResponse::Accepted().json(Delivery::from(delivery)))
}
