"""AWS data-storing types: every data-storing family of the catalog, as inventory rows and as the
CKV_RES_3 (multi-region), CKV_RES_4 (replica/copy elsewhere), CKV_RES_6 (another account) and
CKV_RES_1 (outside the region) findings of its multi-region, replication and cross-account forms."""

from __future__ import annotations

import pytest

from tests.catalog.families import Row, check_family, messages_by_line, scan_family

# (address, kind, region status, region, account, file, line) of every row the fixture yields
ROWS: dict[str, set[Row]] = {
    "aws_databases": {
        ('aws_rds_global_cluster.orders', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 2),
        ('aws_rds_cluster.orders', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 9),
        ('aws_rds_cluster_instance.orders[0]', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 19),
        ('aws_rds_cluster_instance.orders[1]', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 19),
        ('aws_rds_cluster.orders_reader', 'database', 'resolved', 'us-east-1', '111122223333', 'main.tf', 28),
        ('aws_db_instance.reporting', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 36),
        ('aws_db_instance.reporting_ro', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 48),
        ('aws_db_instance.reporting_dr', 'database', 'resolved', 'eu-central-1', '111122223333', 'main.tf', 55),
        ('aws_db_instance_automated_backups_replication.reporting', 'backup', 'resolved', 'eu-central-1', '111122223333', 'main.tf', 62),
        ('aws_dynamodb_table.sessions', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 68),
        ('aws_dynamodb_table_replica.sessions_us', 'database', 'resolved', 'us-east-1', '111122223333', 'main.tf', 82),
        ('aws_dynamodb_kinesis_streaming_destination.sessions', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 87),
        ('aws_dynamodb_resource_policy.sessions', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 92),
        ('aws_docdb_global_cluster.catalog', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 105),
        ('aws_docdb_cluster.catalog', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 110),
        ('aws_neptune_cluster.graph', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 117),
        ('aws_dax_cluster.sessions', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 122),
        ('aws_keyspaces_keyspace.events', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 129),
        ('aws_timestreamwrite_database.metrics', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 133),
    },
    "aws_storage_backup": {
        ('aws_s3_bucket.data', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 1),
        ('aws_s3_access_point.data', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 5),
        ('aws_s3control_access_point_policy.data', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 10),
        ('aws_s3control_object_lambda_access_point.redacted', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 23),
        ('aws_s3_bucket_inventory.data', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 42),
        ('aws_efs_file_system.shared', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 60),
        ('aws_efs_access_point.shared', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 65),
        ('aws_efs_replication_configuration.shared', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 69),
        ('aws_efs_file_system_policy.shared', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 77),
        ('aws_fsx_lustre_file_system.scratch', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 90),
        ('aws_fsx_ontap_file_system.home', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 95),
        ('aws_ebs_volume.worker', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 103),
        ('aws_ebs_snapshot.worker', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 109),
        ('aws_ebs_snapshot_copy.worker_dr', 'backup', 'resolved', 'eu-central-1', '111122223333', 'main.tf', 114),
        ('aws_backup_vault.main', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 121),
        ('aws_backup_vault_policy.main', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 125),
        ('aws_backup_plan.main', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 138),
        ('aws_backup_logically_air_gapped_vault.vault', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 158),
    },
    "aws_streams_caches": {
        ('aws_sqs_queue.jobs', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 1),
        ('aws_sqs_queue_policy.jobs', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 6),
        ('aws_sns_topic.events', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 19),
        ('aws_sns_topic_policy.events', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 23),
        ('aws_sns_topic_subscription.jobs', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 37),
        ('aws_sns_topic_subscription.partner', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 44),
        ('aws_sns_topic_subscription.oncall', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 50),
        ('aws_kinesis_stream.clicks', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 56),
        ('aws_kinesis_stream_consumer.clicks', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 65),
        ('aws_msk_cluster.events', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 70),
        ('aws_msk_cluster.events_dr', 'queue', 'resolved', 'us-east-1', '111122223333', 'main.tf', 82),
        ('aws_msk_replicator.events', 'replication', 'resolved', 'us-east-1', '111122223333', 'main.tf', 96),
        ('aws_mq_broker.legacy', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 137),
        ('aws_elasticache_replication_group.cache', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 149),
        ('aws_elasticache_global_replication_group.cache', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 158),
        ('aws_elasticache_serverless_cache.tokens', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 163),
        ('aws_memorydb_cluster.features', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 168),
        ('aws_memorydb_multi_region_cluster.features', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 176),
        ('aws_opensearch_domain.search', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 181),
        ('aws_opensearch_outbound_connection.central', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 191),
    },
    "aws_analytics_audit": {
        ('aws_s3_bucket.results', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 1),
        ('aws_s3_bucket.trail', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 5),
        ('aws_athena_workgroup.analysts', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 10),
        ('aws_athena_workgroup.partner', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 21),
        ('aws_glue_catalog_database.lake', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 32),
        ('aws_glue_catalog_database.shared', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 37),
        ('aws_glue_catalog_table.events', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 47),
        ('aws_redshift_cluster.warehouse', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 53),
        ('aws_redshift_snapshot_copy.warehouse', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 63),
        ('aws_redshiftserverless_namespace.adhoc', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 68),
        ('aws_cloudtrail.audit', 'log_group', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 73),
        ('aws_cloudtrail.data_events', 'log_group', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 80),
        ('aws_cloudtrail_event_data_store.lake', 'log_group', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 85),
        ('aws_oam_link.monitoring', 'replication', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 91),
    },
    "aws_more": {
        ('aws_s3_bucket.data', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 1),
        ('aws_s3control_multi_region_access_point.global', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 5),
        ('aws_s3_directory_bucket.hot', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 15),
        ('aws_s3control_object_lambda_access_point_policy.redacted', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 23),
        ('aws_ecr_repository.app', 'registry', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 36),
        ('aws_ecr_repository_policy.app', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 40),
        ('aws_ecr_pull_through_cache_rule.quay', 'registry', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 52),
        ('aws_cloudwatch_log_destination.central', 'log_subscription', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 57),
        ('aws_cloudwatch_log_resource_policy.es', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 63),
        ('aws_eks_fargate_profile.jobs', 'node_pool', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 71),
        ('aws_kms_key.data', 'kms_key', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 82),
        ('aws_kms_key_policy.data', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 86),
        ('aws_kms_grant.backup', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 99),
        ('aws_batch_job_definition.etl', 'workload', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 106),
        ('aws_db_snapshot.reporting', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 116),
        ('aws_rds_cluster_snapshot.orders', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 121),
        ('aws_docdb_elastic_cluster.catalog', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 126),
        ('aws_neptune_global_cluster.graph', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 135),
        ('aws_qldb_ledger.audit', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 140),
        ('aws_fsx_windows_file_system.office', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 145),
        ('aws_fsx_openzfs_file_system.builds', 'bucket', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 152),
        ('aws_fsx_backup.builds', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 159),
        ('aws_ami_copy.worker', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 164),
        ('aws_elasticache_cluster.memcached', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 170),
        ('aws_memorydb_snapshot.features', 'backup', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 177),
        ('aws_elasticsearch_domain.legacy', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 182),
        ('aws_opensearchserverless_collection.vectors', 'database', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 187),
        ('aws_kinesis_video_stream.cameras', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 192),
        ('aws_kinesis_resource_policy.clicks', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 197),
        ('aws_msk_serverless_cluster.events', 'queue', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 210),
        ('aws_msk_cluster_policy.events', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 226),
        ('aws_glue_resource_policy.catalog', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 239),
        ('aws_oam_sink.monitoring', 'log_group', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 251),
        ('aws_oam_sink_policy.monitoring', 'policy', 'resolved', 'eu-west-1', '111122223333', 'main.tf', 255),
    },
}

