"""HCL parsing: precedence and grouping restored, templates, lines, JSON syntax, skips."""

from __future__ import annotations

import pytest

from analyzer.hcl import ast
from analyzer.hcl.json_syntax import parse_json_text
from analyzer.hcl.parse import HclSyntaxError, parse_expression, parse_file_text
from analyzer.terraform.evaluate import Scope, evaluate


class _Vars:
    def __init__(self, values: dict) -> None:
        self.values = values

    def resolve(self, root: str, attr: str | None, trace: object) -> object:
        return self.values[root][attr] if attr else self.values[root]


def value(text: str, **names: object) -> object:
    return evaluate(parse_expression(text), Scope(_Vars({"var": names})))


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 4 - 3", 3),
    ("8 / 2 / 2", 2),
    ("1 + 2 == 3 ? \"yes\" : \"no\"", "yes"),
    ("!false && 1 < 2 || false", True),
    ("-3 + 5", 2),
    ("true ? 1 : false ? 2 : 3", 1),
    ("\"a-${1 + 1}-b\"", "a-2-b"),
    ("\"%{ if true }on%{ else }off%{ endif }\"", "on"),
    ("\"$${literal} %%{x}\"", "${literal} %{x}"),
    ("\"tab\\there\\n\"", "tab\there\n"),
    ("[for k, v in {b = 2, a = 1} : \"${k}=${v}\"]", ["a=1", "b=2"]),
    ("{for s in [\"x\", \"y\", \"x\"] : s => s...}", {"x": ["x", "x"], "y": ["y"]}),
    ("[{n = 1}, {n = 2}][*].n", [1, 2]),
    ("{a = {b = [10, 20]}}.a.b[1]", 20),
    ("lookup({eu = \"eu-west-1\"}, \"eu\", \"us-east-1\")", "eu-west-1"),
    ("try({}.missing, \"fallback\")", "fallback"),
    ("can({}.missing)", False),
    ("format(\"%s-%03d\", \"n\", 7)", "n-007"),
])
def test_expressions_evaluate_with_terraform_semantics(text: str, expected: object) -> None:
    assert value(text) == expected


def test_template_for_directive() -> None:
    assert value('"%{ for x in var.l }${x};%{ endfor }"', l=["a", "b"]) == "a;b;"
    assert value('"%{ for k, v in var.m ~}  ${k}=${v} %{~ endfor }"', m={"b": 2, "a": 1}) == "a=1b=2"
    assert value('<<EOT\n%{ for k, v in var.m ~}\n${k}=${v} %{~ endfor }\nEOT', m={"b": 2, "a": 1}) == "a=1b=2\n"


def test_interpolation_alone_keeps_the_type() -> None:
    assert value('"${var.n}"', n=3) == 3
    assert value('"${var.m}"', m={"a": 1}) == {"a": 1}


def test_blocks_attributes_and_lines() -> None:
    body = parse_file_text('''# header
provider "aws" {
  alias  = "dr"
  region = var.region

  assume_role {
    role_arn = "arn:aws:iam::111122223333:role/deploy"
  }
}

resource "aws_s3_bucket" "b" {
  # checkov:skip=CKV_RES_1: legacy bucket, SEC-12
  bucket = <<-EOT
    name-${var.x}
  EOT
}
''', "main.tf")
    provider, bucket = body.blocks
    assert (provider.type, provider.labels, provider.line, provider.end_line) == ("provider", ["aws"], 2, 9)
    assert provider.attrs["region"].line == 4
    assert provider.children("assume_role")[0].attrs["role_arn"].line == 7
    assert bucket.attrs["bucket"].line == 13
    assert isinstance(bucket.attrs["bucket"].expr, ast.Template)
    assert body.skips == {12: [("CKV_RES_1", "legacy bucket, SEC-12")]}


def test_syntax_error_carries_the_line() -> None:
    with pytest.raises(HclSyntaxError) as err:
        parse_file_text('locals {\n  a = 1\n  b = = 2\n}\n', "x.tf")
    assert err.value.line == 3


def test_json_syntax_blocks_and_templates() -> None:
    body = parse_json_text('''{
  "provider": {"aws": [{"region": "eu-west-1", "alias": "eu"}]},
  "resource": {"aws_s3_bucket": {"b": {"bucket": "x-${var.env}", "provider": "aws.eu"}}},
  "variable": {"env": {"default": {"nested": "${not-a-template}"}}}
}''', "main.tf.json")
    provider, bucket, variable = body.blocks
    assert (provider.type, provider.labels) == ("provider", ["aws"])
    assert bucket.labels == ["aws_s3_bucket", "b"] and bucket.line == 3
    assert isinstance(bucket.attrs["bucket"].expr, ast.Template)
    assert variable.attrs["default"].expr == ast.Literal({"nested": "${not-a-template}"})


def test_legacy_splat_index_applies_to_the_result_list() -> None:
    assert value("var.l.*.r[1]", l=[{"r": "a"}, {"r": "b"}]) == "b"
    assert value("var.l[*].r", l=[{"r": "a"}, {"r": "b"}]) == ["a", "b"]


def test_template_if_converts_string_conditions_like_terraform() -> None:
    assert value('"%{ if var.f }us%{ else }eu%{ endif }"', f="false") == "eu"


def test_arithmetic_overflow_is_unknown_not_a_crash() -> None:
    from analyzer.terraform.evaluate import evaluate_safely

    huge = "1" + "0" * 400
    result = evaluate_safely(parse_expression(f"{huge} / 3 > 1"), Scope(_Vars({})))
    assert type(result).__name__ == "Unknown" and "OverflowError" in result.reason


def test_failed_try_branch_leaves_no_evidence() -> None:
    from analyzer.models import Evidence

    class Traced(_Vars):
        def resolve(self, root, attr, trace):  # type: ignore[no-untyped-def]
            if trace is not None:
                trace.append(Evidence(file="x.tf", line=1, note=f"{root}.{attr}"))
            return super().resolve(root, attr, trace)

    trace: list = []
    expr = parse_expression('try(var.obj.missing, var.fallback)')
    assert evaluate(expr, Scope(Traced({"var": {"obj": {}, "fallback": "eu-west-2"}})), trace) == "eu-west-2"
    assert [e.note for e in trace] == ["var.fallback"]
