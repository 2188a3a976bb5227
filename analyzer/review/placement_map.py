"""The placement map: accounts x regions as a grid of areas, resources as marks, flows as arrows.

:func:`build_map` turns inventory rows into a :class:`PlacementMap` (pure data, sorted);
:func:`render_svg` lays it out as one self-contained SVG (no script, no external asset), so a
reviewer sees at a glance what stays in its region and account and what leaves it.

* An area is one (account, region) cell: a row per account/project/subscription, a column per
  region. ``unknown`` is the row or column of a placement that is not known statically;
  ``external`` is the row of registries and control planes outside every account.
* A mark is an inventory resource in its area; when an area holds more than
  :data:`MAX_MARKS` resources they are grouped by kind with a count.
* A flow (replication, replica, copy, log subscription, grant), an image pulled and a
  control-plane endpoint is an arrow from the resource's mark to a destination mark in the
  destination's area: red when it crosses into another area or its destination is unknown
  (dashed), grey when it stays inside.

Kubernetes objects carry no placement of their own (they run in the cluster): they sit in the
policy's region, and in its account when the policy names exactly one, as CKV_RES_10 reads them.
Every value from the scanned tree is escaped (:func:`analyzer.report.escape.visible`, then XML).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from analyzer.models import InventoryRow, Placement, display_address
from analyzer.registries import control_plane_regions, parse_image
from analyzer.report._common import location, posix_path, sorted_inventory
from analyzer.report.escape import ci_inert, visible

UNKNOWN = "unknown"
EXTERNAL = "external"
MAX_MARKS = 8  # resources shown one by one in an area; beyond, one mark per kind with a count
MAX_TARGETS = 6  # destinations shown one by one in an area; beyond, one grouped mark
MAX_TITLE_LINES = 40  # lines of a grouped mark's tooltip

# layout, in SVG user units (pixels at 100 %)
HEAD_W = 180  # account labels
COL_W = 250  # the narrowest column; few regions get wider ones, up to MAX_COL_W
MAX_COL_W = 420
TARGET_W = 1180  # what a laptop shows at 100 %
HEAD_H = 34  # region labels
LEGEND_H = 28
PAD = 10
MARK_H = 18
MARK_GAP = 5
BEND = 30  # room right of the marks for arrows that stay in their column
MIN_W = 760  # the legend
RIGHT = 60  # room for arrows bending right of the last column
CHAR_W = 6.6  # 11 px monospace
RED = "#cf222e"
GREY = "#8c959f"


@dataclass(frozen=True, order=True)
class Area:
    account: str
    region: str


@dataclass
class Mark:
    """One resource (or a kind-group of resources), or one destination, drawn in an area."""

    key: str
    area: Area
    label: str
    lines: list[str]  # the tooltip, one line per resource or destination
    target: bool = False  # a destination outside the inventory (dashed outline)
    count: int = 1


@dataclass
class Arrow:
    source: str  # Mark.key
    target: str  # Mark.key
    crossing: bool
    unknown: bool
    lines: list[str] = field(default_factory=list)  # the tooltip: one line per flow


@dataclass
class PlacementMap:
    accounts: list[str]
    regions: list[str]
    marks: list[Mark]
    arrows: list[Arrow]
    home_region: str | None = None
    home_accounts: tuple[str, ...] = ()

    def is_home(self, area: Area) -> bool:
        """In the policy's region (and account, when it names accounts): nothing to look at."""
        if UNKNOWN in (area.account, area.region) or area.account == EXTERNAL:
            return False
        return (self.home_region in (None, area.region)) and (not self.home_accounts or
                                                               area.account in self.home_accounts)

    def area_marks(self, area: Area) -> list[Mark]:
        return [m for m in self.marks if m.area == area]

    def by_area(self) -> dict[Area, list[Mark]]:
        out: dict[Area, list[Mark]] = {}
        for mark in self.marks:
            out.setdefault(mark.area, []).append(mark)
        return out


@dataclass(frozen=True)
class _Flow:
    source: InventoryRow
    kind: str
    target: str  # the destination's label
    area: Area


