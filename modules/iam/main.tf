data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  log_arn     = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${local.account_id}:log-group:/aws/lambda"
  objects_arn = "${var.bucket_arn}/${var.object_prefix}*"
  # Announcement receipts live beside the snapshot prefix, never under it
  # (snapshots/ -> snapshots.announced/); see docs/ingest.md.
  receipts_arn = "${var.bucket_arn}/${trimsuffix(var.object_prefix, "/")}.announced/*"
  # The pointer to the newest object, also beside the prefix
  # (snapshots/ -> snapshots.newest); see docs/pointer.md.
  pointer_arn = "${var.bucket_arn}/${trimsuffix(var.object_prefix, "/")}.newest"
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# What every function needs to run: writing to its own log group, and X-Ray.
# The retrieve role runs the streaming retrieve too, when there is one.
data "aws_iam_policy_document" "runtime" {
  for_each = merge(
    { retrieve = compact([var.retrieve_function_name, var.retrieve_stream_function_name]) },
    var.ingest_enabled ? { ingest = [var.ingest_function_name] } : {},
    var.authorizer_function_name != null ? { authorizer = [var.authorizer_function_name] } : {},
  )

  statement {
    sid       = "OwnLogGroupOnly"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for function_name in each.value : "${local.log_arn}/${function_name}:*"]
  }

  statement {
    #checkov:skip=CKV_AWS_111:X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; AWS requires "*".
    #checkov:skip=CKV_AWS_356:X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; AWS requires "*".
    sid       = "XRayRequiresAStarResource"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

# ---------------------------------------------------------------- ingest

resource "aws_iam_role" "ingest" {
  count                = var.ingest_enabled ? 1 : 0
  name                 = "${var.name}-ingest"
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "ingest" {
  count                   = var.ingest_enabled ? 1 : 0
  source_policy_documents = [data.aws_iam_policy_document.runtime["ingest"].json]

  statement {
    sid       = "WriteSnapshotsUnderThePrefix"
    actions   = ["s3:PutObject"]
    resources = [local.objects_arn]
  }

  # A receipt per announced object, so a retried trigger announces its
  # object only if the delivery that wrote it could not.
  statement {
    sid       = "WriteAndReadAnnouncementReceipts"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = [local.receipts_arn]
  }

  # Compare-and-swap on the pointer: read it, then write it with If-Match
  # (or If-None-Match for the first).
  statement {
    sid       = "ReadAndMoveThePointer"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.pointer_arn]
  }

  # HeadObject on the key its trigger may write: a retried trigger finds its
  # own object there (exactly-once ingest). With a SOURCE_URL, ingest also
  # lists for the newest object and reads its stored validators.
  statement {
    sid       = "ReadSnapshotMetadataUnderThePrefix"
    actions   = ["s3:GetObject"]
    resources = [local.objects_arn]
  }

  # S3 answers a GET or HEAD of a missing key with 404 only to a caller
  # allowed s3:ListBucket on the bucket, and with 403 otherwise (HeadObject
  # and GetObject API reference, "Permissions"). That check carries no
  # s3:prefix, so a grant conditioned on the prefix does not count: the
  # receipt and pointer lookups would get 403. Hence unconditioned; listing
  # reveals key names only, never content.
  statement {
    sid       = "ListTheBucket"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "GenerateDataKeysBoundToThisBucket"
    actions   = ["kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  # The keyed tag that names each trigger's object (modules/kms).
  statement {
    sid       = "TagTriggers"
    actions   = ["kms:GenerateMac"]
    resources = [var.trigger_key_arn]
  }

  statement {
    sid       = "AnnounceObjectIngested"
    actions   = ["events:PutEvents"]
    resources = [var.event_bus_arn]
  }

  # Lambda's on-failure destination sends with the function's role.
  statement {
    sid       = "SendFailedInvocationsToTheDeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [var.ingest_dead_letter_queue_arn]
  }
}

resource "aws_iam_role_policy" "ingest" {
  count  = var.ingest_enabled ? 1 : 0
  name   = "least-privilege"
  role   = aws_iam_role.ingest[0].id
  policy = data.aws_iam_policy_document.ingest[0].json
}

# ---------------------------------------------------------------- retrieve

resource "aws_iam_role" "retrieve" {
  name                 = "${var.name}-retrieve"
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "retrieve" {
  source_policy_documents = [data.aws_iam_policy_document.runtime["retrieve"].json]

  # Unconditioned, for the reason given in ingest's ListTheBucket: a
  # missing pointer must read as 404, not 403.
  statement {
    sid       = "ListTheBucket"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "ReadSnapshotsUnderThePrefix"
    actions   = ["s3:GetObject"]
    resources = [local.objects_arn]
  }

  statement {
    sid       = "ReadThePointer"
    actions   = ["s3:GetObject"]
    resources = [local.pointer_arn]
  }

  statement {
    sid       = "DecryptDataKeys"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "retrieve" {
  name   = "least-privilege"
  role   = aws_iam_role.retrieve.id
  policy = data.aws_iam_policy_document.retrieve.json
}

# ---------------------------------------------------------------- authorizer

# The token authorizer verifies signatures with public keys it is given:
# it reads no bucket and no key, so it runs with logging and tracing only.
resource "aws_iam_role" "authorizer" {
  count                = var.authorizer_function_name != null ? 1 : 0
  name                 = "${var.name}-authorizer"
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "authorizer" {
  count                   = var.authorizer_function_name != null ? 1 : 0
  source_policy_documents = [data.aws_iam_policy_document.runtime["authorizer"].json]
}

resource "aws_iam_role_policy" "authorizer" {
  count  = var.authorizer_function_name != null ? 1 : 0
  name   = "least-privilege"
  role   = aws_iam_role.authorizer[0].id
  policy = data.aws_iam_policy_document.authorizer[0].json
}

# ingest's role gained a count (a standby has none): keep existing roles.
moved {
  from = aws_iam_role.ingest
  to   = aws_iam_role.ingest[0]
}

moved {
  from = aws_iam_role_policy.ingest
  to   = aws_iam_role_policy.ingest[0]
}
