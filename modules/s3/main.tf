# With prevent_destroy (kept data: prod), the bucket is the "this" variant,
# whose lifecycle refuses any plan that would destroy it: `terraform destroy`
# stops at plan time, before the bucket policy, public-access block,
# versioning or encryption is touched (without it, those are destroyed
# first, and only the bucket's own deletion fails on BucketNotEmpty).
# prevent_destroy must be a literal, hence the "disposable" variant (dev).
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is env/prod-dr's (modules/replication, set on the primary bucket from outside); a single-region deployment rebuilds its snapshots on schedule.
  #checkov:skip=CKV2_AWS_62:New objects are announced by ingest on EventBridge (ObjectIngested); S3 event notifications would duplicate that.
  #checkov:skip=CKV_AWS_18:Access logging is the access_log_bucket input (aws_s3_bucket_logging below); prod sets it, dev leaves it off.
  #checkov:skip=CKV2_AWS_6:The public-access block below attaches through local.bucket, whichever variant exists; checkov's graph does not follow one(concat(...)). The deploy test reads it back.
  #checkov:skip=CKV_AWS_21:Versioning (aws_s3_bucket_versioning below) attaches through local.bucket; the deploy test reads it back as Enabled.
  #checkov:skip=CKV_AWS_145:SSE-KMS by default (aws_s3_bucket_server_side_encryption_configuration below) attaches through local.bucket; the deploy test reads it back.
  #checkov:skip=CKV2_AWS_61:The lifecycle configuration below attaches through local.bucket.
  count         = var.prevent_destroy ? 1 : 0
  bucket        = var.bucket_name
  force_destroy = false

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket" "disposable" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is env/prod-dr's (modules/replication, set on the primary bucket from outside); a single-region deployment rebuilds its snapshots on schedule.
  #checkov:skip=CKV2_AWS_62:New objects are announced by ingest on EventBridge (ObjectIngested); S3 event notifications would duplicate that.
  #checkov:skip=CKV_AWS_18:Access logging is the access_log_bucket input (aws_s3_bucket_logging below); prod sets it, dev leaves it off.
  #checkov:skip=CKV2_AWS_6:The public-access block below attaches through local.bucket, whichever variant exists; checkov's graph does not follow one(concat(...)). The deploy test reads it back.
  #checkov:skip=CKV_AWS_21:Versioning (aws_s3_bucket_versioning below) attaches through local.bucket; the deploy test reads it back as Enabled.
  #checkov:skip=CKV_AWS_145:SSE-KMS by default (aws_s3_bucket_server_side_encryption_configuration below) attaches through local.bucket; the deploy test reads it back.
  #checkov:skip=CKV2_AWS_61:The lifecycle configuration below attaches through local.bucket.
  count         = var.prevent_destroy ? 0 : 1
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

