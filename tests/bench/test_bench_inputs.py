"""The benchmark's scaling input (bench/wide.py), the --tree file walk (bench/trees.py), the
parse-floor child of our parser (bench/terraform_runs.py) and the table arithmetic
(bench/report.py). Nothing here is timed: it checks that what the benchmark measures is
what its labels say."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from analyzer.scan import ScanOptions, build_inventory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # bench/ is a script folder, not an installed package: import it from the repo root
    monkeypatch.syspath_prepend(str(REPO))
    return importlib.import_module("bench")


def _mod(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO))
    return importlib.import_module(f"bench.{name}")


def test_wide_root_is_one_module_of_n_resources_all_resolved_with_skips(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    wide = _mod("wide", monkeypatch)
    stats = wide.generate_wide(tmp_path / "w", 40)
    assert stats.resources == 40 and stats.tf_files == 4
    main = (tmp_path / "w" / "main.tf").read_text()
    assert main.count('\nresource "') + main.startswith('resource "') == 40
    inventory, _, _ = build_inventory([tmp_path / "w"], ScanOptions(env={}, use_cache=False))
    assert inventory.errors == []
    rows = {row.address: row for row in inventory.rows}
    assert len(rows) == 40
    assert {(r.region.value, r.region.status, r.account.value, r.account.status) for r in rows.values()} == {
        ("eu-central-1", "resolved", "418273645091", "resolved")}
    # every eighth block carries a checkov:skip, so the skip lookup runs on real data
    skipped = sorted(a for a, r in rows.items() if r.skips)
    assert skipped == ["aws_s3_bucket.b00000", "aws_s3_bucket.b00008", "aws_s3_bucket.b00016",
                       "aws_s3_bucket.b00024", "aws_s3_bucket.b00032"]
    assert rows["aws_s3_bucket.b00008"].skips == {
        "CKV_RES_1": "replicated by the platform team's DR runbook"}
    assert rows["aws_dynamodb_table.t00003"].line == main.splitlines().index(
        'resource "aws_dynamodb_table" "t00003" {') + 1


def test_wide_root_is_deterministic_and_wipes_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    wide = _mod("wide", monkeypatch)
    wide.generate_wide(tmp_path / "a", 12)
    (tmp_path / "a" / "stale.tf").write_text('resource "aws_s3_bucket" "old" {}\n')
    wide.generate_wide(tmp_path / "a", 12)
    wide.generate_wide(tmp_path / "b", 12)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["locals.tf", "main.tf", "providers.tf", "versions.tf"]
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)


def test_tree_files_skip_symlinks_and_dot_terraform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    trees = _mod("trees", monkeypatch)
    (tmp_path / "outside.tf").write_text("locals {}\n")
    root = tmp_path / "repo"
    (root / "modules" / "net").mkdir(parents=True)
    (root / ".terraform" / "modules" / "x").mkdir(parents=True)
    (root / "main.tf").write_text('locals {\n  a = 1\n}\n')
    (root / "modules" / "net" / "vpc.tf").write_text("locals {}")  # no final newline: still one line
    (root / "prod.tfvars").write_text('region = "eu-west-1"\n')
    (root / ".terraform" / "modules" / "x" / "main.tf").write_text("locals {}\n")
    (root / "linked.tf").symlink_to(tmp_path / "outside.tf")
    (root / "README.md").write_text("# not terraform\n")
    files = trees.tree_files(root)
    assert [f.relative_to(root).as_posix() for f in files] == ["main.tf", "modules/net/vpc.tf", "prod.tfvars"]
    st = trees.tree_stats(root, files)
    assert (st.tf_files, st.tf_lines, st.tfvars_files, st.tfvars_lines) == (2, 4, 1, 1)


def test_our_parse_floor_counts_a_rejected_file_and_fails_only_when_strict(monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Path) -> None:
    runs = _mod("terraform_runs", monkeypatch)
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "a" {\n  bucket = "x"\n}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n')
    files = sorted(tmp_path.glob("*.tf"))
    lenient = runs.measure_parse_floor(tmp_path, files, sys.executable, 120, parser="residency", strict=False)
    assert lenient.ok and lenient.label == "parse floor (tree-sitter-hcl, residency)"
    assert (lenient.extra["files"], lenient.extra["errors"]) == (2, 1)
    assert lenient.extra["first_errors"][0]["file"] == str(tmp_path / "broken.tf")
    assert lenient.extra["first_errors"][0]["error"].startswith("HclSyntaxError")
    strict = runs.measure_parse_floor(tmp_path, files, sys.executable, 120, parser="residency", strict=True)
    assert not strict.ok and strict.status == "parse errors"
    assert strict.load_avg is not None and len(strict.load_avg) == 3


def _m(seconds: float, peak: float, tree: float | None = None, cpu: float = 1.0,
       **extra: object) -> dict[str, object]:
    return {"ok": True, "status": "ok", "label": "x", "seconds": seconds, "peak_mb": peak, "tree_peak_mb": tree,
            "user_seconds": cpu * 0.75, "sys_seconds": cpu * 0.25, "extra": dict(extra), "load_avg": [3.0, 2.0, 1.0]}


def test_table_ratios_use_the_same_run_and_the_summed_tree_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _mod("report", monkeypatch)
    run = {"kind": "tree", "name": "fabric", "estate": {"tf_files": 798, "tf_lines": 88281},
           "parse_floor": _m(2.0, 40, parse_seconds=1.5, files=994, errors=0),
           "parse_floor_hcl2": _m(8.0, 30, parse_seconds=7.5, files=994, errors=17,
                                  first_errors=[{"file": "a.tf", "error": "UnexpectedToken:\n  at line 3"}]),
           "residency_cold": _m(5.0, 100, cpu=4.0), "residency_warm": _m(1.0, 60),
           "checkov": _m(400.0, 300, tree=450, cpu=360.0)}
    table = report.markdown_table([run])
    row = table.splitlines()[2].split(" | ")
    assert row[0] == "| `fabric` (.tf, real tree)"
    # cold CPU, checkov CPU; checkov / cold by wall and by CPU, checkov MB (Σ450) / residency MB (100),
    # cold / parse, cold / warm
    assert (row[8], row[12]) == ("4.00", "360.00")
    assert row[14:] == ["80.0×", "90.0×", "4.5×", "2.5×", "5.0× |"]
    assert row[5:7] == ["8.00", "7.500"]
    assert "- `fabric`, x: rejected 17 of 994 files (timed anyway), e.g. a.tf: UnexpectedToken: at line 3" in table


def test_wide_table_compares_each_row_with_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _mod("report", monkeypatch)
    wide = [{"resources": n, "wide": {"main_bytes": n * 170, "tf_lines": n * 7},
             "residency_cold": _m(s, 80, cpu=s / 2), "residency_output": {"inventory": n, "errors": 0}}
            for n, s in ((4000, 2.5), (16000, 8.75))]
    lines = report.wide_table(wide).splitlines()
    assert lines[3].endswith("| 16000 | 0 | 4.0× | 3.5× | 4.38 | 3.5× |")
    results = {"runs": [], "wide": wide, "helm": None, "load_start": (1, 2, 3), "load_end": (4, 5, 6)}
    assert report.load_line(results) == (f"Load average (1/5/15 min) at start 1.00/2.00/3.00, at end 4.00/5.00/6.00; "
                                          f"1-min load as each command started: 3.00–3.00 ({os.cpu_count()} CPUs)")
