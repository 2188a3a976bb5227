provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "analytics_us"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}

module "customer_behaviour_clickstream_storage_for_the_analytics_platform" {
  source      = "./modules/customer_behaviour_clickstream_storage"
  bucket_name = "acme-analytics-platform-clickstream-raw-events-v2-prod"
}

module "customer_behaviour_clickstream_storage_for_the_us_analytics_replica" {
  source      = "./modules/customer_behaviour_clickstream_storage"
  bucket_name = "acme-analytics-platform-clickstream-raw-events-v2-us"
  providers = {
    aws = aws.analytics_us
  }
}
