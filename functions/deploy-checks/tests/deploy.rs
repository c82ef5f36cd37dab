//! Deploy for real: `env/bootstrap`, `env/dev`, `env/prod` and the two-region
//! `env/prod-dr` are initialised,
//! validated, planned, applied, read back, run and destroyed with the
//! operators' own scripts (`scripts/deploy.sh`, `scripts/destroy.sh`), the
//! hashicorp/aws provider on this machine (or the registry), and moto on
//! 127.0.0.1. The AWS SDK side (read-back, and what an operator or attacker
//! would do by hand) is boto3, in `tests/deploy/aws.py`.
//!
//! Only the test's temporary copy of `env/` and `modules/` differs from what
//! ships: `*_override.tf` files aim the provider and the S3 backend at moto,
//! and `checks.tf` (the post-apply HTTP smoke check, which needs
//! hashicorp/http and an API Gateway moto cannot serve) is left out; the real
//! binaries take its place here.
//!
//! One seam no peer here can reach: moto 5.2.5 applies a bucket policy's
//! conditional `Deny` statements unconditionally, so the TLS-only Deny
//! refuses every object request, over HTTPS too. Each bucket policy is read
//! back and asserted first, then removed before any object traffic.
//!
//! What moto cannot check: key and bucket policies are not enforced, and its
//! identity-policy enforcement evaluates most services' actions against the
//! resource `*` (so an Allow scoped to a key ARN refuses) and turns a
//! conditional Allow into a Deny. The binaries therefore run with the
//! deployed configuration and test credentials, and least privilege is
//! asserted on the deployed role and key policies.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use s3_latest::deployment::{
    INGEST_IAM_ACTIONS, INGEST_VARIABLES, NOT_SET_BY_DEPLOYMENT, RETRIEVE_IAM_ACTIONS, RETRIEVE_VARIABLES,
};
use serde_json::{Value, json};
use test_support::moto::moto;
use test_support::runtime_api::{Outcome, RuntimeApi};
use test_support::token_issuer::TokenIssuer;

#[path = "deploy/authorization.rs"]
mod authorization;
#[path = "deploy/deployer.rs"]
mod deployer;
#[path = "deploy/operators.rs"]
mod operators;
#[path = "deploy/restore.rs"]
mod restore;
#[path = "deploy/retirement.rs"]
mod retirement;
use operators::{Operator, Operators};

const REGION: &str = "eu-west-1";
/// The requirement versions.tf carries for checks.tf.
const HTTP_PROVIDER: &str = "    http = {\n      source  = \"hashicorp/http\"\n      version = \"~> 3.4\"\n    }\n";

/// env/prod-dr's standby region (its terraform.tfvars).
const STANDBY_REGION: &str = "eu-central-1";

fn root() -> PathBuf {
    test_support::repo::root()
}

/// A temporary copy of `env/` and `modules/` aimed at moto.
struct Deployment {
    copy: tempfile::TempDir,
    endpoint: String,
    operators: Operators,
    /// Who signs aws.py's requests: moto's "testing" keys unless moto
    /// checks identity policies, where it is the account's administrator.
    admin: Option<Operator>,
    /// prod-dr's token issuer: its public keys go to both regions'
    /// authorizers, and the failover drill signs with it.
    issuer: TokenIssuer,
}

/// The audience prod-dr's tokens are issued for.
const JWT_AUDIENCE: &str = "s3-latest-readers";

impl Deployment {
    fn new(endpoint: &str) -> Self {
        Self::on(endpoint, None)
    }

    fn on(endpoint: &str, admin: Option<Operator>) -> Self {
        let copy = tempfile::tempdir().expect("temp dir");
        for dir in ["env", "modules"] {
            // -L: env/prod's files are symlinks to env/dev's.
            run(Command::new("cp").arg("-rL").arg(root().join(dir)).arg(copy.path()));
        }
        let operators = Operators::create(&|args| aws_at(endpoint, REGION, admin.as_ref(), args).stdout);
        let deployment = Deployment {
            copy,
            endpoint: endpoint.to_owned(),
            operators,
            admin,
            issuer: TokenIssuer::new("https://issuer.s3-latest.test/", "drill-1"),
        };
        for env in ["bootstrap", "bootstrap-region", "dev", "prod", "prod-dr"] {
            let dir = deployment.env_dir(env);
            if std::fs::remove_file(dir.join("checks.tf")).is_ok() {
                // checks.tf is the one user of hashicorp/http, which this
                // machine does not have (tests/terraform.rs loads both as shipped).
                let versions = std::fs::read_to_string(dir.join("versions.tf")).unwrap();
                let without = versions.replace(HTTP_PROVIDER, "");
                assert_ne!(
                    without, versions,
                    "{env}/versions.tf requires hashicorp/http as expected"
                );
                std::fs::write(dir.join("versions.tf"), without).unwrap();
            }
            let mut providers = deployment.provider_override("");
            if env == "prod-dr" {
                providers += &deployment.provider_override("standby");
            }
            std::fs::write(dir.join("providers_override.tf"), providers).unwrap();
            std::fs::write(dir.join("backend_override.tf"), deployment.backend_override()).unwrap();
        }
        deployment
    }

    fn env_dir(&self, env: &str) -> PathBuf {
        self.copy.path().join("env").join(env)
    }

    /// Aims a provider block (the default one, or `alias`) at moto. The
    /// credentials are the applying operator's, from the environment.
    fn provider_override(&self, alias: &str) -> String {
        let services = [
            "acm",
            "apigateway",
            "apigatewayv2",
            "cloudwatch",
            "cloudwatchlogs",
            "events",
            "iam",
            "kms",
            "lambda",
            "route53",
            "s3",
            "scheduler",
            "sns",
            "sqs",
            "ssm",
            "sts",
            "wafv2",
        ];
        let endpoints: String = services
            .iter()
            .map(|s| format!("    {s} = \"{}\"\n", self.endpoint))
            .collect();
        let alias = if alias.is_empty() {
            String::new()
        } else {
            format!("  alias = \"{alias}\"\n")
        };
        format!(
            "provider \"aws\" {{\n{alias}  s3_use_path_style = true\n  \
             skip_credentials_validation = true\n  skip_metadata_api_check = true\n  skip_region_validation = true\n  \
             endpoints {{\n{endpoints}  }}\n}}\n"
        )
    }

    /// Merges into the shipped `backend "s3"`: the script still passes the
    /// bucket, key, region and kms_key_id an operator would.
    fn backend_override(&self) -> String {
        format!(
            "terraform {{\n  backend \"s3\" {{\n    use_lockfile = true\n    encrypt = true\n    \
             use_path_style = true\n    \
             skip_credentials_validation = true\n    skip_metadata_api_check = true\n    \
             skip_region_validation = true\n    skip_requesting_account_id = true\n    \
             endpoints = {{\n      s3 = \"{0}\"\n      sts = \"{0}\"\n    }}\n  }}\n}}\n",
            self.endpoint
        )
    }

    /// Runs `scripts/<script>.sh <env>` as an operator would, with
    /// `TF_VAR_<name>=<value>` for each of `vars`.
    /// Destroying scripts are confirmed with the environment's name, as an
    /// operator would type it.
    fn script(&self, script: &str, env: &str, vars: &[(&str, &str)]) -> Output {
        self.script_as(&self.operators.ci, script, env, vars)
    }

    fn script_as(&self, operator: &Operator, script: &str, env: &str, vars: &[(&str, &str)]) -> Output {
        let mut command = Command::new(root().join("scripts").join(format!("{script}.sh")));
        for (name, value) in vars {
            command.env(format!("TF_VAR_{name}"), value);
        }
        command.env("CONFIRM_DESTROY", env);
        operator
            .signs(self.with_inputs(command.arg(env)))
            .output()
            .expect("run script")
    }

    /// `scripts/deploy.sh bootstrap-region REGION`: API Gateway's logging
    /// role set in one more region.
    fn apply_region(&self, region: &str) {
        let mut command = Command::new(root().join("scripts/deploy.sh"));
        let output = self
            .with_inputs(command.args(["bootstrap-region", region]))
            .output()
            .expect("run script");
        assert!(
            output.status.success(),
            "deploy.sh bootstrap-region {region}:\n{}",
            text(&output)
        );
    }

    /// A script run with no terminal and no confirmation.
    fn script_unconfirmed(&self, script: &str, env: &str) -> Output {
        let mut command = Command::new(root().join("scripts").join(format!("{script}.sh")));
        self.with_inputs(
            command
                .arg(env)
                .env_remove("CONFIRM_DESTROY")
                .stdin(std::process::Stdio::null()),
        )
        .output()
        .expect("run script")
    }

    /// `terraform <args>` in the copy of `env`, initialised by a script before.
    fn terraform(&self, env: &str, args: &[&str]) -> Output {
        self.terraform_as(&self.operators.ci, env, args)
    }

    fn terraform_as(&self, operator: &Operator, env: &str, args: &[&str]) -> Output {
        let mut command = Command::new("terraform");
        command
            .arg(format!("-chdir={}", self.env_dir(env).display()))
            .args(args);
        operator
            .signs(self.with_inputs(&mut command))
            .output()
            .expect("run terraform")
    }

