"""The one row builder: a resource view (HCL instance or plan resource) and its catalog entry
become an inventory row through the catalog's extractors, and rows are linked once every row
of a root (or plan) exists.

Order: catalog entry -> region and account placement -> multi-region test -> flows ->
images and endpoints -> name; then `link` sets parents (inherited placement) and flow
destinations that name another row, by address or by cloud-side name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from analyzer.catalog import CatalogEntry
from analyzer.kinds import kinds
from analyzer.models import Evidence, InventoryRow, Placement
from analyzer.resource_view import ResourceView
from analyzer.terraform import flows as flow_lib
from analyzer.terraform import flows_extra  # flows.py's extractors plus the catalog's later families
from analyzer.terraform.evaluate import materialize
from analyzer.terraform.placement import account_of, parent_reference, region_of

if TYPE_CHECKING:
    from analyzer.terraform.module import ResourceInstance

NOT_LOCATED_KINDS = frozenset(k.name for k in kinds().values() if not k.located)  # analyzer/data/kinds.yaml
Link = tuple[str, str]  # ("address", addr) | ("name", value)


@dataclass
class Pending:
    row: InventoryRow
    parent: Link | None
    links: list[tuple[int, Link]] = field(default_factory=list)
    name: str | None = None


def build_row(view: ResourceView, entry: CatalogEntry, ref: Any, *, file: str, line: int, root: str,
              skips: dict[str, str], origin: Literal["terraform", "plan"]) -> Pending:
    """The row of one resource instance, its parent link and its flows' pending links."""
    # the extractors are still typed on the HCL class; any ResourceView satisfies what they read
    instance = cast("ResourceInstance", view)
    region = region_of(instance, entry, ref)
    if entry.kind in NOT_LOCATED_KINDS and not entry.region and region.status == "unknown" and not entry.parent:
        region = Placement(status="none", reason="not a located resource")
    account = account_of(instance, entry, ref)
    multi = None
    if entry.multi:
        multi, region = flows_extra.MULTI_TESTS[entry.multi](instance, region)
    if region.status == "multi" and multi is None:
        multi = f"location {region.value} spans several regions"
    flows, links = flows_extra.FLOW_EXTRACTORS[entry.flows](instance) if entry.flows else ([], [])
    images, unresolved_images = flow_lib.images_and_unknowns(instance, entry.images) if entry.images else ([], [])
    endpoints = flow_lib.endpoints(instance, entry.endpoints) if entry.endpoints else []
    name = name_of(view, entry.name)
    row = InventoryRow(address=view.address, type=entry.type, kind=entry.kind, cloud=entry.cloud,  # type: ignore[arg-type]
                       region=region, account=account, file=file, line=line,
                       root=root, name=name, provider=ref.config.address, multi_region=multi, flows=flows,
                       images=images, unresolved_images=unresolved_images, endpoints=endpoints, skips=skips,
                       origin=origin)
    return Pending(row, parent_reference(instance, entry) if entry.parent else None, links, name)


def name_of(view: ResourceView, attrs: list[str]) -> str | None:
    for attr in attrs:
        if attr in view.declared.block.attrs:
            value = materialize(view.get(attr, None))
            if isinstance(value, str):
                return value
    return None


def _own_region(row: InventoryRow) -> bool:
    """The row's region is set on the resource itself (`region = ...`), not by its provider."""
    return any(step.note.startswith(f"{row.address}.region") for step in row.region.evidence)


def link(pending: list[Pending]) -> None:
    """Parents give their placement to children that inherit it; flows naming another row take
    that row's region and account. Evidence: the link step, then the target's chain."""
    by_address = {p.row.address: p.row for p in pending}
    by_name: dict[str, InventoryRow] = {}
    for p in pending:
        if p.name and p.row.kind not in NOT_LOCATED_KINDS:
            by_name.setdefault(p.name, p.row)

    def target(found: Link) -> InventoryRow | None:
        kind, value = found
        if kind == "address":
            return by_address.get(value) or next((r for a, r in by_address.items() if a.startswith(value + "[")), None)
        return by_name.get(value)

    for p in pending:
        if p.parent is not None and p.row.region.status in ("unknown", "none") and p.row.region.reason.startswith("inherits"):
            parent = target(p.parent)
            if parent is not None:
                step = Evidence(file=p.row.file, line=p.row.line, note=f"{p.row.address} is inside {parent.address}")
                p.row.parent = parent.address
                p.row.region = parent.region.model_copy(update={"evidence": [step, *parent.region.evidence]})
                # a GCP child without its own project is in its parent's; AWS and Azure children
                # are created with their own provider's credentials, whose account stays theirs
                if p.row.cloud == "gcp" and p.row.account.status != "resolved":
                    p.row.account = parent.account.model_copy(update={"evidence": [step, *parent.account.evidence]})
                if parent.multi_region and not p.row.multi_region:
                    p.row.multi_region = parent.multi_region
            else:
                p.row.region = Placement(status="unknown", reason=f"its parent {p.parent[1]} is not in the scanned configuration",
                                         evidence=[Evidence(file=p.row.file, line=p.row.line, note=p.row.address)])
        elif p.parent is not None and p.row.cloud == "aws" and not _own_region(p.row):
            # an AWS child (a KMS alias, a node group) lives in its parent's region, which its own
            # provider's region only defaults; when the parent is not scanned, the provider's stays
            parent = target(p.parent)
            if parent is not None and parent.region.status != "unknown":
                step = Evidence(file=p.row.file, line=p.row.line, note=f"{p.row.address} is inside {parent.address}")
                p.row.parent = parent.address
                p.row.region = parent.region.model_copy(update={"evidence": [step, *parent.region.evidence]})
        for index, found in p.links:
            destination = target(found)
            if destination is None or index >= len(p.row.flows):
                continue
            flow = p.row.flows[index]
            step = Evidence(file=p.row.file, line=flow.line, note=f"destination is {destination.address}")
            if flow.region.status in ("none", "unknown"):
                flow.region = destination.region.model_copy(update={"evidence": [step, *destination.region.evidence]})
            if flow.account.status in ("none", "unknown"):
                flow.account = destination.account.model_copy(update={"evidence": [step, *destination.account.evidence]})
