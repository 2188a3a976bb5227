"""`residency init`: a starter `residency.yaml` inferred from the tree, with every key explained.

The region is the data plane's most common cluster/bucket region (the same inference a scan
without a policy makes); the accounts are the most common resolved accounts of clusters and
buckets plus every account a provider configuration resolves to. The result is a starting
point to review, not a proof: a provider pinned to a foreign account lands in `accounts` too.
"""

from __future__ import annotations

import json
from collections import Counter

from pydantic import BaseModel, Field

from analyzer.models import Inventory
from analyzer.verdicts import INFER_KINDS, infer_region


class InferredPolicy(BaseModel):
    region: str | None = None
    accounts: list[str] = Field(default_factory=list)
    resources: int = 0


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


def infer_policy(inventory: Inventory) -> InferredPolicy:
    return InferredPolicy(region=infer_region(inventory), accounts=infer_accounts(inventory),
                          resources=len(inventory.rows))


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
    if inferred.region:
        lines.append(f"region: {_scalar(inferred.region)}   # most common cluster/bucket region")
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
