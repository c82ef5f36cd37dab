//! The repository's Terraform, checked offline against itself and the code.

use std::path::{Path, PathBuf};

use deploy_checks::*;
use s3_latest::deployment::{
    AUTHORIZER_VARIABLES, INGEST_IAM_ACTIONS, INGEST_VARIABLES, NOT_SET_BY_DEPLOYMENT, RETRIEVE_IAM_ACTIONS,
    RETRIEVE_VARIABLES,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn modules() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("modules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Where the functions' environments are set: every environment deploys this
/// module (env/prod-dr twice).
const SERVICE: &str = "modules/service";

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_module_has_its_files_and_documents_every_input_and_output() {
    assert!(modules().len() >= 10);
    assert_none(modules().iter().flat_map(|m| check_module(m)).collect());
}

/// Regenerate with `UPDATE_MODULE_DOCS=1 cargo test -p deploy-checks`.
#[test]
fn module_readme_tables_match_the_variables_and_outputs() {
    let update = std::env::var_os("UPDATE_MODULE_DOCS").is_some();
    let mut stale = Vec::new();
    for module in modules() {
        let readme_path = module.join("README.md");
        let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
        let docs = module_docs(&module).unwrap();
        let Some(current) = with_docs(&readme, &docs) else {
            stale.push(format!(
                "{} has no {DOCS_BEGIN} ... {DOCS_END} section",
                readme_path.display()
            ));
            continue;
        };
        if current != readme {
            if update {
                std::fs::write(&readme_path, current).unwrap();
            } else {
                stale.push(format!(
                    "{} is out of date; run UPDATE_MODULE_DOCS=1 cargo test -p deploy-checks",
                    readme_path.display()
                ));
            }
        }
    }
    assert_none(stale);
}

#[test]
fn each_function_is_given_exactly_the_variables_it_reads() {
    let dir = root().join(SERVICE);
    assert_none(check_lambda_environment(
        &dir,
        "ingest",
        INGEST_VARIABLES,
        NOT_SET_BY_DEPLOYMENT,
    ));
    assert_none(check_lambda_environment(
        &dir,
        "retrieve",
        RETRIEVE_VARIABLES,
        NOT_SET_BY_DEPLOYMENT,
    ));
    assert_none(check_lambda_environment(
        &dir,
        "authorizer",
        AUTHORIZER_VARIABLES,
        NOT_SET_BY_DEPLOYMENT,
    ));
}

#[test]
fn each_role_grants_every_action_its_function_calls() {
    let iam = root().join("modules/iam/main.tf");
    assert_none(check_iam_actions(&iam, "ingest", INGEST_IAM_ACTIONS));
    assert_none(check_iam_actions(&iam, "retrieve", RETRIEVE_IAM_ACTIONS));
    // And nothing beyond what the code, logging, tracing and the DLQ need.
    let granted = policy_actions(&iam, "retrieve").unwrap();
    let support = [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    ];
    let extra: Vec<&String> = granted
        .iter()
        .filter(|a| !RETRIEVE_IAM_ACTIONS.contains(&a.as_str()) && !support.contains(&a.as_str()))
        .collect();
    assert!(extra.is_empty(), "retrieve's role grants more than it needs: {extra:?}");
    // The authorizer checks signatures with keys it is given: support only.
    let granted = policy_actions(&iam, "runtime").unwrap();
    let extra: Vec<&String> = granted.iter().filter(|a| !support.contains(&a.as_str())).collect();
    assert!(
        extra.is_empty(),
        "the runtime policy grants more than support: {extra:?}"
    );
    let authorizer = policy_actions(&iam, "authorizer").unwrap();
    assert!(
        authorizer.is_empty(),
        "the authorizer's role adds {authorizer:?} to the runtime policy"
    );
}

// ------------------------------------------------ the checks can fail

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(file), text).unwrap();
}

