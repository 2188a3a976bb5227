"""File functions read the scanned tree with Terraform's semantics, and nothing outside it.

Semantics were checked against `terraform console` 1.11 (the expected values below are what
it printed); the tests do not need terraform.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from analyzer.hcl.parse import parse_expression
from analyzer.policy import Policy
from analyzer.report.json_report import render as render_json
from analyzer.scan import ScanOptions, build_inventory, run_scan
from analyzer.terraform import file_functions
from analyzer.terraform.evaluate import Scope, evaluate_safely
from analyzer.terraform.file_functions import FileContext
from analyzer.terraform.loader import SourceTree
from analyzer.terraform.module import ModuleInstance
from analyzer.values import Unknown
from tests.conftest import FIXTURES

SECRET = "SECRET-CONTENT-7f3a"
AWS = 'provider "aws" {\n  region              = "eu-west-1"\n  allowed_account_ids = ["111122223333"]\n}\n'


def _repo(tmp_path: Path) -> Path:
    """tmp/repo (a git work tree) beside tmp/outside, which holds a secret."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.json").write_text(json.dumps({"region": SECRET}))
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(f"[credential]\n  token = {SECRET}\n")
    (repo / "envs" / "prod").mkdir(parents=True)
    (repo / "shared").mkdir()
    (repo / "shared" / "cfg.json").write_text('{"region": "eu-central-1"}')
    return repo


def _evaluate(root: Path, expression: str) -> Any:
    tree = SourceTree(root=root)
    module = ModuleInstance(tree, root, "")
    return evaluate_safely(parse_expression(expression), Scope(module))


def _scan_json(root: Path, region: str = "eu-west-1") -> dict[str, Any]:
    report = run_scan([root], Policy(region=region), ScanOptions(env={}))
    return json.loads(render_json(report))


# --- the YAML factory ------------------------------------------------------------------------


def test_yaml_factory_creates_one_bucket_per_file_with_its_location() -> None:
    fixture = FIXTURES / "terraform" / "gcp_yaml_factory"
    inventory, _, _ = build_inventory([fixture], ScanOptions(env={}))
    rows = [(r.address, r.region.status, r.region.value, r.file, r.line) for r in inventory.rows]
    assert rows == [
        ('google_storage_bucket.factory["analytics-us"]', "resolved", "us-central1", "main.tf", 30),
        ('google_storage_bucket.factory["archive"]', "resolved", "europe-west4", "main.tf", 30),
        ('google_storage_bucket.factory["raw-events"]', "resolved", "europe-west4", "main.tf", 30),
        ("module.registry.google_artifact_registry_repository.images", "resolved", "europe-west1",
         "modules/registry/main.tf", 5),
    ]
    assert inventory.errors == []
    report = run_scan([fixture], Policy(region="europe-west4"), ScanOptions(env={}))
    assert [(f.rule_id, f.address, f.file, f.line, f.region) for f in report.findings] == [
        ("CKV_RES_1", 'google_storage_bucket.factory["analytics-us"]', "main.tf", 30, "us-central1"),
        ("CKV_RES_1", "module.registry.google_artifact_registry_repository.images", "modules/registry/main.tf", 5,
         "europe-west1"),
    ]


def test_templatefile_renders_for_and_if_with_strip_markers() -> None:
    fixture = FIXTURES / "terraform" / "gcp_yaml_factory"
    text = _evaluate(fixture, 'templatefile("templates/labels.json.tftpl", {team = "core", tiers = ["a", "b"], '
                              'billing = false})')
    assert text == '{\n  "team": "core",\n  "tier-a": "true",\n  "tier-b": "true",\n  "billing": "off"\n}\n'


