"""Container image references -> registry host, cloud, region, account (data: registries.yaml)."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel

from analyzer.data import load_data


class ImageRef(BaseModel):
    image: str
    host: str
    registry: str  # e.g. "Amazon ECR", "public", "unknown private registry"
    cloud: str | None = None
    region: str | None = None
    account: str | None = None  # AWS account, GCP project or ACR registry name
    public: bool = False


@cache
def _table() -> dict:
    return load_data("registries.yaml")


@cache
def _private() -> list[tuple[dict, re.Pattern[str]]]:
    return [(entry, re.compile(entry["pattern"])) for entry in _table()["private"]]


@cache
def control_plane_patterns() -> list[tuple[dict, re.Pattern[str]]]:
    return [(entry, re.compile(entry["pattern"])) for entry in _table().get("control_planes", [])]


def split_host(image: str) -> tuple[str, str]:
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first.lower(), rest
    return "docker.io", image


@cache
def parse_image(image: str) -> ImageRef:
    host, path = split_host(image.strip())
    for entry, pattern in _private():
        match = pattern.match(host)
        if not match:
            continue
        groups = match.groupdict()
        account = groups.get("account") or groups.get("name")
        if entry.get("project_from_path"):
            account = path.split("/", 1)[0] or None
        return ImageRef(image=image, host=host, registry=entry["name"], cloud=entry["cloud"],
                        region=groups.get("region"), account=account)
    if host in _table()["public"]:
        return ImageRef(image=image, host=host, registry="public", public=True)
    return ImageRef(image=image, host=host, registry="unknown registry")


def control_plane_regions(text: str) -> list[tuple[str, str, str]]:
    """(endpoint, cloud, region) for every control-plane endpoint named in text."""
    found = []
    for entry, pattern in control_plane_patterns():
        for match in pattern.finditer(text):
            found.append((match.group(0), entry["cloud"], match.group("region")))
    return found
