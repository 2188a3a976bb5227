"""Named extractors (referenced by catalog.yaml) for multi-region placement, data flows
(replicas, replication and subscription destinations, grants) and container images."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, TypeGuard

import yaml

from analyzer import regions
from analyzer.catalog import CatalogEntry, catalog
from analyzer.hcl import ast
from analyzer.models import Evidence, Flow, Placement, PlacementStatus
from analyzer.placements import ARN, AZURE_SUB, account_placement, arn_account, as_blocks
from analyzer.registries import control_plane_regions
from analyzer.terraform.evaluate import Scope, evaluate_safely, materialize
from analyzer.terraform.module import ResourceInstance
from analyzer.terraform.name_templates import NameRef, destinations, match, ref_for, render, template_of
from analyzer.terraform.placement import account_of, region_of
from analyzer.values import Unknown

ACCOUNT_ID = re.compile(r"^\d{12}$")
GCP_PROJECT_IN = re.compile(r"(?:projects/|@)([a-z][a-z0-9-]{4,28}[a-z0-9])(?:/|\.iam\.gserviceaccount\.com)")
# Google-managed service agents (`service-<project number>@gcp-sa-x.iam.gserviceaccount.com`,
# `...@gs-project-accounts...`): the domain names the Google service, not a customer project.
GCP_SERVICE_AGENT = re.compile(r"^serviceAccount:service-\d+@|@(?:gcp-sa-[a-z0-9-]+|gs-project-accounts|container-engine-robot|"
                               r"compute-system|dataflow-service-producer-prod|cloudcomposer-accounts|serverless-robot-prod)\.iam\.gserviceaccount\.com$")

# A pending link to another row: resolved by inventory.py once every row exists.
Link = tuple[str, Any]  # ("address", addr) | ("name", value) | ("template", NameRef): rows.py


def _attr(instance: ResourceInstance, name: str) -> Any:
    return materialize(instance.get(name, None))


_ENCODERS = ("jsonencode", "yamlencode")


def _document(instance: ResourceInstance, name: str) -> Any:
    """The attribute's value, reading `jsonencode(...)`/`yamlencode(...)` documents by structure.

    Terraform makes a whole encoded document unknown when one leaf is computed (a bucket
    policy's `Resource = aws_s3_bucket.b.arn`, an image tag from a resource), which would hide
    every principal and image in it. Here the encoder's argument is evaluated instead, so the
    computed leaf stays Unknown and the rest of the document is still read.
    """
    value = _attr(instance, name)
    if not isinstance(value, Unknown):
        return value
    attribute = instance.declared.block.attrs.get(name)
    if attribute is None:
        return value
    return _structural(attribute.expr, instance.scope, value)


def _structural(expr: Any, scope: Scope, fallback: Any) -> Any:
    if isinstance(expr, ast.Call) and expr.name in _ENCODERS and len(expr.args) == 1 and not expr.expand:
        return materialize(evaluate_safely(expr.args[0], scope))
    if isinstance(expr, ast.TupleExpr):
        return [_structural(item, scope, materialize(evaluate_safely(item, scope))) for item in expr.items]
    return fallback


def _region(cloud: str, value: Any, note: str, line: int, file: str) -> Placement:
    ev = [Evidence(file=file, line=line, note=note)]
    if isinstance(value, Unknown):
        return Placement(status="unknown", reason=value.reason, evidence=ev)
    if not isinstance(value, str) or not value:
        return Placement(status="none")
    info = regions.normalize(cloud, value)
    status: PlacementStatus = "resolved" if info.status == "resolved" or info.status == "invalid" else info.status
    return Placement(value=info.value, status=status, evidence=ev)


def _account(value: Any, note: str, line: int, file: str) -> Placement:
    if isinstance(value, Unknown) or (isinstance(value, str) and value):
        return account_placement(value, [Evidence(file=file, line=line, note=note)])
    return Placement(status="none")


def _arn_placement(arn: Any, line: int, file: str, note: str) -> tuple[Placement, Placement]:
    if isinstance(arn, Unknown):
        # a computed ARN with an origin is linked to its row later (inventory.py); one without
        # (an unset variable, a data source) stays unknown, never "no destination"
        unknown = Placement(status="unknown", reason=arn.reason, evidence=[Evidence(file=file, line=line, note=note)])
        return unknown, unknown.model_copy()
    match = ARN.match(arn) if isinstance(arn, str) else None
    if match:  # an empty region or account field is "none" (S3 and IAM ARNs)
        return _region("aws", match.group(3), note, line, file), _account(match.group(4), note, line, file)
    return Placement(status="none"), Placement(status="none")


FlowResult = tuple[list[Flow], list[tuple[int, Link]]]  # flows, (flow index, link to a row)


def _line_at(inst: ResourceInstance, path: list[tuple[str, int]], attr: str | None = None) -> int:
    """The line of a nested block (`rule[0].destination[0]`) or of an attribute inside it, so a
    finding points at the replica/destination that causes it; the resource line if absent."""
    block = inst.declared.block
    if not path and attr is not None:
        return inst.attr_line(attr)
    for name, position in path:
        children = block.children(name)
        if position < len(children):
            block = children[position]
            continue
        # generated by a `dynamic "name"` block: every instance comes from its one content block
        content = next((c.children("content") for c in block.blocks if c.type == "dynamic" and c.labels[:1] == [name]), [])
        if not content:
            return inst.declared.block.line
        block = content[0]
    if attr is not None and attr in block.attrs:
        return block.attrs[attr].line
    return block.line


def s3_replication(inst: ResourceInstance) -> FlowResult:
    flows: list[Flow] = []
    links: list[tuple[int, Link]] = []
    for r, rule in enumerate(as_blocks(_attr(inst, "rule"))):
        for d, dest in enumerate(as_blocks(rule.get("destination"))):
            line = _line_at(inst, [("rule", r), ("destination", d)], "bucket")
            bucket = dest.get("bucket")
            region, account = _arn_placement(bucket, line, inst.declared.file, f"{inst.address} replication destination")
            if region.status == "none":
                # S3 ARNs name no region: known only if the bucket is in the scanned configuration
                region = Placement(status="unknown", reason=f"destination bucket {_shown_template(bucket)} is not in the scanned "
                                   "configuration and an S3 ARN names no region",
                                   evidence=[Evidence(file=inst.declared.file, line=line, note=f"{inst.address} destination.bucket")])
            if dest.get("account") is not None:
                account = _account(dest.get("account"), f"{inst.address} destination.account", line, inst.declared.file)
            flows.append(Flow(kind="replication", description=f"replicates to bucket {_shown_template(bucket)}", region=region,
                              account=account, line=line))
            link = _link(bucket, arn_prefix="arn:aws:s3:::", types=("aws_s3_bucket",))
            if link:
                links.append((len(flows) - 1, link))
    return flows, links


def _show(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.origin or "(unknown)"
    return str(value)


def _shown_value(inst: ResourceInstance, value: Any, unknown: str = "an identity not known statically") -> str:
    """A value for a message: its template as written, else the resource it comes from, else
    `unknown` (never the resource's own address, which names nothing)."""
    if isinstance(value, Unknown) and not value.template and value.origin in (None, inst.address):
        return unknown
    return _shown_template(value)


def _shown_template(value: Any) -> str:
    """Like _show, but a name built by interpolation as written (`replica-${random_pet.this.id}`)."""
    if isinstance(value, Unknown) and value.template:
        return render(value.template)
    return _show(value)


def _link(value: Any, arn_prefix: str = "", types: tuple[str, ...] = ()) -> Link | None:
    """A computed value links to the row named the same way (its name template), else to the
    resource it comes from; a string links by name."""
    if isinstance(value, Unknown) and value.origin:
        ref = ref_for(value, prefix=arn_prefix, types=types)
        return ("template", ref) if ref is not None else ("address", value.origin)
    if isinstance(value, str) and value:
        return ("name", value.removeprefix(arn_prefix) if arn_prefix else value)
    return None


def _is_reference(link: Link | None) -> TypeGuard[Link]:
    """A link to a resource in the configuration (not a plain name, which may be anyone's)."""
    return link is not None and link[0] != "name"


def ecr_replication(inst: ResourceInstance) -> FlowResult:
    flows = []
    for c, conf in enumerate(as_blocks(_attr(inst, "replication_configuration"))):
        for r, rule in enumerate(as_blocks(conf.get("rule"))):
            for d, dest in enumerate(as_blocks(rule.get("destination"))):
                line = _line_at(inst, [("replication_configuration", c), ("rule", r), ("destination", d)], "region")
                flows.append(Flow(kind="replication", description=f"replicates images to {_show(dest.get('region'))}",
                                  region=_region("aws", dest.get("region"), f"{inst.address} destination.region", line, inst.declared.file),
                                  account=_account(dest.get("registry_id"), f"{inst.address} destination.registry_id", line, inst.declared.file),
                                  line=line))
    return flows, []


def _configured(inst: ResourceInstance, name: str) -> bool:
    """Whether the configuration sets `name` (argument, nested block or dynamic block)."""
    block = inst.declared.block
    return name in block.attrs or any(
        child.type == name or (child.type == "dynamic" and child.labels[:1] == [name]) for child in block.blocks)


def _replicaas_blocks(attr: str, region_key: str, cloud: str = "aws") -> Callable[[ResourceInstance], FlowResult]:
    def extract(inst: ResourceInstance) -> FlowResult:
        if not _configured(inst, attr):
            return [], []
        value = _attr(inst, attr)
        if isinstance(value, Unknown):
            # e.g. a dynamic block over an unset variable: replicas may exist, fail closed
            line = inst.attr_line(attr)
            unknown = Placement(status="unknown", reason=value.reason,
                                evidence=[Evidence(file=inst.declared.file, line=line, note=f"{inst.address} {attr}")])
            return [Flow(kind="replica", description=f"{attr} blocks not known statically", region=unknown, line=line)], []
        flows = []
        for i, b in enumerate(as_blocks(value)):
            line = inst.attr_line(attr) if attr in inst.declared.block.attrs else _line_at(inst, [(attr, i)], region_key)
            flows.append(Flow(kind="replica", description=f"{attr} in {_show(b.get(region_key))}",
                              region=_region(cloud, b.get(region_key), f"{inst.address} {attr}.{region_key}", line, inst.declared.file),
                              line=line))
        return flows, []

    return extract


def kms_replica(inst: ResourceInstance) -> FlowResult:
    """A replica key copies the primary's key material into the replica's own region: that
    region is the destination (the primary's region, from its ARN, is where it comes from)."""
    primary = _attr(inst, "primary_key_arn")
    line = inst.attr_line("primary_key_arn")
    source_region, account = _arn_placement(primary, line, inst.declared.file, f"{inst.address} primary_key_arn")
    destination = region_of(inst, catalog()[inst.type], inst.provider())
    flows = [Flow(kind="replica", description=f"copies KMS key {_show(primary)} into {_show(destination.value or 'an unknown region')}",
                  region=destination, account=account, line=line)]
    if source_region.status == "resolved" and source_region.value != destination.value:
        flows.append(Flow(kind="replica", description=f"replicates KMS key {_show(primary)} from {source_region.value}",
                          region=source_region, account=account, line=line))
    link = _link(primary)
    return flows, ([(0, link)] if _is_reference(link) and destination.status == "resolved" else [])


def log_subscription(inst: ResourceInstance) -> FlowResult:
    dest = _attr(inst, "destination_arn")
    line = inst.attr_line("destination_arn")
    region, account = _arn_placement(dest, line, inst.declared.file, f"{inst.address} destination_arn")
    shown = _shown_value(inst, dest, "a destination not known statically")
    flows = [Flow(kind="subscription", description=f"streams logs to {shown}", region=region, account=account, line=line)]
    link = _link(dest)
    return flows, ([(0, link)] if _is_reference(link) else [])


def policy_principals(inst: ResourceInstance) -> FlowResult:
    policy = _document(inst, "policy")
    line = inst.attr_line("policy")
    if isinstance(policy, Unknown):
        policy = _iam_policy_document(inst) or policy
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return [], []
    flows: list[Flow] = []
    for statement in as_blocks(policy.get("Statement") if isinstance(policy, dict) else None):
        if statement.get("Effect", "Allow") not in ("Allow", None) and not isinstance(statement.get("Effect"), Unknown):
            continue  # an effect not known statically may allow: the grant is kept (fail closed)
        principal = statement.get("Principal")  # `NotPrincipal` is never a grant: it is not read
        for who in _principals(principal):
            if who == "*":
                flows.extend(_wildcard_grants(inst, statement.get("Condition"), line))
                continue
            # an unknown principal (`arn:aws:iam::${data.aws_caller_identity.current.account_id}:root` under a
            # provider that pins no account) is a grant to an account as unknown as the provider's
            account_id = who if isinstance(who, Unknown) else arn_account(who) or (who if ACCOUNT_ID.match(who) else None)
            if account_id is not None:
                shown = _shown_value(inst, who)
                account = _account(account_id, f"{inst.address} policy Principal {shown}", line, inst.declared.file)
                flows.append(Flow(kind="grant", description=f"policy grants access to {shown}", account=account, line=line))
    return flows, []


# Condition keys that pin the caller (or the calling resource) to accounts, in the order a
# wildcard grant is judged by; `aws:PrincipalOrgID` only names an organization.
_ACCOUNT_KEYS = ("aws:principalaccount", "kms:calleraccount", "aws:sourceaccount", "aws:principalarn", "aws:sourcearn")
_ARN_KEYS = ("aws:principalarn", "aws:sourcearn")
_ORG_KEY = "aws:principalorgid"
# Operators that constrain the key to the listed values; `...IfExists` and negations do not
# (an absent key, or any other value, still matches).
_CONSTRAINING = {"stringequals", "stringlike", "arnequals", "arnlike"}
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


def _condition_values(condition: Any) -> dict[str, list[Any]] | Unknown:
    """{condition key (lower case, keys are case-insensitive): the values it must take} for the
    constraining operators; `_names` maps it back to the key as written."""
    if isinstance(condition, Unknown):
        return condition
    out: dict[str, list[Any]] = {}
    if not isinstance(condition, dict):
        return out
    for operator, keys in condition.items():
        if not isinstance(operator, str) or operator.split(":")[-1].lower() not in _CONSTRAINING:
            continue
        if isinstance(keys, Unknown):
            return keys
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            if isinstance(key, str):
                out.setdefault(key.lower(), []).extend(values if isinstance(values, list) else [values])
                out.setdefault("_names", []).append(key)
    return out


def _condition_account(key: str, value: Any) -> str | Unknown:
    """The account a condition value allows: an account id, `*` when any account matches, or
    Unknown (a computed value; an ARN without an account, like an S3 bucket's)."""
    if isinstance(value, Unknown):
        return value
    text = str(value)
    if key in _ARN_KEYS:
        parts = text.split(":")
        if len(parts) < 6 or parts[0] != "arn":
            return "*" if text in ("*", "arn:*") else Unknown(f"{key} {text} names no account")
        text = parts[4]
        if not text:
            return Unknown(f"{key} {value} names no account")
    if ACCOUNT_ID.match(text):
        return text
    return "*" if any(c in text for c in "*?") else Unknown(f"{key} {text} is not an account id")


def _wildcard_grants(inst: ResourceInstance, condition: Any, line: int) -> list[Flow]:
    """A `Principal "*"` grant, narrowed by a Condition that pins the caller's account (the shape of
    AWS's default key policies and of service integrations): one grant per allowed account."""
    file = inst.declared.file
    values = _condition_values(condition)
    if isinstance(values, Unknown):
        account = _account(values, f"{inst.address} policy Principal \"*\" Condition {_show(values)}", line, file)
        return [Flow(kind="grant", description="policy grants access to * under a Condition not known statically",
                     account=account, line=line)]
    judged = [(key, [_condition_account(key, v) for v in values[key]]) for key in _ACCOUNT_KEYS if values.get(key)]
    # keys are ANDed: one key whose accounts are all known is enough to bound the grant
    judged.sort(key=lambda item: any(isinstance(a, Unknown) for a in item[1]))
    if judged:
        key, accounts = judged[0]
        key = next((name for name in values["_names"] if name.lower() == key), key)
        flows = []
        for account_id in accounts:
            shown = "a value not known statically" if isinstance(account_id, Unknown) else str(account_id)
            note = f"{inst.address} policy Principal \"*\" Condition {key} {shown}"
            flows.append(Flow(kind="grant", description=f"policy grants access to * where {key} is {shown}",
                              account=_account(account_id, note, line, file), line=line))
        return flows
    orgs = values.get(_ORG_KEY)
    if orgs:
        flows = []
        for org in orgs:
            shown = _show(org)
            note = f"{inst.address} policy Principal \"*\" Condition aws:PrincipalOrgID {shown}"
            known = isinstance(org, Unknown) or _ORG_ID.match(str(org))  # else a pattern: any organization
            flows.append(Flow(kind="grant", description=f"policy grants access to * in organization {shown}",
                              account=_account(org if known else "*", note, line, file), line=line))
        return flows
    note = f"{inst.address} policy Principal \"*\""
    return [Flow(kind="grant", description="policy grants access to *",
                 account=_account("*", note, line, file),
                 line=line)]


def _iam_policy_document(inst: ResourceInstance) -> dict[str, Any] | None:
    """`policy = data.aws_iam_policy_document.x.json`: the statements of that data source, in
    the policy JSON shape (Principal = {AWS = [...]}), read from its configuration."""
    attribute = inst.declared.block.attrs.get("policy")
    expr = attribute.expr if attribute is not None else None
    chain: list[str] = []
    while isinstance(expr, ast.GetAttr):
        chain.insert(0, expr.name)
        expr = expr.obj
    if not (isinstance(expr, ast.Name) and expr.name == "data" and len(chain) == 3
            and chain[0] == "aws_iam_policy_document" and chain[2] in ("json", "minified_json")):
        return None
    declared = inst.module.data.get(f"aws_iam_policy_document.{chain[1]}")
    if declared is None or "count" in declared.block.attrs or "for_each" in declared.block.attrs:
        return None
    scope = Scope(inst.module)
    statements = []
    for block in declared.block.children("statement"):
        effect = materialize(evaluate_safely(block.attrs["effect"].expr, scope)) if "effect" in block.attrs else "Allow"
        aws: list[Any] = []
        for principals in block.children("principals"):
            kind = materialize(evaluate_safely(principals.attrs["type"].expr, scope)) if "type" in principals.attrs else None
            ids = materialize(evaluate_safely(principals.attrs["identifiers"].expr, scope)) if "identifiers" in principals.attrs else []
            if kind == "AWS" or (kind == "*" and isinstance(ids, list) and "*" in ids):
                aws.extend(ids if isinstance(ids, list) else [ids])
        if aws:
            statements.append({"Effect": effect, "Principal": "*" if aws == ["*"] else {"AWS": aws},
                               "Condition": _document_conditions(block, scope)})
    return {"Statement": statements}


def _document_conditions(block: Any, scope: Scope) -> dict[str, Any] | Unknown:
    """`condition { test variable values }` blocks in the policy JSON shape {test: {variable: values}}."""
    out: dict[str, dict[str, Any]] = {}
    for condition in block.children("condition"):
        parts = [materialize(evaluate_safely(condition.attrs[name].expr, scope)) if name in condition.attrs else None
                 for name in ("test", "variable", "values")]
        if any(isinstance(part, Unknown) for part in parts[:2]):
            return next(part for part in parts[:2] if isinstance(part, Unknown))
        test, variable, values = parts
        if isinstance(test, str) and isinstance(variable, str):
            out.setdefault(test, {}).setdefault(variable, [])
            out[test][variable].extend(values if isinstance(values, list) else [values])
    if any(child.type == "dynamic" and child.labels[:1] == ["condition"] for child in block.blocks):
        return Unknown("a dynamic condition block")
    return out


def _principals(principal: Any) -> list[str | Unknown]:
    """The AWS principals of a statement; a principal (or list of them) not known statically stays
    an Unknown, never dropped and never iterated."""
    if principal == "*" or isinstance(principal, Unknown):
        return [principal]
    value = principal.get("AWS") if isinstance(principal, dict) else None  # Service/Federated name no account
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, (str, Unknown))]


