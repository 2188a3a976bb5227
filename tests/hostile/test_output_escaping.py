"""Output that cannot be abused (issue 15, item 7) and never fails to encode (item 4).

Values chosen by a scanned repository (names, regions, file names, messages built from them)
must not reach a terminal as control sequences, reorder text with bidi overrides, form Markdown
links/images/HTML/@mentions, forge GitHub workflow commands, or break UTF-8 output. One escape
module (analyzer/report/escape.py) serves every format; each format's exact output is below.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.models import Evidence, Finding, InventoryRow, Placement, ScanError, ScanReport, Summary
from analyzer.report import render
from analyzer.report.escape import _INVISIBLE_RE, markdown_code, markdown_text, visible
from analyzer.review import render_review

REGION = "us-east-1\x1b[2J\x1b[HAll clear\u202e"
MESSAGE = (f'region "{REGION}" is not known: ![x](https://evil.example/b.png) @octocat <img src=x> '
           "[link](http://e.example) www.evil.example #12 50%\r\n::warning::forged")
ADDRESS = 'aws_s3_bucket.b["\x00\u2066x"]'
FILE = "evil\u202etxt.tf"
WJ = "\u2060"  # word joiner: breaks GitHub's mention, reference and URL linking, invisibly


def hostile_report() -> ScanReport:
    return ScanReport(
        tool_version="0.1.0", root="/src",
        findings=[Finding(rule_id="CKV_RES_1", rule_name="Resource in home region", severity="HIGH", address=ADDRESS,
                          file=FILE, line=3, message=MESSAGE, region=REGION,
                          evidence=[Evidence(file=FILE, line=4, note="provider aws region \x07@admin")])],
        inventory=[InventoryRow(address=ADDRESS, type="aws_s3_bucket", kind="bucket", cloud="aws",
                                region=Placement(value=REGION, status="resolved"),
                                account=Placement(value="1111`22|22", status="resolved"), file=FILE, line=3,
                                name="![img](https://evil.example/beacon.png)\n@octocat")],
        errors=[ScanError(file="bad\udcff.tf", line=2, message="Unexpected \x1b[31m token\nnext")],
        summary=Summary(resources=1, region="eu-west-1"),
    )


CI_MESSAGE = "bad value\n  ::stop-commands::tok\n::error title=All clear::forged ##[add-mask]x"


def ci_report() -> ScanReport:
    """Values that GitHub's runner would obey as workflow commands if printed raw to the log."""
    return ScanReport(
        tool_version="0.1.0", root="/src",
        findings=[Finding(rule_id="CKV_RES_1", rule_name="Resource in home region", severity="HIGH",
                          address="aws_s3_bucket.b", file="m.tf", line=3, message=CI_MESSAGE)],
        inventory=[InventoryRow(address="aws_s3_bucket.b", type="aws_s3_bucket", kind="bucket", cloud="aws",
                                region=Placement(value="eu-west-1", status="resolved"),
                                account=Placement(value="1", status="resolved"), file="m.tf", line=3,
                                name="##[add-mask]n")],
    )


def _no_raw_controls(text: str, *, allowed: str = "\n\t") -> None:
    leaked = {hex(ord(c)) for c in _INVISIBLE_RE.findall(text) if c not in allowed}
    assert leaked == set()
    text.encode("utf-8")


# --- the shared escapes ---------------------------------------------------------------------


def test_every_control_format_and_surrogate_character_is_escaped() -> None:
    categories = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    missed = [hex(cp) for cp in range(0x110000)
              if unicodedata.category(chr(cp)) in categories and visible(chr(cp)) == chr(cp)]
    assert missed == []


def test_visible() -> None:
    assert visible("eu-west-1") == "eu-west-1"
    assert visible("a\x1b[2Jb\x00\x7f\x9b") == "a\\x1b[2Jb\\x00\\x7f\\x9b"
    assert visible("x\u202ey\u2066\u200b\ufeff") == "x\\u202ey\\u2066\\u200b\\ufeff"
    assert visible("tag\U000e0041") == "tag\\U000e0041"
    assert visible("a\nb\r\tc") == "a\\nb\\r\\tc"
    assert visible("a\nb", lines=True) == "a\nb"
    assert visible("name\udcff\ud800") == "name\\xff\\ud800"  # an undecodable byte shows as itself
    assert visible("caf\u00e9 \u6771\u4eac") == "caf\u00e9 \u6771\u4eac"  # printable text stays


