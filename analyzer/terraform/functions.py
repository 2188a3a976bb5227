"""Terraform built-in functions with Terraform's semantics, over the analyzer's runtime values.

`FUNCTIONS` maps a function name to a callable taking already-evaluated positional
arguments; `call_function` looks a name up and calls it. Every callable checks its arity,
propagates Unknown (by default: any Unknown anywhere in the arguments is the result, so its
reason survives) and turns argument problems into `FunctionError` with a Terraform-like
message. A few functions can answer with some inputs unknown (`coalesce`, `lookup`, `keys`,
`length`, `merge`, ...); they are registered in `_UNKNOWN_AWARE` and handle Unknown
themselves. `try`/`can` are lazy and live in the evaluator, as do provider functions.

Functions whose result Terraform only learns at apply time (`uuid`, `timestamp`) or that read
files (`file`, `templatefile`, ...) return an Unknown, never a made-up value.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import inspect
import ipaddress
import json
import math
import re
import urllib.parse
import uuid as uuid_module
from collections.abc import Callable, Hashable, Iterator
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import re2  # type: ignore[import-untyped]
import regex as unicode_regex  # only for \X: Unicode's extended grapheme clusters
import yaml

from analyzer.terraform.budget import LIMITS, BudgetExceeded
from analyzer.values import Unknown, first_unknown, type_name

Number = int | float

__all__ = ["FUNCTIONS", "NOT_EVALUATED", "FunctionError", "call_function"]


class FunctionError(ValueError):
    """A function call failed; the message is shown to users, worded like Terraform's."""


class _Problem(Exception):
    """Raised inside implementations; the registry wrapper adds the function name."""

    def __init__(self, detail: str, *, argument: bool = True) -> None:
        super().__init__(detail)
        self.detail = detail
        self.argument = argument  # an argument was invalid, versus the call itself failing

    def render(self, name: str) -> str:
        kind = "Invalid function argument" if self.argument else "Error in function call"
        return f"{kind}: {name}: {self.detail}"


def _failed(detail: str) -> _Problem:
    return _Problem(detail, argument=False)


def _too_long(length: int, what: str) -> None:
    """Refuse, before building it, a string longer than the evaluation budget allows."""
    if length > LIMITS.max_string:
        raise BudgetExceeded(f"{what} would build a string of {length:,} characters (at most {LIMITS.max_string:,})")


def _too_many(count: int, what: str) -> None:
    """Refuse, before building it, a collection larger than the evaluation budget allows."""
    if count > LIMITS.max_elements:
        raise BudgetExceeded(f"{what} would build a collection of {count:,} elements (at most {LIMITS.max_elements:,})")


def _text_size(value: Any, what: str) -> int:
    """Characters of the strings in a value, counting every use of a shared one (bounded walk)."""
    total, nodes, pending = 0, 0, [value]
    while pending:
        item = pending.pop()
        nodes += 1
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            total += sum(len(key) for key in item)
            pending.extend(item.values())
        if total > LIMITS.max_string or nodes > LIMITS.max_nodes:
            raise BudgetExceeded(f"{what} of a value holding more than {LIMITS.max_string:,} characters")
    return total + nodes


_NO_DEFAULT: Any = object()  # marks an omitted optional argument (None is a real value: null)

FILE_READS_REASON = "file reads are not evaluated"


# --- numbers ---------------------------------------------------------------------------------

# unambiguous alternatives: a long digit run that fails to match must not backtrack
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _normal(number: Number) -> Number:
    """Terraform has one number type: integral values are ints here (2.0 -> 2)."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _exact(number: Number) -> Fraction:
    # repr() is the shortest decimal that round-trips, i.e. what the user wrote: 0.1 -> 1/10
    return Fraction(number) if isinstance(number, int) else Fraction(repr(number))


def _inexact(value: Fraction) -> Number:
    return value.numerator if value.denominator == 1 else float(value)


def _parse_number(text: str) -> Number | None:
    """A decimal number as Terraform parses it from a string, or None."""
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    value = Decimal(text)
    if value == value.to_integral_value() and value.adjusted() < 400:
        return int(value)
    return float(value)


def _number_text(number: Number) -> str:
    """Terraform's number to string conversion: no exponent, no trailing '.0'."""
    if isinstance(number, int):
        return str(number)
    if not math.isfinite(number):
        return "-Inf" if number < 0 else ("+Inf" if number > 0 else "NaN")
    if number.is_integer():
        return str(int(number))
    return format(Decimal(repr(number)), "f")


def _shortest_g(number: Number, upper: bool = False) -> str:
    """Go's big.Float Text('g', -1): shortest digits, exponent form from 1e+06 or below 1e-04."""
    if number == 0:
        return "0"
    if isinstance(number, float) and not math.isfinite(number):
        return _number_text(number)
    sign, digit_tuple, exponent = (Decimal(number) if isinstance(number, int) else Decimal(repr(number))).as_tuple()
    assert isinstance(exponent, int)
    raw = "".join(map(str, digit_tuple))
    digits = raw.rstrip("0")
    point = len(raw) + exponent  # value = 0.<digits> * 10**point
    prefix = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        marker = "E" if upper else "e"
        return f"{prefix}{mantissa}{marker}{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


# --- argument conversion (Terraform converts primitives to the parameter's type) -------------


