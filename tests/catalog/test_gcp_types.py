"""GCP data-storing types: every data-storing family of the catalog, as inventory rows and as the
CKV_RES_3 (multi-region), CKV_RES_4 (replica/copy elsewhere), CKV_RES_6 (another account) and
CKV_RES_1 (outside the region) findings of its multi-region, replication and cross-account forms."""

from __future__ import annotations

import pytest

from tests.catalog.families import Row, check_family, messages, scan_family

# (address, kind, region status, region, account, file, line) of every row the fixture yields
ROWS: dict[str, set[Row]] = {
    "gcp_messaging_databases": {
        ('google_pubsub_topic.jobs', 'queue', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 2),
        ('google_pubsub_topic.events', 'queue', 'global', None, 'acme-dp-prod', 'main.tf', 11),
        ('google_pubsub_topic.audit', 'queue', 'multi', 'europe-west1,europe-west4', 'acme-dp-prod', 'main.tf', 15),
        ('google_pubsub_subscription.jobs', 'queue', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 23),
        ('google_pubsub_topic_iam_member.partner_publisher', 'policy', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 28),
        ('google_cloud_tasks_queue.callbacks', 'queue', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 34),
        ('google_spanner_instance.orders', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 39),
        ('google_spanner_instance.ledger', 'database', 'multi', 'EUR3', 'acme-dp-prod', 'main.tf', 46),
        ('google_spanner_database.orders', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 53),
        ('google_bigtable_instance.profiles', 'database', 'multi', 'europe-west1,europe-west4', 'acme-dp-prod', 'main.tf', 59),
        ('google_bigtable_instance.features', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 77),
        ('google_bigtable_table.features', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 87),
        ('google_firestore_database.app', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 92),
        ('google_firestore_database.sessions', 'database', 'multi', 'EUR3', 'acme-dp-prod', 'main.tf', 98),
        ('google_alloydb_cluster.primary', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 104),
        ('google_alloydb_instance.primary', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 113),
        ('google_alloydb_cluster.secondary', 'database', 'resolved', 'us-central1', 'acme-dp-prod', 'main.tf', 120),
        ('google_sql_database_instance.main', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 134),
        ('google_sql_database_instance.main_replica', 'database', 'resolved', 'europe-west1', 'acme-dp-prod', 'main.tf', 145),
        ('google_sql_database.app', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 156),
        ('google_redis_instance.cache', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 161),
        ('google_memorystore_instance.valkey', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 167),
        ('google_bigquery_dataset.analytics', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 178),
        ('google_bigquery_table.events', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 183),
        ('google_bigquery_dataset_iam_member.partner', 'policy', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 188),
        ('google_bigquery_dataset_iam_member.public', 'policy', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 194),
    },
    "gcp_storage_compute": {
        ('google_storage_bucket.data', 'bucket', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 1),
        ('google_storage_managed_folder.exports', 'bucket', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 7),
        ('google_logging_project_bucket_config.audit', 'log_group', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 12),
        ('google_logging_linked_dataset.audit', 'log_group', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 20),
        ('google_logging_organization_sink.security', 'log_subscription', 'none', None, 'acme-dp-prod', 'main.tf', 27),
        ('google_filestore_instance.shared', 'bucket', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 34),
        ('google_filestore_backup.shared', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 50),
        ('google_compute_disk.worker', 'bucket', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 57),
        ('google_compute_region_disk.db', 'bucket', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 63),
        ('google_compute_disk.worker_dr', 'bucket', 'resolved', 'europe-west1', 'acme-dp-prod', 'main.tf', 71),
        ('google_compute_disk_async_replication.worker', 'replication', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 80),
        ('google_compute_snapshot.worker', 'backup', 'multi', None, 'acme-dp-prod', 'main.tf', 89),
        ('google_compute_snapshot.worker_pinned', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 95),
        ('google_dataproc_cluster.spark', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 102),
        ('google_composer_environment.airflow', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 107),
        ('google_cloud_run_v2_service.api', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 112),
        ('google_cloud_run_v2_job.reindex', 'cluster', 'resolved', 'us-central1', 'acme-dp-prod', 'main.tf', 123),
        ('google_cloudfunctions2_function.thumbnail', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 136),
        ('google_vertex_ai_dataset.images', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 146),
        ('google_vertex_ai_endpoint.classifier', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 152),
        ('google_backup_dr_backup_vault.vault', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 158),
    },
    "gcp_more": {
        ('google_container_registry.legacy', 'registry', 'multi', 'EU', 'acme-dp-prod', 'main.tf', 1),
        ('google_secret_manager_regional_secret.token', 'secret_store', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 5),
        ('google_secret_manager_secret.db', 'secret_store', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 10),
        ('google_secret_manager_secret_version.db', 'secret_store', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 22),
        ('google_pubsub_topic.jobs', 'queue', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 27),
        ('google_pubsub_subscription.jobs', 'queue', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 35),
        ('google_pubsub_topic_iam_binding.publishers', 'policy', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 40),
        ('google_pubsub_subscription_iam_member.reader', 'policy', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 46),
        ('google_pubsub_lite_topic.telemetry', 'queue', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 52),
        ('google_spanner_instance_config.custom', 'database', 'multi', 'europe-west4,us-east1', 'acme-dp-prod', 'main.tf', 71),
        ('google_firestore_database.app', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 89),
        ('google_firestore_backup_schedule.daily', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 95),
        ('google_alloydb_backup.manual', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 102),
        ('google_redis_cluster.sessions', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 108),
        ('google_memcache_instance.pages', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 118),
        ('google_filestore_snapshot.shared', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 129),
        ('google_compute_image.worker', 'backup', 'multi', 'EU', 'acme-dp-prod', 'main.tf', 136),
        ('google_dataproc_metastore_service.hive', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 142),
        ('google_cloud_run_service.legacy_api', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 148),
        ('google_cloudfunctions_function.resize', 'cluster', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 161),
        ('google_bigquery_dataset.analytics', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 171),
        ('google_bigquery_dataset_iam_binding.readers', 'policy', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 176),
        ('google_vertex_ai_featurestore.features', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 182),
        ('google_vertex_ai_index.vectors', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 187),
        ('google_healthcare_dataset.fhir', 'database', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 192),
        ('google_logging_folder_bucket_config.audit', 'log_group', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 197),
        ('google_logging_organization_bucket_config.audit', 'log_group', 'global', 'global', 'acme-dp-prod', 'main.tf', 204),
        ('google_logging_folder_sink.audit', 'log_subscription', 'none', None, 'acme-dp-prod', 'main.tf', 211),
        ('google_backup_dr_management_server.main', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 217),
        ('google_backup_dr_backup_plan.daily', 'backup', 'resolved', 'europe-west4', 'acme-dp-prod', 'main.tf', 228),
    },
}

