//! Webhooks: subscriptions, the outbox of messages that changes write in their own
//! transaction, and the deliveries the worker sends (see `crate::webhooks`).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{Conn, Dialect};
use crate::schema::{articles, webhook_deliveries, webhook_messages, webhooks};

/// A subscription as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i32,
    /// Its content.
    #[diesel(embed)]
    pub fields: WebhookFields,
    /// `whsec_<base64>`.
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The writable fields of a subscription, after validation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhooks, treat_none_as_null = true)]
pub struct WebhookFields {
    pub url: String,
    /// JSON array of event names, or `["*"]`.
    pub events: String,
    pub description: Option<String>,
    pub active: bool,
}

impl WebhookRow {
    /// Its event names (`*` for all).
    pub fn events(&self) -> Vec<String> {
        serde_json::from_str(&self.fields.events).unwrap_or_default()
    }

    /// Whether it wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events().iter().any(|e| e == "*" || e == event)
    }
}

/// A delivery as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i32,
    pub webhook_id: i32,
    pub message_id: i32,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub give_up_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// How long a delivery is retried before it is marked failed.
pub const RETRY_FOR: Duration = Duration::days(3);
/// Finished deliveries (and messages no delivery needs) are kept this long.
pub const KEEP_LOG: Duration = Duration::days(30);

/// The subscription with `id`.
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn).optional()
}

/// One page of subscriptions, oldest first, and how many there are.
pub fn page(conn: &mut Conn, offset: i64, limit: i64) -> QueryResult<(Vec<WebhookRow>, i64)> {
    super::page_and_total!(conn, webhooks::table, webhooks::id, WebhookRow, offset, limit)
}

/// Stores a new subscription with `secret`.
pub fn insert(conn: &mut Conn, fields: &WebhookFields, secret: &str) -> QueryResult<WebhookRow> {
    let now = super::now();
    crate::on_backend!(conn, c => diesel::insert_into(webhooks::table)
        .values((fields, webhooks::secret.eq(secret), webhooks::created_at.eq(now), webhooks::updated_at.eq(now)))
        .returning(WebhookRow::as_returning())
        .get_result(c))
}

/// Stores new fields of subscription `id`.
pub fn update(conn: &mut Conn, id: i32, fields: &WebhookFields) -> QueryResult<WebhookRow> {
    crate::on_backend!(conn, c => diesel::update(webhooks::table.find(id))
        .set((fields, webhooks::updated_at.eq(super::now())))
        .returning(WebhookRow::as_returning())
        .get_result(c))
}

/// Deletes subscription `id` with its deliveries; whether it was there.
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? > 0)
}

/// Queues `body` (the whole JSON sent: type, timestamp, data) of `event` for every
/// active subscription that wants it, in the caller's transaction; with `only`, for
/// that subscription whatever it wants (a ping). Returns the deliveries queued.
pub fn enqueue(conn: &mut Conn, event: &str, body: &str, only: Option<i32>) -> QueryResult<Vec<i32>> {
    let mut query = webhooks::table.filter(webhooks::active.eq(true)).into_boxed();
    if let Some(id) = only {
        query = query.filter(webhooks::id.eq(id));
    }
    let wanting: Vec<i32> = query
        .select(WebhookRow::as_select())
        .load(conn)?
        .into_iter()
        .filter(|w| only.is_some() || w.wants(event))
        .map(|w| w.id)
        .collect();
    if wanting.is_empty() {
        return Ok(Vec::new());
    }
    let now = super::now();
    let message: i32 = diesel::insert_into(webhook_messages::table)
        .values((
            webhook_messages::event.eq(event),
            webhook_messages::body.eq(body),
            webhook_messages::created_at.eq(now),
        ))
        .returning(webhook_messages::id)
        .get_result(conn)?;
    let mut queued = Vec::with_capacity(wanting.len());
    for webhook in wanting {
        let id: i32 = diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(webhook),
                webhook_deliveries::message_id.eq(message),
                webhook_deliveries::event.eq(event),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::give_up_at.eq(now + RETRY_FOR),
                webhook_deliveries::created_at.eq(now),
                webhook_deliveries::updated_at.eq(now),
            ))
            .returning(webhook_deliveries::id)
            .get_result(conn)?;
        queued.push(id);
    }
    Ok(queued)
}

/// A delivery ready to send: where, how to sign, what.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery: DeliveryRow,
    pub url: String,
    pub secret: String,
    pub body: String,
}

/// Up to `limit` deliveries due at `now`: for each active subscription not in
/// `busy`, its oldest pending delivery, if that one is due (a later one never
/// overtakes it, so each subscription gets its events in order).
pub fn due(conn: &mut Conn, now: NaiveDateTime, busy: &[i32], limit: i64) -> QueryResult<Vec<Due>> {
    let heads = diesel::alias!(webhook_deliveries as heads);
    let rows: Vec<(DeliveryRow, String, String, String)> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .inner_join(webhook_messages::table)
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(webhooks::active.eq(true))
        .filter(diesel::dsl::not(webhook_deliveries::webhook_id.eq_any(busy)))
        .filter(
            webhook_deliveries::id.nullable().eq(heads
                .filter(heads.field(webhook_deliveries::webhook_id).eq(webhook_deliveries::webhook_id))
                .filter(heads.field(webhook_deliveries::status).eq("pending"))
                .select(diesel::dsl::min(heads.field(webhook_deliveries::id)))
                .single_value()
                .assume_not_null()
                .nullable()),
        )
        .order(webhook_deliveries::next_attempt_at)
        .limit(limit)
        .select((DeliveryRow::as_select(), webhooks::url, webhooks::secret, webhook_messages::body))
        .load(conn)?;
    Ok(rows.into_iter().map(|(delivery, url, secret, body)| Due { delivery, url, secret, body }).collect())
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The receiver's status code, if it answered.
    pub status_code: Option<i32>,
    /// Why it failed; `None` on a 2xx.
    pub error: Option<String>,
}

