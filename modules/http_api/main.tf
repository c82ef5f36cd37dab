# The same two routes as modules/api_gateway, on an API Gateway HTTP API:
# $1.00 per million requests against REST's $3.50, at the price of what HTTP
# APIs lack (API keys and usage plans, WAF, private endpoints, response
# streaming). The retrieve function reads both payload formats.

locals {
  # Every path answers GET and HEAD (the snapshot, its JSON view, /health);
  # /health stays public for Route 53.
  routes = {
    Get        = { key = "GET /retrieve_most_recent_object", authorized = true }
    Head       = { key = "HEAD /retrieve_most_recent_object", authorized = true }
    GetJson    = { key = "GET /retrieve_most_recent_object/json", authorized = true }
    HeadJson   = { key = "HEAD /retrieve_most_recent_object/json", authorized = true }
    GetHealth  = { key = "GET /health", authorized = false }
    HeadHealth = { key = "HEAD /health", authorized = false }
  }
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  description   = "s3-latest: GET /retrieve_most_recent_object"
  protocol_type = "HTTP"

  # An HTTP API answers preflights itself and ignores the function's CORS
  # headers once this is set.
  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [1] : []
    content {
      allow_origins  = var.cors_allowed_origins
      allow_methods  = ["GET", "HEAD"]
      allow_headers  = ["authorization", "if-modified-since", "if-none-match", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]
      expose_headers = ["etag", "last-modified", "x-object-key", "content-length"]
      max_age        = 600
    }
  }
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.lambda_invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_milliseconds
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  count            = var.authorization_type == "JWT" ? 1 : 0
  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }
}

resource "aws_apigatewayv2_route" "this" {
  #checkov:skip=CKV_AWS_309:GET and HEAD /health are public on purpose for Route 53's checkers, which cannot sign requests or carry a token; they reveal only ok or unavailable. The snapshot routes take authorization_type (AWS_IAM or JWT).
  for_each           = local.routes
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value.key
  target             = "integrations/${aws_apigatewayv2_integration.this.id}"
  authorization_type = each.value.authorized ? var.authorization_type : "NONE"
  authorizer_id      = each.value.authorized && var.authorization_type == "JWT" ? aws_apigatewayv2_authorizer.jwt[0].id : null
}

# Named apart from the REST API's group: switching api_type creates this one
# while the other is being deleted, and CloudWatch refuses a name in use.
locals {
  access_log_group_name = "API-Gateway-Access-Logs_${var.name}-http/${var.stage_name}"
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_in_days input: prod keeps 365 days, dev 14 to keep cost down.
  name              = local.access_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = var.stage_name
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit    = var.throttle_rate_limit
    throttling_burst_limit   = var.throttle_burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      ip               = "$context.identity.sourceIp"
      requestTime      = "$context.requestTime"
      httpMethod       = "$context.httpMethod"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      latency          = "$context.responseLatency"
      integrationError = "$context.integrationErrorMessage"
      caller           = "$context.identity.caller"
    })
  }
}

# API Gateway may invoke the function only for this stage, method and path.
resource "aws_lambda_permission" "this" {
  for_each      = local.routes
  statement_id  = "AllowHttpApi${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = var.lambda_function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/${aws_apigatewayv2_stage.this.name}/${replace(each.value.key, " ", "")}"
}
