"""Writing the chart: Chart.yaml, .helmignore, the values files, templates/_helpers.tpl,
templates/NOTES.txt and the 100 manifest templates."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .cluster import cluster_templates
from .components import CHART_NAME, TEMPLATE_COUNT
from .fluentbit import fluentbit_templates
from .helpers import CHART_YAML, HELMIGNORE, HELPERS_TPL, NOTES_TXT
from .templates import all_component_templates, all_cronjob_templates
from .values import VALUES_FILES


@dataclass
class ChartStats:
    path: str
    name: str = CHART_NAME
    templates: int = 0  # manifest templates (templates/**/*.yaml)
    template_lines: int = 0
    files: int = 0  # everything written, helpers and values included
    bytes: int = 0
    values_files: list[str] = field(default_factory=list)  # the per-cloud overrides


def chart_files() -> dict[str, str]:
    """Relative path -> text of every file of the chart, in the order they are written."""
    manifests: dict[str, str] = {}
    for group in (all_component_templates(), fluentbit_templates(), all_cronjob_templates(), cluster_templates()):
        manifests.update(group)
    files = {"Chart.yaml": CHART_YAML, ".helmignore": HELMIGNORE, **VALUES_FILES,
             "templates/_helpers.tpl": HELPERS_TPL, "templates/NOTES.txt": NOTES_TXT}
    files.update({f"templates/{path}": text for path, text in manifests.items()})
    return files


def generate_chart(dest: Path) -> ChartStats:
    """Write the chart to ``dest`` (wiped first); its folder name is the chart's name by convention."""
    if dest.exists():
        shutil.rmtree(dest)
    stats = ChartStats(path=str(dest))
    for rel, text in chart_files().items():
        if not text.endswith("\n"):
            text += "\n"
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        stats.files += 1
        stats.bytes += len(text.encode())
        if rel.startswith("templates/") and rel.endswith(".yaml"):
            stats.templates += 1
            stats.template_lines += text.count("\n")
        elif rel.startswith("values-"):
            stats.values_files.append(rel)
    if stats.templates != TEMPLATE_COUNT:
        raise AssertionError(f"chart has {stats.templates} manifest templates, expected {TEMPLATE_COUNT}")
    return stats