    fn with_inputs<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("S3_LATEST_ROOT", self.copy.path())
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_VAR_key_administrators", self.operators.key_administrators())
            .env("TF_VAR_ingest_zip_path", zip_path("ingest"))
            .env("TF_VAR_retrieve_zip_path", zip_path("retrieve"))
            .env("TF_VAR_authorizer_zip_path", zip_path("authorizer"))
            .env("TF_VAR_jwt_issuer", &self.issuer.issuer)
            .env("TF_VAR_jwt_audiences", format!("[\"{JWT_AUDIENCE}\"]"))
            .env("TF_VAR_jwt_jwks", self.issuer.jwks());
        if Path::new("/opt/tf-plugins").is_dir() {
            command.env("TF_PLUGIN_DIR", "/opt/tf-plugins");
        }
        self.operators.ci.signs(command)
    }

    fn apply(&self, env: &str) {
        self.apply_with(env, &[]);
    }

    fn apply_with(&self, env: &str, vars: &[(&str, &str)]) {
        let output = self.script("deploy", env, vars);
        assert!(output.status.success(), "deploy.sh {env} failed:\n{}", text(&output));
        let log = text(&output);
        assert!(
            log.contains("Success! The configuration is valid."),
            "{env}: validate ran"
        );
        assert!(log.contains("Apply complete!"), "{env}: apply ran");
    }

    fn destroy(&self, env: &str) -> Output {
        self.destroy_with(env, &[])
    }

    /// Destroys with the variables the deployment was applied with.
    fn destroy_with(&self, env: &str, vars: &[(&str, &str)]) -> Output {
        self.script("destroy", env, vars)
    }

    /// The AWS SDK side of the test (tests/deploy/aws.py).
    fn aws(&self, args: &[&str]) -> Output {
        self.aws_in(REGION, args)
    }

    fn aws_in(&self, region: &str, args: &[&str]) -> Output {
        aws_at(&self.endpoint, region, self.admin.as_ref(), args)
    }

    /// The deployment as the AWS SDK sees it.
    fn read_back(&self, name: &str) -> Value {
        self.read_back_in(REGION, name)
    }

    fn read_back_in(&self, region: &str, name: &str) -> Value {
        serde_json::from_slice(&self.aws_in(region, &["readback", name]).stdout).expect("readback JSON")
    }
}

/// tests/deploy/aws.py against moto at `endpoint`, signed by `caller`
/// (moto's "testing" keys when `None`).
fn aws_at(endpoint: &str, region: &str, caller: Option<&Operator>, args: &[&str]) -> Output {
    let python = test_support::repo::venv_program("python");
    let mut command = Command::new(python);
    command
        .arg(root().join("tests/deploy/aws.py"))
        .args([endpoint, region])
        .args(args)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    if let Some(caller) = caller {
        caller.signs(&mut command);
    }
    let output = command.output().expect("aws.py");
    assert!(output.status.success(), "aws.py {args:?}:\n{}", text(&output));
    output
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("spawn");
    assert!(output.status.success(), "{command:?}:\n{}", text(&output));
    output
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn zip_path(function: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("lambda").join(function).join("bootstrap.zip")
}

/// The `bootstrap` executable out of the shipped zip: what Lambda would run.
fn extract_bootstrap(function: &str, into: &Path) -> PathBuf {
    let file = std::fs::File::open(zip_path(function)).expect("zip (scripts/package.sh builds it)");
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut bytes = Vec::new();
    archive.by_name("bootstrap").unwrap().read_to_end(&mut bytes).unwrap();
    let path = into.join(function);
    std::fs::write(&path, bytes).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

async fn s3() -> aws_sdk_s3::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(&moto().endpoint)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

fn one_or_many(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

fn statement<'a>(policy: &'a Value, sid: &str) -> &'a Value {
    policy["Statement"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["Sid"] == sid))
        .unwrap_or_else(|| panic!("no statement {sid} in {policy}"))
}

/// Public access blocked, versioned, SSE-KMS with a Bucket Key, TLS-only.
fn assert_protected_bucket(bucket: &Value, kms_key: &str) {
    let name = bucket["name"].as_str().unwrap();
    for flag in [
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(bucket["public_access_block"][flag], true, "{name}: {flag}");
    }
    assert_eq!(bucket["versioning"], "Enabled", "{name}");
    assert_eq!(bucket["sse_algorithm"], "aws:kms", "{name}");
    assert_eq!(bucket["sse_kms_key"], kms_key, "{name}");
    assert_eq!(bucket["bucket_key"], true, "{name}");
    let tls = statement(&bucket["policy"], "DenyInsecureTransport");
    assert_eq!(tls["Effect"], "Deny");
    assert_eq!(tls["Action"], "s3:*");
    assert_eq!(tls["Condition"]["Bool"]["aws:SecureTransport"], "false");
}

/// The bucket policy as S3 would enforce it (moto does not evaluate these
/// conditions, so the statements are read back): another key or another
/// encryption is refused only when an upload names one (UploadPart names
/// none), a snapshot write must be create-only, a pointer write must be
/// conditional, and only `writer` (ingest's role) may write under the
/// prefix, the pointer or the receipts; with no writer (a standby), nobody.
fn assert_bucket_policy_enforces_writes(policy: &Value, kms_key: &str, writer: Option<&str>) {
    for sid in ["DenySnapshotWritesByOthers", "DenyPointerAndReceiptWritesByOthers"] {
        let others = statement(policy, sid);
        assert_eq!(others["Effect"], "Deny", "{others}");
        assert_eq!(others["Action"], "s3:PutObject", "{others}");
        assert_eq!(others["Principal"], "*", "{others}");
        match writer {
            Some(arn) => assert_eq!(others["Condition"]["ArnNotLike"]["aws:PrincipalArn"], arn, "{others}"),
            None => assert!(others.get("Condition").is_none(), "no writer, no exception: {others}"),
        }
    }
    let receipts = one_or_many(&statement(policy, "DenyPointerAndReceiptWritesByOthers")["Resource"]);
    assert!(
        receipts.iter().any(|r| r.ends_with("/snapshots.newest")),
        "{receipts:?}"
    );
    assert!(
        receipts.iter().any(|r| r.ends_with("/snapshots.announced/*")),
        "{receipts:?}"
    );
    let other_key = statement(policy, "DenyUploadsNamingAnotherKey");
    assert_eq!(other_key["Effect"], "Deny");
    assert_eq!(other_key["Action"], "s3:PutObject");
    assert_eq!(
        other_key["Condition"]["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"],
        kms_key
    );
    let other_encryption = statement(policy, "DenyUploadsNamingAnotherEncryption");
    assert_eq!(
        other_encryption["Condition"]["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption"],
        "aws:kms"
    );
    let snapshots = statement(policy, "DenySnapshotWritesThatCouldOverwrite");
    assert_eq!(snapshots["Effect"], "Deny");
    assert_eq!(snapshots["Action"], "s3:PutObject");
    assert!(
        snapshots["Resource"].as_str().unwrap().ends_with("/snapshots/*"),
        "{snapshots}"
    );
    assert_eq!(snapshots["Condition"]["StringNotEquals"]["s3:if-none-match"], "*");
    // Multipart restores: only the request that creates the object must be conditional.
    assert_eq!(
        snapshots["Condition"]["BoolIfExists"]["s3:ObjectCreationOperation"],
        "true"
    );
    let pointer = statement(policy, "DenyPointerWritesWithoutACondition");
    assert!(
        pointer["Resource"].as_str().unwrap().ends_with("/snapshots.newest"),
        "{pointer}"
    );
    assert_eq!(pointer["Condition"]["Null"]["s3:if-none-match"], "true");
    assert_eq!(pointer["Condition"]["Null"]["s3:if-match"], "true");
}

/// The tag key (ingest's trigger tags): an HMAC key whose policy lets
/// ingest's role, and nobody else, compute tags, and only HMAC-SHA-256 ones;
/// administered like the data key. (moto evaluates no key policy: read back.)
fn assert_trigger_key(facts: &Value) {
    let key = &facts["trigger_key"];
    assert_eq!(key["KeySpec"], "HMAC_256", "{key}");
    assert_eq!(key["KeyUsage"], "GENERATE_VERIFY_MAC", "{key}");
    let policy = &facts["trigger_key_policy"];
    let tags = statement(policy, "IngestTagsItsTriggers");
    assert_eq!(tags["Action"], "kms:GenerateMac", "{tags}");
    assert_eq!(tags["Principal"]["AWS"], facts["roles"]["ingest"]["arn"], "{tags}");
    assert_eq!(
        tags["Condition"]["StringEquals"]["kms:MacAlgorithm"], "HMAC_SHA_256",
        "{tags}"
    );
    for statement in policy["Statement"].as_array().unwrap() {
        if statement["Sid"] != "IngestTagsItsTriggers" {
            let actions = one_or_many(&statement["Action"]);
            assert!(
                !actions
                    .iter()
                    .any(|a| a.contains("Mac") || a.contains('*') || a == "kms:CreateGrant"),
                "only ingest tags, and no one may delegate: {statement}"
            );
        }
    }
    assert_eq!(
        statement(policy, "KeyAdministration")["Principal"],
        statement(&facts["key_policy"], "KeyAdministration")["Principal"],
        "the data key's administrators"
    );
}

