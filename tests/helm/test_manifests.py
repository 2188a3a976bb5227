"""Rendered Kubernetes manifests -> inventory rows, and bad input -> ScanErrors (never exceptions)."""

from __future__ import annotations

import base64
import shutil
import time
from pathlib import Path

import pytest

from analyzer.helm import find_manifests, scan_manifests
from analyzer.helm.safe_yaml import MAX_ALIASES
from analyzer.models import Inventory
from analyzer.policy import Policy
from analyzer.verdicts import build_context, evaluate_rules

RENDERED = Path(__file__).resolve().parent.parent.parent / "fixtures" / "helm" / "rendered"
GOOD = RENDERED / "dataplane.yaml"
ECR = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/union"
ENDPOINT = "dns:///acme.us-east-2.union.ai"


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return scan_manifests(GOOD, "dataplane.yaml")


OBJECT_KINDS = ("workload", "config", "identity")  # the rest are references read from their configuration


def _rows(inventory: Inventory) -> dict[str, tuple]:
    return {r.address: (r.type, r.kind, r.line, r.images, r.endpoints) for r in inventory.rows
            if r.kind in OBJECT_KINDS}


def test_rows_addresses_lines_images_endpoints(inventory: Inventory) -> None:
    assert inventory.errors == []
    assert _rows(inventory) == {
        "ServiceAccount/union/union-operator": ("ServiceAccount", "identity", 3, [], []),
        "ConfigMap/union/union-operator-config": ("ConfigMap", "config", 14, [], [ENDPOINT]),
        "Deployment/union/union-operator": (
            "Deployment", "workload", 42,
            [f"{ECR}/operator:2024.6.1", "docker.io/library/busybox:1.36"], []),
        "DaemonSet/logging/fluentbit": ("DaemonSet", "workload", 87, ["cr.fluentbit.io/fluent/fluent-bit:3.0.7"], []),
        "CronJob/default/union-cleanup": ("CronJob", "workload", 107, [f"{ECR}/cleanup:2024.6.1"], [ENDPOINT]),
    }
    # the Secret names no endpoint: no row
    assert [r.address for r in inventory.rows if r.kind in OBJECT_KINDS] == [
        "ServiceAccount/union/union-operator", "ConfigMap/union/union-operator-config",
        "Deployment/union/union-operator", "DaemonSet/logging/fluentbit", "CronJob/default/union-cleanup"]


def test_references_in_config_and_env(inventory: Inventory) -> None:
    """The bucket in the operator's config.yaml (region from storage.connection beside it) and the
    AWS_REGION env value are rows of the object that names them, with the line of each value."""
    got = [(r.address, r.type, r.kind, r.cloud, r.name, r.line, r.region.value, r.region.status,
            [(e.line, e.note) for e in r.region.evidence]) for r in inventory.rows if r.kind not in OBJECT_KINDS]
    assert got == [
        ("ConfigMap/union/union-operator-config", "ConfigMap", "bucket", "aws", "acme-dataplane-eu-west-1", 26,
         "eu-west-1", "resolved",
         [(28, "ConfigMap/union/union-operator-config config.yaml: storage.connection.region = eu-west-1")]),
        ("Deployment/union/union-operator", "Deployment", "setting", "aws", None, 73, "eu-west-1", "resolved",
         [(73, "Deployment/union/union-operator containers operator env AWS_REGION = eu-west-1")]),
    ]


def test_rows_are_kubernetes_without_placement(inventory: Inventory) -> None:
    for row in (r for r in inventory.rows if r.kind in OBJECT_KINDS):
        assert row.cloud == "kubernetes"
        assert row.file == "dataplane.yaml"
        assert row.region.status == "none"
        assert row.unresolved_images == []
    workloads = [r for r in inventory.rows if r.kind == "workload"]
    assert all(r.account.status == "none" for r in workloads)


def test_irsa_service_account_account_with_evidence(inventory: Inventory) -> None:
    sa = next(r for r in inventory.rows if r.kind == "identity")
    assert sa.name == "arn:aws:iam::111122223333:role/union-operator-eu-west-1"
    assert sa.account.status == "resolved"
    assert sa.account.value == "111122223333"
    assert [(e.file, e.line) for e in sa.account.evidence] == [("dataplane.yaml", 11)]
    assert "IRSA role arn:aws:iam::111122223333:role/union-operator-eu-west-1" in sa.account.evidence[0].note