/// A module without its standard files, and an environment that gives a
/// function a variable it never reads and misses one it does.
#[test]
fn broken_wiring_is_reported_precisely() {
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path().join("modules/thing");
    write(
        &module,
        "variables.tf",
        r#"
variable "needed" {
  description = "d"
  type        = string
}
variable "optional" {
  description = "d"
  type        = number
  default     = 1
}
"#,
    );
    write(
        &module,
        "outputs.tf",
        "output \"arn\" {\n  description = \"d\"\n  value = \"x\"\n}\n",
    );
    let env = tmp.path().join("env/dev");
    write(
        &env,
        "main.tf",
        r#"
module "thing" {
  source  = "../../modules/thing"
  typo    = 1
  environment = { BUCKET_NAME = "b", EXTRA = "x" }
}
output "bad" {
  value = module.thing.name
}
output "worse" {
  value = module.other.arn
}
"#,
    );
    let env_problems = check_lambda_environment(&env, "thing", &["BUCKET_NAME", "KMS_KEY_ID", "LOCAL"], &["LOCAL"]);
    assert_eq!(env_problems.len(), 2, "{env_problems:#?}");
    assert!(env_problems[0].contains("reads KMS_KEY_ID, but the deployment does not set it"));
    assert!(env_problems[1].contains("is given EXTRA, which it never reads"));

    let module_problems = check_module(&module);
    assert!(
        module_problems.iter().any(|p| p.contains("has no main.tf")),
        "{module_problems:#?}"
    );
    assert!(
        module_problems.iter().any(|p| p.contains("has no README.md")),
        "{module_problems:#?}"
    );
}

#[test]
fn a_missing_iam_action_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "main.tf",
        r#"
data "aws_iam_policy_document" "reader" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      actions   = ["s3:ListBucket"]
      resources = ["*"]
    }
  }
}
"#,
    );
    let file = tmp.path().join("main.tf");
    assert!(check_iam_actions(&file, "reader", &["s3:GetObject", "s3:ListBucket"]).is_empty());
    let problems = check_iam_actions(&file, "reader", &["s3:GetObject", "kms:Decrypt"]);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("role reader lacks kms:Decrypt"), "{problems:?}");
}

