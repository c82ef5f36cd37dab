//! A moto server on 127.0.0.1, one per test process.
//!
//! moto is started under a small shell guard that kills it when the test
//! process's end of a pipe closes, so no server outlives the tests even
//! though statics are never dropped.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;

use crate::repo;

pub const REGION: &str = "us-east-1";

pub struct Moto {
    pub endpoint: String,
    // Held so the guard's stdin stays open for the life of the process.
    _guard: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The shared moto server, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(|| start(""))
}

/// A moto server of its own, with `settings` (`NAME=value ...`) in its
/// environment: for example `INITIAL_NO_AUTH_ACTION_COUNT=3`, after which
/// every request must be signed by an IAM user whose policies allow it.
/// It stops when the returned value is dropped.
pub fn start(settings: &str) -> Moto {
    let python = repo::venv_program("python");
    // moto_server with the repairs described in the script.
    let server = repo::root().join("tests/moto/server.py");
    let port = free_port();
    let script = format!(
        // Managed policies, for the deploy test's AWS-managed policy
        // attachments; ACM certificates issued at once (moto checks no
        // DNS, and otherwise waits 60 s before issuing).
        "MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ACM_VALIDATION_WAIT=0 {settings} \"{}\" \"{}\" -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; echo started; read _; kill $pid",
        python.display(),
        server.display()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start moto_server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("moto guard");
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start on port {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Moto {
        endpoint,
        _guard: Mutex::new(child),
    }
}

/// An SDK config aimed at `endpoint` with dummy credentials.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_in(endpoint, REGION)
}

/// An SDK config aimed at `endpoint` in `region` (moto keeps each region apart).
pub fn sdk_config_in(endpoint: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types_provider())
        .build()
}

fn aws_credential_types_provider() -> aws_sdk_s3::config::SharedCredentialsProvider {
    aws_sdk_s3::config::SharedCredentialsProvider::new(Credentials::new("testing", "testing", None, None, "tests"))
}

impl Moto {
    pub fn sdk_config(&self) -> SdkConfig {
        sdk_config(&self.endpoint)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        s3_client(&self.sdk_config())
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk_config())
    }

    pub fn events(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.sdk_config())
    }

    pub fn sdk_config_in(&self, region: &str) -> SdkConfig {
        sdk_config_in(&self.endpoint, region)
    }

    /// A fresh bucket with a name unique to this test.
    pub async fn bucket(&self, test: &str) -> String {
        self.bucket_in(test, REGION).await
    }

    /// A fresh bucket in `region`.
    pub async fn bucket_in(&self, test: &str, region: &str) -> String {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{}-{}-{n}", test.replace('_', "-"), std::process::id()).to_lowercase();
        let name: String = name.chars().take(63).collect();
        let mut create = s3_client(&self.sdk_config_in(region)).create_bucket().bucket(&name);
        if region != "us-east-1" {
            let location = aws_sdk_s3::types::BucketLocationConstraint::from(region);
            create = create.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(location)
                    .build(),
            );
        }
        create.send().await.expect("create bucket");
        name
    }

    /// A multi-region key in `primary` and its replica in `replica`: their ARNs.
    pub async fn multi_region_key(&self, primary: &str, replica: &str) -> (String, String) {
        let kms = aws_sdk_kms::Client::new(&self.sdk_config_in(primary));
        let key = kms.create_key().multi_region(true).send().await.expect("create key");
        let primary_arn = key.key_metadata().and_then(|m| m.arn()).expect("key ARN").to_owned();
        let replicated = kms
            .replicate_key()
            .key_id(&primary_arn)
            .replica_region(replica)
            .send()
            .await
            .expect("replicate key");
        let replica_arn = replicated
            .replica_key_metadata()
            .and_then(|m| m.arn())
            .expect("replica ARN")
            .to_owned();
        (primary_arn, replica_arn)
    }

    /// A fresh HMAC key (`HMAC_256`), as ingest tags triggers with.
    pub async fn trigger_key(&self) -> String {
        let key = self
            .kms()
            .create_key()
            .key_spec(aws_sdk_kms::types::KeySpec::Hmac256)
            .key_usage(aws_sdk_kms::types::KeyUsageType::GenerateVerifyMac)
            .send()
            .await
            .expect("create HMAC key");
        key.key_metadata().expect("key metadata").key_id().to_owned()
    }

    /// A fresh symmetric KMS key.
    pub async fn kms_key(&self) -> String {
        let key = self.kms().create_key().send().await.expect("create key");
        key.key_metadata().expect("key metadata").key_id().to_owned()
    }
}

/// A path-style S3 client, as S3-compatible stores need.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(true).build())
}
