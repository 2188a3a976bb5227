"""The residency inventory of one `terraform show -json` plan (or state) file.

Only resources that will exist after apply are judged: `resource_changes[]` whose actions
create, update, replace or keep (no-op) them; values come from `change.after`, and every key
`change.after_unknown` marks is Unknown (never guessed). Each resource is read through the
PlanResource adapter (view.py) by the same row builder and extractors as HCL
(analyzer/rows.py): placement, multi-region tests, flows, images, endpoints and linking exist
once, and so do the provider rules (analyzer/placements.py). This module owns what only a
plan has: the provider configuration a `provider_config_key` names, whose expressions are
constants or variable references resolved through the root `variables`,
`module_calls[...].expressions` and data sources read during the plan (`prior_state`); the
resource a `configuration` reference points at (through module outputs); and line positions in
the JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from analyzer import regions
from analyzer.catalog import catalog
from analyzer.models import (
    Evidence,
    Inventory,
    InventoryRow,
    ProviderPlacement,
    ScanError,
)
from analyzer.placements import CLOUD_OF_PROVIDER, ProviderSettings, Setting, as_blocks, provider_placement
from analyzer.plan.load import PlanLoadError, deep_line, depth_message, load_plan_json
from analyzer.plan.view import PlanResource, plan_scope
from analyzer.rows import Pending, build_row, link
from analyzer.values import Unknown

# one `module.<name>[<key>]` step of a module instance address
_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.|$)')
_ADDRESS_KEY = re.compile(r'"address"\s*:\s*("(?:[^"\\]|\\.)*")')


def scan_plan(path: Path, rel: str) -> Inventory:
    """The inventory of the plan/state JSON at `path`; `rel` is its path relative to the scan
    root (used as `file` and `root` of every row, provider and error). Never raises for bad
    input: an unreadable or malformed file is one ScanError (CKV_RES_9)."""
    try:
        kind, doc, text = load_plan_json(path, rel)
    except PlanLoadError as exc:
        return Inventory(errors=[ScanError(file=rel, line=exc.line, message=exc.message)])
    try:
        builder = _Builder(rel, doc, text)
        if kind == "plan":
            builder.build_plan()
        else:
            builder.build_state()
        builder.link()
    except RecursionError:
        line = deep_line(text)
        return Inventory(errors=[ScanError(file=rel, line=line, message=depth_message(line))])
    except PlanShapeError as exc:
        return Inventory(errors=[ScanError(file=rel, line=exc.line(text), message=(
            f"plan JSON has an unexpected structure: {exc}; not analyzed"))])
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        # any other shape the builder does not expect: the file is reported, never half-read
        return Inventory(errors=[ScanError(file=rel, message=(
            f"plan JSON has an unexpected structure ({type(exc).__name__}: {exc}); not analyzed"))])
    return Inventory(
        rows=sorted(builder.rows, key=lambda r: (r.file, r.line, r.address)),
        providers=sorted(builder.providers, key=lambda p: (p.file, p.line, p.address)),
        errors=builder.errors,
    )


class PlanShapeError(TypeError):
    """A section of the document has the wrong JSON type (`"provider_config": true`)."""

    def __init__(self, where: str, key: str, value: Any, expected: str) -> None:
        super().__init__(f"{where} is {_json_type(value)}, not {expected}")
        self.key = key

    def line(self, text: str) -> int:
        return _line_of(text, self.key)


def _json_type(value: Any) -> str:
    if value is True or value is False:
        return f"the boolean {json.dumps(value)}"
    return {str: "a string", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(type(value), "null")


def _section(parent: dict[str, Any], key: str, where: str, expected: type = dict) -> Any:
    """parent[key] when it has the expected JSON type, an empty one when absent or null."""
    value = parent.get(key)
    if value is None:
        return expected()
    if not isinstance(value, expected):
        raise PlanShapeError(f"{where}{key}", key, value, "an object" if expected is dict else "a list")
    return value


# --- values with unknowns -------------------------------------------------------------

def merge_unknown(value: Any, unknown: Any, where: str) -> Any:
    """`change.after` with every leaf `change.after_unknown` marks replaced by Unknown."""
    if unknown is True:
        return Unknown(f"{where} is known only after apply")
    if isinstance(value, dict) or isinstance(unknown, dict):
        base = value if isinstance(value, dict) else {}
        marks = unknown if isinstance(unknown, dict) else {}
        return {k: merge_unknown(base.get(k), marks.get(k), f"{where}.{k}") for k in [*base, *(m for m in marks if m not in base)]}
    if isinstance(value, list) or isinstance(unknown, list):
        items = value if isinstance(value, list) else []
        item_marks = unknown if isinstance(unknown, list) else []
        return [merge_unknown(items[i] if i < len(items) else None, item_marks[i] if i < len(item_marks) else None,
                              f"{where}[{i}]")
                for i in range(max(len(items), len(item_marks)))]
    return value


def module_path(module_address: str | None) -> tuple[str, ...]:
    """`module.a[0].module.b["x"]` -> ("a", "b"): the configuration path of a module instance."""
    if not module_address:
        return ()
    return tuple(m.group(1) for m in _MODULE_STEP.finditer(module_address))


def exists_after_apply(actions: Any) -> bool:
    """create, update, replace (delete+create either order) and no-op leave the object in place;
    delete, read (data sources) and forget do not."""
    if not isinstance(actions, list):
        return False
    return "create" in actions or "update" in actions or actions == ["no-op"]


# --- the builder ------------------------------------------------------------------------

class _Builder:
    def __init__(self, rel: str, doc: dict[str, Any], text: str) -> None:
        self.rel = rel
        self.doc = doc
        self.rows: list[InventoryRow] = []
        self.providers: list[ProviderPlacement] = []
        self.errors: list[ScanError] = []
        self.pending: list[Pending] = []
        self.parent_refs: dict[int, list[str]] = {}  # id(pending) -> resources its parent arguments reference
        self.scope = plan_scope()
        self.implicit: dict[str, int] = {}  # provider key used by a resource but configured nowhere -> first line
        configuration: dict[str, Any] = _section(doc, "configuration", "")
        self.provider_config: dict[str, Any] = _section(configuration, "provider_config", "configuration.")
        for key, config in self.provider_config.items():
            if not isinstance(config, dict):
                raise PlanShapeError(f'configuration.provider_config["{key}"]', key, config, "an object")
        self.root_module: dict[str, Any] = _section(configuration, "root_module", "configuration.")
        self.variables: dict[str, Any] = _section(doc, "variables", "")
        _section(doc, "resource_changes", "", list)
        _section(doc, "planned_values", "")
        _section(doc, "prior_state", "")
        self._lines = _address_lines(text)
        self._provider_lines = _key_lines(text, "provider_config", self.provider_config)
        self._config_index: dict[tuple[str, ...], dict[str | None, dict[str, Any]]] = {}
        self.providers_by_key: dict[str, PlanProvider] = {}

    # -- evidence helpers

    def ev(self, note: str, address: str | None = None, provider: str | None = None) -> Evidence:
        line = self._lines.get(address, 0) if address else self._provider_lines.get(provider, 0) if provider else 0
        return Evidence(file=self.rel, line=line, note=note)

    # -- configuration lookups

    def module_config(self, path: tuple[str, ...]) -> dict[str, Any] | None:
        module = self.root_module
        for name in path:
            call = (module.get("module_calls") or {}).get(name)
            if not isinstance(call, dict):
                return None
            module = call.get("module") or {}
        return module

    def module_call(self, path: tuple[str, ...]) -> dict[str, Any] | None:
        parent = self.module_config(path[:-1])
        call = (parent.get("module_calls") or {}).get(path[-1]) if parent else None
        return call if isinstance(call, dict) else None

    def config_resource(self, path: tuple[str, ...], address: str) -> dict[str, Any] | None:
        if path not in self._config_index:
            module = self.module_config(path) or {}
            self._config_index[path] = {r.get("address"): r for r in module.get("resources") or [] if isinstance(r, dict)}
        return self._config_index[path].get(address)

    # -- expressions (constant_value or a variable reference, followed through module calls)

    def expression(self, expr: Any, path: tuple[str, ...], note: str, provider: str | None = None) -> Setting:
        steps = [self.ev(note, provider=provider)]
        for _ in range(64):  # module nesting depth bound
            if not isinstance(expr, dict):
                return Setting(Unknown(f"{note} is not an expression the plan records"), steps)
            if "constant_value" in expr:
                return Setting(expr["constant_value"], steps)
            refs = [r for r in expr.get("references") or [] if isinstance(r, str)]
            roots = {".".join(r.split(".")[:2]) for r in refs}
            if refs and all(r.startswith("data.") for r in refs) and len({".".join(r.split(".")[:3]) for r in refs}) == 1:
                return self.data_value(max(refs, key=len), path, steps)
            if len(roots) != 1 or not refs[0].startswith("var."):
                shown = ", ".join(refs) if refs else "an expression"
                return Setting(Unknown(f"{note} is {shown}, which the plan JSON does not evaluate"), steps)
            parts = max(refs, key=len).split(".")
            name, attrs = parts[1], parts[2:]
            steps[-1] = steps[-1].model_copy(update={"note": f"{steps[-1].note} \u2190 var.{name}"})
            if not path:
                variable = self.variables.get(name)
                if not isinstance(variable, dict) or "value" not in variable:
                    return Setting(Unknown(f"variables.{name} has no value in the plan"), steps)
                value = _walk(variable["value"], attrs)
                steps.append(self.ev(f"variables.{name} = {json.dumps(value)}"))
                return Setting(value, steps)
            call = self.module_call(path)
            where = "".join(f'.module_calls["{p}"]' if i == 0 else f'.module.module_calls["{p}"]' for i, p in enumerate(path))
            if call is None:
                return Setting(Unknown(f"module {'.'.join(path)} is not in the plan's configuration"), steps)
            inner = (call.get("expressions") or {}).get(name)
            if inner is None:
                declared = ((call.get("module") or {}).get("variables") or {}).get(name)
                if isinstance(declared, dict) and "default" in declared:
                    value = _walk(declared["default"], attrs)
                    steps.append(self.ev(f"configuration.root_module{where}.module.variables.{name}.default = {json.dumps(value)}"))
                    return Setting(value, steps)
                return Setting(Unknown(f"module {'.'.join(path)} sets no {name} and it has no default"), steps)
            if attrs:
                return Setting(Unknown(f"{note} reads var.{'.'.join(parts[1:])}, an attribute of a module input"), steps)
            note = f"configuration.root_module{where}.expressions.{name}"
            steps.append(self.ev(note))
            expr, path = inner, path[:-1]
        return Setting(Unknown(f"{note}: module nesting too deep"), steps)

    def data_value(self, ref: str, path: tuple[str, ...], steps: list[Evidence]) -> Setting:
        """A data source attribute Terraform read during the plan (`prior_state`)."""
        parts = ref.split(".")
        address = "".join(f"module.{p}." for p in path) + ".".join(parts[:3])
        attrs = parts[3:]
        steps[-1] = steps[-1].model_copy(update={"note": f"{steps[-1].note} \u2190 {'.'.join(parts)}"})
        prior = self.doc.get("prior_state")
        state_values = prior.get("values") if isinstance(prior, dict) else None
        for resource, _module in _state_resources((state_values or {}).get("root_module") or {}, ""):
            if resource.get("address") == address and resource.get("mode") == "data":
                value = _walk(resource.get("values") or {}, attrs)
                steps.append(self.ev(f"prior_state {address}.{'.'.join(attrs)} = {json.dumps(value)}"))
                return Setting(value, steps)
        return Setting(Unknown(f"{address} is not read during the plan (not in prior_state)"), steps)

    # -- providers

    def provider_key(self, key: Any, path: tuple[str, ...]) -> str | None:
        """The provider_config entry a resource's provider_config_key names; keys of providers
        configured outside the module (not in the map) are looked up in the enclosing modules."""
        if not isinstance(key, str) or not key:
            return None
        if key in self.provider_config:
            return key
        prefix, _, name = key.rpartition(":")
        if prefix and not prefix.startswith("module."):  # Terraform 0.12-era "m:aws"
            legacy = "module." + ".module.".join(prefix.split("."))
            if f"{legacy}:{name}" in self.provider_config:
                return f"{legacy}:{name}"
        local = name if prefix else key
        for depth in range(len(path) - 1, -1, -1):
            candidate = ("module." + ".module.".join(path[:depth]) + ":" if depth else "") + local
            if candidate in self.provider_config:
                return candidate
        return None

    def provider(self, key: str) -> "PlanProvider":
        if key not in self.providers_by_key:
            self.providers_by_key[key] = PlanProvider(self, key, self.provider_config.get(key))
        return self.providers_by_key[key]

    def provider_row(self, key: str, line: int) -> None:
        provider = self.provider(key)
        if provider.cloud in regions.CLOUDS:
            self.providers.append(provider_placement(provider, root=self.rel, file=self.rel, line=line))

    # -- rows

    def build_plan(self) -> None:
        for key in sorted(self.provider_config):
            self.provider_row(key, self._provider_lines.get(key, 0))
        for rc in self.doc.get("resource_changes") or []:  # a list: checked in __init__
            if not isinstance(rc, dict) or rc.get("mode", "managed") != "managed" or rc.get("deposed"):
                continue
            change = rc.get("change") or {}
            if not exists_after_apply(change.get("actions")):
                continue
            address = str(rc.get("address", ""))
            values = merge_unknown(change.get("after"), change.get("after_unknown"), address)
            self.add_row(address, str(rc.get("type", "")), str(rc.get("name", "")), rc.get("module_address") or "",
                         values if isinstance(values, dict) else {})
        for key in sorted(self.implicit):
            self.provider_row(key, self.implicit[key])

    def build_state(self) -> None:
        values = self.doc.get("values") or {}
        for resource, module_address in _state_resources(values.get("root_module") or {}, ""):
            if resource.get("mode", "managed") != "managed":
                continue
            address = str(resource.get("address", ""))
            resource_values = resource.get("values")
            self.add_row(address, str(resource.get("type", "")), str(resource.get("name", "")), module_address,
                         resource_values if isinstance(resource_values, dict) else {})

    def add_row(self, address: str, rtype: str, name: str, module_address: str, values: dict[str, Any]) -> None:
        entry = catalog().get(rtype)
        if entry is None:
            return
        path = module_path(module_address)
        config = self.config_resource(path, f"{rtype}.{name}") or {}
        key = self.provider_key(config.get("provider_config_key"), path) if config else None
        line = self._lines.get(address, 0)
        if key is None and isinstance(config.get("provider_config_key"), str):
            key = config["provider_config_key"].rpartition(":")[2]  # inherited from the root, where nothing configures it
            self.implicit.setdefault(key, line)
        view = PlanResource(address=address, type_=rtype, name=name, values=values,
                            configured=config.get("expressions") or {}, file=self.rel, line=line, scope=self.scope,
                            resolve=lambda refs: self.resource_named(refs, path, module_address))
        via = ([Evidence(file=self.rel, line=line, note=f"{address} uses provider_config[\"{key}\"]")] if key
               else [Evidence(file=self.rel, line=line, note=f"{address}: no provider configuration in the plan")])
        view.bind_provider(self.provider(key) if key else None, entry.cloud, via)  # type: ignore[arg-type]
        try:
            pending = build_row(view, entry, view.provider(), file=self.rel, line=line, root=self.rel, skips={}, origin="plan")
            self.pending.append(pending)
            self.parent_refs[id(pending)] = [view.references[a] for a in entry.parent if a in view.references]
        except RecursionError:
            raise  # reported once for the file, with the depth that caused it
        except Exception as err:  # noqa: BLE001 - one resource's bug must not lose the plan, as for HCL
            self.errors.append(ScanError(file=self.rel, line=line, address=address, message=(
                f"internal error while analyzing this resource ({type(err).__name__}: {err}); not analyzed")))

    def resource_named(self, refs: list[str], path: tuple[str, ...], module_address: str) -> str | None:
        """The one resource an expression's references name; None when they name several (a
        list of two clusters' IDs): which element comes from which is not in the plan."""
        prefix = f"{module_address}." if module_address else ""  # the instance (`module.m[0].`), not the path
        found = {address for ref in refs if (address := self.resource_behind([ref], path, prefix=prefix)) is not None}
        return found.pop() if len(found) == 1 else None

    def resource_behind(self, refs: list[str], path: tuple[str, ...], depth: int = 0, prefix: str | None = None) -> str | None:
        """The resource address a reference names, through module outputs (`module.m.arn`)."""
        if depth > 16:
            return None
        if prefix is None:
            prefix = "".join(f"module.{name}." for name in path)
        for ref in refs:
            parts = ref.split(".")
            if parts[0] == "module" and len(parts) >= 3:
                child = self.module_config((*path, parts[1])) or {}
                output = (child.get("outputs") or {}).get(parts[2])
                expr = output.get("expression") if isinstance(output, dict) else None
                inner = [r for r in (expr.get("references") or []) if isinstance(r, str)] if isinstance(expr, dict) else []
                found = self.resource_behind(inner, (*path, parts[1]), depth + 1, f"{prefix}module.{parts[1]}.")
                if found:
                    return found
            elif len(parts) >= 2 and parts[0] not in ("var", "local", "data", "each", "count", "path", "self", "module"):
                return prefix + ".".join(parts[:2])
        return None

    def link(self) -> None:
        # a parent named by a known ID (`key_ring = google_kms_key_ring.ring.id` on an existing
        # ring) is no row's name: the configuration's reference names it, when it is in the plan
        addresses = {p.row.address for p in self.pending}
        addresses |= {a[:a.rindex("[")] for a in addresses if a.endswith("]")}  # `x` names every `x[key]`
        for p in self.pending:
            if p.parent is not None and p.parent[0] == "name":
                found = next((a for a in self.parent_refs.get(id(p), []) if a in addresses), None)
                if found is not None:
                    p.parent = ("address", found)
        link(self.pending)
        self.rows = [p.row for p in self.pending]