def kms_grant(inst: ResourceInstance) -> FlowResult:
    grantee = _attr(inst, "grantee_principal")
    line = inst.attr_line("grantee_principal")
    _, account = _arn_placement(grantee, line, inst.declared.file, f"{inst.address} grantee_principal")
    if account.status == "none":
        return [], []
    return [Flow(kind="grant", description=f"KMS grant to {_show(grantee)}", account=account, line=line)], []


def backup_copy(inst: ResourceInstance) -> FlowResult:
    flows = []
    for r, rule in enumerate(as_blocks(_attr(inst, "rule"))):
        for c, copy in enumerate(as_blocks(rule.get("copy_action"))):
            line = _line_at(inst, [("rule", r), ("copy_action", c)], "destination_vault_arn")
            vault = copy.get("destination_vault_arn")
            region, account = _arn_placement(vault, line, inst.declared.file, f"{inst.address} copy_action")
            flows.append(Flow(kind="copy", description=f"backup copies to {_show(vault)}", region=region, account=account, line=line))
    return flows, []


def _gcp_member_flow(inst: ResourceInstance, member: Any, line: int) -> Flow | None:
    if isinstance(member, Unknown):
        created = _service_account_member(inst, member, line)
        if created is not None:
            return created
        shown = _shown_value(inst, member)
        return Flow(kind="grant", description=f"grants access to {shown}",
                    account=_account(member, f"{inst.address} member {shown}", line, inst.declared.file), line=line)
    if not isinstance(member, str) or GCP_SERVICE_AGENT.search(member):
        return None
    match = GCP_PROJECT_IN.search(member)
    account = "*" if member in ("allUsers", "allAuthenticatedUsers") else match.group(1) if match else None
    if account is None:
        return None
    return Flow(kind="grant", description=f"grants access to {member}",
                account=_account(account, f"{inst.address} member {member}", line, inst.declared.file), line=line)


