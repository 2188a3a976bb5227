"""Every syntax form Terraform accepts parses, at its exact line; what it rejects is an error
at the first bad line; deep and hostile inputs end in a clean error, never a crash."""

from __future__ import annotations

import pytest

from analyzer.hcl import ast
from analyzer.hcl.cst import MAX_NESTING
from analyzer.hcl.parse import HclSyntaxError, parse_expression, parse_file_text
from analyzer.terraform.evaluate import Scope, evaluate


class _Vars:
    def __init__(self, values: dict) -> None:
        self.values = values

    def resolve(self, root: str, attr: str | None, trace: object) -> object:
        return self.values[root][attr] if attr else self.values[root]


def _value(expr: ast.Expr, **names: object) -> object:
    return evaluate(expr, Scope(_Vars({"var": names})))


FABRIC_STYLE = '''\
locals {
  # comment before the first item
  labels = merge(
    var.labels, # trailing comment inside a call
    // a slash comment between arguments
    /* a block comment */ { team = "data" },
  )
  enabled = (
    var.create
    && var.region != null
    || var.force
  )
  region = (
    var.region == null
    ? "europe-west1"
    : var.region
  )
  projects = {
    for k, v in var.projects : k => v # comment in a for expression
    if v.enabled
  }
  grouped = {
    # grouped by region
    for name, p in var.projects : p.region => name...
  }
  big     = 1e3
  numbers = [1E+2, 2.5e-1, 3e0, 10]
  unicode = "caf\\u00e9 \\U0001F600"
  escaped = "$${literal} %%{literal} \\"quoted\\" back\\\\slash"
  first   = ["a", "b"][0]
  attr    = { a = { b = "deep" } }.a.b
}

resource "google_storage_bucket" "b" {
  name = "b-${var.env}"

  policy = <<-EOT
    {
      "region": "${local.region}"
    }
    EOT
  raw = <<EOT
  kept ${var.env}
EOT
  script = "%{ if var.env == "prod" }strict%{ else }lax%{ endif }"
  list   = "%{ for i, n in ["x", "y"] ~}  ${i}=${n} %{~ endfor }"
  trimmed = "a ${~ "b" ~} c"
  ids     = var.things[*].id
  legacy  = var.things.*.id
  dotted  = var.things.0.id
}
'''


def _line_of(needle: str) -> int:
    """The 1-based line of FABRIC_STYLE that starts with needle (the test's own oracle)."""
    return next(i for i, text in enumerate(FABRIC_STYLE.splitlines(), start=1) if text.startswith(needle))


@pytest.fixture(scope="module")
def body() -> ast.FileBody:
    return parse_file_text(FABRIC_STYLE, "main.tf")


@pytest.fixture(scope="module")
def local_attrs(body: ast.FileBody) -> dict[str, ast.Attribute]:
    return body.blocks[0].attrs


def test_comments_inside_calls_objects_and_for_expressions(local_attrs: dict[str, ast.Attribute]) -> None:
    labels = local_attrs["labels"]
    assert labels.line == _line_of("  labels") == 3 and isinstance(labels.expr, ast.Call) and labels.expr.line == 3
    assert _value(labels.expr, labels={"env": "p"}) == {"env": "p", "team": "data"}
    projects = local_attrs["projects"]
    assert projects.line == _line_of("  projects")
    assert _value(projects.expr, projects={"a": {"enabled": True}, "b": {"enabled": False}}) == {"a": {"enabled": True}}
    assert _value(local_attrs["grouped"].expr, projects={"x": {"region": "eu"}, "y": {"region": "eu"}}) == {"eu": ["x", "y"]}


def test_operators_at_the_start_of_continuation_lines(local_attrs: dict[str, ast.Attribute]) -> None:
    enabled, region = local_attrs["enabled"], local_attrs["region"]
    assert (enabled.line, region.line) == (_line_of("  enabled"), _line_of("  region"))
    assert isinstance(enabled.expr, ast.Binary) and enabled.expr.op == "||"
    assert _value(enabled.expr, create=True, region="x", force=False) is True
    assert isinstance(region.expr, ast.Conditional) and region.expr.line == _line_of("    var.region == null")
    assert _value(region.expr, region=None) == "europe-west1"


