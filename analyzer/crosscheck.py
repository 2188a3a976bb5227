"""Helm configuration <-> Terraform, when both are scanned together.

A bucket, log group, vault, key or registry that rendered Kubernetes configuration names is
matched to the Terraform resource that creates it, by cloud, kind and cloud-side name (the
row's `name`: S3/GCS bucket, storage account, Key Vault, log group, ECR/Artifact Registry
repository, ACR). The reference then points at it (`refers_to`) and:
- where the configuration does not say the region/account itself, it takes the Terraform
  row's, with the evidence chain extended ("named here" -> "created there" -> ...);
- where both say one and they differ, the row records a Conflict (CKV_RES_1 for regions,
  CKV_RES_5 for accounts): the data plane would be configured for a place the infrastructure
  does not put the resource in.
Container images of workloads become registry references the same way when the Terraform
creates their repository or registry (an ECR image host names region and account; the
repository may be created elsewhere).
"""

from __future__ import annotations

from analyzer import kinds, regions
from analyzer.models import Conflict, Evidence, Inventory, InventoryRow, Placement
from analyzer.registries import parse_image

MATCHED_KINDS = kinds.names("matched_by_name")

Key = tuple[str, str, str]  # (cloud, kind, name)


def cross_check(inventory: Inventory) -> None:
    """Link Helm references to the Terraform rows they name (in place)."""
    created: dict[Key, list[InventoryRow]] = {}
    for row in sorted(inventory.rows, key=lambda r: (r.root, r.file, r.line, r.address)):
        if row.origin != "kubernetes" and row.name and row.kind in MATCHED_KINDS:
            created.setdefault((row.cloud, row.kind, row.name), []).append(row)
    if not created:
        return
    images: list[InventoryRow] = []
    for row in inventory.rows:
        if row.origin != "kubernetes":
            continue
        if row.kind == "workload":
            images.extend(_image_references(row, created))
        elif row.name and row.kind in MATCHED_KINDS:
            target = _pick(row, created.get((row.cloud, row.kind, row.name), []))
            if target is not None:
                _link(row, target)
    inventory.rows.extend(images)


def _pick(row: InventoryRow, candidates: list[InventoryRow]) -> InventoryRow | None:
    """The Terraform row a reference names. Log groups, secrets, aliases and repositories are named
    per region (and containers per storage account): with several, the one agreeing with the
    reference's own region/account; none when that still leaves more than one (never a guess)."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    agreeing = [c for c in candidates if all(
        getattr(row, f).status != "resolved" or getattr(c, f).status != "resolved"
        or _same(row.cloud, f, getattr(row, f).value, getattr(c, f).value) for f in ("region", "account"))]
    return agreeing[0] if len(agreeing) == 1 else None


def _link(row: InventoryRow, target: InventoryRow) -> None:
    subject = f"{row.kind.replace('_', ' ')} {row.name}"
    named = Evidence(file=row.file, line=row.line, note=f"{row.address} names {subject}")
    made = Evidence(file=target.file, line=target.line, note=f"{target.address} creates {subject}")
    row.refers_to = target.address
    for field in ("region", "account"):
        ours: Placement = getattr(row, field)
        theirs: Placement = getattr(target, field)
        if ours.status == "resolved" and theirs.status == "resolved":
            if not _same(row.cloud, field, ours.value, theirs.value):
                row.conflicts.append(Conflict(field=field, helm=ours, address=target.address,  # type: ignore[arg-type]
                                              terraform=theirs.model_copy(update={
                                                  "evidence": [made, *theirs.evidence]}, deep=True)))
        elif ours.status in ("unknown", "none") and theirs.status != "none":
            setattr(row, field, theirs.model_copy(update={"evidence": [named, made, *theirs.evidence]}, deep=True))


def _same(cloud: str, field: str, a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    if field == "region" and cloud in regions.CLOUDS:
        return regions.normalize(cloud, a).value == regions.normalize(cloud, b).value
    return a.lower() == b.lower()


def _image_references(row: InventoryRow, created: dict[Key, list[InventoryRow]]) -> list[InventoryRow]:
    found: list[InventoryRow] = []
    for image in row.images:
        ref = parse_image(image)
        if ref.cloud is None:
            continue
        name = _repository(ref.cloud, ref.registry, image, ref.account)
        candidates = created.get((ref.cloud, "registry", name), []) if name else []
        target = candidates[0] if len(candidates) == 1 else None
        if target is None or name is None:
            continue
        evidence = [Evidence(file=row.file, line=row.line, note=f"{row.address} image {image}")]
        region = (Placement(value=regions.normalize(ref.cloud, ref.region).value, status="resolved", evidence=evidence)
                  if ref.region and ref.cloud != "azure" else Placement(status="unknown", reason="the host names no region"))
        account = (Placement(value=ref.account, status="resolved", evidence=evidence)
                   if ref.account and ref.cloud != "azure" else Placement(status="unknown", reason="the host names none"))
        # images stay on the workload row: CKV_RES_7 judges each image once
        reference = row.model_copy(update={"kind": "registry", "cloud": ref.cloud, "name": name, "region": region,
                                           "account": account, "images": [], "unresolved_images": [],
                                           "endpoints": []}, deep=True)
        _link(reference, target)
        found.append(reference)
    return found


def _repository(cloud: str, registry: str, image: str, account: str | None) -> str | None:
    """The name Terraform gives the image's repository: ECR `union/operator`; Artifact Registry
    the repository id (`<region>-docker.pkg.dev/<project>/<repo>/<image>`); ACR the registry."""
    _, _, path = image.partition("/")
    path = path.split("@", 1)[0]
    if ":" in path.rsplit("/", 1)[-1]:
        path = path.rsplit(":", 1)[0]
    if cloud == "aws":
        return path or None
    if cloud == "gcp":
        if registry != "Google Artifact Registry":
            return None  # gcr.io paths name images, not repositories
        parts = path.split("/")
        return parts[1] if len(parts) >= 3 else None
    return account  # ACR: the registry name from the host
