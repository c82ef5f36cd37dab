# After every apply, call the deployed endpoint with the API key. Before the
# first scheduled run the bucket is empty and the answer is a 404 NoObjects;
# anything else (403, 5xx) means the deployment is not serving. Terraform
# cannot sign a request, so an IAM-authorized API (prod's REST API, any HTTP
# API) is checked at the public /health: 200, or 503 "unavailable" before
# the first run.
#
# The offline deploy test, which has only hashicorp/aws and a moto endpoint
# that cannot serve API Gateway, leaves this file and versions.tf's
# hashicorp/http out and runs the real binaries against the deployed
# configuration instead; tests/terraform.rs loads the files as shipped.
locals {
  with_key    = var.api_type == "rest" && var.rest_api_authorization == "API_KEY"
  checked_url = local.with_key ? module.service.retrieve_url : module.service.health_url
}

check "retrieve_answers" {
  data "http" "newest" {
    url             = local.checked_url
    request_headers = local.with_key ? { x-api-key = module.service.api_key_value } : {}
  }

  assert {
    condition = (
      data.http.newest.status_code == 200
      || (data.http.newest.status_code == 404 && strcontains(data.http.newest.response_body, "NoObjects"))
      || (data.http.newest.status_code == 503 && strcontains(data.http.newest.response_body, "unavailable"))
    )
    error_message = "GET ${local.checked_url} answered ${data.http.newest.status_code}: ${data.http.newest.response_body}"
  }
}