def _service_account_member(inst: ResourceInstance, member: Unknown, line: int) -> Flow | None:
    """`serviceAccount:${google_service_account.sa.email}`: the e-mail is computed, but the
    account lives in the project of the google_service_account this configuration creates
    (its `project`, else its provider's), which is the project the grant goes to."""
    template = member.template or (member,)
    if not (len(template) == 2 and template[0] == "serviceAccount:" and isinstance(template[1], Unknown)):
        return None
    account = template[1].origin
    created = _instance_at(inst, account) if account else None
    if created is None or created.type != "google_service_account":
        return None
    project = account_of(created, catalog().get(created.type) or _SERVICE_ACCOUNT, created.provider())
    step = Evidence(file=inst.declared.file, line=line,
                    note=f"{inst.address} member is {created.address} ({created.declared.file}:{created.declared.block.line}), "
                         f"in project {project.value or 'unknown'}")
    return Flow(kind="grant", description=f"grants access to {created.address} ({render(template)})",
                account=project.model_copy(update={"evidence": [step, *project.evidence]}), line=line)


_SERVICE_ACCOUNT = CatalogEntry(type="google_service_account", kind="identity", cloud="gcp", region=[])
_ADDRESS = re.compile(r"^((?:module\.[\w-]+(?:\[[^\]]*\])?\.)*)([\w-]+\.[\w-]+)(\[[^\]]*\])?$")


