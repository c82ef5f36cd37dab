data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

# The key administrators are an explicit list, the same whoever applies:
# a plan by any of them renders the same key policy, so a second operator or
# CI changes nothing. KMS refuses a PutKeyPolicy whose policy would lock out
# its caller, and a caller the current policy does not name may not call it
# at all, so an applier missing from the list is stopped here, at plan time.
# An assumed role's session ARN is not a valid principal; the role's ARN
# (the session's issuer) is what the list must hold.
data "aws_iam_session_context" "deployer" {
  arn = data.aws_caller_identity.current.arn

  lifecycle {
    postcondition {
      condition     = contains(var.key_administrators, self.issuer_arn)
      error_message = "You apply as ${self.issuer_arn}, which is not in key_administrators (${join(", ", var.key_administrators)}). Only a key administrator may change the KMS key policy, and the list must be the same for everyone who applies: apply as one of them, or add this role's ARN to key_administrators in the environment's tfvars and have a listed administrator apply that first (docs/operations.md, \"Key administrators\")."
    }
  }
}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  region         = data.aws_region.current.name
  partition      = data.aws_partition.current.partition
  root_arn       = "arn:${local.partition}:iam::${local.account_id}:root"
  administrators = distinct(var.key_administrators)
  # What administering any of this module's keys takes; the data key's
  # statement adds rotation and replication.
  administration_actions = [
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants",
    "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags", "kms:ListRetirableGrants",
    "kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:EnableKey", "kms:DisableKey",
    "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:TagResource", "kms:UntagResource",
    "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
  ]
  account_reads = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags"]
  # Exact log group names: a pattern such as *name* would also match
  # another deployment whose name contains this one.
  log_group_arns = [
    for group in var.log_group_names : "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${group}"
  ]
}

