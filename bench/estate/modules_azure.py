"""The shared Azure module: azure-storage (a storage account and its containers)."""
from __future__ import annotations

from ..text import T
from .hcl import join_blocks, module_versions, output, variable

AZURE_VERSIONS = module_versions("azurerm", "hashicorp/azurerm", ">= 3.100")

MOD_AZ_STORAGE_MAIN = T(
    """
    resource "azurerm_storage_account" "this" {
      name                            = var.name
      resource_group_name             = var.resource_group_name
      location                        = var.location
      account_tier                    = "Standard"
      account_kind                    = "StorageV2"
      account_replication_type        = var.replication_type
      min_tls_version                 = "TLS1_2"
      allow_nested_items_to_be_public = false
      shared_access_key_enabled       = false

      blob_properties {
        versioning_enabled = true

        delete_retention_policy {
          days = var.soft_delete_days
        }

        container_delete_retention_policy {
          days = var.soft_delete_days
        }
      }

      network_rules {
        default_action = "Deny"
        bypass         = ["AzureServices"]
        ip_rules       = var.allowed_ips
      }

      tags = var.tags
    }

    resource "azurerm_storage_container" "this" {
      for_each = toset(var.containers)

      name                  = each.value
      storage_account_name  = azurerm_storage_account.this.name
      container_access_type = "private"
    }
    """
)

MOD_AZ_STORAGE_VARS = join_blocks(
    variable("name", "string", "Storage account name.",
             validation=("can(regex(\"^[a-z0-9]{3,24}$\", var.name))",
                     "Storage account names are 3-24 lowercase letters and digits.")),
    variable("resource_group_name", "string", "Resource group."),
    variable("location", "string", "Azure region."),
    variable("replication_type", "string", "LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS.", "ZRS"),
    variable("soft_delete_days", "number", "Soft-delete retention.", 14),
    variable("containers", "list(string)", "Blob containers.", []),
    variable("allowed_ips", "list(string)", "Public IPs allowed through the firewall.", []),
    variable("tags", "map(string)", "Tags.", {}),
)

MOD_AZ_STORAGE_OUTPUTS = join_blocks(
    output("id", "azurerm_storage_account.this.id", "Storage account id."),
    output("primary_blob_endpoint", "azurerm_storage_account.this.primary_blob_endpoint", "Blob endpoint."),
    output("secondary_location", "azurerm_storage_account.this.secondary_location", "Geo-replica location."),
)
