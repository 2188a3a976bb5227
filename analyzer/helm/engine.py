"""The renderer seam: a chart folder + merged override values -> {template path: rendered text}.

Both engines return the same shape, keyed by the template's path relative to the chart
(`templates/deployment.yaml`; a vendored subchart's as `charts/<sub>/templates/x.yaml`), and
raise RenderError (a user-facing message, plus the template file:line when Helm names one):

- `sdk`: helm-python-sdk, Helm's Go SDK embedded in the wheel; always available. It runs in a
  child process under memory, CPU and wall-clock limits (analyzer/helm/sandbox.py): the Go
  runtime aborts its process on exhaustion, and only that child may die.
- `binary`: a `helm` executable on PATH, run as
  `helm template RELEASE CHART --namespace NS --values FILE` where FILE holds the overrides the
  caller already merged (-f files and --set expressions), as JSON (JSON is YAML), so both
  engines see exactly the same values. It runs isolated: every HELM_* home, the plugin folder,
  the repository and registry configs and HOME point into a fresh temp folder (no plugins, no
  repositories, no credentials, no kubeconfig); no --dependency-update, no post-renderer; the
  working folder is that temp folder; it runs under the same memory and CPU limits and is
  killed (with anything it started) after a timeout.

Selection (`select_renderer`): `auto` = the binary when a usable `helm` is on PATH, else the
SDK; `sdk`; `binary` (an EngineError when there is none). A `helm` that PATH resolves to a file
inside the scanned tree is never run: the scanned repository must not supply the program that
renders it. `auto` then renders with the SDK and returns a warning for the caller to print
(the input is not at fault and the results are complete, so it is no ScanError); `binary`
raises EngineError.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol

from analyzer.helm.sandbox import ChildFailed, RenderLimits, failure_message, kill_group, limit_child, sdk_in_child

ENGINES = ("auto", "sdk", "binary")
DEFAULT_TIMEOUT = 60.0  # seconds one `helm template` may take
_MAX_MESSAGE = 2000  # characters of helm's stderr kept in a message
# "template: dataplane/templates/x.yaml:6:15: executing ...", "(dataplane/templates/x.yaml:6:15)"
_TEMPLATE_AT = re.compile(r"(?P<path>[\w.\-/]+\.(?:yaml|yml|tpl|txt|json)):(?P<line>\d+)(?::\d+)?")
# "YAML parse error on dataplane/templates/x.yaml: error converting YAML to JSON: yaml: line 3: ..."
# (that line is in the rendered output, not the template, so only the file is kept)
_YAML_ERROR_ON = re.compile(r"YAML parse error on (?P<path>[\w.\-/]+\.(?:yaml|yml|tpl|txt|json)):")
_SOURCE = re.compile(r"# Source: (?P<path>\S.*?)\s*$")
_SEPARATOR = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
# environment variables a `helm` process keeps from ours: how to find programs and temp space
# (a wrapper script or a Windows process needs them); nothing that configures Helm or Kubernetes
_PASSED_ENV = ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")


class RenderError(Exception):
    """A chart that did not render. `message` is Helm's own words on one line; `template` (relative
    to the chart) and `line` say where, when Helm names a place."""

    def __init__(self, message: str, *, limit: bool = False) -> None:
        self.message = " ".join(message.split())
        super().__init__(self.message)
        # a limit stopped the render: Helm's words are not in the message, so no place is read from it
        self.template, self.line = (None, 0) if limit else _location(self.message)


class EngineError(Exception):
    """The requested engine cannot be used (a usage problem, not a property of the scanned input)."""


class Renderer(Protocol):
    @property
    def name(self) -> str:
        """`sdk` or `binary`."""
        ...

    def render(self, chart_dir: Path, values: Mapping[str, Any], release: str, namespace: str, *,
               kube_version: str | None = None, api_versions: tuple[str, ...] = ()) -> dict[str, str]:
        """{template path relative to the chart: rendered text}, or RenderError; kube_version and
        api_versions are Helm's --kube-version/--api-versions (.Capabilities)."""
        ...


