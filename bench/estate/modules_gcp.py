"""The shared GCP modules: gcs-bucket, artifact-registry and gcp-data-lake (which calls
gcs-bucket again with ``providers = { google = google.dr }``)."""
from __future__ import annotations

from ..text import T
from .hcl import join_blocks, module_versions, output, variable

GOOGLE_VERSIONS = module_versions("google", "hashicorp/google", ">= 5.20")
GOOGLE_VERSIONS_DR = module_versions("google", "hashicorp/google", ">= 5.20", dr=True)

MOD_GCS_MAIN = T(
    """
    resource "google_storage_bucket" "this" {
      name                        = var.name
      project                     = var.project_id
      location                    = var.location
      storage_class               = var.storage_class
      uniform_bucket_level_access = true
      public_access_prevention    = "enforced"
      force_destroy               = false

      versioning {
        enabled = var.versioning
      }

      dynamic "encryption" {
        for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
        content {
          default_kms_key_name = encryption.value
        }
      }

      dynamic "lifecycle_rule" {
        for_each = var.lifecycle_rules
        content {
          action {
            type          = lifecycle_rule.value.action
            storage_class = lifecycle_rule.value.storage_class
          }
          condition {
            age = lifecycle_rule.value.age
          }
        }
      }

      labels = var.labels
    }

    resource "google_storage_bucket_iam_member" "readers" {
      for_each = toset(var.readers)

      bucket = google_storage_bucket.this.name
      role   = "roles/storage.objectViewer"
      member = each.value
    }
    """
)

MOD_GCS_VARS = join_blocks(
    variable("name", "string", "Bucket name."),
    variable("project_id", "string", "Project that owns the bucket."),
    variable("location", "string", "Region or multi-region of the bucket."),
    variable("storage_class", "string", "Default storage class.", "STANDARD"),
    variable("versioning", "bool", "Enable object versioning.", True),
    variable("kms_key_name", "string", "CMEK key name; null uses Google-managed keys.", None),
    variable("lifecycle_rules", T(
        """
        list(object({
          action        = string
          storage_class = optional(string)
          age           = number
        }))
        """), "Lifecycle rules.", []),
    variable("readers", "list(string)", "IAM members granted objectViewer.", []),
    variable("labels", "map(string)", "Labels applied to the bucket.", {}),
)

MOD_GCS_OUTPUTS = join_blocks(
    output("name", "google_storage_bucket.this.name", "Bucket name."),
    output("url", "google_storage_bucket.this.url", "gs:// URL."),
    output("location", "google_storage_bucket.this.location", "Bucket location."),
)

MOD_GAR_MAIN = T(
    """
    resource "google_artifact_registry_repository" "this" {
      project       = var.project_id
      location      = var.location
      repository_id = var.repository_id
      description   = "Container images for ${var.repository_id}"
      format        = var.format
      kms_key_name  = var.kms_key_name

      cleanup_policy_dry_run = false

      cleanup_policies {
        id     = "delete-untagged"
        action = "DELETE"

        condition {
          tag_state  = "UNTAGGED"
          older_than = "604800s"
        }
      }

      cleanup_policies {
        id     = "keep-recent"
        action = "KEEP"

        most_recent_versions {
          keep_count = var.keep_count
        }
      }

      labels = var.labels
    }

    resource "google_artifact_registry_repository_iam_member" "readers" {
      for_each = toset(var.readers)

      project    = var.project_id
      location   = google_artifact_registry_repository.this.location
      repository = google_artifact_registry_repository.this.name
      role       = "roles/artifactregistry.reader"
      member     = each.value
    }
    """
)

MOD_GAR_VARS = join_blocks(
    variable("project_id", "string", "Project that owns the repository."),
    variable("location", "string", "Region of the repository."),
    variable("repository_id", "string", "Repository id."),
    variable("format", "string", "Artifact format.", "DOCKER"),
    variable("kms_key_name", "string", "CMEK key name.", None),
    variable("keep_count", "number", "Versions kept by the cleanup policy.", 20),
    variable("readers", "list(string)", "IAM members granted reader.", []),
    variable("labels", "map(string)", "Labels.", {}),
)

MOD_GAR_OUTPUTS = join_blocks(
    output("id", "google_artifact_registry_repository.this.id", "Repository id."),
    output("location", "google_artifact_registry_repository.this.location", "Repository region."),
)

MOD_GCP_LAKE_MAIN = T(
    """
    locals {
      zones = {
        for zone in var.zones : zone => {
          name     = "${var.name_prefix}-${zone}"
          location = var.location
        }
      }
    }

    module "zone" {
      source   = "../gcs-bucket"
      for_each = local.zones

      name         = each.value.name
      project_id   = var.project_id
      location     = each.value.location
      kms_key_name = var.kms_key_name
      readers      = var.readers

      lifecycle_rules = [
        {
          action        = "SetStorageClass"
          storage_class = "NEARLINE"
          age           = 30
        },
      ]

      labels = merge(var.labels, {
        zone = each.key
      })
    }

    module "dr_copy" {
      source   = "../gcs-bucket"
      for_each = var.enable_dr ? local.zones : {}

      providers = {
        google = google.dr
      }

      name          = "${each.value.name}-dr"
      project_id    = var.project_id
      location      = var.dr_location
      storage_class = "COLDLINE"

      labels = merge(var.labels, {
        zone    = each.key
        replica = "true"
      })
    }
    """
)

MOD_GCP_LAKE_VARS = join_blocks(
    variable("name_prefix", "string", "Prefix for bucket names."),
    variable("project_id", "string", "Project id."),
    variable("location", "string", "Primary region."),
    variable("dr_location", "string", "DR region.", None),
    variable("enable_dr", "bool", "Create DR copies in the DR provider.", False),
    variable("zones", "list(string)", "Lake zones.", ["raw", "curated", "published"]),
    variable("kms_key_name", "string", "CMEK key.", None),
    variable("readers", "list(string)", "Readers.", []),
    variable("labels", "map(string)", "Labels.", {}),
)

MOD_GCP_LAKE_OUTPUTS = join_blocks(
    output("buckets", "{ for z, m in module.zone : z => m.name }", "Bucket names by zone."),
    output("dr_buckets", "{ for z, m in module.dr_copy : z => m.name }", "DR bucket names by zone."),
)
