"""One finding per destination: several flows of a row to the same region and account (the rules of
one replication configuration, the statements of one policy) are one fact for a reviewer."""

from __future__ import annotations

from analyzer.rules.base import Verdict

from analyzer.models import Evidence

# flows whose destination CKV_RES_4 reports when its region is unknown; the same unknown
# destination's account (one cause) is then not reported again by CKV_RES_6
UNKNOWN_DESTINATION_FLOWS = ("replica", "replication", "copy", "subscription")


def merge_by_destination(verdicts: list[Verdict], noun: str, judged: str) -> list[Verdict]:
    """Keep the first verdict of each (destination region, account) with its line; name every
    flow's line in the message and join their evidence (no step repeated). `judged` is the field
    the rule judges ("region" or "account"): a verdict where it is not known is merged only with
    identical messages (two unknown destinations are not one)."""
    groups: dict[tuple[str | None, ...], list[Verdict]] = {}
    for verdict in verdicts:
        known = verdict.region if judged == "region" else verdict.account
        key = (verdict.region, verdict.account) if known else (verdict.message,)
        groups.setdefault(key, []).append(verdict)
    merged = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            merged.append(first)
            continue
        lines = sorted({v.line for v in group if v.line is not None})
        evidence: list[Evidence] = []
        for verdict in group:
            evidence.extend(step for step in verdict.evidence if step not in evidence)
        where = f", lines {', '.join(map(str, lines))}" if len(lines) > 1 else ""
        merged.append(Verdict(f"{first.message} ({len(group)} {noun} to this destination{where})", evidence,
                              first.region, first.account, first.line))
    return merged
