//! What a deployment must provide each function: the environment variables
//! it reads and the IAM actions it calls. The Terraform checks
//! (`functions/deploy-checks`) and the moto tests compare the modules and
//! the calls made against these lists; the functions never read them, so
//! they are built only with the `deployment-facts` feature (and in tests).

/// IAM actions ingest's role needs. `s3:GetObject` authorises the HeadObject
/// that finds a retried trigger's object, and `s3:ListBucket` makes S3 answer
/// it 404 rather than 403 when the key is free (and lists for the newest
/// object's validators with a `SOURCE_URL`).
pub const INGEST_IAM_ACTIONS: &[&str] = &[
    "s3:PutObject",
    "s3:GetObject",
    "s3:ListBucket",
    "kms:GenerateDataKey",
    "kms:GenerateMac",
    "events:PutEvents",
];
/// IAM actions retrieve's role needs.
pub const RETRIEVE_IAM_ACTIONS: &[&str] = &["s3:ListBucket", "s3:GetObject", "kms:Decrypt"];

/// The IAM action that authorises an API operation the functions call.
pub fn iam_action(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "ListObjectsV2" => "s3:ListBucket",
        "GetObject" | "HeadObject" => "s3:GetObject",
        "PutObject" => "s3:PutObject",
        "GenerateDataKey" => "kms:GenerateDataKey",
        "GenerateMac" => "kms:GenerateMac",
        "Decrypt" => "kms:Decrypt",
        "PutEvents" => "events:PutEvents",
        _ => return None,
    })
}

/// Every variable ingest reads (with `SOURCE_URL` set), for the docs
/// table and the Terraform wiring check. A test records what `from_env`
/// actually asks for and compares.
pub const INGEST_VARIABLES: &[&str] = &[
    "BUCKET_NAME",
    "OBJECT_PREFIX",
    "STORE_ID",
    "ENCRYPTION_FORMAT",
    "EVENT_BUS_NAME",
    "SOURCE_URL",
    "SOURCE_TIMEOUT_MS",
    "SOURCE_MAX_BYTES",
    "SOURCE_REDIRECT_HOSTS",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "KMS_KEY_ID",
    "TRIGGER_KEY_ID",
    "S3_SSE_KMS_KEY_ID",
    "S3_FORCE_PATH_STYLE",
    "FUNCTION_TIMEOUT_SECONDS",
    "AWS_CONNECT_TIMEOUT_MS",
    "AWS_ATTEMPT_TIMEOUT_MS",
    "AWS_OPERATION_TIMEOUT_MS",
    "AWS_MAX_ATTEMPTS",
];

/// Every variable retrieve reads.
pub const RETRIEVE_VARIABLES: &[&str] = &[
    "BUCKET_NAME",
    "OBJECT_PREFIX",
    "STORE_ID",
    "LOOKUP_STRATEGY",
    "MAX_STALENESS_MS",
    "POINTER_AUDIT_SECONDS",
    "COMMITMENT_POLICY",
    "CORS_ALLOWED_ORIGINS",
    "CACHE_CONTROL",
    "RESPONSE_MODE",
    "RESPONSE_MAX_BYTES",
    "DATA_KEY_CACHE_MAX_ENTRIES",
    "DATA_KEY_CACHE_TTL_SECONDS",
    "HEALTH_CACHE_SECONDS",
    "REQUEST_TIMEOUT_MS",
    "KMS_KEY_ID",
    "S3_SSE_KMS_KEY_ID",
    "S3_FORCE_PATH_STYLE",
    "FUNCTION_TIMEOUT_SECONDS",
    "AWS_CONNECT_TIMEOUT_MS",
    "AWS_ATTEMPT_TIMEOUT_MS",
    "AWS_OPERATION_TIMEOUT_MS",
    "AWS_MAX_ATTEMPTS",
];

/// Every variable the token authorizer reads (`rest_api_authorization = "JWT"`).
pub const AUTHORIZER_VARIABLES: &[&str] = &["JWT_ISSUER", "JWT_AUDIENCES", "JWT_JWKS"];

/// Variables a deployment does not set: Lambda provides some, some exist for
/// S3-compatible stores, not AWS, and the call budget's overrides default
/// from `FUNCTION_TIMEOUT_SECONDS`, which it does set.
pub const NOT_SET_BY_DEPLOYMENT: &[&str] = &[
    "AWS_LAMBDA_FUNCTION_VERSION",
    "S3_FORCE_PATH_STYLE",
    "REQUEST_TIMEOUT_MS",
    "AWS_CONNECT_TIMEOUT_MS",
    "AWS_ATTEMPT_TIMEOUT_MS",
    "AWS_OPERATION_TIMEOUT_MS",
    "AWS_MAX_ATTEMPTS",
];

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::{
        AwsSettings, CallBudget, DEFAULT_INGEST_FUNCTION_TIMEOUT, IngestConfig, RetrieveConfig, function_timeout,
    };

    #[test]
    fn the_declared_variable_lists_are_exactly_what_each_function_reads() {
        use std::cell::RefCell;
        let read = RefCell::new(Vec::<String>::new());
        let recording = |name: &str| {
            read.borrow_mut().push(name.to_owned());
            match name {
                "BUCKET_NAME" | "KMS_KEY_ID" | "TRIGGER_KEY_ID" => Some("x".to_owned()),
                // Read in full before the key set is parsed (and refused).
                "JWT_ISSUER" | "JWT_AUDIENCES" | "JWT_JWKS" => Some("x".to_owned()),
                "SOURCE_URL" => Some("https://example.com/".to_owned()),
                _ => None,
            }
        };
        IngestConfig::from_env(&recording).unwrap();
        function_timeout(&recording, DEFAULT_INGEST_FUNCTION_TIMEOUT).unwrap();
        AwsSettings::from_env(&recording, CallBudget::for_ingest(DEFAULT_INGEST_FUNCTION_TIMEOUT)).unwrap();
        crate::config::trigger_key_id(&recording).unwrap();
        let mut ingest: Vec<String> = read.take();
        ingest.sort();
        ingest.dedup();
        let mut declared: Vec<&str> = INGEST_VARIABLES.to_vec();
        declared.sort();
        assert_eq!(ingest, declared);

        RetrieveConfig::from_env(&recording).unwrap();
        AwsSettings::from_env(&recording, CallBudget::for_retrieve(Duration::from_secs(9))).unwrap();
        let mut retrieve: Vec<String> = read.take();
        retrieve.sort();
        retrieve.dedup();
        let mut declared: Vec<&str> = RETRIEVE_VARIABLES.to_vec();
        declared.sort();
        assert_eq!(retrieve, declared);

        crate::config::authorizer_config(&recording).unwrap_err();
        let mut authorizer: Vec<String> = read.take();
        authorizer.sort();
        let mut declared: Vec<&str> = AUTHORIZER_VARIABLES.to_vec();
        declared.sort();
        assert_eq!(authorizer, declared);
    }
}
