data "aws_iam_policy_document" "private" {
  count = var.endpoint_type == "PRIVATE" ? 1 : 0

  statement {
    sid     = "InvokeOnlyThroughTheNamedVpcEndpoints"
    actions = ["execute-api:Invoke"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    resources = ["execute-api:/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpce"
      values   = var.vpc_endpoint_ids
    }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = "s3-latest: GET /retrieve_most_recent_object"
  # Binary snapshots come back base64-encoded from Lambda; API Gateway decodes
  # them for any Accept header.
  binary_media_types = ["*/*"]
  policy             = var.endpoint_type == "PRIVATE" ? data.aws_iam_policy_document.private[0].json : null

  endpoint_configuration {
    types            = [var.endpoint_type]
    vpc_endpoint_ids = var.endpoint_type == "PRIVATE" ? var.vpc_endpoint_ids : null
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "retrieve_most_recent_object"
}

# The JSON view as a path of its own (GET /retrieve_most_recent_object/json),
# so that a client generated from the contract gets it typed; authorized as
# the snapshot is.
resource "aws_api_gateway_resource" "json_view" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.this.id
  path_part   = "json"
}

resource "aws_api_gateway_request_validator" "this" {
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  name                        = "parameters"
  validate_request_parameters = true
  validate_request_body       = false
}

resource "aws_api_gateway_method" "this" {
  #checkov:skip=CKV2_AWS_53:The request validator is attached; these methods take no body and only an optional `format` query parameter.
  #checkov:skip=CKV_AWS_59:With cors_enabled, OPTIONS carries browsers' preflights, which send no key or signature by design (Fetch standard); the function answers it with headers only.
  # OPTIONS (with cors_enabled) carries browsers' preflights, which never
  # carry credentials: the function answers them, with headers only.
  for_each    = toset(concat(["GET", "HEAD"], var.cors_enabled ? ["OPTIONS"] : []))
  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.this.id
  http_method = each.key
  authorization = (
    each.key == "OPTIONS" ? "NONE" :
    var.iam_authorization ? "AWS_IAM" :
    var.token_authorizer != null ? "CUSTOM" : "NONE"
  )
  authorizer_id        = each.key != "OPTIONS" && var.token_authorizer != null ? aws_api_gateway_authorizer.token[0].id : null
  api_key_required     = each.key != "OPTIONS" && var.api_key_required
  request_validator_id = aws_api_gateway_request_validator.this.id
  request_parameters = {
    "method.request.querystring.format" = false
  }
}

# The snapshot route's bearer-token check, where one is configured. API
# Gateway refuses a request whose Authorization header is not a bearer
# token (401) before the function runs, and keeps the function's verdict
# for one token for cache_seconds.
resource "aws_api_gateway_authorizer" "token" {
  count                            = var.token_authorizer != null ? 1 : 0
  name                             = "${var.name}-bearer-token"
  rest_api_id                      = aws_api_gateway_rest_api.this.id
  type                             = "TOKEN"
  authorizer_uri                   = var.token_authorizer.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  identity_validation_expression   = "^[Bb]earer [-A-Za-z0-9_=]+\\.[-A-Za-z0-9_=]+\\.[-A-Za-z0-9_=]+$"
  authorizer_result_ttl_in_seconds = var.token_authorizer.cache_seconds
}

# API Gateway may invoke the authorizer only as this API's authorizer.
resource "aws_lambda_permission" "authorizer" {
  count         = var.token_authorizer != null ? 1 : 0
  statement_id  = "AllowApiGatewayAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.token_authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/authorizers/${aws_api_gateway_authorizer.token[0].id}"
}

resource "aws_api_gateway_method" "json_view" {
  #checkov:skip=CKV2_AWS_53:The request validator is attached; these methods take no body and no parameters.
  for_each             = toset(["GET", "HEAD"])
  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.json_view.id
  http_method          = each.key
  authorization        = aws_api_gateway_method.this[each.key].authorization
  authorizer_id        = aws_api_gateway_method.this[each.key].authorizer_id
  api_key_required     = aws_api_gateway_method.this[each.key].api_key_required
  request_validator_id = aws_api_gateway_request_validator.this.id
}

# Every method of every route proxies to the function.
resource "aws_api_gateway_integration" "this" {
  for_each = merge(
    aws_api_gateway_method.this,
    { for method, m in aws_api_gateway_method.json_view : "${method} json" => m },
    { for method, m in aws_api_gateway_method.health : "${method} health" => m },
  )
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = each.value.resource_id
  http_method             = each.value.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.lambda_invoke_arn
  timeout_milliseconds    = var.integration_timeout_milliseconds
}

# GET/HEAD /health for Route 53 health checks: public on purpose, since
# Route 53's checkers send no API key. It answers only {"status":"ok"} or
# {"status":"unavailable"}, and the stage's throttling and WAF still apply.
resource "aws_api_gateway_resource" "health" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "health"
}

resource "aws_api_gateway_method" "health" {
  #checkov:skip=CKV_AWS_59:The health route is public for Route 53's checkers, which cannot send an API key; it reveals only ok or unavailable.
  #checkov:skip=CKV2_AWS_53:The request validator is attached; the health route takes no body and no parameters.
  for_each             = toset(["GET", "HEAD"])
  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.health.id
  http_method          = each.key
  authorization        = "NONE"
  api_key_required     = false
  request_validator_id = aws_api_gateway_request_validator.this.id
}

# What API Gateway answers itself (no route, no or a wrong key, throttling,
# quota, WAF, its own faults) in the handler's error shape, with the
# request id clients quote in support requests. An unknown method on the
# snapshot route is an unknown route to a REST API: 404 NotFound.
locals {
  gateway_responses = {
    MISSING_AUTHENTICATION_TOKEN = { status = "404", code = "NotFound", message = "no such route; GET /retrieve_most_recent_object or /health" }
    INVALID_API_KEY              = { status = "403", code = "Forbidden", message = "a valid x-api-key header is required" }
    UNAUTHORIZED                 = { status = "401", code = "Unauthorized", message = "a valid bearer token is required" }
    ACCESS_DENIED                = { status = "403", code = "Forbidden", message = "the caller is not allowed to invoke this route" }
    INVALID_SIGNATURE            = { status = "403", code = "Forbidden", message = "the request signature is not valid" }
    EXPIRED_TOKEN                = { status = "403", code = "Forbidden", message = "the credentials have expired" }
    WAF_FILTERED                 = { status = "403", code = "Forbidden", message = "the request was blocked" }
    THROTTLED                    = { status = "429", code = "TooManyRequests", message = "request rate exceeded; retry later" }
    QUOTA_EXCEEDED               = { status = "429", code = "QuotaExceeded", message = "the daily quota for this key is used up" }
    BAD_REQUEST_PARAMETERS       = { status = "400", code = "BadRequest", message = "the request parameters are not valid" }
    REQUEST_TOO_LARGE            = { status = "413", code = "RequestTooLarge", message = "the request is too large" }
    INTEGRATION_TIMEOUT          = { status = "504", code = "GatewayTimeout", message = "the function did not answer in time; retry" }
    DEFAULT_4XX                  = { status = null, code = "BadRequest", message = "the request was refused" }
    DEFAULT_5XX                  = { status = null, code = "GatewayError", message = "the gateway could not complete the request; retry" }
  }
}

resource "aws_api_gateway_gateway_response" "this" {
  for_each      = local.gateway_responses
  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = each.key
  status_code   = each.value.status
  response_templates = {
    "application/json" = jsonencode({ error = { code = each.value.code, message = each.value.message, request_id = "$context.requestId" } })
  }
  response_parameters = merge(
    { "gatewayresponse.header.Cache-Control" = "'no-store'" },
    # RFC 6750 §3: a 401 names the scheme the client must use.
    each.key == "UNAUTHORIZED" ? { "gatewayresponse.header.WWW-Authenticate" = "'Bearer'" } : {},
  )
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # Redeploy whenever the API's shape changes.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.this,
      aws_api_gateway_method.this,
      aws_api_gateway_resource.json_view,
      aws_api_gateway_method.json_view,
      aws_api_gateway_integration.this,
      aws_api_gateway_resource.health,
      aws_api_gateway_method.health,
      aws_api_gateway_request_validator.this,
      aws_api_gateway_authorizer.token,
      aws_api_gateway_rest_api.this.policy,
      aws_api_gateway_rest_api.this.binary_media_types,
      aws_api_gateway_gateway_response.this,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_in_days input: prod keeps 365 days, dev 14 to keep cost down.
  name              = local.access_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
}

# API Gateway writes execution logs (logging_level below) to a group of this
# name, and creates it itself, unencrypted and never expiring, unless it
# exists: made here first, with the key and the retention, and destroyed
# with the stage (provider docs for aws_api_gateway_stage, "Managing the API
# Logging CloudWatch Log Group").
resource "aws_cloudwatch_log_group" "execution" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_in_days input: prod keeps 365 days, dev 14 to keep cost down.
  name              = local.execution_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
}

