//! Name resolution for source fetches, with the address check inside it.
//!
//! The connector asks this resolver for a host's addresses and connects to
//! exactly what it answers, so the addresses checked are the addresses
//! connected to. A check made beside the connection (resolve, judge, then
//! let the connector resolve again) is what DNS rebinding defeats: a name
//! that answers a public address to the check and a private one to the
//! connection.
//!
//! Every name but the `SOURCE_URL`'s own host (the operator's choice, which
//! may well be internal) must resolve to public addresses only. Names reach
//! here only after [`RedirectPolicy`](super::redirect::RedirectPolicy) has
//! allowed them; literal addresses never do (the connector connects to them
//! without a lookup), so the policy classifies those itself.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;

use super::redirect::{AddressClass, Refusal, classify};

type Lookup<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>>;

/// Where addresses come from: the system's resolver in production; a test
/// answers what it likes (and never anything outside 127.0.0.0/8).
pub trait LookUp: Send + Sync + 'static {
    fn look_up(&self, host: &str) -> Lookup<'_>;
}

/// `getaddrinfo`, through tokio's blocking pool.
pub struct SystemLookUp;

impl LookUp for SystemLookUp {
    fn look_up(&self, host: &str) -> Lookup<'_> {
        let host = host.to_owned();
        Box::pin(async move { Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect()) })
    }
}

/// The resolver the source's HTTP connector uses.
#[derive(Clone)]
pub struct CheckedResolver {
    look_up: Arc<dyn LookUp>,
    /// The `SOURCE_URL`'s host, lower-case: not checked.
    source_host: Arc<str>,
    /// [`classify`] in production.
    judge: fn(IpAddr) -> AddressClass,
}

impl CheckedResolver {
    pub fn new(look_up: Arc<dyn LookUp>, source_host: &str, judge: fn(IpAddr) -> AddressClass) -> Self {
        CheckedResolver {
            look_up,
            source_host: source_host.to_ascii_lowercase().into(),
            judge,
        }
    }

    pub fn system(source_host: &str) -> Self {
        Self::new(Arc::new(SystemLookUp), source_host, classify)
    }

    async fn resolve(&self, host: String) -> Result<Vec<IpAddr>, Refusal> {
        let addresses = self
            .look_up
            .look_up(&host)
            .await
            .map_err(|_| Refusal::Unresolvable { host: host.clone() })?;
        if addresses.is_empty() {
            return Err(Refusal::Unresolvable { host });
        }
        if host != *self.source_host
            && let Some(class) = addresses
                .iter()
                .map(|a| (self.judge)(*a))
                .find(|c| *c != AddressClass::Public)
        {
            return Err(Refusal::InternalAddress { host, class });
        }
        Ok(addresses)
    }
}

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = Refusal;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Refusal>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Refusal>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let resolver = self.clone();
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let addresses = resolver.resolve(host).await?;
            // Port 0: the connector sets the URL's port.
            Ok(addresses
                .into_iter()
                .map(|ip| SocketAddr::new(ip, 0))
                .collect::<Vec<_>>()
                .into_iter())
        })
    }
}

/// The refusal a failed request carries, if the resolver refused it: the
/// client wraps it in its connect error.
pub fn refusal_in(err: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(refusal) = e.downcast_ref::<Refusal>() {
            return Some(refusal.clone());
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<IpAddr>);

    impl LookUp for Fixed {
        fn look_up(&self, _: &str) -> Lookup<'_> {
            let answer = self.0.clone();
            Box::pin(async move { Ok(answer) })
        }
    }

    fn resolver(answer: &[&str]) -> CheckedResolver {
        let answer = answer.iter().map(|a| a.parse().unwrap()).collect();
        CheckedResolver::new(Arc::new(Fixed(answer)), "feed.example.com", classify)
    }

    #[tokio::test]
    async fn other_hosts_must_resolve_to_public_addresses_only() {
        // Literal answers, classified; nothing is connected to.
        let public = resolver(&["93.184.215.14"]);
        assert!(public.resolve("cdn.example.net".into()).await.is_ok());
        let mixed = resolver(&["93.184.215.14", "169.254.169.254"]);
        assert_eq!(
            mixed.resolve("cdn.example.net".into()).await,
            Err(Refusal::InternalAddress {
                host: "cdn.example.net".into(),
                class: AddressClass::LinkLocal
            })
        );
        let nat64 = resolver(&["64:ff9b::a00:1"]);
        assert!(matches!(
            nat64.resolve("cdn.example.net".into()).await,
            Err(Refusal::InternalAddress {
                class: AddressClass::Private,
                ..
            })
        ));
        assert!(matches!(
            resolver(&[]).resolve("cdn.example.net".into()).await,
            Err(Refusal::Unresolvable { .. })
        ));
        // The source's own host is the operator's choice.
        assert!(mixed.resolve("feed.example.com".into()).await.is_ok());
    }

    #[test]
    fn a_refusal_is_found_through_the_error_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("connect failed")]
        struct Wrapper(#[source] Refusal);
        let refusal = Refusal::Unresolvable { host: "x".into() };
        assert_eq!(refusal_in(&Wrapper(refusal.clone())), Some(refusal));
        assert_eq!(refusal_in(&io::Error::other("plain")), None);
    }
}
