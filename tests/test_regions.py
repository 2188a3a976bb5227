"""The region catalogue: data files and the analyzer.regions API."""

from __future__ import annotations

import dataclasses
import re
from importlib import resources

import pytest
import yaml

from analyzer import regions
from analyzer.regions import (
    RegionInfo,
    all_regions,
    jurisdiction,
    normalize,
    same_jurisdiction,
)

AWS_CODE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# The European Sovereign Cloud partition's own pattern (SDK regionRegex ^eusc-(de)-\w+-\d+$).
AWS_EUSC_CODE = re.compile(r"^eusc-[a-z]{2}(-[a-z]+)+-\d$")
GCP_CODE = re.compile(r"^[a-z]+(-[a-z]+)*\d+$")
AZURE_CODE = re.compile(r"^[a-z]+[a-z0-9]*$")
JURISDICTION = re.compile(r"^[A-Z]{2}$")


def _raw(cloud: str) -> dict:
    text = resources.files("analyzer.data").joinpath(f"regions_{cloud}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


# --------------------------------------------------------------------------------------
# Data files
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_data_file_parses_and_validates(cloud):
    data = _raw(cloud)
    assert data["schema"] == 1
    assert data["cloud"] == cloud
    assert regions.load_raw(cloud).cloud == cloud


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_data_file_has_no_duplicate_codes(cloud):
    data = _raw(cloud)
    codes = [r["code"] for r in data["regions"]] + [g["code"] for g in data["global_locations"]]
    assert len(codes) == len(set(codes))
    if cloud == "gcp":
        multi = [m["code"].upper() for m in data["multi_regions"]]
        multi += [a.upper() for m in data["multi_regions"] for a in m.get("aliases", [])]
        assert len(multi) == len(set(multi))
        assert not set(multi) & {c.upper() for c in codes}
    if cloud == "azure":
        names = [re.sub(r"\s+", "", r["display_name"]).lower() for r in data["regions"]]
        assert len(names) == len(set(names))


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_codes_and_countries_are_strings_not_yaml_booleans(cloud):
    # YAML 1.1 reads an unquoted NO (Norway) as False.
    for r in _raw(cloud)["regions"]:
        assert isinstance(r["code"], str)
        assert r["country"] is None or isinstance(r["country"], str)
        assert r["jurisdiction"] is None or isinstance(r["jurisdiction"], str)


def test_every_aws_region_code_has_the_aws_shape():
    data = _raw("aws")
    for r in data["regions"]:
        pattern = AWS_EUSC_CODE if r["partition"] == "aws-eusc" else AWS_CODE
        assert pattern.match(r["code"]), r["code"]
        assert r["partition"] in data["partitions"]


def test_every_gcp_and_azure_code_has_its_shape():
    for r in _raw("gcp")["regions"]:
        assert GCP_CODE.match(r["code"]), r["code"]
    for m in _raw("gcp")["multi_regions"]:
        assert m["code"] == m["code"].upper()
        assert m["kind"] in {"multi-region", "dual-region"}
        if m["kind"] == "dual-region":
            assert len(m["spans"]) == 2, m["code"]
    for r in _raw("azure")["regions"]:
        assert AZURE_CODE.match(r["code"]), r["code"]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_jurisdictions_are_from_the_documented_code_set(cloud):
    for r in _raw(cloud)["regions"]:
        if r["jurisdiction"] is None:
            # Only a region whose country is not published may lack a jurisdiction.
            assert r["country"] is None, r["code"]
            continue
        assert JURISDICTION.match(r["jurisdiction"]), r["code"]
        assert r["country"] is not None and JURISDICTION.match(r["country"]), r["code"]
        # GB is the only country whose jurisdiction code is not its ISO code (UK).
        if r["country"] == "GB":
            assert r["jurisdiction"] == "UK"


EU_EEA = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
}  # fmt: skip


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_eu_jurisdiction_is_exactly_the_eu_eea_countries(cloud):
    for r in _raw(cloud)["regions"]:
        if r["country"] is None:
            continue
        assert (r["jurisdiction"] == "EU") == (r["country"] in EU_EEA), r["code"]


