output "url" {
  description = "GET /retrieve_most_recent_object on the failover domain, or null without one."
  value       = module.primary_failover.domain_url
}

output "primary_retrieve_url" {
  description = "The primary region's own invoke URL."
  value       = module.primary.retrieve_url
}

output "standby_retrieve_url" {
  description = "The standby region's own invoke URL."
  value       = module.standby.retrieve_url
}

output "primary_health_url" {
  description = "What the primary's Route 53 health check calls."
  value       = module.primary.health_url
}

output "standby_health_url" {
  description = "What the standby's Route 53 health check calls."
  value       = module.standby.health_url
}

output "health_check_ids" {
  description = "The Route 53 health checks, by region role; the failover drill inverts the primary's."
  value = {
    primary = module.primary_failover.health_check_id
    standby = module.standby_failover.health_check_id
  }
}

output "bucket_names" {
  description = "The primary bucket and its standby replica."
  value = {
    primary = module.primary.bucket_name
    standby = module.standby.bucket_name
  }
}

output "kms_key_arns" {
  description = "The multi-region key and its replica."
  value = {
    primary = module.primary.kms_key_arn
    standby = module.standby.kms_key_arn
  }
}

output "store_id" {
  description = "The store identity both regions bind into every object's encryption context."
  value       = module.primary.store_id
}

output "event_bus_name" {
  description = "The primary's bus: send \"Ingest Requested\" here for a snapshot now."
  value       = module.primary.event_bus_name
}

output "alarm_topic_arns" {
  description = "Each region's alarm topic."
  value = {
    primary = module.primary.alarm_topic_arn
    standby = module.standby.alarm_topic_arn
  }
}

output "ingest_timeout_seconds" {
  description = "How long an ingest invocation may run (scripts/retire.sh waits this long for in-flight ones)."
  value       = module.primary.ingest_timeout_seconds
}