# (rule, address, file, line) of the placement and flow findings (no CKV_RES_2: every type is located;
# image findings, CKV_RES_7, are the image rules' tests)
FINDINGS: dict[str, set[tuple[str, str, str, int]]] = {
    "aws_databases": {
        ('CKV_RES_3', 'aws_rds_global_cluster.orders', 'main.tf', 2),
        ('CKV_RES_1', 'aws_rds_cluster.orders_reader', 'main.tf', 28),
        ('CKV_RES_4', 'aws_rds_cluster.orders_reader', 'main.tf', 32),
        ('CKV_RES_1', 'aws_db_instance.reporting_dr', 'main.tf', 55),
        ('CKV_RES_4', 'aws_db_instance.reporting_dr', 'main.tf', 58),
        ('CKV_RES_1', 'aws_db_instance_automated_backups_replication.reporting', 'main.tf', 62),
        ('CKV_RES_4', 'aws_db_instance_automated_backups_replication.reporting', 'main.tf', 64),
        ('CKV_RES_1', 'aws_dynamodb_table_replica.sessions_us', 'main.tf', 82),
        ('CKV_RES_4', 'aws_dynamodb_table_replica.sessions_us', 'main.tf', 84),
        ('CKV_RES_4', 'aws_dynamodb_kinesis_streaming_destination.sessions', 'main.tf', 89),
        ('CKV_RES_6', 'aws_dynamodb_kinesis_streaming_destination.sessions', 'main.tf', 89),
        ('CKV_RES_6', 'aws_dynamodb_resource_policy.sessions', 'main.tf', 94),
        ('CKV_RES_3', 'aws_docdb_global_cluster.catalog', 'main.tf', 105),
    },
    "aws_storage_backup": {
        ('CKV_RES_6', 'aws_s3control_access_point_policy.data', 'main.tf', 12),
        ('CKV_RES_4', 'aws_s3_bucket_inventory.data', 'main.tf', 54),
        ('CKV_RES_6', 'aws_s3_bucket_inventory.data', 'main.tf', 54),
        ('CKV_RES_4', 'aws_efs_replication_configuration.shared', 'main.tf', 73),
        ('CKV_RES_6', 'aws_efs_file_system_policy.shared', 'main.tf', 79),
        ('CKV_RES_1', 'aws_ebs_snapshot_copy.worker_dr', 'main.tf', 114),
        ('CKV_RES_4', 'aws_ebs_snapshot_copy.worker_dr', 'main.tf', 117),
        ('CKV_RES_6', 'aws_backup_vault_policy.main', 'main.tf', 127),
        ('CKV_RES_4', 'aws_backup_plan.main', 'main.tf', 148),
        ('CKV_RES_6', 'aws_backup_plan.main', 'main.tf', 153),
    },
    "aws_streams_caches": {
        ('CKV_RES_6', 'aws_sqs_queue_policy.jobs', 'main.tf', 8),
        ('CKV_RES_4', 'aws_sns_topic_subscription.partner', 'main.tf', 47),
        ('CKV_RES_6', 'aws_sns_topic_subscription.partner', 'main.tf', 47),
        ('CKV_RES_1', 'aws_msk_cluster.events_dr', 'main.tf', 82),
        ('CKV_RES_4', 'aws_msk_replicator.events', 'main.tf', 121),
        ('CKV_RES_3', 'aws_elasticache_global_replication_group.cache', 'main.tf', 158),
        ('CKV_RES_3', 'aws_memorydb_multi_region_cluster.features', 'main.tf', 176),
        ('CKV_RES_4', 'aws_opensearch_outbound_connection.central', 'main.tf', 202),
        ('CKV_RES_6', 'aws_opensearch_outbound_connection.central', 'main.tf', 202),
    },
    "aws_analytics_audit": {
        ('CKV_RES_4', 'aws_athena_workgroup.partner', 'main.tf', 26),
        ('CKV_RES_6', 'aws_athena_workgroup.partner', 'main.tf', 26),
        ('CKV_RES_4', 'aws_glue_catalog_database.shared', 'main.tf', 41),
        ('CKV_RES_6', 'aws_glue_catalog_database.shared', 'main.tf', 41),
        ('CKV_RES_4', 'aws_redshift_snapshot_copy.warehouse', 'main.tf', 65),
        ('CKV_RES_3', 'aws_cloudtrail.audit', 'main.tf', 73),
        ('CKV_RES_6', 'aws_oam_link.monitoring', 'main.tf', 94),
    },
    "aws_more": {
        ('CKV_RES_3', 'aws_s3control_multi_region_access_point.global', 'main.tf', 5),
        ('CKV_RES_3', 'aws_neptune_global_cluster.graph', 'main.tf', 135),
        ('CKV_RES_4', 'aws_ami_copy.worker', 'main.tf', 167),
        ('CKV_RES_6', 'aws_kinesis_resource_policy.clicks', 'main.tf', 199),
    },
}


