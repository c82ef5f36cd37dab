# Both outputs wait for versioning and the lifecycle configuration, so that
# whatever configures the bucket from outside (replication) is created after
# them and destroyed before them: S3 refuses replication on an unversioned
# bucket, and two configuration writes at once conflict.
output "bucket_name" {
  description = "Name of the snapshot bucket, once versioned and configured."
  value       = aws_s3_bucket_versioning.this.bucket
  depends_on  = [aws_s3_bucket_lifecycle_configuration.this]
}

output "bucket_arn" {
  description = "ARN of the snapshot bucket, once versioned and configured."
  value       = local.bucket.arn
  depends_on  = [aws_s3_bucket_versioning.this, aws_s3_bucket_lifecycle_configuration.this]
}
