//! The REST API's token authorizer (`rest_api_authorization = "JWT"`): a
//! bearer JWT from the operator's issuer, checked against the issuer's
//! public keys as the deployment ships them (`JWT_JWKS`).
//!
//! Why this shape (docs/authorization.md): it works the same in every
//! region with nothing shared at run time. Each region's authorizer holds
//! the same public keys, so a client failed over to the standby presents
//! the token it already has. There is no secret to leak from the
//! deployment, and no call to the issuer on a request path.
//!
//! API Gateway answers 401 itself when the function fails with exactly
//! "Unauthorized" ([`Unauthorized`]); a verified token gets a policy that
//! allows the whole stage, so the cached result serves GET and HEAD alike.

use std::collections::HashSet;

use jsonwebtoken::Validation;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod keys;

pub use self::keys::KeySet;

/// How far a token's `exp` and `nbf` may be off the function's clock.
pub const CLOCK_LEEWAY_SECONDS: u64 = 30;

/// Who may call: tokens from one issuer, for one of the audiences.
#[derive(Debug)]
pub struct AuthorizerConfig {
    pub issuer: String,
    pub audiences: Vec<String>,
    pub keys: KeySet,
}

/// What API Gateway sends a TOKEN authorizer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    #[serde(default)]
    pub authorization_token: String,
    pub method_arn: String,
}

/// Every refusal. API Gateway turns exactly this message into a 401 (its
/// UNAUTHORIZED gateway response); why the token failed goes to the log only.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Unauthorized")]
pub struct Unauthorized;

impl From<Unauthorized> for lambda_runtime::Diagnostic {
    fn from(_: Unauthorized) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "Unauthorized".into(),
            error_message: "Unauthorized".into(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

/// The policy a verified caller gets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Allow {
    pub principal_id: String,
    pub policy_document: Value,
}

pub struct TokenAuthorizer {
    config: AuthorizerConfig,
}

impl TokenAuthorizer {
    pub fn new(config: AuthorizerConfig) -> Self {
        TokenAuthorizer { config }
    }

