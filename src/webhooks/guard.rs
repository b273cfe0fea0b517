//! Which receivers a webhook may reach: `http` and `https` URLs whose host resolves
//! only to public addresses, unless private ones are allowed
//! (`BANTIN_WEBHOOK_ALLOW_PRIVATE=1`). The check runs when a subscription is written
//! and again at every delivery, on the addresses actually connected to, so a name
//! that later resolves to an inner address (DNS rebinding) reaches nothing.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is a loopback, private, link-local, unspecified, shared (CGNAT),
/// multicast or broadcast address: one a webhook may not reach by default.
pub fn is_inner(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_inner(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// A receiver URL that may be written: `Ok(url)` (normalized) or why not, in words
/// for a 422. Resolves the host (blocking): call it off the async workers.
pub fn check_url(raw: &str, allow_private: bool) -> Result<String, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("must be an absolute http or https URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must use http or https".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; put a token in the path or query instead".to_owned());
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or("must name a host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (host, port).to_socket_addrs().map_err(|_| format!("host {host} does not resolve"))?.collect(),
    };
    if addrs.is_empty() {
        return Err(format!("host {host} does not resolve"));
    }
    if !allow_private {
        if let Some(inner) = addrs.iter().find(|a| is_inner(a.ip())) {
            return Err(format!(
                "host {host} resolves to {}, a loopback, private or link-local address \
                 (set BANTIN_WEBHOOK_ALLOW_PRIVATE=1 to allow)",
                inner.ip()
            ));
        }
    }
    Ok(url.to_string())
}

/// Whether a delivery to `url` may go to its host when that host is an address
/// (names are checked by [`Guarded`] as they resolve).
pub fn literal_allowed(url: &str, allow_private: bool) -> Result<(), String> {
    let url = url::Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
    match url.host() {
        Some(url::Host::Ipv4(ip)) if !allow_private && is_inner(IpAddr::V4(ip)) => {
            Err(format!("refused: {ip} is not a public address"))
        }
        Some(url::Host::Ipv6(ip)) if !allow_private && is_inner(IpAddr::V6(ip)) => {
            Err(format!("refused: {ip} is not a public address"))
        }
        _ => Ok(()),
    }
}

/// The HTTP client's resolver: the system's, keeping only addresses a webhook may
/// reach.
#[derive(Debug, Clone, Copy)]
pub struct Guarded {
    pub allow_private: bool,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|addr| allow_private || !is_inner(addr.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("refused: {host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_addresses_are_recognised() {
        for inner in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_inner(inner.parse().expect("ip")), "{inner}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111"] {
            assert!(!is_inner(public.parse().expect("ip")), "{public}");
        }
    }

    #[test]
    fn urls_are_checked_before_they_are_stored() {
        assert!(check_url("ftp://example.org/x", true).is_err());
        assert!(check_url("not a url", true).is_err());
        assert!(check_url("http://user:pw@127.0.0.1/hook", true).is_err());
        let refused = check_url("http://127.0.0.1:9/hook", false).expect_err("loopback");
        assert!(refused.contains("BANTIN_WEBHOOK_ALLOW_PRIVATE"), "{refused}");
        assert!(check_url("http://[::1]:9/hook", false).is_err());
        assert!(check_url("http://169.254.169.254/latest/meta-data", false).is_err());
        assert_eq!(check_url(" http://127.0.0.1:9/hook ", true).as_deref(), Ok("http://127.0.0.1:9/hook"));
        assert!(check_url("https://93.184.216.34/hook", false).is_ok());
        assert!(literal_allowed("http://10.0.0.1/x", false).is_err());
        assert!(literal_allowed("http://10.0.0.1/x", true).is_ok());
    }
}
