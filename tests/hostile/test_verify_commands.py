"""Hostile names in `residency report`'s verification commands (issue 15, item 2).

Every command of analyzer/data/verify_commands.yaml (each resource type and each cloud's
fallback) is printed for a resource whose name, region, account and parent hold shell
metacharacters, quotes, newlines, control characters and undecodable bytes, then run exactly as
printed by bash, with stub `aws`/`gcloud`/`az`/`bq`/`kubectl` first on PATH that record their
argv. Nothing may run (a canary file is never created, an unquoted `*` would show up as the
name of a planted file) and each stub must receive the intended value in the intended word.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import jmespath
import pytest

from analyzer.models import InventoryRow, Placement
from analyzer.review.commands import command_table, shell_word, verify_command

CANARY = "PWNED"
PROGRAMS = ("aws", "gcloud", "az", "bq", "kubectl")
# run in the stubs' folder: `touch PWNED` would create it there, `*` would expand to GLOBBED
HOSTILE = {
    "semicolon": f"x; touch {CANARY}; #",
    "substitution": f"$(touch {CANARY})",
    "backticks": f"`touch {CANARY}`",
    "single-quotes": f"'; touch {CANARY}; '",
    "double-quotes": f'"; touch {CANARY}; "',
    "newline": f"a\ntouch {CANARY}\n",
    "backslash-quote": f"a\\'; touch {CANARY}; #\\",
    "glob": "*",
    "mixed": f"x`\"'\\$(touch {CANARY})`'\"",
    "and-or": f"a&&touch {CANARY}||b|touch {CANARY}",
    "ifs": f"${{IFS}}touch${{IFS}}{CANARY}",
    "process-substitution": f"<(touch {CANARY})>",
    "escape-bidi": "a\x1b[2J\u202eb\x07c\t\x85\xad\x9b",
    "undecodable-byte": "bucket-\udcff-\udc80",
    "option-like": "--endpoint-url=https://evil.example",
    "jmespath-breakout": "a`)] || `x\"]`:'\\",
    "braces": "{name}{{account}}",
}


def _cloud(type_: str) -> str:
    for prefix, cloud in (("aws_", "aws"), ("google_", "gcp"), ("azurerm_", "azure"), ("helm_", "kubernetes")):
        if type_.startswith(prefix):
            return cloud
    raise AssertionError(f"no cloud for {type_}")


def _entries() -> list[tuple[str, str, dict]]:
    """(row type, cloud, entry) for every template: each type, then each cloud's fallback."""
    table = command_table()
    out = [(key, _cloud(key), entry) for key, entry in table.items() if not key.startswith("_")]
    out += [(f"{cloud}_not_in_the_table", cloud, entry) for cloud, entry in table["_fallback"].items()]
    return out


ENTRIES = _entries()


def _row(type_: str, cloud: str, value: str | None, address: str | None = None) -> InventoryRow:
    return InventoryRow(
        address=address or f"{type_}.this",
        type=type_,
        kind="bucket",
        cloud=cloud,  # type: ignore[arg-type]
        region=Placement(value=f"R{value}" if value is not None else None,
                         status="resolved" if value is not None else "unknown"),
        account=Placement(value=f"A{value}" if value is not None else None,
                          status="resolved" if value is not None else "unknown"),
        file="main.tf",
        line=1,
        name=f"N{value}" if value is not None else None,
        parent="parent.this",
    )


def _stubs(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in PROGRAMS:
        stub = bin_dir / program
        stub.write_text('#!/bin/sh\nprintf \'%s\\0\' "${0##*/}" "$@" >> "$ARGV_DIR/$CALL"\n', encoding="utf-8")
        stub.chmod(0o755)
    return bin_dir


def _run_all(tmp_path: Path, commands: list[str]) -> tuple[Path, Path]:
    """Run every command as printed, one per line, in one bash; each call's argv lands in
    argv/<index>. Returns (working folder, argv folder)."""
    bin_dir = _stubs(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / "GLOBBED").write_text("", encoding="utf-8")
    argv_dir = tmp_path / "argv"
    argv_dir.mkdir()
    script = "".join(f"export CALL={i}\n{command}\n" for i, command in enumerate(commands))
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "ARGV_DIR": str(argv_dir), "LC_ALL": "C.UTF-8", "HOME": str(work)}
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return work, argv_dir


