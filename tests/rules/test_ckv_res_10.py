"""CKV_RES_10: the control plane the data plane connects to is in another jurisdiction.

Endpoints come from the catalog's `endpoints` attributes (helm_release `values` and `set`).
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from analyzer.rules import ckv_res_10
from analyzer.rules.base import RuleContext

from analyzer.models import InventoryRow, Placement, ScanReport
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_10"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def endpoint_attrs() -> dict[str, list[str]]:
    raw = yaml.safe_load(resources.files("analyzer.data").joinpath("catalog.yaml").read_text())
    return {name: spec["endpoints"] for name, spec in raw.items() if isinstance(spec, dict) and spec.get("endpoints")}


FAILING = {
    "aws_fail": {
        ("CKV_RES_10", "helm_release.dataplane", "main.tf", 10):
            "helm_release.dataplane connects to control plane dns:///acme.us-east-2.union.ai in us-east-2 (US); "
            "the data plane is in eu-west-1 (EU)",
        # London is UK, not EU
        ("CKV_RES_10", "helm_release.operator", "main.tf", 30):
            "helm_release.operator connects to control plane dns:///acme.eu-west-2.union.ai in eu-west-2 (UK); "
            "the data plane is in eu-west-1 (EU)",
    },
    "gcp_fail": {
        ("CKV_RES_10", "helm_release.dataplane", "main.tf", 7):
            "helm_release.dataplane connects to control plane dns:///acme.us-east-2.union.ai in us-east-2 (US); "
            "the data plane is in europe-west4 (EU)",
    },
    "azure_fail": {
        ("CKV_RES_10", "helm_release.dataplane", "main.tf", 15):
            "helm_release.dataplane connects to control plane dns:///acme.us-west-2.union.ai in us-west-2 (US); "
            "the data plane is in westeurope (EU)",
    },
}
REGION = {"aws_fail": {"helm_release.dataplane": "us-east-2", "helm_release.operator": "eu-west-2"},
          "gcp_fail": {"helm_release.dataplane": "us-east-2"}, "azure_fail": {"helm_release.dataplane": "us-west-2"}}


def test_a_plain_scan_reports_a_control_plane_in_another_jurisdiction() -> None:
    assert hits(scan(CASES / "aws_fail")) == set(FAILING["aws_fail"])


@pytest.mark.parametrize("case", sorted(FAILING))
def test_control_plane_in_another_jurisdiction_fails(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id == RULE:
            assert finding.message == FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
            assert finding.region == REGION[case][finding.address]
            assert finding.severity == "HIGH"


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_control_plane_in_the_same_jurisdiction_passes(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    # the endpoint was found (eu-central-1 is another region, but the EU jurisdiction)
    assert [r.endpoints for r in report.inventory if r.type == "helm_release"] == [["dns:///acme.eu-central-1.union.ai"]]


def test_endpoints_are_read_from_values_set_blocks_and_heredocs() -> None:
    found = {}
    for case in ("aws_fail", "gcp_fail", "azure_fail"):
        for row in scan(CASES / case).inventory:
            if row.endpoints:
                found[(case, row.address)] = row.endpoints
    assert found == {
        ("aws_fail", "helm_release.dataplane"): ["dns:///acme.us-east-2.union.ai"],  # yamlencode, interpolated org
        ("aws_fail", "helm_release.operator"): ["dns:///acme.eu-west-2.union.ai"],  # set block
        ("gcp_fail", "helm_release.dataplane"): ["dns:///acme.us-east-2.union.ai"],  # set block
        ("azure_fail", "helm_release.dataplane"): ["dns:///acme.us-west-2.union.ai"],  # YAML heredoc
    }


def test_the_catalog_names_the_helm_attributes_holding_endpoints() -> None:
    assert endpoint_attrs() == {"helm_release": ["set", "values"]}


@pytest.mark.parametrize(("region", "cloud"), [("eu-west-1", "aws"), ("europe-west4", "gcp"), ("westeurope", "azure")])
def test_home_jurisdiction_is_found_in_any_cloud_for_kubernetes_rows(region: str, cloud: str) -> None:
    row = InventoryRow(address="helm_release.x", type="helm_release", kind="workload", cloud="kubernetes",
                       region=Placement(), account=Placement(), file="main.tf", line=1,
                       endpoints=["dns:///acme.us-east-2.union.ai"])
    (verdict,) = ckv_res_10.check(row, RuleContext(regions=(region,), accounts=()))
    assert verdict.message.endswith(f"the data plane is in {region} (EU)")
    same = row.model_copy(update={"endpoints": ["dns:///acme.eu-central-1.union.ai"]})
    assert ckv_res_10.check(same, RuleContext(regions=(region,), accounts=())) == []


def test_no_region_no_verdict() -> None:
    row = InventoryRow(address="helm_release.x", type="helm_release", kind="workload", cloud="kubernetes",
                       region=Placement(), account=Placement(), file="main.tf", line=1,
                       endpoints=["dns:///acme.us-east-2.union.ai"])
    assert ckv_res_10.check(row, RuleContext(regions=(), accounts=())) == []


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_10(cloud: str) -> None:
    report = scan(CLEAN / cloud)
    assert hits(report) == set()
    endpoints = {r.address: r.endpoints for r in report.inventory if r.endpoints}
    # the AWS plane's operator talks to the EU control plane in Frankfurt
    assert endpoints == ({"helm_release.dataplane": ["dns:///acme.eu-central-1.union.ai"]} if cloud == "aws" else {})
