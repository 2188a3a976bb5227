"""`--changed-from` runs git in a repository whose config the author may control: nothing that
config names is ever run, and the selection is still right (issue 15, item 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HOOKS = ("fsmonitor", "external", "textconv", "clean", "smudge", "process", "pager", "post-index-change")
EU = 'provider "aws" {\n  region              = "eu-west-1"\n  allowed_account_ids = ["111122223333"]\n}\n\n'


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
                   capture_output=True)


def _script(folder: Path, name: str, canaries: Path) -> str:
    path = folder / f"{name}.sh"
    path.write_text(f'#!/bin/sh\ntouch "{canaries}/{name}"\ncat\n')
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def hostile_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with two roots; HEAD changes `payments` to put a bucket in us-east-1. Its
    .git/config then names a program for every hook git offers a diff."""
    repo, scripts, canaries = tmp_path / "repo", tmp_path / "scripts", tmp_path / "canaries"
    for folder in (repo / "payments", repo / "search", scripts, canaries):
        folder.mkdir(parents=True)
    (repo / "payments" / "main.tf").write_text(EU + 'resource "aws_s3_bucket" "ledger" {\n  bucket = "ledger"\n}\n')
    (repo / "search" / "main.tf").write_text(EU + 'resource "aws_s3_bucket" "index" {\n  bucket = "index"\n}\n')
    (repo / ".gitattributes").write_text("*.tf diff=show filter=lfsish\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "payments" / "main.tf").write_text(
        EU + 'provider "aws" {\n  alias  = "us"\n  region = "us-east-1"\n  allowed_account_ids = ["111122223333"]\n}\n\n'
        'resource "aws_s3_bucket" "ledger" {\n  provider = aws.us\n  bucket   = "ledger"\n}\n')
    _git(repo, "commit", "-q", "-am", "move the ledger")
    hooks = repo / ".git" / "hooks"
    (hooks / "post-index-change").write_text(f'#!/bin/sh\ntouch "{canaries}/post-index-change"\n')
    (hooks / "post-index-change").chmod(0o755)
    with (repo / ".git" / "config").open("a") as config:
        config.write(f"""[core]
\tfsmonitor = {_script(scripts, "fsmonitor", canaries)}
\tpager = {_script(scripts, "pager", canaries)}
[diff]
\texternal = {_script(scripts, "external", canaries)}
[diff "show"]
\ttextconv = {_script(scripts, "textconv", canaries)}
\tcommand = {_script(scripts, "external", canaries)}
[filter "lfsish"]
\tclean = {_script(scripts, "clean", canaries)}
\tsmudge = {_script(scripts, "smudge", canaries)}
\trequired = true
""")
    # stat-dirty working files make git hash them (the path that runs clean filters)
    for name in ("payments/main.tf", "search/main.tf"):
        os.utime(repo / name, (1, 1))
    return repo, canaries


def _scan(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from analyzer.cli import app; app()", "scan", ".", "-f", "json",
                           "--no-cache", "--region", "eu-west-1", *args], cwd=repo, capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, **(env or {})})


def test_changed_from_runs_nothing_the_repository_config_names(hostile_repo: tuple[Path, Path]) -> None:
    repo, canaries = hostile_repo
    done = _scan(repo, "--changed-from", "HEAD~1")
    assert sorted(p.name for p in canaries.iterdir()) == []
    assert done.returncode == 1, done.stderr
    assert "changed since HEAD~1: 1 Terraform root, 0 charts, 0 manifests, 0 plans: payments" in done.stderr
    findings = [(f["rule_id"], f["address"], f["file"], f["line"]) for f in json.loads(done.stdout)["findings"]]
    assert findings == [("CKV_RES_1", "aws_s3_bucket.ledger", "payments/main.tf", 12)]


def test_git_environment_of_the_caller_does_not_redirect_git(hostile_repo: tuple[Path, Path], tmp_path: Path) -> None:
    repo, canaries = hostile_repo
    other = tmp_path / "other"
    other.mkdir()
    _git(other, "init", "-q")
    done = _scan(repo, "--changed-from", "HEAD~1", env={"GIT_DIR": str(other / ".git"), "GIT_WORK_TREE": str(other)})
    assert done.returncode == 1, done.stderr
    assert "1 Terraform root, 0 charts, 0 manifests, 0 plans: payments" in done.stderr
    assert sorted(p.name for p in canaries.iterdir()) == []


def test_a_ref_that_looks_like_an_option_is_refused(hostile_repo: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = hostile_repo
    target = tmp_path / "written-by-git"
    done = _scan(repo, f"--changed-from=--output={target}")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == f"error: --changed-from --output={target}: '--output={target}' is not a git ref"
    assert not target.exists()


def test_a_work_tree_elsewhere_is_refused(hostile_repo: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = hostile_repo
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with (repo / ".git" / "config").open("a") as config:
        config.write(f"[core]\n\tworktree = {elsewhere}\n")
    done = _scan(repo, "--changed-from", "HEAD~1")
    assert done.returncode == 2
    assert f"git's work tree {elsewhere} does not contain {repo}" in done.stderr
