"""Differential test against HashiCorp's own HCL parser (pygohcl wraps hashicorp/hcl).

For every `.tf`/`.tfvars` fixture and for generated files that combine the forms our old
grammar rejected, both parsers must agree on the blocks (type and labels), the attribute
names, and every value both represent unambiguously: literals (strings, numbers, bools,
null) and lists/objects of literals. pygohcl renders other expressions back to text, so
those are compared by presence only. A file HashiCorp's parser rejects must be rejected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.hcl import ast
from analyzer.hcl.parse import HclSyntaxError, parse_file_text

pygohcl = pytest.importorskip("pygohcl")

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SKIP = object()  # a value only one side represents as a literal


def _literal(expr: ast.Expr) -> Any:
    if isinstance(expr, ast.Literal):
        return expr.value
    if isinstance(expr, ast.Unary) and expr.op == "-" and isinstance(expr.operand, ast.Literal) \
            and isinstance(expr.operand.value, (int, float)) and not isinstance(expr.operand.value, bool):
        return -expr.operand.value
    if isinstance(expr, ast.TupleExpr):
        items = [_literal(item) for item in expr.items]
        return SKIP if any(item is SKIP for item in items) else items
    if isinstance(expr, ast.ObjectExpr):
        out: dict[str, Any] = {}
        for key, value in expr.items:
            if not isinstance(key, ast.Literal) or not isinstance(key.value, str):
                return SKIP
            out[key.value] = _literal(value)
            if out[key.value] is SKIP:
                return SKIP
        return out
    return SKIP


def _shape(blocks: list[ast.Block], attrs: dict[str, ast.Attribute]) -> dict[str, Any]:
    """Our tree in pygohcl's dict shape: labels nest, repeated blocks become a list."""
    out: dict[str, Any] = {name: _literal(attribute.expr) for name, attribute in attrs.items()}
    grouped: dict[str, dict[str, Any]] = {}
    for block in blocks:
        node = grouped.setdefault(block.type, {})
        for label in block.labels:
            node = node.setdefault(label, {})
        node.setdefault("\0bodies", []).append(_shape(block.blocks, block.attrs))
    for type_, tree in grouped.items():
        out[type_] = _collapse(tree)
    return out


def _collapse(node: dict[str, Any]) -> Any:
    if "\0bodies" in node:
        bodies = node["\0bodies"]
        return bodies[0] if len(bodies) == 1 else bodies
    return {label: _collapse(child) for label, child in node.items()}


def _agree(ours: Any, theirs: Any, where: str) -> None:
    if ours is SKIP:
        return
    if isinstance(theirs, str) and theirs.startswith("(") and theirs.endswith(")") and ours != theirs:
        return  # pygohcl renders a parenthesized expression as text, even `("literal")`
    if isinstance(ours, bool) or ours is None or isinstance(ours, str):
        assert type(theirs) is type(ours) and theirs == ours, f"{where}: ours {ours!r}, HashiCorp's {theirs!r}"
    elif isinstance(ours, (int, float)):
        assert isinstance(theirs, (int, float)) and not isinstance(theirs, bool) and theirs == ours, \
            f"{where}: ours {ours!r}, HashiCorp's {theirs!r}"
    elif isinstance(ours, list):
        assert isinstance(theirs, list) and len(theirs) == len(ours), f"{where}: ours {ours!r}, HashiCorp's {theirs!r}"
        for index, (a, b) in enumerate(zip(ours, theirs)):
            _agree(a, b, f"{where}[{index}]")
    else:
        assert isinstance(theirs, dict) and sorted(theirs) == sorted(ours), \
            f"{where}: keys differ: ours {sorted(ours)}, HashiCorp's {sorted(theirs) if isinstance(theirs, dict) else theirs!r}"
        for key in ours:
            _agree(ours[key], theirs[key], f"{where}.{key}")


def assert_same_as_hashicorp(text: str, name: str = "main.tf") -> None:
    try:
        theirs = pygohcl.loads(text)
    except pygohcl.HCLParseError:
        with pytest.raises(HclSyntaxError):
            parse_file_text(text, name)
        return
    body = parse_file_text(text, name)
    _agree(_shape(body.blocks, body.attrs), theirs, name)


def _fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.name.endswith((".tf", ".tfvars")))


def test_there_are_fixtures_to_compare() -> None:
    assert len(_fixture_files()) > 200


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_fixture_parses_like_hashicorp(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
    assert_same_as_hashicorp(text, path.name)


@pytest.mark.skipif(not os.environ.get("RESIDENCY_FABRIC"), reason="set RESIDENCY_FABRIC to a cloud-foundation-fabric checkout")
def test_cloud_foundation_fabric_parses_like_hashicorp() -> None:
    # public test data, never committed: GoogleCloudPlatform/cloud-foundation-fabric (e.g. at 11c1d248)
    root = Path(os.environ["RESIDENCY_FABRIC"])
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith((".tf", ".tfvars")))
    assert len(files) > 700
    for path in files:
        assert_same_as_hashicorp(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())


# --- generated files: the forms bc-python-hcl2 rejected, combined -------------------------