@pytest.mark.parametrize("family", sorted(ROWS))
def test_inventory_rows(family: str) -> None:
    check_family(family, ROWS[family], None)


@pytest.mark.parametrize("family", sorted(FINDINGS))
def test_findings(family: str) -> None:
    check_family(family, None, FINDINGS[family])



def test_cross_region_replicas_name_source_and_destination() -> None:
    messages = messages_by_line("aws_databases", "CKV_RES_4")
    assert messages[("aws_rds_cluster.orders_reader", 32)] == (
        "aws_rds_cluster.orders_reader copies cluster arn:aws:rds:eu-west-1:111122223333:cluster:acme-orders-euw1 "
        "into us-east-1: us-east-1 is outside eu-west-1")
    assert messages[("aws_dynamodb_table_replica.sessions_us", 84)] == (
        "aws_dynamodb_table_replica.sessions_us copies table aws_dynamodb_table.sessions into us-east-1: "
        "us-east-1 is outside eu-west-1")
    copy = messages_by_line("aws_storage_backup", "CKV_RES_4")
    assert copy[("aws_ebs_snapshot_copy.worker_dr", 117)] == (
        "aws_ebs_snapshot_copy.worker_dr copies snapshot from eu-west-1 into eu-central-1: eu-central-1 is outside eu-west-1")


