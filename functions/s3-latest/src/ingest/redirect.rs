//! Which redirects a `SOURCE_URL` fetch follows.
//!
//! Whatever the source answers is encrypted and then served by retrieve, so
//! a redirect is a way to read whatever the function can reach: the Lambda
//! Runtime API on 127.0.0.1:9001, instance metadata on 169.254.169.254, a
//! service in the VPC. The policy:
//!
//! * a redirect within the origin of `SOURCE_URL` (scheme, host and port) is
//!   followed: the operator chose that origin;
//! * from `https` to `http` is refused, on any host;
//! * another origin is followed only if its host and port are in
//!   `SOURCE_REDIRECT_HOSTS` (`host` means its scheme's default port), and
//!   only if every address it resolves to is public: loopback, link-local,
//!   private, unique-local and the like are refused, whatever the name. The
//!   resolution checked is the one connected to ([`super::resolve`]).
//!
//! Locations are resolved against the current URL as RFC 3986 says (the
//! `url` crate), relative references included.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// Why a redirect was not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a redirect with no usable Location")]
    NoLocation,
    #[error("a redirect to a scheme other than http or https")]
    NotHttp,
    #[error("a redirect from https to http")]
    Downgrade,
    #[error("a redirect to another origin ({host}) not in SOURCE_REDIRECT_HOSTS")]
    OtherOrigin { host: String },
    #[error("a redirect to {host}, which resolves to a {class} address")]
    InternalAddress { host: String, class: AddressClass },
    #[error("a redirect to {host}, which does not resolve")]
    Unresolvable { host: String },
}

/// What kind of address a redirect would reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    LinkLocal,
    Private,
    UniqueLocal,
    /// Unspecified, multicast, broadcast, documentation, shared (CGNAT),
    /// benchmarking and other ranges no public service answers on.
    Reserved,
}

impl std::fmt::Display for AddressClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::LinkLocal => "link-local",
            AddressClass::Private => "private",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::Reserved => "reserved",
        })
    }
}

/// Classifies a literal address. Never connects to anything.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_ipv4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

/// The IPv4 address an IPv6 one reaches, for the forms that embed one:
/// IPv4-mapped `::ffff:a.b.c.d`, the deprecated IPv4-compatible `::a.b.c.d`
/// (RFC 4291 §2.5.5.1), and the NAT64 well-known prefix `64:ff9b::/96`
/// (RFC 6052), which a DNS64 resolver hands out for any IPv4 name, private
/// ones included. `::` and `::1` are not IPv4-compatible addresses.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let [a, b, c, d, e, f, g, h] = ip.segments();
    let tail = Ipv4Addr::new((g >> 8) as u8, g as u8, (h >> 8) as u8, h as u8);
    match [a, b, c, d, e, f] {
        [0x64, 0xff9b, 0, 0, 0, 0] => Some(tail),
        [0, 0, 0, 0, 0, 0] if g != 0 => Some(tail),
        _ => None,
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_private() {
        AddressClass::Private
    } else if ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking (RFC 2544)
        || a >= 240
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        AddressClass::Loopback
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::UniqueLocal
    } else if ip.is_unspecified() || ip.is_multicast() || first == 0x2001 && ip.segments()[1] == 0x0db8 {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The redirect rules for one `SOURCE_URL`.
#[derive(Debug, Clone)]
pub struct RedirectPolicy {
    origin: url::Origin,
    allowed: Vec<AllowedHost>,
}

/// One `SOURCE_REDIRECT_HOSTS` entry: `host` (its scheme's default port
/// only) or `host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// Parses `host`, `host:port`, `[v6]` or `[v6]:port`; `None` if malformed.
    pub fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim().to_ascii_lowercase();
        let (host, port) = match entry.strip_prefix('[') {
            Some(v6) => {
                let (host, rest) = v6.split_once(']')?;
                host.parse::<Ipv6Addr>().ok()?;
                match rest {
                    "" => (host.to_owned(), None),
                    _ => (host.to_owned(), Some(rest.strip_prefix(':')?.parse().ok()?)),
                }
            }
            None => match entry.split_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port.parse().ok()?)),
                None => (entry.clone(), None),
            },
        };
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
        (valid && port != Some(0)).then_some(AllowedHost { host, port })
    }

    fn allows(&self, to: &Url, host: &str) -> bool {
        self.host == host
            && match self.port {
                Some(port) => to.port_or_known_default() == Some(port),
                None => to.port().is_none(),
            }
    }
}

impl RedirectPolicy {
    /// Malformed entries are refused at start-up (the configuration parses
    /// each with [`AllowedHost::parse`]); any left here allow nothing.
    pub fn new(source: &Url, allowed_hosts: &[String]) -> Self {
        RedirectPolicy {
            origin: source.origin(),
            allowed: allowed_hosts.iter().filter_map(|h| AllowedHost::parse(h)).collect(),
        }
    }

    /// Where a redirect from `from` with this `Location` may go, or why not.
    /// A name is judged by what it resolves to, where it is resolved: in the
    /// connector's resolver ([`super::resolve`]), so this needs no lookup.
    pub fn follow(&self, from: &Url, location: Option<&str>) -> Result<Url, Refusal> {
        let to = from
            .join(location.ok_or(Refusal::NoLocation)?)
            .map_err(|_| Refusal::NoLocation)?;
        self.check(from, &to)?;
        Ok(to)
    }

