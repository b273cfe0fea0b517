//! Requests per minute per client address (GCRA through `governor`), with
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on every response and
//! 429 + `Retry-After` over the limit.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::client::client_ip;
use crate::error::ApiError;
use crate::state::AppState;

type Limiter = RateLimiter<IpAddr, DashMapStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// Checks between sweeps of addresses whose allowance is full again.
const SWEEP_EVERY: u64 = 10_000;

/// The per-address limiter.
pub struct RateLimit {
    limiter: Limiter,
    per_minute: u32,
    clock: DefaultClock,
    checks: AtomicU64,
}

/// What the limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests left right now.
    pub remaining: u32,
    /// Seconds until the allowance is full again.
    pub reset: u64,
    /// Seconds until a refused client may retry.
    pub retry_after: u64,
}

impl RateLimit {
    /// A limit of `per_minute` requests per address; `None` for 0 (no limit).
    pub fn new(per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        let limiter = RateLimiter::dashmap(quota).with_middleware::<StateInformationMiddleware>();
        Some(Self { limiter, per_minute, clock: DefaultClock::default(), checks: AtomicU64::new(0) })
    }

    /// Counts one request from `ip`.
    pub fn check(&self, ip: IpAddr) -> Decision {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
        }
        let seconds_per_request = 60.0 / f64::from(self.per_minute);
        match self.limiter.check_key(&ip) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let used = f64::from(self.per_minute.saturating_sub(remaining));
                Decision { allowed: true, remaining, reset: (used * seconds_per_request).ceil() as u64, retry_after: 0 }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now()).as_secs_f64().ceil().max(1.0) as u64;
                // Refused: the allowance is spent, and it refills over a whole minute.
                Decision { allowed: false, remaining: 0, reset: 60, retry_after: wait }
            }
        }
    }

    fn headers(&self, decision: Decision) -> [(HeaderName, HeaderValue); 3] {
        [
            (HeaderName::from_static("ratelimit-limit"), HeaderValue::from(self.per_minute)),
            (HeaderName::from_static("ratelimit-remaining"), HeaderValue::from(decision.remaining)),
            (HeaderName::from_static("ratelimit-reset"), HeaderValue::from(decision.reset)),
        ]
    }
}

/// The middleware: passes through when limiting is off.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(limit) = state.rate_limit.as_deref() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(ip) = client_ip(req.request(), &state.trusted_proxies) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let decision = limit.check(ip);
    let mut response = if decision.allowed {
        next.call(req).await?.map_into_boxed_body()
    } else {
        let error = ApiError::RateLimited(decision.retry_after);
        super::problem_response(req.into_parts().0, &error)
    };
    for (name, value) in limit.headers(decision) {
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_gets_its_own_allowance() {
        let limit = RateLimit::new(3).expect("limit");
        let a: IpAddr = "203.0.113.1".parse().expect("ip");
        let b: IpAddr = "203.0.113.2".parse().expect("ip");
        let decisions: Vec<Decision> = (0..4).map(|_| limit.check(a)).collect();
        assert_eq!(decisions.iter().map(|d| d.allowed).collect::<Vec<_>>(), [true, true, true, false]);
        assert_eq!(decisions.iter().map(|d| d.remaining).collect::<Vec<_>>(), [2, 1, 0, 0]);
        assert!(decisions[3].retry_after >= 1 && decisions[3].retry_after <= 20, "{:?}", decisions[3]);
        assert!(limit.check(b).allowed);
        assert!(RateLimit::new(0).is_none());
    }
}
