"""Evaluate HCL expressions with Terraform semantics.

Errors (a missing attribute, a bad index, a failing function) raise EvalError so that
`try()`/`can()` behave as in Terraform; the caller of an attribute turns a remaining error
into an Unknown with the error as its reason. Unknown values propagate through everything.
References (`var.x`, `local.y`, `module.m.out`, `aws_s3_bucket.b`) are resolved by the
Resolver the scope carries, which also appends evidence steps to the trace it is given.

Every evaluation draws on the root's `Budget` (carried by the scope): work, iterations,
collection sizes and string lengths are bounded, and an exhausted budget makes the
expression Unknown ("evaluation budget exceeded: ...") instead of taking the scan down.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Protocol

from analyzer.hcl import ast
from analyzer.hcl.parse import HclSyntaxError, parse_expression
from analyzer.hcl.template import TemplateError, parse_template
from analyzer.models import Evidence
from analyzer.terraform.budget import Budget, BudgetExceeded, Where
from analyzer.terraform.functions import FUNCTIONS, NOT_EVALUATED, FunctionError, call_function
from analyzer.values import Unknown, first_unknown

Trace = list[Evidence] | None
READ_NOTE = "read by "  # the note of a step naming a file read by file() or templatefile()
MAX_READ_STEPS = 5  # files a for expression's elements read that its chain still names
MAX_TEMPLATE_PARTS = 32  # literal and unknown parts an unknown string keeps (name_templates.py)


class EvalError(ValueError):
    pass


class Resolver(Protocol):
    def resolve(self, root: str, attr: str | None, trace: Trace) -> Any: ...


class Lazy:
    """An object value whose attributes are computed on access (resources, modules)."""

    def get(self, name: str, trace: Trace) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def materialize(self) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError


class Scope:
    __slots__ = ("resolver", "names", "budget", "steps")

    def __init__(self, resolver: Resolver, names: dict[str, Any] | None = None, budget: Budget | None = None,
                 steps: dict[str, list[Evidence]] | None = None) -> None:
        self.resolver = resolver
        self.names = names or {}
        # the root's budget, which module instances carry; a bare resolver (tfvars) gets its own
        self.budget: Budget = budget or getattr(resolver, "budget", None) or Budget()
        # where a bound name's value came from (`each`: the for_each and the files it read)
        self.steps = steps or {}

    def child(self, extra: dict[str, Any]) -> "Scope":
        return Scope(self.resolver, {**self.names, **extra}, self.budget, self.steps)


def evaluate(expr: ast.Expr, scope: Scope, trace: Trace = None) -> Any:
    return _DISPATCH[type(expr)](expr, scope, trace)


def evaluate_safely(expr: ast.Expr, scope: Scope, trace: Trace = None, where: Where | None = None) -> Any:
    """Evaluate; an evaluation error becomes an Unknown carrying the error message. `where`
    (file, line) is the expression's location, for the root's budget-exceeded error."""
    budget = scope.budget
    try:
        saved = budget.enter(where)
    except BudgetExceeded as err:
        return budget.exceeded(err.reason, where)
    try:
        return evaluate(expr, scope, trace)
    except BudgetExceeded as err:
        return budget.exceeded(err.reason, where)
    except EvalError as err:
        return Unknown(str(err))
    except RecursionError:
        return budget.exceeded("expressions or references are nested too deeply", where)
    except MemoryError:
        return budget.exceeded("the expression needs more memory than is available", where)
    except (ArithmeticError, ValueError, TypeError) as err:  # e.g. a 400-digit division: never crash the scan
        return Unknown(f"cannot evaluate: {type(err).__name__}: {err}")
    finally:
        budget.leave(saved, where)


def _literal(expr: ast.Literal, scope: Scope, trace: Trace) -> Any:
    return expr.value


def _name(expr: ast.Name, scope: Scope, trace: Trace) -> Any:
    if expr.name in scope.names:
        if trace is not None and expr.name in scope.steps:
            trace.extend(step for step in scope.steps[expr.name] if step not in trace)
        return scope.names[expr.name]
    return scope.resolver.resolve(expr.name, None, trace)


def _get_attr(expr: ast.GetAttr, scope: Scope, trace: Trace) -> Any:
    obj = expr.obj
    if isinstance(obj, ast.Name) and obj.name not in scope.names:
        return scope.resolver.resolve(obj.name, expr.name, trace)
    return get_attr(evaluate(obj, scope, trace), expr.name, trace)


def get_attr(value: Any, name: str, trace: Trace = None) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Lazy):
        return value.get(name, trace)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"Unsupported attribute: this object does not have an attribute named \"{name}\"")
    if value is None:
        raise EvalError(f"Attempt to get attribute \"{name}\" from a null value")
    raise EvalError(f"Unsupported attribute \"{name}\" on a {type(value).__name__} value")


def _index(expr: ast.Index, scope: Scope, trace: Trace) -> Any:
    return index(evaluate(expr.obj, scope, trace), evaluate(expr.key, scope, trace), trace)


def index(value: Any, key: Any, trace: Trace = None) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return key
    if isinstance(value, Lazy):
        if isinstance(key, str):
            return value.get(key, trace)
        value = value.materialize()
    if isinstance(value, list):
        if isinstance(key, str) and key.lstrip("-").isdigit():
            key = int(key)
        if not isinstance(key, (int, float)) or isinstance(key, bool) or int(key) != key:
            raise EvalError(f"Invalid index: a number is required, got {key!r}")
        position = int(key)
        if position < 0 or position >= len(value):
            raise EvalError(f"Invalid index: the given index {position} is out of range for a list of {len(value)}")
        return value[position]
    if isinstance(value, dict):
        lookup = key if isinstance(key, str) else _to_string(key)
        if lookup not in value:
            raise EvalError(f"Invalid index: the given key \"{lookup}\" does not identify an element in this map")
        return value[lookup]
    if value is None:
        raise EvalError("Attempt to index a null value")
    raise EvalError(f"Invalid index on a {type(value).__name__} value")


def _splat(expr: ast.Splat, scope: Scope, trace: Trace) -> Any:
    value = evaluate(expr.obj, scope, trace)
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if isinstance(value, Lazy):
        value = [value]
    elif isinstance(value, dict):
        value = [value]
    elif not isinstance(value, list):
        value = [value]
    scope.budget.charge(len(value) + 1, "splat")
    out = []
    for item in value:
        for kind, arg in expr.steps:
            if kind == "attr":
                item = get_attr(item, arg, trace)
            else:
                item = index(item, evaluate(arg, scope, trace), trace)
        out.append(item)
    return out


def _call(expr: ast.Call, scope: Scope, trace: Trace) -> Any:
    name = expr.name.removeprefix("core::")  # Terraform 1.8+ also spells built-ins core::name
    scope.budget.charge(1, "function calls")
    if name == "try":
        for arg in expr.args:
            attempt: list[Evidence] | None = [] if trace is not None else None
            try:
                value = evaluate(arg, scope, attempt)
            except EvalError:
                continue  # a failed branch leaves no evidence behind (a BudgetExceeded is no failure)
            if trace is not None and attempt:
                trace.extend(attempt)
            return value
        raise EvalError("Error in function call: try: no expression succeeded")
    if name == "can":
        try:
            value = evaluate(expr.args[0], scope, trace)
        except EvalError:
            return False
        return value if isinstance(value, Unknown) else True
    if name == "templatestring":
        return _templatestring(expr, scope, trace)
    files = getattr(scope.resolver, "files", None)  # the root's file functions (file_functions.py)
    if name not in FUNCTIONS and not (files is not None and name in files.names):
        # the call is Unknown, not an error: what surrounds it still evaluates
        if name.startswith("provider::"):
            return Unknown(f"function {name} is not evaluated (provider-defined functions run inside the provider)")
        if name in NOT_EVALUATED:
            return Unknown(f"function {name} is not evaluated")
        raise EvalError(f"Call to unknown function: there is no function named \"{name}\"")
    args = [materialize(_walked(evaluate(arg, scope, trace), scope)) for arg in expr.args]
    if expr.expand and args:
        # `f(a, list...)`: the last argument's elements are the call's trailing arguments
        spread = args.pop()
        if isinstance(spread, Unknown):
            return Unknown(f"{name}(...): the expanded argument is not known statically: {spread.reason}")
        if isinstance(spread, dict) or not isinstance(spread, (list, tuple)):
            raise EvalError(f"Invalid expanding argument value: {name}(...) can only expand a list or tuple")
        args.extend(spread)
    try:
        result = call_function(name, args, files)
    except FunctionError as err:
        raise EvalError(str(err)) from None
    if isinstance(result, Unknown) and result.template is not None:
        result = Unknown(result.reason, result.origin)  # an argument's template is not the result's (substr, replace)
    _check(result, scope)
    if trace is not None and files is not None and not isinstance(result, Unknown):
        step = files.read_step(name, args)  # the YAML or JSON a factory's value came from
        if step is not None and step not in trace:
            trace.append(step)
    return result


_TEMPLATE_VAR = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


def _templatestring(expr: ast.Call, scope: Scope, trace: Trace) -> Any:
    """Terraform 1.9's templatestring(ref, vars): renders a template held in a named value
    (a local, a variable, a YAML field); the template sees only vars."""
    if len(expr.args) != 2 or expr.expand:
        raise EvalError(f"Invalid function argument: templatestring() takes 2 arguments, got {len(expr.args)}")
    if not _is_reference(expr.args[0]):
        raise EvalError("Invalid function argument: templatestring: Invalid value for \"template\" parameter: "
                        "templatestring is only for rendering templates retrieved dynamically from elsewhere")
    source = materialize(evaluate(expr.args[0], scope, trace))
    variables = materialize(evaluate(expr.args[1], scope, trace))
    unknown = first_unknown(source) or (variables if isinstance(variables, Unknown) else None)
    if unknown is not None:
        return unknown
    if not isinstance(source, str):
        raise EvalError("Invalid function argument: templatestring: Invalid value for \"template\" parameter: "
                        "string required")
    if not isinstance(variables, dict):
        raise EvalError("Invalid function argument: templatestring: Invalid value for \"vars\" parameter: "
                        "invalid vars value: must be a map.")
    for key in sorted(variables):
        if not _TEMPLATE_VAR.match(key):
            raise EvalError(f"Invalid function argument: templatestring: Invalid value for \"vars\" parameter: "
                            f"invalid template variable name \"{key}\"")
    try:
        template = parse_template(source, parse_expression, escapes=False)
    except (TemplateError, HclSyntaxError) as err:
        raise EvalError(f"Invalid function argument: templatestring: invalid template: {err}") from None
    result = evaluate(template, Scope(_TemplateVars(scope.resolver), dict(variables), scope.budget))
    _check(result, scope)
    return result


def _is_reference(expr: ast.Expr) -> bool:
    while isinstance(expr, (ast.GetAttr, ast.Index)):
        expr = expr.obj
    return isinstance(expr, ast.Name)


class _TemplateVars:
    """What a templatestring template resolves: only its vars (functions stay available)."""

    def __init__(self, outer: Resolver) -> None:
        self.files = getattr(outer, "files", None)

    def resolve(self, root: str, attr: str | None, trace: Trace) -> Any:
        raise EvalError(f"Invalid function argument: templatestring: Invalid value for \"vars\" parameter: "
                        f"vars map does not contain key \"{root}\"")


def _walked(value: Any, scope: Scope) -> Any:
    """Charge the walks a collection gets (copying it, looking for unknowns, comparing):
    `[for i in range(1000) : length(local.big)]` walks local.big a thousand times."""
    if isinstance(value, (list, dict)) and value:
        scope.budget.check_value(value)
    return value


def _check(value: Any, scope: Scope) -> None:
    """Charge a produced value to the budget; refuse one too large to keep."""
    if isinstance(value, (list, dict)):
        scope.budget.charge(len(value), "collection elements")
        scope.budget.check_value(value)
    elif isinstance(value, str) and len(value) > 4096:
        # a 1 MB string is ~16k steps: one expression keeps at most ~20 MB of new text
        scope.budget.charge(len(value) // 64, "string building")
        if len(value) > scope.budget.limits.max_string:
            raise BudgetExceeded(f"a string of {len(value):,} characters (at most {scope.budget.limits.max_string:,})")


def materialize(value: Any) -> Any:
    """Turn lazy objects into plain values (for functions and final results)."""
    if isinstance(value, Lazy):
        return value.materialize()
    if isinstance(value, list):
        return [materialize(v) for v in value]
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    return value


def _tuple(expr: ast.TupleExpr, scope: Scope, trace: Trace) -> Any:
    out = [evaluate(item, scope, trace) for item in expr.items]
    _check(out, scope)
    return out


def _object(expr: ast.ObjectExpr, scope: Scope, trace: Trace) -> Any:
    out: dict[str, Any] = {}
    for key_expr, value_expr in expr.items:
        key = evaluate(key_expr, scope, trace)
        if isinstance(key, Unknown):
            return key
        out[key if isinstance(key, str) else _to_string(key)] = evaluate(value_expr, scope, trace)
    _check(out, scope)
    return out


def _unary(expr: ast.Unary, scope: Scope, trace: Trace) -> Any:
    value = evaluate(expr.operand, scope, trace)
    if isinstance(value, Unknown):
        return value
    if expr.op == "!":
        if not isinstance(value, bool):
            raise EvalError(f"Invalid operand for !: a bool is required, got {value!r}")
        return not value
    return _bounded(-_number(value))


def _bounded(number: int | float) -> int | float:
    """Terraform's numbers are arbitrary-precision floats; a chain of squarings through
    locals must not build a million-digit integer, so huge integers become floats."""
    if isinstance(number, int) and number.bit_length() > 4096:
        try:
            return float(number)
        except OverflowError:
            return float("inf") if number > 0 else float("-inf")
    return number


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError(f"a number is required, got {value!r}")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise EvalError(f"a number is required, got \"{value}\"") from None
        return int(number) if number.is_integer() else number
    raise EvalError(f"a number is required, got {type(value).__name__}")


def _normal(number: float) -> int | float:
    return _bounded(int(number) if isinstance(number, float) and number.is_integer() else number)


def _arith(op: str) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        a, b = _number(left), _number(right)
        if op == "+":
            return _normal(a + b)
        if op == "-":
            return _normal(a - b)
        if op == "*":
            return _normal(a * b)
        if b == 0:
            raise EvalError("Division by zero")
        if op == "/":
            return _normal(a / b)
        return _normal(a % b)

    return apply


def _compare(op: str) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        a, b = _number(left), _number(right)
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]

    return apply


def _logic(op: str) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        if not isinstance(left, bool) or not isinstance(right, bool):
            raise EvalError(f"Invalid operand for {op}: a bool is required")
        return (left and right) if op == "&&" else (left or right)

    return apply


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right if isinstance(left, bool) and isinstance(right, bool) else False
    return materialize(left) == materialize(right)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    **{op: _arith(op) for op in ("+", "-", "*", "/", "%")},
    **{op: _compare(op) for op in ("<", ">", "<=", ">=")},
    "&&": _logic("&&"),
    "||": _logic("||"),
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
}


def _binary(expr: ast.Binary, scope: Scope, trace: Trace) -> Any:
    left = _walked(evaluate(expr.left, scope, trace), scope)
    right = _walked(evaluate(expr.right, scope, trace), scope)
    if expr.op in ("==", "!=") and (left is None or right is None):
        # Terraform (cty) decides a comparison with null from the other side's top level: a
        # known list holding unknown elements is still not null (`var.rules != null ? ...`)
        other = right if left is None else left
        if not isinstance(other, Unknown):
            return (other is None) == (expr.op == "==")
    unknown = first_unknown(left, right)
    if unknown is not None:
        return unknown
    return _BINARY[expr.op](left, right)


def _conditional(expr: ast.Conditional, scope: Scope, trace: Trace) -> Any:
    scope.budget.charge(1, "conditionals")  # an unknown condition evaluates both branches
    cond = evaluate(expr.cond, scope, trace)
    if isinstance(cond, Unknown):
        # both branches agreeing is still a known answer
        then = _attempt(expr.then, scope)
        other = _attempt(expr.other, scope)
        if first_unknown(_walked(then, scope), _walked(other, scope)) is None and _equal(then, other):
            return evaluate(expr.then, scope, trace)
        return cond
    if not isinstance(cond, bool):
        if isinstance(cond, str) and cond in ("true", "false"):
            cond = cond == "true"
        else:
            raise EvalError(f"Incorrect condition type: a bool is required, got {cond!r}")
    return evaluate(expr.then if cond else expr.other, scope, trace)


def _attempt(expr: ast.Expr, scope: Scope) -> Any:
    """A branch's value or the Unknown its error makes; unlike evaluate_safely it stays
    inside the current expression's budget (nested unknown conditions multiply the work)."""
    try:
        return evaluate(expr, scope, None)
    except EvalError as err:
        return Unknown(str(err))


