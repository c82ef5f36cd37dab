# After every apply, call both regions with their API keys: each answers 200
# with the newest snapshot, or 404 NoObjects before the first one (the
# standby until replication brings it one). A check block holds one data
# source, so one check per region. See env/dev/checks.tf for how this is tested.

check "primary_answers" {
  data "http" "primary" {
    url             = module.primary.retrieve_url
    request_headers = { x-api-key = module.primary.api_key_value }
  }

  assert {
    condition     = data.http.primary.status_code == 200 || (data.http.primary.status_code == 404 && strcontains(data.http.primary.response_body, "NoObjects"))
    error_message = "primary: ${data.http.primary.status_code}: ${data.http.primary.response_body}"
  }
}

check "standby_answers" {
  data "http" "standby" {
    url             = module.standby.retrieve_url
    request_headers = { x-api-key = module.standby.api_key_value }
  }

  assert {
    condition     = data.http.standby.status_code == 200 || (data.http.standby.status_code == 404 && strcontains(data.http.standby.response_body, "NoObjects"))
    error_message = "standby: ${data.http.standby.status_code}: ${data.http.standby.response_body}"
  }
}