/// The account root may only read the key's configuration (it delegates to
/// every IAM principal); administration, replication included, is the named
/// administrators', who may create grants only for AWS services and may not
/// decrypt.
fn assert_key_administration(key_policy: &Value, administrators: &str) {
    let root = statement(key_policy, "AccountReadsTheKeyConfiguration");
    for action in one_or_many(&root["Action"]) {
        assert!(
            ["kms:Describe", "kms:Get", "kms:List"]
                .iter()
                .any(|p| action.starts_with(p)),
            "the root may only read: {action}"
        );
    }
    let admin = statement(key_policy, "KeyAdministration");
    let actions = one_or_many(&admin["Action"]);
    for action in ["kms:ReplicateKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"] {
        assert!(actions.contains(&action.to_owned()), "administrators lack {action}");
    }
    for action in &actions {
        assert!(!action.contains('*'), "no wildcard in administration: {action}");
        assert!(
            !["kms:Decrypt", "kms:CreateGrant", "kms:Encrypt"].contains(&action.as_str()),
            "administrators must not get {action} unconditionally"
        );
    }
    let mut admins = one_or_many(&admin["Principal"]["AWS"]);
    admins.sort();
    // Exactly the list, whoever applied: no applier is added to it.
    let mut listed: Vec<String> = serde_json::from_str(administrators).unwrap();
    listed.sort();
    assert_eq!(admins, listed, "key administrators");
    let grants = statement(key_policy, "KeyAdministratorsGrantOnlyToAwsServices");
    assert_eq!(grants["Action"], "kms:CreateGrant");
    assert_eq!(grants["Condition"]["Bool"]["kms:GrantIsForAWSResource"], "true");
    let mut granting = one_or_many(&grants["Principal"]["AWS"]);
    granting.sort();
    assert_eq!(granting, admins);
}

/// Every log group of the deployment, API Gateway's execution log group
/// included (which API Gateway would otherwise create unencrypted and never
/// expiring), is encrypted with the key and expires; CloudWatch Logs may use
/// the key for exactly those groups.
fn assert_logs_encrypted(facts: &Value, name: &str, env: &str) {
    let key = facts["key"]["Arn"].as_str().unwrap();
    let groups = facts["log_groups"].as_object().unwrap();
    let api_id = facts["api"]["id"].as_str().unwrap();
    let execution = format!("API-Gateway-Execution-Logs_{api_id}/{env}");
    if facts["api"]["kind"] == "rest" {
        assert!(groups.contains_key(&execution), "{name}: {groups:?}");
    }
    let logs = statement(&facts["key_policy"], "CloudWatchLogsEncryptsThisDeploymentsLogGroups");
    let allowed = one_or_many(&logs["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"]);
    for (group, facts) in groups {
        assert_eq!(facts["kms_key"], key, "{group}");
        assert!(facts["retention"].as_u64().is_some(), "{group} expires");
        assert!(
            allowed.iter().any(|arn| arn.ends_with(&format!(":log-group:{group}"))),
            "{group} not in the key policy: {allowed:?}"
        );
    }
    for arn in &allowed {
        assert!(!arn.contains('*'), "exact names only: {arn}");
    }
}

/// The variables each deployed function is given are exactly those its code
/// reads (less those Lambda or S3-compatible stores supply).
fn assert_environment(function: &str, deployed: &Value, reads: &[&str]) {
    let given: BTreeSet<&str> = deployed.as_object().unwrap().keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = reads
        .iter()
        .copied()
        .filter(|v| !NOT_SET_BY_DEPLOYMENT.contains(v))
        .collect();
    assert_eq!(
        given, expected,
        "{function}: deployed environment vs what the code reads"
    );
}

