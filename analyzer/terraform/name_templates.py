"""Names built by interpolation, matched to the resource that creates the name.

A value such as `"replica-${random_pet.this.id}"` is unknown until apply, but the evaluator
keeps its template (analyzer/values.py `Unknown.template`): the literal parts and the
unknown parts (holes, each the computed attribute of one resource) between them. Two values
with the same template are the same string whatever the holes turn out to be, so a
replication destination `arn:aws:s3:::replica-${random_pet.this.id}` names the bucket whose
`bucket = "replica-${random_pet.this.id}"`, and an Azure container whose
`storage_account_name` is `azurerm_storage_account.sa.name` (`"st${random_string.s.result}"`)
names that account, not `random_string.s`.

Only holes with an origin (a resource's computed attribute) are matched: an unset variable
may hold anything, so a template with such a hole matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from analyzer.data import load_data
from analyzer.values import Unknown

Part = Union[str, Unknown]
Template = tuple[Part, ...]
Key = tuple[Union[str, tuple[str, str]], ...]  # a template as a hashable, comparable key
_MARK = "\x00"  # stands for a hole while a template is matched by a regular expression
_MARKED = re.compile(r"\x00(\d+)\x00")
_COMPUTED = re.compile(r"^(\S+) is (?:computed at apply time|read from the cloud at plan time|not in the plan)")
_UNSET_VARIABLE = re.compile(r"^(var\.[A-Za-z_][\w-]*) ")  # "var.x has no default and is not set ..."


@dataclass(frozen=True)
class NameRef:
    """A pending link to the row whose name attribute (one of `attrs`; the row's own name
    attributes when empty) has this template; `types` narrows the candidates (any type when
    empty), `stem` prefers types ending with it; `origin` is the resource the value comes
    from, linked when no name matches; `shown` renders the template for messages."""

    template: Template
    shown: str
    types: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()
    stem: str = ""
    origin: str | None = None


def template_of(value: Any) -> Template | None:
    """A string is its own template; an Unknown its template, or one hole."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Unknown):
        return value.template or (Unknown(value.reason, value.origin),)
    return None


def key_of(template: Template | None) -> Key | None:
    """The comparable form of a template; None when a hole has no origin (matches nothing)."""
    if template is None:
        return None
    out: list[str | tuple[str, str]] = []
    for part in template:
        if isinstance(part, str):
            out.append(part)
        elif part.origin is None:
            return None
        else:
            out.append((part.origin, part.reason))
    return tuple(out)


def render(template: Template) -> str:
    """`replica-${random_pet.this.id}`: the template as the configuration would write it."""
    return "".join(part if isinstance(part, str) else "${" + _hole_name(part) + "}" for part in template)


def _hole_name(hole: Unknown) -> str:
    match = _COMPUTED.match(hole.reason) or _UNSET_VARIABLE.match(hole.reason)
    return match.group(1) if match else (hole.origin or "?")


def strip_prefix(template: Template, prefix: str) -> Template | None:
    """The template without a literal prefix (`arn:aws:s3:::`); None when it does not start with it."""
    if not prefix:
        return template
    if not template or not isinstance(template[0], str) or not template[0].startswith(prefix):
        return None
    rest = template[0][len(prefix):]
    return ((rest,) if rest else ()) + template[1:]


def match(pattern: re.Pattern[str], template: Template) -> dict[str, Template] | None:
    """The named groups of a regular expression over the template, each as a template; a hole
    matches like one run of characters that contains no `/`."""
    holes = [part for part in template if isinstance(part, Unknown)]
    text = "".join(part if isinstance(part, str) else f"{_MARK}{holes.index(part)}{_MARK}" for part in template)
    found = pattern.match(text)
    if found is None:
        return None
    return {name: _unmark(value, holes) for name, value in found.groupdict().items() if value is not None}


def _unmark(text: str, holes: list[Unknown]) -> Template:
    out: list[Part] = []
    position = 0
    for found in _MARKED.finditer(text):
        if found.start() > position:
            out.append(text[position:found.start()])
        out.append(holes[int(found.group(1))])
        position = found.end()
    if position < len(text):
        out.append(text[position:])
    return tuple(out)


def ref_for(value: Any, *, prefix: str = "", types: tuple[str, ...] = (), attrs: tuple[str, ...] = (),
            stem: str = "") -> NameRef | None:
    """The name link of an Unknown value (a string links by its plain name, as before)."""
    if not isinstance(value, Unknown):
        return None
    template = template_of(value)
    assert template is not None
    stripped = strip_prefix(template, prefix)
    return NameRef(template=stripped if stripped is not None else template, shown=render(template), types=types,
                   attrs=attrs, stem=stem, origin=value.origin)


def stem_of(attr: str) -> str:
    """The type a parent attribute names: `storage_account_name` -> `storage_account`."""
    return re.sub(r"_(?:id|name|arn|ids|names)$", "", attr)


@dataclass(frozen=True)
class Destination:
    """A destination string's form: which type and name attribute the `name` group is, and
    whether the string also names a project and a location (data/name_links.yaml)."""

    pattern: re.Pattern[str]
    type: str
    attr: str


@cache
def destinations(table: str) -> tuple[Destination, ...]:
    return tuple(Destination(re.compile(spec["pattern"]), spec["type"], spec["attr"])
                 for spec in load_data("name_links.yaml")[table])
