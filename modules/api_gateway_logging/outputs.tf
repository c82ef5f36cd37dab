output "parameter_name" {
  description = "The marker environments look up in this region."
  value       = aws_ssm_parameter.ready.name
}
