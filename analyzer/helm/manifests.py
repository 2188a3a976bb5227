"""Rendered Kubernetes manifests (`helm template` output, kustomize builds, plain YAML) -> inventory rows.

Reading is defensive, like the Terraform loader: a size limit, binary and UTF-8 checks, the
safe loader only, and two guards against YAML alias bombs: at most MAX_ALIASES aliases per
document (counted while composing, before anything is built) and at most MAX_NODES nodes per
document once aliases are expanded (a billion-laughs document needs only a few dozen aliases).
Every problem becomes a ScanError with the file and line; documents before it keep their rows.

Rows:
- workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, ReplicaSet): kind
  "workload", the images of every container, init container and ephemeral container, and the
  control-plane endpoints named in their env values, args and command;
- ConfigMaps and Secrets naming a control-plane endpoint (Secret `data` is base64-decoded):
  kind "config" with those endpoints;
- ServiceAccounts with a cloud identity annotation (IRSA `eks.amazonaws.com/role-arn`, GKE
  `iam.gke.io/gcp-service-account`): kind "identity", the account/project resolved from it.

A Kubernetes object runs in whichever cluster it is applied to: region and account are
Placement(status="none") unless the object itself names an account (identities).
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any, Iterator

import yaml
from yaml.nodes import Node, SequenceNode

from analyzer.helm.reference_rows import config_sources, env_sources, reference_rows
from analyzer.helm.safe_yaml import GuardedLoader, ManifestError, check_expansion, child_node
from analyzer.models import Evidence, Inventory, InventoryRow, Placement, ScanError
from analyzer.registries import control_plane_regions

MAX_FILE_BYTES = 10 * 1024 * 1024

# kind -> path from the object to its pod spec
WORKLOADS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_GROUPS = ("containers", "initContainers", "ephemeralContainers")
CONFIG_KINDS = ("ConfigMap", "Secret")
KUBERNETES_KINDS = frozenset((*WORKLOADS, *CONFIG_KINDS, "ServiceAccount"))  # the kinds rows are made of

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
GKE_ANNOTATION = "iam.gke.io/gcp-service-account"
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/\S+$")
_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>[^:]*):")
_E_NOTATION = re.compile(r"-?\d(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)
_GCP_SA = re.compile(r"^[^@\s]+@(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$")
AZURE_ANNOTATION = "azure.workload.identity/client-id"
_CLIENT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NO_PLACEMENT = "a Kubernetes object runs in whichever cluster it is applied to"


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text, or ValueError with a user-facing reason."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"file is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit for one "
                         "manifest file; not analyzed")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes); not analyzed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(f"not valid UTF-8 (byte 0x{data[err.start]:02x} on line {line}); "
                         "Kubernetes manifests must be UTF-8") from None
    return text.removeprefix("\ufeff")


def scan_manifests(path: Path, rel: str) -> Inventory:
    """Every workload, endpoint-bearing ConfigMap/Secret and cloud-identity ServiceAccount in one
    manifest file. Never raises: problems are ScanErrors naming rel and a line."""
    try:
        text = read_text(path)
    except ValueError as err:
        return Inventory(errors=[ScanError(file=rel, message=str(err))])
    except OSError as err:
        return Inventory(errors=[ScanError(file=rel, message=f"cannot read: {err.strerror or err}")])
    return scan_manifest_text(text, rel)


def scan_manifest_text(text: str, rel: str, source_file: str | None = None,
                       default_namespace: str = "default") -> Inventory:
    """scan_manifests for YAML already in memory (a rendered chart template). Rows and errors name
    rel with lines of text; source_file, when given, is the file text was rendered from: error
    messages then say their line is one of the rendered output, not of that file. Objects without
    metadata.namespace are addressed in default_namespace (Helm installs them in the release's).
    Never raises."""
    inventory = Inventory()
    try:
        loader: GuardedLoader | None = GuardedLoader(text)
    except yaml.reader.ReaderError as err:  # a control character: the reader refuses the stream up front
        inventory.errors.append(_reader_error(text, err))
        loader = None
    try:
        while loader is not None and loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_expansion(node)
            try:
                data = loader.construct_document(node)
            except (ValueError, OverflowError) as err:  # `!!int abc`, a 5000-digit number: this document only
                inventory.errors.append(ScanError(file=rel, line=node.start_mark.line + 1,
                                                  message=f"YAML value cannot be read ({err}); document not analyzed"))
                continue
            for obj, obj_node in _objects(data, node):
                _scan_object(obj, obj_node, rel, inventory, default_namespace)
    except ManifestError as err:
        inventory.errors.append(ScanError(file=rel, line=err.line, message=err.message))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = " ".join(part for part in (err.context, err.problem) if part)
        inventory.errors.append(ScanError(file=rel, line=line, message=f"YAML syntax error: {problem}"))
    except yaml.reader.ReaderError as err:
        inventory.errors.append(_reader_error(text, err))
    except yaml.YAMLError as err:
        inventory.errors.append(ScanError(file=rel, message=f"YAML error: {err}"))
    except RecursionError:
        line = loader.peek_event().start_mark.line + 1 if loader is not None and _safe_peek(loader) else 0
        inventory.errors.append(ScanError(file=rel, line=line, message="YAML nested too deeply; not analyzed"))
    finally:
        if loader is not None:
            loader.dispose()
    for error in inventory.errors:
        error.file = error.file or rel
    if source_file is not None:
        for error in inventory.errors:
            where = f"line {error.line} of the output rendered from" if error.line else "rendered from"
            error.message = f"{error.message} ({where} {source_file})"
    return inventory


def _reader_error(text: str, err: yaml.reader.ReaderError) -> ScanError:
    line = text.count("\n", 0, max(err.position, 0)) + 1
    character = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "?")
    return ScanError(file="", line=line, message=f"YAML error: unacceptable character #x{character:04x} "
                                                 f"({err.reason}); not analyzed")


def _safe_peek(loader: GuardedLoader) -> bool:
    try:
        return loader.peek_event() is not None
    except Exception:  # the stream is broken already; the error names line 0
        return False


def _objects(data: Any, node: Node) -> Iterator[tuple[dict[str, Any], Node]]:
    """The Kubernetes objects of one document (a `kind: List` yields its items)."""
    if not _is_object(data):
        return
    if data["kind"] == "List" and isinstance(data.get("items"), list):
        items_node = child_node(node, "items")
        nodes = items_node.value if isinstance(items_node, SequenceNode) else []
        for index, item in enumerate(data["items"]):
            if _is_object(item):
                yield item, nodes[index] if index < len(nodes) else node
        return
    yield data, node


def _is_object(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)


def _line(node: Node | None, fallback: int) -> int:
    return node.start_mark.line + 1 if node is not None else fallback


def _dig(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _skips(metadata: dict[str, Any]) -> dict[str, str]:
    """checkov's Kubernetes suppressions: annotations `checkov.io/skipN: CKV_RES_7=reason`."""
    skips: dict[str, str] = {}
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        return skips
    for key, value in annotations.items():
        if isinstance(key, str) and key.startswith("checkov.io/skip") and isinstance(value, str):
            rule, _, reason = value.partition("=")
            if rule.strip():
                skips[rule.strip()] = reason.strip()
    return skips


def _scan_object(obj: dict[str, Any], node: Node, rel: str, inventory: Inventory, default_namespace: str) -> None:
    kind = obj["kind"]
    if kind not in WORKLOADS and kind not in CONFIG_KINDS and kind != "ServiceAccount":
        return
    raw_metadata = obj.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    line = node.start_mark.line + 1
    name = metadata.get("name") or (f"{metadata['generateName']}*" if metadata.get("generateName") else None)
    if not isinstance(name, str):
        inventory.errors.append(ScanError(file=rel, line=line, message=f"{kind} without metadata.name; not analyzed"))
        return
    namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else default_namespace
    address = f"{kind}/{namespace}/{name}"

    def row(row_kind: str, **fields: Any) -> InventoryRow:
        fields.setdefault("account", Placement(status="none", reason=_NO_PLACEMENT))
        return InventoryRow(address=address, type=kind, kind=row_kind, cloud="kubernetes",
                            region=Placement(status="none", reason=_NO_PLACEMENT), file=rel, line=line, root=rel,
                            skips=_skips(metadata), origin="kubernetes", **fields)

    if kind in WORKLOADS:
        images, unresolved, endpoints = _workload(obj, kind, address, rel, line, inventory)
        inventory.rows.append(row("workload", images=images, unresolved_images=unresolved, endpoints=endpoints,
                                  image_evidence=_image_evidence(obj, node, kind, address, rel, line)))
        sources = env_sources(list(_containers(obj, node, kind)))
        inventory.rows.extend(reference_rows(sources, row("reference"), rel, inventory.errors))
    elif kind in CONFIG_KINDS:
        endpoints = _config_endpoints(obj, node, kind, address, rel, line, inventory)
        if endpoints:
            inventory.rows.append(row("config", endpoints=endpoints))
        sources = config_sources(obj, node, kind, address, rel, inventory.errors)
        inventory.rows.extend(reference_rows(sources, row("reference"), rel, inventory.errors))
    else:
        identity = _identity(metadata, node, address, rel, line)
        if identity is not None:
            role, account = identity
            inventory.rows.append(row("identity", name=role, account=account))


def _workload(obj: dict[str, Any], kind: str, address: str, rel: str, line: int,
              inventory: Inventory) -> tuple[list[str], list[str], list[str]]:
    spec = _dig(obj, WORKLOADS[kind])
    images: list[str] = []
    unresolved: list[str] = []
    endpoints: list[str] = []
    if not isinstance(spec, dict):
        inventory.errors.append(ScanError(file=rel, line=line, address=address,
                                          message=f"{address} has no pod spec at {'.'.join(WORKLOADS[kind])}"))
        return images, unresolved, endpoints
    for group in CONTAINER_GROUPS:
        containers = spec.get(group)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if not isinstance(container, dict):
                continue
            label = container.get("name") if isinstance(container.get("name"), str) else "(unnamed)"
            image = container.get("image")
            if not isinstance(image, str) or not image.strip():
                unresolved.append(f"{group} {label} has no image")
            elif "{{" in image:
                unresolved.append(f"{group} {label} image {image} is an unrendered template")
            elif image.strip() not in images:
                images.append(image.strip())
            for text in _container_strings(container):
                _add_endpoints(text, endpoints)
    return images, unresolved, endpoints


def _image_evidence(obj: dict[str, Any], node: Node, kind: str, address: str, rel: str,
                    line: int) -> dict[str, list[Evidence]]:
    """image -> its `image:` line (the first container using it): where a reviewer sees and fixes it."""
    found: dict[str, list[Evidence]] = {}
    for label, container, item in _containers(obj, node, kind):
        image = container.get("image")
        if isinstance(image, str) and image.strip() and "{{" not in image and image.strip() not in found:
            where = _line(child_node(item, "image"), _line(item, line))
            found[image.strip()] = [Evidence(file=rel, line=where, note=f"{address} {label} image {image.strip()}")]
    return found


def _containers(obj: dict[str, Any], node: Node, kind: str) -> Iterator[tuple[str, dict[str, Any], Node | None]]:
    """(group and name, container, its node) for every container of a workload's pod spec."""
    spec = _dig(obj, WORKLOADS[kind])
    spec_node = child_node(node, *WORKLOADS[kind])
    if not isinstance(spec, dict):
        return
    for group in CONTAINER_GROUPS:
        containers = spec.get(group)
        group_node = child_node(spec_node, group)
        if not isinstance(containers, list):
            continue
        for index, container in enumerate(containers):
            if isinstance(container, dict):
                item = group_node.value[index] if isinstance(group_node, SequenceNode) and index < len(
                    group_node.value) else None
                yield f"{group} {container.get('name', index)}", container, item


def _container_strings(container: dict[str, Any]) -> Iterator[str]:
    for key in ("command", "args"):
        values = container.get(key)
        if isinstance(values, list):
            yield from (v for v in values if isinstance(v, str))
    env = container.get("env")
    if isinstance(env, list):
        for entry in env:
            if isinstance(entry, dict) and isinstance(entry.get("value"), str):
                yield entry["value"]


def _add_endpoints(text: str, endpoints: list[str]) -> None:
    for endpoint, _cloud, _region in control_plane_regions(text):
        if endpoint not in endpoints:
            endpoints.append(endpoint)


def _config_endpoints(obj: dict[str, Any], node: Node, kind: str, address: str, rel: str, line: int,
                      inventory: Inventory) -> list[str]:
    endpoints: list[str] = []
    for section in ("data", "stringData"):
        values = obj.get(section)
        if not isinstance(values, dict):
            continue
        encoded = kind == "Secret" and section == "data"
        for key, value in values.items():
            if value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            if encoded:
                try:
                    raw = base64.b64decode("".join(text.split()), validate=True)
                except (binascii.Error, ValueError):
                    where = _line(child_node(node, section, str(key)), line)
                    inventory.errors.append(ScanError(file=rel, line=where, address=address,
                                                      message=f"{address} data key {key} is not valid base64; "
                                                              "its value was not analyzed"))
                    continue
                text = raw.decode("utf-8", errors="replace")
            _add_endpoints(text, endpoints)
    return endpoints


def _why_not(text: str) -> str:
    """Why a role ARN names no account, when the reason is known (a number Helm printed as a float)."""
    found = _ARN_ACCOUNT.match(text)
    if found is None or not _E_NOTATION.fullmatch(found.group("account")):
        return ""
    return (f": its account {found.group('account')} is a number Helm printed in e-notation (Helm reads a bare "
            "number in a values file as a float64; quote the account in the values file, or pass it with --set "
            "or --set-string)")


def _identity(metadata: dict[str, Any], node: Node, address: str, rel: str,
              line: int) -> tuple[str, Placement] | None:
    """(identity, account/project placement) from a ServiceAccount's workload-identity annotation."""
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        return None
    for annotation, pattern, group, word in ((IRSA_ANNOTATION, _ROLE_ARN, "account", "IRSA role"),
                                             (GKE_ANNOTATION, _GCP_SA, "project", "GKE workload identity")):
        value = annotations.get(annotation)
        if value is None:
            continue
        where = _line(child_node(node, "metadata", "annotations", annotation), line)
        text = str(value).strip()
        match = pattern.match(text)
        if match is None:
            return text, Placement(status="unknown", reason=f"{annotation} {text!r} names no {group}{_why_not(text)}",
                                   evidence=[Evidence(file=rel, line=where, note=f"{address} {word} {text}")])
        return text, Placement(value=match.group(group), status="resolved",
                               evidence=[Evidence(file=rel, line=where,
                                                  note=f"{address} {word} {text} ({group} {match.group(group)})")])
    client_id = annotations.get(AZURE_ANNOTATION)
    if client_id is not None:
        # a client ID is a GUID of the managed identity, not of its subscription: recorded, not judged
        where = _line(child_node(node, "metadata", "annotations", AZURE_ANNOTATION), line)
        text = str(client_id).strip()
        # a GUID names no account by design ("none": not judged); anything else is a rendered value
        # that is not an identity at all (unknown: CKV_RES_2 fails closed)
        guid = _CLIENT_ID.match(text) is not None
        shape = "" if guid else " (not a GUID)"
        return text, Placement(status="none" if guid else "unknown",
                               reason=f"Azure workload identity client ID {text}{shape} names no "
                                      "subscription; the user-assigned identity holding it decides",
                               evidence=[Evidence(file=rel, line=where,
                                                  note=f"{address} Azure workload identity client ID {text}")])
    return None
