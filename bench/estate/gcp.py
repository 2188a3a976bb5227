"""GCP roots (default + ``google.dr`` providers) and their per-service files (gcs, bigquery,
pubsub, sql, kms, gar)."""
from __future__ import annotations

from ..text import T
from .hcl import hcl_value, indent, join_blocks, output, root_versions, tfvars, variable
from .roots import Root, ServiceGenerator, component, hcl_ident, sample, service_file, service_names
from .vocab import DATASETS, GCP_REGION_PAIRS, GCP_SERVICE_KINDS, SERVICES


def gcp_root_files(r: Root, n_service: int) -> dict[str, str]:
    rng = r.rng
    r.primary, r.dr = rng.choice(GCP_REGION_PAIRS)
    r.account_id = f"acme-{r.team}-{r.env}"[:24].rstrip("-") + f"-{rng.randint(100, 999)}"
    r.enable_dr = r.is_prod or rng.random() < 0.3
    team, env, m = r.team, r.env, r.modules_rel
    datasets = sample(rng, DATASETS, rng.randint(3, 6))
    repos = sample(rng, SERVICES, rng.randint(1, 4))

    files: dict[str, str] = {}
    files["versions.tf"] = root_versions("google", "hashicorp/google", "~> 5.25", "gcs", {
        "bucket": "acme-terraform-state",
        "prefix": f"{team}/{env}",
    })
    files["providers.tf"] = T(
        """
        provider "google" {
          project = var.project_id
          region  = var.region

          impersonate_service_account = "terraform@${var.project_id}.iam.gserviceaccount.com"

          default_labels = local.common_labels
        }

        provider "google" {
          alias   = "dr"
          project = var.project_id
          region  = var.dr_region

          impersonate_service_account = "terraform@${var.project_id}.iam.gserviceaccount.com"

          default_labels = merge(local.common_labels, {
            disaster_recovery = "true"
          })
        }
        """
    )
    files["variables.tf"] = join_blocks(
        variable("project_id", "string", "GCP project this stack deploys into."),
        variable("region", "string", "Primary GCP region.", r.primary),
        variable("dr_region", "string", "Region for disaster-recovery copies.", r.dr),
        variable("team", "string", "Owning team.", team),
        variable("environment", "string", "Deployment environment.", env),
        variable("enable_dr", "bool", "Create DR copies.", False),
        variable("labels", "map(string)", "Extra labels.", {}),
        variable("datasets", T(
            """
            map(object({
              storage_class = optional(string, "STANDARD")
              retention_age = optional(number, 365)
              readers       = optional(list(string), [])
            }))
            """), "Buckets keyed by dataset.", {}),
        variable("repositories", "list(string)", "Artifact Registry repositories.", []),
        variable("bigquery_location", "string", "BigQuery dataset location.", None, nullable=True),
    )
    tfv: dict[str, object] = {
        "project_id": r.account_id,
        "region": r.primary,
        "dr_region": r.dr,
        "team": team,
        "environment": env,
        "enable_dr": r.enable_dr,
        "datasets": {
            d: ({"storage_class": "NEARLINE"} if rng.random() < 0.3 else {})
            | ({"readers": [f"group:{team}-readers@example.com"]} if rng.random() < 0.5 else {})
            for d in datasets
        },
        "repositories": repos,
        "labels": {"owner": team, "data_classification": rng.choice(["internal", "confidential"])},
    }
    if rng.random() < 0.3:
        tfv["bigquery_location"] = rng.choice(["EU", "US"])
    files["terraform.tfvars"] = tfvars(tfv)
    files["locals.tf"] = T(
        """
        locals {
          name_prefix = "${var.team}-${var.environment}"
          is_prod     = startswith(var.environment, "prod")

          common_labels = merge(var.labels, {
            team        = var.team
            environment = var.environment
            managed_by  = "terraform"
          })

          bucket_names = { for name, cfg in var.datasets : name => "${local.name_prefix}-${name}-${substr(sha1(var.project_id), 0, 6)}" }
          bq_location  = coalesce(var.bigquery_location, var.region)
          kms_location = lower(var.region)
          lake_zones   = local.is_prod ? ["raw", "curated", "published"] : ["raw", "curated"]
        }
        """
    )
    files["main.tf"] = T(
        """
        resource "google_kms_key_ring" "main" {
          name     = "${local.name_prefix}-keys"
          project  = var.project_id
          location = local.kms_location
        }

        resource "google_kms_crypto_key" "data" {
          name            = "data"
          key_ring        = google_kms_key_ring.main.id
          rotation_period = "7776000s"

          lifecycle {
            prevent_destroy = true
          }
        }

        module "buckets" {
          source   = "__M__/gcs-bucket"
          for_each = var.datasets

          name          = local.bucket_names[each.key]
          project_id    = var.project_id
          location      = var.region
          storage_class = each.value.storage_class
          kms_key_name  = google_kms_crypto_key.data.id
          readers       = each.value.readers

          lifecycle_rules = [
            {
              action = "Delete"
              age    = each.value.retention_age
            },
          ]

          labels = local.common_labels
        }

        module "lake" {
          source = "__M__/gcp-data-lake"

          providers = {
            google    = google
            google.dr = google.dr
          }

          name_prefix  = "${local.name_prefix}-lake"
          project_id   = var.project_id
          location     = var.region
          dr_location  = var.dr_region
          enable_dr    = var.enable_dr
          zones        = local.lake_zones
          kms_key_name = google_kms_crypto_key.data.id
          labels       = local.common_labels
        }

        module "registry" {
          source   = "__M__/artifact-registry"
          for_each = toset(var.repositories)

          project_id    = var.project_id
          location      = var.region
          repository_id = "${var.team}-${each.value}"
          labels        = local.common_labels
        }
        """,
        m=m,
    )
    files["outputs.tf"] = join_blocks(
        output("bucket_names", "{ for k, b in module.buckets : k => b.name }", "Dataset buckets."),
        output("lake_buckets", "module.lake.buckets", "Data lake buckets by zone."),
        output("lake_dr_buckets", "module.lake.dr_buckets", "DR copies of the lake."),
        output("registries", "{ for k, reg in module.registry : k => reg.id }", "Artifact Registry repositories."),
        output("kms_key", "google_kms_crypto_key.data.id", "Data key."),
    )
    for kind, name in service_names(rng, GCP_SERVICE_KINDS, n_service):
        files[f"{kind}-{name}.tf"] = service_file(r, GCP_SERVICE_GENERATORS, kind, name)
    return files


