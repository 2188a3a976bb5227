"""The placement map: accounts x regions as areas, resources as marks, flows as red/grey arrows."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from analyzer.models import Flow, InventoryRow, Placement
from analyzer.policy import Policy
from analyzer.review import render_review
from analyzer.review.placement_map import MAX_MARKS, RED, Area, build_map, placement_map
from analyzer.scan import ScanOptions, run_scan

DATA = Path(__file__).parent / "data"
REPLICATION = DATA / "map_replication"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
CHROMIUM = Path("/usr/bin/chromium")
SVG = "{http://www.w3.org/2000/svg}"
HOME = Area("111122223333", "eu-west-1")


def _scan(path: Path):
    return run_scan([path], Policy(), ScanOptions(use_cache=False))


def _placed(value: str) -> Placement:
    return Placement(value=value, status="resolved")


def _row(address: str, kind: str = "bucket", *, region: str = "eu-west-1", account: str = "111122223333",
         cloud: str = "aws", line: int = 1, **extra) -> InventoryRow:
    return InventoryRow(address=address, type=address.split(".")[0], kind=kind, cloud=cloud,  # type: ignore[arg-type]
                        region=_placed(region), account=_placed(account), file="main.tf", line=line, **extra)


def test_replication_fixture_exact_structure() -> None:
    report = _scan(REPLICATION)
    pmap = build_map(report.inventory, home_region=report.summary.region, home_accounts=report.summary.accounts)
    assert pmap.accounts == ["111122223333"]
    assert pmap.regions == ["eu-west-1", "eu-central-1", "us-east-1"]  # home first
    marks = [(m.key, m.area.account, m.area.region, m.label, m.target) for m in pmap.marks]
    assert marks == [
        ("a0-t0", "111122223333", "eu-central-1", "replica in eu-central-1", True),
        ("a1-r0", "111122223333", "eu-west-1", "aws_kms_key.data", False),
        ("a1-r1", "111122223333", "eu-west-1", "aws_s3_bucket.orders", False),
        ("a1-r2", "111122223333", "eu-west-1", "aws_s3_bucket_replication_configuration.orders", False),
        ("a1-r3", "111122223333", "eu-west-1", "aws_secretsmanager_secret.db", False),
        ("a1-r4", "111122223333", "eu-west-1", "aws_cloudwatch_log_group.app", False),
        ("a2-r0", "111122223333", "us-east-1", "aws_s3_bucket.orders_dr", False),
    ]
    # the replication points at the scanned DR bucket itself; both arrows leave eu-west-1
    assert [(a.source, a.target, a.crossing, a.unknown) for a in pmap.arrows] == [
        ("a1-r2", "a2-r0", True, False),
        ("a1-r3", "a0-t0", True, False),
    ]
    assert pmap.arrows[0].lines == ["replication: aws_s3_bucket_replication_configuration.orders \u2192 "
                                    "replicates to bucket aws_s3_bucket.orders_dr"]

    root = ET.fromstring(placement_map(report.inventory, home_region="eu-west-1"))
    areas = [(a.get("data-account"), a.get("data-region"), a.get("fill")) for a in root.iter(f"{SVG}rect")
             if a.get("class") == "area"]
    assert areas == [("111122223333", "eu-west-1", "#f6f8fa"), ("111122223333", "eu-central-1", "#fff5f5"),
                     ("111122223333", "us-east-1", "#fff5f5")]
    groups = list(root.iter(f"{SVG}g"))
    assert len([g for g in groups if g.get("class") == "resource"]) == 6
    assert len([g for g in groups if g.get("class") == "target"]) == 1
    arrows = [g for g in groups if (g.get("class") or "").startswith("arrow ")]
    assert [(g.get("class"), g.get("data-source"), g.get("data-target")) for g in arrows] == [
        ("arrow crossing", "a1-r2", "a2-r0"), ("arrow crossing", "a1-r3", "a0-t0")]
    assert all(g.find(f"{SVG}path").get("stroke") == RED for g in arrows)  # type: ignore[union-attr]
    assert root.find(f"{SVG}title") is not None and "<script" not in ET.tostring(root, encoding="unicode")


def test_inside_flows_are_grey_unknown_and_external_ones_red() -> None:
    rows = [
        _row("aws_s3_bucket.data", line=1),
        _row("aws_kinesis_firehose_delivery_stream.logs", "stream", line=5),
        _row("aws_cloudwatch_log_subscription_filter.app", "log_subscription", line=9, flows=[
            Flow(kind="subscription", description="streams logs to aws_kinesis_firehose_delivery_stream.logs",
                 region=_placed("eu-west-1"), account=_placed("111122223333"), line=10)]),
        _row("aws_s3_bucket_policy.data", "policy", line=14, flows=[
            Flow(kind="grant", description="policy grants access to arn:aws:iam::444455556666:root",
                 account=_placed("444455556666"), line=15)]),  # region not stated: the resource's
        _row("aws_s3_bucket_replication_configuration.data", "replication", line=20, flows=[
            Flow(kind="replication", description="replicates to bucket (unknown)",
                 region=Placement(status="unknown"), account=Placement(status="unknown"), line=22)]),
        InventoryRow(address="Deployment/app/api", type="Deployment", kind="workload", cloud="kubernetes",
                     region=Placement(), account=Placement(), file="chart/deploy.yaml", line=1,
                     images=["111122223333.dkr.ecr.eu-west-1.amazonaws.com/app/api:1.2.0",
                             "docker.io/library/busybox:1.36"],
                     endpoints=["dns:///acme.us-east-2.union.ai"]),
    ]
    pmap = build_map(rows, home_region="eu-west-1", home_accounts=["111122223333"])
    assert pmap.accounts == ["111122223333", "444455556666", "external", "unknown"]
    assert pmap.regions == ["eu-west-1", "us-east-2", "unknown"]
    by_key = {m.key: m for m in pmap.marks}
    arrows = {(by_key[a.source].label, by_key[a.target].label): (a.crossing, a.unknown) for a in pmap.arrows}
    assert arrows == {
        # stays in eu-west-1 of 111122223333: grey
        ("aws_cloudwatch_log_subscription_filter.app", "aws_kinesis_firehose_delivery_stream.logs"): (False, False),
        ("Deployment/app/api", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/app/api:1.2.0"): (False, False),
        # another account, a public registry, a control plane in us-east-2, an unknown bucket: red
        ("aws_s3_bucket_policy.data", "policy grants access to arn:aws:iam::444455556666:root"): (True, False),
        ("Deployment/app/api", "docker.io/library/busybox:1.36"): (True, True),
        ("Deployment/app/api", "dns:///acme.us-east-2.union.ai"): (True, False),
        ("aws_s3_bucket_replication_configuration.data", "replicates to bucket (unknown)"): (True, True),
    }
    areas = {m.label: m.area for m in pmap.marks}
    assert areas["policy grants access to arn:aws:iam::444455556666:root"] == Area("444455556666", "eu-west-1")
    assert areas["docker.io/library/busybox:1.36"] == Area("external", "unknown")
    assert areas["dns:///acme.us-east-2.union.ai"] == Area("external", "us-east-2")
    assert areas["Deployment/app/api"] == HOME  # in-cluster: the policy's region and account
    root = ET.fromstring(placement_map(rows, home_region="eu-west-1", home_accounts=["111122223333"]))
    paths = [(g.get("class"), g.find(f"{SVG}path")) for g in root.iter(f"{SVG}g")
             if (g.get("class") or "").startswith("arrow ")]
    strokes = sorted((cls or "", p.get("stroke") or "", p.get("stroke-dasharray") or "solid")
                     for cls, p in paths if p is not None)
    assert strokes == [("arrow crossing", RED, "6 4")] * 2 + [("arrow crossing", RED, "solid")] * 2 + \
        [("arrow inside", "#8c959f", "solid")] * 2


def test_crowded_area_groups_marks_by_kind_with_counts() -> None:
    rows = [_row(f"aws_s3_bucket.b{i:02d}", line=i + 1) for i in range(MAX_MARKS + 4)]
    rows += [_row("aws_kms_key.k1", "kms_key", line=100), _row("aws_kms_key.k2", "kms_key", line=101)]
    pmap = build_map(rows, home_region="eu-west-1")
    assert [(m.label, m.count) for m in pmap.marks] == [("bucket \u00d712", 12), ("kms key \u00d72", 2)]
    assert pmap.marks[0].lines[0] == "aws_s3_bucket.b00 (aws_s3_bucket, bucket) at main.tf:1"
    assert len(pmap.marks[0].lines) == 12


HOSTILE = '</text><script>alert(1)</script>&x="\x1b[2J\u202e'


def test_hostile_names_stay_text_in_the_svg() -> None:
    rows = [_row(f"aws_s3_bucket.{HOSTILE}", region=f"eu-west-1{HOSTILE}", account=f"1111{HOSTILE}", flows=[
        Flow(kind="replication", description=f"replicates to {HOSTILE}\n::error::forged", region=_placed("x"),
             line=2)], images=[f"evil.example/{HOSTILE}"])]
    svg = placement_map(rows)
    root = ET.fromstring(svg)  # well-formed XML: nothing closed or opened early
    text = ET.tostring(root, encoding="unicode")
    assert "<script" not in svg and "<script" not in text
    assert "\x1b" not in svg and "\u202e" not in svg and "\n::" not in svg
    assert "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;x=&quot;\\x1b[2J\\u202e" in svg
    titles = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    shown = HOSTILE.replace("\x1b", "\\x1b").replace("\u202e", "\\u202e")
    assert f"replication: aws_s3_bucket.{shown} \u2192 replicates to {shown}\\n::error::forged" in titles
    accounts = [a.get("data-account") for a in root.iter(f"{SVG}rect") if a.get("class") == "area"]
    assert f"1111{shown}" in accounts


def test_output_is_deterministic() -> None:
    rows = _scan(DATA / "map_replication").inventory
    # one Kubernetes object's rows share file, line and address
    rows += [InventoryRow(address="Deployment/app/api", type="Deployment", kind=kind, cloud="kubernetes",
                          region=Placement(), account=Placement(), file="chart/deploy.yaml", line=1, images=images)
             for kind, images in (("workload", ["docker.io/library/busybox:1.36"]), ("registry", []),
                                  ("workload", ["quay.io/acme/api:2"]))]
    expected = placement_map(rows, home_region="eu-west-1")
    for seed in range(5):
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        assert placement_map(shuffled, home_region="eu-west-1") == expected


def test_html_report_embeds_the_map_and_lists_flows_leaving() -> None:
    html = render_review(_scan(REPLICATION), "html")
    start = html.index('<section id="placement-map">')
    section = html[start:html.index("</section>", start)]
    assert section.count("<svg ") == 1 and "<script" not in html
    assert ("<li><code>eu-west-1</code> of <code>111122223333</code> &rarr; <code>us-east-1</code> of "
            "<code>111122223333</code>: replication: aws_s3_bucket_replication_configuration.orders \u2192 "
            "replicates to bucket aws_s3_bucket.orders_dr</li>") in section
    assert "Flows leaving their area (2):" in section


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False)


def test_headless_browser_draws_the_map(tmp_path: Path) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("chromium is not installed")
    report = _scan(REPLICATION)
    svg = placement_map(report.inventory, home_region=report.summary.region, home_accounts=report.summary.accounts)
    page = tmp_path / "map.html"
    page.write_text(f'<!DOCTYPE html><html><body style="margin:0">{svg}</body></html>', encoding="utf-8")
    shot = tmp_path / "placement-map.png"
    width = ET.fromstring(svg).get("width")
    height = ET.fromstring(svg).get("height")
    done = _chromium([f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == int(width or 0)
    if os.environ.get("RESIDENCY_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, DOCS_IMG / "placement-map.png")
    assert (DOCS_IMG / "placement-map.png").exists()


def test_crowded_destinations_are_one_mark_with_a_count() -> None:
    images = [f"docker.io/library/tool{i}:1" for i in range(9)]
    rows = [_row("aws_ecs_task_definition.worker", "workload", images=images)]
    pmap = build_map(rows, home_region="eu-west-1", home_accounts=["111122223333"])
    [target] = [m for m in pmap.marks if m.target]
    assert (target.key, target.area, target.label, target.count) == ("a1-t", Area("external", "unknown"),
                                                                    "9 destinations", 9)
    assert target.lines == sorted(images)
    [arrow] = pmap.arrows
    assert (arrow.source, arrow.target, arrow.crossing, len(arrow.lines)) == ("a0-r0", "a1-t", True, 9)
