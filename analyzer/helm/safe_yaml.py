"""PyYAML's safe loader with two guards against alias bombs, shared by every YAML the Helm side reads.

At most MAX_ALIASES aliases per document (counted while composing, before anything is built)
and at most MAX_NODES nodes per document once aliases are expanded (a billion-laughs document
needs only a few dozen aliases).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_ALIASES = 1000
MAX_NODES = 1_000_000


class ManifestError(Exception):
    """A document the analyzer refuses to analyze (alias bomb, recursion)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting alias events per document while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_document(self) -> Node | None:
        self.alias_count = 0
        return super().compose_document()  # type: ignore[no-any-return]

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                line = self.peek_event().start_mark.line + 1
                raise ManifestError(f"more than {MAX_ALIASES} YAML aliases in one document (alias bomb?); "
                                    "not analyzed", line)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def check_expansion(root: Node) -> None:
    """Reject a document whose alias-expanded size exceeds MAX_NODES, or that refers to itself.
    Shared nodes are sized once, so this is linear in the composed graph."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ManifestError("recursive YAML alias (a node contains itself); not analyzed", node.start_mark.line + 1)
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
        elif isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                total += size(key_node) + size(value_node)
        if total > MAX_NODES:
            raise ManifestError(f"document expands to more than {MAX_NODES:,} YAML nodes through aliases "
                                "(alias bomb?); not analyzed", root.start_mark.line + 1)
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


# Kubernetes (Go) reads `2021-13-45` as a string; PyYAML would build a date and fail on a bad one
GuardedLoader.add_constructor("tag:yaml.org,2002:timestamp",
                              lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
# A plain `=` resolves to YAML 1.1's value type, which SafeLoader cannot build; Go's YAML (and so
# Kubernetes) reads it as the string "=" (prometheus-operator CRDs carry `enum: [..., =, ...]`)
GuardedLoader.add_constructor("tag:yaml.org,2002:value",
                              lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def child_node(node: Node | None, *keys: str) -> Node | None:
    """The value node at keys under a mapping node (None when a key is absent)."""
    for key in keys:
        if not isinstance(node, MappingNode):
            return None
        node = next((value for k, value in node.value if isinstance(k, ScalarNode) and k.value == key), None)
    return node