def test_same_region_read_replica_is_a_flow_without_finding() -> None:
    report = scan_family("aws_databases")
    row = next(r for r in report.inventory if r.address == "aws_db_instance.reporting_ro")
    assert [(f.kind, f.region.value, f.line) for f in row.flows] == [("replica", "eu-west-1", 50)]
    assert not [f for f in report.findings if f.address == "aws_db_instance.reporting_ro"]


def test_backup_copy_actions_split_region_and_account() -> None:
    assert messages_by_line("aws_storage_backup", "CKV_RES_4")[("aws_backup_plan.main", 148)] == (
        "aws_backup_plan.main backup copies to arn:aws:backup:eu-central-1:111122223333:backup-vault:acme-dp-backups-dr: "
        "eu-central-1 is outside eu-west-1")
    assert messages_by_line("aws_storage_backup", "CKV_RES_6")[("aws_backup_plan.main", 153)] == (
        "aws_backup_plan.main backup copies to arn:aws:backup:eu-west-1:444455556666:backup-vault:central: account "
        "444455556666 is not in the allowed 111122223333")


def test_result_and_inventory_buckets_outside_the_configuration_fail_closed() -> None:
    assert messages_by_line("aws_analytics_audit", "CKV_RES_4")[("aws_athena_workgroup.partner", 26)] == (
        "aws_athena_workgroup.partner writes query results to s3://acme-central-athena/partner/: destination region "
        "unknown (bucket acme-central-athena is not in the scanned configuration and an S3 bucket name names no region)")
    report = scan_family("aws_analytics_audit")
    analysts = next(r for r in report.inventory if r.address == "aws_athena_workgroup.analysts")
    # linked by name to the bucket it creates, with that bucket's placement
    assert [(f.region.value, f.account.value) for f in analysts.flows] == [("eu-west-1", "111122223333")]
    assert [e.render() for e in analysts.flows[0].region.evidence][0] == "main.tf:15 destination is aws_s3_bucket.results"


def test_multi_region_trail_and_global_datastores() -> None:
    assert messages_by_line("aws_analytics_audit", "CKV_RES_3") == {
        ("aws_cloudtrail.audit", 73): "aws_cloudtrail.audit is not pinned to one region: is_multi_region_trail = true: "
                                      "records events of every region into this trail",
    }
    assert set(messages_by_line("aws_streams_caches", "CKV_RES_3")) == {
        ("aws_elasticache_global_replication_group.cache", 158), ("aws_memorydb_multi_region_cluster.features", 176)}


def test_email_subscription_is_no_flow() -> None:
    report = scan_family("aws_streams_caches")
    assert next(r for r in report.inventory if r.address == "aws_sns_topic_subscription.oncall").flows == []
