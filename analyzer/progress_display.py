"""A progress bar on stderr while a scan walks its Terraform roots (rich's Progress), only when
stderr is a terminal: never in CI logs, pipes or machine-readable output."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analyzer.report.escape import visible

ProgressCallback = Callable[[str, int, int], None]


@contextmanager
def scan_progress(enabled: bool, console: Console | None = None) -> Iterator[ProgressCallback | None]:
    """Yields the (root, index, total) callback ScanOptions.progress takes, or None when there is no
    terminal to show it on. The bar is removed when the scan ends (transient)."""
    console = console or Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as progress:
        task = progress.add_task("", total=None)

        def show(root: str, index: int, total: int) -> None:
            # a folder name must not drive the terminal (escape.visible); markup in it is not read
            progress.update(task, total=total, completed=index, description=visible(root).replace("[", r"\["))

        yield show