def _coordinate(p: Placement, inherited: str | None = None) -> str:
    if p.status in ("resolved", "multi", "global") and p.value:
        return p.value
    if p.status == "none" and inherited is not None:
        return inherited
    return UNKNOWN


def _row_area(row: InventoryRow, home_region: str | None, home_account: str | None) -> Area:
    if row.cloud == "kubernetes":
        # runs in the cluster: where the policy puts the data plane, unless the row says otherwise
        region = _coordinate(row.region, home_region) if row.region.status != "unknown" else UNKNOWN
        account = _coordinate(row.account) if row.account.status == "resolved" else (home_account or UNKNOWN)
        return Area(account, region)
    return Area(_coordinate(row.account), _coordinate(row.region))


def _flows(row: InventoryRow, area: Area) -> list[_Flow]:
    out = []
    for flow in row.flows:
        # a destination that does not state its account or region is in the resource's own
        dest = Area(_coordinate(flow.account, area.account), _coordinate(flow.region, area.region))
        out.append(_Flow(row, flow.kind, flow.description, dest))
    for image in row.images:
        ref = parse_image(image)
        if ref.cloud is None:
            dest = Area(EXTERNAL, UNKNOWN)
        else:
            dest = Area(ref.account or UNKNOWN, ref.region or UNKNOWN)
        out.append(_Flow(row, "image", image, dest))
    for endpoint in row.endpoints:
        found = control_plane_regions(endpoint)
        region = found[0][2] if found else UNKNOWN
        out.append(_Flow(row, "control plane", endpoint, Area(EXTERNAL, region)))
    return out


def _order(values: Iterable[str], first: Sequence[str], last: Sequence[str]) -> list[str]:
    present = set(values)
    head = [v for v in first if v in present]
    tail = [v for v in last if v in present and v not in head]
    middle = sorted(present - set(head) - set(tail))
    return head + middle + tail


def _row_lines(rows: Sequence[InventoryRow]) -> list[str]:
    return [f"{display_address(r)} ({r.type}, {r.kind}) at {location(r.file, r.line)}" for r in rows]


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_TITLE_LINES:
        return lines
    return lines[:MAX_TITLE_LINES] + [f"\u2026 {len(lines) - MAX_TITLE_LINES} more"]


