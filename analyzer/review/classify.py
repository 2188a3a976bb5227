"""The reviewer's view of a scan: resources grouped by how they hold data.

One model (:class:`Review`) built from one :class:`~analyzer.models.ScanReport`; the
Markdown and HTML renderers only lay it out. Groups, in order:

* bulk data: buckets, registries, databases, backups (data at rest in volume)
* inline data: secret stores, log groups, queues (data carried in the resource itself)
* compute: clusters, node pools, workloads (where data is processed)
* keys: KMS keys and key rings
* data flows and policies: replication, log subscriptions, grants, anything else

Each resource carries its findings (matched by address and file) and the command that
confirms its placement after deployment. Findings that match no resource (provider and
input-error findings) are kept separately so none is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.models import Finding, InventoryRow, ScanReport
from analyzer.report._common import posix_path, sorted_findings, sorted_inventory
from analyzer.review.commands import VerifyCommand, verify_command


@dataclass(frozen=True)
class Classification:
    key: str
    title: str
    description: str
    kinds: frozenset[str]


CLASSIFICATIONS: tuple[Classification, ...] = (
    Classification("bulk", "Bulk data", "buckets, registries, databases and backups",
                   frozenset({"bucket", "registry", "database", "backup"})),
    Classification("inline", "Inline data", "secret stores, log groups and queues",
                   frozenset({"secret_store", "log_group", "queue"})),
    Classification("compute", "Compute", "clusters, node pools and workloads",
                   frozenset({"cluster", "node_pool", "workload"})),
    Classification("keys", "Keys", "KMS keys and key rings", frozenset({"kms_key"})),
    Classification("flows", "Data flows and policies", "replication, log subscriptions, grants and other resources",
                   frozenset()),
)
_BY_KIND = {kind: c.key for c in CLASSIFICATIONS for kind in c.kinds}


def classify(row: InventoryRow) -> str:
    """The classification key of a row (``flows`` for any kind not listed)."""
    return _BY_KIND.get(row.kind, "flows")


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
    by_key: dict[tuple[str, str], list[Finding]] = {}
    for finding in sorted_findings(report.findings):
        by_key.setdefault((finding.address, posix_path(finding.file)), []).append(finding)
    parents = _parent_names(rows)
    groups = {c.key: ReviewGroup(c) for c in CLASSIFICATIONS}
    matched: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.address, posix_path(row.file))
        matched.add(key)
        parent = parents.get((row.root, row.parent)) if row.parent else None
        groups[classify(row)].items.append(ReviewItem(row, by_key.get(key, []), verify_command(row, parent)))
    unmatched = [f for f in sorted_findings(report.findings) if (f.address, posix_path(f.file)) not in matched]
    return Review(report=report, groups=[groups[c.key] for c in CLASSIFICATIONS], unmatched=unmatched)
