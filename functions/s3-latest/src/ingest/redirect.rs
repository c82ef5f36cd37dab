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
//! * another origin is followed only if its host is in
//!   `SOURCE_REDIRECT_HOSTS`, and only if every address it resolves to is
//!   public: loopback, link-local, private, unique-local and the like are
//!   refused, whatever the name.
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
    allowed_hosts: Vec<String>,
}

impl RedirectPolicy {
    pub fn new(source: &Url, allowed_hosts: &[String]) -> Self {
        RedirectPolicy {
            origin: source.origin(),
            allowed_hosts: allowed_hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    /// Where a redirect from `from` with this `Location` may go, or why not.
    /// Resolves the target's name for another origin (the check that
    /// matters is on what it resolves to, not on how it is spelled).
    pub async fn follow(&self, from: &Url, location: Option<&str>) -> Result<Url, Refusal> {
        let to = from
            .join(location.ok_or(Refusal::NoLocation)?)
            .map_err(|_| Refusal::NoLocation)?;
        self.check_static(from, &to)?;
        if to.origin() == self.origin {
            return Ok(to);
        }
        let host = to.host_str().unwrap_or_default().to_owned();
        let port = to.port_or_known_default().unwrap_or(443);
        let addresses: Vec<IpAddr> = match to.host() {
            Some(url::Host::Ipv4(v4)) => vec![IpAddr::V4(v4)],
            Some(url::Host::Ipv6(v6)) => vec![IpAddr::V6(v6)],
            _ => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|_| Refusal::Unresolvable { host: host.clone() })?
                .map(|socket| socket.ip())
                .collect(),
        };
        if addresses.is_empty() {
            return Err(Refusal::Unresolvable { host });
        }
        for address in addresses {
            let class = classify(address);
            if class != AddressClass::Public {
                return Err(Refusal::InternalAddress { host, class });
            }
        }
        Ok(to)
    }

    /// Everything decided without a name lookup: scheme, downgrade, origin
    /// and allow-list, and literal addresses.
    fn check_static(&self, from: &Url, to: &Url) -> Result<(), Refusal> {
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
        if !self.allowed_hosts.contains(&host) {
            return Err(Refusal::OtherOrigin { host });
        }
        Ok(())
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
    fn the_static_rules_need_no_lookup() {
        let source = url("https://feed.example.com/a/b");
        let policy = RedirectPolicy::new(&source, &["cdn.example.net".to_owned(), "10.0.0.7".to_owned()]);
        let check = |to: &str| policy.check_static(&source, &source.join(to).unwrap());
        assert_eq!(check("c"), Ok(()), "relative, same origin");
        assert_eq!(check("/x?y=1"), Ok(()));
        assert_eq!(check("http://feed.example.com/a"), Err(Refusal::Downgrade));
        assert_eq!(check("ftp://feed.example.com/a"), Err(Refusal::NotHttp));
        assert_eq!(
            check("https://feed.example.com:8443/a"),
            Err(Refusal::OtherOrigin {
                host: "feed.example.com".into()
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
    }

    #[tokio::test]
    async fn an_allowed_host_is_still_refused_at_an_internal_literal_address() {
        // Literal addresses: classified, never connected to or looked up.
        let source = url("https://feed.example.com/");
        let policy = RedirectPolicy::new(&source, &["10.0.0.7".to_owned(), "169.254.169.254".to_owned()]);
        for (to, class) in [
            ("https://10.0.0.7/", AddressClass::Private),
            ("https://169.254.169.254/latest", AddressClass::LinkLocal),
        ] {
            match policy.follow(&source, Some(to)).await {
                Err(Refusal::InternalAddress { class: found, .. }) => assert_eq!(found, class, "{to}"),
                other => panic!("{to}: {other:?}"),
            }
        }
    }
}