def _instance_at(inst: ResourceInstance, address: str) -> ResourceInstance | None:
    """The HCL resource instance at an address of the root `inst` is in (None for a plan)."""
    module = getattr(inst, "module", None)
    found = _ADDRESS.match(address)
    if module is None or not hasattr(module, "all_children") or found is None:
        return None
    while module.parent is not None:
        module = module.parent
    path = found.group(1).rstrip(".")
    while module.address != path:
        module = next((child for child in module.all_children()
                       if path == child.address or path.startswith(child.address + ".")), None)
        if module is None:
            return None
    if found.group(2) not in module.resources:
        return None
    instances = module.resource_instances(found.group(2))
    if isinstance(instances, Unknown):
        return None
    return next((candidate for candidate in instances.values() if candidate.address == address), None)


def gcp_member(inst: ResourceInstance) -> FlowResult:
    flow = _gcp_member_flow(inst, _attr(inst, "member"), inst.attr_line("member"))
    return ([flow] if flow else []), []


def gcp_members(inst: ResourceInstance) -> FlowResult:
    members = _attr(inst, "members")
    flows = [f for m in (members if isinstance(members, list) else []) if (f := _gcp_member_flow(inst, m, inst.attr_line("members")))]
    return flows, []


def gcp_log_sink(inst: ResourceInstance) -> FlowResult:
    """A sink routes logs to a bucket, dataset, log bucket or topic named by a string
    (data/name_links.yaml). The project and location the string names judge it; what it does
    not name (a bucket's location), or names by interpolation, comes from the resource this
    configuration creates with that name (linked by name or name template, rows.py)."""
    dest = _attr(inst, "destination")
    line = inst.attr_line("destination")
    file = inst.declared.file
    template = template_of(dest)
    for form in destinations("gcp_log_sink") if template is not None else ():
        groups = match(form.pattern, template)  # type: ignore[arg-type]
        if groups is None:
            continue
        shown = render(template)  # type: ignore[arg-type]
        note = f"{inst.address} destination {shown}"
        flow = Flow(kind="subscription", description=f"routes logs to {shown}", line=line,
                    region=_part_placement(groups.get("location"), note, line, file, region=True),
                    account=_part_placement(groups.get("project"), note, line, file, region=False))
        ref = NameRef(template=groups["name"], shown=shown, types=(form.type,), attrs=(form.attr,),
                      origin=dest.origin if isinstance(dest, Unknown) else None)
        return [flow], [(0, ("template", ref))]
    if not isinstance(dest, str):
        reason = getattr(dest, "reason", "unknown destination")
        evidence = [Evidence(file=file, line=line, note=f"{inst.address} destination")]
        # a destination computed from a resource of this configuration (a log bucket's `id`
        # passed through a module output) links to that resource's row, which places it
        link = _link(dest) if isinstance(dest, Unknown) and dest.origin not in (None, inst.address) else None
        shown = _shown_value(inst, dest) if link is not None else "a destination not known statically"
        return [Flow(kind="subscription", description=f"routes logs to {shown}",
                     region=Placement(status="unknown", reason=reason, evidence=evidence),
                     account=Placement(status="unknown", reason=reason, evidence=list(evidence)), line=line)], \
            ([(0, link)] if link is not None else [])
    project = GCP_PROJECT_IN.search(dest)
    location = re.search(r"/locations/([a-z0-9-]+)/", dest)
    return [Flow(kind="subscription", description=f"routes logs to {dest}",
                 region=_region("gcp", location.group(1), f"{inst.address} destination", line, inst.declared.file) if location else Placement(status="none"),
                 account=_account(project.group(1), f"{inst.address} destination", line, inst.declared.file) if project else Placement(status="none"),
                 line=line)], []


