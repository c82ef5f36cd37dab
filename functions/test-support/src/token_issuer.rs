//! A token issuer for tests of the JWT authorizer: an ES256 key made for
//! the run, its public half as a JWK Set (what an operator copies from
//! their issuer's `jwks_uri`), and tokens signed with it.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub struct TokenIssuer {
    pub issuer: String,
    pub kid: String,
    pkcs8: Vec<u8>,
    public_point: Vec<u8>,
}

impl TokenIssuer {
    /// A new key pair for `issuer`, named `kid` in its JWK Set.
    pub fn new(issuer: &str, kid: &str) -> Self {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("an ES256 key")
            .as_ref()
            .to_vec();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8).unwrap();
        TokenIssuer {
            issuer: issuer.to_owned(),
            kid: kid.to_owned(),
            public_point: pair.public_key().as_ref().to_vec(),
            pkcs8,
        }
    }

    /// The public key as one JWK: the uncompressed point's X and Y.
    pub fn jwk(&self) -> Value {
        let (x, y) = self.public_point[1..].split_at(32);
        json!({
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
        })
    }

    /// A JWK Set of this issuer's one key.
    pub fn jwks(&self) -> String {
        json!({ "keys": [self.jwk()] }).to_string()
    }

    /// A token with these claims, signed ES256 under this key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).expect("sign")
    }

    /// A token for `audience` from this issuer, valid for the next hour.
    pub fn token(&self, audience: &str, subject: &str) -> String {
        self.sign(&self.claims(audience, subject))
    }

    /// The claims of [`TokenIssuer::token`], for tests that change one.
    pub fn claims(&self, audience: &str, subject: &str) -> Value {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        json!({ "iss": self.issuer, "aud": audience, "sub": subject, "iat": now, "exp": now + 3600 })
    }
}
