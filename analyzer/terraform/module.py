"""Module instances: variables, locals, resources, data sources, module calls, outputs.

Evaluation is lazy and memoised: a local, a resource attribute or a module output is
computed when something references it, with cycle detection, so declaration order and
file splits do not matter (as in Terraform).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from analyzer.data import load_data
from analyzer.hcl import ast
from analyzer.models import Evidence, ScanError
from analyzer.terraform import types
from analyzer.terraform.budget import BUDGET_REASON, Budget, BudgetExceeded
from analyzer.terraform.evaluate import (
    EvalError,
    Lazy,
    Scope,
    Trace,
    evaluate,
    evaluate_safely,
    materialize,
)
from analyzer.terraform.file_functions import FileContext
from analyzer.terraform.loader import SourceTree
from analyzer.terraform.overrides import is_override_file, merge_block, provider_identity
from analyzer.terraform.providers import ProviderConfig, ProviderRef, Setting
from analyzer.values import Unknown, to_display

MAX_MODULE_DEPTH = 24
_META_ARGS = {"source", "version", "count", "for_each", "providers", "depends_on"}


@cache
def data_source_table() -> dict[str, dict[str, str]]:
    return load_data("data_sources.yaml")


@dataclass
class Declared:
    """A top-level block with the file it is in."""

    block: ast.Block
    file: str  # relative to scan root


@dataclass(frozen=True)
class UnknownKey:
    """The key of the one instance analyzed for a block whose count/for_each is not known
    statically (address `x[*]`): count.index, each.key and each.value are Unknown there, so
    what does not depend on them is judged exactly as for any instance."""

    reason: str
    counted: bool  # count (count.index) rather than for_each (each.key, each.value)


def has_unknown_key(keys: Any) -> UnknownKey | None:
    """The UnknownKey of an instance key list or instance dict, if that is what it holds."""
    first = next(iter(keys), None) if isinstance(keys, (list, dict)) else None
    return first if isinstance(first, UnknownKey) else None


def instance_key_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, UnknownKey):
        return "[*]"
    if isinstance(key, int):
        return f"[{key}]"
    # Terraform's quoted-string form: JSON-like escapes, and template sequences doubled
    quoted = json.dumps(key, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")
    return "[" + quoted + "]"


def add_evidence(trace: list[Evidence], steps: list[Evidence]) -> list[Evidence]:
    """Append the steps the trace does not hold yet: a local read once per element of a
    for expression must add its chain once, or chains grow with every element (and nest)."""
    if steps:
        seen = {(e.file, e.line, e.note) for e in trace}
        for step in steps:
            mark = (step.file, step.line, step.note)
            if mark not in seen:
                seen.add(mark)
                trace.append(step)
    return trace


@dataclass
class FolderIndex:
    """What one module folder declares, indexed once per folder and shared by every instance
    of it (a module called from 80 roots is read once): instances never change it."""

    variables: dict[str, Declared] = field(default_factory=dict)
    locals: dict[str, tuple[ast.Attribute, str]] = field(default_factory=dict)
    resources: dict[str, Declared] = field(default_factory=dict)
    data: dict[str, Declared] = field(default_factory=dict)
    module_calls: dict[str, Declared] = field(default_factory=dict)
    outputs: dict[str, Declared] = field(default_factory=dict)
    provider_blocks: list[Declared] = field(default_factory=list)
    skips: dict[str, dict[int, list[tuple[str, str]]]] = field(default_factory=dict)
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, message): not analyzed

    def bad_block(self, file: str, block: ast.Block, message: str) -> None:
        self.problems.append((file, block.line, message))


def folder_index(tree: SourceTree, directory: Path) -> FolderIndex:
    found = tree.indexes.get(directory)
    if found is None:
        found = tree.indexes[directory] = _build_index(tree.files.get(directory, []))
    return found


def _build_index(bodies: list[ast.FileBody]) -> FolderIndex:
    index = FolderIndex()
    overrides = [b for b in bodies if is_override_file(b.path)]
    for body in bodies:
        file = body.path
        if body.skips:
            index.skips[file] = body.skips
        if body in overrides:
            continue
        for block in body.blocks:
            kind, labels = block.type, block.labels
            if kind == "variable" and labels:
                if labels[0] in index.variables:  # Terraform: "Duplicate variable declaration"
                    first = index.variables[labels[0]]
                    index.bad_block(file, block, f"duplicate variable \"{labels[0]}\" (first declared at {first.file}:{first.block.line})")
                    continue
                index.variables[labels[0]] = Declared(block, file)
            elif kind == "locals":
                for name, attribute in block.attrs.items():
                    if name in index.locals:  # Terraform: "Duplicate local value definition"
                        earlier, earlier_file = index.locals[name]
                        index.problems.append((file, attribute.line, f"duplicate local value \"{name}\" (first defined "
                                                                    f"at {earlier_file}:{earlier.line})"))
                        continue
                    index.locals[name] = (attribute, file)
            elif kind in ("resource", "data"):
                if len(labels) != 2:
                    index.bad_block(file, block, f"a {kind} block needs a type and a name label, got {len(labels)} label(s)")
                    continue
                table = index.resources if kind == "resource" else index.data
                key = f"{labels[0]}.{labels[1]}"
                if key in table:
                    first = table[key]
                    index.bad_block(file, block, f"duplicate {kind} \"{key}\" (first declared at {first.file}:{first.block.line})")
                    continue
                table[key] = Declared(block, file)
            elif kind == "module" and labels:
                if labels[0] in index.module_calls:
                    first = index.module_calls[labels[0]]
                    index.bad_block(file, block, f"duplicate module \"{labels[0]}\" (first declared at {first.file}:{first.block.line})")
                    continue
                index.module_calls[labels[0]] = Declared(block, file)
            elif kind == "output" and labels:
                if labels[0] in index.outputs:  # Terraform: "Duplicate output definition"
                    first = index.outputs[labels[0]]
                    index.bad_block(file, block, f"duplicate output \"{labels[0]}\" (first declared at {first.file}:{first.block.line})")
                    continue
                index.outputs[labels[0]] = Declared(block, file)
            elif kind == "provider" and labels:
                identity = provider_identity(block)
                first_provider = next((d for d in index.provider_blocks if provider_identity(d.block) == identity), None)
                if first_provider is not None:
                    index.bad_block(file, block, f"duplicate provider configuration {identity} (first declared at "
                                                 f"{first_provider.file}:{first_provider.block.line})")
                    continue
                index.provider_blocks.append(Declared(block, file))
    for body in overrides:
        for block in body.blocks:
            _apply_override(index, body.path, block)
    return index


def _apply_override(index: FolderIndex, file: str, block: ast.Block) -> None:
    kind, labels = block.type, block.labels
    if kind == "locals":
        for name, attribute in block.attrs.items():
            index.locals[name] = (attribute, file)
        return
    tables = {"resource": index.resources, "data": index.data, "module": index.module_calls,
              "variable": index.variables, "output": index.outputs}
    if kind in tables:
        key = ".".join(labels) if kind in ("resource", "data") else (labels[0] if labels else "")
        table = tables[kind]
        if key not in table:
            index.bad_block(file, block, f"override file has no {kind} \"{key}\" to override")
            return
        base = table[key]
        table[key] = Declared(merge_block(base.block, block, file), base.file)
    elif kind == "provider" and labels:
        identity = provider_identity(block)
        for position, declared in enumerate(index.provider_blocks):
            if provider_identity(declared.block) == identity:
                index.provider_blocks[position] = Declared(merge_block(declared.block, block, file), declared.file)
                return
        if "alias" not in block.attrs:
            # Terraform: an absent default configuration is an implied empty one, so an
            # override of it becomes the configuration; only an aliased one needs a base
            index.provider_blocks.append(Declared(block, file))
            return
        index.bad_block(file, block, f"override file has no provider {identity} to override")


@dataclass
class Value:
    value: Any
    evidence: list[Evidence] = field(default_factory=list)


class ModuleInstance:
    """One instance of a module (the root, or `module.a["x"].module.b`)."""

    def __init__(self, tree: SourceTree, directory: Path, address: str, *,
                 inputs: dict[str, Value] | None = None, providers: dict[str, ProviderRef] | None = None,
                 parent: "ModuleInstance | None" = None, root_dir: Path | None = None,
                 modules_json: dict[str, str] | None = None, call_path: tuple[str, ...] = (),
                 explicit_providers: bool = False, workspace: str = "default") -> None:
        self.tree = tree
        self.dir = directory
        self.address = address
        self.parent = parent
        self.root_dir = root_dir or directory
        self.modules_json = modules_json or {}
        self.call_path = call_path  # module call names from the root, for modules.json keys
        # a `providers` map on the call cancels the inheritance of default configurations
        self.explicit_providers = explicit_providers
        self.workspace = workspace
        self.inputs = inputs or {}
        # one budget per root: count/for_each fan-out through modules multiplies
        self.budget: Budget = parent.budget if parent is not None else Budget()
        if parent is None and tree.files.get(directory):
            self.budget.fallback = (tree.files[directory][0].path, 1)
        self.errors: list[ScanError] = []
        self.variables: dict[str, Declared] = {}
        self.locals: dict[str, tuple[ast.Attribute, str]] = {}
        self.resources: dict[str, Declared] = {}
        self.data: dict[str, Declared] = {}
        self.module_calls: dict[str, Declared] = {}
        self.outputs: dict[str, Declared] = {}
        self.provider_blocks: list[Declared] = []
        self.skips: dict[str, dict[int, list[tuple[str, str]]]] = {}
        self._var_memo: dict[str, Value] = {}
        self._local_memo: dict[str, Value] = {}
        self._in_progress: set[str] = set()
        self._resource_memo: dict[str, Any] = {}
        self._output_memo: dict[str, Value] = {}
        self._children: dict[str, Any] = {}
        self._each_steps: dict[int, list[Evidence]] = {}  # for_each block -> where its elements came from
        # file functions read relative to the root module's folder, shared by the whole root
        self.files: FileContext = parent.files if parent is not None else FileContext(tree, self.root_dir.resolve())
        self._index()
        self.providers = self._provider_map(providers or {})

    # --- structure -----------------------------------------------------------------

    @property
    def rel_dir(self) -> str:
        return self.tree.rel(self.dir)

    @cached_property
    def real_dir(self) -> Path:
        """The folder with symlinks resolved, once (module cycle checks walk every ancestor)."""
        return self.dir.resolve()

    def _index(self) -> None:
        index = folder_index(self.tree, self.dir)
        self.variables, self.locals, self.resources = index.variables, index.locals, index.resources
        self.data, self.module_calls, self.outputs = index.data, index.module_calls, index.outputs
        self.provider_blocks, self.skips = index.provider_blocks, index.skips
        prefix = f"{self.address}: " if self.address else ""
        self.errors.extend(ScanError(file=file, line=line, message=f"{prefix}{message}; not analyzed")
                           for file, line, message in index.problems)

    def _provider_map(self, passed: dict[str, ProviderRef]) -> dict[str, ProviderRef]:
        result = dict(passed)
        for declared in self.provider_blocks:
            block = declared.block
            alias_attr = block.attrs.get("alias")
            alias = None
            if alias_attr is not None:
                alias_value = evaluate_safely(alias_attr.expr, Scope(self), where=(declared.file, alias_attr.line))
                alias = alias_value if isinstance(alias_value, str) else None
            config = ProviderConfig(block.labels[0], alias, block, self, declared.file)
            result[config.key] = ProviderRef(config, [])
        return result

    def provider_for(self, key: str) -> ProviderRef:
        """The provider configuration a resource or data source with this key uses."""
        if key in self.providers:
            return self.providers[key]
        # Terraform's implied empty default configuration, in the module that stopped the
        # inheritance: the root, or the nearest module called with a `providers` map
        owner = self
        while owner.parent is not None and not owner.explicit_providers:
            owner = owner.parent
        if "." not in key:
            implicit = owner.providers.get(key)
            if implicit is None:
                implicit = ProviderRef(ProviderConfig(key, None, None, owner, owner.rel_dir))
                owner.providers[key] = implicit
            if self is not owner:
                self.providers[key] = implicit
            return implicit
        return ProviderRef(ProviderConfig(key.split(".")[0], key.split(".", 1)[1], None, self, self.rel_dir))

    # --- references ----------------------------------------------------------------

    def resolve(self, root: str, attr: str | None, trace: Trace) -> Any:
        if attr is None:
            raise EvalError(f"Invalid reference: \"{root}\" needs an attribute")
        if root == "var":
            found = self.variable(attr)
        elif root == "local":
            found = self.local(attr)
        elif root == "module":
            return self.module_value(attr, trace)
        elif root == "data":
            return _DataType(self, attr)
        elif root == "path":
            # as Terraform: module and root relative to the working directory (the root module's folder)
            paths = {"module": os.path.relpath(self.dir, self.root_dir).replace(os.sep, "/"), "root": ".",
                     "cwd": self.files.working_directory()}
            if attr not in paths:
                raise EvalError(f"Invalid \"path\" attribute {attr}")
            return paths[attr]
        elif root == "terraform":
            if attr == "workspace":
                return self.workspace
            raise EvalError(f"Invalid \"terraform\" attribute {attr}")
        elif root in ("count", "each", "self"):
            raise EvalError(f"Reference to \"{root}\" in a context where it is not available")
        elif "_" in root or f"{root}.{attr}" in self.resources:
            return self.resource_value(f"{root}.{attr}")
        else:
            raise EvalError(f"Reference to undeclared resource or value \"{root}.{attr}\"")
        if trace is not None:
            # once per chain, and bounded: locals that each use the previous one twice would double it per step
            add_evidence(trace, found.evidence[: max(self.budget.limits.max_evidence - len(trace), 0)])
        return found.value

    def variable(self, name: str) -> Value:
        if name in self._var_memo:
            return self._var_memo[name]
        declared = self.variables.get(name)
        if declared is None:
            raise EvalError(f"Reference to undeclared input variable \"{name}\" in {self.rel_dir or '.'}")
        block = declared.block
        type_expr = block.attrs["type"].expr if "type" in block.attrs else None
        nullable = not ("nullable" in block.attrs and isinstance(block.attrs["nullable"].expr, ast.Literal)
                            and block.attrs["nullable"].expr.value is False)
        given = self.inputs.get(name)
        if given is not None and given.value is None and not nullable and "default" in block.attrs:
            given = None  # nullable = false: a null argument takes the default
        if given is not None:
            result = Value(types.convert(given.value, type_expr), given.evidence)
        elif "default" in block.attrs:
            attribute = block.attrs["default"]
            value = evaluate_safely(attribute.expr, Scope(self), where=(attribute.file or declared.file, attribute.line))
            sensitive = "sensitive" in block.attrs and isinstance(block.attrs["sensitive"].expr, ast.Literal) \
                and block.attrs["sensitive"].expr.value is True
            note = f"var.{name} default = {'(sensitive)' if sensitive else to_display(value)}"
            result = Value(types.convert(value, type_expr), [Evidence(file=attribute.file or declared.file, line=attribute.line, note=note)])
        else:
            where = "module input" if self.parent is not None else "--var, a .tfvars file or TF_VAR_" + name
            reason = f"var.{name} has no default and is not set (set it with {where})"
            result = Value(Unknown(reason), [Evidence(file=declared.file, line=block.line, note=f"var.{name} is not set")])
        self._var_memo[name] = result
        return result

    def local(self, name: str) -> Value:
        if name in self._local_memo:
            return self._local_memo[name]
        if name not in self.locals:
            unparsed = self._unread_files()
            if unparsed:
                raise EvalError(f"local.{name} is not declared in the files that were analyzed; it may be declared in "
                                f"{', '.join(unparsed)}, which could not be parsed")
            raise EvalError(f"Reference to undeclared local value \"{name}\"")
        key = f"local.{name}"
        attribute, file = self.locals[name]
        if key in self._in_progress:
            self.errors.append(ScanError(file=file, line=attribute.line, message=f"cycle: local.{name} refers to itself through other locals"))
            return Value(Unknown(f"local.{name} is part of a reference cycle"))
        self._in_progress.add(key)
        try:
            trace: list[Evidence] = [Evidence(file=file, line=attribute.line, note=f"local.{name}")]
            value = evaluate_safely(attribute.expr, Scope(self), trace, where=(file, attribute.line))
        finally:
            self._in_progress.discard(key)
        result = Value(value, add_evidence([], trace))
        self._local_memo[name] = result
        return result

    def _unread_files(self) -> list[str]:
        """This module's .tf files that failed to load (their declarations are missing)."""
        folder = "" if self.rel_dir == "." else self.rel_dir
        return sorted({error.file for error in self.tree.errors
                       if error.file.endswith((".tf", ".tf.json")) and error.file.rpartition("/")[0] == folder})

    # --- resources and data ----------------------------------------------------------

    def instance_keys(self, block: ast.Block, file: str, what: str) -> list[Any] | Unknown:
        """[None] for a single instance, ints for count, strings for for_each; each instance
        is drawn from the root's budget (module fan-out multiplies counts)."""
        keys = self._instance_keys(block, file, what)
        if isinstance(keys, Unknown):
            return keys
        try:
            self.budget.add_instances(len(keys), what)
        except BudgetExceeded as err:
            return self.budget.exceeded(err.reason, (file, block.line))
        return keys

    def _instance_keys(self, block: ast.Block, file: str, what: str) -> list[Any] | Unknown:
        limit = self.budget.limits.max_block_instances
        if "count" in block.attrs:
            count = evaluate_safely(block.attrs["count"].expr, Scope(self), where=(file, block.attrs["count"].line))
            if isinstance(count, Unknown):
                return [UnknownKey(f"count of {what} is not known statically: {count.reason}", counted=True)]
            if isinstance(count, str):
                try:
                    count = float(count)  # Terraform converts "2" to 2
                except ValueError:
                    pass
            if isinstance(count, bool) or not isinstance(count, (int, float)):
                return Unknown(f"count of {what} is not a number ({to_display(count)})")
            if count != int(count) or count < 0:
                return Unknown(f"count of {what} must be a whole number, got {to_display(count)} (Terraform rejects it)")
            if count > limit:
                return self.budget.exceeded(f"count of {what} is {int(count):,}; at most {limit:,} instances are expanded",
                                            (file, block.attrs["count"].line))
            return list(range(int(count)))
        if "for_each" in block.attrs:
            where = (file, block.attrs["for_each"].line)
            each = materialize(evaluate_safely(block.attrs["for_each"].expr, Scope(self), where=where))
            if isinstance(each, Unknown):
                return [UnknownKey(f"for_each of {what} is not known statically: {each.reason}", counted=False)]
            if isinstance(each, (dict, list)) and len(each) > limit:
                return self.budget.exceeded(f"for_each of {what} has {len(each):,} elements; at most {limit:,} instances "
                                            f"are expanded", where)
            if isinstance(each, dict):
                return sorted(each)
            if isinstance(each, list):
                if any(isinstance(v, Unknown) for v in each):
                    return [UnknownKey(f"for_each of {what} holds values not known statically", counted=False)]
                if not all(isinstance(v, str) for v in each):
                    return Unknown(f"for_each of {what} must be a map or a set of strings (Terraform rejects "
                                   f"{to_display(each)})")
                return sorted(set(each))
            return Unknown(f"for_each of {what} must be a map or set, got {to_display(each)}")
        return [None]

    def each_values(self, block: ast.Block, file: str = "", what: str = "") -> dict[str, Any]:
        """for_each's elements by key; the steps of where they came from are kept for `each`."""
        if "for_each" not in block.attrs:
            return {}
        attribute = block.attrs["for_each"]
        steps = [Evidence(file=attribute.file or file, line=attribute.line, note=f"{what} for_each".strip())]
        each = materialize(evaluate_safely(attribute.expr, Scope(self), steps))
        self._each_steps[id(block)] = steps[: self.budget.limits.max_evidence]
        if isinstance(each, dict):
            return each
        if isinstance(each, list):
            return {v if isinstance(v, str) else to_display(v): v for v in each}
        return {}

    def instance_scope(self, block: ast.Block, key: Any, each_values: dict[str, Any]) -> Scope:
        if key is None:
            return Scope(self)
        if isinstance(key, UnknownKey):
            unknown = Unknown(key.reason)
            return Scope(self, {"count": {"index": unknown}} if key.counted else {"each": {"key": unknown, "value": unknown}})
        if isinstance(key, int):
            return Scope(self, {"count": {"index": key}})
        return Scope(self, {"each": {"key": key, "value": each_values.get(key)}},
                     steps={"each": self._each_steps.get(id(block), [])})

    def resource_value(self, type_name: str) -> Any:
        if type_name in self._resource_memo:
            return self._resource_memo[type_name]
        declared = self.resources.get(type_name)
        if declared is None:
            raise EvalError(f"Reference to undeclared resource \"{type_name}\"")
        value = self._instances_value(declared, type_name, ResourceInstance)
        self._resource_memo[type_name] = value
        return value

    def resource_instances(self, type_name: str) -> dict[Any, "ResourceInstance"] | Unknown:
        """The instances of a resource by key (one UnknownKey instance when its count/for_each
        is not known statically); Unknown when Terraform would reject the count/for_each."""
        memo_key = f"instances:{type_name}"
        if memo_key not in self._resource_memo:
            self._resource_memo[memo_key] = self._instances(self.resources[type_name], type_name, ResourceInstance)
        found: dict[Any, ResourceInstance] | Unknown = self._resource_memo[memo_key]
        return found

    def _instances(self, declared: Declared, local_address: str, cls: type) -> dict[Any, Any] | Unknown:
        prefix = f"{self.address}." if self.address else ""
        keys = self.instance_keys(declared.block, declared.file, prefix + local_address)
        if isinstance(keys, Unknown):
            return Unknown(keys.reason, origin=prefix + local_address)
        each_values = self.each_values(declared.block, declared.file, prefix + local_address)
        return {
            key: cls(self, declared, prefix + local_address + instance_key_suffix(key),
                     self.instance_scope(declared.block, key, each_values))
            for key in keys
        }

    def _instances_value(self, declared: Declared, local_address: str, cls: type) -> Any:
        """What a reference to the resource (or data source) evaluates to."""
        prefix = f"{self.address}." if self.address else ""
        if cls is ResourceInstance:
            instances = self.resource_instances(local_address)
        else:
            instances = self._instances(declared, local_address, cls)
        if isinstance(instances, Unknown):
            return instances
        unknown_key = has_unknown_key(instances)
        if unknown_key is not None:  # which instances exist is not known: neither is any of them
            return Unknown(unknown_key.reason, origin=prefix + local_address)
        keys = list(instances)
        if keys == [None]:
            return instances[None]
        if "count" in declared.block.attrs:
            return [instances[k] for k in keys]
        return dict(instances)

    def data_value(self, type_name: str) -> Any:
        key = f"data:{type_name}"
        if key in self._resource_memo:
            return self._resource_memo[key]
        declared = self.data.get(type_name)
        if declared is None:
            raise EvalError(f"Reference to undeclared data source \"data.{type_name}\"")
        value = self._instances_value(declared, f"data.{type_name}", DataInstance)
        self._resource_memo[key] = value
        return value

    # --- module calls ----------------------------------------------------------------

    def module_value(self, name: str, trace: Trace) -> Any:
        children = self.child_instances(name)
        if isinstance(children, Unknown):
            return children
        unknown_key = has_unknown_key(children)
        if unknown_key is not None:  # which instances exist is not known: neither is any output
            prefix = f"{self.address}." if self.address else ""
            return Unknown(unknown_key.reason, origin=f"{prefix}module.{name}")
        if isinstance(children, ModuleInstance):
            return _ModuleObject(children)
        if isinstance(children, list):
            return [_ModuleObject(c) for c in children]
        if isinstance(children, dict):
            return {k: _ModuleObject(c) for k, c in children.items()}
        return Unknown(f"module.{name} was not analyzed")

    def child_instances(self, name: str) -> Any:
        """ModuleInstance, list/dict of them, Unknown (unknown count), or None (not analyzed)."""
        if name in self._children:
            return self._children[name]
        declared = self.module_calls.get(name)
        if declared is None:
            raise EvalError(f"Reference to undeclared module \"{name}\"")
        self._children[name] = None  # guards re-entry while building
        self._children[name] = self._build_children(name, declared)
        return self._children[name]

    def _build_children(self, name: str, declared: Declared) -> Any:
        from analyzer.terraform.sources import resolve_source  # avoid an import cycle

        block = declared.block
        prefix = f"{self.address}." if self.address else ""
        address = f"{prefix}module.{name}"
        if self.budget.instances >= self.budget.limits.max_root_instances:
            # the root's fan-out is spent: not even the source is looked at
            return Unknown(self.budget.exceeded(f"{address} is past the root's "
                                                f"{self.budget.limits.max_root_instances:,} resource and module "
                                                f"instances", (declared.file, block.line)).reason, origin=address)
        source = resolve_source(self, name, declared)
        if isinstance(source, ScanError):
            self.errors.append(source)
            return None
        keys = self.instance_keys(block, declared.file, address)
        if isinstance(keys, Unknown):
            if BUDGET_REASON not in keys.reason:  # the budget reported it once for the root
                self.errors.append(ScanError(file=declared.file, line=block.line, address=address,
                                             message=f"{keys.reason}; the module's resources are not analyzed"))
            return Unknown(keys.reason, origin=address)
        unknown_key = has_unknown_key(keys)
        if unknown_key is not None:
            self.errors.append(unknown_instances_error(unknown_key, block, declared.file, address))
        each_values = self.each_values(block, declared.file, address)
        built: dict[Any, ModuleInstance] = {}
        for key in keys:
            scope = self.instance_scope(block, key, each_values)
            child_address = address + instance_key_suffix(key)
            inputs: dict[str, Value] = {}
            for arg, attribute in block.attrs.items():
                if arg in _META_ARGS:
                    continue
                trace: list[Evidence] = [Evidence(file=attribute.file or declared.file, line=attribute.line, note=f"{child_address} input {arg}")]
                inputs[arg] = Value(evaluate_safely(attribute.expr, scope, trace, where=(attribute.file or declared.file, attribute.line)), trace)
            built[key] = ModuleInstance(
                self.tree, source, child_address, inputs=inputs,
                providers=self._providers_for_call(block, declared.file, child_address),
                parent=self, root_dir=self.root_dir, modules_json=self.modules_json,
                call_path=(*self.call_path, name), explicit_providers="providers" in block.attrs,
                workspace=self.workspace,
            )
        if keys == [None]:
            return built[None]
        if "count" in block.attrs and unknown_key is None:
            return [built[k] for k in keys]
        return built

    def _providers_for_call(self, block: ast.Block, file: str, child_address: str) -> dict[str, ProviderRef]:
        # without a providers map the default (unaliased) configurations are inherited; a
        # providers map cancels that: the child sees only what the map passes
        attribute = block.attrs.get("providers")
        if attribute is None or not isinstance(attribute.expr, ast.ObjectExpr):
            return {key: ref for key, ref in self.providers.items() if "." not in key}
        passed: dict[str, ProviderRef] = {}
        for key_expr, value_expr in attribute.expr.items:
            child_key = _provider_key(key_expr)
            parent_key = _provider_key(value_expr)
            if child_key is None or parent_key is None:
                continue
            parent_ref = self.provider_for(parent_key)
            step = Evidence(file=file, line=attribute.line, note=f"{child_address} providers {{ {child_key} = {parent_key} }}")
            passed[child_key] = ProviderRef(parent_ref.config, [*parent_ref.via, step])
        return passed

    def all_children(self) -> list["ModuleInstance"]:
        out: list[ModuleInstance] = []
        for name in sorted(self.module_calls):
            children = self.child_instances(name)
            if isinstance(children, ModuleInstance):
                out.append(children)
            elif isinstance(children, list):
                out.extend(children)
            elif isinstance(children, dict):
                out.extend(children[k] for k in sorted(children))
        return out

    def output(self, name: str, trace: Trace) -> Any:
        declared = self.outputs.get(name)
        if declared is None:
            raise EvalError(f"Unsupported attribute: module {self.address} has no output \"{name}\"")
        attribute = declared.block.attrs.get("value")
        if attribute is None:
            return None
        key = f"output.{name}"
        if key not in self._output_memo:
            if key in self._in_progress:
                return Unknown(f"output {name} of {self.address} is part of a reference cycle")
            self._in_progress.add(key)
            steps = [Evidence(file=attribute.file or declared.file, line=attribute.line, note=f"{self.address} output {name}")]
            try:
                # memoised: a factory reading an output once per element must not re-evaluate it
                self._output_memo[key] = Value(evaluate(attribute.expr, Scope(self), steps), add_evidence([], steps))
            finally:
                self._in_progress.discard(key)
        found = self._output_memo[key]
        if trace is not None:
            add_evidence(trace, found.evidence)
        return found.value