class PlanProvider(ProviderSettings):
    """One `configuration.provider_config` entry (None: a provider resources use that nothing
    configures), its arguments read as plan expressions."""

    def __init__(self, builder: _Builder, key: str, config: dict[str, Any] | None) -> None:
        self._builder, self.key, self._config, self._memo = builder, key, config or {}, {}
        self._expressions: dict[str, Any] = self._config.get("expressions") or {}
        self.name = str(self._config.get("name") or key.rpartition(":")[2].split(".")[0])
        full = str(self._config.get("full_name") or "")  # registry.terraform.io/hashicorp/aws
        self.cloud = CLOUD_OF_PROVIDER.get(full.rsplit("/", 1)[-1], CLOUD_OF_PROVIDER.get(self.name.split(".")[0], "unknown"))
        module_address = self._config.get("module_address")
        self.address = f"{module_address + '.' if module_address else ''}provider.{key.rpartition(':')[2]}"
        self._declared = config is not None
        self.who = f"provider {key}" if self._declared else f"implicit provider {key} (no provider block)"
        self.implicit = not self._expressions
        self.roles = len(as_blocks(self._expressions.get("assume_role")))
        self._label = f'configuration.provider_config["{key}"]'

    def _arguments(self, role: int | None) -> dict[str, Any]:
        return self._expressions if role is None else as_blocks(self._expressions.get("assume_role"))[role]

    def _has(self, name: str, role: int | None = None) -> bool:
        return name in self._arguments(role)

    def _attr(self, name: str, role: int | None = None) -> Setting | None:
        arguments = self._arguments(role)
        if name not in arguments:
            return None
        where = f"{self._label}.expressions.{'' if role is None else f'assume_role[{role}].'}{name}"
        return self._builder.expression(arguments[name], module_path(self._config.get("module_address")), where, self.key)

    def _decl(self) -> list[Evidence]:
        return [self._builder.ev(self._label, provider=self.key)] if self._declared else []


