"""Region catalogue: canonical region codes, zones, multi-regions and jurisdictions.

The facts live in ``analyzer/data/regions_{aws,gcp,azure}.yaml``; this module only loads
them (once, lazily, validated by pydantic) and answers questions about them:

* :func:`normalize` turns whatever a configuration says (``"West Europe"``,
  ``"europe-west1-b"``, ``"eu"``, ``"us-east-1a"``) into a :class:`RegionInfo`.
* :func:`jurisdiction` / :func:`same_jurisdiction` answer "is this EU data plane talking to
  an EU control plane?".
* :func:`all_regions` lists the single regions of a cloud.

Normalization results are memoized with :func:`functools.lru_cache`, and a
:class:`RegionInfo` is an immutable, hashable value, so sharing one between callers is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Literal, Mapping, cast

from pydantic import BaseModel, ConfigDict, Field

from analyzer.data import load_data

CloudName = Literal["aws", "gcp", "azure"]
RegionStatus = Literal["resolved", "multi", "global", "invalid"]

CLOUDS: tuple[CloudName, ...] = ("aws", "gcp", "azure")

__all__ = [
    "CLOUDS",
    "CloudName",
    "RegionDataError",
    "RegionInfo",
    "RegionStatus",
    "all_regions",
    "azure_paired_regions",
    "jurisdiction",
    "load_raw",
    "normalize",
    "same_jurisdiction",
]


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """What a region string means for one cloud.

    ``value`` is the canonical code (the raw string itself when ``status`` is
    ``"invalid"``); ``zone`` is the raw zone when a zone was folded into its region;
    ``spans`` lists the regions of a multi-/dual-region where they are documented;
    ``jurisdictions`` lists every jurisdiction the location may hold data in, and
    ``jurisdiction`` is set only when that is exactly one.
    """

    cloud: CloudName
    raw: str
    value: str
    status: RegionStatus
    jurisdiction: str | None = None
    geography: str | None = None
    country: str | None = None
    zone: str | None = None
    spans: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    name: str | None = None
    partition: str | None = None
    kind: str | None = None  # "region", "multi-region", "dual-region", "global"

    @property
    def is_known(self) -> bool:
        return self.status != "invalid"


# --------------------------------------------------------------------------------------
# Data-file schema (validated once at load time)
# --------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _AwsRegion(_Strict):
    code: str
    name: str
    partition: str
    country: str | None
    geography: str
    jurisdiction: str | None
    note: str | None = None


class _AwsGlobal(_Strict):
    code: str
    partition: str


class _AwsFile(_Strict):
    schema_: int = Field(alias="schema")
    cloud: Literal["aws"]
    partitions: dict[str, str]
    global_locations: list[_AwsGlobal]
    regions: list[_AwsRegion]


class _GcpRegion(_Strict):
    code: str
    name: str
    country: str
    geography: str
    jurisdiction: str
    note: str | None = None


class _GcpMulti(_Strict):
    code: str
    kind: Literal["multi-region", "dual-region"]
    name: str
    spans: list[str]
    jurisdictions: list[str]
    jurisdiction: str | None
    aliases: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    note: str | None = None


class _CodeOnly(_Strict):
    code: str


class _GcpFile(_Strict):
    schema_: int = Field(alias="schema")
    cloud: Literal["gcp"]
    global_locations: list[_CodeOnly]
    regions: list[_GcpRegion]
    multi_regions: list[_GcpMulti]


class _AzureRegion(_Strict):
    code: str
    display_name: str
    environment: Literal["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]
    location: str
    country: str
    geography: str
    jurisdiction: str
    paired_region: str | None
    note: str | None = None


class _AzureFile(_Strict):
    schema_: int = Field(alias="schema")
    cloud: Literal["azure"]
    global_locations: list[_CodeOnly]
    regions: list[_AzureRegion]


_FILE_MODELS: dict[str, type[BaseModel]] = {"aws": _AwsFile, "gcp": _GcpFile, "azure": _AzureFile}


class RegionDataError(ValueError):
    """A region data file is malformed or inconsistent."""


# --------------------------------------------------------------------------------------
# Loading and indexing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Catalogue:
    """Lookup tables of one cloud. Values are templates: ``raw`` is filled per call."""

    cloud: CloudName
    regions: tuple[str, ...]
    by_key: Mapping[str, RegionInfo]


def _check_unique(cloud: str, codes: list[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise RegionDataError(f"regions_{cloud}.yaml: duplicate {what} {code!r}")
        seen.add(code)


@cache
def load_raw(cloud: CloudName) -> BaseModel:
    """Parse and validate ``analyzer/data/regions_<cloud>.yaml`` (cached)."""
    if cloud not in _FILE_MODELS:
        raise ValueError(f"unknown cloud {cloud!r}; expected one of {CLOUDS}")
    return _FILE_MODELS[cloud].model_validate(load_data(f"regions_{cloud}.yaml"))


def _azure_key(raw: str) -> str:
    """Fold an Azure location the way ARM does: no case, spaces, dashes or underscores."""
    raw = _AZURE_GEO_PREFIX.sub("", raw.strip())
    return _AZURE_FOLD.sub("", raw).lower()


_AZURE_GEO_PREFIX = re.compile(r"^\([^)]*\)\s*")
_AZURE_FOLD = re.compile(r"[\s_\-]+")


def _build_aws(data: _AwsFile) -> _Catalogue:
    _check_unique("aws", [r.code for r in data.regions] + [g.code for g in data.global_locations], "code")
    by_key: dict[str, RegionInfo] = {}
    for r in data.regions:
        if r.partition not in data.partitions:
            raise RegionDataError(f"regions_aws.yaml: {r.code} has unknown partition {r.partition!r}")
        by_key[r.code] = RegionInfo(
            cloud="aws",
            raw=r.code,
            value=r.code,
            status="resolved",
            jurisdiction=r.jurisdiction,
            geography=r.geography,
            country=r.country,
            jurisdictions=(r.jurisdiction,) if r.jurisdiction else (),
            name=r.name,
            partition=r.partition,
            kind="region",
        )
    for g in data.global_locations:
        by_key[g.code] = RegionInfo(
            cloud="aws", raw=g.code, value=g.code, status="global", partition=g.partition, kind="global"
        )
    return _Catalogue("aws", tuple(r.code for r in data.regions), MappingProxyType(by_key))


def _build_gcp(data: _GcpFile) -> _Catalogue:
    region_codes = [r.code for r in data.regions]
    _check_unique("gcp", region_codes + [g.code for g in data.global_locations], "region code")
    multi_keys = [m.code.upper() for m in data.multi_regions] + [
        a.upper() for m in data.multi_regions for a in m.aliases
    ]
    _check_unique("gcp", multi_keys, "multi-region code or alias")
    by_key: dict[str, RegionInfo] = {}
    regions = {r.code: r for r in data.regions}
    for r in data.regions:
        if r.code != r.code.lower():
            raise RegionDataError(f"regions_gcp.yaml: region {r.code!r} must be lower case")
        by_key[r.code] = RegionInfo(
            cloud="gcp",
            raw=r.code,
            value=r.code,
            status="resolved",
            jurisdiction=r.jurisdiction,
            geography=r.geography,
            country=r.country,
            jurisdictions=(r.jurisdiction,),
            name=r.name,
            kind="region",
        )
    for m in data.multi_regions:
        if m.code != m.code.upper():
            raise RegionDataError(f"regions_gcp.yaml: multi-region {m.code!r} must be upper case")
        for span in m.spans:
            if span not in regions:
                raise RegionDataError(f"regions_gcp.yaml: {m.code} spans unknown region {span!r}")
        if m.spans:
            spanned = sorted({regions[s].jurisdiction for s in m.spans})
            if spanned != sorted(m.jurisdictions):
                raise RegionDataError(
                    f"regions_gcp.yaml: {m.code} jurisdictions {m.jurisdictions} do not match its spans {spanned}"
                )
        expected = m.jurisdictions[0] if len(m.jurisdictions) == 1 else None
        if m.jurisdiction != expected:
            raise RegionDataError(f"regions_gcp.yaml: {m.code} jurisdiction must be {expected!r}")
        countries = {regions[s].country for s in m.spans}
        info = RegionInfo(
            cloud="gcp",
            raw=m.code,
            value=m.code,
            status="multi",
            jurisdiction=m.jurisdiction,
            geography=m.name,
            country=countries.pop() if len(countries) == 1 else None,
            spans=tuple(m.spans),
            jurisdictions=tuple(sorted(m.jurisdictions)),
            name=m.name,
            kind=m.kind,
        )
        # Multi-region keys are stored upper case; region keys lower case: no collision.
        by_key[m.code.upper()] = info
        for alias in m.aliases:
            by_key[alias.upper()] = info
    for g in data.global_locations:
        by_key[g.code] = RegionInfo(cloud="gcp", raw=g.code, value=g.code, status="global", kind="global")
    return _Catalogue("gcp", tuple(region_codes), MappingProxyType(by_key))


def _build_azure(data: _AzureFile) -> _Catalogue:
    codes = [r.code for r in data.regions]
    _check_unique("azure", codes + [g.code for g in data.global_locations], "code")
    _check_unique("azure", [_azure_key(r.display_name) for r in data.regions], "display name")
    by_key: dict[str, RegionInfo] = {}
    for r in data.regions:
        if r.code != _azure_key(r.code):
            raise RegionDataError(f"regions_azure.yaml: {r.code!r} is not a programmatic name")
        if r.paired_region is not None and r.paired_region not in codes:
            raise RegionDataError(f"regions_azure.yaml: {r.code} pairs with unknown {r.paired_region!r}")
        info = RegionInfo(
            cloud="azure",
            raw=r.code,
            value=r.code,
            status="resolved",
            jurisdiction=r.jurisdiction,
            geography=r.geography,
            country=r.country,
            jurisdictions=(r.jurisdiction,),
            name=r.display_name,
            partition=r.environment,
            kind="region",
        )
        by_key[r.code] = info
        display_key = _azure_key(r.display_name)
        if by_key.setdefault(display_key, info) is not info:
            raise RegionDataError(f"regions_azure.yaml: display name of {r.code} collides with another code")
    for g in data.global_locations:
        by_key[g.code] = RegionInfo(cloud="azure", raw=g.code, value=g.code, status="global", kind="global")
    return _Catalogue("azure", tuple(codes), MappingProxyType(by_key))


@cache
def _catalogue(cloud: CloudName) -> _Catalogue:
    data = load_raw(cloud)
    if isinstance(data, _AwsFile):
        return _build_aws(data)
    if isinstance(data, _GcpFile):
        return _build_gcp(data)
    assert isinstance(data, _AzureFile)
    return _build_azure(data)


@cache
def azure_paired_regions() -> Mapping[str, str | None]:
    """Azure programmatic name -> documented paired region (None when unpaired)."""
    data = load_raw("azure")
    assert isinstance(data, _AzureFile)
    return MappingProxyType({r.code: r.paired_region for r in data.regions})


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

# A GCP zone is "<region>-<letter>".
_GCP_ZONE = re.compile(r"^(?P<region>[a-z]+(?:-[a-z]+)*\d+)-(?P<letter>[a-z])$")
# An AWS Availability Zone is "<region><letter>" (eu-west-1a); a Local Zone is
# "<region>-<metro>-<n><letter>" (us-west-2-lax-1a).
_AWS_AZ = re.compile(r"^(?P<region>[a-z]+(?:-[a-z]+)+-\d+)(?:[a-z]|-[a-z]+-\d+[a-z])$")


def _cloud(cloud: str) -> CloudName:
    if cloud in CLOUDS:
        return cast(CloudName, cloud)  # membership in CLOUDS proves the Literal
    raise ValueError(f"unknown cloud {cloud!r}; expected one of {CLOUDS}")


def _replace(template: RegionInfo, raw: str, zone: str | None = None) -> RegionInfo:
    return RegionInfo(
        cloud=template.cloud,
        raw=raw,
        value=template.value,
        status=template.status,
        jurisdiction=template.jurisdiction,
        geography=template.geography,
        country=template.country,
        zone=zone,
        spans=template.spans,
        jurisdictions=template.jurisdictions,
        name=template.name,
        partition=template.partition,
        kind=template.kind,
    )


@lru_cache(maxsize=65536)
def normalize(cloud: str, raw: str) -> RegionInfo:
    """What ``raw`` names in ``cloud`` ("aws", "gcp" or "azure").

    Canonical ``value``: the AWS region code; the GCP region (zones folded, the zone kept in
    ``zone``) or the upper-case GCP multi-/dual-region ("EU", "NAM4"); the Azure
    programmatic name (display names and any case or spacing accepted). ``"global"`` is
    ``status="global"``. Anything unknown is ``status="invalid"`` with ``value=raw``.
    """
    name = _cloud(cloud)
    cat = _catalogue(name)
    text = raw.strip() if isinstance(raw, str) else ""
    if text:
        if cloud == "azure":
            hit = cat.by_key.get(_azure_key(text))
            if hit is not None:
                return _replace(hit, raw)
        elif cloud == "gcp":
            # Region and "global" keys are lower case, multi-region keys upper case.
            low = text.lower()
            hit = cat.by_key.get(low) or cat.by_key.get(text.upper())
            if hit is not None:
                return _replace(hit, raw)
            m = _GCP_ZONE.match(low)
            if m is not None:
                parent = cat.by_key.get(m.group("region"))
                if parent is not None and parent.status == "resolved":
                    return _replace(parent, raw, zone=low)
        else:  # aws
            low = text.lower()
            hit = cat.by_key.get(low)
            if hit is not None:
                return _replace(hit, raw)
            m = _AWS_AZ.match(low)
            if m is not None:
                parent = cat.by_key.get(m.group("region"))
                if parent is not None and parent.status == "resolved":
                    return _replace(parent, raw, zone=low)
        if text.lower() == "global":
            return RegionInfo(cloud=name, raw=raw, value="global", status="global", kind="global")
    return RegionInfo(cloud=name, raw=raw, value=raw, status="invalid")


def jurisdiction(cloud: str, region_code: str) -> str | None:
    """The jurisdiction ("EU", "US", "UK", ...) of a region, zone or single-jurisdiction
    multi-region; None when unknown, global, or spanning several jurisdictions."""
    return normalize(cloud, region_code).jurisdiction


def same_jurisdiction(cloud_a: str, region_a: str, cloud_b: str, region_b: str) -> bool | None:
    """Whether two locations (possibly in different clouds) are in one jurisdiction.

    None when either side has no single known jurisdiction (invalid, global, undisclosed,
    or a multi-region across jurisdictions such as GCS EUR5).
    """
    ja = jurisdiction(cloud_a, region_a)
    jb = jurisdiction(cloud_b, region_b)
    if ja is None or jb is None:
        return None
    return ja == jb


def all_regions(cloud: str) -> list[str]:
    """Every single region code of ``cloud`` (no zones, multi-regions or "global")."""
    return list(_catalogue(_cloud(cloud)).regions)