def test_gcp_multi_region_spans_are_known_regions_with_matching_jurisdictions():
    data = _raw("gcp")
    by_code = {r["code"]: r for r in data["regions"]}
    for m in data["multi_regions"]:
        for span in m["spans"]:
            assert span in by_code, (m["code"], span)
        if m["spans"]:
            assert sorted({by_code[s]["jurisdiction"] for s in m["spans"]}) == sorted(m["jurisdictions"])
        single = m["jurisdictions"][0] if len(m["jurisdictions"]) == 1 else None
        assert m["jurisdiction"] == single, m["code"]


def test_azure_paired_regions_exist():
    pairs = regions.azure_paired_regions()
    for code, pair in pairs.items():
        assert pair is None or pair in pairs, code
        assert pair != code
    assert pairs["westeurope"] == "northeurope"
    assert pairs["northeurope"] == "westeurope"
    assert pairs["eastus2"] == "centralus"
    assert pairs["uksouth"] == "ukwest"
    assert pairs["swedencentral"] == "swedensouth"
    assert pairs["polandcentral"] is None
    assert pairs["italynorth"] is None


# --------------------------------------------------------------------------------------
# Coverage of the catalogue
# --------------------------------------------------------------------------------------

AWS_EXPECTED = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
    "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1",
    "me-south-1", "me-central-1", "mx-central-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1",
    "cn-north-1", "cn-northwest-1", "eusc-de-east-1",
}  # fmt: skip

GCP_EXPECTED = {
    "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2",
    "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
    "asia-southeast3", "australia-southeast1", "australia-southeast2", "europe-central2",
    "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2",
    "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9",
    "europe-west10", "europe-west12", "me-central1", "me-central2", "me-west1",
    "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1",
    "southamerica-east1", "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5",
    "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
}  # fmt: skip

AZURE_EXPECTED = {
    "eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus", "westus",
    "westus2", "westus3", "canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast",
    "mexicocentral", "chilecentral", "northeurope", "westeurope", "uksouth", "ukwest",
    "francecentral", "francesouth", "germanywestcentral", "germanynorth", "switzerlandnorth",
    "switzerlandwest", "norwayeast", "norwaywest", "swedencentral", "polandcentral", "italynorth",
    "spaincentral", "austriaeast", "belgiumcentral", "denmarkeast", "uaenorth", "uaecentral",
    "qatarcentral", "israelcentral", "southafricanorth", "southafricawest", "eastasia",
    "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth", "centralindia",
    "southindia", "westindia", "australiaeast", "australiasoutheast", "australiacentral",
    "australiacentral2", "newzealandnorth", "indonesiacentral", "malaysiawest",
}  # fmt: skip


@pytest.mark.parametrize(
    "cloud, expected", [("aws", AWS_EXPECTED), ("gcp", GCP_EXPECTED), ("azure", AZURE_EXPECTED)]
)
def test_all_regions_covers_the_known_regions(cloud, expected):
    listed = all_regions(cloud)
    assert expected <= set(listed), expected - set(listed)
    assert len(listed) == len(set(listed))


def test_all_regions_lists_single_regions_only():
    assert "EU" not in all_regions("gcp")
    assert "NAM4" not in all_regions("gcp")
    assert "global" not in all_regions("gcp")
    assert "aws-global" not in all_regions("aws")
    assert "West Europe" not in all_regions("azure")
    all_regions("aws").append("mutated")
    assert "mutated" not in all_regions("aws")


def test_all_regions_rejects_an_unknown_cloud():
    with pytest.raises(ValueError):
        all_regions("oracle")


# --------------------------------------------------------------------------------------
# normalize(): GCP
# --------------------------------------------------------------------------------------


def test_gcp_zone_folds_to_its_region_and_keeps_the_zone():
    info = normalize("gcp", "europe-west1-b")
    assert info.value == "europe-west1"
    assert info.status == "resolved"
    assert info.zone == "europe-west1-b"
    assert info.jurisdiction == "EU"
    assert info.country == "BE"
    assert info.raw == "europe-west1-b"