def test_markdown_text_and_code() -> None:
    assert markdown_text("![x](https://e.example/b.png)") == f"!\\[x\\](https:{WJ}//e.example/b.png)"
    assert markdown_text("<img src=x> & @octocat #12 www.e.example a|b") == (
        f"&lt;img src=x&gt; &amp; @{WJ}octocat #{WJ}12 www.{WJ}e.example a\\|b")
    assert markdown_text("*b* _i_ ~s~ `c` \\ my_bucket") == "\\*b\\* \\_i\\_ \\~s\\~ \\`c\\` \\\\ my_bucket"
    assert markdown_text("a\r\nb\x1b") == "a<br>b\\\\x1b"
    assert markdown_code("a``b|c\n") == "``` a``b\\|c\\n ```"
    assert markdown_code(" x ", in_table=False) == "`  x  `"


# --- every text format, exactly -------------------------------------------------------------


def test_cli() -> None:
    text = render("cli", hostile_report())
    _no_raw_controls(text)
    lines = text.splitlines()
    i = lines.index("CKV_RES_1 Resource in home region  (1 finding)")
    assert lines[i + 1:i + 5] == [
        '  HIGH     aws_s3_bucket.b["\\x00\\u2066x"]  evil\\u202etxt.tf:3',
        '    region "us-east-1\\x1b[2J\\x1b[HAll clear\\u202e" is not known: ![x](https://evil.example/b.png) '
        "@octocat <img src=x> [link](http://e.example) www.evil.example #12 50%",  # not wrapped: no terminal
        "    \\x3a:warning::forged",
        "    \u21b3 evil\\u202etxt.tf:4 provider aws region \\x07@admin",
    ]
    assert lines[lines.index("Inputs not analyzed (1)") + 1:][:2] == ["  bad\\xff.tf:2  Unexpected \\x1b[31m token",
                                                                     "  next"]


def test_cli_in_color_keeps_values_inert() -> None:
    from analyzer.report import cli

    text = cli.render(hostile_report(), color=True)
    assert "\\x1b[2J" in text and "\x1b[2J" not in text and "\u202e" not in text


def test_github() -> None:
    assert render("github", hostile_report()) == (
        "::error file=evil\\u202etxt.tf,line=3,title=CKV_RES_1 Resource in home region::"
        'region "us-east-1\\x1b[2J\\x1b[HAll clear\\u202e" is not known: ![x](https://evil.example/b.png) '
        "@octocat <img src=x> [link](http://e.example) www.evil.example #12 50%25%0D%0A::warning::forged"
        "%0AEvidence: evil\\u202etxt.tf:4 provider aws region \\x07@admin\n"
    )


def test_github_properties_cannot_end_the_command() -> None:
    report = ScanReport(tool_version="0", root=".", findings=[Finding(
        rule_id="CKV_RES_4", rule_name="n", severity="LOW", address="a", file="a::error::b,c%\n.tf", line=2,
        message="m")])
    assert render("github", report) == "::notice file=a%3A%3Aerror%3A%3Ab%2Cc%25%0A.tf,line=2,title=CKV_RES_4 n::m\n"


MD_MESSAGE = (
    f'region "us-east-1\\\\x1b\\[2J\\\\x1b\\[HAll clear\\\\u202e" is not known: '
    f"!\\[x\\](https:{WJ}//evil.example/b.png) @{WJ}octocat &lt;img src=x&gt; "
    f"\\[link\\](http:{WJ}//e.example) www.{WJ}evil.example #{WJ}12 50%<br>::warning::forged"
)


def test_markdown() -> None:
    text = render("markdown", hostile_report())
    _no_raw_controls(text, allowed="\n" + WJ)
    lines = text.splitlines()
    assert (f'| `CKV_RES_1` | HIGH | `aws_s3_bucket.b["\\x00\\u2066x"]` | `evil\\u202etxt.tf:3` | {MD_MESSAGE} |'
            in lines)
    assert (f'- **CKV_RES_1** `aws_s3_bucket.b["\\x00\\u2066x"]` at `evil\\u202etxt.tf:3`: {MD_MESSAGE}' in lines)
    assert "  - `evil\\u202etxt.tf:4 provider aws region \\x07@admin`" in lines
    assert "| `bad\\xff.tf:2` | Unexpected \\\\x1b\\[31m token<br>next |" in lines
    assert ('| `aws_s3_bucket.b["\\x00\\u2066x"]` | bucket | aws | `us-east-1\\x1b[2J\\x1b[HAll clear\\u202e` '
            "| `` 1111`22\\|22 `` | `evil\\u202etxt.tf:3` |") in lines
    # nothing outside a code span can become a link, image, tag or mention
    assert "](" not in text.replace("\\](", "") and "<img" not in text and "@octocat" not in text


