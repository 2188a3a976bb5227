"""Chart-building helpers shared by the Helm chart tests (import them from tests.helm.conftest)."""

from __future__ import annotations

import io
import tarfile
import threading
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import pytest

from analyzer.helm import DEFAULT_NAMESPACE, DEFAULT_RELEASE, ChartOptions, scan_chart
from analyzer.helm.engine import SdkRenderer
from analyzer.models import Inventory

T = TypeVar("T")

# what a ConfigMap row needs to exist: a control-plane endpoint in its data
ENDPOINT = "dns:///acme.eu-west-1.union.ai"


def render(chart: Path, rel: str, values_files: Sequence[Path] = (), sets: Sequence[str] = (), *,
           release: str = DEFAULT_RELEASE, namespace: str = DEFAULT_NAMESPACE) -> Inventory:
    """scan_chart with the embedded SDK (no `helm` binary), like `helm template RELEASE CHART -n NAMESPACE
    -f FILE... --set EXPR...`."""
    options = ChartOptions(values_files=tuple(values_files), sets=tuple(sets), release=release, namespace=namespace,
                           renderer=SdkRenderer())
    return scan_chart(chart, rel, options)


def write_chart(parent: Path, name: str, templates: dict[str, str] | None = None, values: str = "", *,
                chart_extra: str = "", files: dict[str, str] | None = None, version: str = "0.1.0") -> Path:
    """parent/<name>/ with Chart.yaml (apiVersion v2, the version, then chart_extra),
    values.yaml and templates/<file> for each template; files are any other paths in the chart."""
    chart = parent / name
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n{chart_extra}")
    (chart / "values.yaml").write_text(values)
    for path, text in (templates or {}).items():
        (chart / "templates" / path).write_text(text)
    for path, text in (files or {}).items():
        (chart / path).parent.mkdir(parents=True, exist_ok=True)
        (chart / path).write_text(text)
    return chart


def write_tgz(archive: Path, name: str, files: dict[str, str]) -> Path:
    """A chart archive as `helm package` makes it: every file under a top folder named after the chart."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def config_map(name: str = "cp", endpoint: str = ENDPOINT) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  endpoint: {endpoint}\n"


def rows(inventory: Inventory) -> dict[str, tuple[Any, ...]]:
    """address -> (kind, file, line, images, unresolved images, endpoints)."""
    return {r.address: (r.kind, r.file, r.line, r.images, r.unresolved_images, r.endpoints) for r in inventory.rows}


def errors(inventory: Inventory) -> list[tuple[str, int, str]]:
    return [(e.file, e.line, e.message) for e in inventory.errors]


def finishes_within(seconds: float, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """call(*args, **kwargs), failing the test (instead of blocking CI) when it has not returned
    after `seconds`. The native render cannot be interrupted, so a hung call is left behind in a
    daemon thread."""
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