def _part_placement(part: tuple[Any, ...] | None, note: str, line: int, file: str, *, region: bool) -> Placement:
    """The project or location a destination names: known text, or unknown (its hole's reason)
    until linking gives the destination row's; none when the form names none."""
    if part is None:
        return Placement(status="none")
    if len(part) == 1 and isinstance(part[0], str):
        return _region("gcp", part[0], note, line, file) if region else _account(part[0], note, line, file)
    hole = next(item for item in part if isinstance(item, Unknown))
    return Placement(status="unknown", reason=hole.reason, evidence=[Evidence(file=file, line=line, note=note)])


def azure_object_replication(inst: ResourceInstance) -> FlowResult:
    dest = _attr(inst, "destination_storage_account_id")
    line = inst.attr_line("destination_storage_account_id")
    flow = Flow(kind="replication", description=f"replicates objects to {_show(dest)}", line=line)
    if isinstance(dest, str) and (match := AZURE_SUB.search(dest)):
        flow.account = _account(match.group(1), f"{inst.address} destination_storage_account_id", line, inst.declared.file)
    link = _link(dest)
    return [flow], ([(0, link)] if _is_reference(link) else [])


def cosmos_geo_locations(inst: ResourceInstance) -> FlowResult:
    flows, links = _replicaas_blocks("geo_location", "location", "azure")(inst)
    return (flows if len(flows) > 1 else []), links