@pytest.mark.parametrize("region", sorted(GCP_EXPECTED))
@pytest.mark.parametrize("letter", ["a", "b", "c", "f"])
def test_every_gcp_zone_letter_folds(region, letter):
    info = normalize("gcp", f"{region}-{letter}")
    assert (info.value, info.status, info.zone) == (region, "resolved", f"{region}-{letter}")


def test_gcp_region_is_resolved_without_zone_and_any_case():
    info = normalize("gcp", "us-central1")
    assert (info.value, info.status, info.zone, info.jurisdiction) == ("us-central1", "resolved", None, "US")
    assert normalize("gcp", "US-CENTRAL1").value == "us-central1"
    assert normalize("gcp", " europe-west4 ").value == "europe-west4"


def test_gcp_london_and_zurich_are_not_eu():
    assert jurisdiction("gcp", "europe-west2") == "UK"
    assert jurisdiction("gcp", "europe-west6") == "CH"
    assert jurisdiction("gcp", "europe-west3-a") == "EU"


@pytest.mark.parametrize("raw", ["US", "us", "Us"])
def test_gcp_us_multi_region(raw):
    info = normalize("gcp", raw)
    assert (info.value, info.status, info.jurisdiction, info.spans) == ("US", "multi", "US", ())
    assert info.kind == "multi-region"


@pytest.mark.parametrize("raw", ["EU", "eu", "europe", "EUROPE"])
def test_gcp_eu_multi_region_in_any_spelling(raw):
    info = normalize("gcp", raw)
    assert (info.value, info.status, info.jurisdiction, info.spans) == ("EU", "multi", "EU", ())
    assert info.jurisdictions == ("EU",)


def test_gcp_asia_multi_region_spans_jurisdictions():
    info = normalize("gcp", "asia")
    assert (info.value, info.status, info.jurisdiction) == ("ASIA", "multi", None)
    assert len(info.jurisdictions) > 1


@pytest.mark.parametrize(
    "raw, value, spans, juris",
    [
        ("NAM4", "NAM4", ("us-central1", "us-east1"), "US"),
        ("nam4", "NAM4", ("us-central1", "us-east1"), "US"),
        ("EUR4", "EUR4", ("europe-north1", "europe-west4"), "EU"),
        ("eur4", "EUR4", ("europe-north1", "europe-west4"), "EU"),
        ("ASIA1", "ASIA1", ("asia-northeast1", "asia-northeast2"), "JP"),
        ("EUR5", "EUR5", ("europe-west1", "europe-west2"), None),
        ("EUR7", "EUR7", ("europe-west2", "europe-west3"), None),
        ("EUR8", "EUR8", ("europe-west3", "europe-west6"), None),
    ],
)
def test_gcp_dual_regions_are_multi_with_spans(raw, value, spans, juris):
    info = normalize("gcp", raw)
    assert (info.value, info.status, info.spans, info.jurisdiction) == (value, "multi", spans, juris)
    assert info.kind == "dual-region"
    assert info.zone is None


def test_gcp_mixed_dual_region_lists_both_jurisdictions():
    assert normalize("gcp", "EUR5").jurisdictions == ("EU", "UK")
    assert normalize("gcp", "EUR8").jurisdictions == ("CH", "EU")


def test_gcp_firestore_and_kms_multi_regions():
    assert (normalize("gcp", "nam5").status, jurisdiction("gcp", "nam5")) == ("multi", "US")
    assert (normalize("gcp", "eur3").value, jurisdiction("gcp", "eur3")) == ("EUR3", "EU")


@pytest.mark.parametrize("raw", ["global", "GLOBAL", "Global"])
def test_gcp_global(raw):
    info = normalize("gcp", raw)
    assert (info.value, info.status, info.jurisdiction, info.spans) == ("global", "global", None, ())


@pytest.mark.parametrize("raw", ["mars-1", "europe-west99", "europe-west99-b", "europe-west1-bb", "", "   "])
def test_gcp_unknown_is_invalid_and_keeps_raw(raw):
    info = normalize("gcp", raw)
    assert (info.status, info.value, info.jurisdiction) == ("invalid", raw, None)


