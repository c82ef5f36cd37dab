//! Who applies. Every Terraform run in the deploy test is made by an IAM
//! user of its own, so STS names the applier by that user's ARN, as it
//! names a CI role or an operator's role on a real account. The key
//! administrators are two of them: the one that applies day to day ("ci")
//! and a second ("break-glass") that must be able to plan and apply the
//! same configuration without rewriting the key policy. A third, not on the
//! list, is stopped at plan time.

use std::process::Command;

use serde_json::Value;

/// An IAM user in moto with an access key.
pub struct Operator {
    pub arn: String,
    access_key_id: String,
    secret_access_key: String,
}

impl Operator {
    /// Creates the user (tests/deploy/aws.py create-operator).
    fn create(aws: &dyn Fn(&[&str]) -> Vec<u8>, name: &str) -> Self {
        Self::parse(&aws(&["create-operator", name]))
    }

    /// The account's administrator (tests/deploy/aws.py create-admin), in
    /// the three requests a moto checking identity policies takes unsigned.
    pub fn create_admin(aws: &dyn Fn(&[&str]) -> Vec<u8>) -> Self {
        Self::parse(&aws(&["create-admin", "administrator"]))
    }

    fn parse(json: &[u8]) -> Self {
        let created: Value = serde_json::from_slice(json).expect("operator JSON");
        let field = |name: &str| created[name].as_str().expect(name).to_owned();
        Operator {
            arn: field("arn"),
            access_key_id: field("access_key_id"),
            secret_access_key: field("secret_access_key"),
        }
    }

    /// Runs `command` (terraform, a script that runs it, or aws.py) as this
    /// user: the provider, the S3 backend and boto3 read these variables.
    pub fn signs<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
    }
}

pub struct Operators {
    pub ci: Operator,
    pub break_glass: Operator,
    pub outsider: Operator,
}

impl Operators {
    pub fn create(aws: &dyn Fn(&[&str]) -> Vec<u8>) -> Self {
        Operators {
            ci: Operator::create(aws, "operator-ci"),
            break_glass: Operator::create(aws, "operator-break-glass"),
            outsider: Operator::create(aws, "operator-outsider"),
        }
    }

    /// `key_administrators` as every environment is given it.
    pub fn key_administrators(&self) -> String {
        serde_json::to_string(&[&self.ci.arn, &self.break_glass.arn]).unwrap()
    }
}

/// The key policies a plan (`terraform show -json`) would change: none, if
/// whoever planned renders the same ones. (Other key attributes are left
/// out: moto reports no rotation period, so every plan "changes" it back.)
pub fn key_policy_changes(plan: &Value) -> Vec<String> {
    plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .filter(|change| change["type"].as_str().is_some_and(|kind| kind.starts_with("aws_kms_")))
        .filter(|change| {
            let (before, after) = (&change["change"]["before"], &change["change"]["after"]);
            after.get("policy").is_some() && before.get("policy") != after.get("policy")
        })
        .map(|change| {
            format!(
                "{} {}: policy {} -> {}",
                change["address"],
                change["change"]["actions"],
                change["change"]["before"]["policy"],
                change["change"]["after"]["policy"]
            )
        })
        .collect()
}
