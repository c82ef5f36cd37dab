# The deployer policy: what applying and destroying env/dev, env/prod and
# env/prod-dr takes (docs/deployer.md). Attach it to the CI role and the
# break-glass role that are the environments' key_administrators.
data "aws_iam_policy_document" "deployer" {
  statement {
    sid       = "Placeholder"
    actions   = ["sts:GetCallerIdentity"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deployer" {
  name        = "s3-latest-deployer"
  description = "Applies and destroys the s3-latest environments (docs/deployer.md)"
  policy      = data.aws_iam_policy_document.deployer.json
}
