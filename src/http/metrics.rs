//! `/metrics`: Prometheus text exposition of requests, latency, the view buffer and the
//! database pool.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::error::ApiError;
use crate::state::AppState;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    view_buffer: IntGauge,
    view_flushes: IntCounter,
    pool: IntGaugeVec,
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("bantin_http_requests_total", "HTTP requests by method, route template and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("bantin_http_request_duration_seconds", "Time to answer, by method and route template")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["method", "route"],
        )?;
        let view_buffer = IntGauge::new("bantin_view_buffer_pending", "Views counted but not yet written")?;
        let view_flushes = IntCounter::new("bantin_view_flushes_total", "Successful writes of buffered views")?;
        let pool = IntGaugeVec::new(
            Opts::new("bantin_db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(view_buffer.clone()))?;
        registry.register(Box::new(view_flushes.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        Ok(Self { registry, requests, latency, view_buffer, view_flushes, pool })
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }

    /// The text exposition, with gauges read now.
    fn render(&self, state: &AppState) -> Result<String, ApiError> {
        self.view_buffer.set(state.views.pending());
        let flushes = state.views.flush_count();
        self.view_flushes.inc_by(flushes.saturating_sub(self.view_flushes.get()));
        let pool = state.pool.state();
        let idle = i64::from(pool.idle_connections);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool.with_label_values(&["in_use"]).set(i64::from(pool.connections) - idle);
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).map_err(ApiError::internal)?;
        String::from_utf8(out).map_err(ApiError::internal)
    }
}

/// Counts each request by method, route template (not the raw path, so ids don't
/// explode the series) and status, with its latency.
pub async fn measure(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let response = next.call(req).await?.map_into_boxed_body();
    if let Some(state) = state {
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        state.metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
        // Whether the database could take the last write, for /readyz. Recording a
        // view writes to memory only; the flusher notes its own writes.
        let refused = response.response().extensions().contains::<crate::db::RefusedForSpace>();
        let reads = matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let records_a_view = method == "POST" && route.ends_with("/views");
        let writes = !reads && !records_a_view;
        if refused || (writes && response.status().is_success()) {
            state.space.note(refused);
        }
    }
    Ok(response)
}

/// Metrics in Prometheus text format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state.metrics.render(&state)?;
    Ok(HttpResponse::Ok().content_type(TextEncoder::new().format_type()).body(text))
}
