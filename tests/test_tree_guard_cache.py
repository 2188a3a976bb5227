"""Boundary.resolve remembers where each folder resolves: one lstat per file instead of one per
ancestor, with exactly the answers (and refusals) of a full resolution."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer import tree_guard
from analyzer.tree_guard import Boundary, RefusedPath


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    deep = root / "a" / "b" / "c" / "d" / "e" / "f"
    deep.mkdir(parents=True)
    for index in range(40):
        (deep / f"f{index}.tf").write_text("# x\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[credential]\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text("# secret\n")
    (root / "linked").symlink_to(root / "a" / "b")             # a folder link inside
    (root / "away").symlink_to(outside)                          # a folder link out
    (deep / "leak.tf").symlink_to(outside / "secret.tf")         # a file link out, in a cached folder
    (deep / "git.tf").symlink_to(root / ".git" / "config")       # a file link into .git
    (deep / "dangling.tf").symlink_to(deep / "nothing.tf")
    (deep / "loop.tf").symlink_to(deep / "loop.tf")
    (deep / "alias.tf").symlink_to(deep / "f1.tf")               # a file link inside
    return root


def _outcome(boundary: Boundary, path: Path) -> str:
    try:
        return str(boundary.resolve(path))
    except RefusedPath as err:
        return f"refused: {err}"


def test_many_files_of_one_folder_cost_one_lstat_each(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    boundary = Boundary.for_scan(repo)
    deep = repo / "a" / "b" / "c" / "d" / "e" / "f"
    boundary.resolve(deep / "f0.tf")  # learns the folder
    expected = [(deep / f"f{index}.tf").resolve() for index in range(1, 40)]
    calls: list[str] = []
    real_lstat = os.lstat

    def counting(path: object, *args: object, **kwargs: object) -> os.stat_result:
        calls.append(str(path))
        return real_lstat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tree_guard.os, "lstat", counting)
    monkeypatch.setattr(os, "lstat", counting)
    assert [boundary.resolve(deep / f"f{index}.tf") for index in range(1, 40)] == expected
    assert len(calls) == 39


@pytest.mark.parametrize("relative", [
    "a/b/c/d/e/f/f3.tf", "linked/c/d/e/f/f3.tf", "a/b/c/d/e/f/alias.tf", "a/b/c/d/e/f/leak.tf",
    "a/b/c/d/e/f/git.tf", "a/b/c/d/e/f/dangling.tf", "a/b/c/d/e/f/loop.tf", "a/b/c/d/e/f/missing.tf",
    "away/secret.tf", ".git/config", "a/b/c/d/e/f/../f/f5.tf", "a/b/c/d/e/f/..", "linked/c/../c/d",
    "a/b/c/d/e/f/f3.tf/under", "a/b/c/d/e/f",
])
def test_cached_answers_are_the_full_resolutions(repo: Path, relative: str) -> None:
    warm = Boundary.for_scan(repo)
    for name in ("f0.tf", "f1.tf", "leak.tf"):  # every folder on the way is known first
        _outcome(warm, repo / "a" / "b" / "c" / "d" / "e" / "f" / name)
        _outcome(warm, repo / "linked" / "c" / "d" / "e" / "f" / name)
    cold = Boundary.for_scan(repo)
    cold_answer = _outcome_uncached(cold, repo / relative)
    assert _outcome(warm, repo / relative) == cold_answer
    assert _outcome(warm, repo / relative) == cold_answer  # and again, from the cache


def _outcome_uncached(boundary: Boundary, path: Path) -> str:
    try:
        real = boundary._resolve_uncached(path, None)
    except RefusedPath as err:
        return f"refused: {err}"
    if not boundary.contains(real):
        return f"refused: {tree_guard._outside_message(path, str(path), real, boundary)}"
    return str(real)


def test_leaks_through_a_cached_folder_stay_refused(repo: Path) -> None:
    boundary = Boundary.for_scan(repo)
    deep = repo / "a" / "b" / "c" / "d" / "e" / "f"
    boundary.resolve(deep / "f0.tf")
    with pytest.raises(RefusedPath, match="points outside the scanned tree"):
        boundary.resolve(deep / "leak.tf")
    with pytest.raises(RefusedPath, match="leads into a .git folder"):
        boundary.resolve(deep / "git.tf")
    with pytest.raises(RefusedPath, match="points outside the scanned tree"):
        boundary.resolve(repo / "away" / "secret.tf")
    boundary.resolve(deep / "f2.tf")
    with pytest.raises(RefusedPath, match="points outside the scanned tree"):
        boundary.resolve(repo / "away" / "secret.tf")
