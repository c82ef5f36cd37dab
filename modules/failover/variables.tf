variable "name" {
  description = "This region's deployment name; the health check is tagged <name>-health."
  type        = string
}

variable "region" {
  description = "The region of the API."
  type        = string
}

variable "rest_api_id" {
  description = "The region's REST API."
  type        = string
}

variable "stage_name" {
  description = "The API stage; the health check calls /<stage>/health."
  type        = string
}

variable "failover_role" {
  description = "PRIMARY or SECONDARY: Route 53 answers with the primary while its health check passes."
  type        = string

  validation {
    condition     = contains(["PRIMARY", "SECONDARY"], var.failover_role)
    error_message = "failover_role must be PRIMARY or SECONDARY."
  }
}

variable "health_check_interval_seconds" {
  description = "Seconds between a checker's requests: 30 (standard) or 10 (fast, billed higher)."
  type        = number
  default     = 30

  validation {
    condition     = contains([10, 30], var.health_check_interval_seconds)
    error_message = "Route 53 checks every 10 or 30 seconds."
  }
}

variable "health_check_failure_threshold" {
  description = "Consecutive failures before Route 53 calls the region unhealthy."
  type        = number
  default     = 3

  validation {
    condition     = var.health_check_failure_threshold >= 1 && var.health_check_failure_threshold <= 10
    error_message = "Route 53 accepts a failure threshold of 1 to 10."
  }
}

variable "domain_name" {
  description = "The API's custom domain, served from both regions (null: no domain, certificate or failover record; the health check stays)."
  type        = string
  default     = null
}

variable "hosted_zone_id" {
  description = "The Route 53 public hosted zone of domain_name."
  type        = string
  default     = null
}

variable "validation_record_fqdns" {
  description = "With domain_name: the DNS validation records of the certificate (made once by the caller from validation_records, shared by both regions)."
  type        = list(string)
  default     = []
}
