"""Files the CLI writes (reports, baselines, `init`'s policy): checked before the scan, written
without following a link the scanned repository planted.

A report path is the operator's choice, so `-o /dev/stdout` or a link outside the scanned
tree is honoured; but a link (or a folder link) inside a scanned tree is the repository's
choice, and writing through it would let a pull request overwrite any file the CI runner can.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class OutputError(Exception):
    """An output path that cannot or must not be written; the message names the path."""


def _inside(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _scan_folders(scan_paths: list[Path]) -> list[Path]:
    """Each scanned folder, lexically and resolved (a file path stands for its folder)."""
    out: list[Path] = []
    for path in scan_paths:
        for form in (Path(os.path.abspath(path)), path.resolve()):
            out.append(form.parent if form.is_file() else form)
    return out


def check_output(path: Path, scan_paths: list[Path], *, follow_links: bool = True) -> None:
    """Raise OutputError unless `path` can be written as a file: an existing folder, a path
    under a file, a read-only folder, an unwritable file, or a link planted in a scanned tree
    is refused (a missing folder is fine: it is created when the file is written).
    `follow_links=False` refuses a link anywhere (for files the tool owns, like residency.yaml)."""
    folders = _scan_folders(scan_paths)
    lexical = Path(os.path.abspath(path))
    parent = lexical.parent
    if os.path.islink(lexical) and (not follow_links or _inside(parent.resolve(), folders)):
        raise OutputError(f"{path}: is a symbolic link; refusing to write through it")
    if _inside(parent, folders) and not _inside(parent.resolve(), folders):
        raise OutputError(f"{path}: its folder leaves the scanned tree through a symbolic link; refusing to write there")
    if lexical.is_dir():
        raise OutputError(f"{path}: is a folder, not a file")
    # missing folders are created when written (CI writes `out/junit.xml` into a fresh checkout),
    # so the nearest existing one must be a writable folder
    existing = next(folder for folder in (parent, *parent.parents) if os.path.lexists(folder))
    if not existing.is_dir():
        raise OutputError(f"{path}: {existing} is not a folder")
    if os.path.lexists(lexical):
        _check_existing(path, lexical)
    elif not os.access(existing, os.W_OK | os.X_OK) or os.statvfs(existing).f_flag & os.ST_RDONLY:
        raise OutputError(f"{path}: folder {existing} is not writable")


def _check_existing(path: Path, lexical: Path) -> None:
    if not os.path.exists(lexical):
        return  # a dangling link outside the tree: writing creates its target
    try:
        mode = os.stat(lexical).st_mode
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
    if not stat.S_ISREG(mode):  # /dev/stdout, a pipe: writable if the operator says so
        if not os.access(lexical, os.W_OK):
            raise OutputError(f"{path}: not writable")
        return
    try:  # a real attempt (root passes access() checks a read-only file system refuses)
        os.close(os.open(lexical, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)))
    except OSError as err:
        raise OutputError(f"{path}: not writable: {err.strerror or err}") from None


def write_output(path: Path, text: str, scan_paths: list[Path], *, follow_links: bool = True,
                 exclusive: bool = False) -> None:
    """Write `text` to `path` (checked again: the tree may have changed during the scan).
    `exclusive` fails if the file exists. Raises OutputError."""
    check_output(path, scan_paths, follow_links=follow_links)
    lexical = Path(os.path.abspath(path))
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_EXCL if exclusive else os.O_TRUNC
    if not follow_links or _inside(lexical.parent.resolve(), _scan_folders(scan_paths)):
        flags |= getattr(os, "O_NOFOLLOW", 0)  # a link planted between the check and now
    try:
        lexical.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lexical, flags, 0o666)
    except OSError as err:
        if exclusive and isinstance(err, FileExistsError):
            raise OutputError(f"{path}: already exists") from None
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
    try:
        # backslashreplace: a lone surrogate from a hostile name must not lose the whole report
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
