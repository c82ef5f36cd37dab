//! The issuer's public keys, as the deployment ships them (`JWT_JWKS`).

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

/// One public key a token may be signed with, and the one algorithm it takes.
pub(super) struct TrustedKey {
    kid: Option<String>,
    pub(super) algorithm: Algorithm,
    pub(super) key: DecodingKey,
}

/// The issuer's public keys (a JWK Set, RFC 7517 §5), each tied to its
/// algorithm: a token's header cannot choose a weaker one.
pub struct KeySet(Vec<TrustedKey>);

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<_> = self.0.iter().map(|k| (k.kid.as_deref(), k.algorithm)).collect();
        f.debug_tuple("KeySet").field(&kids).finish()
    }
}

impl KeySet {
    /// Parses a JWK Set of public keys. Refuses shared secrets (`oct`),
    /// private keys, and keys whose algorithm it cannot pin.
    pub fn parse(json: &str) -> Result<Self, String> {
        let raw: Value = serde_json::from_str(json).map_err(|e| format!("is not JSON: {e}"))?;
        let entries = raw["keys"].as_array().ok_or("must be a JWK Set: {\"keys\": [...]}")?;
        if entries.is_empty() {
            return Err("holds no keys".into());
        }
        // A private key here would be in every region's function
        // configuration: refuse it rather than drop its private part.
        for (i, entry) in entries.iter().enumerate() {
            if entry.get("d").is_some() || entry.get("k").is_some() {
                return Err(format!(
                    "key {i} holds a private or secret part (\"d\" or \"k\"): give the issuer's public keys only"
                ));
            }
        }
        let set: JwkSet = serde_json::from_value(raw).map_err(|e| format!("is not a JWK Set: {e}"))?;
        let keys = set
            .keys
            .iter()
            .enumerate()
            .map(|(i, jwk)| {
                let algorithm = pinned_algorithm(jwk).map_err(|problem| format!("key {i}: {problem}"))?;
                let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {i}: {e}"))?;
                Ok(TrustedKey {
                    kid: jwk.common.key_id.clone(),
                    algorithm,
                    key,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        if keys.len() > 1 && keys.iter().any(|k| k.kid.is_none()) {
            return Err("has several keys, so each needs a \"kid\"".into());
        }
        Ok(KeySet(keys))
    }

    /// The key a token names (`kid`), or the only key when it names none.
    pub(super) fn for_token(&self, kid: Option<&str>) -> Option<&TrustedKey> {
        match kid {
            Some(kid) => self.0.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.0.len() == 1 => self.0.first(),
            None => None,
        }
    }
}

/// The algorithm a key is used with: its own `alg`, else its type's usual
/// one. Symmetric algorithms are refused: a shared secret is what this
/// authorizer exists to replace.
fn pinned_algorithm(jwk: &Jwk) -> Result<Algorithm, String> {
    if let Some(alg) = jwk.common.key_algorithm {
        let algorithm = match alg {
            KeyAlgorithm::RS256 => Algorithm::RS256,
            KeyAlgorithm::RS384 => Algorithm::RS384,
            KeyAlgorithm::RS512 => Algorithm::RS512,
            KeyAlgorithm::PS256 => Algorithm::PS256,
            KeyAlgorithm::PS384 => Algorithm::PS384,
            KeyAlgorithm::PS512 => Algorithm::PS512,
            KeyAlgorithm::ES256 => Algorithm::ES256,
            KeyAlgorithm::ES384 => Algorithm::ES384,
            KeyAlgorithm::EdDSA => Algorithm::EdDSA,
            other => return Err(format!("alg {other:?} is not a public-key signature algorithm")),
        };
        return Ok(algorithm);
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Ok(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Ok(Algorithm::ES256),
            EllipticCurve::P384 => Ok(Algorithm::ES384),
            ref other => Err(format!("curve {other:?} is not supported")),
        },
        AlgorithmParameters::OctetKeyPair(_) => Ok(Algorithm::EdDSA),
        AlgorithmParameters::OctetKey(_) => Err("a shared secret (kty oct) is not a public key".into()),
        _ => Err("its key type is not supported".into()),
    }
}