def _calls(argv_dir: Path, index: int) -> list[list[bytes]]:
    path = argv_dir / str(index)
    if not path.exists():
        return []
    raw = path.read_bytes()
    assert raw.endswith(b"\0")
    words = raw[:-1].split(b"\0")
    return [words]  # one printf per call; a second call would show as a longer list


_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _literals(node: object) -> list[object]:
    """Every literal value in a parsed JMESPath AST."""
    if isinstance(node, dict):
        found = [node["value"]] if node.get("type") == "literal" else []
        return found + [v for child in node.get("children", []) for v in _literals(child)]
    return []


def _check_word(template: str, got: str, values: dict[str, str]) -> None:
    """The received word is the template with each value in place, read back by the word's
    own language (JMESPath, JSON, Cloud Asset phrase) where it sits in one."""
    literal = template.replace("{{", "\x01").replace("}}", "\x02")
    fields = _FIELD.findall(literal)
    contexts = {context for _, context in fields}
    if contexts <= {""}:
        expected = _FIELD.sub(lambda m: values[m.group(1)], literal).replace("\x01", "{").replace("\x02", "}")
        assert got == expected
    elif contexts == {"jmespath"}:
        assert set(_literals(jmespath.compile(got).parsed)) >= {values[f] for f, _ in fields}
    elif contexts == {"json"}:
        assert json.loads(got) == [{"Key": "Name", "Values": [values["name"]]}]
    elif contexts == {"asset"}:
        prefix, _, phrase = got.partition('"')
        assert prefix == "--query=name:" and phrase.endswith('"')
        assert re.sub(r"\\(.)", r"\1", phrase[:-1]) == values["name"]
    else:
        raise AssertionError(f"untested context in {template!r}")


def test_every_template_is_covered() -> None:
    assert len(ENTRIES) >= 60
    assert {key for key, _, _ in ENTRIES if key.endswith("_not_in_the_table")} == {
        "aws_not_in_the_table", "gcp_not_in_the_table", "azure_not_in_the_table",
        "kubernetes_not_in_the_table", "unknown_not_in_the_table"}


