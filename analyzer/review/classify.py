"""The reviewer's view of a scan: resources grouped by how they hold data.

One model (:class:`Review`) built from one :class:`~analyzer.models.ScanReport`; the
Markdown and HTML renderers only lay it out. Groups, in order:

* bulk data: buckets, registries, databases, backups (data at rest in volume)
* inline data: secret stores, log groups, queues (data carried in the resource itself)
* compute: clusters, node pools, workloads (where data is processed)
* keys: KMS keys and key rings
* named in Kubernetes configuration: what rendered Helm/Kubernetes config points the data
  plane at (buckets, log groups, vaults, registries, region settings)
* data flows and policies: replication, log subscriptions, grants, anything else

Each resource carries its findings (matched by address and file) and the command that
confirms its placement after deployment. Findings that match no resource (provider and
input-error findings) are kept separately so none is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.kinds import kind_of, kinds
from analyzer.models import Finding, InventoryRow, ScanReport, is_reference
from analyzer.report._common import posix_path, sorted_findings, sorted_inventory
from analyzer.review.commands import VerifyCommand, verify_command


@dataclass(frozen=True)
class Classification:
    key: str
    title: str
    description: str

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of this group (the `review` flag of analyzer/data/kinds.yaml)."""
        return frozenset(k.name for k in kinds().values() if k.review == self.key)


CLASSIFICATIONS: tuple[Classification, ...] = (
    Classification("bulk", "Bulk data", "buckets, registries, databases and backups"),
    Classification("inline", "Inline data", "secret stores, log groups and queues"),
    Classification("compute", "Compute", "clusters, node pools and workloads"),
    Classification("keys", "Keys", "KMS keys and key rings"),
    Classification("references", "Named in Kubernetes configuration",
                   "buckets, log groups, vaults, keys, registries and regions that rendered Helm/Kubernetes "
                   "configuration points the data plane at; matched to the Terraform that creates them when scanned "
                   "together"),
    Classification("flows", "Data flows and policies", "replication, log subscriptions, grants and other resources"),
)


def classify(row: InventoryRow) -> str:
    """The classification key of a row: its kind's review group (``flows`` for any other kind)."""
    if is_reference(row):
        return "references"
    return kind_of(row.kind).review


@dataclass
class ReviewItem:
    row: InventoryRow
    findings: list[Finding]
    command: VerifyCommand


@dataclass
class ReviewGroup:
    classification: Classification
    items: list[ReviewItem] = field(default_factory=list)


@dataclass
class Review:
    report: ScanReport
    groups: list[ReviewGroup]
    unmatched: list[Finding]  # findings about no inventory row (providers, inputs not analyzed)

    @property
    def items(self) -> list[ReviewItem]:
        return [item for group in self.groups for item in group.items]


def _parent_names(rows: list[InventoryRow]) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.name and (row.root, row.address) not in names:
            names[(row.root, row.address)] = row.name
    return names


def build_review(report: ScanReport) -> Review:
    rows = sorted_inventory(report.inventory)
    parents = _parent_names(rows)
    groups = {c.key: ReviewGroup(c) for c in CLASSIFICATIONS}
    items = [ReviewItem(row, [], verify_command(row, parents.get((row.root, row.parent)) if row.parent else None))
             for row in rows]
    # a finding belongs to the row of its address and file; a Kubernetes object's rows share the
    # address (the workload, the registry it names), so the line picks among them
    by_place: dict[tuple[str, str], list[ReviewItem]] = {}
    for item in items:
        by_place.setdefault((item.row.address, posix_path(item.row.file)), []).append(item)
    unmatched: list[Finding] = []
    for finding in sorted_findings(report.findings):
        candidates = by_place.get((finding.address, posix_path(finding.file)))
        if not candidates:
            unmatched.append(finding)
            continue
        owner = next((item for item in candidates if item.row.line == finding.line), candidates[0])
        owner.findings.append(finding)
    for item in items:
        groups[classify(item.row)].items.append(item)
    return Review(report=report, groups=[groups[c.key] for c in CLASSIFICATIONS], unmatched=unmatched)