# --------------------------------------------------------------------------------------
# normalize(): Azure
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["West Europe", "westeurope", "WestEurope", "WESTEUROPE", " west europe ", "west-europe", "(Europe) West Europe"]
)
def test_azure_west_europe_in_any_spelling(raw):
    info = normalize("azure", raw)
    assert (info.value, info.status, info.jurisdiction) == ("westeurope", "resolved", "EU")
    assert info.geography == "Europe"
    assert info.country == "NL"
    assert info.name == "West Europe"
    assert info.partition == "AzureCloud"


def test_azure_display_names():
    assert normalize("azure", "East US 2").value == "eastus2"
    assert normalize("azure", "East US").value == "eastus"
    assert normalize("azure", "Germany West Central").value == "germanywestcentral"
    assert normalize("azure", "USGov Virginia").value == "usgovvirginia"
    assert normalize("azure", "USGov Virginia").partition == "AzureUSGovernment"
    assert normalize("azure", "China North 3").partition == "AzureChinaCloud"


def test_every_azure_display_name_normalizes_to_its_code():
    for r in _raw("azure")["regions"]:
        assert normalize("azure", r["display_name"]).value == r["code"]
        assert normalize("azure", r["code"].upper()).value == r["code"]


@pytest.mark.parametrize(
    "raw, juris, geography",
    [
        ("uksouth", "UK", "United Kingdom"),
        ("switzerlandnorth", "CH", "Switzerland"),
        ("norwayeast", "EU", "Norway"),
        ("swedencentral", "EU", "Sweden"),
        ("francecentral", "EU", "France"),
        ("polandcentral", "EU", "Poland"),
        ("italynorth", "EU", "Italy"),
        ("spaincentral", "EU", "Spain"),
        ("northeurope", "EU", "Europe"),
        ("eastus", "US", "United States"),
        ("eastasia", "HK", "Asia Pacific"),
        ("chinanorth", "CN", "China"),
    ],
)
def test_azure_jurisdiction_and_geography(raw, juris, geography):
    info = normalize("azure", raw)
    assert (info.jurisdiction, info.geography) == (juris, geography)


def test_azure_global_and_invalid():
    assert normalize("azure", "global").status == "global"
    assert normalize("azure", "Global").value == "global"
    info = normalize("azure", "West Mars")
    assert (info.status, info.value) == ("invalid", "West Mars")


# --------------------------------------------------------------------------------------
# normalize(): AWS
# --------------------------------------------------------------------------------------


def test_aws_eu_central_1_is_eu():
    info = normalize("aws", "eu-central-1")
    assert (info.value, info.status, info.jurisdiction, info.partition) == ("eu-central-1", "resolved", "EU", "aws")
    assert info.country == "DE"


def test_aws_london_is_uk_and_zurich_is_ch():
    assert normalize("aws", "eu-west-2").jurisdiction == "UK"
    assert normalize("aws", "eu-west-2").country == "GB"
    assert normalize("aws", "eu-central-2").jurisdiction == "CH"


