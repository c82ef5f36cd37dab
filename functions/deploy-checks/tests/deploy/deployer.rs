//! The deployer policy (env/bootstrap's `s3-latest-deployer`, docs/deployer.md)
//! is enough to apply and destroy an environment: on a moto of its own that
//! checks every request against the caller's identity policies, the account's
//! administrator bootstraps, and a user holding only the deployer policy (in
//! the form moto can evaluate: tests/deploy/aws.py `moto_form`) applies dev
//! and destroys it.
//!
//! With S3_LATEST_RECORD_DEPLOYER_ACTIONS=FILE the deployer gets
//! AdministratorAccess instead, and every action dev's apply and destroy
//! needed is written to FILE: how the policy's action list is kept complete.

use serde_json::json;

use super::operators::Operator;
use super::{Deployment, aws_at, text};

/// CreateUser, AttachUserPolicy and CreateAccessKey for the administrator.
const UNSIGNED_REQUESTS: &str = "3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployer_holding_only_its_policy_applies_and_destroys_an_environment() {
    let record = std::env::var("S3_LATEST_RECORD_DEPLOYER_ACTIONS").ok();
    let mut settings = format!("INITIAL_NO_AUTH_ACTION_COUNT={UNSIGNED_REQUESTS}");
    if let Some(file) = &record {
        settings += &format!(" S3_LATEST_RECORD_ACTIONS={file}");
    }
    let moto = test_support::moto::start(&settings);
    let admin = Operator::create_admin(&|args| aws_at(&moto.endpoint, super::REGION, None, args).stdout);
    let d = Deployment::on(&moto.endpoint, Some(admin));
    let admin = d.admin.as_ref().unwrap();

    // Unsigned requests are refused from here on.
    let anonymous = aws_anonymously(&moto.endpoint);
    assert!(!anonymous.status.success(), "moto must check identity policies");

    let bootstrapped = d.script_as(admin, "deploy", "bootstrap", &[]);
    assert!(
        bootstrapped.status.success(),
        "bootstrap as the administrator:\n{}",
        text(&bootstrapped)
    );
    let policies: Vec<String> = serde_json::from_slice(
        &d.terraform_as(admin, "bootstrap", &["output", "-json", "deployer_policy_arns"])
            .stdout,
    )
    .expect("deployer_policy_arns");
    assert_eq!(policies.len(), 2, "{policies:?}");
    let grant = match &record {
        Some(file) => {
            std::fs::write(file, "").unwrap(); // dev's actions only
            vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_owned()]
        }
        None => policies,
    };
    let mut args = vec!["grant-deployer", "operator-ci"];
    args.extend(grant.iter().map(String::as_str));
    let granted: serde_json::Value = serde_json::from_slice(&d.aws(&args).stdout).unwrap();
    for size in granted["sizes"].as_array().unwrap() {
        // IAM refuses a managed policy over 6,144 characters (whitespace aside).
        assert!(size.as_u64().unwrap() <= 6144, "deployer policy sizes: {granted}");
    }
    // parliament, on the deployer policy too; read as the deployer, who may
    // read every state under s3-latest/.
    super::audit_policies(&d, "bootstrap");

    d.apply("dev");
    let destroyed = d.destroy("dev");
    assert!(
        destroyed.status.success(),
        "destroy dev as the deployer:\n{}",
        text(&destroyed)
    );
    assert_eq!(
        d.read_back("s3-latest-dev")["leftovers"],
        json!([]),
        "destroy leaves nothing"
    );
}

/// An aws.py request with keys moto never issued.
fn aws_anonymously(endpoint: &str) -> std::process::Output {
    let python = test_support::repo::venv_program("python");
    std::process::Command::new(python)
        .arg(super::root().join("tests/deploy/aws.py"))
        .args([endpoint, super::REGION, "protections", "s3-latest-dev"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("aws.py")
}
