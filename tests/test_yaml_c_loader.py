"""yamldecode reads anchor-free YAML with libyaml's C parser: it must give exactly the values
(and errors) of the capped pure-Python loader, and never read a document that may alias."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from analyzer.terraform import functions
from analyzer.terraform.functions import _C_YAML_LOADER, _yaml_load, _YamlLoader

CORPUS = [
    "a: 1\nb: 2.5\nc: 1e3\nd: -0.5E-2\ne: 012\nf: 0x1F\ng: 1:20\nh: 0b101\ni: 1_000\n",
    "yes_no: [y, Y, n, N, yes, No, on, OFF, true, False]\n",
    "inf: [.inf, -.Inf, +.INF]\nnulls: [~, null, Null, '']\n",
    "when: 2001-12-14t21:59:43.10-05:00\nday: 2002-12-14\nutc: 2001-12-15T02:59:43.1Z\n",
    "blob: !!binary aGVsbG8=\ntagged: !!str 123\nforced: !!int '7'\n",
    "url: https://example.com/a?x=1&y=2\npolicy:\n  Action: ['s3:*', 'kms:Decrypt']\n  Resource: arn:aws:s3:::b/*\n",
    "text: |\n  line one\n  line two\nfolded: >-\n  folded\n  text\nquoted: \"tab\\there \\u00e9\"\n",
    "- name: web\n  ports: [80, 443]\n  env: {REGION: eu-west-1, DEBUG: off}\n- name: db\n  replicas: 3\n",
    "? complex key\n: value\n123: numeric key\ntrue: bool key\n",
    "--- 42\n",
    "",
    "# only a comment\n",
]

# An `&` after a space may be an anchor: these go the capped way although they hold none.
CAUTIOUS = [
    "plain scalar with & ampersand and * star\n",
    "key: 'single ''quoted'' &x'\n",
]

REJECTED = [
    "a: [1, 2\n",
    "a: b: c\n",
    "--- 1\n--- 2\n",
    "[" * 1500 + "]" * 1500,
    "x: *undefined\n",
]

WITH_ANCHORS = [
    "base: &b {x: 1}\nother: *b\n",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",
    "[&a 1, *a]\n",
    '{"k":&a 1, "j": *a}\n',
]


def _python(text: str) -> Any:
    return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a safe loader


def _error(load: Any, text: str) -> str:
    with pytest.raises((yaml.YAMLError, RecursionError)) as caught:
        load(text)
    return str(caught.value)


def test_libyaml_is_available_here() -> None:
    assert _C_YAML_LOADER is not None


@pytest.mark.parametrize("text", CORPUS + CAUTIOUS + WITH_ANCHORS)
def test_c_loader_decodes_like_the_python_loader(text: str) -> None:
    c_value = yaml.load(text, Loader=_C_YAML_LOADER)  # noqa: S506 - a safe loader
    assert c_value == _python(text)
    assert repr(c_value) == repr(_python(text))  # same types too: 1 vs 1.0 vs "1", bool vs int


@pytest.mark.parametrize("text", CORPUS)
def test_anchor_free_documents_take_the_c_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(stream: str) -> None:
        raise AssertionError("the capped Python loader read an anchor-free document")

    monkeypatch.setattr(functions, "_YamlLoader", refuse)
    assert repr(_yaml_load(text)) == repr(_python(text))


@pytest.mark.parametrize("text", WITH_ANCHORS + CAUTIOUS)
def test_documents_that_may_alias_take_the_capped_loader(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _python(text)
    monkeypatch.setattr(functions, "_C_YAML_LOADER", None)
    assert _yaml_load(text) == expected
    monkeypatch.undo()

    def refuse(stream: str) -> None:
        raise AssertionError("libyaml read a document with an anchor")

    monkeypatch.setattr(functions, "_C_YAML_LOADER", refuse)
    assert _yaml_load(text) == expected


@pytest.mark.parametrize("text", REJECTED)
def test_rejected_documents_keep_the_python_loaders_error(text: str) -> None:
    assert _error(_yaml_load, text) == _error(_python, text)


def test_yamldecode_error_text_is_the_python_loaders() -> None:
    with pytest.raises(functions._Problem) as caught:
        functions._yamldecode("a: [1, 2\n")
    assert str(caught.value) == f"invalid YAML: {_error(_python, 'a: [1, 2' + chr(10))}"
