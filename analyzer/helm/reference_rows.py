"""References found in one Kubernetes object's configuration -> inventory rows.

Where configuration lives: ConfigMap `data`, Secret `data` (base64) and `stringData`, and the
env values of every container of a workload. Each value is parsed as the configuration file its
key names (analyzer/helm/config_tree.py), references are extracted (analyzer/helm/references.py),
and references to the same resource within one object merge into one row (flyte names its
bucket as `container:` and again inside `metadataPrefix: s3://...`).

A row's address is the object's (`ConfigMap/ns/name`), its kind the referenced resource's, its
name the cloud-side name the Terraform side carries; evidence lines point into the rendered
manifest (the chart scanner maps them back to template lines).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Iterator

from yaml.nodes import Node, ScalarNode

from analyzer import regions
from analyzer.helm.config_tree import Leaf, Section, parse_config
from analyzer.helm.references import Reference, extract
from analyzer.helm.safe_yaml import child_node
from analyzer.kinds import kind_of
from analyzer.models import Evidence, InventoryRow, Placement, ScanError

_NO_REGION = "a Kubernetes object runs in whichever cluster it is applied to"
_CLOUD_REGION = {"aws": "an AWS region", "gcp": "a GCP region or location", "azure": "an Azure region"}


@dataclass
class ValueSource:
    """One configuration value and where it sits in the manifest."""

    key: str  # e.g. "storage.yaml", "env AWS_REGION"
    text: str
    line: int  # the manifest line of the value (block scalars: the line of `|`)
    block: bool  # literal/folded block: the text's line n is manifest line `line + n`


def config_sources(obj: dict[str, Any], node: Node, kind: str, address: str, rel: str,
                   errors: list[ScanError]) -> Iterator[ValueSource]:
    """The values of a ConfigMap or Secret (Secret `data` base64-decoded)."""
    for section in ("data", "stringData"):
        values = obj.get(section)
        section_node = child_node(node, section)
        if not isinstance(values, dict):
            continue
        encoded = kind == "Secret" and section == "data"
        for key, value in values.items():
            if value is None:
                continue
            value_node = child_node(section_node, str(key))
            line = value_node.start_mark.line + 1 if value_node is not None else node.start_mark.line + 1
            text = value if isinstance(value, str) else str(value)
            block = isinstance(value_node, ScalarNode) and value_node.style in ("|", ">")
            if encoded:
                try:
                    text = base64.b64decode("".join(text.split()), validate=True).decode("utf-8", errors="replace")
                except (binascii.Error, ValueError):
                    continue  # reported by the endpoint scan of the same object
                block = False
            yield ValueSource(str(key), text, line, block)


def env_sources(containers: list[tuple[str, dict[str, Any], Node | None]]) -> Iterator[ValueSource]:
    """`env` values of containers: (container label, container, its YAML node)."""
    for label, container, container_node in containers:
        env = container.get("env")
        env_node = child_node(container_node, "env")
        if not isinstance(env, list):
            continue
        for index, entry in enumerate(env):
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                continue
            value_node = child_node(env_node.value[index] if env_node is not None and index < len(env_node.value)
                                else None, "value")
            line = value_node.start_mark.line + 1 if value_node is not None else 0
            yield ValueSource(f"{label} env {entry.get('name')}", entry["value"], line, False)


def reference_rows(sources: Iterator[ValueSource], base: InventoryRow, rel: str,
                   errors: list[ScanError]) -> list[InventoryRow]:
    """One row per resource the object's configuration names (see the module docstring)."""
    merged: dict[tuple[str, str, str], InventoryRow] = {}
    for source in sources:
        key_name = source.key.rsplit(" ", 1)[-1]
        try:
            parsed = parse_config(source.text, key_name)
            tree = parsed.tree if parsed.format != "value" else Section("", 1, [Leaf(key_name, source.text.strip(), 1)])
            references = extract(tree)
        except (RecursionError, ValueError) as err:  # one value never costs the object's other values
            errors.append(ScanError(file=rel, line=source.line, address=base.address,
                                    message=f"{base.address} {source.key}: not analyzed ({type(err).__name__})"))
            continue
        if parsed.error:
            errors.append(ScanError(file=rel, line=source.line, address=base.address,
                                    message=f"{base.address} {source.key}: {parsed.error}"))
        for reference in references:
            line = source.line + reference.line if source.block else source.line
            row = _row(reference, source, line, base, rel, parsed.format == "value")
            identity = (row.kind, row.cloud, row.name or f"{reference.what}@{line}")
            if identity in merged:
                _merge(merged[identity], row)
            else:
                merged[identity] = row
    return list(merged.values())


def _row(reference: Reference, source: ValueSource, line: int, base: InventoryRow, rel: str,
         single: bool) -> InventoryRow:
    def where(location: tuple[str, int, str] | None) -> list[Evidence]:
        at = source.line + location[1] if source.block and location is not None else line
        if single:  # the whole value is the fact: `env AWS_REGION = eu-west-1`
            return [Evidence(file=rel, line=at, note=f"{base.address} {source.key} = {source.text.strip()}")]
        note = location[2] if location is not None else reference.what
        return [Evidence(file=rel, line=at, note=f"{base.address} {source.key}: {note}")]

    region = Placement(status="none", reason=_NO_REGION)
    if reference.region is not None:
        info = regions.normalize(reference.cloud, reference.region[0]) if reference.cloud in regions.CLOUDS else None
        multi = info is not None and info.status == "multi"
        region = Placement(value=reference.region[0], status="multi" if multi else "resolved",
                           evidence=where(reference.region))
    # a located kind's region decides where data lives: without one it is unknown (CKV_RES_2)
    elif kind_of(reference.kind).located and reference.cloud != "kubernetes" and reference.bad_region is not None:
        subject = f"{reference.kind.replace('_', ' ')} {reference.name}" if reference.name else reference.what
        region = Placement(status="unknown", evidence=where(reference.bad_region),
                           reason=f"{base.address} names {subject} ({source.key}) beside {reference.bad_region[2]}, "
                                  f"which is not {_CLOUD_REGION.get(reference.cloud, 'a region of any cloud')}")
    elif kind_of(reference.kind).located and reference.cloud != "kubernetes":
        subject = f"{reference.kind.replace('_', ' ')} {reference.name}" if reference.name else reference.what
        region = Placement(status="unknown", evidence=where(None),
                           reason=f"{base.address} names {subject} ({source.key}) but no region beside it; scan it "
                                  "together with the Terraform that creates it, or name its region in the config")
    account = Placement(status="none", reason=_NO_REGION)
    if reference.account is not None:
        account = Placement(value=reference.account[0], status="resolved", evidence=where(reference.account))
    return base.model_copy(update={
        "kind": reference.kind, "cloud": reference.cloud, "name": reference.name, "line": line,
        "region": region, "account": account, "images": [], "unresolved_images": [], "endpoints": [],
        "multi_region": "a multi-region location is named" if region.status == "multi" else None,
    }, deep=True)


def _merge(kept: InventoryRow, other: InventoryRow) -> None:
    """Same resource named twice in one object: keep the first, fill what it lacks."""
    if kept.region.status in ("unknown", "none") and other.region.status in ("resolved", "multi"):
        kept.region = other.region
    if kept.account.status != "resolved" and other.account.status == "resolved":
        kept.account = other.account
