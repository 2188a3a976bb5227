"""The shared boundary every input format reads through (analyzer/tree_guard.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from analyzer.tree_guard import Boundary, RefusedPath, operator_file, read_regular_file


@pytest.fixture()
def layout(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "modules" / "m").mkdir(parents=True)
    (repo / "modules" / "m" / "main.tf").write_text("# module\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "credentials.json").write_text('{"token": "tfc-TOKEN-123"}')
    return repo, outside


def test_boundary_is_the_scanned_folder_without_a_repository(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    assert Boundary.for_scan(repo / "infra").root == (repo / "infra").resolve()


def test_boundary_is_the_enclosing_work_tree(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    (repo / ".git").mkdir()
    boundary = Boundary.for_scan(repo / "infra")
    assert boundary.root == repo.resolve()
    assert boundary.resolve(repo / "infra" / ".." / "modules" / "m" / "main.tf") == (repo / "modules/m/main.tf").resolve()


def test_symlink_out_of_the_tree_is_refused_naming_the_link_not_the_content(layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    link = repo / "infra" / "zz.auto.tfvars.json"
    link.symlink_to(outside / "credentials.json")
    boundary = Boundary.for_scan(repo / "infra")
    with pytest.raises(RefusedPath) as err:
        boundary.read_bytes(link, shown="zz.auto.tfvars.json")
    assert "symlink zz.auto.tfvars.json points outside the scanned tree" in str(err.value)
    assert "TOKEN" not in str(err.value)


def test_link_to_root_and_into_git_are_refused(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    (repo / ".git").mkdir()
    (repo / ".git" / "config").write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (repo / "infra" / "root").symlink_to("/")
    (repo / "infra" / "git.tfvars").symlink_to("../.git/config")
    boundary = Boundary.for_scan(repo)
    with pytest.raises(RefusedPath, match="points outside the scanned tree"):
        boundary.resolve(repo / "infra" / "root")
    with pytest.raises(RefusedPath, match="leads into a .git folder"):
        boundary.read_bytes(repo / "infra" / "git.tfvars")


def test_loops_and_dangling_links_are_refused(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    (repo / "a.tf").symlink_to("b.tf")
    (repo / "b.tf").symlink_to("a.tf")
    (repo / "gone.tf").symlink_to("nowhere.tf")
    boundary = Boundary.for_scan(repo)
    with pytest.raises(RefusedPath, match="symlink loop"):
        boundary.read_bytes(repo / "a.tf")
    with pytest.raises(RefusedPath, match="dangling symlink: .*gone.tf -> nowhere.tf"):
        boundary.read_bytes(repo / "gone.tf")


def test_fifo_and_device_are_refused_without_blocking(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    os.mkfifo(repo / "main.tf")
    (repo / "zero.tf").symlink_to("/dev/zero")
    boundary = Boundary.for_scan(repo)
    done: list[str] = []

    def read() -> None:
        try:
            boundary.read_bytes(repo / "main.tf", shown="main.tf")
        except RefusedPath as err:
            done.append(str(err))

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert done == ["main.tf is a named pipe, not a regular file; never read, not analyzed"]
    with pytest.raises(RefusedPath, match="outside the scanned tree"):
        boundary.read_bytes(repo / "zero.tf")


def test_size_cap(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    (repo / "big.tf").write_bytes(b"#" * 2048)
    with pytest.raises(RefusedPath, match="over the 0 MB limit"):
        Boundary.for_scan(repo).read_bytes(repo / "big.tf", max_bytes=1024)


def test_operator_files_may_live_outside_but_not_through_a_planted_link(layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    boundary = Boundary.for_scan(repo)
    assert operator_file(outside / "credentials.json", boundary, what="--var-file") == (outside / "credentials.json").resolve()
    (repo / "prod.tfvars").symlink_to(outside / "credentials.json")
    with pytest.raises(RefusedPath, match="points outside the scanned tree"):
        operator_file(repo / "prod.tfvars", boundary, what="--var-file")
    os.mkfifo(outside / "pipe")
    real = operator_file(outside / "pipe", boundary, what="--values")
    with pytest.raises(RefusedPath, match="--values pipe is a named pipe, not a regular file"):
        read_regular_file(real, "--values pipe")


def test_without_a_repository_the_refusal_says_how_to_include_a_sibling(layout: tuple[Path, Path]) -> None:
    repo, _ = layout  # no .git: the scanned folder is the boundary
    boundary = Boundary.for_scan(repo / "infra")
    assert boundary.repository is False
    with pytest.raises(RefusedPath) as err:
        boundary.resolve(repo / "infra" / ".." / "modules" / "m", shown="../modules/m")
    assert str(err.value) == ("../modules/m is outside the scanned tree; never read, not analyzed (no enclosing git "
                              "repository, so the scanned folder is the boundary: scan the repository's top folder "
                              "to include it)")
