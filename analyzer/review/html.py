"""The reviewer's report as one self-contained HTML page.

Inline CSS only: no scripts, fonts, images or any other external asset, so the file can be
attached to a review or archived as is. Every value from the scan goes through
:func:`html.escape`, after :func:`analyzer.report.escape.visible` (a bidi override such as
U+202E would reorder the text around it; a lone surrogate cannot be written as UTF-8). One ``<table class="resources">`` per data classification (the
first also has ``id="resources"``), a row per resource with its placement and evidence,
its findings, and the command confirming its placement after deployment.
"""

from __future__ import annotations

from html import escape

from analyzer.models import Finding, Placement, ScanReport, display_address
from analyzer.report._common import TOOL_NAME, evidence_strings, location, sorted_errors
from analyzer.report.escape import ci_inert, visible
from analyzer.review.classify import Review, ReviewItem
from analyzer.review.placement_map import Area, build_map, map_size, render_svg

CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --head:#f6f8fa; --ok:#1a7f37; --bad:#cf222e;
        --warn:#9a6700; --code:#eff2f5; }
* { box-sizing: border-box; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1680px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 4px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p.meta, p.desc { color: var(--muted); margin: 0 0 12px; }
code, pre { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
/* long addresses, ARNs and paths wrap rather than widen the page */
code { background: var(--code); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: #0d1117; color: #e6edf3; padding: 8px 10px; border-radius: 6px; margin: 4px 0;
      white-space: pre-wrap; overflow-wrap: anywhere; }
/* fixed layout: the columns share the page width, whatever a cell holds */
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: var(--head); font-weight: 600; }
col.res { width: 18%; } col.type { width: 12%; } col.cloud { width: 64px; } col.region { width: 8%; }
col.account { width: 10%; } col.loc { width: 9%; } col.findings { width: 20%; } col.cmd { width: 23%; }
col.rule { width: 110px; } col.sev { width: 90px; } col.addr { width: 22%; } col.status { width: 12%; }
col.msg { width: auto; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card .n { font-size: 22px; font-weight: 600; }
.card .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.bad { color: var(--bad); } .ok { color: var(--ok); } .warn { color: var(--warn); }
.pill { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600;
        border: 1px solid currentColor; }
ul.ev { margin: 2px 0; padding-left: 18px; color: var(--muted); font-size: 12px; }
ul.flows li { margin: 2px 0; }
tr.evidence td { border-top: 0; background: #fbfcfd; padding-top: 2px; }
.note { color: var(--muted); font-size: 12px; }
.sev-CRITICAL, .sev-HIGH { color: var(--bad); } .sev-MEDIUM { color: var(--warn); }
.sev-LOW, .sev-INFO { color: var(--muted); }
figure.map { margin: 8px 0 16px; overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
figure.map svg { display: block; max-width: 100%; height: auto; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 10px; }
  h1 { font-size: 18px; } h2 { font-size: 14px; margin-top: 16px; break-after: avoid; }
  code, pre { font-size: 8.5px; }
  .note, ul.ev, .pill, .card .l { font-size: 8.5px; } .card .n { font-size: 15px; }
  th, td { padding: 3px 5px; }
  pre { background: #ffffff; color: var(--fg); border: 1px solid var(--line); }
  .cards { gap: 6px; } .card { padding: 4px 8px; min-width: 0; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  figure.map { border: 0; overflow: visible; break-inside: avoid; }
  figure.map > div { min-width: 0 !important; }
}
"""


def _e(text: object) -> str:
    return escape(visible(str(text)), quote=True)


def _code(text: object) -> str:
    return f"<code>{_e(text)}</code>"


def _placement(p: Placement) -> str:
    if p.value:
        status = "" if p.status == "resolved" else f' <span class="warn">({_e(p.status)})</span>'
        return _code(p.value) + status
    reason = f'<div class="note">{_e(p.reason)}</div>' if p.reason else ""
    return f'<span class="warn">{_e(p.status)}</span>{reason}'


def _evidence(label: str, p: Placement) -> str:
    steps = evidence_strings(p.evidence)
    if not steps:
        return f'<div class="note">{_e(label)}: no evidence recorded</div>'
    items = " &larr; ".join(_code(step) for step in steps)
    return f'<div class="note">{_e(label)}: {items}</div>'


def _finding(f: Finding) -> str:
    status = (f'<span class="note">suppressed: {_e(f.suppressed)}</span>' if f.suppressed is not None
              else '<span class="bad">active</span>')
    return (f'<li><span class="pill sev-{_e(f.severity)}">{_e(f.severity)}</span> {_code(f.rule_id)} '
            f"{_e(f.message)} &middot; {status}</li>")


def _item(item: ReviewItem) -> str:
    row = item.row
    name = f'<div class="note">name {_code(row.name)}</div>' if row.name else ""
    multi = f'<div class="warn">spans regions: {_e(row.multi_region)}</div>' if row.multi_region else ""
    findings = (f'<ul class="ev">{"".join(_finding(f) for f in item.findings)}</ul>' if item.findings
                else '<span class="ok">none</span>')
    note = f'<div class="note">{_e(item.command.note)}</div>' if item.command.note else ""
    return (
        "<tr>"
        f'<td class="res">{_code(display_address(row))}{name}{multi}</td>'
        f"<td>{_code(row.type)}<div class=\"note\">{_e(row.kind)}</div></td>"
        f"<td>{_e(row.cloud)}</td>"
        f"<td>{_placement(row.region)}</td>"
        f"<td>{_placement(row.account)}</td>"
        f"<td>{_code(location(row.file, row.line))}<div class=\"note\">root {_e(row.root)}</div></td>"
        f"<td>{findings}</td>"
        f'<td class="cmd"><pre>{_e(item.command.command)}</pre>{note}</td>'
        "</tr>"
        f'<tr class="evidence"><td colspan="8">{_evidence("region evidence", row.region)}'
        f'{_evidence("account evidence", row.account)}</td></tr>'

    )


def _area(area: Area) -> str:
    return f"{_code(area.region)} of {_code(area.account)}"


def _map_section(report: ScanReport) -> list[str]:
    """The placement map, and below it in words every flow that leaves its area."""
    if not report.inventory:
        return []
    pmap = build_map(report.inventory, home_region=report.summary.region, home_accounts=report.summary.accounts)
    area_of = {m.key: m.area for m in pmap.marks}
    crossing = [a for a in pmap.arrows if a.crossing]
    out = ['<section id="placement-map"><h2>Placement map</h2>',
           '<p class="desc">One row per account, project or subscription, one column per region; every resource is a '
           "mark in its area (grouped by kind with a count where an area is crowded; hover a mark for its "
           "resources). Arrows are flows: replication, replicas, log subscriptions, grants, images pulled and "
           "control-plane endpoints. Red arrows leave their region or account, dashed ones go somewhere unknown, "
           "grey ones stay in their area.</p>",
           # shrinks to the page down to 70 % of its size (still legible), then scrolls in its frame
           f'<figure class="map"><div style="min-width:{map_size(pmap)[0] * 0.7:.0f}px">{render_svg(pmap)}</div>'
           "</figure>"]
    if crossing:
        out.append(f'<p>Flows leaving their area ({len(crossing)}):</p><ul class="flows">')
        for arrow in crossing:
            flows = "; ".join(_e(line) for line in arrow.lines)
            out.append(f"<li>{_area(area_of[arrow.source])} &rarr; {_area(area_of[arrow.target])}: {flows}</li>")
        out.append("</ul>")
    else:
        out.append('<p class="ok">No flow leaves its region or account.</p>')
    out.append("</section>")
    return out


def _card(number: object, label: str, cls: str = "") -> str:
    return f'<div class="card"><div class="n {cls}">{_e(number)}</div><div class="l">{_e(label)}</div></div>'


def render(review: Review) -> str:
    report = review.report
    s = report.summary
    active = len(report.active_findings())
    suppressed = len(report.findings) - active
    region = (f"{_e(s.region)} ({'inferred from the tree' if s.region_inferred else 'policy'})" if s.region
              else "not set and not inferred")
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Residency review: {_e(report.root)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
           "<h1>Residency review</h1>",
           f'<p class="meta">{_e(TOOL_NAME)} {_e(report.tool_version)} &middot; root {_code(report.root)}</p>',
           '<section id="summary"><h2>Summary</h2>',
           f"<p>Region: <strong>{region}</strong> &middot; accounts: "
           f"{', '.join(_code(a) for a in s.accounts) or 'none set'}</p>",
           '<div class="cards">',
           _card(len(report.inventory), "resources"),
           _card(active, "active findings", "bad" if active else "ok"),
           _card(suppressed, "suppressed"),
           _card(len(report.errors), "inputs not analyzed", "warn" if report.errors else ""),
           *(_card(len(g.items), g.classification.title) for g in review.groups),
           "</div></section>"]
    out += _map_section(report)
    header = ('<colgroup><col class="res"><col class="type"><col class="cloud"><col class="region">'
              '<col class="account"><col class="loc"><col class="findings"><col class="cmd"></colgroup>'
              "<thead><tr><th>Resource</th><th>Type</th><th>Cloud</th><th>Region</th><th>Account</th>"
              "<th>Location</th><th>Findings</th><th>Verify after deployment</th></tr></thead>")
    first = True
    for group in review.groups:
        if not group.items:
            continue
        c = group.classification
        table_id = ' id="resources"' if first else ""
        first = False
        out.append(f'<section id="{_e(c.key)}"><h2>{_e(c.title)} ({len(group.items)})</h2>')
        out.append(f'<p class="desc">{_e(c.description)}</p>')
        out.append(f'<table class="resources"{table_id}>{header}<tbody>')
        out += [_item(item) for item in group.items]
        out.append("</tbody></table></section>")
    if first:
        out.append('<table class="resources" id="resources"><tbody><tr><td>No resources found.</td></tr></tbody></table>')
    if review.unmatched:
        out.append(f'<section id="other-findings"><h2>Other findings ({len(review.unmatched)})</h2><table>'
                   '<colgroup><col class="rule"><col class="sev"><col class="addr"><col class="loc"><col class="msg">'
                   '<col class="status"></colgroup>'
                   "<thead><tr><th>Rule</th><th>Severity</th><th>Resource</th><th>Location</th><th>Message</th>"
                   "<th>Status</th></tr></thead><tbody>")
        for f in review.unmatched:
            status = f"suppressed: {_e(f.suppressed)}" if f.suppressed is not None else '<span class="bad">active</span>'
            out.append(f"<tr><td>{_code(f.rule_id)}</td><td class=\"sev-{_e(f.severity)}\">{_e(f.severity)}</td>"
                       f"<td>{_code(f.address)}</td><td>{_code(location(f.file, f.line))}</td><td>{_e(f.message)}</td>"
                       f"<td>{status}</td></tr>")
        out.append("</tbody></table></section>")
    errors = sorted_errors(report.errors)
    if errors:
        out.append(f'<section id="errors"><h2>Inputs not analyzed ({len(errors)})</h2><table>'
                   '<colgroup><col class="addr"><col class="msg"></colgroup>'
                   "<thead><tr><th>Location</th><th>Error</th></tr></thead><tbody>")
        out += [f"<tr><td>{_code(location(e.file, e.line))}</td><td>{_e(e.message)}</td></tr>" for e in errors]
        out.append("</tbody></table></section>")
    out += ["</body>", "</html>"]
    # printed to a CI log, no value may read as a workflow command: character references keep
    # every value as it was
    return ci_inert("\n".join(out) + "\n", hash_escape="&#35;", colon_escape="&#58;")