    /// Verifies the bearer token: signature under a trusted key with that
    /// key's algorithm, issuer, audience, `exp` (required) and `nbf`.
    pub fn authorize(&self, request: &TokenRequest) -> Result<Allow, Unauthorized> {
        let stage = stage_arn(&request.method_arn).ok_or_else(|| refuse("the method ARN is not API Gateway's"))?;
        let token = bearer(&request.authorization_token).ok_or_else(|| refuse("no bearer token"))?;
        let header = jsonwebtoken::decode_header(token).map_err(|e| refuse(&format!("malformed token: {e}")))?;
        let key = self
            .config
            .keys
            .for_token(header.kid.as_deref())
            .ok_or_else(|| refuse("no trusted key has the token's kid"))?;
        let mut validation = Validation::new(key.algorithm);
        validation.leeway = CLOCK_LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&self.config.audiences);
        validation.required_spec_claims = HashSet::from(["exp", "iss", "aud", "sub"].map(String::from));
        let token = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| refuse(&format!("token refused: {:?}", e.kind())))?;
        Ok(Allow {
            principal_id: token.claims.sub,
            policy_document: json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": format!("{stage}/*"),
                }],
            }),
        })
    }
}

fn refuse(why: &str) -> Unauthorized {
    tracing::info!(reason = why, "request refused");
    Unauthorized
}

/// `Bearer <token>` (the scheme is case-insensitive, RFC 9110 §11.1).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH` → the
/// stage's ARN, `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE`.
fn stage_arn(method_arn: &str) -> Option<&str> {
    let mut parts = method_arn.splitn(6, ':');
    let (arn, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || service != "execute-api" {
        return None;
    }
    let resource = method_arn.rsplit(':').next()?;
    let mut segments = resource.splitn(3, '/');
    let (api, stage) = (segments.next()?, segments.next()?);
    if api.is_empty() || stage.is_empty() {
        return None;
    }
    let end = method_arn.len() - resource.len() + api.len() + 1 + stage.len();
    Some(&method_arn[..end])
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::{Value, json};
    use test_support::token_issuer::TokenIssuer;

    use super::*;

    const ISSUER: &str = "https://issuer.example.test/";
    const AUDIENCE: &str = "snapshot-readers";
    const METHOD: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod-dr/GET/retrieve_most_recent_object";

    fn authorizer_trusting(issuer: &TokenIssuer) -> TokenAuthorizer {
        TokenAuthorizer::new(AuthorizerConfig {
            issuer: ISSUER.into(),
            audiences: vec!["other-client".into(), AUDIENCE.into()],
            keys: KeySet::parse(&issuer.jwks()).unwrap(),
        })
    }

    fn request(token: &str, method_arn: &str) -> TokenRequest {
        TokenRequest {
            authorization_token: format!("Bearer {token}"),
            method_arn: method_arn.into(),
        }
    }

    #[test]
    fn a_token_from_the_issuer_allows_the_whole_stage() {
        let issuer = TokenIssuer::new(ISSUER, "k1");
        let allow = authorizer_trusting(&issuer)
            .authorize(&request(&issuer.token(AUDIENCE, "client-7"), METHOD))
            .unwrap();
        assert_eq!(allow.principal_id, "client-7");
        assert_eq!(
            serde_json::to_value(&allow).unwrap()["policyDocument"]["Statement"][0],
            json!({
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod-dr/*",
            })
        );
    }

    #[test]
    fn the_same_token_is_allowed_by_another_regions_authorizer() {
        let issuer = TokenIssuer::new(ISSUER, "k1");
        let token = issuer.token(AUDIENCE, "client-7");
        let standby = "arn:aws:execute-api:eu-central-1:123456789012:def456/prod-dr/HEAD/retrieve_most_recent_object";
        let allow = authorizer_trusting(&issuer)
            .authorize(&request(&token, standby))
            .unwrap();
        assert_eq!(
            allow.policy_document["Statement"][0]["Resource"],
            "arn:aws:execute-api:eu-central-1:123456789012:def456/prod-dr/*"
        );
    }

    #[test]
    fn every_kind_of_bad_token_is_unauthorized() {
        let issuer = TokenIssuer::new(ISSUER, "k1");
        let authorizer = authorizer_trusting(&issuer);
        let good = issuer.claims(AUDIENCE, "client-7");
        let with = |change: &dyn Fn(&mut Value)| {
            let mut claims = good.clone();
            change(&mut claims);
            issuer.sign(&claims)
        };
        let now = good["iat"].as_u64().unwrap();
        let impostor = TokenIssuer::new(ISSUER, "k1"); // same kid, another key
        let (header, payload) = {
            let token = issuer.token(AUDIENCE, "client-7");
            let mut parts = token.split('.').map(str::to_owned);
            (parts.next().unwrap(), parts.next().unwrap())
        };
        let unsigned = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1"}"#));
        let resigned_hs256 = {
            let key = jsonwebtoken::EncodingKey::from_secret(issuer.jwks().as_bytes()).unwrap();
            let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            h.kid = Some("k1".into());
            jsonwebtoken::encode(&h, &good, &key).unwrap()
        };
        let cases: Vec<(&str, String)> = vec![
            ("expired", with(&|c| c["exp"] = json!(now - 120))),
            ("not yet valid", with(&|c| c["nbf"] = json!(now + 600))),
            ("another issuer", with(&|c| c["iss"] = json!("https://elsewhere.test/"))),
            ("another audience", with(&|c| c["aud"] = json!("someone-else"))),
            ("no exp", with(&|c| drop(c.as_object_mut().unwrap().remove("exp")))),
            ("no sub", with(&|c| drop(c.as_object_mut().unwrap().remove("sub")))),
            ("another key, same kid", impostor.token(AUDIENCE, "client-7")),
            ("alg none", unsigned),
            ("HS256 keyed with the public JWKS", resigned_hs256),
            (
                "tampered payload",
                format!("{header}.{}.sig", URL_SAFE_NO_PAD.encode("{}")),
            ),
            ("not a JWT", "opaque-api-key-value".into()),
        ];
        for (case, token) in cases {
            assert_eq!(
                authorizer.authorize(&request(&token, METHOD)).err(),
                Some(Unauthorized),
                "{case}"
            );
        }
        let token = issuer.token(AUDIENCE, "client-7");
        for header in [token.clone(), format!("Basic {token}"), "Bearer ".into(), String::new()] {
            let request = TokenRequest {
                authorization_token: header.clone(),
                method_arn: METHOD.into(),
            };
            assert_eq!(authorizer.authorize(&request).err(), Some(Unauthorized), "{header:?}");
        }
        for method_arn in [
            "arn:aws:lambda:eu-west-1:123456789012:function:x",
            "abc123/prod-dr/GET/x",
            "",
        ] {
            assert_eq!(
                authorizer.authorize(&request(&token, method_arn)).err(),
                Some(Unauthorized),
                "{method_arn}"
            );
        }
        // The scheme is case-insensitive; the token itself still verifies.
        let lower = TokenRequest {
            authorization_token: format!("bearer {token}"),
            method_arn: METHOD.into(),
        };
        assert!(authorizer.authorize(&lower).is_ok());
    }

    #[test]
    fn api_gateway_answers_401_only_for_this_exact_message() {
        let diagnostic = lambda_runtime::Diagnostic::from(Unauthorized);
        assert_eq!(diagnostic.error_message, "Unauthorized");
    }

    #[test]
    fn a_key_set_takes_public_keys_only() {
        let issuer = TokenIssuer::new(ISSUER, "k1");
        let second = TokenIssuer::new(ISSUER, "k2");
        let both = json!({ "keys": [issuer.jwk(), second.jwk()] }).to_string();
        assert!(KeySet::parse(&both).is_ok());
        let rsa = json!({ "keys": [{ "kty": "RSA", "kid": "r1", "e": "AQAB",
            "n": URL_SAFE_NO_PAD.encode([0xc5u8; 256]) }] });
        assert!(format!("{:?}", KeySet::parse(&rsa.to_string()).unwrap()).contains("RS256"));

        let mut private = issuer.jwk();
        private["d"] = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
        let mut unnamed = second.jwk();
        unnamed.as_object_mut().unwrap().remove("kid");
        let refused = [
            (json!({ "keys": [private] }).to_string(), "private or secret part"),
            (
                json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] }).to_string(),
                "private or secret part",
            ),
            (json!({ "keys": [{ "kty": "oct", "kid": "h" }] }).to_string(), "not"),
            (
                json!({ "keys": [issuer.jwk(), unnamed] }).to_string(),
                "needs a \"kid\"",
            ),
            (json!({ "keys": [] }).to_string(), "no keys"),
            (json!([issuer.jwk()]).to_string(), "JWK Set"),
            ("not json".into(), "not JSON"),
        ];
        for (jwks, problem) in refused {
            let error = KeySet::parse(&jwks).unwrap_err();
            assert!(error.contains(problem), "{jwks}: {error}");
        }
    }
}
