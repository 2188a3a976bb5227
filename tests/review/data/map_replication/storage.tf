resource "aws_kms_key" "data" {
  description         = "orders data at rest"
  enable_key_rotation = true
}

resource "aws_s3_bucket" "orders" {
  bucket = "acme-orders-prod"
}

resource "aws_s3_bucket_versioning" "orders" {
  bucket = aws_s3_bucket.orders.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket" "orders_dr" {
  provider = aws.dr
  bucket   = "acme-orders-prod-dr"
}

resource "aws_s3_bucket_replication_configuration" "orders" {
  role   = "arn:aws:iam::111122223333:role/acme-orders-replication"
  bucket = aws_s3_bucket.orders.id

  rule {
    id     = "to-dr"
    status = "Enabled"

    destination {
      bucket = aws_s3_bucket.orders_dr.arn
    }
  }

  depends_on = [aws_s3_bucket_versioning.orders]
}

resource "aws_secretsmanager_secret" "db" {
  name       = "acme/orders/db"
  kms_key_id = aws_kms_key.data.arn

  replica {
    region = "eu-central-1"
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/acme/orders/app"
  retention_in_days = 30
  kms_key_id        = aws_kms_key.data.arn
}
