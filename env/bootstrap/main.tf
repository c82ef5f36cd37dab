data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  bucket     = "s3-latest-tfstate-${local.account_id}-${var.region}"
}

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_111:This is a key policy: "*" as the resource means this key only, and its one statement names the account root.
  #checkov:skip=CKV_AWS_356:This is a key policy: "*" as the resource means this key only, and its one statement names the account root.
  #checkov:skip=CKV_AWS_109:This is a key policy: the account root administers its own key (the AWS default key policy, which keeps the key manageable through IAM).
  statement {
    sid = "AccountUsesAndAdministersTheStateKey"
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" means this key
  }
}

resource "aws_kms_key" "state" {
  description             = "s3-latest Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/s3-latest-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:State is small and versioned; cross-region replication is an operator choice, not a default.
  #checkov:skip=CKV2_AWS_62:Nothing consumes notifications of state writes.
  #checkov:skip=CKV_AWS_18:Access to state is audited by CloudTrail data events if the account enables them; a log bucket for the state bucket would itself need bootstrapping.
  bucket = local.bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "keep-old-state-versions-90-days"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

data "aws_iam_policy_document" "state" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = data.aws_iam_policy_document.state.json
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# ---------------------------------------------------------------- account-wide

# The trust names the service alone. API Gateway documents no source
# condition for this role (its CloudWatch set-up guide and the provider's
# aws_api_gateway_account example trust apigateway.amazonaws.com plainly),
# and a condition the service does not send would stop every execution log
# without an error. The role can only push logs (the managed policy below).
data "aws_iam_policy_document" "assume_api_gateway" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count              = var.manage_api_gateway_account ? 1 : 0
  name               = "s3-latest-api-gateway-cloudwatch"
  assume_role_policy = data.aws_iam_policy_document.assume_api_gateway.json
}

resource "aws_iam_role_policy_attachment" "api_gateway_cloudwatch" {
  count      = var.manage_api_gateway_account ? 1 : 0
  role       = aws_iam_role.api_gateway_cloudwatch[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# -------------------------------------------------------------- this region

# The role set in the home region; env/bootstrap-region sets it in others.
module "api_gateway_logging" {
  count               = var.manage_api_gateway_account ? 1 : 0
  source              = "../../modules/api_gateway_logging"
  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn
  depends_on          = [aws_iam_role_policy_attachment.api_gateway_cloudwatch]
}

moved {
  from = aws_api_gateway_account.this[0]
  to   = module.api_gateway_logging[0].aws_api_gateway_account.this
}