# (rule, address, file, line) of the placement and flow findings (no CKV_RES_2: every type is located;
# image findings, CKV_RES_7, are the image rules' tests)
FINDINGS: dict[str, set[tuple[str, str, str, int]]] = {
    "gcp_messaging_databases": {
        ('CKV_RES_3', 'google_pubsub_topic.events', 'main.tf', 11),
        ('CKV_RES_3', 'google_pubsub_topic.audit', 'main.tf', 15),
        ('CKV_RES_6', 'google_pubsub_topic_iam_member.partner_publisher', 'main.tf', 31),
        ('CKV_RES_3', 'google_spanner_instance.ledger', 'main.tf', 46),
        ('CKV_RES_3', 'google_bigtable_instance.profiles', 'main.tf', 59),
        ('CKV_RES_3', 'google_firestore_database.sessions', 'main.tf', 98),
        ('CKV_RES_1', 'google_alloydb_cluster.secondary', 'main.tf', 120),
        ('CKV_RES_4', 'google_alloydb_cluster.secondary', 'main.tf', 130),
        ('CKV_RES_1', 'google_sql_database_instance.main_replica', 'main.tf', 145),
        ('CKV_RES_4', 'google_sql_database_instance.main_replica', 'main.tf', 149),
        ('CKV_RES_6', 'google_bigquery_dataset_iam_member.public', 'main.tf', 197),
    },
    "gcp_storage_compute": {
        ('CKV_RES_4', 'google_logging_organization_sink.security', 'main.tf', 30),
        ('CKV_RES_6', 'google_logging_organization_sink.security', 'main.tf', 30),
        ('CKV_RES_1', 'google_compute_disk.worker_dr', 'main.tf', 71),
        ('CKV_RES_4', 'google_compute_disk_async_replication.worker', 'main.tf', 84),
        ('CKV_RES_3', 'google_compute_snapshot.worker', 'main.tf', 89),
        ('CKV_RES_1', 'google_cloud_run_v2_job.reindex', 'main.tf', 123),
    },
    "gcp_more": {
        ('CKV_RES_3', 'google_container_registry.legacy', 'main.tf', 1),
        ('CKV_RES_3', 'google_spanner_instance_config.custom', 'main.tf', 71),
        ('CKV_RES_3', 'google_compute_image.worker', 'main.tf', 136),
        ('CKV_RES_3', 'google_logging_organization_bucket_config.audit', 'main.tf', 204),
    },
}


