"""Azure roots (default + ``azurerm.dr`` providers) and their per-service files (storage,
keyvault, acr, logs, sql)."""
from __future__ import annotations

from ..text import T
from .hcl import hcl_value, join_blocks, output, root_versions, tfvars, variable
from .roots import Root, ServiceGenerator, component, hcl_ident, sample, service_file, service_names
from .vocab import AZURE_LOCATION_PAIRS, AZURE_SERVICE_KINDS, DATASETS


def azure_root_files(r: Root, n_service: int) -> dict[str, str]:
    rng = r.rng
    r.primary, r.dr = rng.choice(AZURE_LOCATION_PAIRS)
    r.account_id = "%08x-%04x-%04x-%04x-%012x" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48))
    r.enable_dr = r.is_prod or rng.random() < 0.3
    team, env, m = r.team, r.env, r.modules_rel
    accounts = sample(rng, DATASETS, rng.randint(2, 4))
    files: dict[str, str] = {}
    files["versions.tf"] = root_versions("azurerm", "hashicorp/azurerm", "~> 3.110", "azurerm", {
        "resource_group_name": "rg-terraform-state",
        "storage_account_name": "acmetfstate",
        "container_name": "tfstate",
        "key": f"{team}/{env}.tfstate",
    })
    files["providers.tf"] = T(
        """
        provider "azurerm" {
          subscription_id = var.subscription_id
          tenant_id       = var.tenant_id

          features {
            key_vault {
              purge_soft_delete_on_destroy = false
            }

            resource_group {
              prevent_deletion_if_contains_resources = true
            }
          }
        }

        provider "azurerm" {
          alias           = "dr"
          subscription_id = coalesce(var.dr_subscription_id, var.subscription_id)
          tenant_id       = var.tenant_id

          features {}
        }
        """
    )
    files["variables.tf"] = join_blocks(
        variable("subscription_id", "string", "Subscription this stack deploys into."),
        variable("dr_subscription_id", "string", "Subscription for DR resources; defaults to the main one.", None),
        variable("tenant_id", "string", "Entra ID tenant.", "00000000-0000-0000-0000-000000000000"),
        variable("location", "string", "Primary Azure region.", r.primary),
        variable("dr_location", "string", "Paired region for DR.", r.dr),
        variable("team", "string", "Owning team.", team),
        variable("environment", "string", "Deployment environment.", env),
        variable("enable_dr", "bool", "Enable geo-redundancy.", False),
        variable("storage_accounts", T(
            """
            map(object({
              containers       = list(string)
              replication_type = optional(string)
              soft_delete_days = optional(number, 14)
            }))
            """), "Storage accounts keyed by purpose.", {}),
        variable("tags", "map(string)", "Extra tags.", {}),
    )
    tfv = {
        "subscription_id": r.account_id,
        "location": r.primary,
        "dr_location": r.dr,
        "team": team,
        "environment": env,
        "enable_dr": r.enable_dr,
        "storage_accounts": {
            a: {"containers": sample(rng, ["incoming", "processed", "archive", "exports", "tmp"], rng.randint(1, 3))}
            | ({"replication_type": "GRS"} if rng.random() < 0.2 else {})
            for a in accounts
        },
        "tags": {"owner": f"{team}@example.com"},
    }
    files["terraform.tfvars"] = tfvars(tfv)
    files["locals.tf"] = T(
        """
        locals {
          name_prefix   = "${var.team}-${var.environment}"
          compact_name  = substr(replace("${var.team}${var.environment}", "-", ""), 0, 16)
          is_prod       = var.environment == "prod"
          replication   = var.enable_dr ? "GZRS" : "ZRS"
          location_code = lookup({ westeurope = "weu", northeurope = "neu", germanywestcentral = "gwc", eastus2 = "eus2", uksouth = "uks" }, var.location, "xx")

          common_tags = merge(var.tags, {
            team        = var.team
            environment = var.environment
            managed_by  = "terraform"
          })

          storage_accounts = {
            for key, cfg in var.storage_accounts : key => merge(cfg, {
              name             = substr("st${local.compact_name}${replace(key, "-", "")}", 0, 24)
              replication_type = coalesce(cfg.replication_type, local.replication)
            })
          }
        }
        """
    )
    files["main.tf"] = T(
        """
        resource "azurerm_resource_group" "main" {
          name     = "rg-${local.name_prefix}-${local.location_code}"
          location = var.location

          tags = local.common_tags
        }

        resource "azurerm_resource_group" "dr" {
          count    = var.enable_dr ? 1 : 0
          provider = azurerm.dr

          name     = "rg-${local.name_prefix}-dr"
          location = var.dr_location

          tags = local.common_tags
        }

        module "storage" {
          source   = "__M__/azure-storage"
          for_each = local.storage_accounts

          name                = each.value.name
          resource_group_name = azurerm_resource_group.main.name
          location            = azurerm_resource_group.main.location
          replication_type    = each.value.replication_type
          soft_delete_days    = each.value.soft_delete_days
          containers          = each.value.containers
          tags                = local.common_tags
        }

        resource "azurerm_storage_account" "dr_archive" {
          count    = var.enable_dr ? 1 : 0
          provider = azurerm.dr

          name                     = substr("st${local.compact_name}dr", 0, 24)
          resource_group_name      = azurerm_resource_group.dr[0].name
          location                 = azurerm_resource_group.dr[0].location
          account_tier             = "Standard"
          account_replication_type = "LRS"
          min_tls_version          = "TLS1_2"

          tags = local.common_tags
        }
        """,
        m=m,
    )
    files["outputs.tf"] = join_blocks(
        output("resource_group", "azurerm_resource_group.main.name", "Main resource group."),
        output("storage_account_ids", "{ for k, s in module.storage : k => s.id }", "Storage accounts."),
        output("storage_secondary_locations", "{ for k, s in module.storage : k => s.secondary_location }",
               "Geo-replica location per account."),
        output("dr_archive_id", "try(azurerm_storage_account.dr_archive[0].id, null)", "DR archive account."),
    )
    for kind, name in service_names(rng, AZURE_SERVICE_KINDS, n_service):
        files[f"{kind}-{name}.tf"] = service_file(r, AZURE_SERVICE_GENERATORS, kind, name)
    return files


