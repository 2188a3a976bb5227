from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # tests never share the user's parse cache, and TF_VAR_* from the machine never leak in
    monkeypatch.setenv("RESIDENCY_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "residency-cache"))
    for key in list(os.environ):
        if key.startswith("TF_VAR_") or key.startswith("RESIDENCY_REGION") or key == "RESIDENCY_ACCOUNTS":
            monkeypatch.delenv(key, raising=False)
