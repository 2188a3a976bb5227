"""Extractors for the catalog's data-storing types beyond the first families (flows.py):
replicas and copies created here from a source elsewhere, partner/alias destinations,
destinations named by ARN or bucket name, and multi-region configurations.

FLOW_EXTRACTORS and MULTI_TESTS here are flows.py's tables plus these; the inventory reads
them from this module, so catalog.yaml can name either.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from analyzer import regions
from analyzer.catalog import catalog
from analyzer.data import load_data
from analyzer.models import Evidence, Flow, Placement
from analyzer.placements import as_blocks, region_placement
from analyzer.terraform import flows
from analyzer.terraform.evaluate import materialize
from analyzer.terraform.flows import (
    AZURE_SUB,
    FlowResult,
    Link,
    _account,
    _arn_placement,
    _attr,
    _configured,
    _is_reference,
    _line_at,
    _link,
    _region,
    _replicaas_blocks,
    _show,
)
from analyzer.terraform.module import ResourceInstance
from analyzer.terraform.placement import own_attr, region_of
from analyzer.values import Unknown

MultiTest = Callable[[ResourceInstance, Placement], tuple[str | None, Placement]]
TRUE = (True, "true")  # Terraform converts the string "true" to a bool argument
S3_URI = re.compile(r"^s3://([^/]+)")


def _evidence(inst: ResourceInstance, line: int, note: str) -> list[Evidence]:
    return [Evidence(file=inst.declared.file, line=line, note=f"{inst.address} {note}")]


# --- replicas and copies made here from a source elsewhere ------------------------------

def _copied_here(attr: str, what: str, source: str = "arn", cloud: str = "aws") -> Callable[[ResourceInstance], FlowResult]:
    """A replica/copy created in this resource's own region from a source named by `attr`
    (an ARN, a region, or a reference to a resource in the configuration). Like a KMS replica
    key: the own region is where the data goes; the source's region, when known and different,
    is where it comes from. Nothing when `attr` is not set (not a replica)."""

    def extract(inst: ResourceInstance) -> FlowResult:
        if attr not in inst.declared.block.attrs:
            return [], []
        value = _attr(inst, attr)
        if value is None:
            return [], []
        line = inst.attr_line(attr)
        file = inst.declared.file
        destination = region_of(inst, catalog()[inst.type], inst.provider())
        account = Placement(status="none")
        source_region = Placement(status="none")
        if source == "arn":
            source_region, account = _arn_placement(value, line, file, f"{inst.address} {attr}")
        elif source == "region":
            source_region = _region(cloud, value, f"{inst.address} {attr}", line, file)
        elif isinstance(value, str) and (match := AZURE_SUB.search(value)):
            account = _account(match.group(1), f"{inst.address} {attr}", line, file)
        shown = f"from {_show(value)}" if source == "region" else _show(value)
        flows_out = [Flow(kind="replica", description=f"copies {what} {shown} into {_show(destination.value or 'an unknown region')}",
                          region=destination, account=account, line=line)]
        links: list[tuple[int, Link]] = []
        if source_region.status == "resolved" and source_region.value != destination.value:
            flows_out.append(Flow(kind="replica", description=f"copies {what} {'' if source == 'region' else _show(value) + ' '}from {source_region.value}",
                                  region=source_region, account=account.model_copy(), line=line))
        elif source == "ref" and (link := _name_link(value)) is not None:
            # the source's region comes from its row (inventory.py links it); none if not scanned
            flows_out.append(Flow(kind="replica", description=f"is a replica of {_show(value)}", line=line))
            links.append((1, link))
        return flows_out, links

    return extract


def _name_link(value: Any) -> Link | None:
    """A link to a row: the resource an unknown value comes from, or the name a string ends
    with (an Azure resource ID or GCP resource path ends with the resource's name)."""
    if isinstance(value, str) and "/" in value:
        value = value.rstrip("/").rsplit("/", 1)[-1]
    return _link(value)


# --- destinations named by ARN, partner ID or bucket -------------------------------------

def _arn_destination(attr: str, kind: str, verb: str) -> Callable[[ResourceInstance], FlowResult]:
    """A flow to the resource an ARN attribute names (an SNS subscription endpoint, an
    observability sink, a Kinesis stream); nothing when the value is not an ARN (an e-mail)."""

    def extract(inst: ResourceInstance) -> FlowResult:
        if attr not in inst.declared.block.attrs:
            return [], []
        value = _attr(inst, attr)
        line = inst.attr_line(attr)
        region, account = _arn_placement(value, line, inst.declared.file, f"{inst.address} {attr}")
        if not isinstance(value, Unknown) and region.status == "none" and account.status == "none":
            return [], []
        link = _link(value)
        flow = Flow(kind=kind, description=f"{verb} {_show(value)}", region=region, account=account, line=line)  # type: ignore[arg-type]
        return [flow], ([(0, link)] if _is_reference(link) else [])

    return extract


def _partners(block: str | None, attr: str, verb: str) -> Callable[[ResourceInstance], FlowResult]:
    """Partner/secondary resources named by ID (failover groups, geo-DR aliases, async disk
    replication): the destination's region and account come from its row; an ID that names
    nothing in the configuration leaves the region unknown (fail closed)."""

    def extract(inst: ResourceInstance) -> FlowResult:
        file = inst.declared.file
        if block is None:
            if attr not in inst.declared.block.attrs:
                return [], []
            raw = _attr(inst, attr)
            values = [(raw, inst.attr_line(attr))] if not isinstance(raw, list) else [(v, inst.attr_line(attr)) for v in raw]
        elif isinstance(raw := _attr(inst, block), Unknown) and _configured(inst, block):
            # a dynamic block over an unset variable: partners may exist, fail closed (no link:
            # the unknown comes from this resource itself)
            line = inst.attr_line(block) if block in inst.declared.block.attrs else _line_at(inst, [(block, 0)])
            return [Flow(kind="replication", description=f"{verb} {block} blocks not known statically", line=line,
                         region=Placement(status="unknown", reason=raw.reason, evidence=_evidence(inst, line, block)))], []
        else:
            values = [(b.get(attr), _line_at(inst, [(block, i)], attr)) for i, b in enumerate(as_blocks(raw))]
        flows_out: list[Flow] = []
        links: list[tuple[int, Link]] = []
        for value, line in values:
            reason = (value.reason if isinstance(value, Unknown) and not value.origin
                      else f"{_show(value)} is not in the scanned configuration")
            flow = Flow(kind="replication", description=f"{verb} {_show(value)}", line=line,
                        region=Placement(status="unknown", reason=reason, evidence=_evidence(inst, line, attr)))
            if isinstance(value, str) and (match := AZURE_SUB.search(value)):
                flow.account = _account(match.group(1), f"{inst.address} {attr}", line, file)
            flows_out.append(flow)
            if (link := _name_link(value)) is not None:
                links.append((len(flows_out) - 1, link))
        return flows_out, links

    return extract


def _bucket_destination(inst: ResourceInstance, bucket: Any, account: Any, line: int, verb: str, account_note: str) -> FlowResult:
    name = bucket
    if isinstance(bucket, str):
        name = bucket.removeprefix("arn:aws:s3:::")
        if (match := S3_URI.match(bucket)) is not None:
            name = match.group(1)
    region = (Placement(status="unknown", reason=value_reason, evidence=_evidence(inst, line, "destination"))
              if (value_reason := _unknown_reason(name)) else
              Placement(status="unknown", reason=f"bucket {_show(name)} is not in the scanned configuration and an S3 "
                        "bucket name names no region", evidence=_evidence(inst, line, "destination")))
    flow = Flow(kind="copy", description=f"{verb} {_show(bucket)}", region=region, line=line)
    if account is not None:
        flow.account = _account(account, f"{inst.address} {account_note}", line, inst.declared.file)
    link = _link(name)
    return [flow], ([(0, link)] if link else [])


def _unknown_reason(value: Any) -> str | None:
    return value.reason if isinstance(value, Unknown) and not value.origin else None


def athena_results(inst: ResourceInstance) -> FlowResult:
    """Athena writes every query's results to the workgroup's output location."""
    for c, conf in enumerate(as_blocks(_attr(inst, "configuration"))):
        for r, result in enumerate(as_blocks(conf.get("result_configuration"))):
            if result.get("output_location") is None:
                continue
            line = _line_at(inst, [("configuration", c), ("result_configuration", r)], "output_location")
            return _bucket_destination(inst, result.get("output_location"), result.get("expected_bucket_owner"), line,
                                       "writes query results to", "expected_bucket_owner")
    return [], []


def s3_inventory(inst: ResourceInstance) -> FlowResult:
    """An S3 inventory lists every object key (and metadata) into the destination bucket."""
    for d, dest in enumerate(as_blocks(_attr(inst, "destination"))):
        for b, bucket in enumerate(as_blocks(dest.get("bucket"))):
            line = _line_at(inst, [("destination", d), ("bucket", b)], "bucket_arn")
            return _bucket_destination(inst, bucket.get("bucket_arn"), bucket.get("account_id"), line,
                                       "writes the object inventory to", "destination.bucket.account_id")
    return [], []


def cloudtrail_destination(inst: ResourceInstance) -> FlowResult:
    if "s3_bucket_name" not in inst.declared.block.attrs:
        return [], []
    bucket = _attr(inst, "s3_bucket_name")
    if bucket is None:
        return [], []
    line = inst.attr_line("s3_bucket_name")
    link = _link(bucket)
    flow = Flow(kind="subscription", description=f"delivers trail logs to bucket {_show(bucket)}", line=line)
    return [flow], ([(0, link)] if link else [])


def opensearch_connection(inst: ResourceInstance) -> FlowResult:
    """Cross-cluster search/replication with a remote domain (its region and owner account)."""
    out = []
    for i, remote in enumerate(as_blocks(_attr(inst, "remote_domain_info"))):
        line = _line_at(inst, [("remote_domain_info", i)], "region")
        out.append(Flow(kind="replication", description=f"connects to OpenSearch domain {_show(remote.get('domain_name'))}",
                        region=_region("aws", remote.get("region"), f"{inst.address} remote_domain_info.region", line, inst.declared.file),
                        account=_account(remote.get("owner_id"), f"{inst.address} remote_domain_info.owner_id", line, inst.declared.file),
                        line=line))
    return out, []


def glue_target_database(inst: ResourceInstance) -> FlowResult:
    """A resource link: the catalog database is another database (account, region)."""
    out = []
    for i, target in enumerate(as_blocks(_attr(inst, "target_database"))):
        line = _line_at(inst, [("target_database", i)], "catalog_id")
        region = (_region("aws", target.get("region"), f"{inst.address} target_database.region", line, inst.declared.file)
                  if target.get("region") is not None else Placement(status="none"))
        out.append(Flow(kind="replication", description=f"links to Glue database {_show(target.get('database_name'))}",
                        region=region,
                        account=_account(target.get("catalog_id"), f"{inst.address} target_database.catalog_id", line, inst.declared.file),
                        line=line))
    return out, []


def msk_replicator(inst: ResourceInstance) -> FlowResult:
    """MSK Replicator copies topics from the source cluster to the target cluster."""
    out: list[Flow] = []
    links: list[tuple[int, Link]] = []
    for i, info in enumerate(as_blocks(_attr(inst, "replication_info_list"))):
        for attr, verb in (("source_kafka_cluster_arn", "replicates Kafka topics from"),
                           ("target_kafka_cluster_arn", "replicates Kafka topics to")):
            line = _line_at(inst, [("replication_info_list", i)], attr)
            value = info.get(attr)
            region, account = _arn_placement(value, line, inst.declared.file, f"{inst.address} {attr}")
            if region.status == "none":
                region = Placement(status="unknown", reason=f"{_show(value)} is not an MSK cluster ARN",
                                   evidence=_evidence(inst, line, attr))
            out.append(Flow(kind="replication", description=f"{verb} {_show(value)}", region=region, account=account, line=line))
            if _is_reference(link := _link(value)):
                links.append((len(out) - 1, link))
    return out, links


EXTRA_FLOWS: dict[str, Callable[[ResourceInstance], FlowResult]] = {
    # AWS
    "rds_read_replica": _copied_here("replicate_source_db", "database"),
    "rds_cluster_replica": _copied_here("replication_source_identifier", "cluster"),
    "rds_backup_replication": _copied_here("source_db_instance_arn", "automated backups of"),
    "dynamodb_table_replica": _copied_here("global_table_arn", "table"),
    "ebs_snapshot_copy": _copied_here("source_region", "snapshot", source="region"),
    "ami_copy": _copied_here("source_ami_region", "image", source="region"),
    "redshift_snapshot_copy": _replicaas_blocks("snapshot_copy", "destination_region"),
    "redshift_snapshot_copy_resource": lambda inst: _region_destination(inst, "destination_region", "copy", "copies cluster snapshots to"),
    "sns_subscription": _arn_destination("endpoint", "subscription", "delivers messages to"),
    "oam_link": _arn_destination("sink_identifier", "subscription", "shares telemetry with sink"),
    "kinesis_streaming_destination": _arn_destination("stream_arn", "subscription", "streams table changes to"),
    "athena_results": athena_results,
    "s3_inventory": s3_inventory,
    "cloudtrail_destination": cloudtrail_destination,
    "opensearch_connection": opensearch_connection,
    "glue_target_database": glue_target_database,
    "msk_replicator": msk_replicator,
    # GCP
    "gcp_sql_replica": _copied_here("master_instance_name", "database", source="ref"),
    "gcp_alloydb_secondary": lambda inst: _alloydb_secondary(inst),
    "gcp_disk_async_replication": _partners("secondary_disk", "disk", "replicates the disk to"),
    # Azure
    "azure_failover_partner": _partners("partner_server", "id", "fails over to"),
    "azure_failover_partners": _partners("partner_servers", "id", "fails over to"),
    "azure_managed_instance_partner": _partners(None, "partner_managed_instance_id", "fails over to"),
    "azure_geo_dr_partner": _partners(None, "partner_namespace_id", "pairs for geo-disaster recovery with"),
    "azure_redis_linked": lambda inst: _redis_linked(inst),
    "azure_redis_geo_databases": _partners(None, "linked_database_id", "geo-replicates with"),
    "azure_netapp_replication": _replicaas_blocks("data_protection_replication", "remote_volume_location", "azure"),
    "azure_app_configuration_replicas": _replicaas_blocks("replica", "location", "azure"),
    "azure_snapshot_copy": _copied_here("source_resource_id", "snapshot", source="ref", cloud="azure"),
}


def _region_destination(inst: ResourceInstance, attr: str, kind: str, verb: str, cloud: str = "aws") -> FlowResult:
    if attr not in inst.declared.block.attrs:
        return [], []
    value = _attr(inst, attr)
    line = inst.attr_line(attr)
    return [Flow(kind=kind, description=f"{verb} {_show(value)}", line=line,  # type: ignore[arg-type]
                 region=_region(cloud, value, f"{inst.address} {attr}", line, inst.declared.file))], []


def _alloydb_secondary(inst: ResourceInstance) -> FlowResult:
    if not _configured(inst, "secondary_config"):
        return [], []
    for i, config in enumerate(as_blocks(_attr(inst, "secondary_config"))):
        primary = config.get("primary_cluster_name")
        line = _line_at(inst, [("secondary_config", i)], "primary_cluster_name")
        destination = region_of(inst, catalog()[inst.type], inst.provider())
        flows_out = [Flow(kind="replica", description=f"replicates cluster {_show(primary)} into {_show(destination.value)}",
                          region=destination, line=line),
                     Flow(kind="replica", description=f"is a secondary of {_show(primary)}", line=line)]
        link = _name_link(primary)
        return flows_out, ([(1, link)] if link else [])
    return [], []


def _redis_linked(inst: ResourceInstance) -> FlowResult:
    line = inst.attr_line("linked_redis_cache_location")
    location = _attr(inst, "linked_redis_cache_location")
    found = own_attr(inst, "linked_redis_cache_location")
    # with the evaluation trace: the evidence reaches the linked cache's location
    region = (region_placement("azure", materialize(found[0]), found[1], f"{inst.address}.linked_redis_cache_location")
              if found is not None else Placement(status="none"))
    flow = Flow(kind="replication", description=f"geo-replicates with {_show(_attr(inst, 'linked_redis_cache_id'))} in {_show(location)}",
                region=region, line=line)
    linked = _attr(inst, "linked_redis_cache_id")
    if isinstance(linked, str) and (match := AZURE_SUB.search(linked)):
        flow.account = _account(match.group(1), f"{inst.address} linked_redis_cache_id", line, inst.declared.file)
    return [flow], []


# --- multi-region placement ----------------------------------------------------------------

def _spread(inst: ResourceInstance, cloud: str, values: list[tuple[Any, str]], line: int, what: str) -> tuple[str | None, Placement]:
    """One region from several location values (zones count as their region), or multi."""
    placements = [_region(cloud, value, f"{inst.address} {note}", line, inst.declared.file) for value, note in values]
    unknown = next((p for p in placements if p.status == "unknown"), None)
    if unknown is not None:
        return None, unknown
    found = sorted({p.value for p in placements if p.value})
    if len(found) == 1 and all(p.status == "resolved" for p in placements):
        return None, placements[0]
    if found:
        reason = f"{what} across {', '.join(found)}"
        return reason, Placement(value=",".join(found), status="multi", reason=reason,
                                 evidence=_evidence(inst, line, what))
    return None, Placement(status="unknown", reason=f"{inst.address} sets no {what} the analyzer can read",
                           evidence=_evidence(inst, line, what))


def _block_locations(block: str, key: str, what: str) -> MultiTest:
    def test(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
        values = [(b.get(key), f"{block}.{key}") for b in as_blocks(_attr(inst, block))]
        if not values and _configured(inst, block) and isinstance(_attr(inst, block), Unknown):
            value = _attr(inst, block)
            return None, Placement(status="unknown", reason=value.reason, evidence=_evidence(inst, inst.attr_line(block), block))
        return _spread(inst, "gcp", values, inst.attr_line(block) if block in inst.declared.block.attrs else _line_at(inst, [(block, 0)]), what)
    return test


def gcp_pubsub_storage(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    """Without a message storage policy Pub/Sub stores messages in whatever region the
    publisher reaches (within the organization policy): the topic is not pinned."""
    policies = as_blocks(_attr(inst, "message_storage_policy"))
    if not policies:
        reason = "no message_storage_policy: Pub/Sub stores messages in the region nearest each publisher"
        return reason, Placement(status="global", reason=reason, evidence=_evidence(inst, inst.declared.block.line, "message_storage_policy"))
    allowed = policies[0].get("allowed_persistence_regions")
    line = _line_at(inst, [("message_storage_policy", 0)], "allowed_persistence_regions")
    if isinstance(allowed, Unknown):
        return None, Placement(status="unknown", reason=allowed.reason, evidence=_evidence(inst, line, "allowed_persistence_regions"))
    values = [(v, "message_storage_policy.allowed_persistence_regions") for v in (allowed if isinstance(allowed, list) else [])]
    return _spread(inst, "gcp", values, line, "message storage")


def spanner_config(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    value = _attr(inst, "config")
    line = inst.attr_line("config")
    if not isinstance(value, str):
        reason = value.reason if isinstance(value, Unknown) else f"{inst.address} sets no config"
        return None, Placement(status="unknown", reason=reason, evidence=_evidence(inst, line, "config"))
    name = value.rsplit("/", 1)[-1]
    prefix = load_data("multi_region.yaml")["spanner_regional_prefix"]
    if name.startswith(prefix):
        return None, _region("gcp", name.removeprefix(prefix), f"{inst.address} config", line, inst.declared.file)
    info = regions.normalize("gcp", name)
    spans = f" ({', '.join(info.spans)})" if info.spans else ""
    reason = f"config {name} is a multi-region instance configuration{spans}"
    return reason, Placement(value=info.value if info.status == "multi" else name, status="multi", reason=reason, evidence=_evidence(inst, line, "config"))


def gcp_storage_locations(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    """Snapshots and images: without storage_locations Google keeps them in the multi-region
    nearest the source disk."""
    # optional and computed: unset reads as "computed at apply time", but Google's choice is
    # documented (the nearest multi-region), so an unset value is multi-region, not unknown
    value = _attr(inst, "storage_locations") if "storage_locations" in inst.declared.block.attrs else None
    line = inst.attr_line("storage_locations")
    if value is None:
        reason = "no storage_locations: stored in the multi-region nearest the source"
        return reason, Placement(status="multi", reason=reason, evidence=_evidence(inst, line, "storage_locations"))
    if isinstance(value, Unknown):
        return None, Placement(status="unknown", reason=value.reason, evidence=_evidence(inst, line, "storage_locations"))
    return _spread(inst, "gcp", [(v, "storage_locations") for v in value if isinstance(value, list)], line, "storage locations")


def _flag(attr: str, default: bool, why: str) -> MultiTest:
    """Multi-region when a boolean argument is true (or unset with a true provider default)."""
    def test(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
        value = _attr(inst, attr)
        if value in TRUE or (value is None and default):
            return f"{attr} = true{' (provider default)' if value is None else ''}: {why}", region
        return None, region
    return test


def azure_vault_redundancy(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    data = load_data("multi_region.yaml")
    if inst.type == "azurerm_recovery_services_vault":
        attr = "storage_mode_type"
        value = _attr(inst, attr) if attr in inst.declared.block.attrs else None  # optional + computed
        if value is None:
            value = data["azure_recovery_vault_default"]
            attr = "storage_mode_type (provider default)"
    else:
        attr, value = "redundancy", _attr(inst, "redundancy")
    if value in data["azure_geo_redundancy"]:
        return f"{attr} = {value}: backups are copied to the paired region", region
    if _attr(inst, "cross_region_restore_enabled") in TRUE:
        return "cross_region_restore_enabled = true: backups are restorable in the paired region", region
    return None, region


def cosmos_multi_write(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    locations = as_blocks(_attr(inst, "geo_location"))
    enabled = _attr(inst, "multiple_write_locations_enabled") in TRUE or _attr(inst, "enable_multiple_write_locations") in TRUE
    if enabled and len(locations) > 1:
        shown = ", ".join(_show(b.get("location")) for b in locations)
        return f"multi-region writes across {shown}", region
    return None, region


EXTRA_MULTI: dict[str, MultiTest] = {
    "gcp_pubsub_storage": gcp_pubsub_storage,
    "spanner_config": spanner_config,
    "spanner_custom_replicas": _block_locations("replicas", "location", "Spanner replicas"),
    "bigtable_clusters": _block_locations("cluster", "zone", "Bigtable clusters"),
    "gcp_storage_locations": gcp_storage_locations,
    "aws_cloudtrail_multi_region": _flag("is_multi_region_trail", False, "records events of every region into this trail"),
    "aws_event_data_store_multi_region": _flag("multi_region_enabled", True, "collects events of every region"),
    "azure_geo_backup": _flag("geo_redundant_backup_enabled", False, "backups are copied to the paired region"),
    "azure_vault_redundancy": azure_vault_redundancy,
    "cosmos_multi_write": cosmos_multi_write,
}

FLOW_EXTRACTORS: dict[str, Callable[[ResourceInstance], FlowResult]] = {**flows.FLOW_EXTRACTORS, **EXTRA_FLOWS}
MULTI_TESTS: dict[str, MultiTest] = {**flows.MULTI_TESTS, **EXTRA_MULTI}