def unknown_instances_error(key: UnknownKey, block: ast.Block, file: str, address: str) -> ScanError:
    """The one finding that keeps an unknown count/for_each visible, at its line."""
    meta = "count" if key.counted else "for_each"
    attribute = block.attrs.get(meta)
    depends = "count.index" if key.counted else "each.key or each.value"
    return ScanError(file=(attribute.file if attribute is not None and attribute.file else file),
                     line=attribute.line if attribute is not None else block.line, address=f"{address}[*]",
                     message=f"{key.reason}; which instances exist is not analyzed: {address}[*] stands for all of "
                             f"them, judged on what does not depend on {depends}")


def _provider_key(expr: ast.Expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.GetAttr) and isinstance(expr.obj, ast.Name):
        return f"{expr.obj.name}.{expr.name}"
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        return expr.value
    return None


class _ModuleObject(Lazy):
    def __init__(self, instance: ModuleInstance) -> None:
        self.instance = instance

    def get(self, name: str, trace: Trace) -> Any:
        return self.instance.output(name, trace)

    def materialize(self) -> dict[str, Any]:
        return {name: materialize(self._safe(name)) for name in sorted(self.instance.outputs)}

    def _safe(self, name: str) -> Any:
        try:
            return self.instance.output(name, None)
        except EvalError as err:
            return Unknown(str(err))


