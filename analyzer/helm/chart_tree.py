"""A chart folder vetted before Helm's loader reads it.

Helm's loader follows every symlink it meets, wherever it leads, and blocks on a named pipe. So
the tree is walked first (os.walk, links not followed): a symlink that leaves the scanned tree
(a monorepo's `charts/common -> ../../lib/common` stays inside it and is fine), loops or
dangles, and a file that is not a regular file, is a problem on that path and the chart is not
rendered. An analyzer must never read files outside what it was asked to scan into its reports.
Messages name the link relative to the chart with its target as written (resolved against the
chart when it is an absolute path into it), never the scanning machine's folders.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from analyzer.tree_guard import Boundary, special_file_kind


def vet_chart_tree(chart_dir: Path, scan_root: Boundary | Path | None = None) -> list[tuple[str, int, str]]:
    """(path relative to the chart, line, message) for every entry Helm's loader must not be given:
    a symlink that leaves the boundary (scan_root; default: the chart) or leads into a `.git` folder,
    loops or dangles, and a file that is not a regular file. Inside/outside is the shared rule of
    analyzer/tree_guard.py. Nothing is read but folder listings and link texts; [] when the chart
    can be loaded."""
    try:
        root = chart_dir.resolve()
    except (OSError, RuntimeError):  # the chart folder itself is a looping link: helm reports it
        return []
    try:
        allowed = scan_root.root if isinstance(scan_root, Boundary) else (
            scan_root.resolve() if scan_root is not None else root)
    except (OSError, RuntimeError):
        allowed = root
    if not root.is_relative_to(allowed):
        allowed = root
    boundary = Boundary(allowed)
    problems: list[tuple[str, int, str]] = []
    folder_links: list[tuple[Path, Path, str]] = []  # (the link as a path in the chart, its target, its text)
    for folder, dirs, files in os.walk(root):  # not following links: each is vetted, not entered
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(folder, name)
            where = path.relative_to(root).as_posix()
            try:
                mode = os.lstat(path).st_mode
            except OSError:  # gone while walking; helm reports it if it is still missing
                continue
            kind = special_file_kind(path)
            if kind is not None:
                problems.append((where, 0, f"{where} is {kind}, not a regular file; chart not rendered"))
            elif stat.S_ISLNK(mode):
                try:
                    text = os.readlink(path)
                except OSError:  # gone while walking
                    continue
                checked = _vet_link(path, text, root, boundary)
                if isinstance(checked, str):
                    problems.append((where, 0, checked))
                elif checked.is_dir():
                    folder_links.append((path, checked, text))
    problems.extend(_folder_link_loops(folder_links, root))
    return sorted(problems)


def _vet_link(link: Path, text: str, root: Path, boundary: Boundary) -> str | Path:
    """The problem with one symlink (whose link text is text), or its resolved target in the chart."""
    where = f"{link.relative_to(root).as_posix()} -> {_shown(text, root)}"
    loop = f"symlink loop: {where} never reaches a file or folder; chart not rendered"
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # how Python < 3.13 reports a loop
        return loop
    except OSError as err:
        if err.errno == errno.ELOOP:
            return loop
        if err.errno == errno.ENOENT:
            return f"dangling symlink: {where} points at nothing; chart not rendered"
        return f"symlink {where} cannot be followed: {err.strerror}; chart not rendered"
    if target.is_relative_to(boundary.root) and not boundary.contains(target):
        return (f"symlink {link.relative_to(root).as_posix()} leads into a .git folder (-> {text}): repository "
                "internals and credentials are never read; chart not rendered")
    if not boundary.contains(target):
        outside = "the chart" if boundary.root == root else "the scanned folder"
        return f"symlink {link.relative_to(root).as_posix()} points outside {outside} (-> {text}); chart not rendered"
    return target


def _folder_link_loops(links: list[tuple[Path, Path, str]], root: Path) -> list[tuple[str, int, str]]:
    """Links to folders inside the chart that lead (directly or through other links) back to a
    folder holding them: Helm's walk would follow them until the path grows too long."""
    loops: list[tuple[str, int, str]] = []
    for link, target, text in links:
        where = link.relative_to(root).as_posix()
        pending: list[tuple[Path, tuple[str, ...]]] = [(target, ())]
        seen = {target}
        while pending:
            folder, via = pending.pop()
            if link.is_relative_to(folder):
                how = ("points at a folder that contains it" if not via else
                       f"leads back to a folder that contains it through {', '.join(via)}")
                loops.append((where, 0, f"symlink loop: {where} -> {_shown(text, root)} {how}; chart not rendered"))
                break
            for other, other_target, _ in links:
                if other != link and other.is_relative_to(folder) and other_target not in seen:
                    seen.add(other_target)
                    pending.append((other_target, (*via, other.relative_to(root).as_posix())))
    return loops


def _shown(text: str, root: Path) -> str:
    """A link's target as written, or relative to the chart when it is an absolute path into it
    (a scanning machine's folders never reach a report)."""
    if not os.path.isabs(text):
        return text
    target = Path(os.path.realpath(text))  # realpath stops at a loop instead of raising
    if target.is_relative_to(root):
        return f"{target.relative_to(root).as_posix()} (in the chart)"
    return text
