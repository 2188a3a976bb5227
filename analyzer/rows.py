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
from analyzer.terraform.name_templates import NameRef, key_of, ref_for, stem_of, template_of
from analyzer.terraform.placement import account_of, own_attr, region_of
from analyzer.values import Unknown

if TYPE_CHECKING:
    from analyzer.terraform.module import ResourceInstance

NOT_LOCATED_KINDS = frozenset(k.name for k in kinds().values() if not k.located)  # analyzer/data/kinds.yaml
Link = tuple[str, Any]  # ("address", addr) | ("name", value) | ("template", NameRef)


@dataclass
class Pending:
    row: InventoryRow
    parent: Link | None
    links: list[tuple[int, Link]] = field(default_factory=list)
    name: str | None = None
    view: Any = None  # the resource view, read again only when a name template is matched
    names: list[str] = field(default_factory=list)  # its name attributes (catalog)


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
    images, unresolved_images = flow_lib.images_and_unknowns(instance, entry.images, entry.image_form) if entry.images else ([], [])
    endpoints = flow_lib.endpoints(instance, entry.endpoints) if entry.endpoints else []
    name = name_of(view, entry.name)
    row = InventoryRow(address=view.address, type=entry.type, kind=entry.kind, cloud=entry.cloud,  # type: ignore[arg-type]
                       region=region, account=account, file=file, line=line,
                       root=root, name=name, provider=ref.config.address, multi_region=multi, flows=flows,
                       images=images, unresolved_images=unresolved_images, endpoints=endpoints, skips=skips,
                       origin=origin)
    return Pending(row, _parent_link(instance, entry) if entry.parent else None, links, name, view, entry.name)


def _parent_link(instance: "ResourceInstance", entry: CatalogEntry) -> Link | None:
    """The parent link (a reference, or a name), with an unknown name (`"st${random_string.s.result}"`, or
    `azurerm_storage_account.sa.name` that is built so) linked by its template first, then by
    the resource the value comes from."""
    for attr in entry.parent:
        found = own_attr(instance, attr)
        if found is None:
            continue
        value = found[0]
        if isinstance(value, Unknown) and value.origin:
            ref = ref_for(value, stem=stem_of(attr))
            return ("template", ref) if ref is not None else ("address", value.origin)
        if isinstance(value, str) and value:
            return ("name", value)
    return None


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


class _Names:
    """Rows by the template of a name attribute, built on the first name-template link."""

    def __init__(self, pending: list[Pending]) -> None:
        self.pending = pending
        self.tables: dict[str, dict[Any, list[InventoryRow]]] = {}

    def find(self, ref: NameRef, exclude: InventoryRow) -> InventoryRow | None:
        """The one row the template names (of `ref.types`, preferring types ending with
        `ref.stem`); None when none or several do (then the value's origin is linked)."""
        key = key_of(ref.template)
        if key is None:
            return None
        found: list[InventoryRow] = []
        for attr in ref.attrs or ("",):
            found.extend(row for row in self._table(attr).get(key, []) if row not in found)
        candidates = [row for row in found if row is not exclude and (not ref.types or row.type in ref.types)]
        preferred = [row for row in candidates if ref.stem and row.type.endswith(ref.stem)]
        candidates = preferred or candidates
        return candidates[0] if len(candidates) == 1 else None

    def _table(self, attr: str) -> dict[Any, list[InventoryRow]]:
        """attr "" is each row's own first configured name attribute (catalog `name`)."""
        if attr not in self.tables:
            table: dict[Any, list[InventoryRow]] = {}
            for p in self.pending:
                if p.view is None or p.row.kind in NOT_LOCATED_KINDS:
                    continue
                configured = p.view.declared.block.attrs
                name = next((a for a in (p.names if attr == "" else [attr]) if a in configured), None)
                if name is None:
                    continue
                key = key_of(template_of(materialize(p.view.get(name, None))))
                if key is not None:
                    table.setdefault(key, []).append(p.row)
            self.tables[attr] = table
        return self.tables[attr]


def _where(row: InventoryRow) -> str:
    return f"{row.address} ({row.file}:{row.line})"


