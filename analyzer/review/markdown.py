"""The reviewer's report as GitHub-flavoured Markdown.

A summary (root, region, accounts, counts), then one section per data classification: an
overview table, and per resource its type, cloud, placement, ``file:line``, evidence
chains, findings (with the suppression reason, if any) and the command confirming its
placement after deployment, in a ``sh`` fence. Findings about no resource and inputs not
analyzed close the report. Same escaping as ``analyzer/report/markdown.py``: values from the
scanned tree cannot form links, images, HTML or @mentions, and control characters show as
escapes; the commands are quoted for the shell by ``analyzer/review/commands.py``.
"""

from __future__ import annotations

from analyzer.models import Finding, Placement, display_address
from analyzer.report._common import TOOL_NAME, evidence_strings, location, plural, sorted_errors
from analyzer.report.escape import ci_inert
from analyzer.report.markdown import cell, code, table
from analyzer.review.classify import Review, ReviewItem

HEADING = "# Residency review"


def _placement(p: Placement, *, in_table: bool = True) -> str:
    if p.value:
        return code(p.value, in_table=in_table) + ("" if p.status == "resolved" else f" ({cell(p.status)})")
    text = f"_{cell(p.status)}_"
    return text + (f" ({cell(p.reason)})" if p.reason else "")


def _fence(text: str, lang: str = "sh") -> list[str]:
    longest = max((len(run) for run in text.split("\n") if run and set(run) == {"`"}), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text, fence]


def _finding_rows(findings: list[Finding]) -> list[list[str]]:
    return [[code(f.rule_id), cell(f.severity), cell(f.message),
             cell(f"suppressed: {f.suppressed}") if f.suppressed is not None else "active"] for f in findings]


def _evidence(label: str, p: Placement) -> list[str]:
    steps = evidence_strings(p.evidence)
    if not steps:
        return [f"- {label}: _no evidence recorded_"]
    return [f"- {label}: " + " \u2190 ".join(code(s, in_table=False) for s in steps)]


def _item(item: ReviewItem) -> list[str]:
    row = item.row
    out = [f"#### {code(display_address(row), in_table=False)}", ""]
    out.append(f"- Type: {code(row.type, in_table=False)} ({cell(row.kind)}), cloud {cell(row.cloud)}")
    if row.name:
        out.append(f"- Name: {code(row.name, in_table=False)}")
    out.append(f"- Region: {_placement(row.region, in_table=False)}; account: {_placement(row.account, in_table=False)}")
    out.append(f"- Declared at {code(location(row.file, row.line), in_table=False)} (root {code(row.root, in_table=False)})")
    if row.multi_region:
        out.append(f"- Spans regions: {cell(row.multi_region)}")
    out += _evidence("Region evidence", row.region)
    out += _evidence("Account evidence", row.account)
    out.append("")
    if item.findings:
        out += table(["Rule", "Severity", "Message", "Status"], _finding_rows(item.findings))
    else:
        out.append("No findings.")
    out.append("")
    out.append("Verify after deployment" + (f" ({cell(item.command.note)}):" if item.command.note else ":"))
    out.append("")
    out += _fence(item.command.command)
    out.append("")
    return out


def render(review: Review) -> str:
    report = review.report
    s = report.summary
    active = len(report.active_findings())
    suppressed = len(report.findings) - active
    out = [HEADING, ""]
    out.append(f"<sub>{TOOL_NAME} {cell(report.tool_version)} \u00b7 root {code(report.root, in_table=False)}</sub>")
    out.append("")
    out.append("## Summary")
    out.append("")
    region = code(s.region, in_table=False) + (" (inferred from the tree)" if s.region_inferred else " (policy)") \
        if s.region else "_not set and not inferred_"
    out.append(f"- Region: {region}")
    out.append(f"- Accounts: {', '.join(code(a, in_table=False) for a in s.accounts) or '_none set_'}")
    out.append(f"- Resources: {len(report.inventory)}")
    out.append(f"- Findings: {active} active, {suppressed} suppressed")
    out.append(f"- Inputs not analyzed: {len(report.errors)}")
    out.append("")
    out += table(["Classification", "Resources", "Active findings"],
                 [[cell(g.classification.title), str(len(g.items)),
                   str(sum(1 for i in g.items for f in i.findings if f.suppressed is None))] for g in review.groups])
    out.append("")
    for group in review.groups:
        if not group.items:
            continue
        c = group.classification
        out.append(f"## {cell(c.title)} ({plural(len(group.items), 'resource')})")
        out.append("")
        out.append(f"_{cell(c.description)}_")
        out.append("")
        out += table(["Address", "Type", "Cloud", "Region", "Account", "Location", "Findings"],
                     [[code(display_address(i.row)), code(i.row.type), cell(i.row.cloud), _placement(i.row.region),
                       _placement(i.row.account), code(location(i.row.file, i.row.line)), str(len(i.findings))]
                      for i in group.items])
        out.append("")
        for item in group.items:
            out += _item(item)
    if review.unmatched:
        out.append(f"## Other findings ({len(review.unmatched)})")
        out.append("")
        out += table(["Rule", "Severity", "Resource", "Location", "Message", "Status"],
                     [[code(f.rule_id), cell(f.severity), code(f.address), code(location(f.file, f.line)),
                       cell(f.message), cell(f"suppressed: {f.suppressed}") if f.suppressed is not None else "active"]
                      for f in review.unmatched])
        out.append("")
    errors = sorted_errors(report.errors)
    if errors:
        out.append(f"## Inputs not analyzed ({len(errors)})")
        out.append("")
        out += table(["Location", "Error"], [[code(location(e.file, e.line)), cell(e.message)] for e in errors])
        out.append("")
    # printed to a CI log, no value may read as a workflow command (an invisible word joiner;
    # the commands already spell such a word $'...\x23...')
    return ci_inert("\n".join(out).rstrip("\n") + "\n", hash_escape="\u2060#", colon_escape="\u2060:")
