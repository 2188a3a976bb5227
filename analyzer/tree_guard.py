"""The one rule every input format follows: nothing outside the scanned tree is read.

`residency` runs on pull requests from people who cannot be trusted, on runners with
credentials on disk. A committed symlink, a module source, a `modules.json` entry, a values
file or a schema reference could otherwise pull `~/.aws/credentials` into a report. So every
path the analyzer is about to read because the *tree* says so goes through a `Boundary`:

- The boundary is the enclosing repository's work tree (the nearest folder at or above the
  scan path that holds `.git`), else the scanned folder itself. A monorepo root's
  `../../modules` is inside it; the runner's home folder is not. Reading files of the
  repository grants nothing: the pull request's author wrote them.
- Inside the boundary, `.git` folders are refused too (`actions/checkout` keeps the job's
  token in `.git/config`).
- A path is judged by where it *resolves*, so a symlink is followed only when its target is
  inside; a loop or a dangling link is a problem of its own.
- Only regular files are read, opened without blocking (a FIFO named `main.tf` must not hang
  the scan) and never past a size cap.

Files the operator names on the command line (`--var-file`, `--values`, `--config`) may live
anywhere, but not through a link planted inside the repository: see `operator_file`.
Messages never contain a resolved path outside the boundary, only the link text as written.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 8 * 1024 * 1024

_SPECIAL = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
            stat.S_IFBLK: "a block device"}


class RefusedPath(ValueError):
    """A path the analyzer will not read, with a reason fit for a CKV_RES_9 message."""


def _lexical(path: Path) -> Path:
    """Absolute and normalised without touching the filesystem (`a/../b` -> `b`)."""
    return Path(os.path.normpath(os.path.abspath(path)))


def enclosing_work_tree(path: Path) -> Path | None:
    """The nearest folder at or above path (resolved) holding a `.git` entry, if any."""
    try:
        start = path.resolve()
    except (OSError, RuntimeError):
        return None
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


@dataclass(frozen=True)
class Boundary:
    """The folder nothing is read outside of (resolved, absolute)."""

    root: Path
    # False when no enclosing repository was found and the scanned folder itself is the boundary
    repository: bool = True
    # Folder (absolute, as written) -> where it resolves: a scan resolves thousands of files in a
    # few hundred folders, and resolving each file's every ancestor again was ~30k lstat calls.
    _folders: dict[Path, Path] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def for_scan(cls, path: Path) -> "Boundary":
        """The boundary for one scan path: its repository's work tree, else the path itself."""
        found = enclosing_work_tree(path)
        if found is not None:
            return cls(found)
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            real = _lexical(path)
        return cls(real if real.is_dir() else real.parent, repository=False)

    def contains(self, real: Path) -> bool:
        """Whether a resolved path is inside the boundary and not inside a `.git` folder."""
        if not real.is_relative_to(self.root):
            return False
        return ".git" not in real.relative_to(self.root).parts

    def resolve(self, path: Path, *, shown: str | None = None) -> Path:
        """Where path really is, when that is inside the boundary; else RefusedPath saying why.

        `shown` names the path in messages (default: the path as given)."""
        real = self._resolve_in_known_folder(Path(path))
        if real is None:
            real = self._resolve_uncached(path, shown)
        if not self.contains(real):
            raise RefusedPath(_outside_message(path, shown if shown is not None else str(path), real, self))
        return real

    def real_folder(self, folder: Path) -> Path | None:
        """Where an absolute folder resolves (cached per folder); None if it cannot be resolved."""
        real_folder = self._folders.get(folder)
        if real_folder is None:
            try:
                real_folder = folder.resolve(strict=True)
            except (OSError, RuntimeError):
                return None
            self._folders[folder] = real_folder
        return real_folder

    def _resolve_in_known_folder(self, path: Path) -> Path | None:
        """Where path resolves, by its folder's cached resolution plus one lstat of its own name
        (which must not be a link); None when that shortcut does not apply. realpath(dir/name) is
        realpath(realpath(dir)/name) for an ordinary name, which is all this relies on."""
        folder, name = path.parent, path.name
        if not folder.is_absolute() or name in ("", ".", ".."):
            return None
        real_folder = self.real_folder(folder)
        if real_folder is None:
            return None  # the full resolution below says why
        candidate = real_folder / name
        try:
            if stat.S_ISLNK(os.lstat(candidate).st_mode):
                return None
        except OSError:
            return None
        return candidate

    def _resolve_uncached(self, path: Path, shown: str | None) -> Path:
        name = shown if shown is not None else str(path)
        try:
            real = Path(path).resolve(strict=True)
        except RuntimeError:  # how Python < 3.13 reports a symlink loop
            raise RefusedPath(f"symlink loop: {name} never reaches a file or folder; not analyzed") from None
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise RefusedPath(f"symlink loop: {name} never reaches a file or folder; not analyzed") from None
            if err.errno == errno.ENOENT and os.path.islink(path):
                raise RefusedPath(f"dangling symlink: {name} -> {_link_text(path)} points at nothing; not analyzed") from None
            if err.errno == errno.ENOENT:
                raise RefusedPath(f"{name} does not exist") from None
            raise RefusedPath(f"{name} cannot be read: {err.strerror}") from None
        return real

    def read_bytes(self, path: Path, *, shown: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
        """The bytes of a file inside the boundary: a regular file, at most max_bytes."""
        return read_regular_file(self.resolve(path, shown=shown), shown if shown is not None else str(path), max_bytes)

    def is_inside(self, path: Path) -> bool:
        """True when path resolves inside the boundary (loops, dangling links: False)."""
        try:
            self.resolve(path)
        except RefusedPath:
            return False
        return True


def read_regular_file(real: Path, shown: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a file that must be a regular file of at most max_bytes, without ever blocking.

    Opened with O_NONBLOCK and checked with fstat on the open descriptor, so a FIFO or a
    device swapped in after a check is still refused and never read."""
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise RefusedPath(f"{shown} cannot be read: {err.strerror}") from None
    try:
        info = os.fstat(fd)
        kind = _SPECIAL.get(stat.S_IFMT(info.st_mode))
        if kind is not None:
            raise RefusedPath(f"{shown} is {kind}, not a regular file; never read, not analyzed")
        if stat.S_ISDIR(info.st_mode):
            raise RefusedPath(f"{shown} is a folder, not a file")
        if info.st_size > max_bytes:
            raise RefusedPath(f"{shown} is {info.st_size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB "
                              "limit for one file; not analyzed")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:  # grew while being read
            raise RefusedPath(f"{shown} is over the {max_bytes / 1048576:.0f} MB limit for one file; not analyzed")
        return data
    finally:
        os.close(fd)


def special_file_kind(path: Path) -> str | None:
    """'a named pipe', 'a socket', ... for a non-regular file (not following links), else None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return _SPECIAL.get(stat.S_IFMT(mode))


def operator_file(path: Path, boundary: Boundary, *, what: str) -> Path:
    """A file named on the command line (`--var-file`, `--values`, `--config`): it may live
    anywhere the operator chose, but a path inside the repository must not lead out of it
    through a link the repository planted. Returns the real path; RefusedPath otherwise."""
    given = _lexical(path)
    if given.is_relative_to(boundary.root) or _is_inside_after_links(given, boundary):
        return boundary.resolve(path, shown=f"{what} {path}")
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as err:
        reason = getattr(err, "strerror", None) or "cannot be followed"
        raise RefusedPath(f"{what} {path}: {reason}") from None
    return real


def _is_inside_after_links(given: Path, boundary: Boundary) -> bool:
    """True when the folder holding a lexically-outside path resolves into the boundary
    (e.g. the boundary reached through a symlinked working directory)."""
    try:
        return given.parent.resolve().is_relative_to(boundary.root)
    except (OSError, RuntimeError):
        return False


def _link_text(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _outside_message(path: Path, name: str, real: Path, boundary: Boundary) -> str:
    if real.is_relative_to(boundary.root):  # inside, but within .git
        return f"{name} leads into a .git folder (repository internals and credentials are never read); not analyzed"
    link = _first_link(path)
    if link is not None:
        return (f"symlink {name} points outside the scanned tree (-> {_link_text(link)}); never read, not analyzed "
                "(the analyzer reads nothing outside the repository it scans)")
    if not boundary.repository:
        return (f"{name} is outside the scanned tree; never read, not analyzed (no enclosing git repository, so the "
                "scanned folder is the boundary: scan the repository's top folder to include it)")
    return f"{name} is outside the scanned tree; never read, not analyzed (the analyzer reads nothing outside the repository it scans)"


def _first_link(path: Path) -> Path | None:
    """The path itself or its nearest ancestor that is a symlink (what made it leave)."""
    current = _lexical(path)
    for candidate in (current, *current.parents):
        if os.path.islink(candidate):
            return candidate
    return None
