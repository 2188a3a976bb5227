"""The vocabulary of inventory kinds (analyzer/data/kinds.yaml) and their flags.

Every layer that treats kinds differently (the rules, Helm references, the cross-check, region
inference, the review) asks a kind's flags here instead of keeping its own list of names.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from analyzer.data import load_data

ReviewGroup = Literal["bulk", "inline", "compute", "keys", "flows"]


class Kind(BaseModel):
    """One inventory kind and what it means (see kinds.yaml for each flag)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    located: bool = False
    matched_by_name: bool = False
    infers_region: bool = False
    names_region: bool = False
    names_account: bool = False
    object: bool = False
    review: ReviewGroup = "flows"

    @property
    def region_judged(self) -> bool:
        """CKV_RES_1 judges the row's own region."""
        return self.located or self.names_region

    @property
    def account_judged(self) -> bool:
        """CKV_RES_2/5 judge the row's own account."""
        return self.located or self.names_account


@cache
def kinds() -> dict[str, Kind]:
    """Every kind of the vocabulary, by name, in the data file's order."""
    return {name: Kind(name=name, **(spec or {})) for name, spec in load_data("kinds.yaml").items()}


def kind_of(name: str) -> Kind:
    """The kind of that name; a name outside the vocabulary has no flag set (tests keep the
    catalog and the Helm reference data inside it)."""
    return kinds().get(name) or Kind(name=name)


def names(flag: str) -> tuple[str, ...]:
    """The names of the kinds with a flag (or property) set, in vocabulary order."""
    return tuple(k.name for k in kinds().values() if getattr(k, flag))
