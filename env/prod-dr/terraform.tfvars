environment           = "prod-dr"
region                = "eu-west-1"
standby_region        = "eu-central-1"
force_destroy         = false
log_retention_in_days = 365
waf_enabled           = true
throttle_rate_limit   = 200
throttle_burst_limit  = 400
quota_per_day         = 1000000
alarm_emails          = ["oncall@example.com"]
# Failover on a domain of yours (both or neither):
# domain_name    = "snapshots.example.com"
# hosted_zone_id = "Z0123456789ABCDEFGHIJ"
