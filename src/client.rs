//! Who the client is: its address, believing `X-Forwarded-For` only from trusted proxies.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The client's address. The peer address, unless the peer is a trusted proxy: then
/// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(forwarded.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:5000").parse().expect("addr"));
        if let Some(forwarded) = forwarded {
            req = req.insert_header(("X-Forwarded-For", forwarded));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let cases = [
            ("203.0.113.9", Some("1.2.3.4"), &[][..], "203.0.113.9", "untrusted peer: header ignored"),
            ("10.0.0.1", Some("1.2.3.4"), &[proxy][..], "1.2.3.4", "trusted proxy: client from header"),
            ("10.0.0.1", Some("6.6.6.6, 1.2.3.4"), &[proxy][..], "1.2.3.4", "spoofed left entries ignored"),
            ("10.0.0.1", Some("1.2.3.4, 10.0.0.1"), &[proxy][..], "1.2.3.4", "proxies skipped"),
            ("10.0.0.1", None, &[proxy][..], "10.0.0.1", "no header: the proxy itself"),
            ("10.0.0.1", Some("garbage"), &[proxy][..], "10.0.0.1", "unparsable header"),
        ];
        for (peer, forwarded, trusted, expected, why) in cases {
            let ip = client_ip(&request(peer, forwarded), trusted);
            assert_eq!(ip, Some(expected.parse().expect("ip")), "{why}");
        }
    }
}
