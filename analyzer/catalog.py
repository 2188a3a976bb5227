"""The resource catalog (analyzer/data/catalog.yaml) as typed entries."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, Field

from analyzer.data import load_data

CLOUD_PREFIXES = {"aws": "aws", "google": "gcp", "azurerm": "azure", "kubernetes": "kubernetes", "helm": "kubernetes"}
# attributes holding a resource's cloud-side name, tried in order: what Helm configuration and
# container images name it by (Artifact Registry repositories go by repository_id, Secret Manager
# secrets by secret_id)
NAME_ATTRIBUTES = ("bucket", "name", "cluster_name", "repository_id", "secret_id")
DEFAULT_REGION_ATTRS = {"aws": ["region"], "gcp": ["location", "region", "zone"], "azure": ["location"], "kubernetes": []}


class CatalogEntry(BaseModel):
    type: str
    kind: str
    cloud: str
    region: list[str]
    parent: list[str] = Field(default_factory=list)
    multi: str | None = None
    flows: str | None = None
    images: list[str] = Field(default_factory=list)
    endpoints: list[str] = Field(default_factory=list)
    # its cloud-side name's attributes when NAME_ATTRIBUTES would pick the wrong one (an S3
    # access point's `bucket` names its bucket, not itself)
    name: list[str] = Field(default_factory=lambda: list(NAME_ATTRIBUTES))
    # its cloud-side name is an image registry host the scanned infrastructure creates (ACR
    # `<name>.azurecr.io`): images from it are the customer's own (CKV_RES_7)
    registry_host: bool = False
    # how its `images` attributes name images: a document holding `image` keys (container
    # definitions, pod specs), Helm values/`set` entries, or a registry host (a pull-through
    # cache's upstream: every image of that registry)
    image_form: Literal["document", "helm_values", "registry_host"] = "document"


def cloud_of_type(resource_type: str) -> str:
    return CLOUD_PREFIXES.get(resource_type.split("_", 1)[0], "unknown")


@cache
def catalog() -> dict[str, CatalogEntry]:
    raw = load_data("catalog.yaml")
    entries: dict[str, CatalogEntry] = {}
    for type_name, spec in raw.items():
        cloud = cloud_of_type(type_name)
        region = spec.get("region", DEFAULT_REGION_ATTRS.get(cloud, []))
        entries[type_name] = CatalogEntry(type=type_name, cloud=cloud, region=region,
                                          **{k: v for k, v in spec.items() if k != "region"})
    return entries