def _to_str(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if value is None:
        raise _Problem(f"{where} must not be null")
    raise _Problem(f"{where} must be a string, got {type_name(value)}")


def _to_num(value: Any, where: str) -> Number:
    if isinstance(value, bool):
        raise _Problem(f"{where} must be a number, got bool")
    if isinstance(value, (int, float)):
        return _normal(value)
    if isinstance(value, str):
        parsed = _parse_number(value)
        if parsed is None:
            raise _Problem(f'{where} must be a number, got the string "{value}"')
        return parsed
    if value is None:
        raise _Problem(f"{where} must not be null")
    raise _Problem(f"{where} must be a number, got {type_name(value)}")


def _to_int(value: Any, where: str) -> int:
    number = _to_num(value, where)
    if not isinstance(number, int):
        raise _Problem(f"{where} must be a whole number, got {_number_text(number)}")
    return number


def _to_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    if value is None:
        raise _Problem(f"{where} must not be null")
    raise _Problem(f"{where} must be a bool, got {type_name(value)}")


def _to_list(value: Any, where: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        raise _Problem(f"{where} must not be null")
    raise _Problem(f"{where} must be a list, set or tuple, got {type_name(value)}")


def _to_map(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value is None:
        raise _Problem(f"{where} must not be null")
    raise _Problem(f"{where} must be a map or object, got {type_name(value)}")


def _arg(position: int) -> str:
    return f"argument {position}"


def _element(index: int, position: int) -> str:
    return f"element {index} of argument {position}"


def _strings(value: Any, position: int) -> list[str]:
    """A list(string) parameter: every element converted, nulls rejected."""
    return [_to_str(item, _element(i, position)) for i, item in enumerate(_to_list(value, _arg(position)))]


def _unify(items: list[Any], where: str) -> list[Any]:
    """Terraform's element type unification for a list/set/map: mixed primitives with a
    string become strings (tolist(["a", 1]) == ["a", "1"]); other mixtures are errors."""
    kinds = {type_name(item) for item in items if item is not None and not isinstance(item, Unknown)}
    if len(kinds) <= 1:
        return items
    if kinds <= {"string", "number", "bool"} and "string" in kinds:
        return [item if item is None or isinstance(item, Unknown) else _to_str(item, where) for item in items]
    raise _Problem(f"all elements of {where} must have the same type, got {', '.join(sorted(kinds))}")


def _key(value: Any) -> Hashable:
    """Identity for equality and dedupe: type-strict (true != 1), 1 == 1.0."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", _normal(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("list", tuple(_key(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _key(v)) for k, v in value.items())))
    if isinstance(value, Unknown):
        return ("unknown", id(value))  # two unknowns are never known to be equal
    return ("null",)


def _dedupe(items: list[Any]) -> list[Any]:
    seen: set[Hashable] = set()
    out = []
    for item in items:
        key = _key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _set_of(items: list[Any], where: str) -> list[Any]:
    """A Terraform set as a list: deduplicated, ordered like cty orders sets (strings
    lexically, numbers numerically, false before true; unknowns last)."""
    known = _dedupe([item for item in _unify(items, where) if not isinstance(item, Unknown)])
    unknowns = [item for item in items if isinstance(item, Unknown)]
    kinds = {type_name(item) for item in known}
    if kinds in ({"string"}, {"number"}, {"bool"}):
        known = sorted(known)
    return known + unknowns


# --- JSON (cty's encoder: compact, keys sorted, <>& escaped, numbers without exponent) -------

_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).translate(_JSON_ESCAPES)


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise _failed("cannot encode an infinite or NaN number as JSON")
        return _number_text(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_string(k)}:{_json_text(value[k])}" for k in sorted(value)) + "}"
    raise _failed(f"cannot encode a {type(value).__name__} value as JSON")


def _json_number(text: str) -> Number:
    parsed = _parse_number(text)
    return parsed if parsed is not None else float(text)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Problem(f'duplicate "{key}" property in JSON object')
        out[key] = value
    return out


def _json_constant(name: str) -> Any:
    raise _Problem(f"invalid JSON: {name} is not a JSON value")


# --- YAML (go-cty-yaml flavour of YAML 1.1) --------------------------------------------------


class _YamlLoader(yaml.SafeLoader):
    """Reads YAML like Terraform's yamldecode: timestamps stay RFC 3339 strings, `y`/`n` are
    bools, `0x1F` and `1:20` stay strings, leading-zero integers are decimal, `1e3` is a number.
    Aliases are capped (each can repeat a whole subtree; PyYAML itself dedupes merge keys)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > LIMITS.max_yaml_aliases:
                raise BudgetExceeded(f"yamldecode: the document uses more than {LIMITS.max_yaml_aliases:,} aliases")
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


class _YamlDumper(yaml.SafeDumper):
    """Writes YAML like Terraform's yamlencode: block style, double-quoted strings."""


def _yaml_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    moment = loader.construct_yaml_timestamp(node)
    if not isinstance(moment, datetime):
        return f"{moment.isoformat()}T00:00:00Z"
    if moment.tzinfo is None or moment.utcoffset() == timezone.utc.utcoffset(None):
        return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
    return moment.replace(microsecond=0).isoformat()


def _yaml_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    plain = text.replace("_", "")
    parsed = _parse_number(plain)
    if parsed is not None:
        return parsed
    lowered = plain.lower()
    if lowered in (".inf", "+.inf", "-.inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        raise _Problem("floating point NaN is not supported")
    if re.fullmatch(r"[-+]?0b[01]+", plain):
        return int(plain.replace("0b", ""), 2)
    return text  # hex, sexagesimal: go-cty-yaml leaves these as strings


def _yaml_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() in ("y", "yes", "true", "on")


def _yaml_binary(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))  # cty has no bytes: keep the base64 text


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _yaml_timestamp)
_YamlLoader.add_constructor("tag:yaml.org,2002:int", _yaml_number)
_YamlLoader.add_constructor("tag:yaml.org,2002:float", _yaml_number)
_YamlLoader.add_constructor("tag:yaml.org,2002:bool", _yaml_bool)
_YamlLoader.add_constructor("tag:yaml.org,2002:binary", _yaml_binary)
_YamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)$"),
    list("-+.0123456789"),
)


