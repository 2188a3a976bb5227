"""The `residency` console script (analyzer.cli:run) skips the interpreter's teardown after the
command: what it wrote must still arrive whole, and its exit status must be the command's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES

RUN = "import sys; from analyzer.cli import run; sys.argv = ['residency', *sys.argv[1:]]; run()"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)


def test_a_report_on_a_pipe_arrives_whole_with_the_findings_status() -> None:
    done = _run("scan", str(FIXTURES / "terraform" / "aws_ecr_nested_dynamic"), "--no-cache", "--region", "eu-central-1",
                "-f", "json")
    assert done.returncode == 1  # findings
    report = json.loads(done.stdout)  # flushed whole: parses
    assert [f["rule_id"] for f in report["findings"]] == ["CKV_RES_4", "CKV_RES_4"]


def test_usage_errors_keep_their_status_and_message(tmp_path: Path) -> None:
    done = _run("scan", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "no such file or folder" in done.stderr
    clean = _run("--version")
    assert (clean.returncode, clean.stdout.startswith("residency ")) == (0, True)
