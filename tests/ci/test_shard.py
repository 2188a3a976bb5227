"""`residency scan --shard K/N` and `residency merge`: the merged shards are the full scan.

Every format of the merge of 1, 2, 3 and 7 shards must equal the full scan's byte for byte,
with the same exit code, on the fixtures tree (Terraform roots with shared modules, plans next
to their sources, Helm charts whose references name Terraform resources, manifests, broken
inputs) and on a generated estate (bench/estate).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import SCAN_FORMATS, app
from analyzer.shard import TOLERANCE, ShardError, Unit, assign, parse_spec
from bench.estate.generate import generate_estate
from tests.conftest import FIXTURES

SHARD_COUNTS = (1, 2, 3, 7)


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def _outputs(prefix: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, bytes]]:
    """Run `prefix` writing every scan format to its own file; (exit code, format -> bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    args = list(prefix)
    for fmt in SCAN_FORMATS:
        args += ["-f", fmt, "-o", str(folder / fmt)]
    code, _out, err = run(args, monkeypatch)
    assert code in (0, 1), err
    return code, {fmt: (folder / fmt).read_bytes() for fmt in SCAN_FORMATS}


def _shards(tree: Path, count: int, folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    results = []
    for k in range(1, count + 1):
        result = folder / f"shard-{k}-of-{count}.json"
        code, _out, err = run(["scan", str(tree), "--no-cache", "--shard", f"{k}/{count}", "-f", "json",
                               "-o", str(result)], monkeypatch)
        assert code == 0, err  # a shard never gates the build: the merge does
        assert f"shard {k}/{count}: scanned " in err
        results.append(result)
    return results


def _assert_merges_equal_full_scan(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full_code, full = _outputs(["scan", str(tree), "--no-cache"], tmp_path / "full", monkeypatch)
    assert full_code == 1 and b'"findings": [\n' in full["json"]  # a tree with findings: nothing trivial
    for count in SHARD_COUNTS:
        results = _shards(tree, count, tmp_path / f"shards-{count}", monkeypatch)
        scanned = [json.loads(r.read_text())["shard"]["scanned"] for r in results]
        units = json.loads(results[0].read_text())["shard"]["units"]
        assert sorted(u for part in scanned for u in part) == sorted({u for part in scanned for u in part})
        assert sum(len(part) for part in scanned) == units  # each unit in exactly one shard
        if count > 1:
            assert sum(1 for part in scanned if part) > 1  # the work is really split
        code, merged = _outputs(["merge", *map(str, reversed(results))], tmp_path / f"merged-{count}", monkeypatch)
        assert code == full_code, count
        for fmt in SCAN_FORMATS:
            assert merged[fmt] == full[fmt], f"{fmt} differs after merging {count} shard(s)"


def test_merged_shards_equal_full_scan_on_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_merges_equal_full_scan(FIXTURES, tmp_path, monkeypatch)


def test_merged_shards_equal_full_scan_on_generated_estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    estate = tmp_path / "estate"
    stats = generate_estate(estate, 160)
    assert stats.roots >= 6
    _assert_merges_equal_full_scan(estate, tmp_path, monkeypatch)


def test_merged_html_review_equals_the_report_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, full, err = run(["report", str(FIXTURES), "--no-cache", "-f", "html"], monkeypatch)
    assert code == 0, err
    results = _shards(FIXTURES, 3, tmp_path, monkeypatch)
    merged_code, merged, _ = run(["merge", *map(str, results), "-f", "html", "--soft-fail"], monkeypatch)
    assert merged_code == 0 and merged == full and "<html" in merged


def test_merge_json_summary_and_exit_code_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = FIXTURES / "terraform"
    code, out, _ = run(["scan", str(tree), "--no-cache", "-f", "json"], monkeypatch)
    results = _shards(tree, 2, tmp_path, monkeypatch)
    merged_code, merged, _ = run(["merge", *map(str, results), "-f", "json"], monkeypatch)
    assert (merged_code, json.loads(merged)["summary"]) == (code, json.loads(out)["summary"])
    assert "shard" not in json.loads(merged)  # the merged JSON is the full scan's, nothing more


def test_soft_fail_and_clean_merge_exit_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = _shards(FIXTURES / "terraform", 2, tmp_path, monkeypatch)
    assert run(["merge", *map(str, results), "-f", "json", "--soft-fail"], monkeypatch)[0] == 0
    clean = _shards(FIXTURES / "clean" / "aws", 2, tmp_path / "clean", monkeypatch)
    code, out, _ = run(["merge", *map(str, clean)], monkeypatch)
    assert code == 0 and "No residency findings" in out


def test_merge_refuses_a_missing_or_repeated_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two, three = _shards(FIXTURES / "terraform", 3, tmp_path, monkeypatch)
    code, _, err = run(["merge", str(one), str(three)], monkeypatch)
    assert code == 2
    assert "error: missing shard result(s) 2/3: a merge needs every shard" in err
    code, _, err = run(["merge", str(one), str(two), str(three), str(two)], monkeypatch)
    assert code == 2 and "are both shard 2/3" in err


def test_merge_refuses_shards_of_different_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, _two = _shards(FIXTURES / "terraform", 2, tmp_path / "a", monkeypatch)
    result = tmp_path / "other.json"
    run(["scan", str(FIXTURES / "terraform"), "--no-cache", "--region", "eu-central-1", "--shard", "2/2",
         "-f", "json", "-o", str(result)], monkeypatch)
    code, _, err = run(["merge", str(one), str(result)], monkeypatch)
    assert code == 2 and "are not shards of the same scan (settings differs)" in err


def test_merge_refuses_shards_built_with_other_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = FIXTURES / "terraform" / "aws_tfvars_precedence"
    one, _two = _shards(tree, 2, tmp_path / "a", monkeypatch)
    other = tmp_path / "other.json"
    run(["scan", str(tree), "--no-cache", "--var", "region=eu-central-1", "--shard", "2/2", "-f", "json", "-o", str(other)],
        monkeypatch)
    code, _, err = run(["merge", str(one), str(other)], monkeypatch)
    assert code == 2 and "are not shards of the same scan (build_digest differs)" in err


def test_baseline_given_to_the_shards_is_applied_by_the_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = FIXTURES / "terraform"
    baseline = tmp_path / "baseline.json"
    assert run(["baseline", str(tree), "--no-cache", "-o", str(baseline)], monkeypatch)[0] == 0
    code, full, _ = run(["scan", str(tree), "--no-cache", "--baseline", str(baseline), "-f", "json"], monkeypatch)
    results = []
    for k in (1, 2, 3):
        result = tmp_path / f"s{k}.json"
        run(["scan", str(tree), "--no-cache", "--baseline", str(baseline), "--shard", f"{k}/3", "-f", "json",
             "-o", str(result)], monkeypatch)
        results.append(result)
    merged_code, merged, _ = run(["merge", *map(str, results), "-f", "json"], monkeypatch)
    assert (merged_code, merged) == (code, full) == (0, full)
    assert json.loads(merged)["summary"]["findings"] == 0 and json.loads(merged)["summary"]["suppressed"] > 10


def test_merge_refuses_a_plain_scan_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain.json"
    run(["scan", str(FIXTURES / "terraform"), "--no-cache", "-f", "json", "-o", str(plain)], monkeypatch)
    code, _, err = run(["merge", str(plain)], monkeypatch)
    assert code == 2
    assert f"error: {plain}: not a shard result (write one with `residency scan --shard K/N -f json -o FILE`)" in err


@pytest.mark.parametrize(("spec", "message"), [
    ("3", "--shard 3: expected K/N, e.g. 2/3 (shard 2 of 3)"),
    ("0/3", "--shard 0/3: expected K/N"),
    ("4/3", "--shard 4/3: K must be between 1 and N"),
])
def test_bad_shard_spec_is_a_usage_error(spec: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(["scan", str(FIXTURES / "terraform"), "--shard", spec, "-f", "json"], monkeypatch)
    assert code == 2 and message in err


def test_shard_needs_json_and_no_changed_from(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(["scan", str(FIXTURES / "terraform"), "--shard", "1/2", "-f", "sarif"], monkeypatch)
    assert code == 2 and "--shard 1/2 writes a partial result for `residency merge`: use -f json -o FILE" in err
    code, _, err = run(["scan", str(FIXTURES / "terraform"), "--shard", "1/2", "-f", "json", "--changed-from", "HEAD"],
                       monkeypatch)
    assert code == 2 and "--shard and --changed-from cannot be combined" in err


def test_parse_spec() -> None:
    assert parse_spec(" 2/3 ") == (2, 3)
    with pytest.raises(ShardError):
        parse_spec("1/0")


def _units(sizes: dict[str, int]) -> list[Unit]:
    return [Unit("terraform", path, size) for path, size in sorted(sizes.items())]


def test_assignment_is_balanced_within_the_tolerance() -> None:
    sizes = {f"live/team{i}/env{j}": 1000 + 137 * ((i * 7 + j) % 11) for i in range(20) for j in range(3)}
    units = _units(sizes)
    for count in (2, 3, 7):
        owner = assign(units, count)
        load = [0] * count
        for u in units:
            load[owner[u.key]] += u.size
        assert max(load) <= sum(load) / count * (1 + TOLERANCE)
        assert assign(list(reversed(units)), count) == owner  # the order units are met in does not matter


def test_one_root_changing_moves_no_other_unit() -> None:
    sizes = {f"live/team{i}/env{j}": 1000 + 137 * ((i * 7 + j) % 11) for i in range(20) for j in range(3)}
    before = assign(_units(sizes), 3)
    sizes["live/team4/env1"] += 300  # an edit to one root
    after = assign(_units(sizes), 3)
    assert {k: v for k, v in after.items() if k[1] != "live/team4/env1"} == \
        {k: v for k, v in before.items() if k[1] != "live/team4/env1"}
    sizes["live/new/prod"] = 1200  # a new root
    grown = assign(_units(sizes), 3)
    moved = [k for k, v in before.items() if grown[k] != v]
    assert moved == []


def test_a_unit_larger_than_the_mean_stays_home_and_the_rest_balance() -> None:
    units = _units({"big": 10_000, **{f"small{i}": 100 for i in range(30)}})
    owner = assign(units, 3)
    big = owner[("terraform", "big")]
    assert sum(u.size for u in units if owner[u.key] == big) == 10_000  # nothing else joins the biggest


def test_merge_refuses_a_tampered_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = _shards(FIXTURES / "terraform" / "multi_root", 2, tmp_path, monkeypatch)
    data = json.loads(two.read_text())
    data["shard"]["index"] = 5
    two.write_text(json.dumps(data))
    code, _, err = run(["merge", str(one), str(two)], monkeypatch)
    assert code == 2 and f"error: {two}: shard index 5 is not between 1 and 2" in err
    data["shard"]["index"] = 2
    data["shard"]["pieces"][0]["inventory"] = {"rows": [{"address": 3}]}
    two.write_text(json.dumps(data))
    code, _, err = run(["merge", str(one), str(two)], monkeypatch)
    assert code == 2 and f"error: {two}: unreadable shard piece" in err
    two.write_text("{")
    code, _, err = run(["merge", str(one), str(two)], monkeypatch)
    assert code == 2 and f"error: {two}: not a JSON result" in err