/// The API: one stage, GET and HEAD on both paths (only /health without
/// the API key), each proxied to retrieve, and invoke permissions scoped to
/// that stage, method and path.
fn assert_api(facts: &Value, name: &str, env: &str, region: &str) {
    let api = &facts["api"];
    assert_eq!(api["kind"], "rest");
    assert_eq!(api["stages"], json!([env]));
    // dev's tfvars allow a browser origin: OPTIONS carries preflights, with
    // no key or signature, to the function (which answers them).
    let cors = env == "dev";
    let snapshot_methods = if cors {
        json!(["GET", "HEAD", "OPTIONS"])
    } else {
        json!(["GET", "HEAD"])
    };
    assert_eq!(api["methods"]["/retrieve_most_recent_object"], snapshot_methods);
    if cors {
        assert_eq!(api["api_key_required"]["OPTIONS /retrieve_most_recent_object"], false);
        assert_eq!(api["authorization"]["OPTIONS /retrieve_most_recent_object"], "NONE");
        assert_eq!(
            api["integrations"]["OPTIONS /retrieve_most_recent_object"]["type"],
            "AWS_PROXY"
        );
        let retrieve_env = &facts["functions"]["retrieve"]["environment"];
        assert_eq!(retrieve_env["CORS_ALLOWED_ORIGINS"], "https://app.example.com");
    }
    assert_eq!(api["methods"]["/health"], json!(["GET", "HEAD"]));
    assert_eq!(
        api["methods"]["/retrieve_most_recent_object/json"],
        json!(["GET", "HEAD"])
    );
    let retrieve_arn = format!("arn:aws:lambda:{region}:123456789012:function:{name}-retrieve");
    for method in ["GET", "HEAD"] {
        for path in [
            "/retrieve_most_recent_object",
            "/retrieve_most_recent_object/json",
            "/health",
        ] {
            let integration = &api["integrations"][format!("{method} {path}")];
            assert_eq!(integration["type"], "AWS_PROXY", "{method} {path}");
            assert!(
                integration["uri"].as_str().unwrap_or_default().contains(&retrieve_arn),
                "{method} {path} proxies to retrieve: {integration}"
            );
        }
        // prod authorizes with IAM (an API key identifies, it does not
        // authorize), prod-dr with the issuer's bearer tokens (a SigV4
        // signature names one region), dev with the API key and its usage plan.
        let route = format!("{method} /retrieve_most_recent_object");
        let expected = match env {
            "prod" => "AWS_IAM",
            "prod-dr" => "CUSTOM",
            _ => "NONE",
        };
        assert_eq!(api["api_key_required"][&route], env == "dev", "{env} {route}");
        assert_eq!(api["authorization"][&route], expected, "{env} {route}");
        // The JSON view's own route is authorized exactly as the snapshot is.
        let json_route = format!("{method} /retrieve_most_recent_object/json");
        for check in ["api_key_required", "authorization", "authorizer_ids"] {
            assert_eq!(
                api[check][&json_route], api[check][&route],
                "{env} {json_route} {check}"
            );
        }
        assert_eq!(
            api["api_key_required"][format!("{method} /health")],
            false,
            "Route 53 sends no API key"
        );
        assert_eq!(
            api["authorization"][format!("{method} /health")],
            "NONE",
            "Route 53 does not sign"
        );
    }
    // API Gateway's own answers come in the handler's error shape, with
    // the request id.
    for (response_type, status, code) in [
        ("MISSING_AUTHENTICATION_TOKEN", Some("404"), "NotFound"),
        ("INVALID_API_KEY", Some("403"), "Forbidden"),
        ("UNAUTHORIZED", Some("401"), "Unauthorized"),
        ("ACCESS_DENIED", Some("403"), "Forbidden"),
        ("THROTTLED", Some("429"), "TooManyRequests"),
        ("QUOTA_EXCEEDED", Some("429"), "QuotaExceeded"),
        ("INTEGRATION_TIMEOUT", Some("504"), "GatewayTimeout"),
        ("DEFAULT_4XX", None, "BadRequest"),
        ("DEFAULT_5XX", None, "GatewayError"),
    ] {
        let response = &api["gateway_responses"][response_type];
        assert_eq!(response["status"].as_str(), status, "{response_type}: {response}");
        let template: Value = serde_json::from_str(response["template"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{response_type}: {e}: {response}"));
        assert_eq!(template["error"]["code"], code, "{response_type}");
        assert_eq!(template["error"]["request_id"], "$context.requestId", "{response_type}");
        assert!(template["error"]["message"].is_string(), "{response_type}");
    }
    assert_invoke_permissions(facts, env, region);
    if env == "prod-dr" {
        authorization::assert_token_authorizer(facts, name, env, region);
    }
}

/// The function may be invoked by API Gateway only for this API's stage,
/// and each method and path it serves.
fn assert_invoke_permissions(facts: &Value, env: &str, region: &str) {
    let api = &facts["api"];
    let permissions = facts["functions"]["retrieve"]["policy"]["Statement"]
        .as_array()
        .unwrap();
    let mut source_arns: Vec<String> = permissions
        .iter()
        .map(|s| s["Condition"]["ArnLike"]["AWS:SourceArn"].as_str().unwrap().to_owned())
        .collect();
    source_arns.sort();
    let api_id = api["id"].as_str().unwrap();
    let prefix = format!("arn:aws:execute-api:{region}:123456789012:{api_id}/{env}");
    let mut expected = vec![
        format!("{prefix}/GET/health"),
        format!("{prefix}/GET/retrieve_most_recent_object"),
        format!("{prefix}/GET/retrieve_most_recent_object/json"),
        format!("{prefix}/HEAD/health"),
        format!("{prefix}/HEAD/retrieve_most_recent_object"),
        format!("{prefix}/HEAD/retrieve_most_recent_object/json"),
    ];
    // A REST API with CORS (dev) also sends preflights to the function.
    if api["kind"] == "rest" && env == "dev" {
        expected.push(format!("{prefix}/OPTIONS/retrieve_most_recent_object"));
    }
    expected.sort();
    assert_eq!(source_arns, expected);
}

/// `api_type = "http"` on a deployed environment: the REST API is replaced
/// by an HTTP API with the same routes, each proxied to retrieve with the
/// 2.0 payload (the format the runtime-API test serves), the snapshot routes
/// behind IAM and /health public, the stage throttled and logged, and the
/// invoke permissions moved to the new API.
fn assert_http_api(d: &Deployment, name: &str, env: &str) {
    let facts = d.read_back(name);
    let api = &facts["api"];
    assert_eq!(api["kind"], "http", "{api}");
    assert_eq!(api["protocol"], "HTTP");
    assert!(
        !facts["leftovers"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("api {name}"))),
        "the REST API is gone: {}",
        facts["leftovers"]
    );
    assert_eq!(api["stages"], json!([env]));
    assert_eq!(api["methods"]["/retrieve_most_recent_object"], json!(["GET", "HEAD"]));
    assert_eq!(
        api["methods"]["/retrieve_most_recent_object/json"],
        json!(["GET", "HEAD"])
    );
    assert_eq!(api["methods"]["/health"], json!(["GET", "HEAD"]));
    // dev's tfvars allow one browser origin: the HTTP API answers preflights.
    let cors = &api["cors"];
    assert_eq!(cors["AllowOrigins"], json!(["https://app.example.com"]), "{api}");
    let mut methods: Vec<String> = serde_json::from_value(cors["AllowMethods"].clone()).unwrap_or_default();
    methods.sort();
    assert_eq!(methods, ["GET", "HEAD"], "{cors}");
    let retrieve_arn = format!("arn:aws:lambda:{REGION}:123456789012:function:{name}-retrieve");
    for method in ["GET", "HEAD"] {
        for (path, authorization) in [
            ("/retrieve_most_recent_object", "AWS_IAM"),
            ("/retrieve_most_recent_object/json", "AWS_IAM"),
            ("/health", "NONE"),
        ] {
            let route = format!("{method} {path}");
            let integration = &api["integrations"][&route];
            assert_eq!(integration["type"], "AWS_PROXY", "{route}");
            assert_eq!(integration["payload_format_version"], "2.0", "{route}");
            assert!(
                integration["uri"].as_str().unwrap_or_default().contains(&retrieve_arn),
                "{route} proxies to retrieve: {integration}"
            );
            assert_eq!(api["authorization"][&route], authorization, "{route}");
        }
    }
    assert_eq!(api["throttling"][env], json!({"rate": 50.0, "burst": 100}));
    let access_log = api["access_logs"][env].as_str().unwrap_or_default();
    assert!(
        access_log.contains(&format!("API-Gateway-Access-Logs_{name}-http/{env}")),
        "access log: {access_log}"
    );
    assert_invoke_permissions(&facts, env, REGION);
}

/// `stream_url_enabled`: a second retrieve in stream mode, sized for the
/// 200 MB default (memory for the snapshot once, a timeout for 194 MB at
/// Lambda's 2 MB/s plus 20 s), behind an IAM-signed function URL that
/// streams, running with retrieve's role (which may write its log group) and
/// alarmed like the other functions.
fn assert_stream_function(facts: &Value, name: &str) {
    let stream = &facts["functions"]["retrieve-stream"];
    assert_environment("retrieve-stream", &stream["environment"], RETRIEVE_VARIABLES);
    let environment = &stream["environment"];
    assert_eq!(environment["RESPONSE_MODE"], "stream", "{environment}");
    assert_eq!(environment["RESPONSE_MAX_BYTES"], "200000000", "{environment}");
    assert_eq!(environment["FUNCTION_TIMEOUT_SECONDS"], "117", "{environment}");
    assert_eq!(stream["timeout"], 117);
    assert_eq!(stream["memory"], 303);
    // ingest takes what the stream can serve: the body and its ciphertext.
    let ingest = &facts["functions"]["ingest"];
    assert_eq!(ingest["environment"]["SOURCE_MAX_BYTES"], "200000000", "{ingest}");
    assert_eq!(ingest["memory"], 494, "{ingest}");
    assert_eq!(stream["role"], facts["functions"]["retrieve"]["role"]);
    assert_eq!(stream["url"]["auth"], "AWS_IAM", "{stream}");
    assert_eq!(stream["url"]["invoke_mode"], "RESPONSE_STREAM", "{stream}");
    let logs = statement(
        &json!({"Statement": facts["roles"]["retrieve"]["statements"]}),
        "OwnLogGroupOnly",
    )
    .clone();
    let stream_log_group = format!("arn:aws:logs:{REGION}:123456789012:log-group:/aws/lambda/{name}-retrieve-stream:*");
    assert!(one_or_many(&logs["Resource"]).contains(&stream_log_group), "{logs}");
    for alarm in ["errors", "throttles"] {
        let alarm = json!(format!("{name}-retrieve-stream-{alarm}"));
        assert!(facts["alarms"].as_array().unwrap().contains(&alarm), "{alarm}");
    }
}

/// Every alarm of every deployment in `region` can publish to its topic: a
/// topic encrypted with a key whose policy does not let CloudWatch use it
/// for that alarm's ARN loses every notification, silently (the apply
/// succeeds; moto evaluates no key policy, so aws.py matches it as AWS would).
fn assert_alarms_reach_their_topics(d: &Deployment, region: &str) {
    let problems: Vec<String> =
        serde_json::from_slice(&d.aws_in(region, &["unreachable-alarms", "s3-latest"]).stdout).unwrap();
    assert!(
        problems.is_empty(),
        "alarms that could never notify:\n{}",
        problems.join("\n")
    );
}

/// Reads `name`'s deployment back and checks what was meant; returns the facts.
fn assert_deployed(d: &Deployment, name: &str, env: &str) -> Value {
    let facts = d.read_back(name);
    assert_alarms_reach_their_topics(d, REGION);
    let kms_key = facts["functions"]["ingest"]["environment"]["KMS_KEY_ID"]
        .as_str()
        .expect("KMS_KEY_ID")
        .to_owned();
    let bucket = &facts["bucket"];
    assert_protected_bucket(bucket, &kms_key);
    let ingest_role = facts["roles"]["ingest"]["arn"].as_str().expect("ingest's role ARN");
    assert_bucket_policy_enforces_writes(&bucket["policy"], &kms_key, Some(ingest_role));

    assert_environment("ingest", &facts["functions"]["ingest"]["environment"], INGEST_VARIABLES);
    assert_environment(
        "retrieve",
        &facts["functions"]["retrieve"]["environment"],
        RETRIEVE_VARIABLES,
    );
    for function in ["ingest", "retrieve"] {
        assert_eq!(
            facts["functions"][function]["reserved_concurrency"],
            Value::Null,
            "{name}: reserved concurrency is opt-in"
        );
    }
    assert_eq!(
        facts["functions"]["retrieve"]["environment"]["RESPONSE_MODE"],
        "buffered"
    );
    // dev's tfvars turn the streaming function URL on; prod's leave it off.
    if env == "dev" {
        assert_stream_function(&facts, name);
    } else {
        assert_eq!(facts["functions"]["retrieve-stream"], Value::Null, "{name}: opt-in");
    }

    assert_api(&facts, name, env, REGION);
    for (alarm, watches) in [
        ("pointer-refused", "refused pointers"),
        ("unauthentic-object", "objects that fail authentication"),
    ] {
        assert!(
            facts["alarms"]
                .as_array()
                .unwrap()
                .contains(&json!(format!("{name}-{alarm}"))),
            "{name}: an alarm watches {watches}"
        );
    }
    if env == "prod" {
        // What a signing caller is given: Invoke on the snapshot route's
        // GET and HEAD of this API and stage, nothing else.
        let output = d.terraform(env, &["output", "-raw", "rest_invoke_policy_json"]);
        let policy: Value = serde_json::from_slice(&output.stdout).expect("rest_invoke_policy_json");
        let api_id = facts["api"]["id"].as_str().unwrap();
        let mut expected: Vec<String> = ["GET", "HEAD"]
            .iter()
            .flat_map(|m| {
                ["", "/json"].map(|view| {
                    format!(
                        "arn:aws:execute-api:{REGION}:123456789012:{api_id}/prod/{m}/retrieve_most_recent_object{view}"
                    )
                })
            })
            .collect();
        expected.sort();
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Action"], "execute-api:Invoke", "{policy}");
        let mut resources: Vec<String> = serde_json::from_value(statement["Resource"].clone()).unwrap();
        resources.sort();
        assert_eq!(resources, expected, "{policy}");
    }

    // Least privilege as deployed: each role has what its code calls and not
    // what the other function needs, every resource scoped (X-Ray aside),
    // and no managed policies.
    for (function, needed, forbidden) in [
        (
            "ingest",
            INGEST_IAM_ACTIONS,
            ["kms:Decrypt", "s3:DeleteObject", "kms:CreateGrant"],
        ),
        (
            "retrieve",
            RETRIEVE_IAM_ACTIONS,
            ["kms:GenerateDataKey", "s3:PutObject", "events:PutEvents"],
        ),
    ] {
        let role = &facts["roles"][function];
        assert_eq!(role["attached"], json!([]), "{function}: no managed policies");
        let granted: BTreeSet<String> = role["statements"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| one_or_many(&s["Action"]))
            .collect();
        for action in needed {
            assert!(granted.contains(*action), "{function} lacks {action}: {granted:?}");
        }
        for action in forbidden {
            assert!(!granted.contains(action), "{function} must not have {action}");
        }
        for statement in role["statements"].as_array().unwrap() {
            let xray = one_or_many(&statement["Action"]).iter().all(|a| a.starts_with("xray:"));
            assert!(
                xray || !one_or_many(&statement["Resource"]).contains(&"*".to_owned()),
                "{function}: unscoped {statement}"
            );
        }
    }

    // The pointer beside the prefix, never under it: ingest reads and moves
    // it, retrieve only reads it.
    let bucket_name = facts["functions"]["retrieve"]["environment"]["BUCKET_NAME"]
        .as_str()
        .unwrap();
    let pointer_arn = format!("arn:aws:s3:::{bucket_name}/snapshots.newest");
    for (function, sid, actions) in [
        ("ingest", "ReadAndMoveThePointer", vec!["s3:GetObject", "s3:PutObject"]),
        ("retrieve", "ReadThePointer", vec!["s3:GetObject"]),
    ] {
        let grant = statement(&json!({"Statement": facts["roles"][function]["statements"]}), sid).clone();
        assert_eq!(
            one_or_many(&grant["Resource"]),
            vec![pointer_arn.clone()],
            "{function}: {grant}"
        );
        let mut granted = one_or_many(&grant["Action"]);
        granted.sort();
        assert_eq!(granted, actions, "{function}: {grant}");
    }

    // The key: each function only for this store's context, and the
    // permissions EventBridge documents for an encrypted bus.
    let store_id = facts["functions"]["ingest"]["environment"]["STORE_ID"].clone();
    for sid in [
        "IngestWrapsDataKeysForThisStoreOnly",
        "RetrieveUnwrapsDataKeysForThisStoreOnly",
    ] {
        let bound = statement(&facts["key_policy"], sid);
        assert_eq!(
            bound["Condition"]["StringEquals"]["kms:EncryptionContext:s3-latest:store"], store_id,
            "{sid}"
        );
    }
    assert_key_administration(&facts["key_policy"], &d.operators.key_administrators());
    assert_trigger_key(&facts);
    assert_logs_encrypted(&facts, name, env);
    let events = one_or_many(&statement(&facts["key_policy"], "EventBridgeEncryptsThisDeploymentsBus")["Action"]);
    for action in ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"] {
        assert!(
            events.contains(&action.to_owned()),
            "EventBridge key statement lacks {action}"
        );
    }

    // The dead-letter queue takes the manual rule's failed deliveries, and only those.
    let dlq = &facts["dead_letter_queue"]["policy"];
    let statements = dlq["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{dlq}");
    assert_eq!(statements[0]["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(statements[0]["Action"], "sqs:SendMessage");
    assert_eq!(
        statements[0]["Condition"]["ArnEquals"]["aws:SourceArn"],
        facts["manual_rule_arn"]
    );
    assert_eq!(facts["schedule"]["state"], "ENABLED", "{}", facts["schedule"]);
    assert_eq!(facts["manual_rule_state"], "ENABLED");
    facts
}

/// What Scheduler sends: the deployed input template with its placeholders filled.
fn scheduler_payload(template: &str) -> Value {
    for placeholder in ["schedule-arn", "scheduled-time", "execution-id", "attempt-number"] {
        assert!(
            template.contains(&format!("<aws.scheduler.{placeholder}>")),
            "Scheduler substitutes only literal placeholders: {template}"
        );
    }
    let filled = template
        .replace(
            "<aws.scheduler.schedule-arn>",
            "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/s3-latest",
        )
        .replace("<aws.scheduler.scheduled-time>", "2026-11-22T05:00:00Z")
        .replace("<aws.scheduler.execution-id>", "d1c2b3a4-0000-4000-8000-000000000001")
        .replace("<aws.scheduler.attempt-number>", "1");
    serde_json::from_str(&filled).expect("the schedule input is JSON")
}

/// A function's deployed environment in `region`, aimed at moto.
fn deployed_env(facts: &Value, function: &str, region: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", moto().endpoint.as_str()),
        ("AWS_REGION", region),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("S3_FORCE_PATH_STYLE", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (name, value) in facts["functions"][function]["environment"].as_object().unwrap() {
        env.push((name.clone(), value.as_str().unwrap().to_owned()));
    }
    env
}

fn spawn(api: &RuntimeApi, binary: &Path, env: &[(String, String)]) -> tokio::process::Child {
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    api.spawn(binary, &env)
}

/// The released ingest and retrieve binaries, configured exactly as deployed:
/// the schedule's own payload makes ingest write a snapshot, and retrieve
/// serves it through an API Gateway REST proxy event.
async fn run_the_deployed_binaries(facts: &Value) -> String {
    let bin = tempfile::tempdir().unwrap();
    let ingest_api = RuntimeApi::start().await;
    let _ingest = spawn(
        &ingest_api,
        &extract_bootstrap("ingest", bin.path()),
        &deployed_env(facts, "ingest", REGION),
    );
    let payload = scheduler_payload(facts["schedule"]["input"].as_str().unwrap());
    let key = match ingest_api.invoke(payload).await {
        Outcome::Response(summary) => {
            assert_eq!(summary["outcome"], "written", "{summary}");
            assert_eq!(summary["trigger"]["kind"], "scheduler", "{summary}");
            assert_eq!(summary["event_published"], true, "{summary}");
            summary["key"].as_str().unwrap().to_owned()
        }
        other => panic!("ingest with the deployed configuration: {other:?}"),
    };
    // The restore procedure, on the snapshot just written: retrieve below
    // serves it only if it came back exactly as it was.
    let bucket = facts["bucket"]["name"].as_str().unwrap();
    restore::deleted_and_lost_snapshots_are_restored(&moto().endpoint, bucket, &key).await;

    let retrieve_api = RuntimeApi::start().await;
    let retrieve = extract_bootstrap("retrieve", bin.path());
    let _retrieve = spawn(&retrieve_api, &retrieve, &deployed_env(facts, "retrieve", REGION));
    let request: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("functions/s3-latest/tests/data/apigw_rest_proxy_request.json")).unwrap(),
    )
    .unwrap();
    match retrieve_api.invoke(request).await {
        Outcome::Response(response) => {
            assert_eq!(response["statusCode"], 200, "{response}");
            assert_eq!(
                response["multiValueHeaders"]["x-object-key"],
                json!([key]),
                "{response}"
            );
            let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
            assert_eq!(body["trigger"], "scheduler", "{body}");
        }
        other => panic!("retrieve with the deployed configuration: {other:?}"),
    }

    // The streaming retrieve, where deployed, answers a function URL's event
    // (the HTTP API 2.0 shape) as a stream: the prelude, then the snapshot.
    if facts["functions"]["retrieve-stream"].is_object() {
        let stream_api = RuntimeApi::start().await;
        let _stream = spawn(&stream_api, &retrieve, &deployed_env(facts, "retrieve-stream", REGION));
        let request: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("functions/s3-latest/tests/data/apigw_http_proxy_request.json"))
                .unwrap(),
        )
        .unwrap();
        match stream_api.invoke(request).await {
            Outcome::Streamed { prelude, body } => {
                assert_eq!(prelude["statusCode"], 200, "{prelude}");
                assert_eq!(prelude["headers"]["x-object-key"], key.as_str(), "{prelude}");
                let body: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(body["trigger"], "scheduler", "{body}");
            }
            other => panic!("the streaming retrieve with the deployed configuration: {other:?}"),
        }
    }
    key
}

