"""A plain (non-editable) install must ship every subpackage and data file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_analyzer_subpackage_is_listed_for_setuptools() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"analyzer." + p.parent.relative_to(ROOT / "analyzer").as_posix().replace("/", ".")
             for p in (ROOT / "analyzer").rglob("__init__.py") if p.parent != ROOT / "analyzer"}
    assert found | {"analyzer", "analyzer.rules"} <= listed
    assert config["package-dir"]["analyzer.rules"] == "rules"
    assert set(config["package-data"]["analyzer.data"]) >= {"*.yaml"}
