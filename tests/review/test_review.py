"""`residency report`: every resource with its exact verification command, Markdown and HTML."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.policy import Policy
from analyzer.review import build_review, render_review, verify_command
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

CASES = [FIXTURES / "clean" / "aws", FIXTURES / "clean" / "gcp", FIXTURES / "clean" / "azure",
         FIXTURES / "terraform" / "aws_split_providers"]


def _report(path: Path):
    return run_scan([path], Policy(), ScanOptions(use_cache=False))


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.scripts = 0
        self.external: list[str] = []
        self.pre: list[str] = []
        self._in_pre = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append(attrs)
        if tag == "script":
            self.scripts += 1
        if tag in ("link", "img") or (tag == "a" and str(attrs.get("href", "")).startswith("http")):
            self.external.append(tag)
        if tag == "pre":
            self._in_pre = True
            self.pre.append("")

    def handle_endtag(self, tag):
        if tag == "pre":
            self._in_pre = False

    def handle_data(self, data):
        if self._in_pre:
            self.pre[-1] += data


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_markdown_lists_every_row_with_its_command(path: Path) -> None:
    report = _report(path)
    assert report.inventory
    text = render_review(report, "markdown")
    review = build_review(report)
    assert len(review.items) == len(report.inventory)
    for item in review.items:
        assert f"`{item.row.address}`" in text
        assert f"\n{item.command.command}\n" in text
    assert render_review(_report(path), "markdown") == text  # deterministic


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_html_parses_and_lists_every_row_with_its_command(path: Path) -> None:
    report = _report(path)
    text = render_review(report, "html")
    parser = _Tables()
    parser.feed(text)
    assert any(t.get("id") == "resources" for t in parser.tables)
    assert all(t.get("class") == "resources" for t in parser.tables[:1])
    assert parser.scripts == 0 and parser.external == []
    commands = set(parser.pre)
    for item in build_review(report).items:
        assert item.command.command in commands
        assert escape(item.row.address) in text


def test_exact_commands_for_known_types() -> None:
    by_address = {i.row.address: i.command.command for i in build_review(_report(FIXTURES / "clean" / "aws")).items}
    assert by_address["aws_s3_bucket.data"] == "aws s3api get-bucket-location --bucket acme-dp-prod-data"
    assert by_address["aws_ecr_repository.app"] == ("aws ecr describe-repositories --repository-names acme-dp-prod/app "
                                                    "--region eu-west-1 --query 'repositories[].repositoryArn'")
    # a placeholder is a value like any other: quoted, so the shell never reads `<` as a redirect
    assert by_address["aws_kms_key.data"].startswith("aws kms describe-key --key-id '<key id of aws_kms_key.data>' "
                                                     "--region eu-west-1")
    gcp = {i.row.address: i.command.command for i in build_review(_report(FIXTURES / "clean" / "gcp")).items}
    cluster = next(c for a, c in gcp.items() if a.startswith("google_container_cluster."))
    assert cluster == ("gcloud container clusters describe acme-dp-prod --location europe-west4 "
                       "--project=acme-data-prod --format='value(location)'")
    azure = {i.row.address: i.command.command for i in build_review(_report(FIXTURES / "clean" / "azure")).items}
    acr = next(c for a, c in azure.items() if a.startswith("azurerm_container_registry."))
    assert acr == "az acr show --name acracmeprod --subscription 9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59 --query location"
    container = next(c for a, c in azure.items() if a.startswith("azurerm_storage_container."))
    assert "--name stprodacmedata" in container  # the parent storage account's name


def test_unknown_name_is_a_clear_placeholder() -> None:
    report = _report(FIXTURES / "clean" / "gcp")
    row = next(r for r in report.inventory if r.type == "google_artifact_registry_repository")
    row = row.model_copy(update={"name": None})
    command = verify_command(row).command
    assert f"<repository id of {row.address}>" in command


def test_generic_fallback_for_unlisted_types() -> None:
    report = _report(FIXTURES / "clean" / "aws")
    row = report.inventory[0].model_copy(update={"type": "aws_unlisted_thing", "cloud": "aws", "name": "x"})
    command = verify_command(row)
    assert not command.specific and command.command.startswith("aws resourcegroupstaggingapi get-resources")


SCRIPT_TF = """
provider "aws" {
  region = "eu-west-1"
}

