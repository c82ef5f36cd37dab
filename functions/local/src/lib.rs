//! Local mode: the whole service on one machine, with no AWS account.
//!
//! * [`embedded_store`]: an S3-compatible server in-process (`s3s` + `s3s-fs`)
//!   with atomic conditional writes and per-operation request counts.
//! * [`rest_api`]: API Gateway REST (v1) proxy events in and out, through the
//!   same `lambda_http` adapter the Lambda runtime uses.
//! * [`runner`]: ties them to the real ingest and retrieve handlers.

pub mod embedded_store;
pub mod rest_api;
pub mod runner;