def link(pending: list[Pending]) -> None:
    """Parents give their placement to children that inherit it; flows naming another row take
    that row's region and account. Evidence: the link step, then the target's chain."""
    by_address = {p.row.address: p.row for p in pending}
    by_name: dict[str, InventoryRow] = {}
    for p in pending:
        if p.name and p.row.kind not in NOT_LOCATED_KINDS:
            by_name.setdefault(p.name, p.row)
    names = _Names(pending)

    def at(address: str) -> InventoryRow | None:
        return by_address.get(address) or next((r for a, r in by_address.items() if a.startswith(address + "[")), None)

    def target(found: Link, row: InventoryRow) -> tuple[InventoryRow | None, NameRef | None]:
        """The row a link names, and the name template it was matched by (None: by address or plain name)."""
        kind, value = found
        if kind == "address":
            return at(value), None
        if kind == "template":
            matched = names.find(value, row)
            if matched is not None:
                return matched, value
            return (at(value.origin) if value.origin else None), None
        return by_name.get(value), None

    for p in pending:
        if p.parent is not None and p.row.region.status in ("unknown", "none") and p.row.region.reason.startswith("inherits"):
            parent, ref = target(p.parent, p.row)
            if parent is not None:
                note = f"{p.row.address} is inside {parent.address}"
                if ref is not None:
                    note = f"{p.row.address} is inside {_where(parent)}, named {ref.shown}"
                step = Evidence(file=p.row.file, line=p.row.line, note=note)
                p.row.parent = parent.address
                p.row.region = parent.region.model_copy(update={"evidence": [step, *parent.region.evidence]})
                # a GCP child without its own project is in its parent's; AWS and Azure children
                # are created with their own provider's credentials, whose account stays theirs
                if p.row.cloud == "gcp" and p.row.account.status != "resolved":
                    p.row.account = parent.account.model_copy(update={"evidence": [step, *parent.account.evidence]})
                if parent.multi_region and not p.row.multi_region:
                    p.row.multi_region = parent.multi_region
            else:
                named = p.parent[1].shown if p.parent[0] == "template" else p.parent[1]
                p.row.region = Placement(status="unknown", reason=f"its parent {named} is not in the scanned configuration",
                                         evidence=[Evidence(file=p.row.file, line=p.row.line, note=p.row.address)])
        elif p.parent is not None and p.row.cloud == "aws" and not _own_region(p.row):
            # an AWS child (a KMS alias, a node group) lives in its parent's region, which its own
            # provider's region only defaults; when the parent is not scanned, the provider's stays
            parent, ref = target(p.parent, p.row)
            if parent is not None and parent.region.status != "unknown":
                note = f"{p.row.address} is inside {parent.address}" if ref is None else \
                    f"{p.row.address} is inside {_where(parent)}, named {ref.shown}"
                step = Evidence(file=p.row.file, line=p.row.line, note=note)
                p.row.parent = parent.address
                p.row.region = parent.region.model_copy(update={"evidence": [step, *parent.region.evidence]})
        for index, found in p.links:
            destination, ref = target(found, p.row)
            if destination is None or destination is p.row or index >= len(p.row.flows):
                continue  # a value unknown in this resource itself names no destination
            _take_destination(p.row, index, destination, ref)


def _take_destination(row: InventoryRow, index: int, destination: InventoryRow, ref: NameRef | None) -> None:
    """The flow takes its destination row's region and account where it names none of its own.
    Matched by a name template, the flow's description and evidence name the row: a reviewer
    reads `aws_s3_bucket.replica`, not the `random_pet.this` the name is built from."""
    flow = row.flows[index]
    region_note = account_note = f"destination is {destination.address}"
    if ref is not None:
        region_note = f"destination {ref.shown} is {_where(destination)}, located in {_shown(destination.region)}"
        account_note = f"destination {ref.shown} is {_where(destination)}, in account {_shown(destination.account)}"
        if ref.shown in flow.description:
            flow.description = flow.description.replace(ref.shown, f"{destination.address} ({ref.shown})", 1)
    if flow.region.status in ("none", "unknown"):
        step = Evidence(file=row.file, line=flow.line, note=region_note)
        flow.region = destination.region.model_copy(update={"evidence": [step, *destination.region.evidence]})
    elif ref is not None:  # the destination names its own region: the chain still names the row
        flow.region.evidence.append(Evidence(file=row.file, line=flow.line, note=region_note))
    if flow.account.status in ("none", "unknown"):
        step = Evidence(file=row.file, line=flow.line, note=account_note)
        flow.account = destination.account.model_copy(update={"evidence": [step, *destination.account.evidence]})
    elif ref is not None:
        flow.account.evidence.append(Evidence(file=row.file, line=flow.line, note=account_note))


def _shown(placement: Placement) -> str:
    return placement.value or ("an unknown place" if placement.status == "unknown" else placement.status)
