"""What every root generator shares: the Root being built, seeded sampling helpers, the
names of a root's per-service files, and how one per-service file is assembled."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Callable

from ..text import T
from .hcl import join_blocks
from .vocab import DATASETS, SERVICES

CORE_FILES = ("versions.tf", "providers.tf", "variables.tf", "locals.tf", "main.tf", "outputs.tf")


@dataclass
class Root:
    team: str
    env: str
    cloud: str
    rng: random.Random
    modules_rel: str  # relative path from the root dir to modules/
    primary: str = ""
    dr: str = ""
    account_id: str = ""
    dr_account_id: str = ""
    enable_dr: bool = False
    names: dict[str, set[str]] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{self.team}-{self.env}"

    @property
    def is_prod(self) -> bool:
        return self.env.startswith("prod")


# (root, component name) -> the HCL of one component of a per-service file
ServiceGenerator = Callable[[Root, str], str]


def aws_account_id(rng: random.Random) -> str:
    return str(rng.randrange(10**11, 10**12))


def sample(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return sorted(rng.sample(pool, min(k, len(pool))))


def hcl_ident(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def component(template: str, *, name: str, **values: object) -> str:
    """One per-service component: ``template`` with ``__NAME__`` set to ``name`` and ``__ID__``
    to its HCL identifier form."""
    return join_blocks(T(template, id=hcl_ident(name), name=name, **values))


def service_names(rng: random.Random, kinds: list[str], count: int) -> list[tuple[str, str]]:
    """``count`` unique (kind, name) pairs for the per-service files of a root."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    pool = DATASETS + SERVICES
    while len(out) < count:
        kind = kinds[len(out) % len(kinds)] if len(out) < len(kinds) else rng.choice(kinds)
        name = rng.choice(pool)
        fname = f"{kind}-{name}.tf"
        if fname in seen:
            # deterministic disambiguation once the pool for a kind runs dry
            name = f"{name}{sum(1 for s in seen if s.startswith(f'{kind}-{name}'))+1}"
            fname = f"{kind}-{name}.tf"
            if fname in seen:
                continue
        seen.add(fname)
        out.append((kind, name))
    return out


# Suffixes for the companion components of a service file; chosen so that no
# generated identifier can collide with a generator's own fixed suffixes.
AUX_ROLES = ["intake", "outbox", "state", "jobs", "sink", "stage", "hotpath", "batch"]


def service_file(r: Root, generators: dict[str, ServiceGenerator], kind: str, name: str) -> str:
    """One per-service file: the main component of ``kind`` plus one or two
    companion components of other kinds (a queue next to its table, the IAM role
    next to its bucket, ...), as real stacks group things by service."""
    parts = [generators[kind](r, name)]
    others = [k for k in generators if k != kind]
    used = r.names.setdefault("aux", set())  # the same name can head files of two kinds
    roles = [role for role in AUX_ROLES if f"{name}-{role}" not in used]
    for role in r.rng.sample(roles, min(len(roles), 1 + (r.rng.random() < 0.5))):
        used.add(f"{name}-{role}")
        aux = r.rng.choice(others)
        parts.append(f"# {name} {role}: {aux} component\n" + generators[aux](r, f"{name}-{role}"))
    return join_blocks(*parts)