class _DataType(Lazy):
    def __init__(self, module: ModuleInstance, type_name: str) -> None:
        self.module = module
        self.type_name = type_name

    def get(self, name: str, trace: Trace) -> Any:
        return self.module.data_value(f"{self.type_name}.{name}")

    def materialize(self) -> dict[str, Any]:
        raise EvalError(f"data.{self.type_name} cannot be used as a value")


class ResourceInstance(Lazy):
    """One resource instance; configured arguments evaluate, the rest is computed (unknown)."""

    def __init__(self, module: ModuleInstance, declared: Declared, address: str, scope: Scope) -> None:
        self.module = module
        self.declared = declared
        self.address = address
        self.scope = scope
        self._memo: dict[str, Any] = {}

    @property
    def type(self) -> str:
        return self.declared.block.labels[0]

    def get(self, name: str, trace: Trace) -> Any:
        block = self.declared.block
        if name in block.attrs:
            if trace is not None:
                attribute = block.attrs[name]
                add_evidence(trace, [Evidence(file=attribute.file or self.declared.file, line=attribute.line,
                                              note=f"{self.address}.{name}")])
            if name not in self._memo:
                attribute = block.attrs[name]
                steps: list[Evidence] = []  # memoized with the value: every later reader gets the chain too
                value = evaluate_safely(attribute.expr, self.scope, steps,
                                        where=(attribute.file or self.declared.file, attribute.line))
                if isinstance(value, Unknown) and value.origin is None:
                    # still this resource's attribute: a child naming its parent by it links to the parent's row
                    value = Unknown(value.reason, origin=self.address)
                self._memo[name] = (value, steps)
            value, steps = self._memo[name]
            if trace is not None:
                add_evidence(trace, steps)
            return value
        values: list[Any] = []
        found = False
        for child in block.blocks:
            if child.type == name:
                values.append(self._block_value(child, self.scope))
                found = True
            elif child.type == "dynamic" and child.labels[:1] == [name]:
                expanded = self._dynamic(child, self.scope)
                if isinstance(expanded, Unknown):
                    return expanded
                values.extend(expanded)
                found = True
        if found:
            return values
        return Unknown(f"{self.address}.{name} is computed at apply time", origin=self.address)

    def _block_value(self, block: ast.Block, scope: Scope) -> dict[str, Any]:
        out: dict[str, Any] = {k: evaluate_safely(a.expr, scope, where=(a.file or self.declared.file, a.line))
                               for k, a in block.attrs.items()}
        for child in block.blocks:
            if child.type == "dynamic" and child.labels:
                expanded = self._dynamic(child, scope)
                label = child.labels[0]
                if isinstance(expanded, Unknown):
                    out[label] = expanded
                elif not isinstance(out.get(label), Unknown):
                    out.setdefault(label, []).extend(expanded)
            else:
                out.setdefault(child.type, []).append(self._block_value(child, scope))
        return out

    def _dynamic(self, block: ast.Block, scope: Scope) -> list[dict[str, Any]] | Unknown:
        """Expand a `dynamic "label"` block as Terraform does: one block per for_each element."""
        label = block.labels[0]
        each = materialize(evaluate_safely(block.attrs["for_each"].expr, scope)) if "for_each" in block.attrs else []
        if isinstance(each, Unknown):
            return Unknown(f"dynamic \"{label}\" blocks of {self.address} are not known statically: {each.reason}",
                           origin=self.address)
        iterator = label
        if "iterator" in block.attrs and isinstance(block.attrs["iterator"].expr, ast.Name):
            iterator = block.attrs["iterator"].expr.name
        items = sorted(each.items()) if isinstance(each, dict) else list(enumerate(each)) if isinstance(each, list) else []
        contents = block.children("content")
        if not contents:
            return []
        return [self._block_value(contents[0], scope.child({iterator: {"key": key, "value": value}}))
                for key, value in items]

    def materialize(self) -> dict[str, Any]:
        out = self._block_value(self.declared.block, self.scope)
        for attr in ("id", "arn", "name"):
            out.setdefault(attr, Unknown(f"{self.address}.{attr} is computed at apply time", origin=self.address))
        return out

    def attr_line(self, name: str) -> int:
        attribute = self.declared.block.attrs.get(name)
        return attribute.line if attribute is not None else self.declared.block.line

    def provider(self) -> ProviderRef:
        block = self.declared.block
        attribute = block.attrs.get("provider")
        if attribute is not None:
            key = _provider_key(attribute.expr)
            if key is not None:
                ref = self.module.provider_for(key)
                step = Evidence(file=attribute.file or self.declared.file, line=attribute.line, note=f"{self.address} provider = {key}")
                return ProviderRef(ref.config, [step, *ref.via])
        prefix = self.type.split("_", 1)[0]
        return self.module.provider_for(prefix)


class DataInstance(ResourceInstance):
    """A data source: configured arguments, plus what its provider's settings answer."""

    def get(self, name: str, trace: Trace) -> Any:
        if name in self.declared.block.attrs:
            return super().get(name, trace)
        setting_name = data_source_table().get(self.type, {}).get(name)
        if setting_name is not None:
            ref = self.provider()
            setting: Setting = ref.config.setting(setting_name)
            if trace is not None:
                add_evidence(trace, [Evidence(file=self.declared.file, line=self.declared.block.line,
                                              note=f"{self.address}.{name} = provider {ref.config.key} {setting_name}"),
                                     *ref.via, *setting.evidence])
            return setting.value
        return Unknown(f"{self.address}.{name} is read from the cloud at plan time", origin=self.address)
