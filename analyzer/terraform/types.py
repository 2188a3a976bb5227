"""Variable type constraints: apply `optional()` defaults and simple conversions.

Only what changes values matters here (optional attribute defaults, string/number/bool
conversion); full type checking is Terraform's job at plan time.
"""

from __future__ import annotations

from typing import Any

from analyzer.hcl import ast
from analyzer.values import Unknown


def convert(value: Any, type_expr: ast.Expr | None) -> Any:
    if type_expr is None or isinstance(value, Unknown) or value is None:
        return value
    if isinstance(type_expr, ast.Name):
        return _primitive(value, type_expr.name)
    if isinstance(type_expr, ast.Call):
        name, args = type_expr.name, type_expr.args
        if name in ("map", "list", "set") and args:
            if isinstance(value, dict) and name == "map":
                return {k: convert(v, args[0]) for k, v in value.items()}
            if isinstance(value, list) and name in ("list", "set"):
                return [convert(v, args[0]) for v in value]
            return value
        if name == "object" and args and isinstance(args[0], ast.ObjectExpr) and isinstance(value, dict):
            return _object(value, args[0])
        if name == "tuple" and args and isinstance(args[0], ast.TupleExpr) and isinstance(value, list):
            return [convert(v, t) for v, t in zip(value, args[0].items)] + value[len(args[0].items):]
    return value


def _object(value: dict[str, Any], spec: ast.ObjectExpr) -> dict[str, Any]:
    out = dict(value)
    for key_expr, attr_type in spec.items:
        if not isinstance(key_expr, ast.Literal):
            continue
        key = str(key_expr.value)
        if isinstance(attr_type, ast.Call) and attr_type.name == "optional":
            inner = attr_type.args[0] if attr_type.args else None
            if out.get(key) is None:
                default = _literal(attr_type.args[1]) if len(attr_type.args) > 1 else None
                out[key] = convert(default, inner)
            else:
                out[key] = convert(out[key], inner)
        elif key in out:
            out[key] = convert(out[key], attr_type)
    return out


def _literal(expr: ast.Expr) -> Any:
    # optional() defaults are constant expressions; evaluate the literal forms
    if isinstance(expr, ast.Literal):
        return expr.value
    if isinstance(expr, ast.TupleExpr):
        return [_literal(i) for i in expr.items]
    if isinstance(expr, ast.ObjectExpr):
        return {str(_literal(k)): _literal(v) for k, v in expr.items}
    if isinstance(expr, ast.Unary) and expr.op == "-":
        inner = _literal(expr.operand)
        return -inner if isinstance(inner, (int, float)) else inner
    return Unknown("non-literal optional() default")


def _primitive(value: Any, name: str) -> Any:
    if name == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if name == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if name == "number" and isinstance(value, str):
        try:
            number = float(value)
            return int(number) if number.is_integer() else number
        except ValueError:
            return value
    if name == "bool" and value in ("true", "false"):
        return value == "true"
    return value


def is_string_type(type_expr: ast.Expr | None) -> bool:
    return isinstance(type_expr, ast.Name) and type_expr.name == "string"
