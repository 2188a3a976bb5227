"""Hostile caches: a repository can neither run code through the inventory cache nor make a
scan trust or hang on a planted or corrupt entry (issue 15, items 3 and 4)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyzer.scan import ScanOptions, build_inventory

MAIN_TF = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "us"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket" "exports" {
  provider = aws.us
  bucket   = "acme-exports"
}
"""
EXPECTED = [("CKV_RES_1", "aws_s3_bucket.exports", "main.tf", 16)]
REFUSED = "is inside the scanned tree"


class _Canary:
    """Unpickling this creates the canary file (what a planted pickle entry would do)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.path, "w"))


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    root = tmp_path / "repo" / "infra"
    root.mkdir(parents=True)
    (root / "main.tf").write_text(MAIN_TF)
    return root


def _cli(infra: Path, cache: Path | None, *, xdg: Path | None = None, timeout: float = 60) -> tuple[int, list[tuple], str, float]:
    """Run `residency scan infra -f json` in a child process (a hang is a failure, not a stuck
    suite): (exit code, findings, stderr, seconds)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RESIDENCY_CACHE_DIR", "XDG_CACHE_HOME", "RESIDENCY_NO_CACHE")}
    if cache is not None:
        env["RESIDENCY_CACHE_DIR"] = str(cache)
    if xdg is not None:
        env["XDG_CACHE_HOME"] = str(xdg)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from analyzer.cli import app; app()", "scan", str(infra), "-f", "json", "--region", "eu-west-1"],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=infra.parent, check=False)
    seconds = time.monotonic() - started
    findings = [(f["rule_id"], f["address"], f["file"], f["line"]) for f in json.loads(done.stdout)["findings"]]
    return done.returncode, findings, done.stderr, seconds


def _entries(cache: Path) -> list[Path]:
    folder = cache / "inventory"
    return sorted(p for p in folder.iterdir() if not p.name.endswith(".tmp")) if folder.is_dir() else []


def test_planted_pickle_entry_never_runs(infra: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code, findings, _, _ = _cli(infra, cache)  # learn the entry's name, whatever the format
    assert (code, findings) == (1, EXPECTED)
    [entry] = _entries(cache)
    canary = tmp_path / "canary"
    payload = pickle.dumps(_Canary(canary))
    stem = entry.name.removesuffix(".json")
    for name in (stem, stem + ".json"):  # every name an entry could have
        (cache / "inventory" / name).write_bytes(payload)
    code, findings, _, _ = _cli(infra, cache)
    assert not canary.exists()
    assert (code, findings) == (1, EXPECTED)


@pytest.mark.parametrize("variable", ["RESIDENCY_CACHE_DIR", "XDG_CACHE_HOME"])
def test_cache_folder_inside_the_scanned_tree_is_refused(infra: Path, tmp_path: Path, variable: str) -> None:
    inside = infra / ".cache"
    canary = tmp_path / "canary"
    planted = inside / "inventory" if variable == "RESIDENCY_CACHE_DIR" else inside / "residency" / "inventory"
    planted.mkdir(parents=True)
    # whatever the entry name, nothing in the tree is read: plant a payload under a likely name
    (planted / "entry").write_bytes(pickle.dumps(_Canary(canary)))
    before = sorted(p.relative_to(infra) for p in infra.rglob("*"))
    if variable == "RESIDENCY_CACHE_DIR":
        code, findings, err, _ = _cli(infra, inside)
    else:
        code, findings, err, _ = _cli(infra, None, xdg=inside)
    assert (code, findings) == (1, EXPECTED)
    assert not canary.exists()
    warnings = [line for line in err.splitlines() if REFUSED in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: cache folder ") and str(infra) in warnings[0]
    assert sorted(p.relative_to(infra) for p in infra.rglob("*")) == before  # nothing written in the tree


def test_cache_folder_in_the_enclosing_git_work_tree_is_refused(infra: Path, tmp_path: Path) -> None:
    repo = infra.parent
    (repo / ".git").mkdir()  # the scan path is a folder of this work tree
    code, findings, err, _ = _cli(infra, repo / ".residency-cache")
    assert (code, findings) == (1, EXPECTED)
    assert f"is inside the scanned tree {repo};" in err
    assert not (repo / ".residency-cache").exists()


def test_cache_folder_beside_the_tree_is_used(infra: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, _, err, _ = _cli(infra, cache)
    assert REFUSED not in err
    [entry] = _entries(cache)
    assert entry.name.endswith(".json") and json.loads(entry.read_text())["inventory"]["rows"]
    assert entry.stat().st_mode & 0o077 == 0  # entries are private to the user


def _corrupt(kind: str, entry: Path) -> None:
    genuine = entry.read_bytes()
    entry.unlink()
    if kind == "pickle_protocol_99":
        entry.write_bytes(b"\x80\x63" + genuine[:64])
    elif kind == "wrong_type":
        entry.write_text(json.dumps(["not", "an", "entry"]))
    elif kind == "wrong_shape":
        entry.write_text(json.dumps({"tree": 1, "inventory": {"rows": "x"}}))
    elif kind == "huge_length_prefix":
        entry.write_bytes(b"\x80\x05\x95" + b"\xff" * 7 + b"\x7f" + genuine[:32])
    elif kind == "truncated_json":
        entry.write_bytes(genuine[: len(genuine) // 2])
    elif kind == "fifo":
        os.mkfifo(entry)
    elif kind == "dev_zero_link":
        entry.symlink_to("/dev/zero")
    elif kind == "folder":
        entry.mkdir()
    elif kind == "oversized":
        with entry.open("wb") as handle:  # sparse: costs no disk
            handle.truncate(512 * 1024 * 1024)
    else:  # pragma: no cover - a typo in the parameter list
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["pickle_protocol_99", "wrong_type", "wrong_shape", "huge_length_prefix",
                                  "truncated_json", "fifo", "dev_zero_link", "folder", "oversized"])
def test_corrupt_entry_is_ignored_and_the_scan_runs(infra: Path, tmp_path: Path, kind: str) -> None:
    cache = tmp_path / "cache"
    _cli(infra, cache)
    [entry] = _entries(cache)
    _corrupt(kind, entry)
    code, findings, err, seconds = _cli(infra, cache, timeout=30)
    assert (code, findings) == (1, EXPECTED)
    assert "Traceback" not in err
    assert seconds < 20
    # the scan replaced the bad entry with a good one (a folder in its place is left alone)
    if kind != "folder":
        assert _cli(infra, cache)[:2] == (1, EXPECTED)
        assert _entries(cache)[0].is_file() and not _entries(cache)[0].is_symlink()


def test_warm_cache_gives_identical_inventory_and_findings(infra: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    cold_inventory, cold_files, _ = build_inventory([infra], ScanOptions(cache_dir=cache))
    import analyzer.scan

    def _no_evaluation(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the warm scan evaluated Terraform instead of using the cache")

    monkeypatch.setattr(analyzer.scan, "scan_terraform", _no_evaluation)
    warm_inventory, warm_files, _ = build_inventory([infra], ScanOptions(cache_dir=cache))
    assert warm_inventory.model_dump() == cold_inventory.model_dump() and warm_files == cold_files == 1
    monkeypatch.undo()
    cold = _cli(infra, tmp_path / "cli-cache")
    warm = _cli(infra, tmp_path / "cli-cache")
    assert cold[:2] == warm[:2] == (1, EXPECTED)