@pytest.mark.parametrize("hostile", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_values_reach_the_program_intact_and_run_nothing(tmp_path: Path, hostile: str) -> None:
    rows = [(entry, _row(type_, cloud, hostile)) for type_, cloud, entry in ENTRIES]
    commands = [verify_command(row, parent_name=f"P{hostile}") for _, row in rows]
    for command in commands:
        assert "\n" not in command.command  # one line each: a fence, a copy-paste, a shell line
    work, argv_dir = _run_all(tmp_path, [c.command for c in commands])
    assert not (work / CANARY).exists()
    values = {"name": f"N{hostile}", "region": f"R{hostile}", "account": f"A{hostile}", "parent": f"P{hostile}"}
    for index, ((entry, row), command) in enumerate(zip(rows, commands)):
        calls = _calls(argv_dir, index)
        if "comment" in entry:
            assert calls == [] and command.command.startswith("# "), row.type
            continue
        assert len(calls) == 1, (row.type, command.command)
        got = [os.fsdecode(word) for word in calls[0]]
        template = entry["argv"]
        assert got[0] == template[0] and len(got) == len(template), (row.type, command.command, got)
        assert got == list(command.argv), row.type
        asked = {field: f"<{label} of {row.address}>" for field, label in entry.get("ask", {}).items()}
        for word_template, word in zip(template[1:], got[1:]):
            _check_word(word_template, word, values | asked)


def test_placeholders_are_readable_and_inert_with_a_hostile_address(tmp_path: Path) -> None:
    address = f'aws_s3_bucket.b["$(touch {CANARY})\n`touch {CANARY}`; touch {CANARY}"]'
    rows = [(entry, _row(type_, cloud, None, address=address)) for type_, cloud, entry in ENTRIES]
    commands = [verify_command(row) for _, row in rows]
    work, argv_dir = _run_all(tmp_path, [c.command for c in commands])
    assert not (work / CANARY).exists()
    by_type = {row.type: (command, index) for index, ((_, row), command) in enumerate(zip(rows, commands))}
    command, index = by_type["aws_s3_bucket"]
    assert command.command == (
        "aws s3api get-bucket-location --bucket "
        "$'<bucket name of aws_s3_bucket.b[\"$(touch PWNED)\\n`touch PWNED`; touch PWNED\"]>'"
    )
    assert [os.fsdecode(w) for w in _calls(argv_dir, index)[0]] == [
        "aws", "s3api", "get-bucket-location", "--bucket", f"<bucket name of {address}>"]
    command, index = by_type["aws_kms_key"]
    assert f"<key id of {address}>" in [os.fsdecode(w) for w in _calls(argv_dir, index)[0]]
    command, _ = by_type["unknown_not_in_the_table"]
    assert command.command == ('# no verification command known for '
                               'aws_s3_bucket.b["$(touch PWNED)\\n`touch PWNED`; touch PWNED"]')


def test_the_issue_example_is_quoted_once() -> None:
    row = _row("aws_sns_topic", "aws", None).model_copy(
        update={"name": "x; touch /tmp/PWNED; #", "region": Placement(value="eu-west-1", status="resolved")})
    assert verify_command(row).command == (
        "aws sns list-topics --region eu-west-1 --query "
        "'Topics[?ends_with(TopicArn, join(`\"\"`, [`\":\"`, `\"x; touch /tmp/PWNED; #\"`]))].TopicArn'"
    )
    query = verify_command(row).argv[-1]
    topics = {"Topics": [{"TopicArn": "arn:aws:sns:eu-west-1:111122223333:x; touch /tmp/PWNED; #"},
                         {"TopicArn": "arn:aws:sns:eu-west-1:111122223333:other"},
                         {"TopicArn": "arn:aws:sns:eu-west-1:111122223333:ax; touch /tmp/PWNED; #"}]}
    assert jmespath.search(query, topics) == ["arn:aws:sns:eu-west-1:111122223333:x; touch /tmp/PWNED; #"]


def test_gcp_fallback_quotes_the_name_once() -> None:
    row = _row("google_unlisted", "gcp", None).model_copy(
        update={"name": "a' b\"c", "account": Placement(value="proj-1", status="resolved")})
    assert verify_command(row).command == (
        "gcloud asset search-all-resources --scope=projects/proj-1 "
        "--query='name:\"a'\"'\"' b\\\"c\"' --format='table(name,assetType,location)'"
    )


def test_shell_word() -> None:
    assert shell_word("plain-name") == "plain-name"
    assert shell_word("x; touch /tmp/PWNED; #") == "'x; touch /tmp/PWNED; #'"
    assert shell_word("it's") == "'it'\"'\"'s'"
    assert shell_word("--project=a b") == "--project='a b'"
    assert shell_word("a\nb'\\") == "$'a\\nb\\'\\\\'"
    assert shell_word("\x1b[2J\u202e") == "$'\\x1b[2J\\u202e'"
    assert shell_word("b-\udcff") == "$'b-\\xff'"
    assert shell_word("caf\u00e9\x85") == "$'caf\u00e9\\u0085'"  # in $'...', \x85 would be a raw byte


@pytest.mark.parametrize("name", ["--flags-file=flags.yaml", "-x", "--endpoint-url=https://evil.example"])
def test_a_value_cannot_become_an_option(tmp_path: Path, name: str) -> None:
    """A name starting with `-` where a word starts would be read as an option (gcloud reads
    --flags-file even after `--`): it is a placeholder there, and stays bound after `=`."""
    rows = [(entry, _row(type_, cloud, None).model_copy(update={
        "name": name, "region": Placement(value=name, status="resolved"),
        "account": Placement(value=name, status="resolved")})) for type_, cloud, entry in ENTRIES]
    commands = [verify_command(row, parent_name=name) for _, row in rows]
    _, argv_dir = _run_all(tmp_path, [c.command for c in commands])
    seen = 0
    for index, ((entry, row), command) in enumerate(zip(rows, commands)):
        for call in _calls(argv_dir, index):
            words = [os.fsdecode(word) for word in call]
            assert words == list(command.argv)
            assert not any(word.startswith(name) for word in words), (row.type, words)
            seen += sum(1 for word in words if word.endswith(f"={name}"))  # --project=-x: a value
    assert seen > 0
    gcs = next(c for (e, r), c in zip(rows, commands) if r.type == "google_secret_manager_secret")
    assert gcs.argv[:4] == ("gcloud", "secrets", "describe", "<secret id of google_secret_manager_secret.this>")
    assert gcs.argv[4] == f"--project={name}"