def az_storage_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    containers = sample(rng, ["raw", "staged", "published", "quarantine", "exports"], rng.randint(2, 4))
    return component(
        """
        resource "azurerm_storage_account" "__ID__" {
          name                     = substr("st${local.compact_name}__SHORT__", 0, 24)
          resource_group_name      = azurerm_resource_group.main.name
          location                 = azurerm_resource_group.main.location
          account_tier             = "Standard"
          account_replication_type = local.is_prod ? "__PROD_REPL__" : "LRS"
          min_tls_version          = "TLS1_2"
          https_traffic_only_enabled = true

          blob_properties {
            versioning_enabled  = true
            change_feed_enabled = __CHANGE_FEED__

            delete_retention_policy {
              days = __DAYS__
            }
          }

          identity {
            type = "SystemAssigned"
          }

          tags = merge(local.common_tags, {
            dataset = "__NAME__"
          })
        }

        resource "azurerm_storage_container" "__ID__" {
          for_each = toset(__CONTAINERS__)

          name                  = each.value
          storage_account_name  = azurerm_storage_account.__ID__.name
          container_access_type = "private"
        }

        resource "azurerm_storage_management_policy" "__ID__" {
          storage_account_id = azurerm_storage_account.__ID__.id

          rule {
            name    = "tiering"
            enabled = true

            filters {
              blob_types   = ["blockBlob"]
              prefix_match = ["__FIRST__/"]
            }

            actions {
              base_blob {
                tier_to_cool_after_days_since_modification_greater_than    = __COOL__
                tier_to_archive_after_days_since_modification_greater_than = __ARCHIVE__
                delete_after_days_since_modification_greater_than          = __DELETE__
              }
            }
          }
        }

        resource "azurerm_private_endpoint" "__ID___blob" {
          name                = "pe-${local.name_prefix}-__NAME__-blob"
          resource_group_name = azurerm_resource_group.main.name
          location            = azurerm_resource_group.main.location
          subnet_id           = "/subscriptions/${var.subscription_id}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-${var.location}/subnets/private-endpoints"

          private_service_connection {
            name                           = "blob"
            private_connection_resource_id = azurerm_storage_account.__ID__.id
            subresource_names              = ["blob"]
            is_manual_connection           = false
          }

          tags = local.common_tags
        }
        """,
        name=name, short=ident.replace("_", "")[:8], prod_repl=rng.choice(["ZRS", "GZRS", "RAGRS"]),
        change_feed=hcl_value(rng.random() < 0.5), days=rng.choice([7, 14, 30]),
        containers=hcl_value(containers), first=containers[0],
        cool=rng.choice([30, 60]), archive=rng.choice([90, 180]), delete=rng.choice([365, 730, 2555]),
    )


def az_keyvault_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    return component(
        """
        data "azurerm_client_config" "__ID__" {}

        resource "azurerm_key_vault" "__ID__" {
          name                       = substr("kv-${local.compact_name}-__SHORT__", 0, 24)
          resource_group_name        = azurerm_resource_group.main.name
          location                   = azurerm_resource_group.main.location
          tenant_id                  = data.azurerm_client_config.__ID__.tenant_id
          sku_name                   = "__SKU__"
          soft_delete_retention_days = 90
          purge_protection_enabled   = local.is_prod
          enable_rbac_authorization  = true

          network_acls {
            default_action = "Deny"
            bypass         = "AzureServices"
          }

          tags = local.common_tags
        }

        resource "azurerm_key_vault_key" "__ID__" {
          name         = "__NAME__-cmk"
          key_vault_id = azurerm_key_vault.__ID__.id
          key_type     = "RSA"
          key_size     = __KEY_SIZE__
          key_opts     = ["decrypt", "encrypt", "unwrapKey", "wrapKey"]

          rotation_policy {
            expire_after         = "P__EXPIRE__D"
            notify_before_expiry = "P30D"

            automatic {
              time_before_expiry = "P30D"
            }
          }
        }

        resource "azurerm_role_assignment" "__ID___crypto" {
          scope                = azurerm_key_vault.__ID__.id
          role_definition_name = "Key Vault Crypto Service Encryption User"
          principal_id         = data.azurerm_client_config.__ID__.object_id
        }
        """,
        name=name, short=ident.replace("_", "")[:6], sku=rng.choice(["standard", "premium"]),
        key_size=rng.choice([2048, 3072, 4096]), expire=rng.choice([90, 180, 365]),
    )


