"""The catalog as a whole: how many data-storing types it covers per cloud, that every named
extractor exists, that each type is exercised by a fixture and listed in docs/catalog.md."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

import yaml

from analyzer.catalog import catalog
from analyzer.terraform import flows_extra
from tests.conftest import FIXTURES

DOC = FIXTURES.parent / "docs" / "catalog.md"
CLOUDS = {"aws": "AWS", "gcp": "GCP", "azure": "Azure"}
RESOURCE = re.compile(r'^resource\s+"([a-z0-9_]+)"', re.M)
# types the catalog fixtures create that place nothing themselves
SUPPORT_TYPES = {"azurerm_resource_group"}


def _cloud_types() -> dict[str, str]:
    return {name: entry.cloud for name, entry in catalog().items() if entry.cloud in CLOUDS}


def _declared(folder: str = "") -> set[str]:
    root = FIXTURES / folder if folder else FIXTURES
    return {t for path in root.rglob("*.tf") for t in RESOURCE.findall(path.read_text(encoding="utf-8"))}


def test_at_least_140_cloud_types() -> None:
    counts = Counter(_cloud_types().values())
    assert sum(counts.values()) >= 140
    assert counts == {"aws": 108, "gcp": 82, "azure": 58}


def test_catalog_yaml_has_no_duplicate_types() -> None:
    # a repeated key would silently replace the first entry
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: Strict, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(k) for k, _ in node.value]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        assert not duplicates, duplicates
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    text = resources.files("analyzer.data").joinpath("catalog.yaml").read_text(encoding="utf-8")
    assert len(yaml.load(text, Loader=Strict)) == len(catalog())  # noqa: S506 - a safe loader


def test_every_named_extractor_exists() -> None:
    for name, entry in catalog().items():
        assert entry.flows is None or entry.flows in flows_extra.FLOW_EXTRACTORS, name
        assert entry.multi is None or entry.multi in flows_extra.MULTI_TESTS, name
    used = {e.flows for e in catalog().values()} | {e.multi for e in catalog().values()}
    assert set(flows_extra.EXTRA_FLOWS) | set(flows_extra.EXTRA_MULTI) <= used  # no dead extractor


def test_every_cloud_type_is_scanned_by_a_fixture() -> None:
    assert sorted(set(_cloud_types()) - _declared()) == []
    assert sorted(_declared("catalog") - set(catalog()) - SUPPORT_TYPES) == []


def test_docs_table_lists_every_type_under_its_cloud() -> None:
    text = DOC.read_text(encoding="utf-8")
    listed: dict[str, str] = {}
    for cloud, title in CLOUDS.items():
        section = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
        for name in re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.M):
            listed[name] = cloud
        count = re.search(rf"^\| {title} \| (\d+) \|$", text, re.M)
        assert count is not None and int(count.group(1)) == sum(1 for c in _cloud_types().values() if c == cloud)
    assert listed == _cloud_types()