def _iterate(collection: Any) -> list[tuple[Any, Any]]:
    if isinstance(collection, Lazy):
        collection = collection.materialize()
    if isinstance(collection, dict):
        return [(k, collection[k]) for k in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    raise EvalError(f"Iteration over non-iterable value {collection!r}")


def _for(expr: ast.ForExpr, scope: Scope, trace: Trace) -> Any:
    collection = evaluate(expr.collection, scope, trace)
    if isinstance(collection, Unknown):
        return collection
    if collection is None:
        raise EvalError("Iteration over null value")
    is_object = expr.key is not None
    result_list: list[Any] = []
    result_obj: dict[str, Any] = {}
    elements: list[list[Evidence]] | None = [] if trace is not None else None
    try:
        unknown = _for_elements(expr, scope, elements, collection, result_list, result_obj)
    finally:
        if trace is not None and elements:
            _keep_steps(trace, elements)
    if unknown is not None:
        return unknown
    result = result_obj if is_object else result_list
    _check(result, scope)
    return result


def _keep_steps(outer: list[Evidence], elements: list[list[Evidence]]) -> None:
    """A for expression's steps. The files its elements read are named when they are a few;
    past that only those every element read stay (a defaults file, not 150 per-item YAMLs
    in every element's chain)."""
    reads = [{step for step in steps if step.note.startswith(READ_NOTE)} for steps in elements]
    every = set.intersection(*reads) if reads else set()
    keep_all = len(set().union(*reads)) <= MAX_READ_STEPS
    seen = set(outer)
    for steps in elements:
        for step in steps:
            if step in seen or not (keep_all or step in every or not step.note.startswith(READ_NOTE)):
                continue
            seen.add(step)
            outer.append(step)


def _for_elements(expr: ast.ForExpr, scope: Scope, elements: list[list[Evidence]] | None, collection: Any,
                  result_list: list[Any], result_obj: dict[str, Any]) -> Unknown | None:
    """Fill the result (and each element's evidence steps); an unknown condition or key makes
    the whole expression that Unknown."""
    is_object = expr.key is not None
    budget = scope.budget
    trace: Trace = None
    for key, value in _iterate(collection):
        budget.iterate()
        if elements is not None:
            trace = []
            elements.append(trace)
        bound = {expr.value_var: value}
        if expr.key_var:
            bound[expr.key_var] = key
        inner = scope.child(bound)
        if expr.cond is not None:
            keep = evaluate(expr.cond, inner, trace)
            if isinstance(keep, Unknown):
                return keep
            if not keep:
                continue
        if is_object:
            out_key = evaluate(expr.key, inner, trace)  # type: ignore[arg-type]
            if isinstance(out_key, Unknown):
                return out_key
            out_key = out_key if isinstance(out_key, str) else _to_string(out_key)
            out_value = evaluate(expr.value, inner, trace)
            if expr.group:
                result_obj.setdefault(out_key, []).append(out_value)
            elif out_key in result_obj:
                raise EvalError(f"Duplicate object key \"{out_key}\" in for expression (use ... to group)")
            else:
                result_obj[out_key] = out_value
        else:
            result_list.append(evaluate(expr.value, inner, trace))
    return None


def _template(expr: ast.Template, scope: Scope, trace: Trace) -> Any:
    out: list[str] = []
    size, limit = 0, scope.budget.limits.max_string
    for position, part in enumerate(expr.parts):
        piece = _template_part(part, scope, trace)
        if isinstance(piece, Unknown):
            return _unknown_template(piece, out, expr.parts[position + 1:], scope)
        out.append(piece)
        size += len(piece)
        if size > limit:
            raise BudgetExceeded(f"a template would build a string of more than {limit:,} characters")
    if size > 4096:
        scope.budget.charge(size // 64, "string building")
    return "".join(out)


def _unknown_template(first: Unknown, done: list[str], rest: list[Any], scope: Scope) -> Unknown:
    """The Unknown a template with an unknown part makes (its reason and origin are the first
    unknown part's, as before), carrying the template: literal parts and the unknown parts
    between them. The parts after the first unknown add no evidence; an error in them leaves
    the plain Unknown, as when they were not evaluated."""
    pieces: list[Any] = [*done, first]
    try:
        pieces.extend(_template_part(part, scope, None) for part in rest)
    except EvalError:
        return first
    if sum(len(piece) for piece in pieces if isinstance(piece, str)) > scope.budget.limits.max_string:
        return first
    template: list[str | Unknown] = []
    for piece in pieces:
        for item in (piece.template or (Unknown(piece.reason, piece.origin),)) if isinstance(piece, Unknown) else (piece,):
            if isinstance(item, str) and template and isinstance(template[-1], str):
                template[-1] += item
            elif item != "":
                template.append(item)
        if len(template) > MAX_TEMPLATE_PARTS:  # a name has a few parts; doubling locals must not grow one
            return first
    return Unknown(first.reason, first.origin, tuple(template))


def _template_part(part: Any, scope: Scope, trace: Trace) -> Any:
    if isinstance(part, str):
        return part
    if isinstance(part, ast.TemplateIf):
        cond = evaluate(part.cond, scope, trace)
        if isinstance(cond, Unknown):
            return cond
        if isinstance(cond, str) and cond in ("true", "false"):
            cond = cond == "true"  # Terraform converts the condition to bool
        if not isinstance(cond, bool):
            raise EvalError(f"Invalid template directive: the %{{if}} condition must be a bool, got {cond!r}")
        return _template(ast.Template(part.then if cond else part.other), scope, trace)
    if isinstance(part, ast.TemplateFor):
        collection = evaluate(part.collection, scope, trace)
        if isinstance(collection, Unknown):
            return collection
        pieces = []
        size, limit = 0, scope.budget.limits.max_string
        for key, value in _iterate(collection):
            scope.budget.iterate()
            bound = {part.value_var: value}
            if part.key_var:
                bound[part.key_var] = key
            piece = _template(ast.Template(part.body), scope.child(bound), trace)
            if isinstance(piece, Unknown):
                return piece
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                raise BudgetExceeded(f"a %{{for}} template would build a string of more than {limit:,} characters")
        return "".join(pieces)
    value = evaluate(part, scope, trace)
    if isinstance(value, Unknown):
        return value
    return _to_string(value)


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        raise EvalError("Invalid template interpolation value: the value is null")
    raise EvalError(f"Invalid template interpolation value: cannot include a {type(value).__name__} in a string")


_DISPATCH: dict[type, Callable[[Any, Scope, Trace], Any]] = {
    ast.Literal: _literal,
    ast.Name: _name,
    ast.GetAttr: _get_attr,
    ast.Index: _index,
    ast.Splat: _splat,
    ast.Call: _call,
    ast.TupleExpr: _tuple,
    ast.ObjectExpr: _object,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.Conditional: _conditional,
    ast.ForExpr: _for,
    ast.Template: _template,
}