def az_acr_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    return component(
        """
        resource "azurerm_container_registry" "__ID__" {
          name                          = substr("acr${local.compact_name}__SHORT__", 0, 50)
          resource_group_name           = azurerm_resource_group.main.name
          location                      = azurerm_resource_group.main.location
          sku                           = "Premium"
          admin_enabled                 = false
          public_network_access_enabled = false
          zone_redundancy_enabled       = local.is_prod

          dynamic "georeplications" {
            for_each = var.enable_dr ? [var.dr_location] : []
            content {
              location                = georeplications.value
              zone_redundancy_enabled = false
              tags                    = local.common_tags
            }
          }

          retention_policy {
            days    = __DAYS__
            enabled = true
          }

          tags = local.common_tags
        }

        resource "azurerm_container_registry_scope_map" "__ID___pull" {
          name                    = "__NAME__-pull"
          container_registry_name = azurerm_container_registry.__ID__.name
          resource_group_name     = azurerm_resource_group.main.name
          actions = [
            "repositories/__NAME__/content/read",
            "repositories/__NAME__/metadata/read",
          ]
        }
        """,
        name=name, short=ident.replace("_", "")[:10], days=rng.choice([7, 14, 30]),
    )


def az_logs_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    return component(
        """
        resource "azurerm_log_analytics_workspace" "__ID__" {
          name                = "log-${local.name_prefix}-__NAME__"
          resource_group_name = azurerm_resource_group.main.name
          location            = azurerm_resource_group.main.location
          sku                 = "PerGB2018"
          retention_in_days   = __RETENTION__
          daily_quota_gb      = __QUOTA__

          tags = local.common_tags
        }

        resource "azurerm_monitor_diagnostic_setting" "__ID__" {
          for_each = module.storage

          name                       = "diag-__NAME__-${each.key}"
          target_resource_id         = "${each.value.id}/blobServices/default"
          log_analytics_workspace_id = azurerm_log_analytics_workspace.__ID__.id

          enabled_log {
            category = "StorageRead"
          }

          enabled_log {
            category = "StorageWrite"
          }

          metric {
            category = "Transaction"
          }
        }

        resource "azurerm_monitor_action_group" "__ID__" {
          name                = "ag-${local.name_prefix}-__NAME__"
          resource_group_name = azurerm_resource_group.main.name
          short_name          = substr("__SHORT__", 0, 12)

          email_receiver {
            name          = "oncall"
            email_address = "${var.team}-oncall@example.com"
          }
        }
        """,
        name=name, short=ident.replace("_", "")[:12], retention=rng.choice([30, 90, 180]),
        quota=rng.choice([1, 5, 10]),
    )


def az_sql_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        resource "azurerm_mssql_server" "__ID__" {
          name                          = "sql-${local.name_prefix}-__NAME__"
          resource_group_name           = azurerm_resource_group.main.name
          location                      = azurerm_resource_group.main.location
          version                       = "12.0"
          minimum_tls_version           = "1.2"
          public_network_access_enabled = false

          azuread_administrator {
            login_username              = "${var.team}-dba"
            object_id                   = "00000000-0000-0000-0000-000000000000"
            azuread_authentication_only = true
          }

          tags = local.common_tags
        }

        resource "azurerm_mssql_database" "__ID__" {
          name                 = "__NAME__"
          server_id            = azurerm_mssql_server.__ID__.id
          sku_name             = local.is_prod ? "__PROD_SKU__" : "S0"
          max_size_gb          = __SIZE__
          zone_redundant       = local.is_prod
          storage_account_type = var.enable_dr ? "Geo" : "Local"

          short_term_retention_policy {
            retention_days = __RETENTION__
          }

          long_term_retention_policy {
            weekly_retention  = "P4W"
            monthly_retention = "P12M"
          }

          tags = local.common_tags
        }
        """,
        name=name, prod_sku=rng.choice(["GP_Gen5_2", "BC_Gen5_4", "P2"]),
        size=rng.choice([32, 64, 250]), retention=rng.choice([7, 14, 35]),
    )


AZURE_SERVICE_GENERATORS: dict[str, ServiceGenerator] = {
    "storage": az_storage_file,
    "keyvault": az_keyvault_file,
    "acr": az_acr_file,
    "logs": az_logs_file,
    "sql": az_sql_file,
}
