"""`residency init`: a starter `residency.yaml` inferred from the tree, with every key explained.

The region is the one a scan without a policy infers (analyzer.verdicts.infer_region): the
region of the roots' default provider configurations, else the most common cluster/bucket
region. The file says why, above the `region:` key: which provider configuration (file:line,
and where its region came from) or how many resources; when the roots' default providers
disagree, it lists each root's region and leaves `region: null` with a TODO to pick one (a
scan then asks for --region, CKV_RES_2). The accounts are the most common resolved accounts of
clusters and buckets plus every account a provider configuration resolves to. The result is a
starting point to review, not a proof: a provider pinned to a foreign account lands in
`accounts` too.
"""

from __future__ import annotations

import json
from collections import Counter

from pydantic import BaseModel, Field

from analyzer.models import Inventory, ProviderPlacement
from analyzer.verdicts import INFER_KINDS, infer_region, root_default_regions


class RegionSource(BaseModel):
    """A root's default provider configuration that gave the region, and the chain to its value."""

    root: str
    region: str
    provider: str
    file: str
    line: int
    chain: list[str] = Field(default_factory=list, description="rendered evidence steps, first to last")


class InferredPolicy(BaseModel):
    region: str | None = None
    accounts: list[str] = Field(default_factory=list)
    resources: int = 0
    # why the region is what it is: the default providers that gave it (one per root; several
    # regions when the roots disagree), or, without any, how many clusters/buckets were counted
    region_sources: list[RegionSource] = Field(default_factory=list)
    region_votes: int = 0
    region_candidates: int = 0
    region_counted: str = "clusters/buckets"


def infer_accounts(inventory: Inventory) -> list[str]:
    counts = Counter(r.account.value for r in inventory.rows
                     if r.kind in INFER_KINDS and r.account.status == "resolved" and r.account.value)
    out: list[str] = []
    if counts:
        best = max(counts.values())
        out = sorted(account for account, n in counts.items() if n == best)  # type: ignore[type-var]
    providers = sorted({p.account.value for p in inventory.providers
                        if p.account.status == "resolved" and p.account.value})
    out += [a for a in providers if a not in out]
    return out


def _is_default(provider: ProviderPlacement) -> bool:
    parts = provider.address.split(".")  # `provider.aws` of a root; not an alias, not a module's
    return len(parts) == 2 and parts[0] == "provider"


def region_sources(inventory: Inventory) -> list[RegionSource]:
    """The default provider configurations that decide each root's region (those infer_region reads)."""
    by_root = root_default_regions(inventory)
    sources = [RegionSource(root=p.root, region=by_root[p.root], provider=p.address, file=p.file, line=p.line,
                            chain=[e.render() for e in dict.fromkeys(p.region.evidence)])
               for p in inventory.providers
               if _is_default(p) and p.root in by_root and p.region.status == "resolved"
               and p.region.value == by_root[p.root]]
    return sorted(sources, key=lambda s: (s.root, s.provider, s.file, s.line))


def infer_policy(inventory: Inventory) -> InferredPolicy:
    region = infer_region(inventory)
    sources = region_sources(inventory)
    votes = candidates = 0
    counted = "clusters/buckets"
    if not sources and region is not None:  # the most common cluster/bucket region decided (as infer_region)
        located = [r for r in inventory.rows if r.kind in INFER_KINDS and r.region.status == "resolved"]
        if not located:
            located, counted = [r for r in inventory.rows if r.region.status == "resolved"], "resources"
        candidates = len(located)
        votes = sum(1 for r in located if r.region.value == region)
    return InferredPolicy(region=region, accounts=infer_accounts(inventory), resources=len(inventory.rows),
                          region_sources=sources, region_votes=votes, region_candidates=candidates,
                          region_counted=counted)


def _comment(text: str) -> str:
    # a value read from the scanned tree must not end the comment line and become YAML
    indent = len(text) - len(text.lstrip(" "))
    return "# " + " " * indent + " ".join(text.split())