@pytest.mark.parametrize(
    ("template", "rendered"),
    [  # terraform console 1.11, jsonencode(templatefile(...)): strip markers act on one line of text
        ('A\n%{ for t in tiers ~}\n  T${t}\n%{ endfor ~}\n  B\n%{ if true ~}\n  C\n%{ endif }\nD ${"x" ~}\n  E\n'
         '  ${~ "y"} F\n', "A\n  Ta\n  Tb\n  B\n  C\n\nD x  E\ny F\n"),
        ('a \n \n  ${~ "y" ~}  \n \n  b|%{ if true ~} \t\n\n c%{~ endif ~}\n\nd', "a \n \ny \n  b|\n c\nd"),
        ('q\nx  \n${~ "y"}|\n\n%{~ if true}z%{ endif}', "q\nxy|\nz"),
    ],
)
def test_templatefile_strip_markers_match_terraform(tmp_path: Path, template: str, rendered: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.tpl").write_text(template)
    assert _evaluate(tmp_path, 'templatefile("t.tpl", {tiers = ["a", "b"]})') == rendered


def test_templatefile_sees_only_its_vars(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.tpl").write_text("${path.module}")
    (tmp_path / "one.tpl").write_text("${x}")
    (tmp_path / "esc.tpl").write_text('x\\ny ${"q\\tz"}')
    result = _evaluate(tmp_path, 'templatefile("t.tpl", {})')
    assert isinstance(result, Unknown)
    assert 'vars map does not contain key "path", referenced at t.tpl' in result.reason
    assert _evaluate(tmp_path, 'templatefile("one.tpl", {x = [1, 2]})') == [1, 2]  # a lone interpolation keeps its type
    assert _evaluate(tmp_path, 'templatefile("esc.tpl", {})') == "x\\ny q\tz"  # no escapes in template text
    bad = _evaluate(tmp_path, 'templatefile("one.tpl", {"bad-key!" = 1})')
    assert isinstance(bad, Unknown) and 'invalid template variable name "bad-key!"' in bad.reason


# --- fileset -----------------------------------------------------------------------------------


@pytest.fixture
def globbed(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    for name in ("d/a.yaml", "d/b.yaml", "d/B.yaml", "d/_u.yaml", "d/.x.yaml", "d/sub/c.yaml",
                 "d/sub/deep/e.yaml", "d/.hid/h.yaml", "real/r.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("k: v\n")
    os.symlink("../real", tmp_path / "d" / "link")
    os.symlink("../real/r.yaml", tmp_path / "d" / "rl.yaml")
    return tmp_path


@pytest.mark.parametrize(
    ("base", "pattern", "expected"),
    [  # each as terraform console 1.11 printed it
        (".", "d/*.yaml", ["d/.x.yaml", "d/B.yaml", "d/_u.yaml", "d/a.yaml", "d/b.yaml", "d/rl.yaml"]),
        (".", "d/**/*.yaml", ["d/.hid/h.yaml", "d/.x.yaml", "d/B.yaml", "d/_u.yaml", "d/a.yaml", "d/b.yaml",
                              "d/link/r.yaml", "d/rl.yaml", "d/sub/c.yaml", "d/sub/deep/e.yaml"]),
        ("d", "{a,b}.yaml", ["a.yaml", "b.yaml"]),
        ("d", "[ab].yaml", ["a.yaml", "b.yaml"]),
        ("d", "[!ab].yaml", ["a.yaml", "b.yaml"]),  # doublestar v1: `!` is a literal in a class
        ("d", "[^ab].yaml", ["B.yaml"]),
        ("d", "[a-b].yaml", ["a.yaml", "b.yaml"]),
        ("d", "?.yaml", ["B.yaml", "a.yaml", "b.yaml"]),
        ("d", "*/*.yaml", [".hid/h.yaml", "link/r.yaml", "sub/c.yaml"]),
        ("d", "**/deep/*", ["sub/deep/e.yaml"]),
        ("d", "**/", [".hid/h.yaml", ".x.yaml", "B.yaml", "_u.yaml", "a.yaml", "b.yaml", "link/r.yaml",
                      "rl.yaml", "sub/c.yaml", "sub/deep/e.yaml"]),
        ("d", "sub/../a.yaml", ["a.yaml"]),
        ("./d/", "*", [".x.yaml", "B.yaml", "_u.yaml", "a.yaml", "b.yaml", "rl.yaml"]),
        ("d", "sub", []),  # folders are never listed
        ("d", "\\\\*", []),  # HCL "\\*": the glob escape of a literal *
        ("nonexistent", "*", []),
        ("d/a.yaml", "*", []),
    ],
)
def test_fileset_follows_terraform_glob_rules(globbed: Path, base: str, pattern: str, expected: list[str]) -> None:
    assert _evaluate(globbed, f'fileset("{base}", "{pattern}")') == expected


def test_fileset_bad_pattern_is_terraforms_error(globbed: Path) -> None:
    result = _evaluate(globbed, 'fileset("d", "{a,sub/c}.yaml")')
    assert isinstance(result, Unknown)
    assert 'fileset: failed to glob pattern "{a,sub/c}.yaml": syntax error in pattern' in result.reason


def test_fileset_never_lists_outside_or_into_git(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    os.symlink("../../../outside", repo / "envs" / "prod" / "ext")
    root = repo / "envs" / "prod"
    for expression, reason in [
        ('fileset("ext", "*.json")', "fileset: fileset in \"ext\": symlink ext points outside the scanned tree"),
        ('fileset("../../..", "outside/*")', "fileset: ../../.. is outside the scanned tree; not listed"),
        ('fileset("../..", ".git/*")', "fileset: fileset in \"../..\": ../../.git leads into a .git folder"),
        ('fileset("../..", "**")', "fileset: fileset in \"../..\" would list inside ../../.git, a .git folder"),
    ]:
        result = _evaluate(root, expression)
        assert isinstance(result, Unknown), expression
        assert result.reason.startswith(reason), result.reason
        assert SECRET not in result.reason
    assert _evaluate(root, 'fileset("../../shared", "*")') == ["cfg.json"]


def test_fileset_with_a_match_linking_outside_is_unknown(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    os.symlink("../../../outside/secret.json", repo / "envs" / "prod" / "s.json")
    result = _evaluate(repo / "envs" / "prod", 'fileset(".", "*.json")')
    assert isinstance(result, Unknown)
    assert result.reason.startswith('fileset: fileset(".", "*.json") matches symlink s.json points outside')


# --- reading: inside, outside, links, special files, size, encoding ----------------------------


def test_file_reads_inside_the_repository_above_the_root(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    root = repo / "envs" / "prod"
    assert _evaluate(root, 'jsondecode(file("${path.module}/../../shared/cfg.json")).region') == "eu-central-1"
    assert _evaluate(root, 'fileexists("../../shared/cfg.json")') is True
    assert _evaluate(root, 'fileexists("../../shared/none.json")') is False
    assert _evaluate(root, 'filesha1("../../shared/cfg.json")') == hashlib.sha1(b'{"region": "eu-central-1"}').hexdigest()


def test_file_hashes_and_base64_match_terraform(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "bad.dat").write_bytes(b"ab\xffcd")
    # terraform console 1.11: filemd5("bad.dat"), filebase64sha256("bad.dat"), filebase64("bad.dat")
    assert _evaluate(tmp_path, 'filemd5("bad.dat")') == "fc13ad52cf6d715cf9968c86e5172502"
    assert _evaluate(tmp_path, 'filebase64sha256("bad.dat")') == "PFfmFR12UpQ2avJLamICuq/9l112k8mc4lEMd9Qjo1Y="
    assert _evaluate(tmp_path, 'filebase64("bad.dat")') == "YWL/Y2Q="
    not_utf8 = _evaluate(tmp_path, 'file("bad.dat")')
    assert isinstance(not_utf8, Unknown)
    assert not_utf8.reason.startswith('Error in function call: file: contents of "bad.dat" are not valid UTF-8')
    assert _evaluate(tmp_path, 'try(file("bad.dat"), "fallback")') == "fallback"  # a Terraform error: try() catches it


def test_missing_file_is_terraforms_error_and_try_catches_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "d").mkdir()
    missing = _evaluate(tmp_path, 'file("nope.json")')
    assert isinstance(missing, Unknown)
    assert missing.reason.startswith('Invalid function argument: file: Invalid value for "path" parameter: '
                                     'no file exists at "nope.json"')
    assert _evaluate(tmp_path, 'try(file("nope.json"), "{}")') == "{}"
    folder = _evaluate(tmp_path, 'fileexists("d")')
    assert isinstance(folder, Unknown) and '"d" is a directory, not a file' in folder.reason


def test_path_values_are_terraforms(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    root = repo / "envs" / "prod"
    assert _evaluate(root, "path.module") == "."
    assert _evaluate(root, "path.root") == "."
    assert _evaluate(root, "path.cwd") == str(root.resolve())
    assert _evaluate(root, 'abspath("../x/./y")') == str((repo / "envs" / "x" / "y").resolve())
    assert _evaluate(root, 'dirname("a/b/")') == "a/b"  # Go's filepath.Dir
    assert _evaluate(root, 'dirname("file")') == "."
    assert _evaluate(root, 'basename("a/b/")') == "b"
    assert _evaluate(root, 'pathexpand("data/x.yaml")') == "data/x.yaml"
    home = _evaluate(root, 'pathexpand("~/.config/x")')
    assert isinstance(home, Unknown) and home.reason.startswith("pathexpand: ~/.config/x names the home folder")
    null = _evaluate(root, "file(null)")
    assert isinstance(null, Unknown)
    assert null.reason == 'Invalid function argument: file: Invalid value for "path" parameter: argument must not be null.'


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ('file("${path.module}/../../../outside/secret.json")',
         "file: ./../../../outside/secret.json is outside the scanned tree; not read"),
        ('file("link.json")', "file: symlink link.json points outside the scanned tree (-> ../../../outside/secret.json)"),
        ('file("gitcfg")', "file: gitcfg leads into a .git folder (repository internals and credentials are never read)"),
        ('file("../../.git/config")', "file: ../../.git/config leads into a .git folder"),
        ('file("pipe.json")', "file: pipe.json is a named pipe, not a regular file; never read"),
        ('file("~/.aws/credentials")', "file: ~/.aws/credentials is in a home folder, outside the scanned tree"),
        ('file("/etc/passwd")', "file: /etc/passwd is outside the scanned tree; not read"),
        ('fileexists("../../../outside/secret.json")', "fileexists: ../../../outside/secret.json is outside"),
        ('filesha256("link.json")', "filesha256: symlink link.json points outside the scanned tree"),
        ('templatefile("link.json", {})', "templatefile: symlink link.json points outside the scanned tree"),
        ('file("loop.json")', "file: symlink loop: loop.json never reaches a file or folder; not analyzed"),
        ('file("blob.bin")', "file: blob.bin is a binary file (contains NUL bytes); not evaluated"),
        ('fileexists("ext/none.json")', "fileexists: ext/none.json leads outside the scanned tree through a symlinked"),
        ('fileexists("ext/secret.json")', "fileexists: symlink ext/secret.json points outside the scanned tree"),
    ],
)
def test_refused_reads_are_unknown_and_name_the_path(tmp_path: Path, expression: str, reason: str) -> None:
    repo = _repo(tmp_path)
    root = repo / "envs" / "prod"
    os.symlink("../../../outside/secret.json", root / "link.json")
    os.symlink("../../.git/config", root / "gitcfg")
    os.symlink("loop.json", root / "loop.json")
    os.symlink("../../../outside", root / "ext")
    os.mkfifo(root / "pipe.json")
    (root / "blob.bin").write_bytes(b"\x00" + SECRET.encode())
    result = _evaluate(root, expression)
    assert isinstance(result, Unknown)
    assert result.reason.startswith(reason), result.reason
    assert SECRET not in result.reason


def test_size_cap_refuses_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "big.json").write_text('{"r": "' + "x" * 4096 + '"}')
    monkeypatch.setattr(file_functions, "MAX_FILE_BYTES", 1024)
    result = _evaluate(tmp_path, 'file("big.json")')
    assert isinstance(result, Unknown)
    assert result.reason == "file: big.json is 0.0 MB, over the 0 MB limit for one file; not analyzed"


def test_total_read_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / name).write_text("x" * 600)
    monkeypatch.setattr(file_functions, "MAX_TOTAL_BYTES", 1000)
    result = _evaluate(tmp_path, '[file("a"), file("b"), file("c")]')
    assert result[:2] == ["x" * 600, "x" * 600]
    assert isinstance(result[2], Unknown) and "file functions of this root already read" in result[2].reason


def test_refused_reads_surface_as_findings_at_the_resource_and_never_leak_content(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    root = repo / "envs" / "prod"
    os.symlink("../../../outside/secret.json", root / "link.json")
    (root / "main.tf").write_text(AWS + '''
resource "aws_s3_bucket" "inside" {
  bucket = "inside"
  region = jsondecode(file("${path.module}/../../shared/cfg.json")).region
}

resource "aws_s3_bucket" "outside" {
  bucket = "outside"
  region = jsondecode(file("${path.module}/../../../outside/secret.json")).region
}

resource "aws_s3_bucket" "link" {
  bucket = "link"
  region = jsondecode(file("link.json")).region
}
''')
    data = _scan_json(root)
    assert [(f["rule_id"], f["address"], f["file"], f["line"]) for f in data["findings"]] == [
        # the planted link itself, met by the plan finder (a *.json), is reported once and never read
        ("CKV_RES_9", "link.json", "link.json", 0),
        ("CKV_RES_1", "aws_s3_bucket.inside", "main.tf", 6),
        ("CKV_RES_2", "aws_s3_bucket.outside", "main.tf", 11),
        ("CKV_RES_2", "aws_s3_bucket.link", "main.tf", 16),
    ]
    messages = {f["address"]: f["message"] for f in data["findings"]}
    assert messages["aws_s3_bucket.outside"] == (
        "region of aws_s3_bucket.outside cannot be resolved statically: file: ./../../../outside/secret.json is "
        "outside the scanned tree; not read: the analyzer reads nothing outside the repository it scans")
    assert "symlink link.json points outside the scanned tree" in messages["aws_s3_bucket.link"]
    assert SECRET not in json.dumps(data)


def test_file_read_by_a_function_invalidates_the_result_cache(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "cfg.json").write_text('{"region": "eu-west-1"}')
    (tmp_path / "main.tf").write_text(AWS + '''
resource "aws_s3_bucket" "b" {
  bucket = "b"
  region = jsondecode(file("cfg.json")).region
}
''')
    options = ScanOptions(env={}, cache_dir=tmp_path.parent / f"{tmp_path.name}-cache")
    first, _, _ = build_inventory([tmp_path], options)
    (tmp_path / "cfg.json").write_text('{"region": "us-east-1"}')
    second, _, _ = build_inventory([tmp_path], options)
    assert [r.region.value for r in first.rows] == ["eu-west-1"]
    assert [r.region.value for r in second.rows] == ["us-east-1"]


def test_without_a_context_file_functions_stay_unknown() -> None:
    from analyzer.terraform.functions import call_function

    assert call_function("file", ["x"]).reason == "file reads are not evaluated"
    context = FileContext(SourceTree(root=Path("/nonexistent")), Path("/nonexistent"))
    assert "file" in context.names


def test_large_factory_keeps_evidence_chains_short(tmp_path: Path) -> None:
    # each element reads local.defaults: its chain must be added once, not once per element
    (tmp_path / ".git").mkdir()
    (tmp_path / "buckets").mkdir()
    for number in range(150):
        (tmp_path / "buckets" / f"b{number:03}.yaml").write_text("storage_class: STANDARD\n")
    (tmp_path / "defaults.yaml").write_text("location: europe-west4\n")
    (tmp_path / "main.tf").write_text('''provider "google" {
  project = "acme-data-prod"
}

locals {
  defaults = yamldecode(file("${path.module}/defaults.yaml"))
  buckets = {
    for f in fileset(path.module, "buckets/*.yaml") :
    basename(f) => merge(local.defaults, yamldecode(file("${path.module}/${f}")))
  }
}

module "bucket" {
  source   = "./modules/bucket"
  for_each = local.buckets
  location = local.buckets[each.key].location
}
''')
    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "modules" / "bucket" / "main.tf").write_text('''variable "location" {
  type = string
}

resource "google_storage_bucket" "this" {
  name     = "b"
  location = var.location
}
''')
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert len(inventory.rows) == 150
    first = inventory.rows[0]
    assert (first.address, first.region.value) == ('module.bucket["b000.yaml"].google_storage_bucket.this', "europe-west4")
    # defaults.yaml, which every element reads, is named; the 150 per-bucket files are not
    assert [(e.file, e.line) for e in first.region.evidence] == [
        ("modules/bucket/main.tf", 7), ("main.tf", 16), ("main.tf", 7), ("main.tf", 6), ("defaults.yaml", 1),
        ("main.tf", 15)]
