//! Running behind a reverse proxy: which peers are trusted to say who the
//! client is (`X-Forwarded-For`) and whether it came over HTTPS
//! (`X-Forwarded-Proto`), and the public address the forum is reached at.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::header::{HOST, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Uri};
use ipnet::IpNet;

/// The client of one request, as far as can be believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub addr: IpAddr,
    /// It reached a trusted proxy over HTTPS.
    pub https: bool,
}

/// Addresses and networks of the reverse proxies whose forwarding headers
/// are believed (`CAUSERIE_TRUSTED_PROXIES`); empty by default, so nobody's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated addresses (`10.0.0.7`) or networks (`172.16.0.0/12`).
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{p:?} is not an address or a network"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl TrustedProxies {
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client of a request that came from `peer`. An untrusted peer is
    /// the client, whatever its headers say. A trusted one forwarded it: the
    /// client is the rightmost `X-Forwarded-For` hop that is not a trusted
    /// proxy (hops to the left of it are whatever the client claimed), and
    /// `X-Forwarded-Proto` as the nearest proxy set it says whether it came
    /// over HTTPS.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        if !self.contains(peer) {
            return Client {
                addr: peer,
                https: false,
            };
        }
        let mut addr = peer;
        let hops = list(headers, "x-forwarded-for");
        for hop in hops.iter().rev() {
            // Garbage: the last trusted hop is all that can be believed.
            let Some(ip) = parse_hop(hop) else { break };
            addr = ip;
            if !self.contains(ip) {
                break;
            }
        }
        let https = list(headers, "x-forwarded-proto")
            .last()
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
        Client { addr, https }
    }
}

/// The comma-separated items of every `name` header, in order; an
/// unreadable header line reads as one unusable item.
fn list<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .map(str::trim)
        .collect()
}

/// An address, with or without a port (some proxies add it).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
}

/// Adds `Secure` to the cookies an answer sets, for a client on HTTPS
/// behind a proxy: the browser then never sends them over plain HTTP.
pub fn secure_cookies(headers: &mut HeaderMap) {
    let unmarked = |v: &HeaderValue| {
        !v.to_str().is_ok_and(|s| {
            s.split(';')
                .any(|attr| attr.trim().eq_ignore_ascii_case("secure"))
        })
    };
    if !headers.get_all(SET_COOKIE).iter().any(unmarked) {
        return;
    }
    let cookies: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    headers.remove(SET_COOKIE);
    for cookie in cookies {
        let cookie = match cookie.to_str() {
            Ok(s) if unmarked(&cookie) => {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(cookie)
            }
            _ => cookie,
        };
        headers.append(SET_COOKIE, cookie);
    }
}

/// The origin the forum is reached at (`CAUSERIE_PUBLIC_URL`), as browsers
/// write it in `Origin`: scheme, host, and the port only if not the
/// scheme's default. Behind a proxy the `Host` a request carries may be the
/// proxy's view, so cross-site checks compare with this instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicOrigin(String);

impl FromStr for PublicOrigin {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let uri: Uri = s
            .trim()
            .parse()
            .map_err(|e| format!("{s:?} is not a URL: {e}"))?;
        let scheme = uri.scheme_str().map(str::to_ascii_lowercase);
        let default_port = match scheme.as_deref() {
            Some("https") => 443,
            Some("http") => 80,
            _ => return Err(format!("{s:?}: give an http:// or https:// URL")),
        };
        let Some(authority) = uri.authority() else {
            return Err(format!("{s:?} has no host"));
        };
        if authority.as_str().contains('@') || uri.query().is_some() || uri.path() != "/" {
            return Err(format!(
                "{s:?}: give only the scheme and host (the forum is served at the root)"
            ));
        }
        let host = authority.host().to_ascii_lowercase();
        let port = match authority.port_u16() {
            Some(p) if p != default_port => format!(":{p}"),
            _ => String::new(),
        };
        Ok(Self(format!(
            "{}://{host}{port}",
            scheme.unwrap_or_default()
        )))
    }
}

impl PublicOrigin {
    /// Where a request says the forum is, for absolute addresses (a feed's
    /// links): `configured` when there is one; else the scheme the request
    /// came over (`https`) and its `Host`, when that is a plain host and
    /// port, nothing more. `Host` is the client's word, so what is built
    /// from it goes back to that client only, never into anything cached
    /// for others.
    pub fn of_request(
        configured: Option<&PublicOrigin>,
        headers: &HeaderMap,
        https: bool,
    ) -> Option<PublicOrigin> {
        if let Some(origin) = configured {
            return Some(origin.clone());
        }
        let host = headers.get(HOST)?.to_str().ok()?;
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
        if host.is_empty() || host.len() > 255 || !host.chars().all(plain) {
            return None;
        }
        let scheme = if https { "https" } else { "http" };
        format!("{scheme}://{host}").parse().ok()
    }

