"""Text templates shared by the generators: dedented blocks with ``__NAME__`` placeholders."""
from __future__ import annotations

import re
import textwrap

_PLACEHOLDER = re.compile(r"__([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)__")


def T(template: str, **values: object) -> str:
    """Dedent ``template`` and substitute ``__NAME__`` placeholders (``name=`` kwargs)."""
    text = textwrap.dedent(template).strip("\n")

    def sub(m: re.Match[str]) -> str:
        key = m.group(1).lower()
        if key not in values:
            raise KeyError(f"template placeholder __{m.group(1)}__ has no value")
        return str(values[key])

    return _PLACEHOLDER.sub(sub, text)