    /// Scheme, downgrade, origin and allow-list (host and port), and the
    /// class of a literal address, which the connector connects to without
    /// asking the resolver.
    fn check(&self, from: &Url, to: &Url) -> Result<(), Refusal> {
        if !matches!(to.scheme(), "http" | "https") {
            return Err(Refusal::NotHttp);
        }
        if from.scheme() == "https" && to.scheme() == "http" {
            return Err(Refusal::Downgrade);
        }
        if to.origin() == self.origin {
            return Ok(());
        }
        let host = to.host_str().unwrap_or_default().to_ascii_lowercase();
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        if !self.allowed.iter().any(|allowed| allowed.allows(to, &host)) {
            let host = match to.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            };
            return Err(Refusal::OtherOrigin { host });
        }
        let literal = match to.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        match literal.map(classify) {
            Some(class) if class != AddressClass::Public => Err(Refusal::InternalAddress { host, class }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn literal_addresses_are_classified_without_connecting() {
        for (address, class) in [
            ("127.0.0.1", AddressClass::Loopback),
            ("127.1.2.3", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("::ffff:127.0.0.1", AddressClass::Loopback),
            ("169.254.169.254", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
            ("10.0.0.1", AddressClass::Private),
            ("172.16.5.4", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("::ffff:10.1.1.1", AddressClass::Private),
            ("fd00:ec2::254", AddressClass::UniqueLocal),
            ("fc00::1", AddressClass::UniqueLocal),
            ("0.0.0.0", AddressClass::Reserved),
            ("::", AddressClass::Reserved),
            ("100.64.0.1", AddressClass::Reserved),
            ("224.0.0.1", AddressClass::Reserved),
            ("255.255.255.255", AddressClass::Reserved),
            ("2001:db8::1", AddressClass::Reserved),
            // NAT64 and IPv4-compatible forms reach their embedded address.
            ("64:ff9b::10.0.0.1", AddressClass::Private),
            ("64:ff9b::169.254.169.254", AddressClass::LinkLocal),
            ("64:ff9b::127.0.0.1", AddressClass::Loopback),
            ("64:ff9b::93.184.215.14", AddressClass::Public),
            ("::10.0.0.1", AddressClass::Private),
            ("::169.254.169.254", AddressClass::LinkLocal),
            ("::127.0.0.1", AddressClass::Loopback),
            ("93.184.215.14", AddressClass::Public),
            ("2606:4700::1111", AddressClass::Public),
        ] {
            assert_eq!(classify(ip(address)), class, "{address}");
        }
    }

    fn url(s: &str) -> Url {
        s.parse().unwrap()
    }

    #[test]
    fn the_rules_need_no_lookup() {
        let source = url("https://feed.example.com/a/b");
        let policy = RedirectPolicy::new(
            &source,
            &["cdn.example.net".to_owned(), "mirror.example.org:8443".to_owned()],
        );
        let check = |to: &str| policy.check(&source, &source.join(to).unwrap());
        assert_eq!(check("c"), Ok(()), "relative, same origin");
        assert_eq!(check("/x?y=1"), Ok(()));
        assert_eq!(check("http://feed.example.com/a"), Err(Refusal::Downgrade));
        assert_eq!(check("ftp://feed.example.com/a"), Err(Refusal::NotHttp));
        assert_eq!(
            check("https://feed.example.com:8443/a"),
            Err(Refusal::OtherOrigin {
                host: "feed.example.com:8443".into()
            }),
            "another port is another origin"
        );
        assert_eq!(
            check("https://internal.example.com/"),
            Err(Refusal::OtherOrigin {
                host: "internal.example.com".into()
            })
        );
        assert_eq!(
            check("https://CDN.example.net/x"),
            Ok(()),
            "allowed, pending its addresses"
        );
        // The allow-list carries the port: a host alone is its default port.
        assert_eq!(check("https://cdn.example.net:443/x"), Ok(()));
        assert_eq!(
            check("https://cdn.example.net:6379/x"),
            Err(Refusal::OtherOrigin {
                host: "cdn.example.net:6379".into()
            })
        );
        assert_eq!(check("https://mirror.example.org:8443/x"), Ok(()));
        assert!(matches!(
            check("https://mirror.example.org/x"),
            Err(Refusal::OtherOrigin { .. })
        ));
    }

    #[test]
    fn allow_list_entries_parse_or_are_refused() {
        let parsed = |e: &str| AllowedHost::parse(e).map(|a| (a.host, a.port));
        assert_eq!(parsed("CDN.example.net"), Some(("cdn.example.net".into(), None)));
        assert_eq!(
            parsed("cdn.example.net:8443"),
            Some(("cdn.example.net".into(), Some(8443)))
        );
        assert_eq!(parsed("[2001:db8::1]:443"), Some(("2001:db8::1".into(), Some(443))));
        assert_eq!(parsed("[2001:db8::1]"), Some(("2001:db8::1".into(), None)));
        for bad in [
            "",
            "host:",
            "host:0",
            "host:99999",
            "host:x",
            "[nope]",
            "a/b",
            "https://x",
        ] {
            assert_eq!(parsed(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_allowed_host_is_still_refused_at_an_internal_literal_address() {
        // Literal addresses: classified, never connected to or looked up.
        let source = url("https://feed.example.com/");
        let policy = RedirectPolicy::new(&source, &["10.0.0.7".to_owned(), "169.254.169.254".to_owned()]);
        for (to, class) in [
            ("https://10.0.0.7/", AddressClass::Private),
            ("https://169.254.169.254/latest", AddressClass::LinkLocal),
        ] {
            match policy.follow(&source, Some(to)) {
                Err(Refusal::InternalAddress { class: found, .. }) => assert_eq!(found, class, "{to}"),
                other => panic!("{to}: {other:?}"),
            }
        }
    }
}
