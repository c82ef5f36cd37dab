//! prod-dr's authorization: bearer tokens from the operator's issuer,
//! verified by a Lambda TOKEN authorizer in each region with the same
//! public keys (docs/authorization.md). Read back from moto, then the
//! failover drill: the deployed authorizer binary, configured as each
//! region deployed it, allows a token in the primary and the same token in
//! the standby, and refuses what is not the issuer's.

use serde_json::{Value, json};
use test_support::runtime_api::{Outcome, RuntimeApi};
use test_support::token_issuer::TokenIssuer;

use super::{JWT_AUDIENCE, deployed_env, extract_bootstrap, spawn};

/// The snapshot route goes through the one TOKEN authorizer, which runs
/// this deployment's authorizer function on the Authorization header; the
/// function may be invoked by this API's authorizer only, and its role
/// reads nothing.
pub fn assert_token_authorizer(facts: &Value, name: &str, env: &str, region: &str) {
    let api = &facts["api"];
    let authorizers = api["authorizers"].as_array().expect("authorizers");
    assert_eq!(authorizers.len(), 1, "{name}: {authorizers:?}");
    let authorizer = &authorizers[0];
    assert_eq!(authorizer["type"], "TOKEN");
    assert_eq!(authorizer["identitySource"], "method.request.header.Authorization");
    assert_eq!(authorizer["authorizerResultTtlInSeconds"], 300);
    assert!(
        authorizer["authorizerUri"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("function:{name}-authorizer/invocations")),
        "{authorizer}"
    );
    // API Gateway refuses, before any invocation, a header that is not a
    // bearer JWT: an API key or Basic credentials cost no Lambda call.
    let expression = authorizer["identityValidationExpression"].as_str().unwrap();
    let expression = regex_lite::Regex::new(expression).expect("the expression is a regex");
    for header in ["Bearer aaa.bbb.ccc", "bearer a-_.b=.c"] {
        assert!(expression.is_match(header), "{header}");
    }
    for header in ["aaa.bbb.ccc", "Basic dXNlcjpwdw==", "Bearer opaque", "Bearer a.b.c\nx"] {
        assert!(!expression.is_match(header), "{header}");
    }
    let id = authorizer["id"].as_str().unwrap();
    for method in ["GET", "HEAD"] {
        assert_eq!(
            api["authorizer_ids"][format!("{method} /retrieve_most_recent_object")],
            id
        );
        assert_eq!(api["authorizer_ids"][format!("{method} /health")], Value::Null);
    }

    let function = &facts["functions"]["authorizer"];
    let environment = &function["environment"];
    let mut variables: Vec<&String> = environment.as_object().unwrap().keys().collect();
    variables.sort();
    let mut declared = s3_latest::deployment::AUTHORIZER_VARIABLES.to_vec();
    declared.sort();
    assert_eq!(variables, declared, "{name}: the authorizer's environment");
    assert_eq!(environment["JWT_AUDIENCES"], JWT_AUDIENCE);
    let invokers = function["policy"]["Statement"].as_array().unwrap();
    assert_eq!(invokers.len(), 1, "{invokers:?}");
    assert_eq!(invokers[0]["Principal"]["Service"], "apigateway.amazonaws.com");
    assert_eq!(
        invokers[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        format!(
            "arn:aws:execute-api:{region}:123456789012:{}/authorizers/{id}",
            api["id"].as_str().unwrap()
        )
    );
    let actions: Vec<String> = facts["roles"]["authorizer"]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| super::one_or_many(&s["Action"]))
        .collect();
    for action in &actions {
        assert!(
            action.starts_with("logs:") || action.starts_with("xray:"),
            "{name}: the authorizer's role grants {action}"
        );
    }
    let group = &facts["log_groups"][format!("/aws/lambda/{name}-authorizer")];
    assert!(
        group["kms_key"].is_string(),
        "{name} ({env}): the authorizer's log group is encrypted: {group}"
    );
}

/// The drill: one client, one token, both regions. Each region's deployed
/// authorizer allows it for that region's stage; a token signed by another
/// key under the issuer's name, and one for another audience, are refused
/// in both with the message API Gateway turns into a 401.
pub async fn a_client_authorized_in_the_primary_is_authorized_in_the_standby(
    issuer: &TokenIssuer,
    regions: &[(&str, &Value)],
) {
    let token = issuer.token(JWT_AUDIENCE, "drill-client");
    let forged = TokenIssuer::new(&issuer.issuer, &issuer.kid).token(JWT_AUDIENCE, "drill-client");
    let elsewhere = issuer.token("another-api", "drill-client");
    let bin = tempfile::tempdir().unwrap();
    let binary = extract_bootstrap("authorizer", bin.path());
    for (region, facts) in regions {
        let api = RuntimeApi::start().await;
        let _authorizer = spawn(&api, &binary, &deployed_env(facts, "authorizer", region));
        let stage = format!(
            "arn:aws:execute-api:{region}:123456789012:{}/prod-dr",
            facts["api"]["id"].as_str().unwrap()
        );
        let event = |token: &str| {
            json!({
                "type": "TOKEN",
                "authorizationToken": format!("Bearer {token}"),
                "methodArn": format!("{stage}/GET/retrieve_most_recent_object"),
            })
        };
        match api.invoke(event(&token)).await {
            Outcome::Response(allow) => {
                assert_eq!(allow["principalId"], "drill-client", "{region}: {allow}");
                assert_eq!(
                    allow["policyDocument"]["Statement"],
                    json!([{ "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": format!("{stage}/*") }]),
                    "{region}"
                );
            }
            other => panic!("{region}: the issuer's token is refused: {other:?}"),
        }
        for (case, refused) in [("forged", &forged), ("another audience", &elsewhere)] {
            match api.invoke(event(refused)).await {
                Outcome::Error { error_message, .. } => {
                    assert_eq!(error_message, "Unauthorized", "{region}: {case}")
                }
                other => panic!("{region}: a {case} token: {other:?}"),
            }
        }
    }
}
