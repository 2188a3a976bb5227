"""The analyzer's boundary models: inventory rows, provider placements, findings, report.

Everything the rules read and every report writes goes through these models, so the JSON
contract of DESIGN.md lives in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from analyzer.kinds import kind_of

Cloud = Literal["aws", "gcp", "azure", "kubernetes", "unknown"]
Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"]
# How a placement value was established: a concrete value, a value that cannot be known
# statically, a multi-region/dual-region code, or a deliberately global service location.
PlacementStatus = Literal["resolved", "unknown", "multi", "global", "none"]


class Evidence(BaseModel):
    """One step of an evidence chain: where a value came from."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    note: str

    def render(self) -> str:
        return f"{self.file}:{self.line} {self.note}"

    # chains are de-duplicated step by step during evaluation (~100k comparisons on a
    # 1,000-file estate): compare the three fields directly, as BaseModel's __eq__ would
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Evidence:
            return NotImplemented
        return self.line == other.line and self.file == other.file and self.note == other.note  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.note))


class Placement(BaseModel):
    """A region or an account/project/subscription, with how it was established."""

    value: str | None = None
    status: PlacementStatus = "none"
    reason: str = ""
    evidence: list[Evidence] = Field(default_factory=list)


class Flow(BaseModel):
    """Data leaving the resource: a replica, a replication/subscription destination, a grant."""

    kind: Literal["replica", "replication", "subscription", "grant", "copy"]
    description: str
    region: Placement = Field(default_factory=Placement)
    account: Placement = Field(default_factory=Placement)
    line: int


class Conflict(BaseModel):
    """Helm configuration and the Terraform that creates the resource disagree on where it is."""

    field: Literal["region", "account"]
    helm: Placement
    terraform: Placement
    address: str = Field(description="the Terraform resource the Helm reference names")


class InventoryRow(BaseModel):
    """One located resource of the residency map."""

    address: str
    type: str
    kind: str
    cloud: Cloud
    region: Placement
    account: Placement
    file: str
    line: int
    root: str = "."
    name: str | None = Field(default=None, description="the cloud-side name (bucket, repository, account name)")
    parent: str | None = Field(default=None, description="address of the resource this one lives in")
    provider: str | None = None
    multi_region: str | None = Field(default=None, description="why the placement spans regions")
    flows: list[Flow] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    unresolved_images: list[str] = Field(default_factory=list, description="why an image reference is not known")
    image_evidence: dict[str, list[Evidence]] = Field(
        default_factory=dict, description="image -> where it is set: its `image:` line in this row's file first, "
        "then the values-file lines that set it (rows that do not know it fall back to the row's line)")
    endpoints: list[str] = Field(default_factory=list)
    skips: dict[str, str] = Field(default_factory=dict, description="inline checkov:skip rule -> reason")
    refers_to: str | None = Field(default=None, description="for a reference read from Kubernetes configuration: "
                                  "the scanned Terraform resource it names")
    conflicts: list[Conflict] = Field(default_factory=list)
    # set by the reader, never guessed from the address shape, the type or the file name
    origin: Literal["terraform", "plan", "kubernetes"] | None = Field(
        default=None, description="the input format the row was read from (a plan joined with its HCL: plan)")


def is_reference(row: InventoryRow) -> bool:
    """A row read from inside a Kubernetes object's configuration (address `Kind/namespace/name`):
    what the object names (a bucket, a registry, a region setting), not the object itself."""
    return row.origin == "kubernetes" and not kind_of(row.kind).object


def display_address(row: InventoryRow) -> str:
    """The address, and for a reference what it names (and the Terraform row it matched)."""
    if not is_reference(row):
        return row.address
    what = row.kind.replace("_", " ")
    if row.kind == "setting":
        what = "region setting" if row.region.status != "none" else "account setting"
    target = f" = {row.refers_to}" if row.refers_to else ""
    return f"{row.address} \u2192 {what}{' ' + row.name if row.name else ''}{target}"


class ProviderPlacement(BaseModel):
    """One provider configuration as a module instance sees it (for CKV_RES_8)."""

    address: str
    cloud: Cloud
    region: Placement
    account: Placement
    pinned: bool
    allowed_accounts: list[str] = Field(default_factory=list, description="AWS allowed_account_ids")
    implicit: bool = Field(default=False, description="no provider block: configured by the environment")
    file: str
    line: int
    root: str = "."
    skips: dict[str, str] = Field(default_factory=dict)


class ScanError(BaseModel):
    """An input that could not be analyzed (reported as CKV_RES_9)."""

    file: str
    line: int = 0
    message: str
    address: str = ""


class Finding(BaseModel):
    rule_id: str
    rule_name: str
    severity: Severity
    address: str
    file: str
    line: int
    message: str
    region: str | None = None
    account: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    fingerprint: str = ""
    suppressed: str | None = Field(default=None, description="why it is suppressed, if it is")


class Inventory(BaseModel):
    rows: list[InventoryRow] = Field(default_factory=list)
    providers: list[ProviderPlacement] = Field(default_factory=list)
    errors: list[ScanError] = Field(default_factory=list)


class RuleMeta(BaseModel):
    """What reports need to know about a rule (SARIF rule metadata, docs links)."""

    id: str
    name: str
    severity: Severity
    description: str
    guideline: str = Field(description="how to fix and how to suppress")


class Summary(BaseModel):
    files: int = 0
    resources: int = 0
    findings: int = 0
    suppressed: int = 0
    errors: int = 0
    region: str | None = None
    region_inferred: bool = False
    accounts: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class UnusedException(BaseModel):
    """A residency.yaml exception that matched no finding of the scan (stale, or mistyped)."""

    rule: str
    address: str
    reason: str
    expires: str
    file: str | None = None
    line: int = 0


class ScanReport(BaseModel):
    """Everything one scan produced; every output format renders this."""

    tool_version: str
    root: str
    findings: list[Finding] = Field(default_factory=list)
    inventory: list[InventoryRow] = Field(default_factory=list)
    providers: list[ProviderPlacement] = Field(default_factory=list)
    errors: list[ScanError] = Field(default_factory=list)
    rules: list[RuleMeta] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    repository_prefix: str = Field(default="", description="where the scan root is in its repository "
                                   "(analyzer/report/paths.py); SARIF, JUnit and annotations prefix paths with it")
    unused_exceptions: list[UnusedException] = Field(default_factory=list)

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]
