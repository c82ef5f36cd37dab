//! ingest's `SOURCE_URL` client over real TLS: a server on 127.0.0.1 with
//! certificates from a test CA, which the client trusts the way it trusts
//! the system's roots (`SSL_CERT_FILE`, read by rustls-native-certs). Its own
//! process: the variable is set once, before any client is built.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use s3_latest::config::SourceConfig;
use s3_latest::ingest::redirect::Refusal;
use s3_latest::ingest::source::{Fetch, Source, SourceError, SourceValidators};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        issuer: Issuer::new(params, key),
        pem,
    }
}

/// Serves `body` over TLS with a certificate for `localhost` signed by `ca`.
async fn serve(ca: &Ca, body: &'static [u8]) -> u16 {
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    serve_response(ca, [head.as_bytes(), body].concat()).await
}

/// Answers every request over TLS with a redirect to `location`.
async fn serve_redirect(ca: &Ca, location: &str) -> u16 {
    let head = format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    serve_response(ca, head.into_bytes()).await
}

/// Answers every request over TLS with exactly `response`.
async fn serve_response(ca: &Ca, response: Vec<u8>) -> u16 {
    let response: &'static [u8] = Box::leak(response.into_boxed_slice());
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca.issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return; // the client refused the certificate
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls.write_all(response).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

async fn fetch(url: &str) -> Result<Fetch, SourceError> {
    let source = Source::new(
        &SourceConfig::Url {
            url: url.parse().unwrap(),
            timeout: Duration::from_secs(5),
            max_bytes: 1 << 20,
            redirect_hosts: Vec::new(),
        },
        "test",
    )?;
    source.fetch(&SourceValidators::default(), "schedule").await
}

#[tokio::test]
async fn a_source_is_fetched_over_tls_only_from_a_trusted_certificate_for_its_host() {
    let trusted = ca("s3-latest test CA");
    let stranger = ca("someone else's CA");
    let roots = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(roots.path(), &trusted.pem).unwrap();
    // SAFETY: this file holds one test, and nothing has read the environment yet.
    unsafe { std::env::set_var("SSL_CERT_FILE", roots.path()) };

    let good = serve(&trusted, b"over tls").await;
    match fetch(&format!("https://localhost:{good}/feed")).await {
        Ok(Fetch::Changed(snapshot)) => assert_eq!(snapshot.body, b"over tls"),
        other => panic!("a trusted certificate: {other:?}"),
    }

    // Not the name on the certificate: refused.
    let by_address = fetch(&format!("https://127.0.0.1:{good}/feed")).await;
    assert!(matches!(by_address, Err(SourceError::Unreachable)), "{by_address:?}");

    // A certificate from a CA the system does not trust: refused.
    let bad = serve(&stranger, b"never read").await;
    let untrusted = fetch(&format!("https://localhost:{bad}/feed")).await;
    assert!(matches!(untrusted, Err(SourceError::Unreachable)), "{untrusted:?}");

    // A redirect from https to http, even to the same host: refused before
    // any request is made to the plain-text address.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    let downgrading = serve_redirect(&trusted, &format!("http://localhost:{plain_port}/feed")).await;
    let refused = fetch(&format!("https://localhost:{downgrading}/feed")).await;
    assert!(
        matches!(refused, Err(SourceError::Redirect(Refusal::Downgrade))),
        "{refused:?}"
    );
    let never = tokio::time::timeout(Duration::from_millis(200), plain.accept()).await;
    assert!(never.is_err(), "nothing connected to the plain-text port");
}