# The key policy names every principal that may use the key. The account
# root may only read the key's configuration: it delegates to IAM, and any
# principal with broad IAM rights (PowerUserAccess allows kms:*) would
# otherwise gain what the root is granted here. Administration, replication
# included, belongs to the named administrators; no statement lets anyone
# decrypt except the functions (for this store) and the AWS services that
# encrypt this deployment's logs, bus, topic and bucket.
data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:This is a key policy: "*" as the resource means this key only, and every statement names its principal.
  #checkov:skip=CKV_AWS_356:This is a key policy: "*" as the resource means this key only, and every statement names its principal.
  #checkov:skip=CKV_AWS_109:This is a key policy: "*" means this key, and administration is granted to the named key administrators only.
  statement {
    sid = "AccountReadsTheKeyConfiguration"
    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
    actions   = local.account_reads
    resources = ["*"] # in a key policy, "*" means this key
  }

  # ReplicateKey is authorized by the primary key's policy alone (KMS guide,
  # "Controlling access to multi-Region keys"); UpdatePrimaryRegion lets an
  # administrator promote the standby's replica.
  statement {
    sid = "KeyAdministration"
    principals {
      type        = "AWS"
      identifiers = local.administrators
    }
    actions = concat(local.administration_actions, [
      "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
      "kms:ReplicateKey", "kms:UpdatePrimaryRegion",
    ])
    resources = ["*"]
  }

  # Grants only for AWS services acting for the administrators (S3, Lambda),
  # never a grant an administrator could hand to itself to decrypt.
  statement {
    sid = "KeyAdministratorsGrantOnlyToAwsServices"
    principals {
      type        = "AWS"
      identifiers = local.administrators
    }
    actions   = ["kms:CreateGrant"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
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

  # S3 server-side encryption (SSE-KMS with a Bucket Key) on the behalf of
  # the functions and of the snapshot writers (restores): through S3, this
  # bucket's layer only. It yields an object's stored bytes, never a
  # snapshot's plaintext, which only the store-bound statements above unwrap.
  statement {
    sid = "WritersAndReadersUseTheKeyThroughS3ForThisBucket"
    principals {
      type        = "AWS"
      identifiers = distinct(compact(concat([var.ingest_role_arn, var.retrieve_role_arn], var.snapshot_writers)))
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
    # No Describe*: DescribeKey carries no encryption context, so under this
    # condition it could never be allowed (parliament reports it).
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"]
    resources = ["*"]
    # An encryption context value is a string, whatever it holds.
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = local.log_group_arns
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
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${var.name}"]
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
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-*"]
    }
  }
}

locals {
  description = "s3-latest ${var.name}: wraps snapshot data keys; encrypts the bucket, logs and alarms"
}

# A new key, or (with primary_key) this region's replica of a
# multi-region key: same key material and id, so ciphertexts made under the
# primary decrypt here, but its own key policy, naming this region's roles.
#
# With prevent_destroy (kept data), the key is the "this" variant, whose
# lifecycle refuses any plan that would destroy it, so `terraform destroy`
# stops before changing anything. prevent_destroy must be a literal, hence
# a second, "disposable" variant of each resource for deployments whose data
# is disposable (dev).
resource "aws_kms_key" "this" {
  count                   = var.primary_key == null && var.prevent_destroy ? 1 : 0
  description             = local.description
  multi_region            = var.multi_region
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_key" "disposable" {
  count                   = var.primary_key == null && !var.prevent_destroy ? 1 : 0
  description             = local.description
  multi_region            = var.multi_region
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
}

# Rotation is the primary's: KMS rotates a multi-region key's replicas with it.
resource "aws_kms_replica_key" "this" {
  count                   = var.primary_key != null && var.prevent_destroy ? 1 : 0
  description             = local.description
  primary_key_arn         = var.primary_key.arn
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_replica_key" "disposable" {
  count                   = var.primary_key != null && !var.prevent_destroy ? 1 : 0
  description             = local.description
  primary_key_arn         = var.primary_key.arn
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
}

locals {
  key = one(concat(aws_kms_key.this, aws_kms_key.disposable, aws_kms_replica_key.this, aws_kms_replica_key.disposable))
}

moved {
  from = aws_kms_key.this
  to   = aws_kms_key.this[0]
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = local.key.key_id
}

# ---------------------------------------------------------------- trigger tags

# ingest names each trigger's object with a keyed tag of the trigger
# (HMAC-SHA-256, see functions/s3-latest/src/keyring.rs), so that nobody
# else can know, and write first, the key of a snapshot to come: the tick's
# time and name are public, a digest of them would not be. KMS keeps the
# secret, and this policy lets ingest's role alone compute tags with it.
#
# No rotation: KMS rotates symmetric encryption keys only (KMS guide,
# "Rotating AWS KMS keys"), and a new secret would give a retried trigger
# another key. Not kept with prevent_destroy: it protects no data. A
# replaced key costs at most one second object for a trigger retried
# across the replacement.
data "aws_iam_policy_document" "trigger_tags" {
  #checkov:skip=CKV_AWS_111:This is a key policy: "*" as the resource means this key only, and every statement names its principal.
  #checkov:skip=CKV_AWS_356:This is a key policy: "*" as the resource means this key only, and every statement names its principal.
  #checkov:skip=CKV_AWS_109:This is a key policy: "*" means this key, and administration is granted to the named key administrators only.
  statement {
    sid = "AccountReadsTheKeyConfiguration"
    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
    actions   = local.account_reads
    resources = ["*"]
  }

  statement {
    sid = "KeyAdministration"
    principals {
      type        = "AWS"
      identifiers = local.administrators
    }
    actions   = local.administration_actions
    resources = ["*"]
  }

  statement {
    sid = "IngestTagsItsTriggers"
    principals {
      type        = "AWS"
      identifiers = compact([var.ingest_role_arn])
    }
    actions   = ["kms:GenerateMac"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:MacAlgorithm"
      values   = ["HMAC_SHA_256"]
    }
  }
}

resource "aws_kms_key" "trigger_tags" {
  #checkov:skip=CKV_AWS_7:KMS rotates only symmetric encryption keys; this is an HMAC key, and a new secret would move a retried trigger's key.
  count                    = var.ingest_enabled ? 1 : 0
  description              = "s3-latest ${var.name}: tags ingest's triggers, so nobody else can know the key of a snapshot to come"
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
  deletion_window_in_days  = var.deletion_window_in_days
  policy                   = data.aws_iam_policy_document.trigger_tags.json
}