def test_numbers_with_exponents(local_attrs: dict[str, ast.Attribute]) -> None:
    assert local_attrs["big"].line == _line_of("  big") and local_attrs["big"].expr == ast.Literal(1000)
    assert local_attrs["numbers"].expr == ast.TupleExpr([ast.Literal(100), ast.Literal(0.25), ast.Literal(3), ast.Literal(10)])
    assert local_attrs["numbers"].line == _line_of("  numbers")


def test_exponent_number_before_a_block_that_tree_sitter_misreads_without_an_error() -> None:
    body = parse_file_text('size = 1e3\n\nresource "aws_s3_bucket" "b" {\n  n = 2e1\n}\n', "x.tf")
    assert list(body.attrs) == ["size"] and body.attrs["size"].expr == ast.Literal(1000)
    assert [(b.type, b.labels, b.line) for b in body.blocks] == [("resource", ["aws_s3_bucket", "b"], 3)]
    assert body.blocks[0].attrs["n"].expr == ast.Literal(20) and body.blocks[0].attrs["n"].line == 4


def test_exponent_lookalikes_inside_strings_and_names_stay_text() -> None:
    body = parse_file_text('a = "1e3"\nb = "x-${var.k1e3}"\nc = var.v - 1e3\nd = var.v-1e3\n# 2e5 in a comment\n', "x.tf")
    assert body.attrs["a"].expr == ast.Literal("1e3")
    assert body.attrs["b"].expr == ast.Template(["x-", ast.GetAttr(ast.Name("var"), "k1e3")])
    assert body.attrs["c"].expr == ast.Binary("-", ast.GetAttr(ast.Name("var"), "v"), ast.Literal(1000))
    assert body.attrs["c"].line == 3
    assert body.attrs["d"].expr == ast.GetAttr(ast.Name("var"), "v-1e3")  # HCL names may contain dashes


def test_escapes(local_attrs: dict[str, ast.Attribute]) -> None:
    assert local_attrs["unicode"].expr == ast.Literal("café \U0001F600")
    assert local_attrs["escaped"].expr == ast.Literal('${literal} %{literal} "quoted" back\\slash')
    assert local_attrs["first"].expr.line == _line_of("  first") and _value(local_attrs["first"].expr) == "a"
    assert _value(local_attrs["attr"].expr) == "deep"


def test_heredocs_and_template_directives_at_their_lines(body: ast.FileBody) -> None:
    bucket = body.blocks[1]
    assert (bucket.line, bucket.end_line) == (_line_of("resource"), len(FABRIC_STYLE.splitlines()))
    assert {name: a.line for name, a in bucket.attrs.items()} == {
        name: _line_of(f"  {name} ") for name in
        ("name", "policy", "raw", "script", "list", "trimmed", "ids", "legacy", "dotted")}
    policy = bucket.attrs["policy"].expr
    assert isinstance(policy, ast.Template) and policy.parts[0] == '{\n  "region": "'
    assert policy.parts[2] == '"\n}\n'
    assert _value(bucket.attrs["raw"].expr, env="dev") == "  kept dev\n"
    assert _value(bucket.attrs["script"].expr, env="prod") == "strict"
    assert _value(bucket.attrs["list"].expr) == "0=x1=y"
    assert _value(bucket.attrs["trimmed"].expr) == "abc"


def test_splats_and_legacy_index(body: ast.FileBody) -> None:
    attrs = body.blocks[1].attrs
    things = [{"id": "a"}, {"id": "b"}]
    assert _value(attrs["ids"].expr, things=things) == ["a", "b"]
    assert _value(attrs["legacy"].expr, things=things) == ["a", "b"]
    assert _value(attrs["dotted"].expr, things=things) == "a"