FLOW_EXTRACTORS: dict[str, Callable[[ResourceInstance], FlowResult]] = {
    "s3_replication": s3_replication,
    "ecr_replication": ecr_replication,
    "secret_replicas": _replicaas_blocks("replica", "region"),
    "dynamodb_replicas": _replicaas_blocks("replica", "region_name"),
    "rds_replica": lambda inst: ([], []),
    "kms_replica": kms_replica,
    "log_subscription": log_subscription,
    "policy_principals": policy_principals,
    "kms_grant": kms_grant,
    "efs_replication": _replicaas_blocks("destination", "region"),
    "backup_copy": backup_copy,
    "gcp_member": gcp_member,
    "gcp_members": gcp_members,
    "gcp_log_sink": gcp_log_sink,
    "azure_object_replication": azure_object_replication,
    "acr_georeplications": _replicaas_blocks("georeplications", "location", "azure"),
    "cosmos_geo_locations": cosmos_geo_locations,
}


# --- multi-region placement -----------------------------------------------------------

def aws_kms_multi_region(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    value = _attr(inst, "multi_region")
    if value is True:
        return "multi_region = true (a multi-Region primary key that can be replicated to other regions)", region
    return None, region


def always_multi(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    return f"{inst.type} is multi-region by design", region


def gcs_placement(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    for conf in as_blocks(_attr(inst, "custom_placement_config")):
        locations = conf.get("data_locations")
        if isinstance(locations, list) and locations:
            return f"custom dual-region placement across {', '.join(map(str, locations))}", region
    if region.status == "multi":
        return f"location {region.value} is a multi-region or dual-region", region
    return None, region


def gcp_secret_replication(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    line = inst.attr_line("replication")
    for rep in as_blocks(_attr(inst, "replication")):
        if rep.get("automatic") is True or as_blocks(rep.get("auto")):
            reason = "automatic replication: Secret Manager stores the secret in regions Google chooses"
            return reason, Placement(value=None, status="global", reason=reason,
                                     evidence=[Evidence(file=inst.declared.file, line=line, note=f"{inst.address} replication auto")])
        locations: list[Any] = []
        for managed in as_blocks(rep.get("user_managed")):
            locations.extend(r.get("location") for r in as_blocks(managed.get("replicas")))
        if len(locations) == 1:
            return None, _region("gcp", locations[0], f"{inst.address} replication.user_managed.replicas.location", line, inst.declared.file)
        if len(locations) > 1:
            shown = ", ".join(map(_show, locations))
            reason = f"user-managed replication to {shown}"
            return reason, Placement(value=",".join(map(_show, locations)), status="multi", reason=reason,
                                     evidence=[Evidence(file=inst.declared.file, line=line, note=f"{inst.address} replicas {shown}")])
    return None, Placement(status="unknown", reason=f"{inst.address} has no replication block the analyzer can read",
                           evidence=[Evidence(file=inst.declared.file, line=inst.declared.block.line, note=inst.address)])


GEO_REDUNDANT = {"GRS", "RAGRS", "GZRS", "RAGZRS"}


def azure_storage_redundancy(inst: ResourceInstance, region: Placement) -> tuple[str | None, Placement]:
    value = _attr(inst, "account_replication_type")
    if isinstance(value, str) and value.upper().replace("-", "") in GEO_REDUNDANT:
        return f"account_replication_type = {value}: data is copied to the paired region", region
    return None, region


MULTI_TESTS: dict[str, Callable[[ResourceInstance, Placement], tuple[str | None, Placement]]] = {
    "aws_kms_multi_region": aws_kms_multi_region,
    "always_multi": always_multi,
    "gcs_placement": gcs_placement,
    "gcp_secret_replication": gcp_secret_replication,
    "azure_storage_redundancy": azure_storage_redundancy,
}


# --- images ---------------------------------------------------------------------------

def images_and_unknowns(inst: ResourceInstance, attrs: list[str], form: str | None = None) -> tuple[list[str], list[str]]:
    """(image references, reasons for image references that are not known statically); `form` is
    how the attributes name images (catalog `image_form`, by default the type's own)."""
    if form is None:
        entry = catalog().get(inst.type)
        form = entry.image_form if entry is not None else "document"
    found: list[str] = []
    unknown: list[str] = []
    for attr in attrs:
        value = _document(inst, attr)
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if form == "helm_values":
            found.extend(_helm_images(value, values=attr == "values"))
        elif form == "registry_host":
            if isinstance(value, str) and value.strip():
                # a registry host, not an image: `host/*` (every image pulled through the cache)
                # keeps the host where image parsing looks for it (bare `public.ecr.aws` would
                # read as an image on docker.io)
                found.append(value.strip().split("://")[-1].rstrip("/") + "/*")
        else:
            _walk_images(value, found, unknown)
    return sorted(set(found)), sorted(set(unknown))


def _walk_images(value: Any, out: list[str], unknown: list[str] | None = None) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "image" and isinstance(item, str) and item:
                out.append(item)
            elif key == "image" and isinstance(item, Unknown) and unknown is not None:
                unknown.append(item.reason)
            else:
                _walk_images(item, out, unknown)
    elif isinstance(value, list):
        for item in value:
            _walk_images(item, out, unknown)


def _helm_images(value: Any, values: bool = False) -> list[str]:
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    # `set { name = "x.registry" }` next to `x.repository`: the image is pulled from that registry,
    # not from docker.io (the default of a repository without a host)
    registries = {item["name"].removesuffix(".registry"): item["value"] for item in items
                  if isinstance(item, dict) and isinstance(item.get("name"), str)
                  and item["name"].endswith(".registry") and isinstance(item.get("value"), str) and item["value"]}
    for item in items:
        if values and isinstance(item, dict):  # a values document read by structure (see _document)
            _walk_helm_values(item, out)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            name = item["name"]
            if (name.endswith("image") or name.endswith("image.repository") or name.endswith(".repository")) and isinstance(item.get("value"), str):
                registry = registries.get(name.removesuffix(".repository")) if name.endswith(".repository") else None
                out.append(f"{registry.rstrip('/')}/{item['value']}" if registry else item["value"])
        elif isinstance(item, str):
            try:
                loaded = yaml.safe_load(item)
            except yaml.YAMLError:
                continue
            _walk_helm_values(loaded, out)
    return out


def _walk_helm_values(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        repo = value.get("repository")
        if isinstance(repo, str) and ("/" in repo or "." in repo):
            registry = value.get("registry")
            out.append(f"{registry}/{repo}" if isinstance(registry, str) and registry else repo)
        image = value.get("image")
        if isinstance(image, str):
            out.append(image)
        for item in value.values():
            if isinstance(item, (dict, list)):
                _walk_helm_values(item, out)
    elif isinstance(value, list):
        for item in value:
            _walk_helm_values(item, out)


# --- control-plane endpoints ------------------------------------------------------------

def endpoints(inst: ResourceInstance, attrs: list[str]) -> list[str]:
    """Control-plane endpoints (registries.yaml `control_planes`, e.g. `dns:///org.us-east-2.union.ai`)
    named anywhere in the given attributes: Helm `values` documents, `set` blocks, env maps."""
    found: list[str] = []
    for attr in attrs:
        _walk_strings(_document(inst, attr), found)
    return sorted({text for value in found for text, _, _ in control_plane_regions(value)})


def _walk_strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _walk_strings(item, out)
