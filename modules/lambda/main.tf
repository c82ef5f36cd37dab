resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_in_days input: prod keeps 365 days, dev 14 to keep cost down.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the reserved_concurrent_executions input, off by default: new accounts have a concurrency quota too low to reserve from (see docs/deploy.md).
  #checkov:skip=CKV_AWS_117:The function only calls AWS APIs over TLS; a VPC would add NAT cost and cold-start time and protect nothing.
  #checkov:skip=CKV_AWS_272:The zip is built in CI from this repository; code signing needs an AWS Signer profile, which operators can add with code_signing_config_arn.
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations of ingest go to its queue through the on-failure destination (aws_lambda_function_event_invoke_config below), which carries more than a dead_letter_config and would duplicate it; retrieve is invoked synchronously.
  function_name    = var.function_name
  description      = var.description
  role             = var.role_arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  # Paused: a reservation of 0 throttles every invocation.
  reserved_concurrent_executions = var.paused ? 0 : var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }
}

# Asynchronous invocations (schedules, events): how often Lambda retries, and
# where an invocation that still fails goes. One route only: the on-failure
# destination, which records the request, the response and the error (a
# dead_letter_config as well would deliver each failure twice).
resource "aws_lambda_function_event_invoke_config" "this" {
  count                        = var.dead_letter_queue_enabled ? 1 : 0
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.async_retry_attempts
  maximum_event_age_in_seconds = var.async_max_event_age_seconds

  destination_config {
    on_failure {
      destination = var.dead_letter_queue_arn
    }
  }
}