@pytest.mark.parametrize("family", sorted(ROWS))
def test_inventory_rows(family: str) -> None:
    check_family(family, ROWS[family], None)


@pytest.mark.parametrize("family", sorted(FINDINGS))
def test_findings(family: str) -> None:
    check_family(family, None, FINDINGS[family])



def test_multi_region_forms_say_why() -> None:
    assert messages("gcp_messaging_databases", "CKV_RES_3") == {
        "google_pubsub_topic.events": "google_pubsub_topic.events is not pinned to one region: no message_storage_policy: "
                                      "Pub/Sub stores messages in the region nearest each publisher",
        "google_pubsub_topic.audit": "google_pubsub_topic.audit is not pinned to one region: message storage across "
                                     "europe-west1, europe-west4",
        "google_spanner_instance.ledger": "google_spanner_instance.ledger is not pinned to one region: config eur3 is a "
                                          "multi-region instance configuration (europe-west1, europe-west4, europe-north1)",
        "google_bigtable_instance.profiles": "google_bigtable_instance.profiles is not pinned to one region: Bigtable "
                                             "clusters across europe-west1, europe-west4",
        "google_firestore_database.sessions": "google_firestore_database.sessions is not pinned to one region: location "
                                              "EUR3 spans several regions",
    }
    assert messages("gcp_storage_compute", "CKV_RES_3") == {
        "google_compute_snapshot.worker": "google_compute_snapshot.worker is not pinned to one region: no "
                                          "storage_locations: stored in the multi-region nearest the source",
    }


def test_children_take_their_parent_placement() -> None:
    report = scan_family("gcp_messaging_databases")
    parents = {r.address: r.parent for r in report.inventory if r.parent}
    assert parents == {
        "google_pubsub_subscription.jobs": "google_pubsub_topic.jobs",
        "google_spanner_database.orders": "google_spanner_instance.orders",
        "google_bigtable_table.features": "google_bigtable_instance.features",
        "google_alloydb_instance.primary": "google_alloydb_cluster.primary",
        "google_sql_database.app": "google_sql_database_instance.main",
        "google_bigquery_table.events": "google_bigquery_dataset.analytics",
        # IAM grants name no location of their own: they are where the topic or dataset is
        "google_pubsub_topic_iam_member.partner_publisher": "google_pubsub_topic.jobs",
        "google_bigquery_dataset_iam_member.partner": "google_bigquery_dataset.analytics",
        "google_bigquery_dataset_iam_member.public": "google_bigquery_dataset.analytics",
    }


def test_cross_region_replicas_link_to_their_primary() -> None:
    report = scan_family("gcp_messaging_databases")
    replica = next(r for r in report.inventory if r.address == "google_sql_database_instance.main_replica")
    assert [(f.description, f.region.value) for f in replica.flows] == [
        ("copies database acme-dp-main into europe-west1", "europe-west1"),
        ("is a replica of acme-dp-main", "europe-west4"),
    ]
    assert replica.flows[1].region.evidence[0].render() == "main.tf:149 destination is google_sql_database_instance.main"
    assert messages("gcp_storage_compute", "CKV_RES_4")["google_compute_disk_async_replication.worker"] == (
        "google_compute_disk_async_replication.worker replicates the disk to google_compute_disk.worker_dr: "
        "europe-west1 is outside europe-west4")