def region_reasoning(inferred: InferredPolicy) -> list[str]:
    """Comment lines saying where the region came from, or that the roots disagree and one must be picked."""
    regions = sorted({s.region for s in inferred.region_sources})
    if len(regions) > 1:
        lines = [_comment(f"The roots' default provider configurations disagree on the region "
                          f"({', '.join(regions)})."),
                 _comment("Pick the data plane's one region and set it below; until then a scan asks for --region.")]
        for source in inferred.region_sources:
            lines.append(_comment(f"  root {source.root}: {source.region} from {source.provider} at "
                                  f"{source.file}:{source.line}"))
            lines += [_comment(f"    {step}") for step in source.chain]
        return lines
    if inferred.region_sources:
        lines = [_comment(f"Inferred {inferred.region} from the default provider configuration of "
                          f"{'each root' if len(inferred.region_sources) > 1 else 'the root'}:")]
        for source in inferred.region_sources:
            lines.append(_comment(f"  root {source.root}: {source.provider} at {source.file}:{source.line}"))
            lines += [_comment(f"    {step}") for step in source.chain]
        return lines
    if inferred.region:
        return [_comment(f"Inferred {inferred.region} from the resources: no root's default provider "
                         "configuration names a region;"),
                _comment(f"{inferred.region_votes} of the {inferred.region_candidates} located "
                         f"{inferred.region_counted} are in {inferred.region}.")]
    return []


def _scalar(value: str) -> str:
    # JSON strings are valid YAML scalars; quoting keeps 12-digit AWS account ids strings
    return json.dumps(value)


def render_policy(inferred: InferredPolicy, scanned: str = ".") -> str:
    lines = [
        "# residency.yaml: the residency promise `residency scan` checks.",
        f"# Written by `residency init` from {scanned} ({inferred.resources} located resources).",
        "# Review every value: they were inferred from the Terraform, not confirmed by anyone.",
        "",
        "# region: the one region the data plane lives in. Every located resource elsewhere is a",
        "# CKV_RES_1 finding. --region or RESIDENCY_REGION override it.",
    ]
    lines += region_reasoning(inferred)
    choices = sorted({s.region for s in inferred.region_sources})
    if inferred.region:
        basis = "the default provider's region" if inferred.region_sources else "most common cluster/bucket region"
        lines.append(f"region: {_scalar(inferred.region)}   # {basis}")
    elif len(choices) > 1:
        lines.append(f"region: null   # TODO: the roots disagree; pick one of {', '.join(choices)}")
    else:
        lines.append("region: null   # could not be inferred: set it, e.g. \"eu-west-1\"")
    lines += [
        "",
        "# regions: extra allowed regions. Single-region is the promise; add one only when",
        "# the customer agreed to it.",
        "regions: []",
        "",
        "# accounts: AWS account ids, GCP project ids or Azure subscription ids the data plane may",
        "# live in (CKV_RES_5, CKV_RES_6). --account or RESIDENCY_ACCOUNTS override them.",
    ]
    if inferred.accounts:
        lines.append("accounts:   # cluster/bucket accounts and every account a provider is pinned to")
        lines += [f"  - {_scalar(account)}" for account in inferred.accounts]
    else:
        lines.append("accounts: []   # none could be inferred: add the customer's account/project/subscription")
    lines += [
        "",
        "# allowed_registries: registry hosts or prefixes container images may come from besides",
        "# the customer's own registries (CKV_RES_7). Default: none.",
        "allowed_registries: []",
        "# For example (replace the line above):",
        "# allowed_registries:",
        "#   - 111122223333.dkr.ecr.eu-west-1.amazonaws.com/",
        "",
        "# fail_on_unknown: a region or replication destination that cannot be resolved statically",
        "# is a failing finding (CKV_RES_2). Keep it true: unknown is never a pass.",
        "fail_on_unknown: true",
        "",
        "# exceptions: accepted findings, each with a reason and an expiry date. An expired",
        "# exception stops suppressing and says so. `address` is a resource address or a glob.",
        "exceptions: []",
        "# For example (replace the line above):",
        "# exceptions:",
        "#   - rule: CKV_RES_4",
        "#     address: module.dr.aws_s3_bucket_replication_configuration.this",
        "#     reason: \"DR copy agreed with the customer, ticket SEC-123\"",
        "#     expires: 2027-03-31",
        "",
        "# severity: per-rule severity overrides (CRITICAL, HIGH, MEDIUM, LOW, INFO).",
        "severity: {}",
        "# For example (replace the line above):",
        "# severity:",
        "#   CKV_RES_8: LOW",
        "",
    ]
    return "\n".join(lines)