def test_junit() -> None:
    text = render("junit", hostile_report())
    _no_raw_controls(text)
    root = ET.fromstring(text)  # XML 1.0 cannot carry ESC or NUL at all: it parses
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.attrib["name"] == 'aws_s3_bucket.b["\\x00\\u2066x"]'
    assert case.attrib["file"] == "evil\\u202etxt.tf"
    failure = case.find("failure")
    assert failure is not None
    expected_message = (f'region "{visible(REGION)}" is not known: ![x](https://evil.example/b.png) @octocat '
                        "<img src=x> [link](http://e.example) www.evil.example #12 50%\n::warning::forged")
    assert failure.attrib["message"] == expected_message.replace("\n", " ")  # XML normalises attribute newlines
    assert failure.text == (f"evil\\u202etxt.tf:3\n{expected_message}\nregion {visible(REGION)}\nEvidence:\n"
                            "  evil\\u202etxt.tf:4 provider aws region \\x07@admin")
    # printed to a CI log, the line starting with :: is a character reference in the XML text
    assert "\n&#58;:warning::forged" in text
    error = root.find("testsuite[@name='residency inputs not analyzed']/testcase")
    assert error is not None and error.attrib["file"] == "bad\\xff.tf"


def test_review_markdown_and_html() -> None:
    text = render_review(hostile_report(), "markdown")
    _no_raw_controls(text, allowed="\n" + WJ)
    lines = text.splitlines()
    assert "- Name: `![img](https://evil.example/beacon.png)\\n@octocat`" in lines
    assert "- Region: `us-east-1\\x1b[2J\\x1b[HAll clear\\u202e`; account: `` 1111`22|22 ``" in lines
    assert "aws s3api get-bucket-location --bucket $'![img](https://evil.example/beacon.png)\\n@octocat'" in lines
    assert f"| `CKV_RES_1` | HIGH | {MD_MESSAGE} | active |" in lines
    html = render_review(hostile_report(), "html")
    _no_raw_controls(html)
    assert '<div class="note">name <code>![img](https://evil.example/beacon.png)\\n@octocat</code></div>' in html
    assert "<code>us-east-1\\x1b[2J\\x1b[HAll clear\\u202e</code>" in html
    assert "<img" not in html and "&lt;img src=x&gt;" in html


# --- CI logs: no value may read as a workflow command ---------------------------------------


def test_no_format_prints_a_workflow_command() -> None:
    report = ci_report()
    outputs = {fmt: render(fmt, report) for fmt in ("cli", "github", "markdown", "junit", "json", "sarif")}
    outputs["review-markdown"] = render_review(report, "markdown")
    outputs["review-html"] = render_review(report, "html")
    for fmt, text in outputs.items():
        for line in text.splitlines():
            stripped = line.lstrip()
            assert "##[" not in line, (fmt, line)
            assert not stripped.startswith("::") or (fmt == "github" and line.startswith("::error ")), (fmt, line)
    cli_lines = outputs["cli"].splitlines()
    assert cli_lines[cli_lines.index("    bad value") + 1:][:2] == [
        "      \\x3a:stop-commands::tok", "    \\x3a:error title=All clear::forged #\\x23[add-mask]x"]
    assert outputs["github"].endswith(
        "::bad value%0A  ::stop-commands::tok%0A::error title=All clear::forged #\\x23[add-mask]x\n")
    # JSON formats and XML: escapes of their own, so every value reads back unchanged
    assert json.loads(outputs["json"])["findings"][0]["message"] == CI_MESSAGE
    assert json.loads(outputs["sarif"])["runs"][0]["results"][0]["message"]["text"] == CI_MESSAGE
    case = ET.fromstring(outputs["junit"]).find("testsuite/testcase/failure")
    assert case is not None and case.text == f"m.tf:3\n{CI_MESSAGE}"
    assert "aws s3api get-bucket-location --bucket $'#\\x23[add-mask]n'" in outputs["review-markdown"]


# --- non-UTF-8 file and folder names, lone surrogates (issue 15, item 4) --------------------

TF = """provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "odd" {
  bucket = "odd"
  # HCL rejects a lone surrogate escape (as Terraform does); JSON text still yields one here
  region = jsondecode("\\"us-east-1\\\\ud800\\"")
}
"""

