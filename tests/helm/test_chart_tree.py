"""Symlinks in a chart may lead anywhere inside the scanned folder (a monorepo's shared library
chart), never out of it."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.scan import ScanOptions, build_inventory
from tests.helm.conftest import config_map, write_chart

LIBRARY = '{{- define "lib.cm" -}}\n' + config_map("shared") + "{{- end -}}\n"


def _monorepo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write_chart(repo / "lib", "common", {"_cm.tpl": LIBRARY}, chart_extra="type: library\n")
    app = write_chart(repo / "deploy", "app", {"cm.yaml": '{{ include "lib.cm" . }}\n'},
                      chart_extra="dependencies:\n  - name: common\n    version: 0.1.0\n")
    (app / "charts").mkdir()
    os.symlink("../../../lib/common", app / "charts" / "common")
    return repo


def test_a_link_to_a_library_chart_elsewhere_in_the_repository_renders(tmp_path: Path) -> None:
    repo = _monorepo(tmp_path)
    inventory, _, _ = build_inventory([repo / "deploy"], ScanOptions(use_cache=False))
    # scanned from deploy/: lib/ is outside the scanned folder, so the link is refused
    assert [(e.file, e.message) for e in inventory.errors] == [
        ("app/charts/common", "symlink charts/common points outside the scanned folder (-> ../../../lib/common); "
                              "chart not rendered")]
    inventory, _, _ = build_inventory([repo], ScanOptions(use_cache=False))
    assert inventory.errors == []
    assert [(r.address, r.file) for r in inventory.rows] == [("ConfigMap/default/shared", "deploy/app/templates/cm.yaml")]