resource "aws_s3_bucket" "evil" {
  bucket = "<script>alert(1)</script>"
}
"""


def test_values_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SCRIPT_TF, encoding="utf-8")
    report = _report(tmp_path)
    text = render_review(report, "html")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    markdown = render_review(report, "markdown")
    # Markdown shows the raw name only inside code spans and fences (rendered literally)
    outside = re.sub(r"```sh\n.*?\n```", "", markdown, flags=re.S)
    outside = re.sub(r"`[^`\n]*`", "", outside)
    assert "`<script>alert(1)</script>`" in markdown
    assert "<script" not in outside


def test_cli_report_writes_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["residency"])
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(CASES[0]), "--format", "html", "--output", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = CliRunner().invoke(app, ["report", str(CASES[0]), "--no-cache"])
    assert result.exit_code == 0 and result.stdout.startswith("# Residency review")
    result = CliRunner().invoke(app, ["report", str(CASES[0]), "--format", "pdf"])
    assert result.exit_code == 2


CHROMIUM = Path("/usr/bin/chromium")


def test_headless_browser_renders_the_table(tmp_path: Path) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(render_review(_report(CASES[0]), "html"), encoding="utf-8")
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'id="resources"' in done.stdout
    assert "aws s3api get-bucket-location --bucket acme-dp-prod-data" in done.stdout


# --- laptop and print layout (issue 13) -------------------------------------------------------

LONG_NAMES = Path(__file__).parent / "data" / "long_names"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
# test harness only (the report itself has no script): after layout, write what overflows
MEASURE = """<script>
const vw = document.documentElement.clientWidth;
const wide = [...document.querySelectorAll('table, pre, svg, figure')]
  .filter(e => e.getBoundingClientRect().right > vw + 0.5 || e.scrollWidth > e.clientWidth + 1)
  .map(e => e.tagName + ' in #' + (e.closest('section') || {id: ''}).id);
const out = document.createElement('output'); out.id = 'measure';
out.textContent = JSON.stringify({vw, page: document.documentElement.scrollWidth, wide});
document.body.appendChild(out);
</script>"""


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("chromium is not installed")
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_report_fits_the_window_without_horizontal_scrolling(tmp_path: Path, width: int) -> None:
    html = render_review(_report(LONG_NAMES), "html")
    # the fixture's module addresses and paths are single 90-character words
    assert "module.customer_behaviour_clickstream_storage_for_the_us_analytics_replica.aws_s3_bucket" in html
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = _chromium([f"--window-size={width},900", "--dump-dom", page.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<output id="measure">(.*?)</output>', done.stdout)
    assert found, done.stdout[-2000:]
    import json

    measured = json.loads(found.group(1).replace("&quot;", '"'))
    assert measured == {"vw": width, "page": width, "wide": []}


@pytest.mark.parametrize("width", [1280, 1920])
def test_report_screenshots(tmp_path: Path, width: int) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_review(_report(LONG_NAMES), "html"), encoding="utf-8")
    shot = tmp_path / f"report-{width}.png"
    done = _chromium([f"--window-size={width},1400", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == width
    if os.environ.get("RESIDENCY_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, DOCS_IMG / shot.name)
    assert (DOCS_IMG / shot.name).exists()


def test_report_prints(tmp_path: Path) -> None:
    html = render_review(_report(LONG_NAMES), "html")
    assert "@media print" in html and "@page { size: A4 landscape" in html
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    done = _chromium(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page>") + \
        len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 1