ATTRIBUTES = [
    'call = merge(\n  # comment in a call\n  { a = 1 }, // another\n  /* block */ { b = "two" },\n)',
    'cond = (\n  var.x == null\n  ? "a"\n  : "b"\n)',
    'logic = (\n  var.a\n  && var.b\n  || var.c\n)',
    'exp = 1e3',
    'exps = [1E+2, 2.5e-1, 3e0, 10, 0.5, -7]',
    'unicode = "caf\\u00e9 \\U0001F600 \\t tab"',
    'escapes = "$${not} %%{not} \\"q\\" \\\\"',
    'heredoc = <<-EOT\n    one\n      two\n\n    three\n  EOT',
    'heredoc_tabs = <<-EOT\n\tone\n\t\ttwo\n\tEOT',
    'heredoc_raw = <<EOT\n  kept \\n as is\nEOT',
    'directive = "%{ if var.env == "prod" }strict%{ else }lax%{ endif }"',
    'loop = "%{ for x in ["a", "b"] ~}${x}%{ endfor }"',
    'strip = "a ${~ "b" ~} c"',
    'lone = "${"only"}"',
    'forexp = {\n  for k, v in var.m : k => v... # grouped\n  if v != null\n}',
    'list = [for s in var.l : upper(s) if s != ""]',
    'literal_index = ["a", "b"][1]',
    'literal_attr = { a = { b = true } }.a.b',
    'splat = var.l[*].id',
    'legacy = var.l.*.id',
    'nested = { a = [1, { b = null, "quoted key" = false }], c = {} }',
    'multiline = {\n  a = 1\n\n  b = 2,\n  c = [\n    "x", # item\n    "y",\n  ]\n}',
    'empty = ""',
    'ints = [0, 007, 123456789012345678901234567890]',
]
BLOCKS = [
    'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = { a = "1" }\n\n  lifecycle_rule {\n    enabled = true\n  }\n}',
    'provider "aws" {\n  region = "eu-west-1"\n}',
    'provider "aws" {\n  alias  = "dr"\n  region = "eu-central-1"\n}',
    'locals {\n  x = 1\n}',
    'variable "v" {\n  type    = map(object({ a = optional(string, "d") }))\n  default = {}\n}',
    'module "m" {\n  source = "./m"\n  providers = {\n    aws = aws.dr\n  }\n}',
    'dynamic_thing "x" {\n  dynamic "rule" {\n    for_each = var.rules\n    content {\n      id = rule.value\n    }\n  }\n}',
    'terraform {\n  required_version = ">= 1.5"\n}',
]
COMMENTS = ["", "# hash comment", "// slash comment", "/* block\n   comment */"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    attributes=st.lists(st.sampled_from(ATTRIBUTES), min_size=1, max_size=8, unique=True),
    blocks=st.lists(st.sampled_from(BLOCKS), max_size=4),
    comments=st.lists(st.sampled_from(COMMENTS), min_size=12, max_size=12),
    wrap=st.booleans(),
)
def test_generated_files_parse_like_hashicorp(attributes: list[str], blocks: list[str], comments: list[str],
                                              wrap: bool) -> None:
    pieces = [f"{comments[i % len(comments)]}\n{attribute}" for i, attribute in enumerate(attributes)]
    body = "\n".join(pieces)
    if wrap:
        body = "locals {\n" + body + "\n}"
    text = "\n\n".join([body, *blocks]) + "\n"
    assert_same_as_hashicorp(text)


@pytest.mark.parametrize("attribute", ATTRIBUTES, ids=lambda a: a.split(" ", 1)[0])
def test_each_generated_form_alone_parses_like_hashicorp(attribute: str) -> None:
    body = parse_file_text(attribute + "\n", "main.tf")
    assert len(body.attrs) == 1
    assert_same_as_hashicorp(attribute + "\n")


@pytest.mark.parametrize("text", [
    'a = "x"\na = "y"\n',
    'b {\n  a = 1\n  a = 2\n}\n',
    'a = "\\uD800"\n',
    'a = 0x10\n',
    'a = "x\\qy"\n',
    'a = [1, 2\n',
    'block "x" {\n',
], ids=["redefined", "redefined-in-block", "surrogate", "hex", "bad-escape", "unclosed-list", "unclosed-block"])
def test_what_hashicorp_rejects_we_reject(text: str) -> None:
    with pytest.raises(pygohcl.HCLParseError):
        pygohcl.loads(text)
    with pytest.raises(HclSyntaxError):
        parse_file_text(text, "main.tf")


TOKENS = [*'abcxyz_019.e+-*/%!<>=&|?:()[]{},"$%~#\\/\n \t', "${", "%{", "<<EOT\n", "\nEOT\n", "<<-EOT\n", "for ",
          " in ", "if ", "endif", "endfor", "...", "=>", "[*]", ".*", "\\u00e9", "\\uD800", "1e3", "true", "null",
          "a = ", "\nb = ", "c {\n", "\n}\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_what_hashicorp_accepts_we_accept_and_nothing_crashes(text: str) -> None:
    # we may be more lenient (a value on the line after `=`), never stricter, never crash
    try:
        parse_file_text(text, "fuzz.tf")
        ours = True
    except HclSyntaxError:
        ours = False
    try:
        pygohcl.loads(text)
    except pygohcl.HCLParseError:
        return
    assert ours, f"HashiCorp's parser accepts {text!r}"
