variable "name" {
  description = "Name of the web ACL (e.g. s3-latest-prod)."
  type        = string
}

variable "requests_per_5_minutes_per_ip" {
  description = "Requests one IP may make in 5 minutes before it is blocked."
  type        = number
  default     = 1000

  validation {
    condition     = var.requests_per_5_minutes_per_ip >= 10
    error_message = "WAF rate limits start at 10 requests per 5 minutes."
  }
}
