//! s3-latest: keep an encrypted "newest snapshot" in S3 and serve it.
//!
//! A map of the crate, in the order a request meets it:
//!
//! * [`config`]: typed settings read once from environment variables.
//! * [`aws`]: builds the AWS clients and the two services as deployed.
//! * [`object_key`]: the newest-first key layout that makes "newest" one LIST.
//! * [`store`]: the bucket as a snapshot store; newest (index or scan), read,
//!   conditional writes.
//! * [`pointer`]: the pointer to the newest object: tells a warm retrieve,
//!   for a GET, that nothing was written (the listing still decides).
//! * [`envelope`]: envelope encryption in the S3 Encryption Client format,
//!   V3 (key-committing) by default, V2 readable.
//! * [`crypto`]: AES-256-GCM, HKDF-SHA512 and SHA-256, from aws-lc-rs.
//! * [`keyring`]: where data keys come from: KMS, or a local AES key.
//! * [`ingest`]: the scheduled writer: trigger parsing, source, publish.
//! * [`retrieve`]: the reader behind API Gateway: caches and the HTTP contract.
//! * [`authorizer`]: the REST API's JWT authorizer (`rest_api_authorization
//!   = "JWT"`), for a production API across regions.
//! * [`logging`]: the binaries' log filter and format (Lambda's logging
//!   controls).
//! * `deployment` (feature `deployment-facts`): the variables and IAM actions
//!   a deployment must provide, for the Terraform and moto checks.
//! * [`aws_error`]: typed classification of SDK failures.
//! * [`sync`]: the one way a std mutex is locked.

pub mod authorizer;
pub mod aws;
pub mod aws_error;
pub mod config;
pub mod crypto;
#[cfg(any(test, feature = "deployment-facts"))]
pub mod deployment;
pub mod envelope;
pub mod ingest;
pub mod keyring;
pub mod logging;
pub mod object_key;
pub mod pointer;
pub mod retrieve;
pub mod store;
pub mod sync;