@dataclass(frozen=True)
class SdkRenderer:
    """Helm's Go SDK, embedded in helm-python-sdk, run in a child process under limits
    (analyzer/helm/sandbox.py). `lookup` returns nothing; nothing is fetched."""

    name: str = "sdk"
    limits: RenderLimits = field(default_factory=RenderLimits)

    def render(self, chart_dir: Path, values: Mapping[str, Any], release: str, namespace: str, *,
               kube_version: str | None = None, api_versions: tuple[str, ...] = ()) -> dict[str, str]:
        _, rendered = self.inspect(chart_dir, values, release, namespace, dependencies=False,
                                   capabilities={"kube_version": kube_version, "api_versions": list(api_versions)})
        return rendered

    def dependencies(self, chart_dir: Path) -> list[dict[str, Any]]:
        """helm_python.dependency_list in the child: [{name, version, repository, status}]."""
        found, _ = self.inspect(chart_dir, {}, "", "", dependencies=True, render=False)
        return found

    def inspect(self, chart_dir: Path, values: Mapping[str, Any], release: str, namespace: str, *,
                dependencies: bool = True, render: bool = True,
                capabilities: Mapping[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """(the chart's dependencies when asked, its rendered templates when asked) from one child
        process; RenderError when Helm refuses the chart or the child fails or exceeds a limit."""
        request = {"chart": str(chart_dir.absolute()), "values": dict(values), "release": release, "namespace": namespace,
                   "dependencies": dependencies, "render": render,
                   **{k: list(v) if isinstance(v, tuple) else v for k, v in (capabilities or {}).items()}}
        try:
            answer = sdk_in_child(request, self.limits)
        except ChildFailed as err:
            raise RenderError(err.message, limit=True) from None
        if "error" in answer:
            raise RenderError(str(answer["error"]), limit=bool(answer.get("limit")))
        found = answer.get("dependencies") or []
        rendered = answer.get("rendered") or {}
        return list(found), {chart_path(template): str(text) for template, text in dict(rendered).items()}


@dataclass(frozen=True)
class BinaryRenderer:
    """A `helm` executable (already vetted by select_renderer), run isolated with a timeout."""

    executable: Path
    timeout: float = DEFAULT_TIMEOUT
    name: str = "binary"
    limits: RenderLimits = field(default_factory=RenderLimits)  # its memory and CPU (the wall clock is timeout)

    def render(self, chart_dir: Path, values: Mapping[str, Any], release: str, namespace: str, *,
               kube_version: str | None = None, api_versions: tuple[str, ...] = ()) -> dict[str, str]:
        if not chart_dir.is_dir():  # helm would look a non-folder up as a repository chart name
            raise RenderError(f"no chart folder at {chart_dir}")
        for label, value in (("release name", release), ("namespace", namespace)):
            if not value or value.startswith("-"):  # helm would read it as a flag
                raise RenderError(f"invalid {label} {value!r}")
        with tempfile.TemporaryDirectory(prefix="residency-helm-") as scratch:
            home = Path(scratch)
            overrides = home / "values.json"
            # ensure_ascii=False: YAML parsers reject the surrogate pairs JSON uses for astral characters
            overrides.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
            argv = [str(self.executable), "template", release, str(chart_dir.resolve()),
                    "--namespace", namespace, "--values", str(overrides)]
            argv += [f"--kube-version={kube_version}"] if kube_version else []
            argv += [f"--api-versions={api}" for api in api_versions]
            try:
                code, stdout, stderr = _run(argv, isolated_env(home), home, self.timeout, self.limits)
            except subprocess.TimeoutExpired:
                raise RenderError(f"helm template did not finish within {self.timeout:g} s; stopped") from None
            except OSError as err:
                raise RenderError(f"cannot run helm at {self.executable}: {err.strerror or err}") from None
        if code < 0 or "fatal error:" in stderr:  # killed at a limit, or the Go runtime aborted
            raise RenderError(failure_message(code, stderr, self.limits), limit=True)
        if code != 0:
            raise RenderError(_stderr_message(stderr, code))
        return split_stream(stdout)


def select_renderer(engine: str, scan_root: Path, timeout: float = DEFAULT_TIMEOUT) -> tuple[Renderer, str | None]:
    """(the renderer for `engine` when scanning scan_root, a warning to show the user or None)."""
    if engine not in ENGINES:
        raise EngineError(f"unknown --helm-engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine == "sdk":
        return SdkRenderer(), None
    found = shutil.which("helm")
    if found is None:
        if engine == "binary":
            raise EngineError("--helm-engine binary: no `helm` executable on PATH")
        return SdkRenderer(), None
    executable = Path(found).absolute()  # a relative PATH entry (`.`) is relative to the working folder
    root = scan_root.resolve()
    if executable.is_relative_to(root) or executable.resolve().is_relative_to(root):
        reason = (f"the helm on PATH ({executable}) is inside the scanned tree {root}, and a scanned "
                  "repository must not supply the program that renders it")
        if engine == "binary":
            raise EngineError(f"--helm-engine binary: {reason}; refusing to run it")
        return SdkRenderer(), f"{reason}; rendering charts with the embedded Helm SDK instead"
    return BinaryRenderer(executable, timeout), None


def isolated_env(home: Path) -> dict[str, str]:
    """The whole environment of a `helm` run: empty Helm state under home, plugins off."""
    env = {key: value for key, value in os.environ.items() if key in _PASSED_ENV}
    (home / "plugins").mkdir(exist_ok=True)
    env.update({
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "HELM_CACHE_HOME": str(home / "cache" / "helm"),
        "HELM_CONFIG_HOME": str(home / "config" / "helm"),
        "HELM_DATA_HOME": str(home / "data" / "helm"),
        "HELM_PLUGINS": str(home / "plugins"),
        "HELM_NO_PLUGINS": "1",
        "HELM_REGISTRY_CONFIG": str(home / "config" / "helm" / "registry" / "config.json"),
        "HELM_REPOSITORY_CONFIG": str(home / "config" / "helm" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "cache" / "helm" / "repository"),
        "KUBECONFIG": str(home / "kubeconfig"),  # absent: `helm template` needs no cluster
    })
    return env


def split_stream(stdout: str) -> dict[str, str]:
    """`helm template` output -> {template path relative to the chart: its documents}.

    Helm prints every document as `---`, `# Source: <chart>/templates/x.yaml`, the document; the
    documents of one template need not be adjacent (Helm sorts them by kind), so they are
    gathered per source in output order and joined with `---`."""
    documents: dict[str, list[str]] = {}
    current: str | None = None
    for chunk in _SEPARATOR.split(stdout):
        body = chunk.lstrip("\r\n")
        first, _, rest = body.partition("\n")
        source = _SOURCE.fullmatch(first.rstrip("\r"))
        if source is not None:
            current = chart_path(source.group("path"))
            body = rest
        body = body.strip("\r\n")
        if not body.strip():
            continue
        if current is None:
            raise RenderError(f"unexpected helm template output (a document with no `# Source:` line): {body[:200]}")
        documents.setdefault(current, []).append(body.rstrip() + "\n")
    return {path: "---\n".join(docs) for path, docs in documents.items()}


def chart_path(template: str) -> str:
    """`dataplane/templates/x.yaml` (Helm names templates under the chart's name) -> `templates/x.yaml`."""
    _, _, path = template.partition("/")
    return path or template


def _location(message: str) -> tuple[str | None, int]:
    match = _TEMPLATE_AT.search(message)
    if match is not None:
        return chart_path(match.group("path")), int(match.group("line"))
    match = _YAML_ERROR_ON.search(message)
    if match is not None:
        return chart_path(match.group("path")), 0
    return None, 0


def _stderr_message(stderr: str, code: int) -> str:
    """Helm's `Error: ...` (without the prefix and its `--debug` hint), else whatever it printed."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    start = next((index for index, line in enumerate(lines) if line.startswith("Error:")), None)
    if start is not None:
        lines = [lines[start].removeprefix("Error:").strip(), *lines[start + 1:]]
        lines = [line for line in lines if not line.startswith("Use --debug flag")]
    else:
        lines = [line for line in lines if not line.startswith("WARNING:")]
    message = " ".join(lines)[:_MAX_MESSAGE]
    return message or f"helm template exited with status {code}"


def _run(argv: list[str], env: dict[str, str], cwd: Path, timeout: float,
         limits: RenderLimits | None = None) -> tuple[int, str, str]:
    """Run argv in its own process group under limits (address space, CPU); on timeout kill the
    whole group (a wrapper script's children too) and re-raise TimeoutExpired."""
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, cwd=cwd, start_new_session=True,
                               preexec_fn=limit_child(limits) if limits is not None and os.name == "posix" else None)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # something escaped the group and holds the pipes: stop waiting
            pass
        raise
    return process.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
