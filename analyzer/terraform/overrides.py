"""Terraform override files (`override.tf`, `*_override.tf`, and their `.tf.json` forms).

Terraform reads them after every other file of the module and merges each block into the
block it overrides: an argument replaces the original one; a nested block type present in
the override replaces all the original's nested blocks of that type.
"""

from __future__ import annotations

from analyzer.hcl import ast


def is_override_file(path: str) -> bool:
    name = path.rpartition("/")[2]  # called for every file of every module instance: no PurePath
    for suffix in (".tf.json", ".tf"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem == "override" or stem.endswith("_override")
    return False


def merge_block(base: ast.Block, override: ast.Block, override_file: str) -> ast.Block:
    attrs = dict(base.attrs)
    for name, attribute in override.attrs.items():
        attrs[name] = ast.Attribute(attribute.name, attribute.expr, attribute.line, override_file)
    replaced = {child.type for child in override.blocks}
    blocks = [child for child in base.blocks if child.type not in replaced] + list(override.blocks)
    return ast.Block(base.type, base.labels, attrs, blocks, base.line, base.end_line)


def provider_identity(block: ast.Block) -> str:
    """`aws` or `aws.<alias>` when the alias is a literal (the only form Terraform allows)."""
    alias = block.attrs.get("alias")
    if alias is not None and isinstance(alias.expr, ast.Literal) and isinstance(alias.expr.value, str):
        return f"{block.labels[0]}.{alias.expr.value}"
    return block.labels[0]
