//! The environment a function binary gets when pointed at moto.

use crate::moto::{Moto, REGION};

/// AWS settings that aim the SDK at moto with dummy credentials.
pub fn aws_env(moto: &Moto) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_REGION", REGION.into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("S3_FORCE_PATH_STYLE", "true".into()),
    ]
}
