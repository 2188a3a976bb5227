"""Parsing in two processes gives exactly what parsing in one gives, in the same order; a child
that fails costs only time; errors in either share keep their file:line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.terraform.loader import _parse_job, load_tree
from analyzer.terraform.parallel_parse import MIN_CHARS, _received, parse_all, usable_jobs

BUCKET = '''resource "aws_s3_bucket" "b{i}" {{
  bucket = "acme-{i}-${{var.env}}"  # a comment
  tags   = {{ team = "data", index = {i} }}
}}
'''


def _jobs(files: int = 60) -> list[tuple[str, str]]:
    per_file = MIN_CHARS // files + 2000
    jobs = []
    for f in range(files):
        text = ""
        i = 0
        while len(text) < per_file:
            text += BUCKET.format(i=f * 1000 + i)
            i += 1
        jobs.append((f"f{f:03}.tf", text))
    return jobs


def _shape(results: list) -> list:  # type: ignore[type-arg]
    return [(body.path, [(b.labels, b.line, sorted(b.attrs)) for b in body.blocks], message, line)
            if body is not None else (None, message, line) for body, message, line in results]


def test_two_processes_give_what_one_gives_in_the_same_order() -> None:
    jobs = _jobs()
    assert sum(len(text) for _, text in jobs) >= MIN_CHARS
    assert _shape(parse_all(jobs, _parse_job, processes=2)) == _shape(parse_all(jobs, _parse_job, processes=1))


def test_a_child_that_dies_only_costs_time() -> None:
    parent = os.getpid()

    def parse(name: str, text: str) -> tuple[str, int]:
        if os.getpid() != parent:
            os._exit(9)  # the child dies before sending anything
        return name, len(text)

    jobs = _jobs()
    assert parse_all(jobs, parse, processes=2) == [(name, len(text)) for name, text in jobs]


def test_a_garbled_or_short_message_is_not_used() -> None:
    assert _received(b"not a pickle", 3) is None
    assert _received(b"\x80\x05\x95\x03", 3) is None  # truncated
    import pickle
    assert _received(pickle.dumps([1, 2]), 3) is None  # one result missing
    assert _received(pickle.dumps([1, 2, 3]), 3) == [1, 2, 3]


def test_small_trees_and_jobs_1_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("a small tree was parsed in a second process")

    monkeypatch.setattr(os, "fork", no_fork)
    assert parse_all([("a.tf", "x = 1\n"), ("b.tf", "y = 2\n")], lambda n, t: n, processes=2) == ["a.tf", "b.tf"]
    monkeypatch.setenv("RESIDENCY_JOBS", "1")
    assert usable_jobs() == 1


def test_a_syntax_error_in_the_childs_share_keeps_its_file_and_line(tmp_path: Path) -> None:
    for name, text in _jobs():
        (tmp_path / name).write_text(text)
    (tmp_path / "zz-broken.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "a"\n  tags = {\n')
    tree = load_tree(tmp_path)
    assert [(e.file, e.line, e.message.split(":")[0]) for e in tree.errors] == [("zz-broken.tf", 3, "syntax error")]
    assert len(tree.parsed_paths) == 60
