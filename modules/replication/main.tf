# Cross-region replication of the snapshot prefix, primary bucket to standby
# bucket: Replication Time Control (99.99% of objects within 15 minutes, by
# SLA), its metrics, SSE-KMS replicas under the standby's replica key, and no
# delete markers, so a deletion in one region never empties the other.

data "aws_partition" "current" {}

locals {
  rule_id = "snapshots-to-standby"
  # The role can be named in both key policies before its policy exists.
  source_objects      = "${var.source_bucket_arn}/${var.object_prefix}*"
  destination_objects = "${var.destination_bucket_arn}/${var.object_prefix}*"
}

data "aws_iam_policy_document" "assume_s3" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
    # Only replication of the source bucket may assume it.
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.source_bucket_arn]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "${var.name}-replication"
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume_s3.json
}

# What S3 documents for SSE-KMS replication, and nothing more: no
# ReplicateDelete (delete markers stay where they are made).
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadTheReplicationConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [var.source_bucket_arn]
  }

  statement {
    sid       = "ReadSnapshotVersionsToReplicate"
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = [local.source_objects]
  }

  statement {
    sid       = "WriteReplicasUnderThePrefix"
    actions   = ["s3:ReplicateObject", "s3:ReplicateTags"]
    resources = [local.destination_objects]
  }

  statement {
    sid       = "DecryptSourceObjectsThroughS3"
    actions   = ["kms:Decrypt"]
    resources = [var.source_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.source_region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [var.source_bucket_arn, "${var.source_bucket_arn}/*"]
    }
  }

  statement {
    sid       = "EncryptReplicasThroughS3"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.destination_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.destination_region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [var.destination_bucket_arn, "${var.destination_bucket_arn}/*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# source_bucket_name and both bucket ARNs come from modules/s3 outputs that
# wait for each bucket's versioning and lifecycle configuration: this is
# created after them (S3 refuses replication to or from an unversioned
# bucket) and destroyed before them (InvalidBucketState otherwise).
resource "aws_s3_bucket_replication_configuration" "this" {
  bucket = var.source_bucket_name
  role   = aws_iam_role.this.arn

  rule {
    id     = local.rule_id
    status = "Enabled"

    filter {
      prefix = var.object_prefix
    }

    delete_marker_replication {
      status = "Disabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = var.destination_bucket_arn
      storage_class = "STANDARD"

      encryption_configuration {
        replica_kms_key_id = var.destination_kms_key_arn
      }

      replication_time {
        status = "Enabled"
        time {
          minutes = 15
        }
      }

      metrics {
        status = "Enabled"
        event_threshold {
          minutes = 15
        }
      }
    }
  }

  depends_on = [aws_iam_role_policy.this]
}

# Replication metrics live in the source region, per rule.
locals {
  alarm_prefix = coalesce(var.alarm_name_prefix, var.name)
  dimensions = {
    SourceBucket      = var.source_bucket_name
    DestinationBucket = element(split(":::", var.destination_bucket_arn), 1)
    RuleId            = local.rule_id
  }
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  alarm_name          = "${local.alarm_prefix}-replication-latency"
  alarm_description   = "Snapshots reach the standby more than ${var.latency_threshold_minutes} minutes after they are written"
  namespace           = "AWS/S3"
  metric_name         = "ReplicationLatency"
  dimensions          = local.dimensions
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.latency_threshold_minutes * 60
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "failures" {
  alarm_name          = "${local.alarm_prefix}-replication-failures"
  alarm_description   = "Snapshots failed to replicate to the standby"
  namespace           = "AWS/S3"
  metric_name         = "OperationsFailedReplication"
  dimensions          = local.dimensions
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
