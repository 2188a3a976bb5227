"""Azure data-storing types: every data-storing family of the catalog, as inventory rows and as the
CKV_RES_3 (multi-region), CKV_RES_4 (replica/copy elsewhere), CKV_RES_6 (another account) and
CKV_RES_1 (outside the region) findings of its multi-region, replication and cross-account forms."""

from __future__ import annotations

import pytest

from tests.catalog.families import Row, check_family, messages, scan_family

# (address, kind, region status, region, account, file, line) of every row the fixture yields
ROWS: dict[str, set[Row]] = {
    "azure_databases_caches": {
        ('azurerm_cosmosdb_account.orders', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 2),
        ('azurerm_cosmosdb_sql_database.orders', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 24),
        ('azurerm_cosmosdb_sql_container.lines', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 30),
        ('azurerm_mssql_server.primary', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 38),
        ('azurerm_mssql_server.secondary', 'database', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 47),
        ('azurerm_mssql_database.app', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 56),
        ('azurerm_mssql_failover_group.app', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 63),
        ('azurerm_postgresql_flexible_server.main', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 78),
        ('azurerm_postgresql_flexible_server_database.app', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 88),
        ('azurerm_mysql_flexible_server.legacy', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 93),
        ('azurerm_mysql_flexible_database.legacy', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 101),
        ('azurerm_redis_cache.primary', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 109),
        ('azurerm_redis_cache.secondary', 'database', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 118),
        ('azurerm_redis_linked_server.dr', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 128),
    },
    "azure_messaging_storage_backup": {
        ('azurerm_eventhub_namespace.primary', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 1),
        ('azurerm_eventhub_namespace.secondary', 'queue', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 8),
        ('azurerm_eventhub.clicks', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 15),
        ('azurerm_eventhub_namespace_disaster_recovery_config.events', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 23),
        ('azurerm_servicebus_namespace.jobs', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 30),
        ('azurerm_servicebus_queue.jobs', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 39),
        ('azurerm_servicebus_namespace_disaster_recovery_config.jobs', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 45),
        ('azurerm_storage_account.lake', 'bucket', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 51),
        ('azurerm_storage_data_lake_gen2_filesystem.raw', 'bucket', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 60),
        ('azurerm_storage_account.lake_dr', 'bucket', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 65),
        ('azurerm_storage_object_replication.lake', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 73),
        ('azurerm_managed_disk.worker', 'bucket', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 83),
        ('azurerm_snapshot.worker', 'backup', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 92),
        ('azurerm_snapshot.worker_dr', 'backup', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 101),
        ('azurerm_recovery_services_vault.vms', 'backup', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 110),
        ('azurerm_recovery_services_vault.local', 'backup', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 117),
        ('azurerm_data_protection_backup_vault.blobs', 'backup', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 125),
        ('azurerm_log_analytics_workspace.main', 'log_group', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 134),
        ('azurerm_application_insights.api', 'log_group', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 141),
    },
    "azure_more": {
        ('azurerm_storage_account.files', 'bucket', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 1),
        ('azurerm_storage_share.home', 'bucket', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 9),
        ('azurerm_storage_queue.jobs', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 15),
        ('azurerm_storage_table.state', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 20),
        ('azurerm_monitor_diagnostic_setting.files', 'log_subscription', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 25),
        ('azurerm_cosmosdb_account.docs', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 35),
        ('azurerm_cosmosdb_mongo_database.docs', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 56),
        ('azurerm_cosmosdb_cassandra_keyspace.events', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 62),
        ('azurerm_cosmosdb_gremlin_database.graph', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 68),
        ('azurerm_cosmosdb_table.kv', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 74),
        ('azurerm_sql_server.legacy', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 80),
        ('azurerm_sql_failover_group.legacy', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 90),
        ('azurerm_mssql_managed_instance.primary', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 111),
        ('azurerm_mssql_managed_instance.secondary', 'database', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 124),
        ('azurerm_mssql_managed_instance_failover_group.mi', 'replication', 'none', None, '11111111-2222-3333-4444-555555555555', 'main.tf', 137),
        ('azurerm_postgresql_server.legacy', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 149),
        ('azurerm_redis_enterprise_cluster.cache', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 159),
        ('azurerm_redis_enterprise_cluster.cache_dr', 'database', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 166),
        ('azurerm_redis_enterprise_database.cache', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 174),
        ('azurerm_servicebus_namespace.jobs', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 185),
        ('azurerm_servicebus_topic.events', 'queue', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 192),
        ('azurerm_data_lake_store.legacy', 'bucket', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 197),
        ('azurerm_netapp_volume.replica', 'bucket', 'resolved', 'northeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 203),
        ('azurerm_app_configuration.settings', 'secret_store', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 222),
        ('azurerm_search_service.search', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 234),
        ('azurerm_synapse_workspace.warehouse', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 241),
        ('azurerm_kusto_cluster.telemetry', 'database', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 253),
        ('azurerm_databricks_workspace.ml', 'cluster', 'resolved', 'westeurope', '11111111-2222-3333-4444-555555555555', 'main.tf', 264),
    },
}

# (rule, address, file, line) of the placement and flow findings (no CKV_RES_2: every type is located;
# image findings, CKV_RES_7, are the image rules' tests)
FINDINGS: dict[str, set[tuple[str, str, str, int]]] = {
    "azure_databases_caches": {
        ('CKV_RES_3', 'azurerm_cosmosdb_account.orders', 'main.tf', 2),
        ('CKV_RES_4', 'azurerm_cosmosdb_account.orders', 'main.tf', 19),
        ('CKV_RES_1', 'azurerm_mssql_server.secondary', 'main.tf', 47),
        ('CKV_RES_4', 'azurerm_mssql_failover_group.app', 'main.tf', 69),
        ('CKV_RES_3', 'azurerm_postgresql_flexible_server.main', 'main.tf', 78),
        ('CKV_RES_1', 'azurerm_redis_cache.secondary', 'main.tf', 118),
        ('CKV_RES_4', 'azurerm_redis_linked_server.dr', 'main.tf', 132),
    },
    "azure_messaging_storage_backup": {
        ('CKV_RES_1', 'azurerm_eventhub_namespace.secondary', 'main.tf', 8),
        ('CKV_RES_4', 'azurerm_eventhub_namespace_disaster_recovery_config.events', 'main.tf', 27),
        ('CKV_RES_4', 'azurerm_servicebus_namespace_disaster_recovery_config.jobs', 'main.tf', 48),
        ('CKV_RES_6', 'azurerm_servicebus_namespace_disaster_recovery_config.jobs', 'main.tf', 48),
        ('CKV_RES_1', 'azurerm_storage_account.lake_dr', 'main.tf', 65),
        ('CKV_RES_4', 'azurerm_storage_object_replication.lake', 'main.tf', 75),
        ('CKV_RES_1', 'azurerm_snapshot.worker_dr', 'main.tf', 101),
        ('CKV_RES_4', 'azurerm_snapshot.worker_dr', 'main.tf', 106),
        ('CKV_RES_3', 'azurerm_recovery_services_vault.vms', 'main.tf', 110),
        ('CKV_RES_3', 'azurerm_data_protection_backup_vault.blobs', 'main.tf', 125),
    },
    "azure_more": {
        ('CKV_RES_3', 'azurerm_storage_account.files', 'main.tf', 1),
        ('CKV_RES_4', 'azurerm_sql_failover_group.legacy', 'main.tf', 97),
        ('CKV_RES_1', 'azurerm_mssql_managed_instance.secondary', 'main.tf', 124),
        ('CKV_RES_4', 'azurerm_mssql_managed_instance_failover_group.mi', 'main.tf', 141),
        ('CKV_RES_1', 'azurerm_redis_enterprise_cluster.cache_dr', 'main.tf', 166),
        ('CKV_RES_4', 'azurerm_redis_enterprise_database.cache', 'main.tf', 179),
        ('CKV_RES_1', 'azurerm_netapp_volume.replica', 'main.tf', 203),
        ('CKV_RES_4', 'azurerm_app_configuration.settings', 'main.tf', 230),
    },
}


@pytest.mark.parametrize("family", sorted(ROWS))
def test_inventory_rows(family: str) -> None:
    check_family(family, ROWS[family], None)


@pytest.mark.parametrize("family", sorted(FINDINGS))
def test_findings(family: str) -> None:
    check_family(family, None, FINDINGS[family])



def test_geo_redundant_backups_and_multi_write_are_multi_region() -> None:
    assert messages("azure_messaging_storage_backup", "CKV_RES_3") == {
        "azurerm_recovery_services_vault.vms": "azurerm_recovery_services_vault.vms is not pinned to one region: "
                                               "storage_mode_type (provider default) = GeoRedundant: backups are copied "
                                               "to the paired region",
        "azurerm_data_protection_backup_vault.blobs": "azurerm_data_protection_backup_vault.blobs is not pinned to one "
                                                      "region: redundancy = GeoRedundant: backups are copied to the "
                                                      "paired region",
    }
    assert messages("azure_databases_caches", "CKV_RES_3") == {
        "azurerm_cosmosdb_account.orders": "azurerm_cosmosdb_account.orders is not pinned to one region: multi-region "
                                           "writes across West Europe, Germany West Central",
        "azurerm_postgresql_flexible_server.main": "azurerm_postgresql_flexible_server.main is not pinned to one region: "
                                                   "geo_redundant_backup_enabled = true: backups are copied to the paired "
                                                   "region",
    }


def test_partners_are_judged_by_the_partner_row() -> None:
    report = scan_family("azure_databases_caches")
    group = next(r for r in report.inventory if r.address == "azurerm_mssql_failover_group.app")
    assert [e.render() for e in group.flows[0].region.evidence][:2] == [
        "main.tf:69 destination is azurerm_mssql_server.secondary",
        "main.tf:50 azurerm_mssql_server.secondary location",
    ]
    assert messages("azure_databases_caches", "CKV_RES_4")["azurerm_mssql_failover_group.app"] == (
        "azurerm_mssql_failover_group.app fails over to azurerm_mssql_server.secondary: northeurope is outside westeurope")


def test_partner_in_another_subscription_is_cross_account_and_fails_closed_on_region() -> None:
    alias = "azurerm_servicebus_namespace_disaster_recovery_config.jobs"
    partner = ("/subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/central-dr/providers/"
               "Microsoft.ServiceBus/namespaces/central-jobs-dr")
    assert messages("azure_messaging_storage_backup", "CKV_RES_6")[alias] == (
        f"{alias} pairs for geo-disaster recovery with {partner}: account 99999999-8888-7777-6666-555555555555 is not "
        "in the allowed 11111111-2222-3333-4444-555555555555")
    assert messages("azure_messaging_storage_backup", "CKV_RES_4")[alias] == (
        f"{alias} pairs for geo-disaster recovery with {partner}: destination region unknown ({partner} is not in the "
        "scanned configuration)")


def test_linked_cache_location_evidence_reaches_the_secondary_cache() -> None:
    finding = next(f for f in scan_family("azure_databases_caches").findings
                   if f.rule_id == "CKV_RES_4" and f.address == "azurerm_redis_linked_server.dr")
    assert [e.render() for e in finding.evidence] == [
        "main.tf:132 azurerm_redis_linked_server.dr linked_redis_cache_location",
        "main.tf:120 azurerm_redis_cache.secondary.location",
        "providers.tf:25 azurerm_resource_group.dr.location",  # the chain reaches the value's source
    ]