def gcp_gcs_file(r: Root, name: str) -> str:
    rng = r.rng
    location = "var.region" if rng.random() < 0.8 else hcl_value(rng.choice(["EU", "US", "EUR4"]))
    return component(
        """
        resource "google_storage_bucket" "__ID__" {
          name                        = "${local.name_prefix}-__NAME__"
          project                     = var.project_id
          location                    = __LOCATION__
          storage_class               = "__CLASS__"
          uniform_bucket_level_access = true
          public_access_prevention    = "enforced"

          versioning {
            enabled = true
          }

          encryption {
            default_kms_key_name = google_kms_crypto_key.data.id
          }

          lifecycle_rule {
            action {
              type          = "SetStorageClass"
              storage_class = "COLDLINE"
            }
            condition {
              age                   = __AGE__
              matches_storage_class = ["STANDARD", "NEARLINE"]
            }
          }

          lifecycle_rule {
            action {
              type = "Delete"
            }
            condition {
              num_newer_versions = 5
              with_state         = "ARCHIVED"
            }
          }

          retention_policy {
            retention_period = __RETENTION__
          }

          logging {
            log_bucket = "${local.name_prefix}-access-logs"
          }

          labels = merge(local.common_labels, {
            dataset = "__NAME__"
          })
        }

        resource "google_storage_bucket_iam_member" "__ID___writer" {
          bucket = google_storage_bucket.__ID__.name
          role   = "roles/storage.objectCreator"
          member = "serviceAccount:__NAME__-writer@${var.project_id}.iam.gserviceaccount.com"
        }

        resource "google_storage_bucket_iam_member" "__ID___reader" {
          bucket = google_storage_bucket.__ID__.name
          role   = "roles/storage.objectViewer"
          member = "group:${var.team}-analysts@example.com"
        }

        resource "google_storage_notification" "__ID__" {
          bucket         = google_storage_bucket.__ID__.name
          payload_format = "JSON_API_V1"
          topic          = "projects/${var.project_id}/topics/${local.name_prefix}-__NAME__-events"
          event_types    = ["OBJECT_FINALIZE", "OBJECT_DELETE"]
        }
        """,
        name=name, location=location, age=rng.choice([30, 90, 180]),
        retention=rng.choice([86400, 604800, 2592000]),
        **{"class": rng.choice(["STANDARD", "NEARLINE"])},
    )


