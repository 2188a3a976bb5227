"""The parse cache and the inventory cache: unchanged re-scans reuse work, any change is seen."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analyzer.scan import ScanOptions, build_inventory

PROVIDER = 'provider "aws" {\n  region              = "eu-west-1"\n  allowed_account_ids = ["111122223333"]\n}\n'


def _regions(root: Path, **kwargs) -> dict[str, str | None]:
    inventory, _, _ = build_inventory([root], ScanOptions(**kwargs))
    return {r.address: r.region.value for r in inventory.rows}


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # a repository: ../shared is inside the tree the scan may read
    live = tmp_path / "live"
    shared = tmp_path / "shared" / "bucket"
    live.mkdir()
    shared.mkdir(parents=True)
    (live / "main.tf").write_text(PROVIDER + 'module "b" {\n  source = "../shared/bucket"\n}\n')
    (shared / "main.tf").write_text('resource "aws_s3_bucket" "this" {}\n')
    return live


@pytest.fixture
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder outside the estate's repository (one inside it is refused)."""
    return tmp_path_factory.mktemp("cache")


def test_rescan_is_served_from_the_inventory_cache(estate: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESIDENCY_CACHE_DIR", str(cache))
    assert _regions(estate) == {"module.b.aws_s3_bucket.this": "eu-west-1"}
    entries = list((cache / "inventory").iterdir())
    assert len(entries) == 1
    assert _regions(estate) == {"module.b.aws_s3_bucket.this": "eu-west-1"}


def test_change_in_a_module_outside_the_root_invalidates(estate: Path, tmp_path: Path, cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESIDENCY_CACHE_DIR", str(cache))
    _regions(estate)
    module = tmp_path / "shared" / "bucket" / "main.tf"
    module.write_text('resource "aws_s3_bucket" "this" {\n  region = "us-east-1"\n}\n')
    assert _regions(estate) == {"module.b.aws_s3_bucket.this": "us-east-1"}
    (tmp_path / "shared" / "bucket" / "extra.tf").write_text('resource "aws_s3_bucket" "extra" {}\n')
    assert _regions(estate) == {"module.b.aws_s3_bucket.extra": "eu-west-1", "module.b.aws_s3_bucket.this": "us-east-1"}


def test_new_tfvars_and_variables_invalidate(estate: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESIDENCY_CACHE_DIR", str(cache))
    (estate / "main.tf").write_text(PROVIDER.replace('"eu-west-1"', "var.region") + 'variable "region" {\n  default = "eu-west-1"\n}\n'
                                    'module "b" {\n  source = "../shared/bucket"\n}\n')
    assert _regions(estate) == {"module.b.aws_s3_bucket.this": "eu-west-1"}
    (estate / "prod.auto.tfvars").write_text('region = "eu-north-1"\n')
    assert _regions(estate) == {"module.b.aws_s3_bucket.this": "eu-north-1"}
    assert _regions(estate, env={"TF_VAR_region": "x"}) == {"module.b.aws_s3_bucket.this": "eu-north-1"}
    assert _regions(estate, cli_vars=[__import__("analyzer.terraform.variables", fromlist=["CliVar"]).CliVar("var", "region=eu-south-1")]) \
        == {"module.b.aws_s3_bucket.this": "eu-south-1"}


def test_no_cache_writes_nothing(estate: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESIDENCY_CACHE_DIR", str(cache))
    _regions(estate, use_cache=False)
    assert list(cache.iterdir()) == []


def test_parsing_is_not_cached_and_a_planted_pickle_is_never_read(estate: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the cache folder a repository could plant (XDG_CACHE_HOME inside the tree): the former
    # parse cache (ast/) held pickles; a planted one must never be loaded, since loading runs code
    xdg = estate / ".cache"
    planted = xdg / "residency" / "ast"
    planted.mkdir(parents=True)
    marker = tmp_path / "PWNED"
    payload = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    text = (estate / "main.tf").read_text()
    for version in (b"residency-ast-1", b"residency-ast-2"):  # the former cache's key scheme
        key = hashlib.sha256(version + b".tf" + text.encode()).hexdigest()
        (planted / key[:2]).mkdir(exist_ok=True)
        (planted / key[:2] / key).write_bytes(payload)
    monkeypatch.delenv("RESIDENCY_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    assert _regions(estate) == {"module.b.aws_s3_bucket.this": "eu-west-1"}
    assert not marker.exists()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _regions(estate)
    assert not (tmp_path / "xdg" / "residency" / "ast").exists()


def test_load_tree_parses_every_file_and_reports_the_bad_one(tmp_path: Path) -> None:
    from analyzer.terraform.loader import load_tree

    root = tmp_path / "many"
    root.mkdir()
    for i in range(60):
        (root / f"f{i:02}.tf").write_text(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b-${{var.x}}-{i}"\n}}\n')
    (root / "bad.tf").write_text('resource "x" "y" {\n  a = = 1\n}\n')
    tree = load_tree(root)
    assert [(e.file, e.line) for e in tree.errors] == [("bad.tf", 2)]
    bodies = tree.files[root.resolve()]
    assert [b.path for b in bodies] == [f"f{i:02}.tf" for i in range(60)]
    assert bodies[7].blocks[0].labels == ["aws_s3_bucket", "b7"] and bodies[7].blocks[0].attrs["bucket"].line == 2