/// The delay before retry number `attempts` (1: after the first failure): about 5 s,
/// 1 min, 10 min, 1 h, 6 h, then every 12 h.
pub fn backoff(attempts: i32) -> Duration {
    match attempts {
        i32::MIN..=1 => Duration::seconds(5),
        2 => Duration::minutes(1),
        3 => Duration::minutes(10),
        4 => Duration::hours(1),
        5 => Duration::hours(6),
        _ => Duration::hours(12),
    }
}

/// Records an attempt of delivery `id` at `now`: succeeded, or pending with the next
/// try, or failed once the next try would fall after its give-up time.
pub fn record(conn: &mut Conn, id: i32, outcome: &Outcome, now: NaiveDateTime) -> QueryResult<()> {
    let Some(row) = webhook_deliveries::table.find(id).select(DeliveryRow::as_select()).first(conn).optional()? else {
        return Ok(());
    };
    let attempts = row.attempts + 1;
    let (status, next) = match &outcome.error {
        None => ("succeeded", None),
        Some(_) => {
            let next = now + backoff(attempts);
            if next > row.give_up_at {
                ("failed", None)
            } else {
                ("pending", Some(next))
            }
        }
    };
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::last_status_code.eq(outcome.status_code),
            webhook_deliveries::last_error.eq(&outcome.error),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delivery `id` of subscription `webhook`.
pub fn find_delivery(conn: &mut Conn, webhook: i32, id: i32) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// One page of subscription `webhook`'s deliveries, newest first, and how many.
pub fn deliveries(conn: &mut Conn, webhook: i32, offset: i64, limit: i64) -> QueryResult<(Vec<DeliveryRow>, i64)> {
    let of = webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(webhook));
    super::page_and_total!(conn, of, webhook_deliveries::id.desc(), DeliveryRow, offset, limit)
}

/// Sends delivery `id` again as soon as its turn comes, retried for another three
/// days; returns it.
pub fn retry(conn: &mut Conn, id: i32) -> QueryResult<DeliveryRow> {
    let now = super::now();
    crate::on_backend!(conn, c => diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::give_up_at.eq(now + RETRY_FOR),
            webhook_deliveries::updated_at.eq(now),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(c))
}

/// Deletes finished deliveries older than [`KEEP_LOG`] and messages left without
/// deliveries; how many deliveries went.
pub fn prune(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    let before = now - KEEP_LOG;
    let gone = diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.ne("pending"))
            .filter(webhook_deliveries::updated_at.lt(before)),
    )
    .execute(conn)?;
    diesel::delete(webhook_messages::table.filter(webhook_messages::created_at.lt(before)).filter(diesel::dsl::not(
        diesel::dsl::exists(webhook_deliveries::table.filter(webhook_deliveries::message_id.eq(webhook_messages::id))),
    )))
    .execute(conn)?;
    Ok(gone)
}

/// Articles visible at `now` that no `article.published` has announced yet (their
/// scheduled time came): marks them announced and returns their ids. Run it in an
/// immediate transaction with the events it leads to, so each goes out once.
pub fn announce_due(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<i32>> {
    let ids: Vec<i32> = diesel::sql_query(unannounced(conn.dialect(), ""))
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .load::<Id>(conn)?
        .into_iter()
        .map(|row| row.id)
        .collect();
    if !ids.is_empty() {
        diesel::update(articles::table.filter(articles::id.eq_any(&ids)))
            .set(articles::announced_at.eq(now))
            .execute(conn)?;
    }
    Ok(ids)
}

/// The ids of the articles whose scheduled time (bound first) came unannounced,
/// through their partial index: SQLite's planner otherwise picks the published-date
/// index and reads every published article (180 ms a second at 100,000 articles);
/// PostgreSQL's picks the partial index itself.
fn unannounced(d: Dialect, rest: &str) -> String {
    let table = match d {
        Dialect::Sqlite => "articles INDEXED BY articles_unannounced",
        Dialect::Pg => "articles",
    };
    d.params(&format!(
        "SELECT id FROM {table} WHERE status = 'published' AND trashed_at IS NULL AND announced_at IS NULL \
         AND published_at <= ?1{rest}"
    ))
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
}

/// Whether article `id` is announced (publicly visible as far as events go).
pub fn announced(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    let at: Option<Option<NaiveDateTime>> =
        articles::table.find(id).select(articles::announced_at).first(conn).optional()?;
    Ok(at.flatten().is_some())
}

/// Whether any subscription is active (when none is, changes write no messages).
pub fn any_active(conn: &mut Conn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(webhooks::table.filter(webhooks::active.eq(true)))).get_result(conn)
}

/// Whether an article's scheduled time has come without its announcement (a read,
/// so the announcer takes the write lock only when there is work).
pub fn has_unannounced(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<bool> {
    let found = diesel::sql_query(unannounced(conn.dialect(), " LIMIT 1"))
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .load::<Id>(conn)?;
    Ok(!found.is_empty())
}
