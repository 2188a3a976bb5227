"""Terraform roots in a scanned tree: folders with .tf files that no scanned folder calls."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.terraform.loader import SourceTree
from analyzer.terraform.sources import is_local_source, static_source


def find_roots(tree: SourceTree) -> list[Path]:
    called: set[Path] = set()
    for folder, bodies in tree.files.items():
        for body in bodies:
            for block in body.blocks:
                if block.type != "module":
                    continue
                source = static_source(block)
                if source and is_local_source(source):
                    target = Path(os.path.normpath(folder / source))
                    if target != folder:
                        called.add(target)
    folders = [f for f, bodies in tree.files.items() if bodies and any(b.path.endswith((".tf", ".tf.json")) for b in bodies)]
    return sorted(f for f in folders if f not in called)
