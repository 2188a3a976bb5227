"""Deterministic generator of large, realistic Terraform estates (AWS-heavy, some GCP and
Azure roots, shared modules nested three deep, aliased providers passed two modules down).

Layout: ``hcl`` (text helpers), ``vocab`` (names), ``modules_*`` and ``modules`` (the shared
modules), ``roots`` (what root generators share), ``aws``/``gcp``/``azure`` (roots and their
per-service files), ``generate`` (writing an estate)."""
from __future__ import annotations

from .generate import DEFAULT_SEED, GENERATOR_VERSION, EstateStats, estate_files, generate_estate
from .modules import MODULE_FILE_COUNT
from .roots import CORE_FILES

__all__ = ["CORE_FILES", "DEFAULT_SEED", "GENERATOR_VERSION", "MODULE_FILE_COUNT", "EstateStats", "estate_files",
           "generate_estate"]