async fn remove_bucket_policy(bucket: &str) {
    s3().await
        .delete_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .expect("delete bucket policy (moto workaround)");
}

/// Every object version and delete marker, as an operator empties prod.
async fn empty_bucket(bucket: &str) {
    let s3 = s3().await;
    let versions = s3.list_object_versions().bucket(bucket).send().await.unwrap();
    let mut all: Vec<(String, String)> = versions
        .versions()
        .iter()
        .map(|v| (v.key().unwrap().to_owned(), v.version_id().unwrap().to_owned()))
        .collect();
    all.extend(
        versions
            .delete_markers()
            .iter()
            .map(|m| (m.key().unwrap().to_owned(), m.version_id().unwrap().to_owned())),
    );
    for (key, version) in all {
        s3.delete_object()
            .bucket(bucket)
            .key(key)
            .version_id(version)
            .send()
            .await
            .unwrap();
    }
}

// Four workers: each lane blocks one while terraform runs, and the Runtime
// API and SDK calls of the other still need threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_environment_deploys_serves_and_is_destroyed() {
    let d = Deployment::new(&moto().endpoint);

    // bootstrap: the state bucket, protected like the snapshot buckets.
    d.apply("bootstrap");
    audit_policies(&d, "bootstrap");
    let bootstrap = d.read_back("bootstrap");
    let state_key = String::from_utf8(
        d.terraform("bootstrap", &["output", "-raw", "state_kms_key_arn"])
            .stdout,
    )
    .unwrap();
    // Its TLS-only policy stays on: tests/moto/server.py evaluates it as a
    // TLS client would meet it, so every state below is written through it.
    assert_protected_bucket(&bootstrap["bucket"], &state_key);

    // The bootstrap's own state moved into its bucket, and env/backend.hcl
    // says where, for every later init (a second operator's, CI's).
    let bootstrap_dir = d.env_dir("bootstrap");
    for local in ["terraform.tfstate", "local_backend_override.tf"] {
        assert!(!bootstrap_dir.join(local).exists(), "bootstrap left {local} behind");
    }
    let backend = std::fs::read_to_string(d.copy.path().join("env/backend.hcl")).expect("env/backend.hcl");
    assert!(
        backend.contains(bootstrap["bucket"]["name"].as_str().unwrap()) && backend.contains(state_key.as_str()),
        "{backend}"
    );
    let own_state = &bootstrap["state_objects"]["s3-latest/bootstrap.tfstate"];
    assert_eq!(
        own_state["sse_kms_key"],
        state_key.as_str(),
        "bootstrap state: {own_state}"
    );
    let listed = d.terraform("bootstrap", &["state", "list"]);
    assert!(
        text(&listed).contains("module.api_gateway_logging[0].aws_api_gateway_account.this"),
        "the remote state is the bootstrap's:\n{}",
        text(&listed)
    );

    let refused = d.destroy("bootstrap");
    assert!(!refused.status.success(), "bootstrap destroy must be refused");
    assert!(
        text(&refused).contains("prevent_destroy"),
        "refused for prevent_destroy:\n{}",
        text(&refused)
    );

    // Two lanes, as two operators would work: dev on its own, prod and then
    // prod-dr on the other. Most of an apply is the provider waiting out
    // AWS's propagation (a lifecycle configuration alone takes 55 s), so the
    // lanes overlap their waits. prod and prod-dr never run together: every
    // read-back finds resources by name prefix, and `s3-latest-prod` is a
    // prefix of `s3-latest-prod-dr-*`.
    let d = Arc::new(d);
    let dev = tokio::spawn({
        let (d, state_key) = (d.clone(), state_key.clone());
        async move {
            deploy_serve_and_destroy(&d, "dev", &state_key).await;
            a_plan_in_an_unprepared_region_names_the_fix(&d);
        }
    });
    let prod = tokio::spawn({
        let (d, state_key) = (d.clone(), state_key.clone());
        async move {
            deploy_serve_and_destroy(&d, "prod", &state_key).await;
            the_standby_region_serves_what_the_primary_wrote(&d).await;
        }
    });
    let (dev, prod) = tokio::join!(dev, prod);
    for lane in [dev, prod] {
        if let Err(failed) = lane {
            std::panic::resume_unwind(failed.into_panic());
        }
    }
}

