"""Storage, log, secret and key references in rendered configuration -> Reference records.

What is recognised is data (analyzer/data/config_references.yaml): URI, endpoint and ARN
patterns applied to every value, and key vocabularies: `region`-like keys, resource-name keys
(`bucket`, `log_group_name`, `container` beside a storage type), account keys (`project_id`,
`subscription_id`) and type hints (`type: s3`, fluent-bit `Name cloudwatch_logs`, Vector
`type = "aws_s3"`).

Neighbourhood decides what a key qualifies. A section's region, account and hint are its own
keys', else the one its children and grandchildren agree on (flyte puts `region` under
`storage.connection`, beside `storage.container`), else its parent's. A reference takes the
region/account of the section it is found in, unless the reference itself names them (an
endpoint or ARN does). Nothing here guesses: a bucket with no region anywhere around it is a
reference with an unknown region, and a region key whose value is no region is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from analyzer import regions
from analyzer.data import load_data
from analyzer.helm.config_tree import Leaf, Section

Location = tuple[str, int, str]  # (value, line, note) where a region/account/hint came from


@dataclass
class Reference:
    kind: str  # bucket, log_group, secret_store, kms_key, queue, registry, identity, endpoint, setting
    cloud: str  # aws, gcp, azure, unknown
    name: str | None
    line: int
    what: str  # "S3 URI s3://acme-data", "bucket key storage.container"
    region: Location | None = None
    account: Location | None = None
    notes: list[str] = field(default_factory=list)
    # a region key beside it whose value is no region of its cloud (`region: test-region`)
    bad_region: Location | None = None


@dataclass
class _Scope:
    region: Location | None = None
    region_cloud: str | None = None
    account: Location | None = None
    account_cloud: str | None = None
    hint: tuple[str, str, int] | None = None  # (cloud, kind, line)
    bad_region: Location | None = None  # a region key whose value is no region (said, never guessed)


@cache
def _data() -> dict[str, Any]:
    return load_data("config_references.yaml")  # type: ignore[no-any-return]


@cache
def _patterns() -> list[tuple[dict[str, Any], re.Pattern[str]]]:
    return [(entry, re.compile(entry["pattern"])) for entry in _data()["patterns"]]


def normal_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _region_of(value: str, cloud: str | None) -> tuple[str, str] | None:
    """(canonical region, cloud) when value is a region or location code of cloud (or any cloud)."""
    text = value.strip()
    if not text or len(text) > 40:
        return None
    for name in [cloud] if cloud in regions.CLOUDS else list(regions.CLOUDS):
        info = regions.normalize(name, text)  # type: ignore[arg-type]
        if info.status in ("resolved", "multi"):
            return info.value, name  # type: ignore[return-value]
    return None


def _own_scope(section: Section, context: str | None = None) -> _Scope:
    """The section's own keys; context is the cloud its surroundings already name (for generic keys)."""
    data = _data()
    scope = _Scope()
    hint_keys = set(data["hint_keys"])
    for leaf in section.leaves:
        key = normal_key(leaf.key)
        if key in hint_keys and scope.hint is None:
            hint = data["hints"].get(leaf.value.strip().lower())
            if hint is not None:
                scope.hint = (hint["cloud"], hint["kind"], leaf.line)
    hint_cloud = scope.hint[0] if scope.hint else None
    for leaf in section.leaves:
        key = normal_key(leaf.key)
        if key in data["region_keys"] and scope.region is None:
            found = _region_of(leaf.value, hint_cloud)
            if found is not None:
                scope.region = (found[0], leaf.line, f"{_path(section, leaf)} = {leaf.value.strip()}")
                scope.region_cloud = found[1]
            elif leaf.value.strip() and scope.bad_region is None:
                scope.bad_region = (leaf.value.strip(), leaf.line, f"{_path(section, leaf)} = {leaf.value.strip()}")
    if scope.region is not None:
        scope.bad_region = None
    for leaf in section.leaves:
        key = normal_key(leaf.key)
        cloud = data["account_keys"].get(key)
        value = leaf.value.strip()
        if cloud is None or scope.account is not None or not re.fullmatch(data["account_syntax"][cloud], value):
            continue
        if key in data["generic_account_keys"] and cloud not in (hint_cloud, scope.region_cloud, context):
            continue  # Sentry's `project: storefront` is no GCP project: only beside that cloud's storage/region
        scope.account = (value, leaf.line, f"{_path(section, leaf)} = {value}")
        scope.account_cloud = cloud
    return scope


def _path(section: Section, leaf: Leaf) -> str:
    return f"{section.path}.{leaf.key}" if section.path else leaf.key


def _effective(section: Section, inherited: _Scope, from_below: bool = True) -> _Scope:
    """The scope of a section's own leaves (from_below) or of its children (not from_below: a value
    only one child states must not leak into that child's siblings, e.g. two fluent-bit outputs)."""
    context = inherited.hint[0] if inherited.hint else inherited.region_cloud
    own = _own_scope(section, context)
    # children and grandchildren: stow puts `kind: google` under `stow:` and `project_id` one further down
    nested = [*section.children, *(grandchild for child in section.children for grandchild in child.children)]
    hints = {scope.hint[:2] for scope in (_own_scope(c) for c in nested) if scope.hint} if from_below else set()
    if own.hint:
        context = own.hint[0]
    elif len(hints) == 1:
        context = next(iter(hints))[0]
    below = [_own_scope(child, context) for child in nested] if from_below else []
    for attribute in ("region", "account", "hint", "bad_region"):
        if getattr(own, attribute) is not None:
            continue
        values = {getattr(child, attribute)[0] for child in below if getattr(child, attribute) is not None}
        if len(values) == 1:
            child = next(c for c in below if getattr(c, attribute) is not None)
            setattr(own, attribute, getattr(child, attribute))
            if attribute in ("region", "account"):
                setattr(own, f"{attribute}_cloud", getattr(child, f"{attribute}_cloud"))
        else:
            setattr(own, attribute, getattr(inherited, attribute))
            if attribute in ("region", "account"):
                setattr(own, f"{attribute}_cloud", getattr(inherited, f"{attribute}_cloud"))
    return own