# --- placement values -----------------------------------------------------------------

def _walk(value: Any, attrs: list[str]) -> Any:
    for attr in attrs:
        if not isinstance(value, dict) or attr not in value:
            return Unknown(f"variable has no attribute {attr}")
        value = value[attr]
    return value


# --- text positions and state modules ---------------------------------------------------------

def _address_lines(text: str) -> dict[str, int]:
    """Best-effort line of each address in `resource_changes` (the first `"address"` after that
    key); 1 for every address of single-line `terraform show -json` output."""
    start = text.find('"resource_changes"')
    if start < 0:
        start = 0
    lines: dict[str, int] = {}
    line = text.count("\n", 0, start) + 1
    position = start
    for match in _ADDRESS_KEY.finditer(text, start):
        line += text.count("\n", position, match.start())
        position = match.start()
        try:
            address = json.loads(match.group(1))
        except ValueError:
            continue
        lines.setdefault(address, line)
    return lines


def _key_lines(text: str, section: str, keys: dict[str, Any]) -> dict[str, int]:
    """Best-effort line of each key of a top-level-ish object (`"provider_config": {"aws.dr": ...}`)."""
    start = text.find(f'"{section}"')
    return {key: _line_of(text, key, start) for key in keys} if start >= 0 else {}


def _line_of(text: str, key: str, start: int = 0) -> int:
    """1-based line of the first `"key":` at or after `start`; 0 when there is none."""
    found = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, start)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def _state_resources(module: dict[str, Any], module_address: str) -> Iterator[tuple[dict[str, Any], str]]:
    for resource in module.get("resources") or []:
        if isinstance(resource, dict):
            yield resource, module_address
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            yield from _state_resources(child, str(child.get("address") or ""))