locals {
  bucket = one(concat(aws_s3_bucket.this, aws_s3_bucket.disposable))
  # Announcement receipts and the pointer live beside the snapshot prefix
  # (snapshots/ -> snapshots.announced/, snapshots.newest).
  receipts_prefix = "${trimsuffix(var.object_prefix, "/")}.announced/"
  pointer_key     = "${trimsuffix(var.object_prefix, "/")}.newest"
  # Who may write what, whatever their identity policies grant (below).
  snapshot_writers = compact(concat([var.ingest_role_arn], var.snapshot_writers))
  pointer_writers  = compact([var.ingest_role_arn])
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = local.bucket.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = local.bucket.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = local.bucket.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = local.bucket.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

# Lifecycle never expires a current version: ingest never overwrites or
# deletes, so the newest snapshot is always current and always kept.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = local.bucket.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  # Announcement receipts matter for as long as a trigger can be redelivered
  # (the Scheduler and EventBridge retry for up to 24 h); a week is ample.
  rule {
    id     = "expire-announcement-receipts"
    status = "Enabled"
    filter {
      prefix = local.receipts_prefix
    }
    expiration {
      days = 7
    }
  }

  # On a versioned bucket, an expiration leaves a delete marker and a
  # noncurrent version (which expire-noncurrent-versions removes); this
  # removes the marker once it is all that is left, or receipts would leave
  # one marker per trigger forever.
  rule {
    id     = "remove-expired-receipt-delete-markers"
    status = "Enabled"
    filter {
      prefix = local.receipts_prefix
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  # Off unless transition_to_infrequent_access_days is set; a transition only
  # changes the storage class, it never deletes.
  rule {
    id     = "older-snapshots-to-standard-ia"
    status = var.transition_to_infrequent_access_days == null ? "Disabled" : "Enabled"
    filter {
      prefix = var.object_prefix
    }
    transition {
      days          = coalesce(var.transition_to_infrequent_access_days, 30)
      storage_class = "STANDARD_IA"
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count         = var.access_log_bucket == null ? 0 : 1
  bucket        = local.bucket.id
  target_bucket = var.access_log_bucket
  target_prefix = "${var.bucket_name}/"
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [local.bucket.arn, "${local.bucket.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # IfExists: an upload that names no key gets the bucket's default (this
  # key), and UploadPart, which carries no SSE headers, is not denied.
  statement {
    sid     = "DenyUploadsNamingAnotherKey"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket.arn}/*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = [var.kms_key_arn]
    }
  }

  statement {
    sid     = "DenyUploadsNamingAnotherEncryption"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket.arn}/*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }

  # Snapshots are written once: S3 itself refuses a write under the prefix
  # that could replace an object (without If-None-Match: *), whoever sends
  # it. S3 evaluates s3:if-none-match on general purpose buckets (User Guide,
  # "Enforce conditional writes on Amazon S3 buckets"). That page's
  # s3:ObjectCreationOperation exempts CreateMultipartUpload, UploadPart and
  # UploadPartCopy, which take no conditional header (false for them), so a
  # multipart restore works when its CompleteMultipartUpload carries
  # If-None-Match: *; IfExists keeps any request without the key denied.
  statement {
    sid     = "DenySnapshotWritesThatCouldOverwrite"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket.arn}/${var.object_prefix}*"]
    condition {
      test     = "StringNotEquals"
      variable = "s3:if-none-match"
      values   = ["*"]
    }
    condition {
      test     = "BoolIfExists"
      variable = "s3:ObjectCreationOperation"
      values   = ["true"]
    }
  }

  # S3 itself decides who may write: a principal whose identity policy
  # grants s3:PutObject on everything (PowerUserAccess, a careless
  # automation role) still cannot add an object under the prefix, nor touch
  # the pointer or the receipts. An explicit Deny in a bucket policy wins
  # over any Allow (IAM User Guide, "Policy evaluation logic"), and
  # aws:PrincipalArn is the role's ARN even for its assumed-role sessions
  # (IAM User Guide, "AWS global condition context keys"). Replication
  # writes replicas with s3:ReplicateObject, which this does not deny.
  # Where nobody may write (a standby), the Deny has no exception.
  statement {
    sid     = "DenySnapshotWritesByOthers"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket.arn}/${var.object_prefix}*"]
    dynamic "condition" {
      for_each = length(local.snapshot_writers) > 0 ? [local.snapshot_writers] : []
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }

  statement {
    sid     = "DenyPointerAndReceiptWritesByOthers"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket.arn}/${local.pointer_key}", "${local.bucket.arn}/${local.receipts_prefix}*"]
    dynamic "condition" {
      for_each = length(local.pointer_writers) > 0 ? [local.pointer_writers] : []
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }

  # While the environment is retired (scripts/retire.sh), nobody writes
  # anything: an object that lands after the bucket was emptied would make
  # its deletion fail, and the writers are stopped before it is emptied.
  dynamic "statement" {
    for_each = var.retiring ? [1] : []
    content {
      sid     = "DenyEveryWriteWhileRetiring"
      effect  = "Deny"
      actions = ["s3:PutObject"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
      resources = ["${local.bucket.arn}/*"]
    }
  }

  # The pointer moves only by compare-and-swap (If-Match) or is created
  # once (If-None-Match: *); a blind overwrite is refused.
  statement {
    sid     = "DenyPointerWritesWithoutACondition"
    effect  = "Deny"
    actions = ["s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${local.bucket.arn}/${local.pointer_key}"]
    condition {
      test     = "Null"
      variable = "s3:if-none-match"
      values   = ["true"]
    }
    condition {
      test     = "Null"
      variable = "s3:if-match"
      values   = ["true"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = local.bucket.id
  policy = data.aws_iam_policy_document.this.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}
