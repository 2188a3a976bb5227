variable "bucket_name" {
  type = string
}

resource "aws_s3_bucket" "customer_behaviour_clickstream_raw_events_landing_zone" {
  bucket = var.bucket_name
}

resource "aws_cloudwatch_log_group" "customer_behaviour_clickstream_ingestion_service_logs" {
  name = "/aws/eks/acme-analytics-platform-prod/workloads/customer-behaviour-clickstream-ingestion-service"
}
