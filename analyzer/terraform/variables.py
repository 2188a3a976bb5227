"""Root module variable values, with Terraform's precedence (lowest first):

default < TF_VAR_* environment < terraform.tfvars < terraform.tfvars.json
< *.auto.tfvars / *.auto.tfvars.json (lexical order) < --var-file and --var (in the order given)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from analyzer.hcl import ast
from analyzer.hcl.parse import parse_expression
from analyzer.hcl.template import TemplateError
from analyzer.models import Evidence, ScanError
from analyzer.terraform.evaluate import EvalError, Scope, evaluate
from analyzer.terraform.loader import SourceTree, parse_text, read_text
from analyzer.terraform.module import Value
from analyzer.terraform.types import is_string_type
from analyzer.tree_guard import RefusedPath, operator_file
from analyzer.values import to_display


@dataclass
class CliVar:
    """One command-line variable source, kept in the order given."""

    kind: str  # "file" or "var"
    text: str  # a path, or NAME=VALUE


class _NoRefs:
    def resolve(self, root: str, attr: str | None, trace: object) -> object:
        raise EvalError(f"Variables may not be used here (\"{root}.{attr}\")")


def _literal_value(expr: ast.Expr) -> object:
    return evaluate(expr, Scope(_NoRefs()))


def _auto_files(tree: SourceTree, directory: Path) -> list[ast.FileBody]:
    bodies = {Path(b.path).name: b for b in tree.tfvars.get(directory, [])}
    ordered: list[ast.FileBody] = []
    for name in ("terraform.tfvars", "terraform.tfvars.json"):
        if name in bodies:
            ordered.append(bodies[name])
    ordered.extend(bodies[n] for n in sorted(bodies) if n.endswith(".auto.tfvars") or n.endswith(".auto.tfvars.json"))
    return ordered


def root_inputs(tree: SourceTree, directory: Path, declared: Mapping[str, ast.Block],
                cli: list[CliVar], env: Mapping[str, str], errors: list[ScanError]) -> dict[str, Value]:
    values: dict[str, Value] = {}

    def from_text(name: str, raw: str) -> object:
        block = declared.get(name)
        type_expr = block.attrs["type"].expr if block is not None and "type" in block.attrs else None
        if type_expr is None or is_string_type(type_expr):
            return raw  # Terraform parses -var / TF_VAR_ values as HCL only for non-string types
        try:
            return _literal_value(parse_expression(raw))
        except (TemplateError, EvalError):
            return raw

    for key in sorted(env):
        if key.startswith("TF_VAR_"):
            name = key[len("TF_VAR_"):]
            shown = "(sensitive)" if _sensitive(declared.get(name)) else env[key]
            values[name] = Value(from_text(name, env[key]), [Evidence(file="(environment)", line=0, note=f"{key} = {shown}")])
    for body in _auto_files(tree, directory):
        _apply_file(body, values, errors, declared)
    for item in cli:
        if item.kind == "file":
            path = Path(item.text)
            try:
                # the operator's own file may live anywhere, but not behind a link the repository planted
                real = operator_file(path, tree.guard, what="--var-file")
                body = parse_text(read_text(real, None, shown=f"--var-file {item.text}"), str(path))
                body.path = tree.rel(real) if real.is_relative_to(tree.guard.root) else item.text
            except (OSError, ValueError) as err:
                reason = str(err) if isinstance(err, RefusedPath) else getattr(err, "strerror", None) or str(err)
                errors.append(ScanError(file=item.text, message=f"cannot read --var-file: {reason}"))
                continue
            _apply_file(body, values, errors, declared)
        else:
            name, _, raw = item.text.partition("=")
            name = name.strip()
            shown = f"{name}=(sensitive)" if _sensitive(declared.get(name)) else item.text
            values[name] = Value(from_text(name, raw), [Evidence(file="(command line)", line=0, note=f"--var {shown}")])
    return values


def _sensitive(block: ast.Block | None) -> bool:
    attribute = block.attrs.get("sensitive") if block is not None else None
    return attribute is not None and isinstance(attribute.expr, ast.Literal) and attribute.expr.value is True


def _apply_file(body: ast.FileBody, values: dict[str, Value], errors: list[ScanError],
                declared: Mapping[str, ast.Block]) -> None:
    for name, attribute in body.attrs.items():
        try:
            value = _literal_value(attribute.expr)
        except EvalError as err:
            errors.append(ScanError(file=body.path, line=attribute.line, message=f"invalid value for {name}: {err}"))
            continue
        shown = "(sensitive)" if _sensitive(declared.get(name)) else to_display(value)
        values[name] = Value(value, [Evidence(file=body.path, line=attribute.line, note=f"{name} = {shown}")])
