data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  root_arn   = "arn:${local.partition}:iam::${local.account_id}:root"
}

# The key policy names every principal that may use the key; IAM policies
# alone cannot grant its use, because the root statement allows only
# administration, not cryptographic operations.
data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:This is a key policy: "*" as the resource means this key only, and every statement names its principal.
  #checkov:skip=CKV_AWS_356:This is a key policy: "*" as the resource means this key only, and every statement names its principal.
  #checkov:skip=CKV_AWS_109:This is a key policy: the account root administers its own key (the AWS-recommended default that prevents an unmanageable key).
  statement {
    sid = "AccountAdministersTheKey"
    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
    actions = [
      "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
      "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
      "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
    ]
    resources = ["*"] # in a key policy, "*" means this key
  }

  # Only where ingest runs: a standby region receives snapshots by replication.
  dynamic "statement" {
    for_each = var.ingest_role_arn == null ? [] : [var.ingest_role_arn]
    content {
      sid = "IngestWrapsDataKeysForThisStoreOnly"
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
      actions   = ["kms:GenerateDataKey"]
      resources = ["*"]
      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:s3-latest:store"
        values   = [var.store_id]
      }
    }
  }

  statement {
    sid = "RetrieveUnwrapsDataKeysForThisStoreOnly"
    principals {
      type        = "AWS"
      identifiers = [var.retrieve_role_arn]
    }
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:s3-latest:store"
      values   = [var.store_id]
    }
  }

  # S3 server-side encryption (SSE-KMS with a Bucket Key) on the functions' behalf.
  statement {
    sid = "FunctionsUseTheKeyThroughS3ForThisBucket"
    principals {
      type        = "AWS"
      identifiers = compact([var.ingest_role_arn, var.retrieve_role_arn])
    }
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = ["arn:${local.partition}:s3:::${var.bucket_name}", "arn:${local.partition}:s3:::${var.bucket_name}/*"]
    }
  }

  # Cross-region replication: the source region's key decrypts for it, the
  # destination's encrypts the replicas; through S3 and for this bucket only.
  dynamic "statement" {
    for_each = var.replication == null ? [] : [var.replication]
    content {
      sid = "ReplicationUsesTheKeyThroughS3ForThisBucket"
      principals {
        type        = "AWS"
        identifiers = [statement.value.role_arn]
      }
      actions   = statement.value.actions
      resources = ["*"]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
      condition {
        test     = "StringLike"
        variable = "kms:EncryptionContext:aws:s3:arn"
        values   = ["arn:${local.partition}:s3:::${var.bucket_name}", "arn:${local.partition}:s3:::${var.bucket_name}/*"]
      }
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsThisDeploymentsLogGroups"
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*${var.name}*"]
    }
  }

  statement {
    sid = "EventBridgeEncryptsThisDeploymentsBus"
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    # DescribeKey: EventBridge resolves the key's ARN and checks it is symmetric.
    actions   = ["kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # Lambda encrypts the functions' environment variables with this key on the
  # deployer's behalf (through Lambda only).
  statement {
    sid = "DeployersUseTheKeyThroughLambda"
    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:CreateGrant"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["lambda.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid = "CloudWatchAlarmsPublishToTheEncryptedTopic"
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

locals {
  description = "s3-latest ${var.name}: wraps snapshot data keys; encrypts the bucket, logs and alarms"
}

# A new key, or (with primary_key) this region's replica of a
# multi-region key: same key material and id, so ciphertexts made under the
# primary decrypt here, but its own key policy, naming this region's roles.
resource "aws_kms_key" "this" {
  count                   = var.primary_key == null ? 1 : 0
  description             = local.description
  multi_region            = var.multi_region
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
}

# Rotation is the primary's: KMS rotates a multi-region key's replicas with it.
resource "aws_kms_replica_key" "this" {
  count                   = var.primary_key == null ? 0 : 1
  description             = local.description
  primary_key_arn         = var.primary_key.arn
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
}

locals {
  key = one(concat(aws_kms_key.this, aws_kms_replica_key.this))
}

moved {
  from = aws_kms_key.this
  to   = aws_kms_key.this[0]
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = local.key.key_id
}