def _c_yaml_loader() -> type | None:
    """libyaml's C parser with `_YamlLoader`'s constructors and resolvers: the same values, many
    times faster. It has no alias cap, so it only reads documents that cannot hold an anchor."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return None

    class _CYamlLoader(CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        yaml_constructors = _YamlLoader.yaml_constructors
        yaml_implicit_resolvers = _YamlLoader.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return _CYamlLoader


_C_YAML_LOADER = _c_yaml_loader()


# An anchor's `&` starts a token, so it follows a non-alphanumeric character (or nothing); an `&`
# after a letter or digit is text (a URL's query, a tag). No anchor means no alias or merge to cap.
_MAYBE_ANCHOR = re.compile(r"(?:^|[^0-9A-Za-z])&")


def _yaml_load(source: str) -> Any:
    """Decode with libyaml when the document cannot use aliases, else with the capped loader.
    A document libyaml rejects is read again by the Python loader, for the same error text."""
    if _C_YAML_LOADER is not None and not _MAYBE_ANCHOR.search(source):
        try:
            return yaml.load(source, Loader=_C_YAML_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.load(source, Loader=_YamlLoader)  # noqa: S506 - a safe loader


def _yaml_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else '"')


def _yaml_float(dumper: yaml.SafeDumper, number: float) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", _number_text(number))


_YamlDumper.add_representer(str, _yaml_str)
_YamlDumper.add_representer(float, _yaml_float)


def _from_yaml(value: Any) -> Any:
    if isinstance(value, dict):
        return {_yaml_key(k): _from_yaml(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_yaml(item) for item in value]
    if isinstance(value, float):
        return _normal(value) if math.isfinite(value) else value
    return value


def _yaml_key(key: Any) -> str:
    if isinstance(key, (str, bool, int, float)):
        return _to_str(key, "a YAML mapping key")
    raise _Problem(f"YAML mapping keys must be strings, got {type_name(key)}")


# --- regular expressions (Go's regexp = RE2 syntax, run by RE2 itself: linear time) ----------
#
# Matching runs on the UTF-8 bytes, as Go does: positions, the "advance one rune after an
# empty match" rule and `$1` expansion then follow Go's code exactly.

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is a finding, not stderr noise
Regex = Any  # re2._Regexp (the binding ships no type information)


def _compile(pattern: str) -> Regex:
    if len(pattern) > LIMITS.max_string:
        raise BudgetExceeded(f"a regular expression of {len(pattern):,} characters")
    try:
        return re2.compile(_utf8(pattern), _RE2_OPTIONS)
    except re2.error as err:
        detail = err.args[0].decode("utf-8", "replace") if err.args and isinstance(err.args[0], bytes) else str(err)
        shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
        detail = detail if len(detail) <= 120 else detail[:117] + "..."  # RE2 quotes the pattern too
        raise _Problem(f"invalid regular expression {shown!r}: {detail}") from None


def _searched(regex: Regex, text: str) -> bytes:
    """The text as UTF-8, once its matching cost is known to be bounded: RE2 is linear in
    the text, times the program size (and the capture groups it copies)."""
    data = _utf8(text)
    cost = len(data) * regex.programsize * (1 + regex.groups // 8)
    if cost > LIMITS.max_regex_work:
        raise BudgetExceeded(f"matching a pattern of {regex.programsize:,} instructions and {regex.groups:,} groups "
                             f"against {len(data):,} bytes ({cost:,} steps, at most {LIMITS.max_regex_work:,})")
    return data


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Problem("the string is not valid UTF-8 (it holds a lone surrogate)") from None


def _rune_width(data: bytes, position: int) -> int:
    """Width of the UTF-8 character starting at position (Go's utf8.DecodeRune); 0 at the end."""
    if position >= len(data):
        return 0
    lead = data[position]
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _find_all(regex: Regex, data: bytes) -> Iterator[Any]:
    """Go's allMatches: an empty match right after the previous match is skipped."""
    position, previous_end, found = 0, -1, 0
    while position <= len(data):
        match = regex.search(data, position)
        if match is None:
            return
        start, end = match.span()
        accept = True
        if end == position:
            accept = start != previous_end
            width = _rune_width(data, position)
            position = position + width if width else len(data) + 1
        else:
            position = end
        previous_end = end
        if accept:
            found += 1
            if found > LIMITS.max_elements:
                raise BudgetExceeded(f"regexall found more than {LIMITS.max_elements:,} matches")
            yield match


_TEMPLATE_REF = re.compile(r"\$(?:\{(\w+)\}|(\w+)|(\$))")


def _template_parts(template: str) -> list[str | tuple[str]]:
    """Go's Regexp.Expand template: literal text and ($name,) group references; `$$` is `$`,
    a `$` not followed by a name is literal."""
    parts: list[str | tuple[str]] = []
    position = 0
    for ref in _TEMPLATE_REF.finditer(template):
        parts.append(template[position : ref.start()])
        if ref.group(3):
            parts.append("$")
        else:
            parts.append((ref.group(1) or ref.group(2),))
        position = ref.end()
    parts.append(template[position:])
    return [part for part in parts if part != ""]


def _group_names(regex: Regex) -> dict[str, int]:
    return {name.decode("utf-8"): number for name, number in regex.groupindex.items()}


def _group_bytes(regex: Regex, match: Any, name: str, names: dict[str, int]) -> bytes:
    # Go reads a name of digits as a group number; a leading zero makes it a name
    if name.isascii() and name.isdigit() and not (name.startswith("0") and len(name) > 1):
        number = int(name)
        return (match.group(number) or b"") if number <= regex.groups else b""
    return (match.group(names[name]) or b"") if name in names else b""


def _replace_all(regex: Regex, text: str, template: str) -> str:
    """Go's ReplaceAllString, including its handling of empty matches."""
    data = _searched(regex, text)
    parts = [part if isinstance(part, tuple) else _utf8(part) for part in _template_parts(template)]
    names = _group_names(regex)
    out: list[bytes] = []
    size, last_end, search = 0, 0, 0
    while search <= len(data):
        match = regex.search(data, search)
        if match is None:
            break
        start, end = match.span()
        out.append(data[last_end:start])
        size += start - last_end
        if end > last_end or start == 0:
            for part in parts:
                piece = _group_bytes(regex, match, part[0], names) if isinstance(part, tuple) else part
                out.append(piece)
                size += len(piece)
        if size > LIMITS.max_string:
            raise BudgetExceeded(f"replace would build a string of more than {LIMITS.max_string:,} bytes")
        last_end = end
        width = _rune_width(data, search)
        if search + width > end:
            search += width
        elif search + 1 > end:
            search += 1  # only at the end of the input, where the width is 0
        else:
            search = end
    out.append(data[last_end:])
    return b"".join(out).decode("utf-8", "replace")


def _match_shape(regex: Regex) -> str:
    named = len(regex.groupindex)
    if regex.groups == 0:
        return "string"
    if 0 < named < regex.groups:
        raise _Problem("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    return "map" if named else "list"


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


def _match_result(regex: Regex, match: Any, shape: str) -> Any:
    if shape == "string":
        return _text(match.group(0))
    if shape == "list":
        return [_text(group) for group in match.groups()]  # a group that did not take part is null
    return {name: _text(match.group(number)) for name, number in _group_names(regex).items()}


# --- format (cty's printf-like verbs) --------------------------------------------------------

_VERB = re.compile(r"%(?P<flags>[-+# 0]*)(?:\[(?P<index>[1-9][0-9]*)\])?(?P<width>[1-9][0-9]*)?(?:\.(?P<precision>[0-9]*))?")


def _format_text(spec: str, args: list[Any]) -> str:
    out: list[str] = []
    i, next_arg, size = 0, 1, 0
    while i < len(spec):
        if spec[i] != "%":
            out.append(spec[i])
            i += 1
            continue
        if spec.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        verb = _VERB.match(spec, i)
        assert verb is not None  # the pattern accepts a lone %
        end = verb.end()
        if end >= len(spec):
            raise _failed(f"invalid format string starting at offset {i}")
        if not spec[end].isascii() or not spec[end].isalpha():
            raise _failed(f"unrecognized format character {spec[end]!r} at offset {end}")
        number = int(verb.group("index")) if verb.group("index") else next_arg
        raw = spec[i : end + 1]
        if number > len(args):
            raise _failed(f'not enough arguments for "{raw}" at {i}: need index {number} but have {len(args)} total')
        for amount in (verb.group("width"), verb.group("precision")):
            if amount:  # a width of 10**1000 is refused from its digit count
                _too_long(int(amount) if len(amount) <= 18 else 10**18, f'format verb "{raw[:40]}"')
        piece = _format_verb(verb, spec[end], raw, i, args[number - 1])
        size += len(piece)
        _too_long(size, "format")
        out.append(piece)
        next_arg = number + 1
        i = end + 1
    return "".join(out)


def _format_verb(verb: re.Match[str], mode: str, raw: str, offset: int, value: Any) -> str:
    flags = verb.group("flags")
    width = int(verb.group("width")) if verb.group("width") else None
    precision = int(verb.group("precision") or 0) if verb.group("precision") is not None else None
    where = "the value"
    if mode != "v" and value is None:
        raise _failed(f'unsupported value for "{raw}" at {offset}: null value cannot be formatted')
    if mode == "v":
        if isinstance(value, (list, dict)):
            _text_size(value, "format %v")  # before encoding: a list of shared 1 MB strings
        if "#" not in flags and isinstance(value, str):
            return _pad(value, width, flags)
        if "#" not in flags and isinstance(value, (int, float)) and not isinstance(value, bool):
            return _pad(_shortest_g(value), width, flags)
        return _pad(_json_text(value), width, flags)
    try:
        if mode == "t":
            return "true" if _to_bool(value, where) else "false"
        if mode in "bdoxX":
            return _format_integer(_to_int(value, where), mode, flags, width, precision)
        if mode in "eEfgG":
            return _format_float(_to_num(value, where), mode, flags, width, precision)
        if mode in "sq":
            text = _to_str(value, where)
            if precision:  # %.0s leaves the string whole, as in cty
                text = "".join(_graphemes(text)[:precision])
            return _pad(_json_string(text) if mode == "q" else text, width, flags)
    except _Problem as problem:
        raise _failed(f'unsupported value for "{raw}" at {offset}: {problem.detail}') from None
    raise _failed(f"unsupported format verb {mode!r} in \"{raw}\" at offset {offset}")


def _pad(text: str, width: int | None, flags: str) -> str:
    length = _grapheme_count(text)
    if width is None or length >= width:
        return text
    padding = ("0" if "0" in flags else " ") * (width - length)
    return text + padding if "-" in flags else padding + text


def _sign(negative: bool, flags: str) -> str:
    return "-" if negative else "+" if "+" in flags else " " if " " in flags else ""


def _format_integer(number: int, mode: str, flags: str, width: int | None, precision: int | None) -> str:
    """Go's big.Int formatting: [left pad][sign][prefix][zero pad][digits][right pad]."""
    digits = format(abs(number), {"b": "b", "o": "o", "d": "d", "x": "x", "X": "X"}[mode])
    if precision == 0 and number == 0:
        digits = ""
    zeros = max((precision or 0) - len(digits), 0)
    prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(mode, "") if "#" in flags else ""
    sign = _sign(number < 0, flags)
    left = right = 0
    missing = (width or 0) - len(sign) - len(prefix) - zeros - len(digits)
    if missing > 0:
        if "-" in flags:
            right = missing
        elif "0" in flags and precision is None:
            zeros += missing
        else:
            left = missing
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _format_float(number: Number, mode: str, flags: str, width: int | None, precision: int | None) -> str:
    """Go's big.Float formatting for %e %f %g (exponent has at least two digits)."""
    magnitude = abs(number)
    if mode in "gG" and precision is None:
        body = _shortest_g(magnitude, upper=mode == "G")
    elif mode in "gG":
        body = format(float(magnitude), f".{precision}{mode}")
    else:
        # Python formats floats from their exact binary value, as Go does; a Decimal keeps
        # big integers exact (Decimal zero formats oddly, so zero goes the float way)
        exact: Decimal | float = Decimal(magnitude) if isinstance(magnitude, int) and magnitude else float(magnitude)
        body = format(exact, f".{6 if precision is None else precision}{mode}")
        body = re.sub(r"([eE][+-])(\d)$", r"\g<1>0\2", body)
    sign = _sign(number < 0, flags)
    missing = max((width or 0) - len(sign) - len(body), 0)
    if "0" in flags:
        return sign + "0" * missing + body
    if "-" in flags:
        return sign + body + " " * missing
    return " " * missing + sign + body


# --- CIDR ------------------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(text: str) -> Network:
    address, slash, bits = text.partition("/")
    # Terraform's ipaddr keeps accepting leading zeros in IPv4 octets (read as decimal)
    if re.fullmatch(r"\d+(?:\.\d+){3}", address):
        address = ".".join(str(int(part)) for part in address.split("."))
    try:
        if not slash or not (bits.isascii() and bits.isdigit()):
            raise ValueError(text)
        return ipaddress.ip_network(f"{address}/{bits}", strict=False)
    except ValueError:
        raise _failed(f'invalid CIDR expression: invalid CIDR address: "{text}"') from None


def _subnet(network: Network, start: int, prefix: int) -> Network:
    return type(network)((start, prefix))


def _mask(prefix: int, width: int) -> int:
    return ((1 << prefix) - 1) << (width - prefix)


# --- grapheme clusters (Terraform's length, strrev, substr and format count them) --------

_GRAPHEME = unicode_regex.compile(r"\X")


def _graphemes(text: str) -> list[str]:
    if text.isascii() and "\r\n" not in text:
        return list(text)  # every ASCII character is a cluster, except CR LF
    return _GRAPHEME.findall(text)  # type: ignore[no-any-return]


def _grapheme_count(text: str) -> int:
    if text.isascii() and "\r\n" not in text:
        return len(text)
    return sum(1 for _ in _GRAPHEME.finditer(text))


# --- the functions: collections -------------------------------------------------------------


def _alltrue(values: Any) -> bool:
    for i, item in enumerate(_to_list(values, _arg(1))):
        if item is None or not _to_bool(item, _element(i, 1)):
            return False  # null counts as false
    return True


def _anytrue(values: Any) -> bool:
    return any(item is not None and _to_bool(item, _element(i, 1)) for i, item in enumerate(_to_list(values, _arg(1))))


def _chunklist(values: Any, size: Any) -> list[Any]:
    items, chunk = _to_list(values, _arg(1)), _to_int(size, _arg(2))
    if chunk < 0:
        raise _Problem("the size argument must be positive")
    if not items:
        return []
    if chunk == 0:
        return [list(items)]
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


def _coalesce(*values: Any) -> Any:
    """First argument that is neither null nor ""; an unknown before it makes the result unknown."""
    unified = _unify(list(values), "the arguments")
    for value in unified:
        if isinstance(value, Unknown):
            return value
        if value is None or value == "":
            continue
        return value
    raise _failed("no non-null, non-empty-string arguments")


def _coalescelist(*values: Any) -> Any:
    if not values:
        raise _Problem("at least one argument is required")
    for i, value in enumerate(values, 1):
        if not isinstance(value, (list, Unknown)) and value is not None:
            raise _Problem(f"{_arg(i)} must be a list or tuple, got {type_name(value)}")
    for value in values:
        if isinstance(value, Unknown):
            return value
        if value:  # skips null and empty lists
            return value
    raise _failed("no non-null arguments")


def _compact(values: Any) -> list[str]:
    items = _to_list(values, _arg(1))
    return [_to_str(item, _element(i, 1)) for i, item in enumerate(items) if item is not None and item != ""]


def _concat(*lists: Any) -> Any:
    if not lists:
        raise _Problem("at least one argument is required")
    for i, value in enumerate(lists, 1):
        if not isinstance(value, Unknown):
            _to_list(value, _arg(i))
    _too_many(sum(len(value) for value in lists if isinstance(value, list)), "concat")
    unknown = next((value for value in lists if isinstance(value, Unknown)), None)
    return unknown if unknown is not None else [item for value in lists for item in value]


def _contains(values: Any, value: Any) -> bool:
    wanted = _key(value)
    return any(_key(item) == wanted for item in _to_list(values, _arg(1)))


def _distinct(values: Any) -> list[Any]:
    return _dedupe(_unify(_to_list(values, _arg(1)), _arg(1)))


def _element_at(values: Any, index: Any) -> Any:
    items, position = _to_list(values, _arg(1)), _to_int(index, _arg(2))
    if not items:
        raise _failed("cannot use element function with an empty list")
    # wraps around both ways since Terraform 1.2 (go-cty 1.10): -1 is the last element
    return items[position % len(items)]


def _flatten(values: Any) -> list[Any]:
    out: list[Any] = []
    pending = [iter(_to_list(values, _arg(1)))]
    while pending:  # no recursion: the depth of the nesting is the input's
        item = next(pending[-1], _NO_DEFAULT)
        if item is _NO_DEFAULT:
            pending.pop()
        elif isinstance(item, list):
            pending.append(iter(item))
        else:
            out.append(item)
            if len(out) > LIMITS.max_elements:
                _too_many(len(out), "flatten")
    return out


def _index_of(values: Any, value: Any) -> int:
    items = _to_list(values, _arg(1))
    if not items:
        raise _failed("cannot search an empty list")
    wanted = _key(value)
    for i, item in enumerate(items):
        if _key(item) == wanted:
            return i
    raise _failed("item not found")


def _keys(mapping: Any) -> Any:
    if isinstance(mapping, Unknown):
        return mapping
    return sorted(_to_map(mapping, _arg(1)))


def _length(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return _grapheme_count(value)  # what a reader sees as one character: "é" as e + accent is 1
    if isinstance(value, (list, dict)):
        return len(value)
    if value is None:
        raise _Problem("argument must not be null")
    raise _Problem(f"argument must be a string, a collection type, or a structural type, got {type_name(value)}")


def _lookup(mapping: Any, key: Any, default: Any = _NO_DEFAULT) -> Any:
    """Known as soon as the map and key are, even if other values in the map are unknown."""
    if isinstance(mapping, Unknown):
        return mapping
    if isinstance(key, Unknown):
        return key
    values, name = _to_map(mapping, _arg(1)), _to_str(key, _arg(2))
    if name in values:
        return values[name]
    if default is _NO_DEFAULT:
        raise _Problem(f'lookup failed to find key "{name}" and no default was given')
    return default


def _matchkeys(values: Any, keys: Any, searchset: Any) -> list[Any]:
    items, candidates = _to_list(values, _arg(1)), _to_list(keys, _arg(2))
    wanted_list = _to_list(searchset, _arg(3))
    if len(items) != len(candidates):
        raise _failed("length of keys and values should be equal")
    unified = _unify(candidates + wanted_list, "keys and searchset")
    wanted = {_key(item) for item in unified[len(candidates) :]}
    return [item for item, candidate in zip(items, unified) if _key(candidate) in wanted]


def _merge(*mappings: Any) -> Any:
    """Later keys win; nulls are skipped. Unknown values inside the maps are fine."""
    for i, mapping in enumerate(mappings, 1):
        if mapping is not None and not isinstance(mapping, (dict, Unknown)):
            raise _Problem(f"arguments must be maps or objects, got {type_name(mapping)} for {_arg(i)}")
    out: dict[str, Any] = {}
    for mapping in mappings:
        if isinstance(mapping, Unknown):
            return mapping  # its keys are unknown, so the result's are too
        out.update(mapping or {})
    return out


def _one(values: Any) -> Any:
    items = _to_list(values, _arg(1))
    if len(items) > 1:
        raise _Problem(f"must be a list, set, or tuple value with either zero or one elements, got {len(items)} elements")
    return items[0] if items else None


def _range(first: Any, second: Any = _NO_DEFAULT, step: Any = _NO_DEFAULT) -> list[Number]:
    bounds = [value for value in (first, second, step) if value is not _NO_DEFAULT]
    numbers = [_exact(_to_num(bound, _arg(i))) for i, bound in enumerate(bounds, 1)]
    if len(numbers) == 1:
        numbers = [Fraction(0), *numbers]  # range(n) counts from zero
    start, limit = numbers[0], numbers[1]
    increment = numbers[2] if len(numbers) == 3 else Fraction(-1 if limit < start else 1)
    if increment == 0:
        raise _Problem("step must not be zero")
    if increment < 0 and limit > start:
        raise _Problem("end must be less than start when step is negative")
    if increment > 0 and limit < start:
        raise _Problem("end must be greater than start when step is positive")
    if abs(math.ceil((limit - start) / increment)) > 1024:
        raise _failed("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step")
    out: list[Number] = []
    value = start
    while (value > limit) if increment < 0 else (value < limit):
        out.append(_inexact(value))  # exact arithmetic: range(0, 1, 0.1) has no drift
        value += increment
    return out


def _reverse(values: Any) -> list[Any]:
    return list(reversed(_to_list(values, _arg(1))))


def _setintersection(first: Any, *others: Any) -> list[Any]:
    sets = _unified_sets([first, *others])
    common = {_key(item) for item in sets[0]}
    for other in sets[1:]:
        common &= {_key(item) for item in other}
    return _set_of([item for item in sets[0] if _key(item) in common], "the sets")


def _setproduct(*sets: Any) -> list[list[Any]]:
    if len(sets) < 2:
        raise _Problem("at least two arguments are required")
    _too_many(math.prod(len(value) for value in sets if isinstance(value, list)), "setproduct")
    product: list[list[Any]] = [[]]
    for i, value in enumerate(sets, 1):
        product = [prefix + [item] for prefix in product for item in _to_list(value, _arg(i))]
    return product


def _setsubtract(a: Any, b: Any) -> list[Any]:
    left, right = _unified_sets([a, b])
    removed = {_key(item) for item in right}
    return _set_of([item for item in left if _key(item) not in removed], "the sets")


def _setunion(first: Any, *others: Any) -> list[Any]:
    return _set_of([item for value in _unified_sets([first, *others]) for item in value], "the sets")


def _unified_sets(values: list[Any]) -> list[list[Any]]:
    lists = [_to_list(value, _arg(i)) for i, value in enumerate(values, 1)]
    flat = _unify([item for items in lists for item in items], "the sets")
    out, position = [], 0
    for items in lists:
        out.append(flat[position : position + len(items)])
        position += len(items)
    return out


def _slice(values: Any, start: Any, end: Any) -> list[Any]:
    items = _to_list(values, _arg(1))
    first, last = _to_int(start, _arg(2)), _to_int(end, _arg(3))
    if first < 0:
        raise _Problem("start index must not be less than zero")
    if first > len(items):
        raise _Problem("start index must not be greater than the length of the list")
    if last < 0:
        raise _Problem("end index must not be less than zero")
    if last > len(items):
        raise _Problem("end index must not be greater than the length of the list")
    if first > last:
        raise _Problem("start index must not be greater than end index")
    return items[first:last]


def _sort(values: Any) -> list[str]:
    items = _to_list(values, _arg(1))
    for i, item in enumerate(items):
        if item is None:
            raise _Problem(f"given list element {i} is null; a null string cannot be sorted")
    return sorted(_to_str(item, _element(i, 1)) for i, item in enumerate(items))  # lexical, even numbers


def _sum(values: Any) -> Number:
    items = _to_list(values, _arg(1))
    if not items:
        raise _Problem("cannot sum an empty list")
    if any(item is None for item in items):
        raise _Problem("argument must be list, set, or tuple of number values")
    return _inexact(sum((_exact(_to_num(item, _element(i, 1))) for i, item in enumerate(items)), Fraction(0)))


def _transpose(mapping: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in sorted(_to_map(mapping, _arg(1)).items()):
        for item in _strings(value, 1):
            out.setdefault(item, []).append(key)
    return {key: sorted(out[key]) for key in sorted(out)}


def _values(mapping: Any) -> list[Any]:
    values = _to_map(mapping, _arg(1))
    return [values[key] for key in sorted(values)]  # ordered by key, like keys()


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    names, items = _strings(keys, 1), _to_list(values, _arg(2))
    if len(names) != len(items):
        raise _Problem(f"number of keys ({len(names)}) does not match number of values ({len(items)})")
    return dict(zip(names, items))


# --- the functions: strings -----------------------------------------------------------------

# Go's unicode.IsSpace: ASCII whitespace, NEL, NBSP and the other Unicode spaces
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _single(mapped: str, original: str) -> str:
    # Go maps rune to rune: 'ß' has no one-rune upper case and stays 'ß'
    return mapped if len(mapped) == 1 else original


def _chomp(text: Any) -> str:
    return _to_str(text, _arg(1)).rstrip("\r\n")  # cty: (?:\r\n?|\n)*\z removes any mix of them


def _endswith(text: Any, suffix: Any) -> bool:
    return _to_str(text, _arg(1)).endswith(_to_str(suffix, _arg(2)))


def _format(spec: Any, *values: Any) -> str:
    return _format_text(_to_str(spec, _arg(1)), list(values))


def _formatlist(spec: Any, *values: Any) -> list[str]:
    text = _to_str(spec, _arg(1))
    length, chooser = None, 0
    for i, value in enumerate(values, 2):
        if isinstance(value, list):
            if length is None:
                length, chooser = len(value), i
            elif len(value) != length:
                raise _Problem(f"argument {i} has length {len(value)}, which is inconsistent with argument {chooser} of length {length}")
    out, size = [], 0
    for row in range(1 if length is None else length):
        row_args = [value[row] if isinstance(value, list) else value for value in values]
        try:
            out.append(_format_text(text, row_args))
        except _Problem as problem:
            raise _failed(f"error on format iteration {row}: {problem.detail}") from None
        size += len(out[-1])
        if size > LIMITS.max_text:
            raise BudgetExceeded(f"formatlist would build more than {LIMITS.max_text:,} characters")
    return out


def _indent(spaces: Any, text: Any) -> str:
    source, width = _to_str(text, _arg(2)), _to_int(spaces, _arg(1))
    lines = source.count("\n")
    if not lines:
        return source  # only lines after the first are indented: no padding to build
    _too_long(len(source) + lines * max(width, 0), "indent")
    return source.replace("\n", "\n" + " " * width)


def _join(separator: Any, *lists: Any) -> str:
    glue = _to_str(separator, _arg(1))
    if not lists:
        raise _Problem("at least one list is required")
    parts, size = [], 0
    for position, value in enumerate(lists, 2):
        for i, item in enumerate(_to_list(value, _arg(position))):
            if item is None:
                raise _Problem(f"element {i} is null; cannot concatenate null values")
            parts.append(_to_str(item, _element(i, position)))
            size += len(parts[-1]) + len(glue)
            _too_long(size, "join")
    return glue.join(parts)


def _lower(text: Any) -> str:
    return "".join(_single(ch.lower(), ch) for ch in _to_str(text, _arg(1)))


def _regex(pattern: Any, text: Any) -> Any:
    regex = _compile(_to_str(pattern, _arg(1)))
    shape = _match_shape(regex)
    match = regex.search(_searched(regex, _to_str(text, _arg(2))))
    if match is None:
        raise _failed("pattern did not match any part of the given string")
    return _match_result(regex, match, shape)


def _regexall(pattern: Any, text: Any) -> list[Any]:
    regex = _compile(_to_str(pattern, _arg(1)))
    shape = _match_shape(regex)
    return [_match_result(regex, match, shape) for match in _find_all(regex, _searched(regex, _to_str(text, _arg(2))))]


def _replace(text: Any, search: Any, replacement: Any) -> str:
    source, needle, template = _to_str(text, _arg(1)), _to_str(search, _arg(2)), _to_str(replacement, _arg(3))
    if len(needle) > 1 and needle.startswith("/") and needle.endswith("/"):
        return _replace_all(_compile(needle[1:-1]), source, template)  # /re/ is a regex
    count = source.count(needle) if needle else len(source) + 1
    _too_long(len(source) + count * (len(template) - len(needle)), "replace")
    return source.replace(needle, template)


def _split(separator: Any, text: Any) -> list[str]:
    glue, source = _to_str(separator, _arg(1)), _to_str(text, _arg(2))
    _too_many(source.count(glue) + 1 if glue else len(source), "split")
    if glue == "":
        return list(source)  # Go splits into characters
    return source.split(glue)


def _startswith(text: Any, prefix: Any) -> bool:
    return _to_str(text, _arg(1)).startswith(_to_str(prefix, _arg(2)))


def _strcontains(text: Any, part: Any) -> bool:
    return _to_str(part, _arg(2)) in _to_str(text, _arg(1))


def _strrev(text: Any) -> str:
    return "".join(reversed(_graphemes(_to_str(text, _arg(1)))))  # an accent stays on its letter


def _substr(text: Any, offset: Any, length: Any) -> str:
    source = _graphemes(_to_str(text, _arg(1)))
    start, count = _to_int(offset, _arg(2)), _to_int(length, _arg(3))
    if start < 0:
        start = max(start + len(source), 0)  # negative offsets count from the end
    if start >= len(source):
        return ""
    return "".join(source[start:] if count < 0 else source[start : start + count])  # -1 means "to the end"


def _title(text: Any) -> str:
    """Go's strings.Title: upper-case the first letter of each word, leave the rest."""
    out, previous = [], " "
    for ch in _to_str(text, _arg(1)):
        out.append(_single(ch.title(), ch) if _is_word_separator(previous) else ch)
        previous = ch
    return "".join(out)


def _is_word_separator(ch: str) -> bool:
    if ch.isascii():
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or ch.isdigit():
        return False
    return ch in _GO_SPACE


def _trim(text: Any, cutset: Any) -> str:
    return _to_str(text, _arg(1)).strip(_to_str(cutset, _arg(2)))


def _trimprefix(text: Any, prefix: Any) -> str:
    return _to_str(text, _arg(1)).removeprefix(_to_str(prefix, _arg(2)))


def _trimspace(text: Any) -> str:
    return _to_str(text, _arg(1)).strip(_GO_SPACE)


def _trimsuffix(text: Any, suffix: Any) -> str:
    return _to_str(text, _arg(1)).removesuffix(_to_str(suffix, _arg(2)))


def _upper(text: Any) -> str:
    return "".join(_single(ch.upper(), ch) for ch in _to_str(text, _arg(1)))


# --- the functions: numbers -----------------------------------------------------------------


def _abs(number: Any) -> Number:
    return abs(_to_num(number, _arg(1)))


def _ceil(number: Any) -> Number:
    value = _to_num(number, _arg(1))
    return math.ceil(value) if math.isfinite(value) else value


def _floor(number: Any) -> Number:
    value = _to_num(number, _arg(1))
    return math.floor(value) if math.isfinite(value) else value


def _log(number: Any, base: Any) -> Number:
    value, radix = _to_num(number, _arg(1)), _to_num(base, _arg(2))
    try:
        return _normal(math.log(value) / math.log(radix))
    except (ValueError, ZeroDivisionError):
        raise _failed(f"cannot compute the logarithm of {_number_text(value)} in base {_number_text(radix)}") from None


def _max(*numbers: Any) -> Number:
    if not numbers:
        raise _Problem("must pass at least one number")
    return max(_to_num(number, _arg(i)) for i, number in enumerate(numbers, 1))


def _min(*numbers: Any) -> Number:
    if not numbers:
        raise _Problem("must pass at least one number")
    return min(_to_num(number, _arg(i)) for i, number in enumerate(numbers, 1))


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parseint(text: Any, base: Any) -> int:
    source, radix = _to_str(text, _arg(1)), _to_int(base, _arg(2))
    if not 2 <= radix <= 62:
        raise _Problem(f"base must be a whole number between 2 and 62 inclusive, got {radix}")
    # Go's big.Int.SetString: letters are case-insensitive up to base 36, distinct above
    alphabet = _DIGITS[:radix] if radix > 36 else _DIGITS[:radix] + _DIGITS[10:radix].upper()
    sign, digits = (source[0], source[1:]) if source[:1] in ("+", "-") else ("", source)
    if len(digits) > 4096:  # digit by digit is quadratic in the length
        raise BudgetExceeded(f"parseint of a number with {len(digits):,} digits (at most 4,096)")
    if not digits or any(ch not in alphabet for ch in digits):
        raise _failed(f'cannot parse "{source}" as a base {radix} integer')
    value = 0
    for ch in digits:
        value = value * radix + (_DIGITS.index(ch) if radix > 36 else int(ch, 36))
    return -value if sign == "-" else value


def _pow(number: Any, power: Any) -> Number:
    try:
        return _normal(math.pow(_to_num(number, _arg(1)), _to_num(power, _arg(2))))
    except OverflowError:
        return math.inf
    except ValueError:
        raise _failed("the result is not a real number") from None


def _signum(number: Any) -> int:
    value = _to_num(number, _arg(1))
    return (value > 0) - (value < 0)


# --- the functions: encoding and hashing ----------------------------------------------------


def _base64decode(text: Any) -> str:
    try:
        decoded = base64.b64decode(_to_str(text, _arg(1)), validate=True)
    except ValueError:
        raise _failed("failed to decode base64 data") from None
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise _failed("the result of decoding the provided string is not valid UTF-8") from None


def _base64encode(text: Any) -> str:
    return base64.b64encode(_to_str(text, _arg(1)).encode()).decode("ascii")


def _base64sha256(text: Any) -> str:
    return base64.b64encode(hashlib.sha256(_to_str(text, _arg(1)).encode()).digest()).decode("ascii")


def _base64sha512(text: Any) -> str:
    return base64.b64encode(hashlib.sha512(_to_str(text, _arg(1)).encode()).digest()).decode("ascii")


def _hex_digest(algorithm: str) -> Callable[[Any], str]:
    def digest(text: Any) -> str:
        return hashlib.new(algorithm, _to_str(text, _arg(1)).encode()).hexdigest()

    digest.__name__ = f"_{algorithm}"
    return digest


def _jsondecode(text: Any) -> Any:
    source = _to_str(text, _arg(1))
    try:
        return json.loads(source, parse_float=_json_number, parse_constant=_json_constant, object_pairs_hook=_json_object)
    except json.JSONDecodeError as err:
        raise _Problem(f"invalid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise _Problem("invalid JSON: the document is nested too deeply") from None


def _jsonencode(value: Any) -> str:
    _text_size(value, "jsonencode")
    return _json_text(value)


def _urlencode(text: Any) -> str:
    return urllib.parse.quote_plus(_to_str(text, _arg(1)), safe="")  # Go's url.QueryEscape


def _uuidv5(namespace: Any, name: Any) -> str:
    space = _to_str(namespace, _arg(1))
    known = {"dns": uuid_module.NAMESPACE_DNS, "url": uuid_module.NAMESPACE_URL,
             "oid": uuid_module.NAMESPACE_OID, "x500": uuid_module.NAMESPACE_X500}
    try:
        base = known[space] if space in known else uuid_module.UUID(space)
    except ValueError:
        raise _Problem(f'uuidv5() doesn\'t support namespace "{space}"') from None
    return str(uuid_module.uuid5(base, _to_str(name, _arg(2))))


def _yamldecode(text: Any) -> Any:
    source = _to_str(text, _arg(1))
    try:
        document = _yaml_load(source)
        _yaml_expanded_size(document)
        return _from_yaml(document)
    except yaml.YAMLError as err:
        raise _Problem(f"invalid YAML: {err}") from None
    except RecursionError:
        raise _Problem("invalid YAML: the document is nested too deeply or refers to itself") from None


def _yaml_expanded_size(document: Any) -> None:
    """Aliases share one Python object; copying them out must not be a billion laughs."""
    nodes, pending = 0, [document]
    while pending:
        item = pending.pop()
        nodes += 1
        if nodes > LIMITS.max_nodes:
            raise BudgetExceeded(f"yamldecode: the document's aliases expand to more than {LIMITS.max_nodes:,} values")
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())


def _yamlencode(value: Any) -> str:
    _text_size(value, "yamlencode")
    text = yaml.dump(value, Dumper=_YamlDumper, default_flow_style=False, sort_keys=True,
                     allow_unicode=True, width=math.inf)
    return text.removesuffix("...\n")  # PyYAML ends a lone scalar document with "..."


# --- the functions: type conversion ---------------------------------------------------------


def _tobool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str) and value not in ("true", "false"):
        raise _Problem(f'cannot convert "{value}" to bool; only the strings "true" or "false" are allowed')
    if not isinstance(value, (bool, str)):
        raise _Problem(f"cannot convert {type_name(value)} to bool")
    return _to_bool(value, _arg(1))


def _tolist(value: Any) -> Any:
    if value is None or isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        raise _Problem(f"cannot convert {type_name(value)} to list")
    return _unify(list(value), _arg(1))


def _tomap(value: Any) -> Any:
    if value is None or isinstance(value, Unknown):
        return value
    if not isinstance(value, dict):
        raise _Problem(f"cannot convert {type_name(value)} to map")
    keys = list(value)
    return dict(zip(keys, _unify([value[key] for key in keys], _arg(1))))


def _tonumber(value: Any) -> Number | None:
    if value is None:
        return None
    if isinstance(value, str) and _parse_number(value) is None:
        raise _Problem(f'cannot convert "{value}" to number; given string must be a decimal representation of a number')
    if not isinstance(value, (int, float, str)) or isinstance(value, bool):
        raise _Problem(f"cannot convert {type_name(value)} to number")
    return _to_num(value, _arg(1))


def _toset(value: Any) -> Any:
    if value is None or isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        raise _Problem(f"cannot convert {type_name(value)} to set")
    return _set_of(value, _arg(1))


def _tostring(value: Any) -> str | None:
    if value is None:
        return None  # tostring(null) is a null string
    if isinstance(value, (list, dict)):
        raise _Problem(f"cannot convert {type_name(value)} to string")
    return _to_str(value, _arg(1))


def _identity(value: Any) -> Any:
    return value  # sensitive()/nonsensitive(): the analyzer does not track sensitivity


# --- the functions: networking --------------------------------------------------------------


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    network, number = _network(_to_str(prefix, _arg(1))), _to_int(hostnum, _arg(2))
    largest = (1 << (network.max_prefixlen - network.prefixlen)) - 1
    host = number if number >= 0 else largest + 1 + number  # negative numbers count from the end
    if not 0 <= host <= largest:
        raise _failed(f"prefix of {network.prefixlen} does not accommodate a host numbered {number}")
    return str(type(network.network_address)(int(network.network_address) + host))


def _cidrnetmask(prefix: Any) -> str:
    text = _to_str(prefix, _arg(1))
    network = _network(text)
    if network.version == 6:
        raise _failed(f"IPv6 addresses cannot have a netmask: {text}")
    return str(network.netmask)


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    network = _network(_to_str(prefix, _arg(1)))
    bits, number = _to_int(newbits, _arg(2)), _to_int(netnum, _arg(3))
    length = network.prefixlen + bits
    if bits < 0 or length > network.max_prefixlen:
        raise _failed(f"insufficient address space to extend prefix of {network.prefixlen} by {bits}")
    if not 0 <= number < (1 << bits):
        raise _failed(f"prefix extension of {bits} does not accommodate a subnet numbered {number}")
    start = int(network.network_address) | (number << (network.max_prefixlen - length))
    return str(_subnet(network, start, length))


def _cidrsubnets(prefix: Any, *newbits: Any) -> list[str]:
    """Consecutive subnets, as go-cidr's PreviousSubnet/NextSubnet allocate them."""
    network = _network(_to_str(prefix, _arg(1)))
    width, top = network.max_prefixlen, 1 << network.max_prefixlen
    extensions = [_to_int(bits, _arg(i)) for i, bits in enumerate(newbits, 2)]
    if not extensions:
        return []
    base = int(network.network_address)
    length = min(network.prefixlen + extensions[0], width)
    current = _subnet(network, ((base - 1) % top) & _mask(length, width), length)  # the block before
    out = []
    for i, extension in enumerate(extensions, 2):
        if extension < 1:
            raise _Problem(f"{_arg(i)} must extend prefix by at least one bit")
        if extension > 32:
            raise _Problem(f"{_arg(i)} may not extend prefix by more than 32 bits")
        length = network.prefixlen + extension
        if length > width:
            raise _Problem(f"{_arg(i)} would extend prefix to {length} bits, which is too long for an IPv{network.version} address")
        containing = int(current.broadcast_address) & _mask(length, width)
        start = containing + (1 << (width - length))
        if start >= top or start & _mask(network.prefixlen, width) != base:
            raise _Problem(f"not enough remaining address space for a subnet with a prefix of {length} bits after {current}")
        current = _subnet(network, start, length)
        out.append(str(current))
    return out


# --- the functions: values only known later -------------------------------------------------


def _uuid() -> Unknown:
    return Unknown("uuid() is only known at apply time")


def _timestamp() -> Unknown:
    return Unknown("timestamp() is only known at apply time")


def _plantimestamp() -> Unknown:
    return Unknown("plantimestamp() is only known when Terraform plans")


def _bcrypt(text: Any, cost: Any = _NO_DEFAULT) -> Unknown:
    return Unknown("bcrypt() uses a random salt, so its result is only known at apply time")


def _file_read(path: Any, *extra: Any) -> Unknown:
    # file(), templatefile(), fileexists(), ...: the analyzer never reads files through functions
    return Unknown(FILE_READS_REASON)


# --- registry --------------------------------------------------------------------------------

# Functions that never see an Unknown: any Unknown argument (however deep) is the result.
_PURE: dict[str, Callable[..., Any]] = {
    # collections
    "alltrue": _alltrue, "anytrue": _anytrue, "chunklist": _chunklist, "compact": _compact,
    "contains": _contains, "distinct": _distinct, "element": _element_at, "flatten": _flatten,
    "index": _index_of, "matchkeys": _matchkeys, "one": _one, "range": _range,
    "reverse": _reverse, "setintersection": _setintersection, "setproduct": _setproduct,
    "setsubtract": _setsubtract, "setunion": _setunion, "slice": _slice, "sort": _sort,
    "sum": _sum, "transpose": _transpose, "values": _values, "zipmap": _zipmap,
    # strings
    "chomp": _chomp, "endswith": _endswith, "format": _format, "formatlist": _formatlist,
    "indent": _indent, "join": _join, "lower": _lower, "regex": _regex, "regexall": _regexall,
    "replace": _replace, "split": _split, "startswith": _startswith, "strcontains": _strcontains,
    "strrev": _strrev, "substr": _substr, "title": _title, "trim": _trim,
    "trimprefix": _trimprefix, "trimspace": _trimspace, "trimsuffix": _trimsuffix, "upper": _upper,
    # numbers
    "abs": _abs, "ceil": _ceil, "floor": _floor, "log": _log, "max": _max, "min": _min,
    "parseint": _parseint, "pow": _pow, "signum": _signum,
    # encoding and hashing
    "base64decode": _base64decode, "base64encode": _base64encode, "base64sha256": _base64sha256,
    "base64sha512": _base64sha512, "jsondecode": _jsondecode, "jsonencode": _jsonencode,
    "md5": _hex_digest("md5"), "sha1": _hex_digest("sha1"), "sha256": _hex_digest("sha256"),
    "sha512": _hex_digest("sha512"), "urlencode": _urlencode, "uuidv5": _uuidv5,
    "yamldecode": _yamldecode, "yamlencode": _yamlencode,
    # conversion
    "tobool": _tobool, "tonumber": _tonumber, "tostring": _tostring,
    # networking
    "cidrhost": _cidrhost, "cidrnetmask": _cidrnetmask, "cidrsubnet": _cidrsubnet,
    "cidrsubnets": _cidrsubnets,
}

# Functions that can give a known answer with some unknown inputs; they handle Unknown.
_UNKNOWN_AWARE: dict[str, Callable[..., Any]] = {
    "coalesce": _coalesce, "coalescelist": _coalescelist, "concat": _concat, "keys": _keys,
    "length": _length, "lookup": _lookup, "merge": _merge,
    "tolist": _tolist, "tomap": _tomap, "toset": _toset,
    "sensitive": _identity, "nonsensitive": _identity,
    "uuid": _uuid, "timestamp": _timestamp, "plantimestamp": _plantimestamp, "bcrypt": _bcrypt,
    **{name: _file_read for name in (
        "file", "filebase64", "fileexists", "fileset", "templatefile", "filemd5", "filesha1",
        "filesha256", "filesha512", "filebase64sha256", "filebase64sha512", "abspath", "dirname", "basename",
    )},
}


def _arity(impl: Callable[..., Any]) -> tuple[int, int | None]:
    """(fewest, most) positional arguments the implementation takes; None is unbounded."""
    params = inspect.signature(impl).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        most = None
    else:
        most = len(params)
    fewest = sum(1 for p in params if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_POSITIONAL)
    return fewest, most


# Each file function takes a fixed number of arguments, though one implementation serves all.
_FILE_ARITY = {"fileset": (2, 2), "templatefile": (2, 2)}


# Functions that only rearrange elements: an unknown element stays in place (as in Terraform,
# `one(values(aws_s3_bucket.b)).region` is known even though the bucket's id is not).
_STRUCTURAL = {"values", "one", "element", "reverse", "slice", "flatten"}


def _builtin(name: str, impl: Callable[..., Any], *, sees_unknowns: bool) -> Callable[..., Any]:
    fewest, most = _FILE_ARITY.get(name, (1, 1)) if impl is _file_read else _arity(impl)

    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        if len(args) < fewest:
            raise FunctionError(f"Not enough function arguments: {name}() takes {_expects(fewest, most)}, got {len(args)}")
        if most is not None and len(args) > most:
            raise FunctionError(f"Too many function arguments: {name}() takes {_expects(fewest, most)}, got {len(args)}")
        if not sees_unknowns:
            if name in _STRUCTURAL:
                unknown = next((a for a in args if isinstance(a, Unknown)), None)
            else:
                unknown = first_unknown(*args)
            if unknown is not None:
                return unknown
        try:
            return impl(*args)
        except _Problem as problem:
            raise FunctionError(problem.render(name)) from None

    return call


def _expects(fewest: int, most: int | None) -> str:
    if most is None:
        return f"at least {fewest} argument{'s' if fewest != 1 else ''}"
    if fewest == most:
        return f"{fewest} argument{'s' if fewest != 1 else ''}"
    return f"{fewest} to {most} arguments"


FUNCTIONS: dict[str, Callable[..., Any]] = {
    **{name: _builtin(name, impl, sees_unknowns=False) for name, impl in _PURE.items()},
    **{name: _builtin(name, impl, sees_unknowns=True) for name, impl in _UNKNOWN_AWARE.items()},
}


# Terraform 1.11 built-ins the analyzer does not evaluate: a call is Unknown with a reason
# naming the function (a name in neither table is an error, as Terraform rejects it).
NOT_EVALUATED = frozenset({
    "base64gzip", "csvdecode", "ephemeralasnull", "formatdate",
    "issensitive", "pathexpand", "rsadecrypt", "textdecodebase64",
    "textencodebase64", "timeadd", "timecmp",
})


def call_function(name: str, args: list[Any], files: Any = None) -> Any:
    """Call the Terraform function `name`; FunctionError for an unknown name or bad arguments.

    `files` is the root's file_functions.FileContext: file functions read through it."""
    if files is not None and name in files.names:
        return files.call(name, args)
    function = FUNCTIONS.get(name)
    if function is None:
        raise FunctionError(f"Call to unknown function: {name}")
    return function(*args)
