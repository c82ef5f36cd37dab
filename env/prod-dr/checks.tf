# After every apply, call both regions' public /health: 200, or 503
# "unavailable" before the first snapshot (the standby until replication
# brings it one). Terraform holds no bearer token, and the snapshot route
# takes nothing else. A check block holds one data source, so one check
# per region. See env/dev/checks.tf for how this is tested.

check "primary_answers" {
  data "http" "primary" {
    url = module.primary.health_url
  }

  assert {
    condition     = data.http.primary.status_code == 200 || (data.http.primary.status_code == 503 && strcontains(data.http.primary.response_body, "unavailable"))
    error_message = "primary: ${data.http.primary.status_code}: ${data.http.primary.response_body}"
  }
}

check "standby_answers" {
  data "http" "standby" {
    url = module.standby.health_url
  }

  assert {
    condition     = data.http.standby.status_code == 200 || (data.http.standby.status_code == 503 && strcontains(data.http.standby.response_body, "unavailable"))
    error_message = "standby: ${data.http.standby.status_code}: ${data.http.standby.response_body}"
  }
}