@pytest.mark.parametrize(
    "code, partition",
    [
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("eusc-de-east-1", "aws-eusc"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-east-1", "aws"),
    ],
)
def test_aws_partitions(code, partition):
    info = normalize("aws", code)
    assert (info.status, info.partition) == ("resolved", partition)


def test_aws_govcloud_and_china_and_sovereign_cloud_jurisdictions():
    assert jurisdiction("aws", "us-gov-west-1") == "US"
    assert jurisdiction("aws", "cn-north-1") == "CN"
    assert jurisdiction("aws", "eusc-de-east-1") == "EU"
    assert jurisdiction("aws", "ap-east-1") == "HK"
    assert jurisdiction("aws", "ap-east-2") == "TW"
    # Not publicly located: no jurisdiction is claimed.
    assert jurisdiction("aws", "eu-isoe-west-1") is None


@pytest.mark.parametrize(
    "code, juris",
    [
        ("ap-southeast-5", "MY"),
        ("ap-southeast-6", "NZ"),
        ("ap-southeast-7", "TH"),
        ("mx-central-1", "MX"),
        ("ca-west-1", "CA"),
        ("il-central-1", "IL"),
        ("me-central-1", "AE"),
        ("me-south-1", "BH"),
        ("ap-south-2", "IN"),
        ("eu-south-2", "EU"),
        ("ap-southeast-4", "AU"),
        ("af-south-1", "ZA"),
    ],
)
def test_aws_newer_regions(code, juris):
    assert normalize("aws", code).status == "resolved"
    assert jurisdiction("aws", code) == juris


def test_aws_availability_and_local_zones_fold():
    info = normalize("aws", "eu-west-1a")
    assert (info.value, info.status, info.zone) == ("eu-west-1", "resolved", "eu-west-1a")
    info = normalize("aws", "us-west-2-lax-1a")
    assert (info.value, info.zone) == ("us-west-2", "us-west-2-lax-1a")
    assert normalize("aws", "US-EAST-1").value == "us-east-1"


def test_aws_unknown_is_invalid():
    info = normalize("aws", "mars-1")
    assert (info.status, info.value, info.jurisdiction, info.zone) == ("invalid", "mars-1", None, None)
    assert normalize("aws", "mars-1a").status == "invalid"
    assert normalize("aws", "eu-west-9").status == "invalid"
    assert normalize("aws", "${var.region}").status == "invalid"


def test_aws_global_pseudo_regions():
    info = normalize("aws", "aws-global")
    assert (info.status, info.partition) == ("global", "aws")
    assert normalize("aws", "global").status == "global"


# --------------------------------------------------------------------------------------
# jurisdiction() / same_jurisdiction()
# --------------------------------------------------------------------------------------


def test_jurisdictions_differ_between_eu_west_1_and_us_east_1():
    assert jurisdiction("aws", "eu-west-1") == "EU"
    assert jurisdiction("aws", "us-east-1") == "US"
    assert same_jurisdiction("aws", "eu-west-1", "aws", "us-east-1") is False


def test_same_jurisdiction_across_clouds():
    assert same_jurisdiction("aws", "eu-west-1", "azure", "West Europe") is True
    assert same_jurisdiction("gcp", "europe-west1-b", "aws", "eu-central-1") is True
    assert same_jurisdiction("gcp", "EU", "azure", "swedencentral") is True
    assert same_jurisdiction("gcp", "EUR4", "aws", "eu-north-1") is True
    assert same_jurisdiction("aws", "eu-west-2", "aws", "eu-west-1") is False
    assert same_jurisdiction("azure", "uksouth", "gcp", "europe-west2") is True


def test_same_jurisdiction_is_unknown_without_a_single_jurisdiction():
    assert same_jurisdiction("aws", "mars-1", "aws", "eu-west-1") is None
    assert same_jurisdiction("gcp", "global", "aws", "eu-west-1") is None
    assert same_jurisdiction("gcp", "EUR5", "aws", "eu-west-1") is None
    assert same_jurisdiction("gcp", "asia", "gcp", "asia-east1") is None
    assert jurisdiction("gcp", "global") is None


# --------------------------------------------------------------------------------------
# API contract
# --------------------------------------------------------------------------------------


def test_unknown_cloud_is_rejected():
    with pytest.raises(ValueError):
        normalize("oracle", "us-ashburn-1")


def test_region_info_is_immutable_and_hashable():
    info = normalize("gcp", "NAM4")
    assert isinstance(info, RegionInfo)
    assert isinstance(info.spans, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.value = "US"  # type: ignore[misc]
    assert len({info, normalize("gcp", "NAM4")}) == 1


def test_normalize_is_memoized():
    normalize.cache_clear()
    first = normalize("azure", "North Europe")
    assert normalize("azure", "North Europe") is first
    hits = normalize.cache_info().hits
    for _ in range(1000):
        normalize("azure", "North Europe")
    assert normalize.cache_info().hits == hits + 1000


def test_raw_is_kept_per_spelling():
    assert normalize("azure", "West Europe").raw == "West Europe"
    assert normalize("azure", "westeurope").raw == "westeurope"
    assert normalize("gcp", "eu").raw == "eu"
