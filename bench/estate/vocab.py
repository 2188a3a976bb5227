"""The words a generated estate is made of: teams and their clouds, environments, region
pairs, dataset and service names, and the kinds of per-service files each cloud has."""
from __future__ import annotations

# Team -> cloud.  Order matters: the first roots generated (small sizes) should
# already mix the three clouds.
TEAMS: list[tuple[str, str]] = [
    ("payments", "aws"),
    ("analytics", "gcp"),
    ("identity", "aws"),
    ("support", "azure"),
    ("search", "aws"),
    ("checkout", "aws"),
    ("ml-platform", "gcp"),
    ("ledger", "aws"),
    ("risk", "aws"),
    ("notifications", "aws"),
    ("partner-api", "azure"),
    ("catalog", "aws"),
    ("fulfilment", "aws"),
    ("data-eng", "gcp"),
    ("growth", "aws"),
    ("billing", "aws"),
    ("security", "aws"),
    ("reporting", "azure"),
    ("observability", "aws"),
    ("media", "gcp"),
    ("messaging", "aws"),
    ("pricing", "aws"),
    ("onboarding", "aws"),
    ("mobile-backend", "aws"),
]
BASE_ENVS = ["dev", "staging", "prod"]
EXTRA_ENVS = ["sandbox", "perf", "prod-eu2", "qa", "uat", "preprod"]

AWS_REGION_PAIRS = [
    ("eu-west-1", "eu-central-1"),
    ("eu-central-1", "eu-west-1"),
    ("eu-west-2", "eu-west-1"),
    ("eu-north-1", "eu-central-1"),
    ("us-east-1", "us-west-2"),
    ("us-west-2", "us-east-1"),
    ("ca-central-1", "ca-west-1"),
    ("ap-southeast-2", "ap-southeast-4"),
]
GCP_REGION_PAIRS = [
    ("europe-west1", "europe-west4"),
    ("europe-west3", "europe-west1"),
    ("us-central1", "us-east1"),
    ("australia-southeast1", "australia-southeast2"),
]
AZURE_LOCATION_PAIRS = [
    ("westeurope", "northeurope"),
    ("germanywestcentral", "germanynorth"),
    ("eastus2", "centralus"),
    ("uksouth", "ukwest"),
]
DATASETS = [
    "events", "invoices", "audit", "exports", "raw", "curated", "snapshots",
    "uploads", "reports", "archive", "ledger", "clickstream", "documents",
    "media", "backups", "features", "models", "statements", "receipts", "kyc",
    "telemetry", "sessions", "orders", "refunds", "payouts", "catalogue",
]
SERVICES = [
    "api", "worker", "scheduler", "gateway", "ingest", "indexer", "notifier",
    "reconciler", "exporter", "webhooks", "admin", "sync", "router", "auth",
]
COST_CENTERS = ["CC-1001", "CC-1044", "CC-2010", "CC-2087", "CC-3150", "CC-4200"]

AWS_SERVICE_KINDS = ["s3", "queues", "dynamodb", "rds", "iam", "logs", "kms", "backup", "ecr"]
GCP_SERVICE_KINDS = ["gcs", "bigquery", "pubsub", "sql", "kms", "gar"]
AZURE_SERVICE_KINDS = ["storage", "keyvault", "acr", "logs", "sql"]
