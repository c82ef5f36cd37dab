# After every apply, call both regions with their API keys: each answers 200
# with the newest snapshot, or 404 NoObjects before the first one (the
# standby until replication brings it one). See env/dev/checks.tf for why
# this file carries its own provider requirement.
terraform {
  required_providers {
    http = {
      source  = "hashicorp/http"
      version = "~> 3.4"
    }
  }
}

check "both_regions_answer" {
  data "http" "primary" {
    url             = module.primary.retrieve_url
    request_headers = { x-api-key = module.primary.api_key_value }
  }

  data "http" "standby" {
    url             = module.standby.retrieve_url
    request_headers = { x-api-key = module.standby.api_key_value }
  }

  assert {
    condition = alltrue([
      for answer in [data.http.primary, data.http.standby] :
      answer.status_code == 200 || (answer.status_code == 404 && strcontains(answer.response_body, "NoObjects"))
    ])
    error_message = "primary ${data.http.primary.status_code}, standby ${data.http.standby.status_code}: ${data.http.primary.response_body} / ${data.http.standby.response_body}"
  }
}
