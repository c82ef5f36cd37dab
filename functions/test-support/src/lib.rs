//! Test harness shared by the crates' integration tests. Everything here is
//! a real protocol peer on 127.0.0.1:
//!
//! * [`moto`]: a moto server (S3, KMS, EventBridge) started from the
//!   project's virtualenv (`scripts/test.sh` installs it).
//! * [`runtime_api`]: the Lambda Runtime API, to drive the real `bootstrap`
//!   binaries as Lambda would.
//! * [`origin`]: a tiny HTTP origin for ingest's `SOURCE_URL`.
//! * [`local_runner`]: `s3-latest-local` as a process, with its addresses.
//! * [`fault_proxy`]: a seeded fault-injecting proxy in front of moto.
//! * [`repo`]: paths inside the repository (virtualenv, fixtures, binaries).
//! * [`token_issuer`]: an ES256 token issuer for the JWT authorizer's tests.
//! * [`request_count`]: an SDK interceptor that counts the AWS calls a path
//!   makes (tests and the benchmark).

pub mod fault_proxy;
pub mod lambda_env;
pub mod local_runner;
pub mod moto;
pub mod origin;
pub mod repo;
pub mod request_count;
pub mod runtime_api;
pub mod token_issuer;

/// Locks a mutex shared with a server task, ignoring poisoning: one failed
/// assertion must not turn every later read of the shared state into a panic
/// that hides it.
pub fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An HTTP client for tests; installs the TLS crypto provider reqwest needs.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder().build().expect("reqwest client")
}
