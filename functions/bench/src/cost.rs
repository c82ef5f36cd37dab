//! Dollars per million retrievals, from measured request counts and
//! durations and AWS's public prices (us-east-1, x86, as listed on
//! 2026-11-21).

use serde::Serialize;

/// S3 Standard: LIST (and PUT) $0.005 per 1,000; GET $0.0004 per 1,000.
/// <https://aws.amazon.com/s3/pricing/>
pub const S3_LIST_PER_REQUEST: f64 = 0.005 / 1000.0;
pub const S3_GET_PER_REQUEST: f64 = 0.0004 / 1000.0;
/// KMS: $0.03 per 10,000 requests. <https://aws.amazon.com/kms/pricing/>
pub const KMS_PER_REQUEST: f64 = 0.03 / 10_000.0;
/// Lambda: $0.20 per million requests and $0.0000166667 per GB-second.
/// <https://aws.amazon.com/lambda/pricing/>
pub const LAMBDA_PER_REQUEST: f64 = 0.20 / 1_000_000.0;
pub const LAMBDA_PER_GB_SECOND: f64 = 0.000_016_666_7;
pub const LAMBDA_MEMORY_GB: f64 = 128.0 / 1024.0;
/// API Gateway REST API: $3.50 per million (first 333 million); HTTP API:
/// $1.00 per million (first 300 million, requests of up to 512 KB).
/// <https://aws.amazon.com/api-gateway/pricing/>
pub const REST_API_PER_MILLION: f64 = 3.50;
pub const HTTP_API_PER_MILLION: f64 = 1.00;

#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    pub design: &'static str,
    pub objects: usize,
    pub list_requests: f64,
    pub get_requests: f64,
    pub kms_requests: f64,
    pub duration_ms: f64,
    pub s3_usd: f64,
    pub kms_usd: f64,
    pub lambda_usd: f64,
    /// S3 + KMS + Lambda, per million retrievals.
    pub total_usd: f64,
    /// The total behind an API Gateway REST API.
    pub with_rest_api_usd: f64,
    /// The total behind an API Gateway HTTP API.
    pub with_http_api_usd: f64,
}

/// Cost of a million retrievals that each make these requests and take this long.
pub fn per_million(design: &'static str, objects: usize, lists: f64, gets: f64, kms: f64, duration_ms: f64) -> Cost {
    let million = 1_000_000.0;
    let s3_usd = million * (lists * S3_LIST_PER_REQUEST + gets * S3_GET_PER_REQUEST);
    let kms_usd = million * kms * KMS_PER_REQUEST;
    // Lambda bills duration in 1 ms steps.
    let lambda_usd =
        million * (LAMBDA_PER_REQUEST + duration_ms.ceil() / 1000.0 * LAMBDA_MEMORY_GB * LAMBDA_PER_GB_SECOND);
    Cost {
        design,
        objects,
        list_requests: lists,
        get_requests: gets,
        kms_requests: kms,
        duration_ms,
        s3_usd,
        kms_usd,
        lambda_usd,
        total_usd: s3_usd + kms_usd + lambda_usd,
        with_rest_api_usd: s3_usd + kms_usd + lambda_usd + REST_API_PER_MILLION,
        with_http_api_usd: s3_usd + kms_usd + lambda_usd + HTTP_API_PER_MILLION,
    }
}