@pytest.mark.parametrize(("text", "expected"), [
    ('<<-EOT\n    a\n      b\n\n    c\n  EOT', "a\n  b\n\nc\n"),
    ('<<-EOT\n\tx\n\t\ty\n\tEOT', "x\n\ty\n"),
    ('<<EOT\n  as is\nEOT', "  as is\n"),
    ('<<EOT\nEOT', ""),
    ('<<-EOT\n    ${"v"}\n  two\n  EOT', "  v\ntwo\n"),  # what HashiCorp's parser gives
    ('<<-EOT\n  x\n\n    ${"v"} y\n  EOT', "x\n\n  v y\n"),
])
def test_heredoc_indentation_follows_hcl(text: str, expected: str) -> None:
    assert _value(parse_expression(text)) == expected


@pytest.mark.parametrize(("source", "line", "message"), [
    ('locals {\n  a = 1\n  b = = 2\n}\n', 3, "unexpected `=`"),
    ('resource "x" "y" {\n  a = 1\n', 2, "unexpected end of input"),  # the last line with content
    ('a = "ok"\nb = "\\uD800"\n', 2, "invalid escape sequence"),
    ('a = "ok"\nb = "x\\qy"\n', 2, ""),
    ('a = 1\nb = 0x10\n', 2, ""),
    ('provider "aws" {\n  region = "a"\n  alias  = "x"\n  region = "b"\n}\n', 4, "attribute redefined: `region` was already set on line 2"),
    ('region = "a"\nregion = "b"\n', 2, "attribute redefined"),
    ('a = 1\nb = "x\ny"\n', 2, "unterminated string"),
    ('/**\n * header\n */\nlocals {\n  a = 1\n}\nresource "x" "y" {\n  ok  = "fine"\n  bad = "open\n}\n\n'
     'output "o" {\n  value = 1\n}\n', 9, "unterminated string"),
    # HashiCorp's parser: line 10, "Missing item separator"
    ('/**\n * header\n */\nlocals {\n  a = 1\n}\n\nlocals {\n  b = [1, 2\n  c = 3\n}\n', 10, "missing `]`"),
])
def test_errors_carry_the_first_bad_line(source: str, line: int, message: str) -> None:
    with pytest.raises(HclSyntaxError) as err:
        parse_file_text(source, "x.tf")
    assert err.value.line == line
    assert message in str(err.value)


def test_newlines_inside_interpolations_are_fine() -> None:
    assert parse_file_text('a = "x-${\n  1 +\n  2\n}"\n', "x.tf").attrs["a"].expr == ast.Template(
        ["x-", ast.Binary("+", ast.Literal(1), ast.Literal(2))])


def test_error_message_echoes_only_a_short_snippet() -> None:
    secret = "tfc-TOKEN-" + "x" * 200
    with pytest.raises(HclSyntaxError) as err:
        parse_file_text(f"{secret} {secret}\n", "x.tf")
    assert len(str(err.value)) < 80 and "x" * 40 not in str(err.value)


def test_a_thousand_term_operator_chain_builds_without_recursion_error() -> None:
    expr = parse_file_text("a = " + " + ".join(["1"] * 1000) + "\n", "x.tf").attrs["a"].expr
    depth = 0
    while isinstance(expr, ast.Binary):
        assert isinstance(expr.right, ast.Literal)
        expr, depth = expr.left, depth + 1
    assert depth == 999
    assert len(ast.references(parse_expression(" + ".join(["var.x"] * 1000)))) == 1000


def test_long_conditional_chains_are_right_associative_and_iterative() -> None:
    chain = " : ".join(f"var.x == {i} ? {i * 10}" for i in range(1000)) + " : -1"
    expr = parse_expression(chain)
    for i in range(1000):
        assert isinstance(expr, ast.Conditional) and expr.then == ast.Literal(i * 10)
        expr = expr.other
    assert expr == ast.Unary("-", ast.Literal(1))
    assert _value(parse_expression("true ? 1 : false ? 2 : 3")) == 1
    assert _value(parse_expression("var.x == 1 ? 10 : var.x == 2 ? 20 : 30"), x=2) == 20


