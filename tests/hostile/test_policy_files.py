"""Hostile policy (`residency.yaml`, `--config`) and `--baseline` files: each is a usage error
(exit 2) with one line naming the file (and line or key), never a traceback, and fast
(issue 15 §4)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from tests.conftest import FIXTURES

CLEAN = FIXTURES / "clean" / "aws"
GOOD = "region: eu-west-1\naccounts: ['111122223333']\n"
BOMB = "region: eu-west-1\n" + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" if i else "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(10)) + "accounts: *l9\n"


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str, float]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    started = time.perf_counter()
    result = CliRunner().invoke(app, args)
    elapsed = time.perf_counter() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr, elapsed


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


POLICIES = {
    "bad_date": (
        "region: eu-west-1\nexceptions:\n  - rule: CKV_RES_1\n    address: aws_s3_bucket.data\n"
        "    reason: legacy bucket\n    expires: 2027-13-45\n",
        ":6: exceptions.0.expires: Input should be a valid date or datetime, month value is outside expected range"),
    "deep_flow": ("region: eu-west-1\nextra: " + "[" * 20000 + "]" * 20000 + "\n", ":2: invalid YAML: nested too deeply"),
    "deep_block": ("region: eu-west-1\nextra:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "v: 1\n",
                   ": invalid YAML: nested deeper than 32 levels"),
    "huge_account": ("region: eu-west-1\naccounts: [" + "7" * 5000 + "]\n", ":2: invalid YAML: an integer of 5000 digits"),
    "alias_bomb": (BOMB, ": invalid YAML: expands to more than 100,000 values through aliases (alias bomb?)"),
    "self_alias": ("region: eu-west-1\naccounts: &a [*a]\n", ": invalid YAML:"),
    "no_address": ("region: eu-west-1\nexceptions:\n  - rule: CKV_RES_1\n    reason: everything\n    expires: 2099-01-01\n",
                   ':3: exceptions.0.address: an exception needs an address'),
    "nested_account": ("region: eu-west-1\naccounts: [[111122223333]]\n", ":2: accounts.0: Input should be a valid string"),
    "not_utf8": ("region: eu-west-1\n# \udcff\n", "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(POLICIES))
def test_a_hostile_policy_is_one_usage_error_line(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = POLICIES[case]
    policy = tmp_path / "residency.yaml"
    policy.write_bytes(text.encode("utf-8", "surrogateescape"))
    code, out, err, elapsed = _run(["scan", str(CLEAN), "--config", str(policy), "--no-cache"], monkeypatch)
    line = _one_error_line(err)
    assert code == 2 and out == ""
    assert str(policy) in line and expected in line, line
    assert elapsed < 10


def test_a_hostile_policy_found_upward_is_a_usage_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    (tmp_path / "residency.yaml").write_text(BOMB)
    code, _, err, _ = _run(["scan", str(tmp_path / "infra"), "--no-cache"], monkeypatch)
    assert code == 2 and "alias bomb" in _one_error_line(err)


def test_a_policy_that_is_a_fifo_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    os.mkfifo(tmp_path / "infra" / "residency.yaml")  # found upward: not a regular file, so not a policy
    code, _, err, elapsed = _run(["scan", str(tmp_path / "infra"), "--no-cache", "--region", "eu-west-1"], monkeypatch)
    assert code in (0, 1) and "Traceback" not in err and elapsed < 10


def test_a_huge_policy_is_refused_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "residency.yaml"
    with policy.open("w") as handle:
        handle.write(GOOD)
        handle.truncate(64 << 20)  # sparse: 64 MB of NUL bytes
    code, _, err, elapsed = _run(["scan", str(CLEAN), "--config", str(policy), "--no-cache"], monkeypatch)
    assert code == 2 and str(policy) in _one_error_line(err) and "limit" in err and elapsed < 10


def test_the_good_policy_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "residency.yaml"
    policy.write_text(GOOD + "exceptions:\n  - rule: CKV_RES_1\n    address: '*'\n    reason: all fine\n"
                      "    expires: 2099-01-01\n")
    code, _, err, _ = _run(["scan", str(CLEAN), "--config", str(policy), "--no-cache"], monkeypatch)
    assert code == 0, err


BASELINES = {
    "deep": ('{"version": 2, "findings": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
    "huge_int": ('{"version": 2, "n": ' + "9" * 5000 + ', "findings": []}', "invalid JSON"),
    "not_json": ("{nope", ":1: invalid JSON"),
    "wrong_shape": ('{"version": 2, "findings": {"a": 1}}', "findings: Input should be a valid list"),
    "version_1": ('{"version": 1, "findings": []}', "regenerate it with `residency baseline`"),
}


@pytest.mark.parametrize("case", sorted(BASELINES))
def test_a_hostile_baseline_is_one_usage_error_line(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = BASELINES[case]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(text)
    code, out, err, elapsed = _run(["scan", str(CLEAN), "--baseline", str(baseline), "--no-cache"], monkeypatch)
    line = _one_error_line(err)
    assert code == 2 and out == "" and str(baseline) in line and expected in line, line
    assert elapsed < 10


def test_a_baseline_fifo_or_folder_is_refused_without_blocking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        code, _, err, elapsed = _run(["scan", str(CLEAN), "--baseline", str(path), "--no-cache"], monkeypatch)
        assert code == 2 and str(path) in _one_error_line(err) and elapsed < 10


def test_a_valid_baseline_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"version": 2, "findings": [{"fingerprint": "0" * 32}]}))
    code, _, err, _ = _run(["scan", str(CLEAN), "--baseline", str(baseline), "--no-cache"], monkeypatch)
    assert code == 0, err
