"""Paths as the CI systems read them: relative to the repository root.

A scan reports files relative to its scan root (`residency scan infra` says `live/main.tf`);
the JSON, CLI and Markdown formats show that root beside them. Code scanning (SARIF), test
reports (JUnit) and annotations (GitHub workflow commands) resolve a path against the
repository instead, so those formats get every path with the scan root's place in the
repository put in front: `infra/live/main.tf`, and a module the root calls from outside it
(`../../modules/bucket/main.tf`) as the repository path `modules/bucket/main.tf`, never an
absolute path of the scanning machine.

The repository root is the git work tree holding the scan root (see
:func:`analyzer.tree_guard.enclosing_work_tree`); without one, the working folder when the
scan root is inside it, else the scan root itself (nothing above it is read then).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path, PurePosixPath, PureWindowsPath

from analyzer.models import Evidence, Finding, Flow, InventoryRow, Placement, ProviderPlacement, ScanError, ScanReport
from analyzer.tree_guard import enclosing_work_tree

from ._common import fingerprint, posix_path

# the formats whose paths are resolved against the repository by the system reading them
REPOSITORY_FORMATS = frozenset({"sarif", "junit", "github", "gitlab"})


def repository_prefix(base: Path, cwd: Path | None = None) -> str:
    """Where the scan root `base` is in its repository, as a posix path ('' at the root)."""
    real = base.resolve()
    repository = enclosing_work_tree(real)
    if repository is None:
        here = (cwd or Path.cwd()).resolve()
        repository = here if real == here or here in real.parents else real
    relative = Path(os.path.relpath(real, repository)).as_posix()
    return "" if relative == "." else relative


def repository_path(file: str, prefix: str) -> str:
    """A report path (relative to the scan root) as a path from the repository root."""
    path = posix_path(file)
    if not prefix or _absolute(path):
        return path
    joined = posixpath.normpath(f"{prefix}/{path}")
    return "" if joined == "." else joined


def repository_root(root: str, prefix: str) -> str:
    """The repository root as the report shows its scan root: the root, len(prefix) folders up."""
    if not prefix:
        return root
    ups = "/".join([".."] * len(PurePosixPath(prefix).parts))
    return posixpath.normpath(f"{root.replace(chr(92), '/')}/{ups}")


def _absolute(path: str) -> bool:
    win = PureWindowsPath(path)
    return PurePosixPath(path).is_absolute() or (bool(win.drive) and win.is_absolute())


def repository_report(report: ScanReport) -> ScanReport:
    """The report with every path from the repository root (the same report when the scan root is it)."""
    prefix = report.repository_prefix
    if not prefix:
        return report

    def path(file: str) -> str:
        return repository_path(file, prefix)

    def evidence(items: list[Evidence]) -> list[Evidence]:
        return [e.model_copy(update={"file": path(e.file)}) for e in items]

    def placement(p: Placement) -> Placement:
        return p.model_copy(update={"evidence": evidence(p.evidence)})

    def flow(f: Flow) -> Flow:
        return f.model_copy(update={"region": placement(f.region), "account": placement(f.account)})

    def finding(f: Finding) -> Finding:
        # the fingerprint is the scan's own, whatever folder the scan was started from
        return f.model_copy(update={"file": path(f.file), "evidence": evidence(f.evidence),
                                    "fingerprint": fingerprint(f)})

    def row(r: InventoryRow) -> InventoryRow:
        return r.model_copy(update={"file": path(r.file), "region": placement(r.region),
                                    "account": placement(r.account), "flows": [flow(f) for f in r.flows]})

    def provider(p: ProviderPlacement) -> ProviderPlacement:
        return p.model_copy(update={"file": path(p.file), "region": placement(p.region),
                                    "account": placement(p.account)})

    def error(e: ScanError) -> ScanError:
        return e.model_copy(update={"file": path(e.file)})

    return report.model_copy(update={
        "root": repository_root(report.root, prefix),
        "repository_prefix": "",
        "findings": [finding(f) for f in report.findings],
        "inventory": [row(r) for r in report.inventory],
        "providers": [provider(p) for p in report.providers],
        "errors": [error(e) for e in report.errors],
    })
