//! The token authorizer's configuration.

use super::{ConfigError, Env, printable_ascii, required};
use crate::authorizer::{AuthorizerConfig, KeySet};

/// Reads `JWT_ISSUER`, `JWT_AUDIENCES` (comma-separated) and `JWT_JWKS`
/// (the issuer's public keys, a JWK Set).
pub fn authorizer_config(env: &dyn Env) -> Result<AuthorizerConfig, ConfigError> {
    let issuer = required(env, "JWT_ISSUER")?;
    printable_ascii("JWT_ISSUER", &issuer, 1024)?;
    let audiences: Vec<String> = required(env, "JWT_AUDIENCES")?
        .split(',')
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if audiences.is_empty() {
        return Err(ConfigError {
            variable: "JWT_AUDIENCES",
            problem: "must name at least one audience".into(),
        });
    }
    let keys = KeySet::parse(&required(env, "JWT_JWKS")?).map_err(|problem| ConfigError {
        variable: "JWT_JWKS",
        problem,
    })?;
    Ok(AuthorizerConfig {
        issuer,
        audiences,
        keys,
    })
}