def test_rules_on_fixture(inventory: Inventory) -> None:
    policy = Policy(region="eu-west-1", accounts=["111122223333"])
    findings = evaluate_rules(inventory, policy, build_context(policy, inventory))
    got = sorted((f.rule_id, f.address, f.line) for f in findings if f.suppressed is None)
    assert got == [
        ("CKV_RES_10", "ConfigMap/union/union-operator-config", 14),
        ("CKV_RES_10", "CronJob/default/union-cleanup", 107),
        ("CKV_RES_7", "DaemonSet/logging/fluentbit", 103),  # the image: lines
        ("CKV_RES_7", "Deployment/union/union-operator", 62),
    ]
    messages = {f.message for f in findings if f.rule_id == "CKV_RES_7"}
    assert any("docker.io/library/busybox:1.36" in m for m in messages)
    assert any("cr.fluentbit.io" in m for m in messages)
    assert not any("dkr.ecr" in m for m in messages)


def test_foreign_irsa_account_is_recorded(tmp_path: Path) -> None:
    text = GOOD.read_text().replace("arn:aws:iam::111122223333:", "arn:aws:iam::999988887777:")
    (tmp_path / "m.yaml").write_text(text)
    sa = next(r for r in scan_manifests(tmp_path / "m.yaml", "m.yaml").rows if r.kind == "identity")
    assert sa.account.value == "999988887777"


def test_secret_data_is_base64_decoded(tmp_path: Path) -> None:
    encoded = base64.b64encode(f"admin:\n  endpoint: {ENDPOINT}\n".encode()).decode()
    (tmp_path / "s.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: union\n"
        f"data:\n  config.yaml: {encoded}\n  broken: '***'\n"
        "stringData:\n  other: https://acme.eu-central-1.union.ai\n")
    inventory = scan_manifests(tmp_path / "s.yaml", "s.yaml")
    assert [(r.address, r.kind, r.line, r.endpoints) for r in inventory.rows] == [
        ("Secret/union/creds", "config", 1, [ENDPOINT, "acme.eu-central-1.union.ai"])]
    assert [(e.file, e.line) for e in inventory.errors] == [("s.yaml", 8)]
    assert "not valid base64" in inventory.errors[0].message


def test_pod_job_replicaset_and_list(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: debug, namespace: ops}\n"
        "    spec:\n      containers: [{name: a, image: quay.io/x/a:1}]\n"
        "      ephemeralContainers: [{name: dbg, image: ghcr.io/x/dbg:1}]\n"
        "  - apiVersion: batch/v1\n    kind: Job\n    metadata: {name: migrate}\n"
        "    spec:\n      template:\n        spec:\n          containers:\n"
        "            - name: m\n              image: '{{ .Values.image }}'\n"
        "              env: [{name: E, value: 'grpcs://acme.ap-south-1.union.ai:443'}]\n"
        "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\n"
        "spec: {template: {spec: {containers: [{name: c}]}}}\n")
    inventory = scan_manifests(tmp_path / "w.yaml", "w.yaml")
    assert inventory.errors == []
    assert [(r.address, r.line, r.images, r.unresolved_images, r.endpoints) for r in inventory.rows] == [
        ("Pod/ops/debug", 4, ["quay.io/x/a:1", "ghcr.io/x/dbg:1"], [], []),
        ("Job/default/migrate", 10, [], ["containers m image {{ .Values.image }} is an unrendered template"],
         ["acme.ap-south-1.union.ai"]),
        ("ReplicaSet/default/rs", 21, [], ["containers c has no image"], []),
    ]


def _bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rendered"
    folder.mkdir()
    shutil.copy(GOOD, folder / "dataplane.yaml")
    (folder / "malformed.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\ndata:\n  a: b\n")
    laughs = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: lol}", "data:", '  a0: &a0 "lol"']
    for i in range(1, 10):
        laughs.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    (folder / "laughs.yaml").write_text("\n".join(laughs) + "\n")
    many = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: many}", "x: &x 1", "data:"]
    many += [f"  k{i}: *x" for i in range(MAX_ALIASES + 5)]
    (folder / "many-aliases.yaml").write_text("\n".join(many) + "\n")
    with (folder / "huge.yaml").open("w") as handle:
        handle.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n")
        handle.write("  blob: " + "x" * (11 * 1024 * 1024) + "\n")
    (folder / "binary.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\n\x00\x01\x02\xff" * 10)
    (folder / "latin1.yml").write_bytes("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n".encode("latin-1"))
    return folder


def _scan_folder(folder: Path) -> Inventory:
    combined = Inventory()
    for path in find_manifests(folder):
        found = scan_manifests(path, path.relative_to(folder).as_posix())
        combined.rows.extend(found.rows)
        combined.errors.extend(found.errors)
    return combined


