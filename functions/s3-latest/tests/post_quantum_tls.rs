//! The functions' TLS clients offer the post-quantum hybrid key exchange
//! (X25519MLKEM768) first: the AWS SDK's client, which carries KMS's
//! plaintext data keys, and ingest's `SOURCE_URL` client. It is why they run
//! rustls on aws-lc rather than ring (docs/performance.md), so a switch that
//! drops it fails here.
//!
//! A listener on 127.0.0.1 reads each ClientHello and hangs up: the key
//! exchange a client prefers is in its hello, before any certificate. Its
//! own process: the AWS variables are set once, before any client is built.

use std::time::Duration;

use rustls::NamedGroup;
use s3_latest::config::{CallBudget, SourceConfig};
use s3_latest::ingest::source::{Source, SourceValidators};
use tokio::sync::mpsc;

/// Listens on 127.0.0.1 and sends the supported groups of each ClientHello,
/// in the client's order of preference.
async fn hello_listener() -> (u16, mpsc::UnboundedReceiver<Vec<NamedGroup>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let acceptor = rustls::server::Acceptor::default();
                if let Ok(start) = tokio_rustls::LazyConfigAcceptor::new(acceptor, socket).await {
                    let groups = start.client_hello().named_groups().unwrap_or_default().to_vec();
                    let _ = tx.send(groups);
                }
            });
        }
    });
    (port, rx)
}

/// The hellos of one finished call (its retries included), each checked.
fn assert_each_prefers_post_quantum(rx: &mut mpsc::UnboundedReceiver<Vec<NamedGroup>>, client: &str) {
    let mut hellos = Vec::new();
    while let Ok(groups) = rx.try_recv() {
        hellos.push(groups);
    }
    assert!(!hellos.is_empty(), "{client}: no ClientHello reached the listener");
    for groups in hellos {
        assert_eq!(
            groups.first(),
            Some(&NamedGroup::X25519MLKEM768),
            "{client} offers {groups:?}"
        );
    }
}

#[tokio::test]
async fn aws_and_source_clients_prefer_a_post_quantum_key_exchange() {
    let (port, mut hellos) = hello_listener().await;
    // SAFETY: this file holds one test, and nothing has read the environment yet.
    unsafe {
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "not-a-secret");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_ENDPOINT_URL", format!("https://localhost:{port}"));
    }

    // The clients as the functions build them.
    let calls = CallBudget::for_ingest(Duration::from_secs(10));
    let sdk = s3_latest::aws::load_sdk_config(&calls).await;
    let kms = aws_sdk_kms::Client::new(&sdk);
    let refused = kms.generate_data_key().key_id("alias/any").send().await;
    assert!(refused.is_err(), "the listener only reads hellos");
    assert_each_prefers_post_quantum(&mut hellos, "the AWS SDK's client (KMS)");

    let s3 = s3_latest::aws::s3_client(&sdk, true);
    let _ = s3.list_objects_v2().bucket("any").send().await;
    assert_each_prefers_post_quantum(&mut hellos, "the AWS SDK's client (S3)");

    let source = Source::new(
        &SourceConfig::Url {
            url: format!("https://localhost:{port}/feed").parse().unwrap(),
            timeout: Duration::from_secs(5),
            max_bytes: 1 << 20,
            redirect_hosts: Vec::new(),
        },
        "test",
    )
    .unwrap();
    let fetched = source.fetch(&SourceValidators::default(), "schedule").await;
    assert!(fetched.is_err(), "the listener only reads hellos");
    assert_each_prefers_post_quantum(&mut hellos, "ingest's SOURCE_URL client");
}
