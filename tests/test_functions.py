"""Terraform built-in functions: exact Terraform results, errors, and Unknown propagation."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.hcl import ast
from analyzer.hcl.parse import parse_expression
from analyzer.terraform.budget import LIMITS, BudgetExceeded
from analyzer.terraform.evaluate import Scope, evaluate_safely
from analyzer.terraform.functions import FUNCTIONS, NOT_EVALUATED, FunctionError, call_function
from analyzer.values import Unknown

U = Unknown("var.x is not known")
V = Unknown("aws_instance.a.id is known after apply")


def call(name: str, *args: Any) -> Any:
    return call_function(name, list(args))


# --- exact results -----------------------------------------------------------------------------

CASES: list[tuple[str, list[Any], Any]] = [
    # lookup
    ("lookup", [{"a": "x", "b": "y"}, "a"], "x"),
    ("lookup", [{"a": "x"}, "c", "fallback"], "fallback"),
    ("lookup", [{"a": "x"}, "c", None], None),
    ("lookup", [{"a": 1}, "a", 2], 1),
    # coalesce / coalescelist
    ("coalesce", ["", None, "b", "c"], "b"),
    ("coalesce", [None, 1, 2], 1),
    ("coalesce", [1, "a"], "1"),  # unified to string
    ("coalesce", ["", 0], "0"),
    ("coalescelist", [[], ["a"], ["b"]], ["a"]),
    ("coalescelist", [None, [], [1, 2]], [1, 2]),
    # format
    ("format", ["Hello, %s!", "Ander"], "Hello, Ander!"),
    ("format", ["There are %d lights", 4], "There are 4 lights"),
    ("format", ["%d", 4.0], "4"),
    ("format", ["%5s|%-5s|", "ab", "cd"], "   ab|cd   |"),
    ("format", ["%05d|%+d|% d|%-4d|", -42, 5, 5, 7], "-0042|+5| 5|7   |"),
    ("format", ["%.2f %f %8.3f", 3.14159, 1.5, 3.14159], "3.14 1.500000    3.142"),
    ("format", ["%e %E %.1e", 1234.5, 1234.5, 0], "1.234500e+03 1.234500E+03 0.0e+00"),
    ("format", ["%g %g %g %.3g", 0.00001, 100000, 1e6, 1234.0], "1e-05 100000 1e+06 1.23e+03"),
    ("format", ["%x %X %o %b %#x", 255, 255, 8, 5, 255], "ff FF 10 101 0xff"),
    ("format", ["%t %t", True, "false"], "true false"),
    ("format", ["%v %v %v %v %v", "s", 1.5, True, None, 10], "s 1.5 true null 10"),
    ("format", ["%v", [1, "a", {"k": None}]], '[1,"a",{"k":null}]'),
    ("format", ["%#v %#v", "hi", {"b": 1, "a": 2}], '"hi" {"a":2,"b":1}'),
    ("format", ["%q", 'say "hi"'], '"say \\"hi\\""'),
    ("format", ["%s", 1.5], "1.5"),
    ("format", ["%s", True], "true"),
    ("format", ["%.3s|%.0s", "abcdef", "abc"], "abc|abc"),
    ("format", ["100%%"], "100%"),
    ("format", ["%[2]s %[1]s", "a", "b"], "b a"),
    ("format", ["%[2]s %s", "a", "b", "c"], "b c"),  # continues after an explicit index
    ("format", ["%s", "a", "unused"], "a"),
    ("format", ["%d", "12"], "12"),  # numeric string converts
    # formatlist
    ("formatlist", ["Hello, %s!", ["Valentina", "Ander"]], ["Hello, Valentina!", "Hello, Ander!"]),
    ("formatlist", ["%s, %s!", "Salutations", ["Valentina", "Ander"]], ["Salutations, Valentina!", "Salutations, Ander!"]),
    ("formatlist", ["%s=%s", ["a", "b"], [1, 2]], ["a=1", "b=2"]),
    ("formatlist", ["%s", []], []),
    ("formatlist", ["x-%s", "y"], ["x-y"]),
    # join / split
    ("join", ["-", ["foo", "bar", "baz"]], "foo-bar-baz"),
    ("join", [", ", ["foo"]], "foo"),
    ("join", [",", ["a"], ["b", "c"]], "a,b,c"),
    ("join", [",", []], ""),
    ("join", [",", [1, True]], "1,true"),
    ("split", [",", "foo,bar,baz"], ["foo", "bar", "baz"]),
    ("split", [",", "foo"], ["foo"]),
    ("split", [",", ""], [""]),
    ("split", [",", "a,,b,"], ["a", "", "b", ""]),
    ("split", ["", "abc"], ["a", "b", "c"]),
    # concat / merge / keys / values
    ("concat", [["a", ""], ["b", "c"]], ["a", "", "b", "c"]),
    ("concat", [[], [1]], [1]),
    ("merge", [{"a": "b", "c": "d"}, {"e": "f", "c": "z"}], {"a": "b", "c": "z", "e": "f"}),
    ("merge", [{"a": 1}, None, {"b": 2}], {"a": 1, "b": 2}),
    ("merge", [], {}),
    ("keys", [{"b": 1, "a": 2, "c": 3}], ["a", "b", "c"]),
    ("keys", [{}], []),
    ("values", [{"b": 1, "a": 2, "c": 3}], [2, 1, 3]),
    # element / index / contains / length
    ("element", [["a", "b", "c"], 1], "b"),
    ("element", [["a", "b", "c"], 3], "a"),  # wraps around
    ("element", [["a", "b", "c"], 7], "b"),
    ("element", [["a", "b", "c"], "2"], "c"),
    # negative indices count from the end and wrap too (terraform 1.11 console, a list)
    ("element", [["a", "b", "c"], -1], "c"),
    ("element", [["a", "b", "c"], -3], "a"),
    ("element", [["a", "b", "c"], -4], "c"),
    ("element", [["a", "b", "c"], -5], "b"),
    ("index", [["a", "b", "c"], "b"], 1),
    ("index", [[1, 2, 3], 2.0], 1),
    ("contains", [["a", "b", "c"], "a"], True),
    ("contains", [["a", "b", "c"], "d"], False),
    ("contains", [[1, 2], True], False),  # type-strict: true is not 1
    ("contains", [[{"a": 1}], {"a": 1}], True),
    ("length", [[]], 0),
    ("length", [["a", "b"]], 2),
    ("length", [{"a": "b"}], 1),
    ("length", ["hello"], 5),
    ("length", ["héllo wörld"], 11),  # unicode characters, not bytes
    ("length", [""], 0),
    # case
    ("lower", ["HELLO"], "hello"),
    ("upper", ["hello"], "HELLO"),
    ("upper", ["straße"], "STRAßE"),  # Go maps rune to rune
    ("title", ["hello world"], "Hello World"),
    ("title", ["hELLO wORLD-foo_bar"], "HELLO WORLD-Foo_bar"),  # rest of the word untouched
    # replace
    ("replace", ["1 + 2 + 3", "+", "-"], "1 - 2 - 3"),
    ("replace", ["hello world", "/w.*d/", "everybody"], "hello everybody"),
    ("replace", ["hello world", "/(\\w+) (\\w+)/", "$2 $1"], "world hello"),
    ("replace", ["hello world", "/(\\w+) (\\w+)/", "${2}_${1}"], "world_hello"),
    ("replace", ["key=value", "/(?P<k>\\w+)=(?P<v>\\w+)/", "$v:$k"], "value:key"),
    ("replace", ["cost", "/(o)/", "$$1"], "c$1st"),
    ("replace", ["ab", "/(a)/", "$1x"], "b"),  # Go reads $1x as group "1x", which is empty
    ("replace", ["ab", "/(a)/", "${1}x"], "axb"),
    ("replace", ["abxd", "/x*/", "-"], "-a-b-d-"),  # Go's empty-match rule
    ("replace", ["a/b", "/", "_"], "a_b"),  # a single slash is not a regex
    ("replace", ["abc", "", "-"], "-a-b-c-"),
    ("replace", ["a.b.c", ".", "-"], "a-b-c"),  # literal, not a regex
    # regex / regexall
    ("regex", ["[a-z]+", "53453453.345345aaabbbccc23454"], "aaabbbccc"),
    ("regex", ["(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"], ["2019", "02", "01"]),
    ("regex", ["^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/"],
     {"scheme": "https", "authority": "terraform.io"}),
    ("regex", ["(?<year>\\d+)-(?<month>\\d+)", "2019-02"], {"year": "2019", "month": "02"}),  # RE2 spelling
    ("regex", ["(a)|(b)", "b"], [None, "b"]),  # a group that did not match is null
    ("regex", ["\\d+$", "12 34"], "34"),
    ("regexall", ["[a-z]+", "1234abcd5678efgh9"], ["abcd", "efgh"]),
    ("regexall", ["[a-z]+", "123456789"], []),
    ("regexall", ["(\\w)=(\\d)", "a=1 b=2"], [["a", "1"], ["b", "2"]]),
    ("regexall", ["x*", "abxd"], ["", "", "x", ""]),
    ("regexall", ["[[:digit:]]+", "a12b345"], ["12", "345"]),
    # trimming and substrings
    ("trimprefix", ["helloworld", "hello"], "world"),
    ("trimprefix", ["helloworld", "cat"], "helloworld"),
    ("trimsuffix", ["helloworld", "world"], "hello"),
    ("trim", ["?!hello?!", "!?"], "hello"),
    ("trim", ["foobar", "far"], "oob"),
    ("trimspace", ["  hello\n\t"], "hello"),
    ("trimspace", ["\u00a0x\u3000"], "x"),
    ("chomp", ["hello\n\r\n"], "hello"),
    ("chomp", ["hello\n x"], "hello\n x"),
    ("indent", [2, "a\nb\n"], "a\n  b\n  "),
    ("strrev", ["hello"], "olleh"),
    ("substr", ["hello world", 1, 4], "ello"),
    ("substr", ["hello world", -5, -1], "world"),
    ("substr", ["hello world", 6, 100], "world"),
    ("substr", ["hello", 10, 1], ""),
    ("substr", ["héllo", 1, 1], "é"),
    ("startswith", ["hello world", "hello"], True),
    ("startswith", ["hello world", "world"], False),
    ("endswith", ["hello world", "world"], True),
    ("endswith", ["hello world", "hello"], False),
    ("strcontains", ["hello world", "wor"], True),
    ("strcontains", ["hello world", "cat"], False),
    # conversions
    ("tostring", [1], "1"),
    ("tostring", [1.5], "1.5"),
    ("tostring", [2.0], "2"),
    ("tostring", [1e20], "100000000000000000000"),
    ("tostring", [1e-7], "0.0000001"),
    ("tostring", [True], "true"),
    ("tostring", ["hello"], "hello"),
    ("tostring", [None], None),
    ("tonumber", ["1"], 1),
    ("tonumber", ["1.5"], 1.5),
    ("tonumber", ["2.0"], 2),
    ("tonumber", ["-1e3"], -1000),
    ("tonumber", [3], 3),
    ("tonumber", [None], None),
    ("tobool", ["true"], True),
    ("tobool", [False], False),
    ("tobool", [None], None),
    ("tolist", [["a", "b", "c"]], ["a", "b", "c"]),
    ("tolist", [["a", 1, True]], ["a", "1", "true"]),
    ("tolist", [None], None),
    ("toset", [["c", "b", "b", "a"]], ["a", "b", "c"]),  # sets of strings are sorted
    ("toset", [["b", 1, "1"]], ["1", "b"]),
    ("toset", [[3, 1, 2, 1]], [1, 2, 3]),
    ("toset", [[{"b": 1}, {"a": 1}, {"b": 1}]], [{"b": 1}, {"a": 1}]),  # first occurrence order
    ("tomap", [{"a": 1, "b": "x"}], {"a": "1", "b": "x"}),
    ("tomap", [{"a": 1, "b": 2}], {"a": 1, "b": 2}),
    ("sensitive", [{"a": 1}], {"a": 1}),
    ("nonsensitive", ["x"], "x"),
    # JSON / YAML
    ("jsonencode", [{"hello": "world"}], '{"hello":"world"}'),
    ("jsonencode", [{"b": [1, 2.5, None, True], "a": "x"}], '{"a":"x","b":[1,2.5,null,true]}'),
    ("jsonencode", ["<b>&"], '"\\u003cb\\u003e\\u0026"'),
    ("jsonencode", [2.0], "2"),
    ("jsonencode", [1e21], "1000000000000000000000"),
    ("jsonencode", [None], "null"),
    ("jsonencode", ["é"], '"é"'),
    ("jsondecode", ['{"hello": "world", "n": [1, 1.5, 2.0, null, true]}'],
     {"hello": "world", "n": [1, 1.5, 2, None, True]}),
    ("jsondecode", ["true"], True),
    ("jsondecode", ['"s"'], "s"),
    ("yamldecode", ["hello: world\nlist: [1, 2.5, true, null]\n"], {"hello": "world", "list": [1, 2.5, True, None]}),
    ("yamldecode", [""], None),
    ("yamldecode", ["a: 2019-01-02\nb: 0x1F\nc: 017\nd: 1e3\ne: y\nf: 'yes'\n"],
     {"a": "2019-01-02T00:00:00Z", "b": "0x1F", "c": 17, "d": 1000, "e": True, "f": "yes"}),
    ("yamlencode", [{"a": "b", "c": "d"}], '"a": "b"\n"c": "d"\n'),
    ("yamlencode", [{"foo": [1, {"a": "b", "c": "d"}, 3], "bar": "baz"}],
     '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n'),
    ("yamlencode", [[]], "[]\n"),
    ("yamlencode", [True], "true\n"),
    # collections
    ("flatten", [[["a", "b"], [], ["c"]]], ["a", "b", "c"]),
    ("flatten", [[[["a", "b"], []], ["c"]]], ["a", "b", "c"]),
    ("flatten", [[1, [2, [3, [None]]]]], [1, 2, 3, None]),
    ("distinct", [["a", "b", "a", "c", "d", "b"]], ["a", "b", "c", "d"]),
    ("distinct", [[1, 1.0, 2]], [1, 2]),
    ("distinct", [[{"a": 1}, {"a": 1}]], [{"a": 1}]),
    ("zipmap", [["a", "b"], [1, 2]], {"a": 1, "b": 2}),
    ("zipmap", [[], []], {}),
    ("one", [[]], None),
    ("one", [["hello"]], "hello"),
    ("one", [[None]], None),
    ("compact", [["a", "", "b", None, "c"]], ["a", "b", "c"]),
    ("compact", [[]], []),
    ("slice", [["a", "b", "c", "d"], 1, 3], ["b", "c"]),
    ("slice", [["a"], 1, 1], []),
    ("reverse", [[1, 2, 3]], [3, 2, 1]),
    ("sort", [["e", "d", "a", "x"]], ["a", "d", "e", "x"]),
    ("sort", [[10, 9, 1]], ["1", "10", "9"]),  # lexical, even for numbers
    ("range", [3], [0, 1, 2]),
    ("range", [1, 4], [1, 2, 3]),
    ("range", [1, 8, 2], [1, 3, 5, 7]),
    ("range", [1, 4, 0.5], [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range", [4, 1], [4, 3, 2]),
    ("range", [10, 5, -2], [10, 8, 6]),
    ("range", [-3], [0, -1, -2]),
    ("range", [0], []),
    ("range", [0, 0.3, 0.1], [0, 0.1, 0.2]),  # no float drift
    ("chunklist", [["a", "b", "c", "d", "e"], 2], [["a", "b"], ["c", "d"], ["e"]]),
    ("chunklist", [["a", "b"], 0], [["a", "b"]]),
    ("chunklist", [[], 3], []),
    ("setunion", [["a", "b"], ["b", "c"], ["d"]], ["a", "b", "c", "d"]),
    ("setintersection", [["a", "b"], ["b", "c"], ["b", "d"]], ["b"]),
    ("setintersection", [["a"], ["b"]], []),
    ("setsubtract", [["a", "b", "c"], ["a", "c"]], ["b"]),
    ("setproduct", [["a", "b"], [1, 2]], [["a", 1], ["a", 2], ["b", 1], ["b", 2]]),
    ("setproduct", [["a"], []], []),
    ("alltrue", [["true", True]], True),
    ("alltrue", [[True, False]], False),
    ("alltrue", [[]], True),
    ("alltrue", [[True, None]], False),
    ("anytrue", [["true", False]], True),
    ("anytrue", [[False, None]], False),
    ("anytrue", [[]], False),
    ("transpose", [{"a": ["1", "2"], "b": ["2", "3"]}], {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ("matchkeys", [["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"]], ["i-abc", "i-def"]),
    ("matchkeys", [["a", "b"], [1, 2], []], []),
    # numbers
    ("max", [12, 54, 3], 54),
    ("max", [1, "2.5"], 2.5),
    ("min", [12, 54, 3], 3),
    ("min", [1.0, 2], 1),
    ("abs", [-12.4], 12.4),
    ("abs", [-3.0], 3),
    ("ceil", [5.1], 6),
    ("ceil", [5], 5),
    ("floor", [4.9], 4),
    ("floor", [-4.1], -5),
    ("sum", [[10, 2, 6, 4]], 22),
    ("sum", [[0.1, 0.2]], 0.3),  # exact decimal arithmetic
    ("sum", [[1.5, 0.5]], 2),
    ("signum", [-13], -1),
    ("signum", [0], 0),
    ("pow", [3, 2], 9),
    ("pow", [4, 0.5], 2),
    ("log", [16, 2], 4),
    ("parseint", ["100", 10], 100),
    ("parseint", ["FF", 16], 255),
    ("parseint", ["-10", 2], -2),
    ("parseint", ["aA", 62], 10 * 62 + 36),  # above base 36 upper case digits are 36..61
    # encodings and hashes
    ("base64encode", ["Hello World"], "SGVsbG8gV29ybGQ="),
    ("base64decode", ["SGVsbG8gV29ybGQ="], "Hello World"),
    ("md5", ["hello world"], "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ("sha1", ["hello world"], "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    ("sha256", ["hello world"], "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
    ("base64sha256", ["hello world"], "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    ("urlencode", ["Hello World!"], "Hello+World%21"),
    ("uuidv5", ["dns", "www.terraform.io"], "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    # networking
    ("cidrsubnet", ["172.16.0.0/12", 4, 2], "172.18.0.0/16"),
    ("cidrsubnet", ["10.1.2.0/24", 4, 15], "10.1.2.240/28"),
    ("cidrsubnet", ["10.1.2.3/16", 8, 0], "10.1.0.0/24"),  # host bits are ignored
    ("cidrsubnet", ["fd00:fd12:3456:7890::/56", 16, 162], "fd00:fd12:3456:7800:a200::/72"),
    ("cidrhost", ["10.12.112.0/20", 16], "10.12.112.16"),
    ("cidrhost", ["10.12.112.0/20", 268], "10.12.113.12"),
    ("cidrhost", ["10.12.112.0/20", -1], "10.12.127.255"),
    ("cidrhost", ["fd00:fd12:3456:7890:00a2::/72", 34], "fd00:fd12:3456:7890::22"),
    ("cidrnetmask", ["172.16.0.0/12"], "255.240.0.0"),
    ("cidrsubnets", ["10.1.0.0/16", 4, 4, 8, 4], ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    ("cidrsubnets", ["fd00:fd12:3456:7890::/56", 16, 16, 16, 32],
     ["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72",
      "fd00:fd12:3456:7800:300::/88"]),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_terraform_result(name: str, args: list[Any], expected: Any) -> None:
    result = call_function(name, args)
    assert result == expected
    assert type(result) is type(expected)  # 2 and 2.0 are the same number but ints here


# --- errors ------------------------------------------------------------------------------------

ERRORS: list[tuple[str, list[Any], str]] = [
    ("lookup", [{"a": 1}, "b"], 'Invalid function argument: lookup: lookup failed to find key "b"'),
    ("lookup", [["a"], "a"], "Invalid function argument: lookup: argument 1 must be a map or object, got tuple"),
    ("lookup", [None, "a", "d"], "argument 1 must not be null"),
    ("coalesce", [None, ""], "no non-null, non-empty-string arguments"),
    ("coalesce", [[1], {"a": 1}], "must have the same type"),
    ("coalescelist", [[], []], "no non-null arguments"),
    ("coalescelist", [["a"], "b"], "argument 2 must be a list or tuple"),
    ("join", [",", ["a", None]], "element 1 is null; cannot concatenate null values"),
    ("join", [","], "at least one list is required"),
    ("join", [",", "ab"], "join: argument 2 must be a list, set or tuple, got string"),
    ("one", [["a", "b"]], "must be a list, set, or tuple value with either zero or one elements"),
    ("one", [None], "must not be null"),
    ("one", [{"a": 1}], "argument 1 must be a list"),
    ("element", [[], 0], "cannot use element function with an empty list"),
    ("element", [["a"], 1.5], "argument 2 must be a whole number"),
    ("index", [["a"], "b"], "item not found"),
    ("index", [[], "b"], "cannot search an empty list"),
    ("length", [None], "argument must not be null"),
    ("length", [5], "argument must be a string, a collection type, or a structural type"),
    ("keys", [["a"]], "argument 1 must be a map or object, got tuple"),
    ("merge", [{"a": 1}, ["b"]], "arguments must be maps or objects"),
    ("concat", [["a"], "b"], "concat: argument 2 must be a list"),
    ("upper", [["a"]], "upper: argument 1 must be a string, got tuple"),
    ("upper", [None], "upper: argument 1 must not be null"),
    ("substr", ["abc", "x", 1], 'substr: argument 2 must be a number, got the string "x"'),
    ("regex", ["[a-z]+", "123"], "Error in function call: regex: pattern did not match any part of the given string"),
    ("regex", ["(a)(?P<b>b)", "ab"], "cannot mix both named and unnamed capture groups"),
    ("regex", ["(", "a"], "invalid regular expression"),
    ("regex", ["a(?=b)", "ab"], "invalid regular expression"),  # lookahead is not RE2
    ("replace", ["a", "/(/", "b"], "invalid regular expression"),
    ("format", ["%s %s", "a"], 'not enough arguments for "%s" at 3: need index 2 but have 1 total'),
    ("format", ["%d", 1.5], 'unsupported value for "%d" at 0: the value must be a whole number'),
    ("format", ["%s", None], 'unsupported value for "%s" at 0: null value cannot be formatted'),
    ("format", ["%s", ["a"]], "the value must be a string, got tuple"),
    ("format", ["%y", 1], "unsupported format verb 'y'"),
    ("format", ["abc %", 1], "invalid format string starting at offset 4"),
    ("formatlist", ["%s%s", ["a"], ["b", "c"]], "argument 3 has length 2, which is inconsistent with argument 2 of length 1"),
    ("tostring", [["a"]], "cannot convert tuple to string"),
    ("tonumber", ["abc"], 'cannot convert "abc" to number'),
    ("tonumber", [True], "cannot convert bool to number"),
    ("tobool", ["yes"], 'cannot convert "yes" to bool'),
    ("tobool", [1], "cannot convert number to bool"),
    ("tolist", [{"a": 1}], "cannot convert object to list"),
    ("tolist", [[1, True]], "must have the same type"),
    ("tomap", [["a"]], "cannot convert tuple to map"),
    ("toset", ["a"], "cannot convert string to set"),
    ("jsondecode", ["{"], "invalid JSON"),
    ("jsondecode", ['{"a": 1, "a": 2}'], 'duplicate "a" property in JSON object'),
    ("jsondecode", ["NaN"], "invalid JSON"),
    ("yamldecode", ["a: [1"], "invalid YAML"),
    ("yamldecode", ["a: 1\n---\nb: 2\n"], "invalid YAML"),
    ("zipmap", [["a", "b"], [1]], "number of keys (2) does not match number of values (1)"),
    ("slice", [["a", "b"], 1, 3], "end index must not be greater than the length of the list"),
    ("slice", [["a", "b"], 2, 1], "start index must not be greater than end index"),
    ("slice", [["a", "b"], -1, 1], "start index must not be less than zero"),
    ("sort", [["a", None]], "given list element 1 is null"),
    ("sum", [[]], "cannot sum an empty list"),
    ("sum", [["a"]], "must be a number"),
    ("range", [0, 3, 0], "step must not be zero"),
    ("range", [0, 3, -1], "end must be less than start when step is negative"),
    ("range", [0, 2000], "more than 1024 values were generated"),
    ("max", [], "must pass at least one number"),
    ("max", [1, True], "argument 2 must be a number, got bool"),
    ("chunklist", [["a"], -1], "the size argument must be positive"),
    ("matchkeys", [["a"], [1, 2], [1]], "length of keys and values should be equal"),
    ("setproduct", [["a"]], "at least two arguments are required"),
    ("base64decode", ["not base64!"], "failed to decode base64 data"),
    ("base64decode", ["/w=="], "not valid UTF-8"),
    ("parseint", ["12", 1], "base must be a whole number between 2 and 62"),
    ("parseint", ["19", 8], 'cannot parse "19" as a base 8 integer'),
    ("cidrsubnet", ["10.0.0.0/30", 4, 0], "insufficient address space to extend prefix of 30 by 4"),
    ("cidrsubnet", ["10.0.0.0/16", 2, 4], "prefix extension of 2 does not accommodate a subnet numbered 4"),
    ("cidrsubnet", ["not-a-cidr", 2, 0], 'invalid CIDR expression: invalid CIDR address: "not-a-cidr"'),
    ("cidrsubnet", ["10.0.0.0", 2, 0], "invalid CIDR expression"),
    ("cidrhost", ["10.0.0.0/30", 4], "prefix of 30 does not accommodate a host numbered 4"),
    ("cidrnetmask", ["fd00::/8"], "IPv6 addresses cannot have a netmask"),
    ("cidrsubnets", ["10.0.0.0/24", 1, 1, 1], "not enough remaining address space for a subnet with a prefix of 25 bits"),
    ("cidrsubnets", ["10.0.0.0/24", 0], "must extend prefix by at least one bit"),
    ("cidrsubnets", ["10.0.0.0/24", 16], "would extend prefix to 40 bits, which is too long for an IPv4 address"),
]


@pytest.mark.parametrize(("name", "args", "message"), ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_terraform_error(name: str, args: list[Any], message: str) -> None:
    with pytest.raises(FunctionError) as caught:
        call_function(name, args)
    assert message in str(caught.value)
    assert f"{name}" in str(caught.value)


def test_error_message_names_function_and_kind() -> None:
    with pytest.raises(FunctionError, match=r"^Invalid function argument: upper: argument 1 must be a string, got object$"):
        call("upper", {"a": 1})
    with pytest.raises(FunctionError, match=r"^Error in function call: element: "):
        call("element", [], 0)


def test_function_error_is_a_value_error() -> None:
    assert issubclass(FunctionError, ValueError)


def test_unknown_function_name() -> None:
    with pytest.raises(FunctionError, match=r"^Call to unknown function: nosuchfunc$"):
        call("nosuchfunc", 1)


@pytest.mark.parametrize("name", ["try", "can", "provider::aws::arn_parse"])
def test_lazy_and_provider_functions_are_not_in_the_table(name: str) -> None:
    assert name not in FUNCTIONS
    with pytest.raises(FunctionError, match="Call to unknown function"):
        call(name, "x")


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("upper", [], "Not enough function arguments: upper() takes 1 argument, got 0"),
        ("upper", ["a", "b"], "Too many function arguments: upper() takes 1 argument, got 2"),
        ("lookup", [{"a": 1}], "Not enough function arguments: lookup() takes 2 to 3 arguments, got 1"),
        ("lookup", [{"a": 1}, "a", 1, 2], "Too many function arguments: lookup() takes 2 to 3 arguments"),
        ("range", [], "Not enough function arguments: range() takes 1 to 3 arguments, got 0"),
        ("join", [], "Not enough function arguments: join() takes at least 1 argument"),
        ("uuid", ["x"], "Too many function arguments: uuid() takes 0 arguments, got 1"),
        ("templatefile", ["a.tpl"], "Not enough function arguments: templatefile() takes 2 arguments, got 1"),
    ],
)
def test_arity(name: str, args: list[Any], message: str) -> None:
    with pytest.raises(FunctionError) as caught:
        call_function(name, args)
    assert str(caught.value).startswith(message)


def test_arity_is_checked_before_unknown_propagation() -> None:
    with pytest.raises(FunctionError, match="Too many function arguments"):
        call("upper", U, U)


def test_table_callables_match_call_function() -> None:
    assert FUNCTIONS["upper"]("abc") == "ABC"
    assert FUNCTIONS["lookup"]({"a": 1}, "a") == 1
    assert FUNCTIONS["upper"](U) is U
    with pytest.raises(FunctionError, match="^Invalid function argument: upper"):
        FUNCTIONS["upper"](["x"])


def test_required_functions_are_registered() -> None:
    required = """lookup coalesce coalescelist format formatlist join split concat merge keys values
    element contains length lower upper title replace regex regexall trimprefix trimsuffix trim
    trimspace substr startswith endswith strcontains toset tolist tomap tostring tonumber tobool
    jsonencode jsondecode yamldecode yamlencode flatten distinct zipmap one compact slice reverse
    sort range min max abs ceil floor sum index setunion setintersection setsubtract alltrue
    anytrue chunklist transpose matchkeys base64encode base64decode md5 sha1 sha256 uuid
    timestamp file templatefile fileexists cidrsubnet cidrhost sensitive nonsensitive""".split()
    assert sorted(set(required) - set(FUNCTIONS)) == []


# --- Unknown propagation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("element", [["a", U], 0], "a"),
        ("element", [["a", U], 1], U),
        ("values", [{"a": U, "b": 1}], [U, 1]),
        ("flatten", [[["a"], [U]]], ["a", U]),
        ("one", [[{"region": "eu-west-1", "id": U}]], {"region": "eu-west-1", "id": U}),
        ("reverse", [[U, "a"]], ["a", U]),
    ],
)
def test_structural_functions_keep_unknown_elements_in_place(name: str, args: list[Any], expected: Any) -> None:
    assert call_function(name, args) == expected


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("upper", [U]),
        ("join", [",", ["a", U]]),
        ("format", ["%s-%s", "a", U]),
        ("replace", [U, "a", "b"]),
        ("element", [U, 0]),
        ("contains", [["a", U], "a"]),
        ("values", [U]),
        ("flatten", [U]),
        ("jsonencode", [{"a": [1, {"b": U}]}]),
        ("yamlencode", [[U]]),
        ("cidrsubnet", ["10.0.0.0/16", 8, U]),
        ("tostring", [U]),
        ("distinct", [["a", U]]),
        ("zipmap", [["a"], [U]]),
        ("sum", [[1, U]]),
    ],
)
def test_unknown_anywhere_in_the_arguments_is_the_result(name: str, args: list[Any]) -> None:
    assert call_function(name, args) is U  # the same Unknown: its reason is preserved


def test_first_unknown_wins() -> None:
    assert call("format", "%s%s", V, U) is V


def test_coalesce_skips_null_and_empty_before_an_unknown() -> None:
    assert call("coalesce", None, "", U, "x") is U
    assert call("coalesce", "a", U) == "a"
    assert call("coalesce", None, "b", U) == "b"


def test_coalescelist_with_unknowns() -> None:
    assert call("coalescelist", [], U, ["a"]) is U
    assert call("coalescelist", ["a"], U) == ["a"]
    assert call("coalescelist", [], [U]) == [U]  # a known list of unknown elements


def test_length_of_collection_with_unknown_elements_is_known() -> None:
    assert call("length", [U, V, "a"]) == 3
    assert call("length", {"a": U}) == 1
    assert call("length", U) is U


def test_keys_of_map_with_unknown_values_is_known() -> None:
    assert call("keys", {"b": U, "a": 1}) == ["a", "b"]
    assert call("keys", U) is U


def test_lookup_known_key_with_other_values_unknown() -> None:
    assert call("lookup", {"a": "x", "b": U}, "a") == "x"
    assert call("lookup", {"a": "x", "b": U}, "b") is U
    assert call("lookup", {"a": "x", "b": U}, "c", "d") == "d"
    assert call("lookup", U, "a") is U
    assert call("lookup", {"a": 1}, U) is U
    assert call("lookup", {"a": 1}, "z", U) is U  # the default itself


def test_merge_keeps_unknown_values() -> None:
    assert call("merge", {"a": 1, "b": 2}, {"b": U}) == {"a": 1, "b": U}
    assert call("merge", {"a": 1}, U) is U  # an unknown map's keys are unknown


def test_concat_passes_unknown_elements_through() -> None:
    assert call("concat", ["a"], [U, "b"]) == ["a", U, "b"]
    assert call("concat", ["a"], U) is U


def test_conversions_pass_unknown_elements_through() -> None:
    assert call("tolist", ["a", U]) == ["a", U]
    assert call("tolist", [1, "a", U]) == ["1", "a", U]
    assert call("toset", ["b", U, "a", "b"]) == ["a", "b", U]  # known first, sorted
    assert call("tomap", {"a": U, "b": "x"}) == {"a": U, "b": "x"}
    assert call("tolist", U) is U


def test_sensitive_is_identity_even_with_unknowns() -> None:
    assert call("sensitive", ["a", U]) == ["a", U]


@pytest.mark.parametrize(
    ("name", "args", "reason"),
    [
        ("uuid", [], "uuid() is only known at apply time"),
        ("timestamp", [], "timestamp() is only known at apply time"),
        ("file", ["${path.module}/x.json"], "file reads are not evaluated"),
        ("templatefile", ["t.tpl", {"a": 1}], "file reads are not evaluated"),
        ("fileexists", ["x"], "file reads are not evaluated"),
        ("filebase64", ["x"], "file reads are not evaluated"),
        ("file", [U], "file reads are not evaluated"),
    ],
)
def test_values_known_only_later_are_unknown(name: str, args: list[Any], reason: str) -> None:
    result = call_function(name, args)
    assert isinstance(result, Unknown)
    assert result.reason == reason


def test_uuid_is_never_a_real_value() -> None:
    assert call("uuid") == call("uuid")  # no randomness: always the same Unknown
    assert not isinstance(call("uuid"), str)


def test_arguments_are_not_mutated() -> None:
    items = ["b", "a", "b"]
    mapping = {"a": 1}
    call("sort", items)
    call("toset", items)
    call("reverse", items)
    call("merge", mapping, {"b": 2})
    assert items == ["b", "a", "b"]
    assert mapping == {"a": 1}


# --- properties ------------------------------------------------------------------------------

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_like)
def test_jsondecode_inverts_jsonencode(value: Any) -> None:
    assert call("jsondecode", call("jsonencode", value)) == value


@given(json_like)
def test_jsonencode_is_compact_and_sorted(value: Any) -> None:
    encoded = call("jsonencode", value)
    assert "\n" not in encoded
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    if isinstance(value, dict):
        assert list(call("jsondecode", encoded)) == sorted(value)


@given(st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "1"]))))
def test_distinct_is_idempotent(items: list[Any]) -> None:
    once = call("distinct", items)
    assert call("distinct", once) == once
    assert len(once) == len({str(x) for x in items})


@given(st.lists(st.text(max_size=3)))
def test_toset_is_sorted_and_unique(items: list[str]) -> None:
    result = call("toset", items)
    assert result == sorted(set(items))


@given(st.lists(st.integers(), min_size=1), st.integers(min_value=-10_000, max_value=10_000))
def test_element_wraps_around(items: list[int], index: int) -> None:
    assert call("element", items, index) == items[index % len(items)]


@given(st.text(), st.text(min_size=1, max_size=3))
def test_join_inverts_split(text: str, separator: str) -> None:
    assert call("join", separator, call("split", separator, text)) == text


# --- grapheme clusters: what Terraform counts as one character ---------------------------------

# each expected value was printed by `terraform console` (Terraform 1.11.4)
GRAPHEME_CASES: list[tuple[str, list[Any], Any]] = [
    ("length", ["e\u0301x"], 2),  # e + combining acute is one character
    ("length", ["a\r\nb"], 3),  # so is CR LF
    ("length", ["🏳️‍🌈"], 1),  # a ZWJ emoji sequence
    ("length", ["🇫🇷🇩🇪"], 2),  # regional indicator pairs
    ("strrev", ["e\u0301x"], "xe\u0301"),  # the accent stays on its letter
    ("strrev", ["a\r\nb"], "b\r\na"),
    ("strrev", ["🇫🇷🇩🇪"], "🇩🇪🇫🇷"),
    ("substr", ["e\u0301xy", 1, 1], "x"),
    ("substr", ["e\u0301xy", -2, -1], "xy"),
    ("substr", ["🏳️‍🌈ab", 1, 1], "a"),
    ("format", ["%.1s|%3s|", "e\u0301x", "e\u0301"], "e\u0301|  e\u0301|"),
]


@pytest.mark.parametrize(("name", "args", "expected"), GRAPHEME_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(GRAPHEME_CASES)])
def test_strings_count_grapheme_clusters_like_terraform(name: str, args: list[Any], expected: Any) -> None:
    assert call_function(name, args) == expected


def test_grapheme_counting_of_a_large_text_is_fast() -> None:
    started = time.perf_counter()
    assert call("length", "é" * 500_000) == 500_000
    assert call("strrev", "ab" * 250_000) == "ba" * 250_000
    assert time.perf_counter() - started < 1.0


# --- RE2: Go's regexp syntax and semantics, in linear time -----------------------------------

# each expected value was printed by `terraform console` (Terraform 1.11.4)
RE2_CASES: list[tuple[str, list[Any], Any]] = [
    ("regex", ["^(a+)+$", "aaaa"], ["aaaa"]),
    ("regex", ["(?i)ABC", "xabcx"], "abc"),
    ("regex", ["(?<a>\\w+)@(?<b>\\w+)", "joe@host"], {"a": "joe", "b": "host"}),
    ("regexall", ["(?m)^\\w+$", "ab\ncd\nef"], ["ab", "cd", "ef"]),
    ("regexall", ["a|", "baaac"], ["", "a", "a", "a", ""]),
    ("regexall", ["", "héllo"], ["", "", "", "", "", ""]),  # one empty match per character
    ("replace", ["héllo", "//", "-"], "-h-é-l-l-o-"),
    ("replace", ["héllo wörld", "/(\\pL+)/", "<$1>"], "<héllo> <wörld>"),
    ("regex", ["[[:^alpha:]]+", "abc123def"], "123"),
    ("regex", ["\\Qa.b\\E", "xa.by"], "a.b"),
    ("regex", ["\\x{e9}+", "héé"], "éé"),
    ("regex", ["(?s)a.b", "a\nb"], "a\nb"),
    ("regexall", ["\\b\\w", "hello big world"], ["h", "b", "w"]),
    ("replace", ["aaa", "/a*?/", "X"], "XaXaXaX"),
    ("replace", ["abc", "/(?P<x>b)/", "[$x]"], "a[b]c"),
    ("replace", ["abc", "/(b)/", "$1$1$"], "abb$c"),
    ("regexall", ["(a)(b)?", "aab"], [["a", None], ["a", "b"]]),
    ("regex", ["\\d+", "١٢٣ 42"], "42"),  # \d is ASCII only
    ("regex", ["\\s+", "a\u00a0 b"], " "),  # so is \s
    ("regex", ["(?U)a+", "aaa"], "a"),
    ("regexall", [".", "日本"], ["日", "本"]),
    ("replace", ["x.y.z", "/\\./", "\\"], "x\\y\\z"),
]


@pytest.mark.parametrize(("name", "args", "expected"), RE2_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(RE2_CASES)])
def test_re2_matches_terraform(name: str, args: list[Any], expected: Any) -> None:
    assert call_function(name, args) == expected


def test_regex_dot_does_not_match_newline() -> None:
    with pytest.raises(FunctionError, match="pattern did not match"):
        call("regex", "a.b", "a\nb")


def test_catastrophic_backtracking_pattern_runs_in_linear_time() -> None:
    started = time.perf_counter()
    with pytest.raises(FunctionError, match="pattern did not match"):
        call("regex", "^(a+)+$", "a" * 40 + "!")
    assert call("regexall", "(x+x+)+y", "x" * 100_000) == []
    assert call("replace", "a" * 200_000 + "!", "/^(a|aa)+$/", "-") == "a" * 200_000 + "!"
    assert time.perf_counter() - started < 1.0


def test_regexall_on_a_large_text_is_linear() -> None:
    text = "ab " * 30_000
    started = time.perf_counter()
    assert len(call("regexall", "[a-z]+", text)) == 30_000
    assert time.perf_counter() - started < 1.0


def test_a_huge_bad_pattern_is_not_repeated_in_the_message() -> None:
    with pytest.raises(FunctionError) as raised:
        call("regex", "(" + "a" * 500_000, "a")
    assert len(str(raised.value)) < 300 and "'(aaaa" in str(raised.value) and "missing )" in str(raised.value)


def test_bad_patterns_are_errors_not_crashes() -> None:
    with pytest.raises(FunctionError, match="invalid regular expression.*invalid escape sequence"):
        call("regex", "(a)\\1", "aa")  # backreferences are not RE2
    with pytest.raises(FunctionError, match="invalid regular expression"):
        call("regex", "a{1001}", "a")  # RE2 caps repetition counts at 1000
    with pytest.raises(FunctionError, match="not valid UTF-8"):
        call("regex", "a", "a\ud800")


# --- the evaluation budget at function level ---------------------------------------------------

BUDGET_CASES: list[tuple[str, list[Any], str]] = [
    ("setproduct", [list(range(1024))] * 3, "setproduct would build a collection of 1,073,741,824 elements"),
    ("format", ["%01000000000d", 1], 'format verb "%01000000000d" would build a string of 1,000,000,000'),
    ("format", ["%.2000000f", 1.5], "would build a string of 2,000,000 characters"),
    ("format", ["%0" + "9" * 40 + "d", 1], "would build a string of 1,000,000,000,000,000,000"),
    ("indent", [1_000_000_000, "a\nb"], "indent would build a string of 1,000,000,003 characters"),
    ("join", ["", ["x" * 600_000, "y" * 600_000]], "join would build a string of"),
    ("replace", ["ab" * 1000, "", "x" * 1000], "replace would build a string of 2,003,000 characters"),
    ("replace", ["a" * 300_000, "/a/", "a" * 10], "replace would build a string of more than 1,000,000 bytes"),
    ("concat", [list(range(60_000)), list(range(60_000))], "concat would build a collection of 120,000 elements"),
    ("split", ["", "x" * 200_000], "split would build a collection of 200,000 elements"),
    ("flatten", [[list(range(60_000)), [list(range(60_000))]]], "flatten would build a collection of 100,001"),
    ("regexall", ["", "x" * 200_000], "regexall found more than 100,000 matches"),
    ("formatlist", ["%s%s", ["x" * 900_000] * 10, "y"], "formatlist would build more than 8,000,000 characters"),
    ("jsonencode", [["x" * 300_000] * 4], "jsonencode of a value holding more than 1,000,000 characters"),
    ("parseint", ["1" * 5000, 10], "parseint of a number with 5,000 digits"),
    # RE2 is linear in the text times the program (and copies every group per step)
    ("regex", ["(a?)" * 1000 + "a" * 1000, "a" * 1000],
     "matching a pattern of 5,004 instructions and 1,000 groups against 1,000 bytes"),
    ("regexall", ["(?:x|.{1,100})*(y)?", "x" * 1_000_000],
     "matching a pattern of 908 instructions and 1 groups against 1,000,000 bytes"),
    ("replace", ["x" * 400_000, "/(.)" * 50 + "/", "-"], "against 400,000 bytes"),
    ("yamldecode", ["a: &a [1]\nb: [" + ", ".join(["*a"] * 10_001) + "]"],
     "yamldecode: the document uses more than 10,000 aliases"),
]


@pytest.mark.parametrize(("name", "args", "reason"), BUDGET_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(BUDGET_CASES)])
def test_function_refuses_to_exceed_the_budget(name: str, args: list[Any], reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(BudgetExceeded) as raised:
        call_function(name, args)
    assert reason in raised.value.reason
    assert time.perf_counter() - started < 2.0


def test_yaml_billion_laughs_is_refused_before_it_is_copied() -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    with pytest.raises(BudgetExceeded, match="aliases expand to more than 1,000,000 values"):
        call("yamldecode", "\n".join(levels))
    # shared aliases that stay small are fine
    assert call("yamldecode", "a: &a [1, 2]\nb: [*a, *a]") == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_cheap_inputs_that_used_to_be_expensive() -> None:
    started = time.perf_counter()
    assert call("indent", 1_000_000_000, "x") == "x"  # only lines after a newline are indented
    assert call("chomp", "\n" * 300_000 + "x") == "\n" * 300_000 + "x"  # no quadratic regex
    assert call("chomp", "x\r\n\n\r") == "x"
    with pytest.raises(FunctionError, match="cannot convert"):
        call("tonumber", "1" * 200_000 + "x")  # no backtracking number pattern
    assert time.perf_counter() - started < 1.0


def test_limits_stay_within_what_terraform_configurations_need() -> None:
    # the largest legitimate values: a 1024-element range, a 100k-element list, a 1 MB string
    assert len(call("range", 1024)) == 1024
    assert len(call("concat", list(range(50_000)), list(range(50_000)))) == LIMITS.max_elements
    assert len(call("format", "%01000000d", 1)) == LIMITS.max_string


# --- calls the analyzer does not evaluate ------------------------------------------------------


class _NoReferences:
    def resolve(self, root: str, attr: str | None, trace: object) -> object:
        raise AssertionError("no references here")


def _evaluate(text: str) -> Any:
    return evaluate_safely(parse_expression(text), Scope(_NoReferences()))


def test_unevaluated_builtin_is_unknown_and_the_rest_still_evaluates() -> None:
    value = _evaluate('{ home = pathexpand("~/x"), region = upper("eu-west-1") }')
    assert value["region"] == "EU-WEST-1"
    assert value["home"] == Unknown("function pathexpand is not evaluated")
    assert _evaluate('coalesce("eu-west-1", timeadd("2024-01-01T00:00:00Z", "1h"))') == "eu-west-1"


def _call(name: str, *args: Any) -> Any:
    expr = ast.Call(name, [ast.Literal(arg) for arg in args])
    return evaluate_safely(expr, Scope(_NoReferences()))


def test_provider_function_is_unknown_naming_it() -> None:
    assert _call("provider::aws::arn_parse", "arn:aws:s3:::b") == Unknown("function provider::aws::arn_parse is not evaluated "
                                   "(provider-defined functions run inside the provider)")


def test_core_namespace_spells_the_builtins() -> None:
    assert _call("core::upper", "a") == "A"
    assert _call("core::element", ["a", "b"], -1) == "b"


def test_a_name_terraform_does_not_know_is_an_error() -> None:
    value = _evaluate('lenght("abc")')
    assert isinstance(value, Unknown) and value.reason == 'Call to unknown function: there is no function named "lenght"'


def test_not_evaluated_names_are_terraform_builtins_without_an_implementation() -> None:
    assert not NOT_EVALUATED & set(FUNCTIONS)
    # pathexpand is evaluated only with a root's file context (file_functions.py), never without one
    assert {"pathexpand", "formatdate", "timeadd", "rsadecrypt"} <= NOT_EVALUATED


def test_try_does_not_hide_an_exhausted_budget() -> None:
    # a fallback would be a guess: Terraform would have computed the product
    value = _evaluate('try(length(setproduct(range(1024), range(1024), range(1024))), 0)')
    assert isinstance(value, Unknown)
    assert value.reason.startswith("evaluation budget exceeded: setproduct would build a collection")
    assert _evaluate('can(setproduct(range(1024), range(1024), range(1024)))') == value


def test_expanding_the_last_argument_spreads_its_elements() -> None:
    # as `terraform console` 1.11 prints them; fabric's networking modules build for_each this way
    assert _evaluate('merge([{ x = 1 }, { y = 2, x = 3 }]...)') == {"x": 3, "y": 2}
    assert _evaluate('concat(["p"], [["q"], ["r"]]...)') == ["p", "q", "r"]
    assert _evaluate('max([3, 9, 4]...)') == 9
    assert _evaluate('merge([]...)') == {}


def test_expanding_a_map_is_terraforms_error() -> None:
    value = _evaluate('try(merge({ a = { x = 1 } }...), "error")')
    assert value == "error"
