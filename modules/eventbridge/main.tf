data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# The bus ingest announces ObjectIngested on, and where operators send
# "Ingest Requested" to take a snapshot now.
resource "aws_cloudwatch_event_bus" "this" {
  name               = var.name
  kms_key_identifier = var.kms_key_arn
}

# Failed schedule deliveries and failed asynchronous invocations of ingest.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-ingest-dlq"
  message_retention_seconds = 1209600 # 14 days, the SQS maximum
  sqs_managed_sse_enabled   = true
}

# Scheduler and Lambda's on-failure destination send with their own roles
# (the scheduler role and ingest's role); only EventBridge rules deliver as a
# service principal, so the queue policy names the manual rule alone.
data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "TheIngestRequestedRuleDeliversFailures"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.manual.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
}

# ---------------------------------------------------------------- the schedule

data "aws_iam_policy_document" "assume_scheduler" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    # Scheduler's confused-deputy guard: schedules of this account's default
    # group only (EventBridge Scheduler User Guide, "Set up the execution role").
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:scheduler:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:schedule-group/default"]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name                 = "${var.name}-scheduler"
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume_scheduler.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeIngestOnly"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.ingest_function_arn]
  }
  statement {
    sid       = "DeadLetterUndeliveredRuns"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-ingest"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "ingest" {
  #checkov:skip=CKV_AWS_297:The schedule's input holds only Scheduler context placeholders, no data worth a customer-managed key; AWS encrypts it with an AWS-owned key.
  name                         = "${var.name}-ingest"
  description                  = "Takes a snapshot on ${var.schedule_expression}"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = "UTC"
  state                        = var.enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.ingest_function_arn
    role_arn = aws_iam_role.scheduler.arn
    # The payload ingest recognises as an EventBridge Scheduler invocation.
    # jsonencode escapes < and > as \u003c and \u003e, which would hide the
    # placeholders from Scheduler's substitution, so they are put back.
    input = replace(replace(jsonencode({
      schedule_arn   = "<aws.scheduler.schedule-arn>"
      scheduled_time = "<aws.scheduler.scheduled-time>"
      execution_id   = "<aws.scheduler.execution-id>"
      attempt_number = "<aws.scheduler.attempt-number>"
    }), "\\u003c", "<"), "\\u003e", ">")

    retry_policy {
      maximum_retry_attempts       = var.retry_attempts
      maximum_event_age_in_seconds = var.max_event_age_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letter.arn
    }
  }
}

# ---------------------------------------------------------------- manual runs

resource "aws_cloudwatch_event_rule" "manual" {
  name           = "${var.name}-ingest-requested"
  description    = "Takes a snapshot now on an \"Ingest Requested\" event"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  state          = var.enabled ? "ENABLED" : "DISABLED"
  event_pattern = jsonencode({
    "detail-type" = ["Ingest Requested"]
  })
}

resource "aws_cloudwatch_event_target" "manual" {
  rule           = aws_cloudwatch_event_rule.manual.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  arn            = var.ingest_function_arn

  retry_policy {
    maximum_retry_attempts       = var.retry_attempts
    maximum_event_age_in_seconds = var.max_event_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

resource "aws_lambda_permission" "manual" {
  statement_id  = "AllowIngestRequestedRule"
  action        = "lambda:InvokeFunction"
  function_name = var.ingest_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.manual.arn
}