def extract(tree: Section, inherited: _Scope | None = None) -> list[Reference]:
    """Every reference in tree, in document order; a region or account key no reference took is
    a reference of its own (kind "setting": `AWS_REGION`, `GOOGLE_CLOUD_PROJECT`)."""
    found: list[Reference] = []
    settings: list[tuple[str, str, Location]] = []  # (field, cloud, where)
    _walk(tree, inherited or _Scope(), found, settings)
    used = {reference.region for reference in found} | {reference.account for reference in found}
    for field_name, cloud, location in settings:
        if location in used:
            continue
        used.add(location)
        found.append(Reference(kind="setting", cloud=cloud, name=None, line=location[1],
                               what=f"{field_name} setting {location[2]}",
                               region=location if field_name == "region" else None,
                               account=location if field_name == "account" else None))
    found.sort(key=lambda reference: reference.line)
    return found


def _walk(section: Section, inherited: _Scope, found: list[Reference],
          settings: list[tuple[str, str, Location]]) -> None:
    scope = _effective(section, inherited)
    for leaf in section.leaves:
        found.extend(_leaf_references(section, leaf, scope))
    own = _own_scope(section)
    if own.region is not None and not (scope.hint is not None and scope.hint[0] == "unknown"):
        settings.append(("region", own.region_cloud or "unknown", own.region))
    if own.account is not None:
        settings.append(("account", own.account_cloud or "unknown", own.account))
    down = _effective(section, inherited, from_below=False)
    for child in section.children:
        _walk(child, down, found, settings)


def _leaf_references(section: Section, leaf: Leaf, scope: _Scope) -> list[Reference]:
    data = _data()
    out: list[Reference] = []
    value = leaf.value
    for entry, pattern in _patterns():
        for match in pattern.finditer(value):
            reference = _from_pattern(entry, match, leaf, scope, _path(section, leaf) if leaf.key else "")
            if reference is not None:
                out.append(reference)
    key = normal_key(leaf.key)
    named = data["name_keys"].get(key)
    if named is not None and value.strip() and not any(r.name == value.strip() for r in out):
        hint = scope.hint
        if named.get("needs_hint") and (hint is None or hint[1] != named["kind"]):
            return out
        cloud = named.get("cloud") or (hint[0] if hint else None) or scope.region_cloud or "unknown"
        if "://" in value:
            return out  # a URI: the patterns above read it
        out.append(_scoped(Reference(kind=named["kind"], cloud=cloud, name=value.strip(), line=leaf.line,
                                     what=f"{named['kind'].replace('_', ' ')} key {_path(section, leaf)}"), scope))
    return out


def _scoped(reference: Reference, scope: _Scope) -> Reference:
    if reference.region is None and scope.region is not None and scope.region_cloud in (reference.cloud, None):
        reference.region = scope.region
    self_hosted = scope.hint is not None and scope.hint[0] == "unknown"  # MinIO: a region key names no cloud
    if self_hosted and reference.cloud == "unknown":
        reference.cloud = "kubernetes"  # stored in the cluster itself: placed wherever the cluster is
        return reference
    if reference.region is None and scope.region is not None and reference.cloud == "unknown" and not self_hosted:
        reference.region = scope.region
        reference.cloud = scope.region_cloud or "unknown"
    if reference.account is None and scope.account is not None and scope.account_cloud == reference.cloud:
        reference.account = scope.account
    if reference.region is None and scope.region is None and scope.bad_region is not None:
        reference.bad_region = scope.bad_region
    return reference


def _from_pattern(entry: dict[str, Any], match: re.Match[str], leaf: Leaf, scope: _Scope,
                  key: str) -> Reference | None:
    data = _data()
    groups = {k: v for k, v in match.groupdict().items() if v}
    kind = entry["kind"]
    cloud = entry["cloud"]
    name = groups.get("name")
    text = match.group(0)
    if kind == "arn":
        service = groups.get("service", "")
        spec = data["arn_services"].get(service)
        if spec is None:
            return None
        kind = spec["kind"]
        name = _arn_name(groups.get("resource", ""), spec.get("name"))
    elif kind == "endpoint" and cloud == "aws":
        kind = data["aws_endpoint_services"].get(groups.get("service", ""), "endpoint")
    what = f"{key} = {entry['what']} {text}" if key else f"{entry['what']} {text}"
    reference = Reference(kind=kind, cloud=cloud, name=name, line=leaf.line, what=what)
    region = groups.get("region")
    if region:
        info = regions.normalize(cloud, region)
        if info.status in ("resolved", "multi"):
            reference.region = (info.value, leaf.line, what)
    account = groups.get("account")
    if account:
        reference.account = (account, leaf.line, what)
    return _scoped(reference, scope)


def _arn_name(resource: str, spec: dict[str, Any] | None) -> str | None:
    if spec is None:
        return None
    prefix = spec.get("after", "")
    if prefix and not resource.startswith(prefix):
        return None
    rest = resource[len(prefix):]
    stop = spec.get("stop")
    if stop:
        rest = rest.split(stop, 1)[0]
    if spec.get("strip"):
        rest = re.sub(spec["strip"], "", rest)
    if rest and spec.get("keep_prefix"):
        rest = prefix + rest
    return rest or None