locals {
  access_log_group_name    = "API-Gateway-Access-Logs_${var.name}/${var.stage_name}"
  execution_log_group_name = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Response caching would serve stale snapshots; clients revalidate with ETags and the warm function answers from memory.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to HTTP backends; the backend here is Lambda via AWS_PROXY.
  #checkov:skip=CKV2_AWS_29:WAF is the waf_acl_arn input (aws_wafv2_web_acl_association below); prod attaches one.
  #checkov:skip=CKV2_AWS_77:The attached ACL comes from modules/waf, whose AWSManagedRulesKnownBadInputsRuleSet blocks Log4j lookups; checkov cannot follow the ARN input.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true

  lifecycle {
    precondition {
      condition     = var.account_logging_role_ready
      error_message = "API Gateway stage logging needs the account's CloudWatch role set in this region: run scripts/deploy.sh bootstrap (its home region) or scripts/deploy.sh bootstrap-region <region> first."
    }
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      ip               = "$context.identity.sourceIp"
      requestTime      = "$context.requestTime"
      httpMethod       = "$context.httpMethod"
      resourcePath     = "$context.resourcePath"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      latency          = "$context.responseLatency"
      integrationError = "$context.integration.error"
      apiKeyId         = "$context.identity.apiKeyId"
    })
  }
}

