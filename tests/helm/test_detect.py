from __future__ import annotations

from pathlib import Path

from analyzer.helm import find_manifests, is_manifest_candidate
from analyzer.helm.detect import sniff

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_candidates(tmp_path: Path) -> None:
    assert is_manifest_candidate(tmp_path / "a.yaml")
    assert is_manifest_candidate(tmp_path / "a.yml")
    assert not is_manifest_candidate(tmp_path / "a.json")
    assert not is_manifest_candidate(tmp_path / "Chart.yaml")
    assert not is_manifest_candidate(tmp_path / "values.yaml")
    assert not is_manifest_candidate(tmp_path / "values-prod.yml")
    assert not is_manifest_candidate(tmp_path / "residency.yaml")
    _write(tmp_path / "chart" / "Chart.yaml", "name: c\n")
    assert not is_manifest_candidate(tmp_path / "chart" / "templates" / "deploy.yaml")
    assert is_manifest_candidate(tmp_path / "other" / "templates" / "deploy.yaml")


def test_sniff(tmp_path: Path) -> None:
    assert sniff(_write(tmp_path / "pod.yaml", POD))
    assert sniff(_write(tmp_path / "flow.yaml", '{"apiVersion": "v1", "kind": "Pod"}\n'))
    assert sniff(_write(tmp_path / "list.yaml", "items:\n  - apiVersion: v1\n    kind: Pod\n"))
    assert not sniff(_write(tmp_path / "ci.yml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"))
    assert not sniff(_write(tmp_path / "half.yaml", "kind: thing\n"))
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01")
    assert sniff(tmp_path / "bin.yaml")  # cannot be judged: kept, so the scan reports it


def test_find_manifests_skips_charts_and_tool_folders(tmp_path: Path) -> None:
    _write(tmp_path / "rendered" / "b.yaml", POD)
    _write(tmp_path / "rendered" / "a.yml", POD)
    _write(tmp_path / "rendered" / "values.yaml", POD)
    _write(tmp_path / "rendered" / "notes.yaml", "title: not kubernetes\n")
    _write(tmp_path / "chart" / "Chart.yaml", "apiVersion: v2\nname: c\n")
    _write(tmp_path / "chart" / "templates" / "pod.yaml", POD)
    _write(tmp_path / "chart" / "ci" / "pod.yaml", POD)
    for skipped in (".git", ".terraform", "node_modules"):
        _write(tmp_path / skipped / "pod.yaml", POD)
    found = [p.relative_to(tmp_path).as_posix() for p in find_manifests(tmp_path)]
    assert found == ["rendered/a.yml", "rendered/b.yaml"]
    assert find_manifests(tmp_path / "rendered" / "b.yaml") == [tmp_path / "rendered" / "b.yaml"]
    assert find_manifests(tmp_path / "chart" / "Chart.yaml") == []
    assert find_manifests(tmp_path / "chart") == []
