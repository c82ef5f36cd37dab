# After every apply, call the deployed endpoint with the API key. Before the
# first scheduled run the bucket is empty and the answer is a 404 NoObjects;
# anything else (403, 5xx) means the deployment is not serving.
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
check "retrieve_answers" {
  data "http" "newest" {
    url = module.service.retrieve_url
    request_headers = {
      x-api-key = module.service.api_key_value
    }
  }

  assert {
    condition     = data.http.newest.status_code == 200 || (data.http.newest.status_code == 404 && strcontains(data.http.newest.response_body, "NoObjects"))
    error_message = "GET ${module.service.retrieve_url} answered ${data.http.newest.status_code}: ${data.http.newest.response_body}"
  }
}
