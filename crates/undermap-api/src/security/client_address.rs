//! Who sent a request: the peer's address, unless the peer is one of the deployment's reverse
//! proxies (HAProxy in front of several servers): then the address that proxy received the
//! request from, which it adds as the last `X-Forwarded-For` entry (HAProxy's `option
//! forwardfor`, nginx's `$proxy_add_x_forwarded_for`). Earlier entries came from the client and
//! could be forged, and so could a `Forwarded` header the proxy passes through untouched: only
//! the last `X-Forwarded-For` entry is believed, and only from a trusted proxy. Rate limits and
//! the audit trail use this address, so behind a balancer they count clients, not the balancer.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderMap;

/// The client's address (`None` when the connection has none).
pub(crate) fn client_address(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted_proxies: &[IpAddr],
) -> Option<IpAddr> {
    // A proxy on an IPv6 socket sees IPv4 peers as ::ffff:a.b.c.d.
    let peer = peer?.ip().to_canonical();
    if !trusted_proxies.iter().any(|p| p.to_canonical() == peer) {
        return Some(peer);
    }
    last_x_forwarded_for(headers)
        .map(|a| a.to_canonical())
        .or(Some(peer))
}

/// The last entry of the last `X-Forwarded-For` header.
fn last_x_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get_all("x-forwarded-for").last()?.to_str().ok()?;
    node_address(value.rsplit(',').next()?)
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`: the address.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .and_then(|ip| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    const PROXY: &str = "10.0.0.5:51000";

    #[test]
    fn a_trusted_proxy_names_the_client_and_a_forged_first_entry_is_ignored() {
        let trusted = ["10.0.0.5".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7")]);
        assert_eq!(
            client_address(Some(PROXY.parse().unwrap()), &h, &trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        let h = headers(&[("x-forwarded-for", "6.6.6.6, [2001:db8::1]:4711")]);
        assert_eq!(
            client_address(Some(PROXY.parse().unwrap()), &h, &trusted),
            Some("2001:db8::1".parse().unwrap())
        );
        // A Forwarded header the proxy passed through is the client's word: not believed.
        let h = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "203.0.113.7"),
        ]);
        assert_eq!(
            client_address(Some(PROXY.parse().unwrap()), &h, &trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        let h = headers(&[("forwarded", "for=6.6.6.6")]);
        assert_eq!(
            client_address(Some(PROXY.parse().unwrap()), &h, &trusted),
            Some("10.0.0.5".parse().unwrap())
        );
        // The proxy seen through an IPv6 socket.
        let h = headers(&[("x-forwarded-for", "203.0.113.8")]);
        assert_eq!(
            client_address(
                Some("[::ffff:10.0.0.5]:51000".parse().unwrap()),
                &h,
                &trusted
            ),
            Some("203.0.113.8".parse().unwrap())
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(Some(PROXY.parse().unwrap()), &HeaderMap::new(), &trusted),
            Some("10.0.0.5".parse().unwrap())
        );
    }

    #[test]
    fn anyone_else_is_who_they_connect_from_whatever_they_claim() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(
            client_address(Some("198.51.100.2:4000".parse().unwrap()), &h, &[]),
            Some("198.51.100.2".parse().unwrap())
        );
        assert_eq!(client_address(None, &h, &[]), None);
    }
}