/// dev or prod: applied, read back, served by the real binaries, and
/// destroyed (prod only after its data is released).
async fn deploy_serve_and_destroy(d: &Deployment, env: &str, state_key: &str) {
    let name = format!("s3-latest-{env}");
    d.apply(env);
    audit_policies(d, env);
    let facts = assert_deployed(d, &name, env);
    let bucket = facts["bucket"]["name"].as_str().unwrap().to_owned();

    // State lives in the bootstrap bucket under the bootstrap key.
    let state = d.read_back("bootstrap")["state_objects"][format!("s3-latest/{env}.tfstate")].clone();
    assert_eq!(state["sse"], "aws:kms", "{env} state: {state}");
    assert_eq!(state["sse_kms_key"], state_key, "{env} state: {state}");

    remove_bucket_policy(&bucket).await;
    let key = run_the_deployed_binaries(&facts).await;
    // A second version of the object, so destroy meets versions too.
    let s3 = s3().await;
    let (body, _) = {
        let got = s3.get_object().bucket(&bucket).key(&key).send().await.unwrap();
        (got.body.collect().await.unwrap().into_bytes(), ())
    };
    s3.put_object()
        .bucket(&bucket)
        .key(&key)
        .body(body.into())
        .send()
        .await
        .unwrap();

    let mut destroy_vars = vec![];
    if env == "dev" {
        a_second_administrator_changes_no_key_and_an_outsider_is_stopped(d, env);
        // What an HTTP API cannot do is refused before anything changes.
        let refused = d.terraform(
            env,
            &[
                "plan",
                "-input=false",
                "-no-color",
                "-var",
                "api_type=http",
                "-var",
                "waf_enabled=true",
            ],
        );
        let said = text(&refused).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(!refused.status.success(), "an HTTP API with WAF must not plan");
        assert!(said.contains("An HTTP API takes no WAF web ACL"), "{said}");

        // An operator switches a running deployment to the HTTP API, and
        // pauses ingest (docs/operations.md): nothing invokes it, nothing runs.
        destroy_vars.extend([("api_type", "http"), ("ingest_paused", "true")]);
        d.apply_with(env, &destroy_vars);
        assert_http_api(d, &name, env);
        let paused = d.read_back(&name);
        assert_eq!(paused["schedule"]["state"], "DISABLED", "{}", paused["schedule"]);
        assert_eq!(paused["manual_rule_state"], "DISABLED");
        assert_eq!(paused["functions"]["ingest"]["reserved_concurrency"], 0);
    }
    if env == "prod" {
        assert_destroy_keeps_the_data(d, env, &[(&name, &facts["bucket"]["policy"])]).await;
        retirement::retire_with_a_write_in_the_window(d, env, &[&name], true).await;
    } else {
        let destroyed = d.destroy_with(env, &destroy_vars);
        assert!(destroyed.status.success(), "destroy {env}:\n{}", text(&destroyed));
    }
    let after = d.read_back(&name);
    assert_eq!(after["leftovers"], json!([]), "{env}: destroy leaves nothing");
    let state = d.terraform(env, &["state", "list"]);
    assert!(state.status.success(), "{}", text(&state));
    assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "", "{env}: empty state");
}

/// The key administrators are a list, not "whoever applied last": the
/// second one plans no key change and applies cleanly; someone not on the
/// list is stopped before anything changes, and told what to do.
fn a_second_administrator_changes_no_key_and_an_outsider_is_stopped(d: &Deployment, env: &str) {
    let second = &d.operators.break_glass;
    let planned = d.terraform_as(
        second,
        env,
        &["plan", "-input=false", "-no-color", "-out=second.tfplan"],
    );
    assert!(planned.status.success(), "{}", text(&planned));
    let shown = d.terraform_as(second, env, &["show", "-json", "second.tfplan"]);
    std::fs::remove_file(d.env_dir(env).join("second.tfplan")).unwrap();
    let plan: Value = serde_json::from_slice(&shown.stdout).expect("plan JSON");
    assert_eq!(
        operators::key_policy_changes(&plan),
        Vec::<String>::new(),
        "a second key administrator's plan changes a key policy"
    );
    let applied = d.script_as(second, "deploy", env, &[]);
    assert!(
        applied.status.success(),
        "deploy.sh {env} as {}:\n{}",
        second.arn,
        text(&applied)
    );

    let outsider = &d.operators.outsider;
    let refused = d.terraform_as(outsider, env, &["plan", "-input=false", "-no-color"]);
    let said = text(&refused).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        !refused.status.success(),
        "a plan by someone not on key_administrators must stop"
    );
    assert!(
        said.contains(&format!(
            "You apply as {}, which is not in key_administrators",
            outsider.arn
        )) && said.contains("docs/operations.md"),
        "{said}"
    );
}

