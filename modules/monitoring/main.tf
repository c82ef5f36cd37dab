locals {
  # Two schedule periods, in seconds, for the "no successful ingest" alarm.
  stale_after_seconds = 2 * var.schedule_period_minutes * 60
  alarm_actions       = [aws_sns_topic.alarms.arn]
  functions = merge(
    { retrieve = var.retrieve_function_name },
    var.retrieve_stream_function_name == null ? {} : { retrieve-stream = var.retrieve_stream_function_name },
    var.ingest_enabled ? { ingest = var.ingest_function_name } : {},
  )
  ingest_alarms = var.ingest_enabled ? 1 : 0

  # REST APIs publish 4XXError/5XXError by ApiName; HTTP APIs publish 4xx/5xx
  # by ApiId. Both report Count, and error averages as rates (0 to 1).
  api_dimensions        = var.api_type == "rest" ? { ApiName = var.api_name, Stage = var.api_stage } : { ApiId = var.api_id, Stage = var.api_stage }
  api_metrics           = var.api_type == "rest" ? { "4xx" = "4XXError", "5xx" = "5XXError" } : { "4xx" = "4xx", "5xx" = "5xx" }
  api_metric_dimensions = flatten([for name, value in local.api_dimensions : [name, value]])
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# Errors and throttles of each function: any at all is worth a look.
resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = {
    for pair in setproduct(keys(local.functions), ["Errors", "Throttles"]) : "${pair[0]}-${lower(pair[1])}" => {
      function = pair[0]
      metric   = pair[1]
    }
  }
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.function}: ${each.value.metric} in the last 5 minutes"
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = local.functions[each.value.function] }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "retrieve_p99" {
  alarm_name          = "${var.name}-retrieve-p99-duration"
  alarm_description   = "retrieve p99 duration above ${var.retrieve_p99_threshold_ms} ms"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = var.retrieve_function_name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.retrieve_p99_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_rate" {
  for_each = {
    "5xx" = { metric = local.api_metrics["5xx"], threshold = var.api_5xx_rate_threshold }
    "4xx" = { metric = local.api_metrics["4xx"], threshold = var.api_4xx_rate_threshold }
  }
  alarm_name          = "${var.name}-api-${each.key}-rate"
  alarm_description   = "More than ${each.value.threshold * 100}% of API requests answered ${each.key}"
  namespace           = "AWS/ApiGateway"
  metric_name         = each.value.metric
  dimensions          = local.api_dimensions
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  count               = local.ingest_alarms
  alarm_name          = "${var.name}-ingest-dead-letters"
  alarm_description   = "Failed ingest runs are waiting in ${var.dead_letter_queue_name}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dead_letter_queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Successful ingests = invocations - errors; none within two schedule periods
# means the snapshot is going stale, whatever the reason.
resource "aws_cloudwatch_metric_alarm" "stale" {
  count               = local.ingest_alarms
  alarm_name          = "${var.name}-no-successful-ingest"
  alarm_description   = "No successful ingest within two schedule periods (${local.stale_after_seconds / 60} minutes)"
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "successes"
    expression  = "FILL(invocations, 0) - FILL(errors, 0)"
    label       = "Successful ingests"
    return_data = true
  }

  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = var.ingest_function_name }
      stat        = "Sum"
      period      = local.stale_after_seconds
    }
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = var.ingest_function_name }
      stat        = "Sum"
      period      = local.stale_after_seconds
    }
  }
}

# The newest snapshot's age as this region's retrieve sees it: written by
# every health check (retrieve's NewestObjectAgeSeconds embedded metric, per
# bucket). Route 53 checks /health continuously, so missing data means the
# checks or the function stopped: breaching. In a standby this is the one
# number that says whether failing over would serve something fresh.
resource "aws_cloudwatch_metric_alarm" "newest_object_age" {
  count               = var.newest_object_max_age_minutes == null ? 0 : 1
  alarm_name          = "${var.name}-newest-object-age"
  alarm_description   = "The newest snapshot in ${var.bucket_name} is older than ${var.newest_object_max_age_minutes} minutes (or no health check has reported it)"
  namespace           = "s3-latest"
  metric_name         = "NewestObjectAgeSeconds"
  dimensions          = { Bucket = var.bucket_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.newest_object_max_age_minutes * 60
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A pointer naming an older snapshot than the listing's newest: someone with
# s3:PutObject on the bucket tried to roll "newest" back (retrieve refused it
# and served the listing's; see functions/s3-latest/src/retrieve/lookup.rs).
# Each instance reports each forged pointer once, so any count is an event.
resource "aws_cloudwatch_metric_alarm" "pointer_refused" {
  alarm_name          = "${var.name}-pointer-refused"
  alarm_description   = "retrieve refused a pointer naming an older snapshot than the listing's newest in ${var.bucket_name}: check who wrote the pointer (CloudTrail data events)"
  namespace           = "s3-latest"
  metric_name         = "PointerRefused"
  dimensions          = { Bucket = var.bucket_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# An object under the prefix that failed authentication: not encrypted, under
# another key or context, tampered, or pre-written at a key of ours. retrieve
# skipped it and served the newest that authenticates; each instance reports
# each object once (functions/s3-latest/src/retrieve/mod.rs), so any count is
# an event: someone who can write to the bucket wrote what ingest did not.
resource "aws_cloudwatch_metric_alarm" "unauthentic_object" {
  alarm_name          = "${var.name}-unauthentic-object"
  alarm_description   = "retrieve skipped an object under the snapshot prefix of ${var.bucket_name} that failed authentication: check who wrote it (CloudTrail data events), then delete it"
  namespace           = "s3-latest"
  metric_name         = "UnauthenticObject"
  dimensions          = { Bucket = var.bucket_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Invocations and errors"
          region = var.region
          stat   = "Sum"
          metrics = flatten([
            for function in values(local.functions) : [
              ["AWS/Lambda", "Invocations", "FunctionName", function],
              ["AWS/Lambda", "Errors", "FunctionName", function],
            ]
          ])
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "retrieve duration (ms)"
          region  = var.region
          metrics = [["AWS/Lambda", "Duration", "FunctionName", var.retrieve_function_name, { stat = "p50" }], ["...", { stat = "p99" }]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "API requests and errors"
          region = var.region
          stat   = "Sum"
          metrics = [
            concat(["AWS/ApiGateway", "Count"], local.api_metric_dimensions),
            concat(["AWS/ApiGateway", local.api_metrics["4xx"]], local.api_metric_dimensions),
            concat(["AWS/ApiGateway", local.api_metrics["5xx"]], local.api_metric_dimensions),
          ]
        }
      },
      var.ingest_enabled ? {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Dead letters"
          region  = var.region
          stat    = "Maximum"
          metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dead_letter_queue_name]]
        }
        } : {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Newest snapshot age (s)"
          region  = var.region
          stat    = "Maximum"
          metrics = [["s3-latest", "NewestObjectAgeSeconds", "Bucket", coalesce(var.bucket_name, "-")]]
        }
      },
    ]
  })
}

# The ingest alarms gained a count (a standby has none): keep existing alarms.
moved {
  from = aws_cloudwatch_metric_alarm.dead_letters
  to   = aws_cloudwatch_metric_alarm.dead_letters[0]
}

moved {
  from = aws_cloudwatch_metric_alarm.stale
  to   = aws_cloudwatch_metric_alarm.stale[0]
}
