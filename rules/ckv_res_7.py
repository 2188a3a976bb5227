"""CKV_RES_7: a container image comes from a registry outside the customer's infrastructure."""

from __future__ import annotations

from analyzer.rules.base import Rule, RuleContext, Verdict

from analyzer import regions
from analyzer.models import Evidence, InventoryRow
from analyzer.registries import parse_image


def _allowed(image: str, context: RuleContext) -> tuple[bool, str]:
    if any(image.startswith(prefix) for prefix in context.allowed_registries):
        return True, "allowed by policy"
    ref = parse_image(image)
    if ref.public:
        return False, f"{ref.host} is a public registry"
    if ref.cloud is None:
        return False, f"{ref.host} is not a registry of the customer's cloud accounts"
    if ref.cloud == "azure":
        if ref.account in context.known_registries:
            return True, "ACR created by the scanned infrastructure"
        return False, f"ACR {ref.account} is not created by the scanned infrastructure"
    if context.accounts and ref.account not in context.accounts:
        return False, f"{ref.registry} in account/project {ref.account}, not the customer's"
    # the customer's own registry in another region is a placement finding (CKV_RES_1, own_registry_region)
    return True, ""


def own_registry_region(image: str, context: RuleContext) -> str | None:
    """The region of an image's registry when it is the customer's own (an allowed account or
    project) and outside the allowed regions; None otherwise (CKV_RES_7 judges other registries)."""
    if any(image.startswith(prefix) for prefix in context.allowed_registries):
        return None
    ref = parse_image(image)
    if ref.public or ref.cloud in (None, "azure") or not ref.region or not context.regions:
        return None
    if context.accounts and ref.account not in context.accounts:
        return None
    info = regions.normalize(ref.cloud, ref.region)
    return None if info.value in context.regions else f"{ref.registry} in {info.value}"


def image_place(row: InventoryRow, image: str) -> tuple[list[Evidence], int | None]:
    """An image's evidence (its `image:` line, then the values lines setting it) and the line a finding
    points at: that `image:` line when the row's reader knows it, else the row's own line."""
    steps = row.image_evidence.get(image)
    if not steps:
        return [Evidence(file=row.file, line=row.line, note=f"{row.address} image {image}")], None
    return list(steps), steps[0].line if steps[0].file == row.file and steps[0].line else None


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    verdicts = []
    for image in row.images:
        ok, why = _allowed(image, context)
        if not ok:
            evidence, line = image_place(row, image)
            verdicts.append(Verdict(f"{row.address} uses image {image}: {why}", evidence, line=line))
    if context.fail_on_unknown:
        for reason in row.unresolved_images:
            verdicts.append(Verdict(f"{row.address} uses an image that cannot be resolved statically: {reason}",
                                    [Evidence(file=row.file, line=row.line, note=f"{row.address} image ({reason})")]))
    return verdicts


RULE = Rule(
    id="CKV_RES_7", name="Container image from an external registry", severity="HIGH", target="row", check_row=check,
    description="Images pulled from docker.io, quay.io, ghcr.io, public.ecr.aws or another account's registry leave "
                "the supply chain outside the customer's account.",
    guideline="Mirror the image into the data plane's own registry (ECR pull-through cache, Artifact Registry remote "
              "repository, ACR import) or list the registry in `allowed_registries`.",
)
