"""Joining two descriptions of one resource: a plan row and the HCL row it was planned from.

The joined row is placed at the HCL declaration (file, line, root): that is the code a finding
asks to change and what a pull request's annotations can point at; the plan's steps stay in
every evidence chain. A plan knows what static HCL cannot (data sources, values the deploy job passes), but it also
leaves unknown what is computed at apply time (a policy embedding a bucket ARN) and our plan
reader extracts fewer facts than the HCL one. So the joined row keeps every fact either side
proves: a known placement wins over an unknown one (the plan's when both are known, with the
HCL evidence kept in the chain), and flows, images and endpoints are the union of both sides.
"""

from __future__ import annotations

from analyzer.models import Evidence, Flow, InventoryRow, Placement


def join_rows(planned: InventoryRow, source: InventoryRow) -> InventoryRow:
    """The plan row enriched with every fact its HCL declaration proves."""
    declared = Evidence(file=source.file, line=source.line, note=f"{planned.address} is declared here")
    joined = planned.model_copy(deep=True)
    joined.file, joined.line, joined.root = source.file, source.line, source.root
    joined.region = _placement(planned.region, source.region, declared)
    joined.account = _placement(planned.account, source.account, declared)
    joined.flows = _union_flows(source.flows, planned.flows, source.line)
    joined.images = sorted(set(planned.images) | set(source.images))
    # an image the plan knows supersedes the HCL's "cannot tell which image"
    joined.unresolved_images = planned.unresolved_images if planned.images or planned.unresolved_images \
        else list(source.unresolved_images)
    joined.endpoints = sorted(set(planned.endpoints) | set(source.endpoints))
    joined.skips = {**source.skips, **planned.skips}
    joined.name = planned.name or source.name
    joined.parent = planned.parent or source.parent
    joined.multi_region = planned.multi_region or source.multi_region
    return joined


def _placement(planned: Placement, source: Placement, declared: Evidence) -> Placement:
    if planned.status != "resolved" and source.status == "resolved":
        chosen = source.model_copy(deep=True)
        chosen.evidence = [declared, *source.evidence, *planned.evidence]
        return chosen
    chosen = planned.model_copy(deep=True)
    extra = [e for e in source.evidence if e not in planned.evidence] if source.value != planned.value else []
    chosen.evidence = [declared, *planned.evidence, *extra]
    return chosen


def _union_flows(source: list[Flow], planned: list[Flow], declared_line: int) -> list[Flow]:
    """The HCL flows (their lines are in the .tf file the row now points at), then each flow
    only the plan knows, placed on the declaration (its line in the plan JSON means nothing there)."""
    def key(flow: Flow) -> tuple[str, str, str | None, str | None]:
        return (flow.kind, flow.description, flow.region.value, flow.account.value)

    out = list(source)
    seen = {key(f) for f in source}
    for flow in planned:
        if key(flow) not in seen:
            seen.add(key(flow))
            out.append(flow.model_copy(update={"line": declared_line}))
    return out
