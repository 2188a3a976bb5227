"""An existing Terraform tree given with ``--tree DIR``: the files the parse floors read and
the counts the table shows. Nothing in the tree is copied or changed."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# the HCL native syntax both parse floors read; JSON syntax (.tf.json) is left to the scanners
HCL_SUFFIXES = (".tf", ".tfvars")


@dataclass
class TreeStats:
    path: str
    tf_files: int = 0
    tf_lines: int = 0
    tfvars_files: int = 0
    tfvars_lines: int = 0
    bytes: int = 0


def tree_files(root: Path) -> list[Path]:
    """Regular ``.tf``/``.tfvars`` files under ``root``, sorted; symlinks and ``.terraform``
    folders are skipped (a scanner does not read them either)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):  # followlinks=False: a linked folder is not entered
        dirs[:] = sorted(d for d in dirs if d != ".terraform")
        for name in files:
            path = Path(folder, name)
            if path.suffix in HCL_SUFFIXES and not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found)


def tree_stats(root: Path, files: list[Path]) -> TreeStats:
    st = TreeStats(path=str(root))
    for path in files:
        data = path.read_bytes()
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        st.bytes += len(data)
        if path.suffix == ".tf":
            st.tf_files, st.tf_lines = st.tf_files + 1, st.tf_lines + lines
        else:
            st.tfvars_files, st.tfvars_lines = st.tfvars_files + 1, st.tfvars_lines + lines
    return st