#[test]
fn iam_actions_match_as_iam_matches_them() {
    assert!(action_matches("s3:*", "s3:GetObject"));
    assert!(action_matches("kms:Describe*", "kms:DescribeKey"));
    assert!(action_matches("S3:getobject", "s3:GetObject"), "case-insensitive");
    assert!(action_matches("s3:Get?bject", "s3:GetObject"));
    assert!(action_matches("*", "events:PutEvents"));
    assert!(!action_matches("kms:Describe*", "kms:Decrypt"));
    assert!(!action_matches("s3:Get", "s3:GetObject"), "no implied wildcard");
    assert!(!action_matches("s3:*", "s3express:CreateSession"));

    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "main.tf",
        r#"
data "aws_iam_policy_document" "broad" {
  statement {
    actions   = ["s3:*"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      actions   = concat(["kms:Describe*"], ["kms:Decrypt"])
      resources = ["*"]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["s3:Delete*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "unreadable" {
  statement {
    actions   = var.actions
    resources = ["*"]
  }
}
"#,
    );
    let file = tmp.path().join("main.tf");
    // A wildcard grants: no false gap.
    assert_none(check_iam_actions(
        &file,
        "broad",
        &["s3:GetObject", "s3:ListBucket", "kms:DescribeKey", "kms:Decrypt"],
    ));
    // A Deny wins, and what nothing grants is a gap.
    let problems = check_iam_actions(&file, "broad", &["s3:DeleteObject", "kms:GenerateDataKey"]);
    assert_eq!(problems.len(), 2, "{problems:?}");
    // The least-privilege view sees the wildcard as written.
    assert!(policy_actions(&file, "broad").unwrap().contains("s3:*"));
    // An action list it cannot read is an error, never "nothing granted".
    let problems = check_iam_actions(&file, "unreadable", &["s3:GetObject"]);
    assert!(problems[0].contains("cannot read"), "{problems:?}");
}

/// The `## Usage` block of a module's README: its ```hcl fence.
fn usage_block(readme: &str) -> Option<&str> {
    let usage = &readme[readme.find("## Usage")?..];
    let start = usage.find("```hcl\n")? + "```hcl\n".len();
    let end = start + usage[start..].find("```")?;
    Some(&usage[start..end])
}

/// Each module README opens with a `Usage` block, as terraform-aws-modules'
/// do, and every block is real Terraform: all of them, with their sources
/// as written (`../../modules/<name>`), form one configuration that
/// `terraform validate` accepts. A required input left out, a misspelt or
/// removed one, or a value of the wrong type fails it.
#[test]
fn every_module_readme_has_a_usage_block_that_validates() {
    let plugins = Path::new("/opt/tf-plugins");
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-rL")
        .arg(root().join("modules"))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let mut problems = Vec::new();
    let mut configuration = String::new();
    for module in modules() {
        let name = module.file_name().unwrap().to_string_lossy().into_owned();
        let readme = std::fs::read_to_string(module.join("README.md")).unwrap_or_default();
        match usage_block(&readme) {
            Some(block) if block.contains(&format!("source = \"../../modules/{name}\"")) => {
                configuration.push_str(block);
                configuration.push('\n');
            }
            Some(_) => problems.push(format!(
                "modules/{name}/README.md: the Usage block does not use ../../modules/{name}"
            )),
            None => problems.push(format!("modules/{name}/README.md has no ## Usage block")),
        }
    }
    assert_none(problems);
    let usage = copy.path().join("env/usage");
    std::fs::create_dir_all(&usage).unwrap();
    std::fs::write(usage.join("main.tf"), configuration).unwrap();
    let terraform = |args: &[&str]| {
        let mut command = std::process::Command::new("terraform");
        command.arg(format!("-chdir={}", usage.display())).args(args);
        if args[0] == "init" && plugins.is_dir() {
            command.arg(format!("-plugin-dir={}", plugins.display()));
        }
        let output = command.output().expect("terraform");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "terraform {args:?}:\n{said}");
    };
    terraform(&["init", "-backend=false", "-input=false", "-no-color"]);
    terraform(&["validate", "-no-color"]);
}

/// Every environment loads exactly as shipped, checks.tf included. The deploy
/// test leaves checks.tf and hashicorp/http out (neither moto nor this
/// machine has them), so this is where a configuration error in those files
/// shows: `terraform init` decodes the whole configuration before it looks
/// for providers. Offline, the one error allowed is that hashicorp/http is
/// not in the local mirror.
#[test]
fn every_environment_loads_as_shipped() {
    let plugins = Path::new("/opt/tf-plugins");
    let copy = tempfile::tempdir().unwrap();
    for dir in ["env", "modules"] {
        let status = std::process::Command::new("cp")
            .arg("-rL")
            .arg(root().join(dir))
            .arg(copy.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let mut problems = Vec::new();
    for env in ["bootstrap", "bootstrap-region", "dev", "prod", "prod-dr"] {
        let mut init = std::process::Command::new("terraform");
        init.arg(format!("-chdir={}", copy.path().join("env").join(env).display()))
            .args(["init", "-backend=false", "-input=false", "-no-color"]);
        if plugins.is_dir() {
            init.arg(format!("-plugin-dir={}", plugins.display()));
        }
        let output = init.output().expect("terraform");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let errors: Vec<&str> = said.lines().filter(|l| l.starts_with("Error: ")).collect();
        let only_the_missing_http_provider = errors == ["Error: Failed to query available provider packages"]
            && said.contains("registry.terraform.io/hashicorp/http was not found");
        if !(output.status.success() || only_the_missing_http_provider) {
            problems.push(format!("{env}:\n{said}"));
        }
    }
    assert_none(problems);
}