    pub fn matches(&self, origin: &str) -> bool {
        self.0.eq_ignore_ascii_case(origin)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_networks() {
        let t: TrustedProxies = " 10.0.0.7, 172.16.0.0/12,::1 ".parse().unwrap();
        assert!(t.contains(ip("10.0.0.7")));
        assert!(!t.contains(ip("10.0.0.8")));
        assert!(t.contains(ip("172.31.255.1")));
        assert!(t.contains(ip("::1")));
        assert!(t.contains(ip("::ffff:10.0.0.7")));
        assert!("10.0.0.300".parse::<TrustedProxies>().is_err());
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client() {
        let t: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = t.client(ip("192.0.2.1"), &h);
        assert_eq!(c.addr, ip("192.0.2.1"));
        assert!(!c.https);
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        // The client claimed 6.6.6.6; the outer proxy 10.0.0.2 saw 1.2.3.4.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 1.2.3.4"),
            ("x-forwarded-for", "10.0.0.2:4711"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = t.client(ip("10.0.0.1"), &h);
        assert_eq!(c.addr, ip("1.2.3.4"));
        assert!(c.https);
        // No header: the proxy itself.
        assert_eq!(
            t.client(ip("10.0.0.1"), &HeaderMap::new()).addr,
            ip("10.0.0.1")
        );
        // Garbage stops the walk at the last trusted hop.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, junk, 10.0.0.3")]);
        assert_eq!(t.client(ip("10.0.0.1"), &h).addr, ip("10.0.0.3"));
    }

    #[test]
    fn marks_cookies_secure_once() {
        let mut h = headers(&[
            ("set-cookie", "a=1; HttpOnly"),
            ("set-cookie", "b=2; Secure"),
        ]);
        secure_cookies(&mut h);
        let got: Vec<_> = h
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(got, ["a=1; HttpOnly; Secure", "b=2; Secure"]);
    }

    #[test]
    fn public_origin_as_browsers_write_it() {
        let o: PublicOrigin = "https://Forum.Example.org/".parse().unwrap();
        assert_eq!(o.as_str(), "https://forum.example.org");
        assert!(o.matches("https://forum.example.org"));
        assert!(!o.matches("http://forum.example.org"));
        let o: PublicOrigin = "https://forum.example.org:443".parse().unwrap();
        assert_eq!(o.as_str(), "https://forum.example.org");
        let o: PublicOrigin = "http://localhost:8080".parse().unwrap();
        assert_eq!(o.as_str(), "http://localhost:8080");
        assert!("forum.example.org".parse::<PublicOrigin>().is_err());
        assert!(
            "https://forum.example.org/sub"
                .parse::<PublicOrigin>()
                .is_err()
        );
        assert!("ftp://forum.example.org".parse::<PublicOrigin>().is_err());
    }

    #[test]
    fn a_request_s_origin_is_the_configured_one_or_a_plain_host() {
        let of = |configured: Option<&str>, host: Option<&str>, https: bool| {
            let configured: Option<PublicOrigin> = configured.map(|c| c.parse().unwrap());
            let h = host.map_or_else(HeaderMap::new, |v| headers(&[("host", v)]));
            PublicOrigin::of_request(configured.as_ref(), &h, https).map(|o| o.0)
        };
        let forum = Some("https://forum.example.org");
        assert_eq!(of(forum, Some("evil.example"), false).as_deref(), forum);
        assert_eq!(
            of(None, Some("Forum.Example.org:8080"), false).as_deref(),
            Some("http://forum.example.org:8080")
        );
        assert_eq!(
            of(None, Some("forum.example.org"), true).as_deref(),
            Some("https://forum.example.org")
        );
        assert_eq!(
            of(None, Some("[::1]:8080"), false).as_deref(),
            Some("http://[::1]:8080")
        );
        for bad in [
            "",
            "a@evil.example",
            "evil.example/path",
            "evil.example?q",
            "evil.example#x",
            "evil example",
        ] {
            assert_eq!(of(None, Some(bad), false), None, "{bad:?}");
        }
        assert_eq!(of(None, None, false), None);
    }
}
