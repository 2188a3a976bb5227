"""Hostile Helm inputs (issue 15): nothing outside the tree is read, nothing reaches the network, and
one chart that crashes or exhausts the Helm engine costs only its own finding, within a time bound,
while the chart beside it keeps its rows."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.helm import ChartOptions, find_manifest_files
from analyzer.helm.engine import RenderError, SdkRenderer
from analyzer.helm.sandbox import RenderLimits
from analyzer.models import Inventory
from analyzer.scan import ScanOptions, build_inventory

T = TypeVar("T")
SECRET = "tfc-TOKEN-5f1d9c0e"
ENDPOINT = "dns:///acme.eu-west-1.union.ai"
GOOD_CM = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cp\ndata:\n  endpoint: {ENDPOINT}\n"
SA = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::{{ .Values.account }}:role/runner
"""
SMALL = RenderLimits(memory_bytes=1 << 30, cpu_seconds=3, wall_seconds=20)


# --- helpers -------------------------------------------------------------------------------------

def within(seconds: float, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """call(*args, **kwargs), failing the test when it has not returned after `seconds`."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call(*args, **kwargs)
        except BaseException as err:  # re-raised in the test's thread
            outcome["error"] = err

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"{getattr(call, '__name__', call)} did not finish within {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def chart(parent: Path, name: str, templates: dict[str, str], values: str = "", files: dict[str, str | bytes] | None = None
          ) -> Path:
    folder = parent / name
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
    (folder / "values.yaml").write_text(values)
    for path, text in templates.items():
        (folder / "templates" / path).write_text(text)
    for path, content in (files or {}).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (folder / path).write_bytes(content)
        else:
            (folder / path).write_text(content)
    return folder


def tgz(name: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=9) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def scan_tree(root: Path, limits: RenderLimits = RenderLimits(), **options: Any) -> Inventory:
    helm = ChartOptions(renderer=SdkRenderer(limits=limits), **options)
    inventory, _, _ = build_inventory([root], ScanOptions(use_cache=False, helm=helm))
    return inventory


def errors(inventory: Inventory) -> list[tuple[str, int, str]]:
    return sorted((e.file, e.line, e.message) for e in inventory.errors)


def addresses(inventory: Inventory) -> list[str]:
    return sorted(row.address for row in inventory.rows)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A scanned folder with a good chart in it (its ConfigMap row must survive its neighbour)."""
    root = tmp_path / "repo"
    chart(root, "good", {"cm.yaml": GOOD_CM})
    return root


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 recording what connects (nothing must)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:  # the raw accept: socket.socket may be patched to fail (no_sockets) while this runs
                fd, _ = server._accept()  # type: ignore[attr-defined]
            except OSError:
                continue
            received.append(b"connection")
            os.close(fd)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(2)
    server.close()


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a socket in this process fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was opened during the scan")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# --- --values -------------------------------------------------------------------------------------

def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_values_file_linked_out_of_the_repository_is_refused_and_never_read(tree: Path, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "home" / "credentials.yaml"
    outside.parent.mkdir()
    outside.write_text(f"account: {SECRET}\n")
    chart(tree, "probe", {"sa.yaml": SA}, 'account: "111122223333"\n')
    (tree / "values").mkdir()
    (tree / "values" / "prod.yaml").symlink_to(outside)
    monkeypatch.chdir(tree)
    code, out, err = within(60, run_cli, ["scan", ".", "-f", "json", "--helm-engine", "sdk", "--region", "eu-west-1",
                                          "--values", "values/prod.yaml"], monkeypatch)
    assert code == 1 and SECRET not in out and SECRET not in err
    reason = (f"symlink values file values/prod.yaml points outside the scanned tree (-> {outside}); not read: the "
              "analyzer reads nothing outside the repository it scans")
    assert json.loads(out)["errors"] == [
        {"file": "values/prod.yaml", "line": 0, "message": f"{reason}; chart good not rendered"},
        {"file": "values/prod.yaml", "line": 0, "message": f"{reason}; chart probe not rendered"}]


def test_values_file_outside_the_repository_named_by_the_operator_is_read(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "ops" / "prod.yaml"
    outside.parent.mkdir()
    outside.write_text('account: "222233334444"\n')
    chart(tree, "probe", {"sa.yaml": SA}, 'account: "111122223333"\n')
    inventory = within(60, scan_tree, tree, values_files=(outside,))
    assert errors(inventory) == []
    assert {row.address: row.account.value for row in inventory.rows if row.kind == "identity"} == {
        "ServiceAccount/default/runner": "222233334444"}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_values_file_that_is_a_fifo_or_a_device_is_refused_without_blocking(tree: Path, tmp_path: Path,
                                                                            kind: str) -> None:
    if kind == "fifo":
        values = tree / "values.fifo.yaml"
        os.mkfifo(values)
        reason = f"values file {values} is a named pipe, not a regular file; not read"
    else:
        values = Path("/dev/zero")
        reason = "values file /dev/zero is a character device, not a regular file; not read"
    started = time.monotonic()
    inventory = within(30, scan_tree, tree, values_files=(values,))
    assert time.monotonic() - started < 15
    assert errors(inventory) == [(str(values), 0, f"{reason}; chart good not rendered")]


# --- values.schema.json ---------------------------------------------------------------------------

def _refusal(key: str, value: str, where: str) -> str:
    return (f'schema reference "{key}": "{value}" is not followed: schemas are validated only with references '
            f"inside the chart (Helm would load it {where}); chart not rendered")


def test_schema_references_outside_the_chart_are_refused_and_nothing_connects(
        tree: Path, listener: tuple[int, list[bytes]], no_sockets: None) -> None:
    port, received = listener
    schema = "\n".join([
        "{",
        '  "$schema": "http://127.0.0.1:%d/meta",' % port,
        '  "properties": {',
        '    "a": {"$ref": "http://127.0.0.1:%d/a.json"},' % port,
        '    "b": {"$ref": "https://127.0.0.1:%d/b.json#/x"},' % port,
        '    "c": {"$ref": "file:///etc/passwd"},',
        '    "d": {"$ref": "../../secrets.json"},',
        '    "e": {"$dynamicRef": "http://127.0.0.1:%d/e"},' % port,
        '    "f": {"$ref": "#/definitions/f"}',
        "  },",
        '  "definitions": {"f": {"type": "string"}}',
        "}",
    ])
    chart(tree, "hostile", {"cm.yaml": GOOD_CM.replace("name: cp", "name: other")}, files={"values.schema.json": schema})
    inventory = within(60, scan_tree, tree)
    file = "hostile/values.schema.json"
    assert errors(inventory) == sorted([
        (file, 2, _refusal("$schema", f"http://127.0.0.1:{port}/meta", "over the network")),
        (file, 4, _refusal("$ref", f"http://127.0.0.1:{port}/a.json", "over the network")),
        (file, 5, _refusal("$ref", f"https://127.0.0.1:{port}/b.json#/x", "over the network")),
        (file, 6, _refusal("$ref", "file:///etc/passwd", "from the file system")),
        (file, 7, _refusal("$ref", "../../secrets.json", "from the file system")),
        (file, 8, _refusal("$dynamicRef", f"http://127.0.0.1:{port}/e", "over the network")),
    ])
    assert addresses(inventory) == ["ConfigMap/default/cp"]  # the good chart; the hostile one is not rendered
    time.sleep(0.3)
    assert received == []


def test_schema_in_a_vendored_subchart_archive_is_checked_too(tree: Path, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    sub = tgz("sub", {"Chart.yaml": b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
                      "values.schema.json": b'{\n  "$ref": "http://127.0.0.1:%d/x"\n}\n' % port})
    chart(tree, "parent", {}, files={"charts/sub-0.1.0.tgz": sub})
    inventory = within(60, scan_tree, tree)
    assert errors(inventory) == [(
        "parent/charts/sub-0.1.0.tgz", 0,
        "charts/sub-0.1.0.tgz: sub/values.schema.json line 2: " + _refusal("$ref", f"http://127.0.0.1:{port}/x",
                                                                            "over the network"))]
    assert addresses(inventory) == ["ConfigMap/default/cp"]
    assert received == []


def test_meta_schemas_and_internal_references_render_without_any_network(tmp_path: Path) -> None:
    """Under `unshare -n` (no network at all) a chart whose schema names the standard meta-schemas, an
    http `$id` and internal references renders: Helm's validator carries them built in."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        pytest.skip("needs unshare -n (a network namespace)")
    for index, meta in enumerate(["http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-07/schema#",
                                  "https://json-schema.org/draft/2019-09/schema",
                                  "https://json-schema.org/draft/2020-12/schema"]):
        schema = {"$schema": meta, "$id": "http://127.0.0.1:9/values.json",
                  "properties": {"a": {"$ref": "#/definitions/a"},
                                 "b": {"$ref": "http://json-schema.org/draft-07/schema#/definitions/nonNegativeInteger"}},
                  "definitions": {"a": {"type": "string"}}}
        chart(tmp_path, f"c{index}", {"cm.yaml": GOOD_CM}, 'a: x\nb: 1\n', files={"values.schema.json": json.dumps(schema)})
    code = ("import json, sys\nfrom pathlib import Path\nfrom analyzer.helm import scan_chart\n"
            "out = {}\nfor c in sorted(Path(sys.argv[1]).iterdir()):\n"
            "    inv = scan_chart(c, c.name)\n"
            "    out[c.name] = [[r.address for r in inv.rows], [e.message for e in inv.errors]]\n"
            "print(json.dumps(out))\n")
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {f"c{i}": [["ConfigMap/default/cp"], []] for i in range(4)}


def test_schema_3000_deep_is_refused_quickly(tree: Path) -> None:
    chart(tree, "deep", {"cm.yaml": GOOD_CM.replace("name: cp", "name: deep")},
          files={"values.schema.json": "{\n" + '"a": {' * 3000 + "}" * 3000 + "}\n"})
    started = time.monotonic()
    inventory = within(30, scan_tree, tree)
    assert time.monotonic() - started < 10
    assert errors(inventory) == [(
        "deep/values.schema.json", 2, "values.schema.json nests deeper than 256 levels; not analyzed; chart not rendered")]
    assert addresses(inventory) == ["ConfigMap/default/cp"]


# --- the engine in a child process -------------------------------------------------------------

ROOMY = RenderLimits(memory_bytes=1 << 30, cpu_seconds=30, wall_seconds=45)


@pytest.mark.parametrize(("template", "limits", "message"), [
    ("{{ range until 100000000 }}x{{ end }}\n", ROOMY, "rendering exceeded the memory limit (1 GiB) and was stopped"),
    ("{{ tpl .Values.x . }}\n", ROOMY, "rendering exceeded the memory limit (1 GiB) and was stopped"),
    ("{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}\n", SMALL,
     "rendering used more than 3 s of CPU (the limit for one chart) and was stopped"),
], ids=["range-until", "recursive-tpl", "cpu"])
def test_a_render_that_exhausts_the_engine_is_a_finding_on_that_chart_only(tree: Path, template: str,
                                                                            limits: RenderLimits, message: str) -> None:
    # measured: range-until 1.2 s, recursive tpl 6 s (its Go stack grows until the memory limit), cpu 3 s
    chart(tree, "bomb", {"a.yaml": template}, 'x: "{{ tpl .Values.x . }}"\n')
    started = time.monotonic()
    inventory = within(90, scan_tree, tree, limits)
    assert time.monotonic() - started < 60
    assert errors(inventory) == [("bomb/Chart.yaml", 0, f"chart not rendered: {message}")]
    assert addresses(inventory) == ["ConfigMap/default/cp"]


def test_a_render_past_the_wall_clock_is_killed(tree: Path) -> None:
    chart(tree, "slow", {"a.yaml": "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}\n"})
    limits = RenderLimits(memory_bytes=1 << 30, cpu_seconds=60, wall_seconds=2)
    started = time.monotonic()
    inventory = within(60, scan_tree, tree, limits)
    assert time.monotonic() - started < 20
    assert errors(inventory) == [
        ("slow/Chart.yaml", 0, "chart not rendered: rendering was killed after 2 s (the time limit for one chart)")]
    assert addresses(inventory) == ["ConfigMap/default/cp"]


def _archive_bomb(levels: int, fan: int) -> bytes:
    """A chart archive vendoring `fan` copies of the level below, `levels` deep (10**6 charts in 2.4 KB)."""
    inner = tgz("leaf", {"Chart.yaml": b"apiVersion: v2\nname: leaf\nversion: 0.1.0\n",
                         "templates/cm.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"})
    for level in range(levels):
        files = {"Chart.yaml": f"apiVersion: v2\nname: l{level}\nversion: 0.1.0\n".encode()}
        files.update({f"charts/c{index}.tgz": inner for index in range(fan)})
        inner = tgz(f"l{level}", files)
    return inner


def test_nested_subchart_archive_bomb_is_refused_before_rendering(tree: Path) -> None:
    bomb = _archive_bomb(6, 10)
    assert len(bomb) < 8 * 1024
    chart(tree, "bomb", {}, files={"charts/bomb.tgz": bomb})
    started = time.monotonic()
    inventory = within(60, scan_tree, tree)
    assert time.monotonic() - started < 20
    assert errors(inventory) == [("bomb/charts/bomb.tgz", 0, "charts/bomb.tgz nests more than 1,000 subchart "
                                                             "archives (an archive bomb?); chart not rendered")]
    assert addresses(inventory) == ["ConfigMap/default/cp"]


def test_archive_bomb_given_straight_to_the_engine_kills_only_the_child(tmp_path: Path) -> None:
    folder = chart(tmp_path, "bomb", {}, files={"charts/bomb.tgz": _archive_bomb(6, 10)})
    with pytest.raises(RenderError) as raised:
        within(90, SdkRenderer(limits=SMALL).render, folder, {}, "release-name", "default")
    assert raised.value.message in ("rendering exceeded the memory limit (1 GiB) and was stopped",
                                    "rendering used more than 3 s of CPU (the limit for one chart) and was stopped")


# --- manifests ------------------------------------------------------------------------------------

def test_manifest_linked_out_of_the_tree_is_refused_not_yielded(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    (root / "k8s" / "pod.yaml").write_text(GOOD_CM)
    outside = tmp_path / "secret.yaml"
    outside.write_text(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData: {{t: {SECRET}}}\n")
    (root / "k8s" / "leak.yaml").symlink_to(outside)
    os.mkfifo(root / "k8s" / "pipe.yaml")
    found, refused = within(10, find_manifest_files, root)
    assert found == [root / "k8s" / "pod.yaml"]
    assert [(item.rel_to(root.resolve()), item.reason) for item in refused] == [
        ("k8s/leak.yaml", f"symlink k8s/leak.yaml points outside the scanned tree (-> {outside}); not read: the "
                          "analyzer reads nothing outside the repository it scans"),
        ("k8s/pipe.yaml", "k8s/pipe.yaml is a named pipe, not a regular file; not read")]
    inventory = within(30, scan_tree, root)  # the scan goes on (it raised ValueError before)
    assert addresses(inventory) == ["ConfigMap/default/cp"]
    assert SECRET not in json.dumps([e.message for e in inventory.errors])


def test_manifest_with_kind_after_64_kib_is_recognised(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    padding = "".join(f"# {'x' * 70}\n" for _ in range(1000))  # 73 KB of comments first
    (root / "cm.yaml").write_text(f"apiVersion: v1\n{padding}kind: ConfigMap\nmetadata:\n  name: cp\ndata:\n"
                                  f"  endpoint: {ENDPOINT}\n")
    found, refused = find_manifest_files(root)
    assert (found, refused) == ([root / "cm.yaml"], [])
    assert addresses(scan_tree(root)) == ["ConfigMap/default/cp"]


# --- --set typing (issue 12) ------------------------------------------------------------------------

def test_an_account_helm_prints_in_e_notation_is_unknown_and_says_why(tree: Path) -> None:
    chart(tree, "probe", {"sa.yaml": SA}, "account: 999999999999\n")  # a float64 in Helm: 9.99999999999e+11
    inventory = within(60, scan_tree, tree)
    [identity] = [row for row in inventory.rows if row.kind == "identity"]
    assert (identity.account.status, identity.account.value) == ("unknown", None)
    assert identity.account.reason == (
        "eks.amazonaws.com/role-arn 'arn:aws:iam::9.99999999999e+11:role/runner' names no account: its account "
        "9.99999999999e+11 is a number Helm printed in e-notation (Helm reads a bare number in a values file as a "
        "float64; quote the account in the values file, or pass it with --set or --set-string)")
    inventory = within(60, scan_tree, tree, sets=("account=999999999999",))
    [identity] = [row for row in inventory.rows if row.kind == "identity"]
    assert (identity.account.status, identity.account.value) == ("resolved", "999999999999")


def test_more_subchart_folders_than_the_limit_are_refused_not_skipped(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.helm import schema_refs

    monkeypatch.setattr(schema_refs, "MAX_ARCHIVES", 3)
    folder = chart(tree, "wide", {})
    for index in range(4):
        sub = folder / "charts" / f"s{index}"
        sub.mkdir(parents=True)
        (sub / "Chart.yaml").write_text(f"apiVersion: v2\nname: s{index}\nversion: 0.1.0\n")
    (folder / "charts" / "s3" / "values.schema.json").write_text('{"$ref": "https://example.com/x"}')
    inventory = within(60, scan_tree, tree)
    assert errors(inventory) == [("wide/charts", 0, "more than 3 subchart folders nested under charts/; not analyzed; "
                                                    "chart not rendered")]
    assert addresses(inventory) == ["ConfigMap/default/cp"]