@pytest.mark.parametrize("source", [
    "a = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "a = " + "{x = " * 3000 + "1" + "}" * 3000 + "\n",
    "a = " + "!" * 5000 + "true\n",
    "a = " + "f(" * 3000 + ")" * 3000 + "\n",
    "b " * 2 + "{\n" + "c {\n" * 3000 + "}\n" * 3001,
], ids=["parens", "tuples", "objects", "unary", "calls", "blocks"])
def test_deep_nesting_is_a_clean_syntax_error(source: str) -> None:
    with pytest.raises(HclSyntaxError) as err:
        parse_file_text(source, "x.tf")
    assert f"nesting deeper than {MAX_NESTING} levels" in str(err.value) and err.value.line >= 1


def test_deeply_nested_templates_are_a_clean_syntax_error() -> None:
    # tree-sitter's template scanner gives up before our cap (between 50 and 99 levels): still a
    # syntax error, no crash (its error recovery places it at the start of the file)
    with pytest.raises(HclSyntaxError):
        parse_file_text("ok = 1\na = \"" + "${\"" * 2000 + "\"}" * 2000 + "\"\n", "x.tf")
    assert parse_expression('"' + '${"' * 40 + "x" + '"}' * 40 + '"') == ast.Literal("x")


def test_nesting_below_the_cap_is_fine() -> None:
    expr = parse_expression("(" * 40 + "1" + ")" * 40)
    assert expr == ast.Literal(1)


def test_expression_lines_inside_multiline_values() -> None:
    body = parse_file_text('x = {\n  a = 1\n  b = [\n    "two",\n  ]\n}\n', "x.tf")
    obj = body.attrs["x"].expr
    assert isinstance(obj, ast.ObjectExpr) and obj.line == 1
    (key_a, value_a), (key_b, value_b) = obj.items
    assert (key_a.line, value_a.line, key_b.line, value_b.line) == (2, 2, 3, 3)
    assert isinstance(value_b, ast.TupleExpr) and value_b.items[0].line == 4


def test_lone_surrogates_in_json_become_the_replacement_character() -> None:
    from analyzer.hcl.json_syntax import parse_json_text

    body = parse_json_text('{\n "region": "us-east-1\\ud800",\n "pair": "\\ud83d\\ude00"\n}', "x.tfvars.json", tfvars=True)
    assert body.attrs["region"].expr == ast.Literal("us-east-1\ufffd") and body.attrs["region"].line == 2
    assert body.attrs["pair"].expr == ast.Literal("\U0001F600")
    body.attrs["region"].expr.value.encode("utf-8")  # every output format can write it


def test_deep_json_is_a_clean_syntax_error() -> None:
    from analyzer.hcl.json_syntax import parse_json_text

    with pytest.raises(HclSyntaxError):
        parse_json_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "x.tf.json")


def test_a_lone_surrogate_in_expression_text_reads_as_the_replacement_character() -> None:
    # e.g. `--var 'region=us-east-1\udc80'` from a non-UTF-8 command line (surrogateescape)
    expr = parse_expression('"us-east-1\udc80"')
    assert isinstance(expr, ast.Literal) and "\ufffd" in expr.value and expr.value.startswith("us-east-1")
    expr.value.encode("utf-8")


def test_many_exponent_numbers_take_linear_time() -> None:
    import time

    source = "".join(f'resource "a" "r{i}" {{\n  v = {i}e3\n  s = "{i}e3"\n}}\n' for i in range(20000))
    started = time.process_time()
    body = parse_file_text(source, "x.tf")
    assert time.process_time() - started < 15  # was 34 s with one tree lookup per number
    last = body.blocks[-1]
    assert last.attrs["v"].expr == ast.Literal(19999000) and last.attrs["s"].expr == ast.Literal("19999e3")
    assert last.attrs["v"].line == 4 * 19999 + 2


@pytest.mark.parametrize("source", ["", "\n\n", "# only a comment", "// only a comment\n", "/* only\n a comment */"],
                         ids=["empty", "blank", "hash", "slash", "block"])
def test_files_without_blocks_are_empty_bodies(source: str) -> None:
    body = parse_file_text(source, "x.tf")
    assert (body.blocks, body.attrs) == ([], {})