FORMATS = {"cli": "out.txt", "json": "out.json", "junit": "out.xml", "sarif": "out.sarif", "github": "out.gh",
           "markdown": "out.md"}
SHOWN = {  # how each format names dir<FE>/main<FF>.tf
    "cli": "dir\\xfe/main\\xff.tf:6", "github": "file=dir\\xfe/main\\xff.tf,line=6", "markdown": "`dir\\xfe/main\\xff.tf:6`",
    "junit": 'file="dir\\xfe/main\\xff.tf"', "json": '"file": "dir\\\\xfe/main\\\\xff.tf"',
    "sarif": '"uri": "dir%FE/main%FF.tf"',
}


@pytest.fixture
def odd_tree(tmp_path: Path) -> Path:
    if sys.platform == "darwin":
        pytest.skip("macOS file systems refuse non-UTF-8 names")
    tree = tmp_path / "tree"
    folder = os.fsencode(tree) + b"/dir\xfe"
    os.makedirs(folder)
    with open(folder + b"/main\xff.tf", "w", encoding="utf-8") as handle:
        handle.write(TF)
    return tree


def test_undecodable_file_name_and_lone_surrogate_in_every_format(
        odd_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["residency"])
    args = ["scan", str(odd_tree), "--region", "eu-west-1", "--account", "111122223333", "--no-cache"]
    for fmt, name in FORMATS.items():
        args += ["--format", fmt, "--output", str(tmp_path / name)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    for fmt, name in FORMATS.items():
        text = (tmp_path / name).read_bytes().decode("utf-8")  # strict: valid UTF-8
        assert SHOWN[fmt] in text, fmt
        assert "us-east-1\\ud800" in text or "us-east-1\\\\ud800" in text, fmt
    finding = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["findings"]
    assert [(f["rule_id"], f["file"], f["line"]) for f in finding] == [("CKV_RES_2", "dir\\xfe/main\\xff.tf", 6)]
    for fmt in ("markdown", "html"):
        out = tmp_path / f"review.{fmt}"
        result = CliRunner().invoke(app, ["report", str(odd_tree), "--region", "eu-west-1", "--account",
                                          "111122223333", "--no-cache", "--format", fmt, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert "dir\\xfe/main\\xff.tf:6" in out.read_bytes().decode("utf-8")


def test_inventory_command_formats() -> None:
    from analyzer.inventory_view import render_inventory
    from analyzer.models import Inventory

    report = hostile_report()
    row = report.inventory[0].model_copy(update={"address": 'aws_s3_bucket.b["[link=https://e.example]x[/link]"]'})
    inventory = Inventory(rows=[row], errors=report.errors)
    table = render_inventory(inventory, "table", "/src")
    _no_raw_controls(table)
    # markup stays text (as markup, rich would print a terminal hyperlink)
    assert ('│ aws_s3_bucket.b["[link=https://e.example]x[/link]"] │ aws   │ us-east-1\\x1b[2J\\x1b[HAll clear\\u202e '
            "│ 1111`22|22 │ evil\\u202etxt.tf:3 │          │") in table.splitlines()
    assert "  bad\\xff.tf:2 Unexpected \\x1b[31m token\\nnext" in table.splitlines()
    markdown = render_inventory(inventory, "markdown", "/src")
    _no_raw_controls(markdown, allowed="\n" + WJ)
    assert ('| `aws_s3_bucket.b["[link=https://e.example]x[/link]"]` | aws '
            "| us-east-1\\\\x1b\\[2J\\\\x1b\\[HAll clear\\\\u202e | 1111\\`22\\|22 | `evil\\u202etxt.tf:3` |") in markdown
    assert "- `bad\\xff.tf:2` Unexpected \\\\x1b\\[31m token<br>next" in markdown
    data = json.loads(render_inventory(inventory, "json", "/src"))
    assert data["inventory"][0]["region"] == REGION  # JSON escapes controls itself, losslessly


def test_usage_errors_echo_policy_values_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["residency"])
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n', encoding="utf-8")
    # residency.yaml is part of the scanned repository: its keys and values are the PR author's
    (tmp_path / "residency.yaml").write_text('region: eu-west-1\n"k\\e[2J\\n  ::warning::forged": 1\n',
                                             encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [  # one problem: one line (the key's own newline splits it)
        f"error: invalid policy: {tmp_path / 'residency.yaml'}:2: k\\x1b[2J",
        "  \\x3a:warning::forged: Extra inputs are not permitted",
    ]