fn a_plan_in_an_unprepared_region_names_the_fix(d: &Deployment) {
    // In a region the bootstrap never set API Gateway's logging role in
    // (the role itself is account-wide and exists), a plan stops early and
    // says what to do, instead of failing mid-apply.
    let plan = d.terraform(
        "dev",
        &["plan", "-input=false", "-no-color", "-var", "region=ap-southeast-2"],
    );
    assert!(!plan.status.success(), "plan in an unprepared region must fail");
    assert!(
        text(&plan).contains("scripts/deploy.sh bootstrap-region <region>"),
        "the failure names the fix:\n{}",
        text(&plan)
    );
}

/// Plain `terraform destroy` of a kept environment holding snapshots is
/// refused before anything changes: the bucket, its key and every
/// protection are as they were. The script also refuses without the
/// environment's name. The bucket policies stay on for the retirement
/// that follows (retirement.rs).
async fn assert_destroy_keeps_the_data(d: &Deployment, env: &str, kept: &[(&str, &Value)]) {
    // The bucket policies go back on first (the test took them off for
    // object traffic: moto applies their conditional Deny statements to all).
    for (name, policy) in kept {
        let region = region_of(name);
        let bucket = d.read_back_in(region, name)["bucket"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        s3().await
            .put_bucket_policy()
            .bucket(bucket)
            .policy(policy.to_string())
            .send()
            .await
            .expect("put the bucket policy back");
    }
    let names: Vec<&str> = kept.iter().map(|(name, _)| *name).collect();
    let before: Vec<Value> = names.iter().map(|n| d.read_back_in(region_of(n), n)).collect();

    let unconfirmed = d.script_unconfirmed("destroy", env);
    assert!(!unconfirmed.status.success(), "destroy {env} without confirmation");
    assert!(text(&unconfirmed).contains("confirm"), "{}", text(&unconfirmed));

    let refused = d.destroy(env);
    assert!(!refused.status.success(), "{env} destroy with data must be refused");
    assert!(text(&refused).contains("prevent_destroy"), "{}", text(&refused));
    assert!(
        !text(&refused).contains("Destroying..."),
        "nothing destroyed:\n{}",
        text(&refused)
    );

    for (name, before) in names.iter().zip(&before) {
        let after = d.read_back_in(region_of(name), name);
        assert_eq!(
            after["leftovers"], before["leftovers"],
            "{name}: everything still there"
        );
        let key = before["key"]["Arn"].as_str().unwrap();
        assert_eq!(after["key"]["KeyState"], "Enabled", "{name}: {}", after["key"]);
        assert_eq!(after["key"]["Arn"], key);
        assert_eq!(after["key_policy"], before["key_policy"], "{name}: key policy");
        assert_eq!(
            after["bucket"]["policy"], before["bucket"]["policy"],
            "{name}: bucket policy"
        );
        assert!(after["bucket"]["policy"].is_object(), "{name}: a bucket policy");
        assert_eq!(after["bucket"]["versioning"], "Enabled", "{name}");
        assert_eq!(
            after["bucket"]["public_access_block"],
            before["bucket"]["public_access_block"]
        );
        assert_eq!(after["bucket"]["sse_kms_key"], key, "{name}");
        assert_eq!(after["bucket"]["bucket_key"], true, "{name}");
    }
}

/// The region a deployment name lives in (prod-dr's standby is elsewhere).
fn region_of(name: &str) -> &'static str {
    if name.ends_with("-standby") {
        STANDBY_REGION
    } else {
        REGION
    }
}

/// parliament over every policy document the applied environment renders
/// (role, trust, key, bucket, queue and API policies, from `terraform show
/// -json`): moto evaluates none of them, so a real auditor reads them.
/// Reviewed findings are suppressed, with reasons, in tests/policies/reviewed.json.
fn audit_policies(d: &Deployment, env: &str) {
    let shown = d.terraform(env, &["show", "-json"]);
    assert!(shown.status.success(), "{}", text(&shown));
    let state: Value = serde_json::from_slice(&shown.stdout).expect("terraform show -json");
    let mut policies = serde_json::Map::new();
    let mut seen = BTreeSet::new();
    collect_policies(&state["values"]["root_module"], env, &mut policies, &mut seen);
    assert!(policies.len() >= 3, "{env}: only {} policies found", policies.len());
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(&policies).unwrap()).unwrap();
    let audit = Command::new(test_support::repo::venv_program("python"))
        .arg(root().join("tests/policies/audit.py"))
        .arg(file.path())
        .output()
        .expect("run parliament");
    println!("{env}: {}", String::from_utf8_lossy(&audit.stdout).trim());
    assert!(audit.status.success(), "{env}: parliament findings:\n{}", text(&audit));
}

fn collect_policies(module: &Value, env: &str, out: &mut serde_json::Map<String, Value>, seen: &mut BTreeSet<String>) {
    for resource in module["resources"].as_array().into_iter().flatten() {
        if resource["mode"] != "managed" {
            continue;
        }
        for attribute in ["policy", "assume_role_policy"] {
            let Some(document) = resource["values"][attribute]
                .as_str()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .filter(|document| document.get("Statement").is_some())
            else {
                continue;
            };
            if seen.insert(document.to_string()) {
                let address = resource["address"].as_str().unwrap();
                out.insert(format!("{env} {address} {attribute}"), document);
            }
        }
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        collect_policies(child, env, out, seen);
    }
}

/// Whether a policy has a statement whose Sid is `sid`.
fn has_statement(policy: &Value, sid: &str) -> bool {
    policy["Statement"]
        .as_array()
        .is_some_and(|all| all.iter().any(|s| s["Sid"] == sid))
}

