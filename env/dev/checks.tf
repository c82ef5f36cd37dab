# After every apply, call the deployed endpoint with the API key. Before the
# first scheduled run the bucket is empty and the answer is a 404 NoObjects;
# anything else (403, 5xx) means the deployment is not serving. An HTTP API
# has no API key and Terraform cannot sign a request, so there the check
# calls the public /health: 200, or 503 "unavailable" before the first run.
#
# This file carries its own provider requirement (hashicorp/http), so the
# offline deploy test, which has only hashicorp/aws and a moto endpoint that
# cannot serve API Gateway, leaves exactly this file out and runs the real
# binaries against the deployed configuration instead.
terraform {
  required_providers {
    http = {
      source  = "hashicorp/http"
      version = "~> 3.4"
    }
  }
}
locals {
  checked_url = var.api_type == "rest" ? module.service.retrieve_url : module.service.health_url
}

check "retrieve_answers" {
  data "http" "newest" {
    url             = local.checked_url
    request_headers = var.api_type == "rest" ? { x-api-key = module.service.api_key_value } : {}
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
