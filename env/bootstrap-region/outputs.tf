output "region" {
  description = "The region this state sets up."
  value       = var.region
}
