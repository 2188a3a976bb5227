"""residency.yaml exceptions match the addresses the tool prints (literally, `*` the only
wildcard), need an address, and report themselves when they match nothing (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.models import Finding
from analyzer.policy import Policy, PolicyError, PolicyException, load_policy
from tests.conftest import FIXTURES

NESTED = FIXTURES / "terraform" / "aws_nested_aliases"
LATER = "2099-01-01"


def _exception(address: str, rule: str = "CKV_RES_1") -> PolicyException:
    return PolicyException(rule=rule, address=address, reason="accepted until the move", expires=dt.date(2099, 1, 1))


@pytest.mark.parametrize(("pattern", "address", "matches"), [
    ("module.scratch[0].aws_s3_bucket.this", "module.scratch[0].aws_s3_bucket.this", True),
    ('module.x["events"].aws_s3_bucket.this', 'module.x["events"].aws_s3_bucket.this', True),
    ("module.scratch[0].aws_s3_bucket.this", "module.scratch0.aws_s3_bucket.this", False),  # no character class
    ("module.scratch[01].aws_s3_bucket.this", "module.scratch[0].aws_s3_bucket.this", False),
    ("module.scratch[*].aws_s3_bucket.this", "module.scratch[3].aws_s3_bucket.this", True),
    ("aws_s3_bucket.*", 'aws_s3_bucket.stage["raw"]', True),
    ("aws_s3_bucket.?", "aws_s3_bucket.a", False),  # `?` is a character of the address, not a wildcard
    ("*", "anything at all", True),
    ("aws_s3_bucket.logs", "aws_s3_bucket.logs_archive", False),  # the whole address, not a prefix
])
def test_addresses_match_literally_with_star_as_the_only_wildcard(pattern: str, address: str, matches: bool) -> None:
    assert _exception(pattern).matches("CKV_RES_1", address) is matches
    assert _exception(pattern).matches("CKV_RES_2", address) is False


def _policy(tmp_path: Path, exceptions: str) -> Path:
    path = tmp_path / "residency.yaml"
    path.write_text(f"region: eu-west-1\nexceptions:\n{exceptions}")
    return path


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


EXCEPTIONS = f'''  - rule: CKV_RES_1
    address: module.scratch[0].aws_s3_bucket.this
    reason: scratch bucket deleted in RES-12
    expires: {LATER}
  - rule: CKV_RES_1
    address: module.platform_us.module.storage["events"].aws_s3_bucket.this
    reason: US events bucket moves with the platform
    expires: {LATER}
  - rule: CKV_RES_1
    address: module.gone.aws_s3_bucket.old
    reason: removed last quarter
    expires: {LATER}
'''


def test_printed_addresses_with_indexes_are_suppressed_and_stale_ones_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _policy(tmp_path, EXCEPTIONS)
    code, out, err = _run(["scan", str(NESTED), "--config", str(policy), "--no-cache", "-f", "json"], monkeypatch)
    assert code == 1, err
    report = json.loads(out)
    suppressed = {f["address"]: f["suppressed"] for f in report["findings"] if f["suppressed"]}
    assert suppressed == {
        "module.scratch[0].aws_s3_bucket.this": f"residency.yaml exception until {LATER}: scratch bucket deleted in RES-12",
        'module.platform_us.module.storage["events"].aws_s3_bucket.this':
            f"residency.yaml exception until {LATER}: US events bucket moves with the platform",
    }
    assert report["unused_exceptions"] == [{
        "rule": "CKV_RES_1", "address": "module.gone.aws_s3_bucket.old", "reason": "removed last quarter",
        "expires": LATER, "file": str(policy), "line": 11}]
    assert err.splitlines() == [f"warning: {policy}:11: exception CKV_RES_1 'module.gone.aws_s3_bucket.old' matched "
                                "no finding; remove it if it is stale"]


def test_no_warning_when_every_exception_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _policy(tmp_path, EXCEPTIONS.rsplit("  - rule:", 1)[0])
    code, out, err = _run(["scan", str(NESTED), "--config", str(policy), "--no-cache", "-f", "json"], monkeypatch)
    assert code == 1 and err == "" and json.loads(out)["unused_exceptions"] == []


def test_an_exception_without_address_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _policy(tmp_path, f"  - rule: CKV_RES_1\n    reason: everything is fine\n    expires: {LATER}\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(policy)
    assert str(raised.value) == (f'invalid policy: {policy}:3: exceptions.0.address: an exception needs an address: '
                                 'the resource address it suppresses, or "*" for every address')
    code, _, err = _run(["scan", str(NESTED), "--config", str(policy)], monkeypatch)
    assert code == 2 and f"{policy}:3: exceptions.0.address" in err


def test_an_explicit_star_suppresses_the_rule_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _policy(tmp_path, f'  - rule: CKV_RES_1\n    address: "*"\n    reason: migration window\n    expires: {LATER}\n')
    code, out, _ = _run(["scan", str(NESTED), "--config", str(policy), "--no-cache", "-f", "json"], monkeypatch)
    report = json.loads(out)
    assert {f["rule_id"] for f in report["findings"] if not f["suppressed"]} == {"CKV_RES_3", "CKV_RES_4"}
    assert report["unused_exceptions"] == []


def test_unused_exceptions_follow_the_findings_not_the_inventory() -> None:
    policy = Policy(exceptions=[_exception("a.b"), _exception("c.*", rule="CKV_RES_9"), _exception("*", "CKV_RES_4")])
    finding = Finding(rule_id="CKV_RES_9", rule_name="r", severity="HIGH", address="c.tf", file="c.tf", line=1, message="m")
    assert [e.describe() for e in policy.unused_exceptions([finding])] == ["CKV_RES_1 a.b", "CKV_RES_4 *"]


def test_copied_tree_scans_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the exception file next to the tree is found upward, and its line numbers are its own
    tree = Path(shutil.copytree(NESTED, tmp_path / "infra"))
    _policy(tree, EXCEPTIONS)
    code, out, err = _run(["scan", str(tree), "--no-cache", "-f", "json"], monkeypatch)
    assert json.loads(out)["unused_exceptions"][0]["line"] == 11 and "matched no finding" in err