def gcp_bigquery_file(r: Root, name: str) -> str:
    rng = r.rng
    cols = sample(rng, ["customer_id", "order_id", "amount", "currency", "country", "status",
                        "created_at", "updated_at", "channel", "sku"], rng.randint(4, 7))
    schema = [{"name": "event_id", "type": "STRING", "mode": "REQUIRED"}] + [
        {"name": c, "type": "TIMESTAMP" if c.endswith("_at") else ("NUMERIC" if c == "amount" else "STRING"),
         "mode": "NULLABLE"} for c in cols]
    return component(
        """
        resource "google_bigquery_dataset" "__ID__" {
          dataset_id                  = replace("${local.name_prefix}___NAME__", "-", "_")
          project                     = var.project_id
          location                    = local.bq_location
          description                 = "__NAME__ data for ${var.team}"
          default_table_expiration_ms = __EXPIRY__
          delete_contents_on_destroy  = false

          default_encryption_configuration {
            kms_key_name = google_kms_crypto_key.data.id
          }

          access {
            role          = "OWNER"
            special_group = "projectOwners"
          }

          access {
            role           = "READER"
            group_by_email = "${var.team}-analysts@example.com"
          }

          labels = local.common_labels
        }

        resource "google_bigquery_table" "__ID___events" {
          dataset_id          = google_bigquery_dataset.__ID__.dataset_id
          project             = var.project_id
          table_id            = "events"
          deletion_protection = local.is_prod

          time_partitioning {
            type          = "DAY"
            field         = "__PART__"
            expiration_ms = __PART_EXPIRY__
          }

          clustering = ["event_id"]

          schema = jsonencode(__SCHEMA__)

          labels = local.common_labels
        }

        resource "google_bigquery_dataset_iam_member" "__ID___viewer" {
          dataset_id = google_bigquery_dataset.__ID__.dataset_id
          project    = var.project_id
          role       = "roles/bigquery.dataViewer"
          member     = "group:${var.team}-bi@example.com"
        }
        """,
        name=name, expiry=rng.choice(["null", 7776000000, 31536000000]),
        part=next((c for c in cols if c.endswith("_at")), "_PARTITIONTIME"),
        part_expiry=rng.choice([7776000000, 15552000000]),
        schema=indent(hcl_value(schema, 0), 1).lstrip(),
    )


def gcp_pubsub_file(r: Root, name: str) -> str:
    rng = r.rng
    subs = sample(rng, SERVICES, rng.randint(1, 3))
    return component(
        """
        resource "google_pubsub_topic" "__ID__" {
          name         = "${local.name_prefix}-__NAME__"
          project      = var.project_id
          kms_key_name = google_kms_crypto_key.data.id

          message_storage_policy {
            allowed_persistence_regions = [var.region]
          }

          message_retention_duration = "__RETENTION__"

          labels = local.common_labels
        }

        resource "google_pubsub_topic" "__ID___dead_letter" {
          name    = "${local.name_prefix}-__NAME__-dead-letter"
          project = var.project_id

          message_storage_policy {
            allowed_persistence_regions = [var.region]
          }
        }

        resource "google_pubsub_subscription" "__ID__" {
          for_each = toset(__SUBS__)

          name    = "${local.name_prefix}-__NAME__-${each.value}"
          project = var.project_id
          topic   = google_pubsub_topic.__ID__.id

          ack_deadline_seconds       = __ACK__
          message_retention_duration = "604800s"
          enable_message_ordering    = __ORDER__

          expiration_policy {
            ttl = ""
          }

          retry_policy {
            minimum_backoff = "10s"
            maximum_backoff = "600s"
          }

          dead_letter_policy {
            dead_letter_topic     = google_pubsub_topic.__ID___dead_letter.id
            max_delivery_attempts = 10
          }

          labels = merge(local.common_labels, {
            consumer = each.value
          })
        }
        """,
        name=name, subs=hcl_value(subs), retention=rng.choice(["86400s", "604800s"]),
        ack=rng.choice([20, 60, 120]), order=hcl_value(rng.random() < 0.3),
    )