/// env/prod-dr: both regions, replication, the replica key, Route 53 and ACM
/// (on a hosted zone made for the test), the standby's retrieve serving a
/// snapshot the primary's ingest wrote, and destroy in both regions.
async fn the_standby_region_serves_what_the_primary_wrote(d: &Deployment) {
    const ENV: &str = "prod-dr";
    const PRIMARY: &str = "s3-latest-prod-dr-primary";
    const STANDBY: &str = "s3-latest-prod-dr-standby";
    const DOMAIN: &str = "snapshots.s3-latest.test";
    let zone = String::from_utf8(d.aws(&["create-zone", "s3-latest.test"]).stdout).unwrap();
    std::fs::write(
        d.env_dir(ENV).join("failover.auto.tfvars"),
        format!("domain_name    = \"{DOMAIN}\"\nhosted_zone_id = \"{}\"\n", zone.trim()),
    )
    .unwrap();
    // The standby region gets API Gateway's logging role from the per-region
    // bootstrap, never from this environment (whose destroy would reset it
    // with provider 6.x): the same account-wide role, and the marker plans read.
    d.apply_region(STANDBY_REGION);
    let account: Value =
        serde_json::from_slice(&d.aws_in(STANDBY_REGION, &["api-gateway-account", "-"]).stdout).unwrap();
    let role = account["cloudwatch_role_arn"].as_str().unwrap_or_default();
    assert!(role.ends_with(":role/s3-latest-api-gateway-cloudwatch"), "{account}");
    assert_eq!(
        account["markers"]["/s3-latest/api-gateway/cloudwatch-role-arn"], role,
        "{account}"
    );
    d.apply(ENV);
    audit_policies(d, ENV);

    // The primary is the whole service, checked as dev and prod are.
    let primary = assert_deployed(d, PRIMARY, ENV);
    let primary_bucket = primary["bucket"]["name"].as_str().unwrap().to_owned();
    let primary_key = primary["key"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(primary["key"]["MultiRegion"], true, "{}", primary["key"]);

    // The standby: retrieve only, under the key's replica, reading the primary's store.
    let standby = d.read_back_in(STANDBY_REGION, STANDBY);
    assert_alarms_reach_their_topics(d, STANDBY_REGION);
    assert_eq!(
        standby["functions"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["authorizer", "retrieve"],
        "no ingest in the standby"
    );
    assert!(standby["schedule"].is_null() && standby["dead_letter_queue"].is_null());
    let standby_env = &standby["functions"]["retrieve"]["environment"];
    assert_environment("retrieve", standby_env, RETRIEVE_VARIABLES);
    assert_eq!(standby_env["STORE_ID"], primary_bucket.as_str(), "one store identity");
    assert_eq!(
        primary["functions"]["retrieve"]["environment"]["STORE_ID"],
        primary_bucket.as_str()
    );
    let replica_key = standby_env["KMS_KEY_ID"].as_str().unwrap().to_owned();
    assert_eq!(standby["key"]["MultiRegion"], true);
    assert_eq!(
        standby["key"]["MultiRegionConfiguration"]["PrimaryKey"]["Arn"], primary_key,
        "the standby's key is the primary's replica"
    );
    assert_eq!(
        replica_key,
        primary_key.replace(REGION, STANDBY_REGION),
        "same key id, standby region"
    );
    assert_protected_bucket(&standby["bucket"], &replica_key);
    assert_bucket_policy_enforces_writes(&standby["bucket"]["policy"], &replica_key, None);
    assert_api(&standby, STANDBY, ENV, STANDBY_REGION);
    assert!(!has_statement(
        &standby["key_policy"],
        "IngestWrapsDataKeysForThisStoreOnly"
    ));
    let retrieve_bound = statement(&standby["key_policy"], "RetrieveUnwrapsDataKeysForThisStoreOnly");
    assert_eq!(
        retrieve_bound["Condition"]["StringEquals"]["kms:EncryptionContext:s3-latest:store"],
        primary_bucket.as_str()
    );

    // Replication: the snapshot prefix, RTC and metrics at 15 minutes, replicas
    // under the replica key, no delete markers; the role may not delete.
    let dr: Value = serde_json::from_slice(&d.aws(&["readback-dr", "s3-latest-prod-dr"]).stdout).unwrap();
    let rules = dr["replication"]["Rules"]
        .as_array()
        .expect("a replication configuration");
    assert_eq!(rules.len(), 1, "{rules:?}");
    let rule = &rules[0];
    assert_eq!(rule["Status"], "Enabled");
    assert_eq!(rule["Filter"]["Prefix"], "snapshots/");
    assert_eq!(rule["DeleteMarkerReplication"]["Status"], "Disabled");
    assert_eq!(
        rule["SourceSelectionCriteria"]["SseKmsEncryptedObjects"]["Status"],
        "Enabled"
    );
    let destination = &rule["Destination"];
    assert_eq!(
        destination["Bucket"],
        format!("arn:aws:s3:::{}", standby["bucket"]["name"].as_str().unwrap())
    );
    assert_eq!(
        destination["EncryptionConfiguration"]["ReplicaKmsKeyID"],
        replica_key.as_str()
    );
    assert_eq!(destination["ReplicationTime"]["Status"], "Enabled");
    assert_eq!(destination["ReplicationTime"]["Time"]["Minutes"], 15);
    assert_eq!(destination["Metrics"]["Status"], "Enabled");
    let replication_actions: BTreeSet<String> = dr["replication_role"]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| one_or_many(&s["Action"]))
        .collect();
    for action in [
        "s3:ReplicateObject",
        "s3:GetObjectVersionForReplication",
        "kms:Decrypt",
        "kms:Encrypt",
    ] {
        assert!(replication_actions.contains(action), "replication lacks {action}");
    }
    for action in ["s3:ReplicateDelete", "s3:DeleteObject", "s3:PutObject"] {
        assert!(
            !replication_actions.contains(action),
            "replication must not have {action}"
        );
    }
    let replication_role = format!(
        "arn:aws:iam::123456789012:role/{}",
        dr["replication_role"]["name"].as_str().unwrap()
    );
    for (facts, action) in [(&primary, "kms:Decrypt"), (&standby, "kms:Encrypt")] {
        let grant = statement(&facts["key_policy"], "ReplicationUsesTheKeyThroughS3ForThisBucket");
        assert_eq!(grant["Principal"]["AWS"], replication_role.as_str());
        assert!(one_or_many(&grant["Action"]).contains(&action.to_owned()), "{grant}");
    }

    // The replication configuration waits for both buckets' versioning and
    // lifecycle configuration: Terraform records those as its dependencies,
    // which order its creation after them and its destruction before them.
    let state = d.terraform(ENV, &["state", "pull"]);
    let state: Value = serde_json::from_slice(&state.stdout).expect("state JSON");
    let replication = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_s3_bucket_replication_configuration")
        .expect("the replication configuration in state");
    let depends_on = one_or_many(&replication["instances"][0]["dependencies"]);
    for region in ["primary", "standby"] {
        for resource in [
            "aws_s3_bucket_versioning.this",
            "aws_s3_bucket_lifecycle_configuration.this",
        ] {
            let address = format!("module.{region}.module.s3.{resource}");
            assert!(
                depends_on.contains(&address),
                "replication waits for {address}: {depends_on:?}"
            );
        }
    }

    // No API key in either region: the bearer token is the one credential,
    // and the same token is good in both (the drill below).
    assert_eq!(primary["api_key_values"], json!([]));
    assert_eq!(standby["api_key_values"], json!([]));

    // One certificate validation record for both regions, owned by neither
    // region's failover module.
    let validation: Vec<&Value> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "aws_route53_record" && r["name"] != "failover")
        .collect();
    assert_eq!(validation.len(), 1, "{validation:?}");
    assert_eq!(validation[0]["name"], "certificate_validation");
    assert!(validation[0]["module"].is_null(), "{}", validation[0]);

    // Alarms: replication in the primary, the newest object's age in both.
    assert_eq!(
        dr["alarms"],
        json!([
            "s3-latest-prod-dr-primary-replication-failures",
            "s3-latest-prod-dr-primary-replication-latency"
        ])
    );
    assert!(
        primary["alarms"]
            .as_array()
            .unwrap()
            .contains(&json!("s3-latest-prod-dr-primary-newest-object-age"))
    );
    assert!(
        standby["alarms"]
            .as_array()
            .unwrap()
            .contains(&json!("s3-latest-prod-dr-standby-newest-object-age"))
    );

    // Failover DNS: a health check on each region's own /health, and the
    // PRIMARY and SECONDARY alias records tied to them.
    let checks = dr["health_checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{checks:?}");
    for check in checks {
        let config = &check["config"];
        assert_eq!(config["Type"], "HTTPS");
        assert_eq!(config["ResourcePath"], "/prod-dr/health");
        assert_eq!(config["RequestInterval"], 30);
        assert_eq!(config["FailureThreshold"], 3);
    }
    let records = dr["records"].as_array().unwrap();
    let mut roles: Vec<&str> = records.iter().map(|r| r["Failover"].as_str().unwrap()).collect();
    roles.sort();
    assert_eq!(roles, ["PRIMARY", "SECONDARY"], "{records:?}");
    for record in records {
        assert_eq!(record["Name"].as_str().unwrap().trim_end_matches('.'), DOMAIN);
        assert!(record["HealthCheckId"].is_string(), "{record}");
        assert!(record["AliasTarget"]["DNSName"].is_string(), "{record}");
    }

    // Serve: ingest in the primary, replicate as S3 does (the object and
    // its metadata, same key), retrieve in the standby with its deployed
    // configuration.
    let standby_bucket = standby["bucket"]["name"].as_str().unwrap().to_owned();
    remove_bucket_policy(&primary_bucket).await;
    remove_bucket_policy(&standby_bucket).await;
    let key = run_the_deployed_binaries(&primary).await;
    s3().await
        .copy_object()
        .copy_source(format!("{primary_bucket}/{key}"))
        .bucket(&standby_bucket)
        .key(&key)
        .send()
        .await
        .expect("replicate");
    let bin = tempfile::tempdir().unwrap();
    let api = RuntimeApi::start().await;
    let _retrieve = spawn(
        &api,
        &extract_bootstrap("retrieve", bin.path()),
        &deployed_env(&standby, "retrieve", STANDBY_REGION),
    );
    let mut request: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("functions/s3-latest/tests/data/apigw_rest_proxy_request.json")).unwrap(),
    )
    .unwrap();
    match api.invoke(request.clone()).await {
        Outcome::Response(response) => {
            assert_eq!(response["statusCode"], 200, "{response}");
            assert_eq!(response["multiValueHeaders"]["x-object-key"], json!([key]));
        }
        other => panic!("the standby's retrieve: {other:?}"),
    }
    request["path"] = "/health".into();
    request["resource"] = "/health".into();
    request["requestContext"]["resourcePath"] = "/health".into();
    request["requestContext"]["path"] = "/prod-dr/health".into();
    match api.invoke(request).await {
        Outcome::Response(response) => assert_eq!(response["statusCode"], 200, "{response}"),
        other => panic!("the standby's /health: {other:?}"),
    }

    // The failover drill's client holds one bearer token: both regions'
    // authorizers, as deployed, take it.
    authorization::a_client_authorized_in_the_primary_is_authorized_in_the_standby(
        &d.issuer,
        &[(REGION, &primary), (STANDBY_REGION, &standby)],
    )
    .await;

    // Destroy: prod-dr keeps its buckets like prod, so the operator empties both first.
    assert_destroy_keeps_the_data(
        d,
        ENV,
        &[
            (PRIMARY, &primary["bucket"]["policy"]),
            (STANDBY, &standby["bucket"]["policy"]),
        ],
    )
    .await;
    // Both buckets before either key (prod retires with a late write).
    retirement::retire_with_a_write_in_the_window(d, ENV, &[PRIMARY, STANDBY], false).await;
    for region in [REGION, STANDBY_REGION] {
        let after = d.read_back_in(region, "s3-latest-prod-dr");
        assert_eq!(
            after["leftovers"],
            json!([]),
            "{ENV} in {region}: destroy leaves nothing"
        );
    }
    let state = d.terraform(ENV, &["state", "list"]);
    assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "", "{ENV}: empty state");
    // Other APIs in the standby region keep logging: the region's setting
    // was never this environment's to reset.
    let after: Value = serde_json::from_slice(&d.aws_in(STANDBY_REGION, &["api-gateway-account", "-"]).stdout).unwrap();
    assert_eq!(
        after, account,
        "the standby region's API Gateway account setting survives"
    );
}
