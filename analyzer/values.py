"""Runtime values of the Terraform evaluator.

A value is None, bool, int, float, str, list, dict or Unknown. Unknown is explicit and
propagates through every operation: the analyzer never guesses a string for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known statically; `reason` says why (shown to users)."""

    reason: str
    # address of the resource whose computed attribute this is (lets placement follow
    # `aws_s3_bucket.replica.arn` to the replica bucket without knowing the ARN)
    origin: str | None = None
    # a string template with unknown parts: its literal parts and the Unknowns (holes) between
    # them, so a name built as `"replica-${random_pet.this.id}"` matches the resource named the
    # same way (analyzer/terraform/name_templates.py); not part of equality
    template: tuple[Union[str, "Unknown"], ...] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"(unknown: {self.reason})"


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def first_unknown(*values: Any) -> Unknown | None:
    """The first Unknown among values, looking inside lists and dicts."""
    for value in values:
        found = _find_unknown(value)
        if found is not None:
            return found
    return None


def _find_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        for item in value:
            found = _find_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, dict):
        for item in value.values():
            found = _find_unknown(item)
            if found is not None:
                return found
    return None


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def to_display(value: Any) -> str:
    """A short human rendering of a value for messages and evidence."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