resource "aws_api_gateway_method_settings" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  depends_on = [aws_cloudwatch_log_group.execution]

  settings {
    #checkov:skip=CKV_AWS_225:Caching is off on purpose, see the stage.
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    caching_enabled        = false
    throttling_burst_limit = var.throttle_burst_limit
    throttling_rate_limit  = var.throttle_rate_limit
  }
}

resource "aws_api_gateway_api_key" "this" {
  count = var.api_key_required ? 1 : 0
  name  = "${var.name}-${var.stage_name}"
  value = var.api_key_value
}

resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_key_required ? 1 : 0
  name  = "${var.name}-${var.stage_name}"

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    burst_limit = var.throttle_burst_limit
    rate_limit  = var.throttle_rate_limit
  }

  quota_settings {
    limit  = var.quota_per_day
    period = "DAY"
  }
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count         = var.api_key_required ? 1 : 0
  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}

resource "aws_wafv2_web_acl_association" "this" {
  count        = var.waf_enabled ? 1 : 0
  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = var.waf_acl_arn
}

# API Gateway may invoke the function only for this stage, method and path.
locals {
  invocations = merge(
    { for method in keys(aws_api_gateway_method.this) : method => { method = method, path = aws_api_gateway_resource.this.path } },
    { for method in keys(aws_api_gateway_method.json_view) : "${method}Json" => { method = method, path = aws_api_gateway_resource.json_view.path } },
    { for method in keys(aws_api_gateway_method.health) : "${method}Health" => { method = method, path = aws_api_gateway_resource.health.path } },
  )
}

resource "aws_lambda_permission" "this" {
  for_each      = local.invocations
  statement_id  = "AllowApiGateway${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = var.lambda_function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${aws_api_gateway_stage.this.stage_name}/${each.value.method}${each.value.path}"
}