def build_map(rows: Sequence[InventoryRow], *, home_region: str | None = None,
              home_accounts: Sequence[str] = ()) -> PlacementMap:
    """The map of ``rows``: areas, marks and arrows, every list in a stable order."""
    home_account = home_accounts[0] if len(home_accounts) == 1 else None
    # the inventory order, then every field a mark shows: rows of one Kubernetes object share
    # file, line and address
    ordered = sorted(sorted_inventory(rows), key=lambda r: (
        posix_path(r.file), r.line, r.address, r.kind, r.type, r.name or "", r.region.value or "",
        r.account.value or "", r.images, r.endpoints, [f.description for f in r.flows]))
    placed = [(row, _row_area(row, home_region, home_account)) for row in ordered]
    flows = [f for row, area in placed for f in _flows(row, area)]

    by_area: dict[Area, list[InventoryRow]] = {}
    for row, area in placed:
        by_area.setdefault(area, []).append(row)
    # destinations: the distinct destinations of each area
    targets: dict[Area, dict[str, None]] = {}  # an ordered set per area
    for f in flows:
        targets.setdefault(f.area, {})[f.target] = None
    # mark keys number the areas (a name from the tree never makes a key, so none can collide)
    area_id = {area: i for i, area in enumerate(sorted(set(by_area) | set(targets)))}
    marks: list[Mark] = []
    mark_of: dict[int, str] = {}  # id(row) -> the key of the mark that shows it
    for area in sorted(by_area):
        members = by_area[area]
        prefix = f"a{area_id[area]}-"
        if len(members) <= MAX_MARKS:
            for index, row in enumerate(members):
                key = f"{prefix}r{index}"
                marks.append(Mark(key, area, display_address(row), _row_lines([row])))
                mark_of[id(row)] = key
            continue
        kinds: dict[str, list[InventoryRow]] = {}
        for row in members:
            kinds.setdefault(row.kind, []).append(row)
        for index, kind in enumerate(sorted(kinds)):
            key = f"{prefix}k{index}"
            group = kinds[kind]
            label = display_address(group[0]) if len(group) == 1 else f"{kind.replace('_', ' ')} \u00d7{len(group)}"
            marks.append(Mark(key, area, label, _capped(_row_lines(group)), count=len(group)))
            for row in group:
                mark_of[id(row)] = key

    # a destination that is a scanned resource (``replicates to bucket aws_s3_bucket.dr``) points
    # at its mark; any other: one mark per distinct destination of an area, or one grouped mark
    by_address = {(area, row.address): mark_of[id(row)] for row, area in placed}
    target_key: dict[tuple[Area, str], str] = {}
    for area in sorted(targets):
        for name in targets[area]:
            known = by_address.get((area, name.rsplit(" ", 1)[-1]))
            if known is not None:
                target_key[(area, name)] = known
        names = sorted(n for n in targets[area] if (area, n) not in target_key)
        prefix = f"a{area_id[area]}-"
        if len(names) <= MAX_TARGETS:
            for index, name in enumerate(names):
                key = f"{prefix}t{index}"
                marks.append(Mark(key, area, name, [name], target=True))
                target_key[(area, name)] = key
        else:
            key = f"{prefix}t"
            marks.append(Mark(key, area, f"{len(names)} destinations", _capped(names), target=True, count=len(names)))
            target_key.update({(area, name): key for name in names})

    arrows: dict[tuple[str, str], Arrow] = {}
    area_of_mark = {m.key: m.area for m in marks}
    for f in flows:
        source = mark_of[id(f.source)]
        target = target_key[(f.area, f.target)]
        unknown = UNKNOWN in (f.area.account, f.area.region)
        crossing = unknown or f.area != area_of_mark[source]
        arrow = arrows.setdefault((source, target), Arrow(source, target, crossing, unknown))
        arrow.lines.append(f"{f.kind}: {display_address(f.source)} \u2192 {f.target}")
    for arrow in arrows.values():
        arrow.lines = _capped(sorted(set(arrow.lines)))

    accounts = _order((a.account for a in area_id), sorted(home_accounts), [EXTERNAL, UNKNOWN])
    regions = _order((a.region for a in area_id), [home_region] if home_region else [], [UNKNOWN])
    ordered_marks = sorted(marks, key=lambda m: (m.area, m.target, m.key if m.target else ""))
    # resource marks keep the inventory order within their area (stable sort above)
    return PlacementMap(accounts=accounts, regions=regions, marks=ordered_marks,
                        arrows=sorted(arrows.values(), key=lambda a: (a.source, a.target)),
                        home_region=home_region, home_accounts=tuple(sorted(home_accounts)))


# --- SVG ------------------------------------------------------------------------------------


def _x(text: str) -> str:
    return escape(visible(text), quote=True)


