"""What every input finder skips when it walks a tree (one list for every input kind)."""

from __future__ import annotations

# VCS data, Terraform's own download cache (read only through modules.json), tool caches
SKIPPED_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__", ".residency-cache"})