def test_bad_files_are_errors_and_the_good_file_is_still_analyzed(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    started = time.perf_counter()
    combined = _scan_folder(folder)
    assert time.perf_counter() - started < 10
    assert len([r for r in combined.rows if r.file == "dataplane.yaml"]) == 7
    errors = {e.file: (e.line, e.message) for e in combined.errors}
    assert set(errors) == {"malformed.yaml", "laughs.yaml", "many-aliases.yaml", "huge.yaml", "binary.yaml",
                           "latin1.yml"}
    assert errors["malformed.yaml"][0] == 10
    assert errors["malformed.yaml"][1].startswith("YAML syntax error")
    assert errors["laughs.yaml"][0] == 1 and "alias bomb" in errors["laughs.yaml"][1]
    assert errors["many-aliases.yaml"] == (
        5 + MAX_ALIASES + 1, f"more than {MAX_ALIASES} YAML aliases in one document (alias bomb?); not analyzed")
    assert "over the 10 MB limit" in errors["huge.yaml"][1]
    assert errors["binary.yaml"][1].startswith("binary file")
    assert errors["latin1.yml"][1].startswith("not valid UTF-8 (byte 0xe9 on line 3)")


def test_alias_bomb_is_rejected_quickly(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    started = time.perf_counter()
    inventory = scan_manifests(folder / "laughs.yaml", "laughs.yaml")
    assert time.perf_counter() - started < 2
    assert inventory.rows == [] and len(inventory.errors) == 1


def test_recursive_alias_and_deep_nesting_are_errors(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: l}\ndata: &d\n  self: *d\n")
    loop = scan_manifests(tmp_path / "loop.yaml", "loop.yaml")
    assert loop.rows == [] and "recursive YAML alias" in loop.errors[0].message
    (tmp_path / "deep.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 50000 + "]" * 50000 + "\n")
    deep = scan_manifests(tmp_path / "deep.yaml", "deep.yaml")
    assert deep.rows == [] and len(deep.errors) == 1


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    inventory = scan_manifests(tmp_path / "gone.yaml", "gone.yaml")
    assert inventory.errors[0].file == "gone.yaml" and inventory.errors[0].message.startswith("cannot read")


def test_documents_before_a_syntax_error_keep_their_rows(tmp_path: Path) -> None:
    text = GOOD.read_text() + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: [x\n"
    (tmp_path / "m.yaml").write_text(text)
    inventory = scan_manifests(tmp_path / "m.yaml", "m.yaml")
    assert len(inventory.rows) == 7 and len(inventory.errors) == 1


def test_azure_workload_identity_is_recorded_without_a_subscription(tmp_path: Path) -> None:
    (tmp_path / "sa.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: operator\n  namespace: union\n  annotations:\n"
        "    azure.workload.identity/client-id: 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\n")
    [sa] = scan_manifests(tmp_path / "sa.yaml", "sa.yaml").rows
    assert (sa.address, sa.kind, sa.name, sa.account.status) == (
        "ServiceAccount/union/operator", "identity", "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "none")
    assert sa.account.reason.startswith("Azure workload identity client ID 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 "
                                        "names no subscription")
    assert [(e.file, e.line) for e in sa.account.evidence] == [("sa.yaml", 7)]


def test_logging_fixture_references() -> None:
    """fluent-bit outputs (INI-like sections), env values and ARNs of a committed render."""
    inventory = scan_manifests(RENDERED / "logging.yaml", "logging.yaml")
    assert inventory.errors == []
    got = [(r.address, r.kind, r.cloud, r.name, r.line, r.region.value, r.region.status, r.account.value)
           for r in inventory.rows if r.kind not in OBJECT_KINDS]
    assert got == [
        ("ConfigMap/logging/fluent-bit-config", "log_group", "aws", "/acme/dataplane/containers", 35,
         "eu-west-1", "resolved", None),
        ("ConfigMap/logging/fluent-bit-config", "bucket", "aws", "acme-audit-archive", 42, "us-east-1", "resolved",
         None),
        ("CronJob/logging/log-archiver", "setting", "aws", None, 68, "eu-west-1", "resolved", None),
        ("CronJob/logging/log-archiver", "bucket", "gcp", "acme-log-archive", 70, None, "unknown", None),
        ("CronJob/logging/log-archiver", "secret_store", "aws", "logging/archiver", 72, "eu-west-1",
         "resolved", "111122223333"),
    ]


def test_a_plain_equals_sign_is_a_string_as_in_go_yaml(tmp_path: Path) -> None:
    # prometheus-operator's CRDs list relabel actions and matchers with a bare `=`: YAML 1.1's
    # value type, which PyYAML's safe loader cannot build (a false CKV_RES_9 before)
    crd = tmp_path / "crd.yaml"
    crd.write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: matchers.monitoring.example.com\n"
        "spec:\n  group: monitoring.example.com\n  names: {kind: Matcher, plural: matchers}\n  scope: Namespaced\n"
        "  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n"
        "        type: object\n        properties:\n          matchType:\n            type: string\n"
        "            enum:\n            - '!='\n            - =\n            - =~\n")
    inventory = scan_manifests(crd, "crd.yaml")
    assert inventory.errors == []  # a CRD holds no data-plane placement: no row, and no error either