def _fit(text: str, width: float) -> str:
    """``text`` shortened in the middle to fit ``width`` (the full text is in the tooltip)."""
    room = max(int(width / CHAR_W), 6)
    if len(text) <= room:
        return text
    keep = room - 1
    return text[: keep - keep // 2] + "\u2026" + text[len(text) - keep // 2:]


def _title(lines: list[str]) -> str:
    return f"<title>{_x(chr(10).join(lines))}</title>"


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float


def _column_width(pmap: PlacementMap) -> float:
    share = (TARGET_W - HEAD_W - RIGHT) // max(len(pmap.regions), 1)
    return float(min(max(share, COL_W), MAX_COL_W))


def _layout(pmap: PlacementMap) -> tuple[dict[str, _Box], dict[str, float], dict[str, float], float, float]:
    col_w = _column_width(pmap)
    col_x = {r: HEAD_W + i * col_w for i, r in enumerate(pmap.regions)}
    in_area = pmap.by_area()
    row_h: dict[str, float] = {}
    for account in pmap.accounts:
        most = max((len(in_area.get(Area(account, r), [])) for r in pmap.regions), default=0)
        row_h[account] = max(most, 1) * (MARK_H + MARK_GAP) + 2 * PAD
    row_y: dict[str, float] = {}
    y = float(LEGEND_H + HEAD_H)
    for account in pmap.accounts:
        row_y[account] = y
        y += row_h[account]
    boxes: dict[str, _Box] = {}
    for account in pmap.accounts:
        for region in pmap.regions:
            for index, mark in enumerate(in_area.get(Area(account, region), [])):
                boxes[mark.key] = _Box(col_x[region] + PAD, row_y[account] + PAD + index * (MARK_H + MARK_GAP),
                                       col_w - 2 * PAD - BEND, MARK_H)
    width = max(HEAD_W + len(pmap.regions) * col_w + RIGHT, MIN_W)
    return boxes, col_x, row_y, width, y + PAD


def _arrow_path(a: _Box, b: _Box) -> str:
    ay = a.y + a.h / 2
    by = b.y + b.h / 2
    if abs(a.x - b.x) < 1:  # same column: bend out to the right
        x1, x2 = a.x + a.w, b.x + b.w
        bend = BEND - 4
        lift = 8 if abs(by - ay) < 1 else 0  # a flow back into its own mark: a small loop
        return (f"M{x1:.1f},{ay:.1f} C{x1 + bend:.1f},{ay - lift:.1f} {x2 + bend:.1f},{by + lift:.1f} "
                f"{x2 + 4:.1f},{by:.1f}")
    if b.x > a.x:
        x1, x2 = a.x + a.w, b.x
        c = max((x2 - x1) / 2, 30)
        return f"M{x1:.1f},{ay:.1f} C{x1 + c:.1f},{ay:.1f} {x2 - c:.1f},{by:.1f} {x2 - 4:.1f},{by:.1f}"
    x1, x2 = a.x, b.x + b.w
    c = max((x1 - x2) / 2, 30)
    return f"M{x1:.1f},{ay:.1f} C{x1 - c:.1f},{ay:.1f} {x2 + c:.1f},{by:.1f} {x2 + 4:.1f},{by:.1f}"


def _account_label(account: str) -> list[str]:
    room = int((HEAD_W - 2 * PAD) / CHAR_W)
    if len(account) <= room:
        return [account]
    return [account[:room], _fit(account[room:], HEAD_W - 2 * PAD)]


def map_size(pmap: PlacementMap) -> tuple[float, float]:
    """Width and height of the map's SVG, in pixels at 100 %."""
    _, _, _, width, height = _layout(pmap)
    return width, height


def render_svg(pmap: PlacementMap) -> str:
    """The map as an SVG element (inline in HTML or saved as a file)."""
    boxes, col_x, row_y, width, height = _layout(pmap)
    col_w = _column_width(pmap)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="placement-map" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="placement-map-title" '
           'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="11">',
           '<title id="placement-map-title">Placement map: accounts by regions, resources and the flows between '
           "them</title>",
           "<defs>"
           f'<marker id="pm-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{RED}"/></marker>'
           f'<marker id="pm-grey" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{GREY}"/></marker>'
           "</defs>",
           f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
           f'<g class="legend" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">'
           f'<path d="M{PAD},14 h28" stroke="{RED}" stroke-width="2" marker-end="url(#pm-red)"/>'
           f'<text x="{PAD + 36}" y="18">leaves its region or account</text>'
           f'<path d="M{PAD + 230},14 h28" stroke="{RED}" stroke-width="2" stroke-dasharray="5 3" '
           'marker-end="url(#pm-red)"/>'
           f'<text x="{PAD + 266}" y="18">destination unknown</text>'
           f'<path d="M{PAD + 420},14 h28" stroke="{GREY}" stroke-width="1.5" marker-end="url(#pm-grey)"/>'
           f'<text x="{PAD + 456}" y="18">stays in its area</text>'
           f'<rect x="{PAD + 590}" y="7" width="26" height="14" rx="3" fill="#ffffff" stroke="#59636e" '
           'stroke-dasharray="3 2"/>'
           f'<text x="{PAD + 624}" y="18">destination</text></g>']
    # axes
    out.append('<g class="axes" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12" '
               'font-weight="600" fill="#1f2328">')
    out.append(f'<text x="{PAD}" y="{LEGEND_H + 22}" fill="#59636e" font-weight="400">account \\ region</text>')
    for region in pmap.regions:
        out.append(f'<text class="region" x="{col_x[region] + PAD}" y="{LEGEND_H + 22}">{_x(_fit(region, col_w))}'
                   f"{_title([region])}</text>")
    for account in pmap.accounts:
        spans = "".join(f'<tspan x="{PAD}" dy="{0 if i == 0 else 15}">{_x(part)}</tspan>'
                        for i, part in enumerate(_account_label(account)))
        out.append(f'<text class="account" x="{PAD}" y="{row_y[account] + PAD + 13}">{spans}'
                   f"{_title([account])}</text>")
    out.append("</g>")
    # areas
    out.append('<g class="areas">')
    for account in pmap.accounts:
        h = (row_y[pmap.accounts[pmap.accounts.index(account) + 1]] if account != pmap.accounts[-1] else height - PAD) \
            - row_y[account]
        for region in pmap.regions:
            fill = "#f6f8fa" if pmap.is_home(Area(account, region)) else "#fff5f5"
            out.append(f'<rect class="area" data-account="{_x(account)}" data-region="{_x(region)}" '
                       f'x="{col_x[region] + 2}" y="{row_y[account] + 2}" width="{col_w - 4:.0f}" height="{h - 4:.0f}" '
                       f'rx="6" fill="{fill}" stroke="#d1d9e0"/>')
    out.append("</g>")
    # marks
    out.append('<g class="marks">')
    for mark in pmap.marks:
        box = boxes[mark.key]
        cls = "target" if mark.target else "resource"
        outline = 'stroke="#59636e" stroke-dasharray="3 2" fill="#ffffff"' if mark.target else \
            'stroke="#8c959f" fill="#ddf4ff"'
        out.append(f'<g class="{cls}" data-key="{_x(mark.key)}" data-count="{mark.count}">{_title(mark.lines)}'
                   f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}" rx="3" {outline}/>'
                   f'<text x="{box.x + 5:.0f}" y="{box.y + 13:.0f}" fill="#1f2328">{_x(_fit(mark.label, box.w - 10))}'
                   "</text></g>")
    out.append("</g>")
    # arrows last, over everything: red above grey
    out.append('<g class="arrows" fill="none">')
    for arrow in sorted(pmap.arrows, key=lambda a: (a.crossing, a.source, a.target)):
        colour, marker = (RED, "pm-red") if arrow.crossing else (GREY, "pm-grey")
        dash = ' stroke-dasharray="6 4"' if arrow.unknown else ""
        widths = "2" if arrow.crossing else "1.5"
        cls = "crossing" if arrow.crossing else "inside"
        out.append(f'<g class="arrow {cls}" data-source="{_x(arrow.source)}" data-target="{_x(arrow.target)}">'
                   f'{_title(arrow.lines)}<path d="{_arrow_path(boxes[arrow.source], boxes[arrow.target])}" '
                   f'stroke="{colour}" stroke-width="{widths}"{dash} marker-end="url(#{marker})"/></g>')
    out.append("</g>")
    out.append("</svg>")
    # printed to a CI log, no value may read as a workflow command
    return ci_inert("\n".join(out) + "\n", hash_escape="&#35;", colon_escape="&#58;")


def placement_map(rows: Sequence[InventoryRow], *, home_region: str | None = None,
                  home_accounts: Sequence[str] = ()) -> str:
    """Inventory rows -> the placement map as an SVG string (deterministic)."""
    return render_svg(build_map(rows, home_region=home_region, home_accounts=home_accounts))
