"""Finding the executables the benchmark runs, and what they support."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def find_tool(name: str, override: str | None) -> str | None:
    """``override`` if given, else ``name`` next to this interpreter (the venv), else on PATH."""
    if override:
        return override
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    return shutil.which(name)


def on_path(name: str, env: dict[str, str] | None = None) -> str | None:
    """``name`` as a child started with ``env`` would find it (only PATH, nothing else)."""
    return shutil.which(name, path=(env if env is not None else os.environ).get("PATH"))


def help_lists_option(cmd: list[str], option: str, timeout: float = 60.0) -> bool:
    """Does ``cmd --help`` mention ``option`` (e.g. ``--values``)? False if it cannot run."""
    try:
        proc = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=dict(os.environ, COLUMNS="200", NO_COLOR="1"))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", proc.stdout + proc.stderr) is not None