def gcp_sql_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    return component(
        """
        resource "google_sql_database_instance" "__ID__" {
          name                = "${local.name_prefix}-__NAME__"
          project             = var.project_id
          region              = var.region
          database_version    = "__VERSION__"
          encryption_key_name = google_kms_crypto_key.data.id
          deletion_protection = local.is_prod

          settings {
            tier              = local.is_prod ? "db-custom-4-16384" : "db-custom-1-3840"
            availability_type = local.is_prod ? "REGIONAL" : "ZONAL"
            disk_autoresize   = true
            disk_size         = __DISK__

            backup_configuration {
              enabled                        = true
              location                       = var.region
              point_in_time_recovery_enabled = local.is_prod
              start_time                     = "0__HOUR__:00"

              backup_retention_settings {
                retained_backups = __BACKUPS__
              }
            }

            ip_configuration {
              ipv4_enabled    = false
              private_network = "projects/${var.project_id}/global/networks/main"
            }

            database_flags {
              name  = "log_min_duration_statement"
              value = "500"
            }

            insights_config {
              query_insights_enabled = true
            }

            user_labels = local.common_labels
          }
        }

        resource "google_sql_database" "__ID__" {
          name     = "__DB__"
          project  = var.project_id
          instance = google_sql_database_instance.__ID__.name
        }

        resource "google_sql_database_instance" "__ID___replica" {
          count = var.enable_dr ? 1 : 0

          provider             = google.dr
          name                 = "${local.name_prefix}-__NAME__-replica"
          project              = var.project_id
          region               = var.dr_region
          database_version     = "__VERSION__"
          master_instance_name = google_sql_database_instance.__ID__.name

          replica_configuration {
            failover_target = false
          }

          settings {
            tier = "db-custom-2-7680"
          }
        }
        """,
        name=name, version=rng.choice(["POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"]),
        disk=rng.choice([20, 50, 100]), hour=rng.randint(1, 5), backups=rng.choice([7, 14, 30]),
        db=ident,
    )


def gcp_kms_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        resource "google_kms_key_ring" "__ID__" {
          name     = "${local.name_prefix}-__NAME__"
          project  = var.project_id
          location = var.region
        }

        resource "google_kms_crypto_key" "__ID__" {
          name            = "__NAME__"
          key_ring        = google_kms_key_ring.__ID__.id
          rotation_period = "__ROTATION__"
          purpose         = "ENCRYPT_DECRYPT"

          version_template {
            algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
            protection_level = "__LEVEL__"
          }

          labels = local.common_labels
        }

        resource "google_kms_crypto_key_iam_member" "__ID___gcs" {
          crypto_key_id = google_kms_crypto_key.__ID__.id
          role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
          member        = "serviceAccount:service-${var.project_id}@gs-project-accounts.iam.gserviceaccount.com"
        }

        resource "google_kms_crypto_key_iam_member" "__ID___pubsub" {
          crypto_key_id = google_kms_crypto_key.__ID__.id
          role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
          member        = "serviceAccount:service-${var.project_id}@gcp-sa-pubsub.iam.gserviceaccount.com"
        }
        """,
        name=name, rotation=rng.choice(["2592000s", "7776000s"]),
        level=rng.choice(["SOFTWARE", "HSM"]),
    )


def gcp_gar_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        resource "google_artifact_registry_repository" "__ID__" {
          project       = var.project_id
          location      = var.region
          repository_id = "${var.team}-__NAME__"
          description   = "__NAME__ images"
          format        = "__FORMAT__"
          kms_key_name  = google_kms_crypto_key.data.id

          docker_config {
            immutable_tags = __IMMUTABLE__
          }

          cleanup_policies {
            id     = "delete-old"
            action = "DELETE"

            condition {
              older_than = "__AGE__"
            }
          }

          labels = local.common_labels
        }

        resource "google_artifact_registry_repository" "__ID___remote" {
          project       = var.project_id
          location      = var.region
          repository_id = "${var.team}-__NAME__-dockerhub"
          description   = "Pull-through cache of Docker Hub"
          format        = "DOCKER"
          mode          = "REMOTE_REPOSITORY"

          remote_repository_config {
            description = "docker hub"

            docker_repository {
              public_repository = "DOCKER_HUB"
            }
          }
        }

        resource "google_artifact_registry_repository_iam_member" "__ID___writer" {
          project    = var.project_id
          location   = google_artifact_registry_repository.__ID__.location
          repository = google_artifact_registry_repository.__ID__.name
          role       = "roles/artifactregistry.writer"
          member     = "serviceAccount:ci@${var.project_id}.iam.gserviceaccount.com"
        }
        """,
        name=name, format="DOCKER", immutable=hcl_value(rng.random() < 0.6),
        age=rng.choice(["2592000s", "7776000s"]),
    )


GCP_SERVICE_GENERATORS: dict[str, ServiceGenerator] = {
    "gcs": gcp_gcs_file,
    "bigquery": gcp_bigquery_file,
    "pubsub": gcp_pubsub_file,
    "sql": gcp_sql_file,
    "kms": gcp_kms_file,
    "gar": gcp_gar_file,
}
