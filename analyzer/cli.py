"""The `residency` command line."""

from __future__ import annotations

import gc
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Optional, TypeVar

import typer

from analyzer import __version__
from analyzer.policy import (
    Policy,
    PolicyError,
    find_policy,
    load_policy,
    policy_from_env,
)
from analyzer.terraform.variables import CliVar

if TYPE_CHECKING:
    from analyzer.helm import ChartOptions

app = typer.Typer(
    name="residency",
    help="Prove, before deployment, that a data plane keeps its data in one region and one cloud account.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
PATHS_HELP = ("Terraform roots, plan/state JSON, Helm charts (folders with Chart.yaml), rendered manifests, "
              "or a repository holding several.")
SCAN_FORMATS = ("cli", "json", "junit", "sarif", "github", "markdown", "gitlab")
INVENTORY_FORMATS = ("table", "json", "markdown")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"residency {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                         help="Show the version and exit.")] = None) -> None:
    """Static residency checks for the Terraform and Helm that create a data plane."""


def _cli_vars(argv: list[str]) -> list[CliVar]:
    """--var-file and --var in the order given on the command line (Terraform precedence)."""
    out: list[CliVar] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        for flag, kind in (("--var-file", "file"), ("--var", "var")):
            if arg == flag and i + 1 < len(argv):
                out.append(CliVar(kind, argv[i + 1]))
                i += 1
                break
            if arg.startswith(flag + "="):
                out.append(CliVar(kind, arg[len(flag) + 1:]))
                break
        i += 1
    return out


def _var_sources(var_file: list[str], var: list[str]) -> list[CliVar]:
    """--var-file/--var in command-line order (read from argv; typer groups them by option)."""
    return _cli_vars(sys.argv[1:]) or [CliVar("file", f) for f in var_file] + [CliVar("var", v) for v in var]


def _fail_usage(message: str) -> None:
    # plain echo: rich would wrap long file paths, and users grep these lines; values from the
    # tree (a policy file's content, a path) show control characters escaped
    from analyzer.report.escape import ci_inert, message_lines

    typer.echo(ci_inert(f"error: {message_lines(message)}", hash_escape="\\x23", colon_escape="\\x3a"), err=True)
    raise typer.Exit(2)


# Terraform and policy options, shared by the commands that scan
VarFileOption = Annotated[list[str], typer.Option("--var-file", help="Terraform -var-file, in order; repeatable.")]
VarOption = Annotated[list[str], typer.Option("--var", help="Terraform -var NAME=VALUE; repeatable.")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the parse cache.")]
RegionOption = Annotated[Optional[str], typer.Option(help="The one allowed region (overrides residency.yaml).")]
AccountOption = Annotated[list[str], typer.Option(help="An allowed account/project/subscription; repeatable.")]
ConfigOption = Annotated[Optional[Path], typer.Option(help="Policy file (default: residency.yaml found upward).")]
SkipCheckOption = Annotated[list[str], typer.Option("--skip-check", help="Rule ID to skip; repeatable or comma-separated.")]


# Helm options, shared by scan, inventory, report and baseline; they apply to every chart the scan renders
_CHARTS = "Applies to every Helm chart the scan renders."
ValuesOption = Annotated[list[str], typer.Option(
    "--values", "-v", help=f"Helm values file (helm -f), in order, later files win; repeatable. {_CHARTS} "
    "Relative to the working folder.")]
SetOption = Annotated[list[str], typer.Option(
    "--set", help=f"Helm --set K=V (typed: 1 is a number, true a bool); repeatable. {_CHARTS} As in Helm, "
    "values files come first, then every --set-json, every --set, every --set-string.")]
SetStringOption = Annotated[list[str], typer.Option(
    "--set-string", help=f"Helm --set-string K=V (the value stays a string); repeatable. {_CHARTS}")]
SetJsonOption = Annotated[list[str], typer.Option(
    "--set-json", help=f"Helm --set-json K=JSON; repeatable. {_CHARTS}")]
ReleaseOption = Annotated[str, typer.Option(
    "--release-name", help=f"Helm release name (.Release.Name). {_CHARTS}")]
NamespaceOption = Annotated[str, typer.Option(
    "--namespace", help=f"Kubernetes namespace (.Release.Namespace). {_CHARTS}")]
EngineOption = Annotated[str, typer.Option(
    "--helm-engine", help="How charts are rendered: auto (a `helm` on PATH, else the embedded Helm SDK), sdk, or "
    "binary. A helm inside the scanned tree is never run.")]
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")  # a DNS-1123 label, as Kubernetes requires


def _chart_options(paths: list[Path], values: list[str], sets: list[str], set_strings: list[str],
                   set_jsons: list[str], release: str, namespace: str, engine: str) -> ChartOptions:
    """The Helm options for every chart of the scan; exit 2 on a malformed flag. A values file that
    cannot be read is not checked here: it becomes a CKV_RES_9 finding on that file."""
    import dataclasses

    from analyzer.helm import ChartOptions
    from analyzer.helm.charts import DEFAULT_RELEASE, ValuesError, merge_values
    from analyzer.helm.engine import EngineError, select_renderer
    from analyzer.scan import _common_root

    if release != DEFAULT_RELEASE:  # Helm's own default is valid: a Terraform-only scan never loads the engine
        import helm_python

        try:
            helm_python.validate_release_name(release)
        except helm_python.HelmError as err:
            _fail_usage(f"--release-name {release}: {getattr(err, 'detail', None) or err}")
    if not _NAMESPACE.fullmatch(namespace):
        _fail_usage(f"--namespace {namespace}: not a Kubernetes namespace name (lowercase letters, digits and "
                    "'-', at most 63 characters, starting and ending with a letter or digit)")
    options = ChartOptions(values_files=tuple(Path(v) for v in values), sets=tuple(sets),
                           set_strings=tuple(set_strings), set_jsons=tuple(set_jsons), release=release,
                           namespace=namespace)
    try:  # a malformed --set* is a usage error once, not a finding per chart
        merge_values(dataclasses.replace(options, values_files=()))
    except ValuesError as err:
        _fail_usage(str(err))
    try:
        renderer, warning = select_renderer(engine, _common_root(paths))
    except EngineError as err:
        _fail_usage(str(err))
    if warning is not None:
        typer.echo(f"warning: {warning}", err=True)
    return dataclasses.replace(options, renderer=renderer)


def _policy(paths: list[Path], config: Optional[Path], region: Optional[str], accounts: list[str]) -> Policy:
    data: dict = {}
    policy = Policy()
    path = config or (find_policy(paths[0]) if paths else None)
    if config is not None and not config.is_file():
        _fail_usage(f"--config {config}: no such file")
    if path is not None:
        try:
            policy = load_policy(path)
        except PolicyError as err:
            _fail_usage(str(err))
    data.update(policy_from_env())
    if region:
        data["region"] = region
    if accounts:
        data["accounts"] = accounts
    if data:
        source = policy.source
        policy = policy.model_copy(update=data)
        policy.source = source
    return policy


def _progress(enabled: bool):
    """A one-line status on stderr (terminals only; never in JSON or CI logs)."""
    if not enabled or not sys.stderr.isatty():
        return None

    def show(root: str, index: int, total: int) -> None:
        end = "\n" if index + 1 == total else ""
        from analyzer.report.escape import visible  # a folder name must not drive the terminal

        sys.stderr.write(f"\r\033[Kscanning root {index + 1}/{total}: {visible(root)}{end}")
        sys.stderr.flush()

    return show


T = TypeVar("T")


def _scanned(call: Callable[[], T]) -> T:
    """Run a scan; a path with nothing to scan is a usage error (exit 2), never a clean pass."""
    from analyzer.scan import NothingToScan

    try:
        return call()
    except NothingToScan as err:
        _fail_usage(str(err))
        raise  # unreachable: _fail_usage exits


def _validate_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            _fail_usage(f"{path}: no such file or folder")


def _check_outputs(outputs: list[Path], paths: list[Path], flag: str = "--output") -> None:
    """Exit 2 before scanning when an output file cannot be written (a folder, a missing or
    read-only folder, a link planted in the scanned tree); `-` is stdout."""
    from analyzer.output_files import OutputError, check_output

    for output in outputs:
        if str(output) == "-":
            continue
        try:
            check_output(output, paths)
        except OutputError as err:
            _fail_usage(f"{flag} {err}")


def _changed_filter(paths: list[Path], ref: Optional[str]):
    """--changed-from: (the inventory filter keeping only the roots a change touches, the roots
    to evaluate), or (None, None) for a full scan. Exits 0 with a message when no root
    changed, 2 when git cannot tell."""
    if ref is None:
        return None, None
    from analyzer.changed import ChangedError, filter_inventory, select_roots
    from analyzer.scan import _common_root

    try:
        selection = select_roots(paths, _common_root(paths), ref)
    except ChangedError as err:
        _fail_usage(f"--changed-from {ref}: {err}")
    typer.echo(selection.describe(), err=True)
    if not selection.roots and not selection.plans:
        raise typer.Exit(0)
    keep = lambda inventory: filter_inventory(inventory, selection)  # noqa: E731
    return keep, frozenset(selection.roots)


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    region: RegionOption = None,
    account: AccountOption = [],
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    fmt: Annotated[list[str], typer.Option("--format", "-f", help=f"Output format: {', '.join(SCAN_FORMATS)}; repeatable.")] = [],
    output: Annotated[list[Path], typer.Option("--output", "-o", help="File for the matching --format (default stdout).")] = [],
    soft_fail: Annotated[bool, typer.Option("--soft-fail", help="Exit 0 even with findings.")] = False,
    skip_check: SkipCheckOption = [],
    no_cache: NoCacheOption = False,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="Baseline file (from `residency baseline`): "
                                                     "findings in it are reported as suppressed.")] = None,
    changed_from: Annotated[Optional[str], typer.Option("--changed-from", help="Pull-request mode: scan only the Terraform "
                                                        "roots whose files (or local modules) changed since this git ref.")] = None,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    helm_engine: EngineOption = "auto",
) -> None:
    """Scan Terraform, plans and Helm for residency findings (exit 0 clean, 1 findings, 2 usage/config error)."""
    from analyzer.baseline import BaselineError, apply_baseline, load_baseline
    from analyzer.output_files import OutputError, write_output
    from analyzer.report import render
    from analyzer.scan import ScanOptions, run_scan

    gc.disable()  # a one-shot process: rendering a large report need not pay for cycle collection

    _validate_paths(paths)
    helm = _chart_options(paths, values, set_, set_string, set_json, release_name, namespace, helm_engine)
    formats = fmt or ["cli"]
    for name in formats:
        if name not in SCAN_FORMATS:
            _fail_usage(f"unknown --format {name!r}; choose from {', '.join(SCAN_FORMATS)}")
    if len(output) > len(formats):
        _fail_usage("more --output files than --format values")
    _check_outputs(output, paths)
    accepted = None
    if baseline is not None:
        try:
            accepted = load_baseline(baseline)
        except BaselineError as err:
            _fail_usage(str(err))
    policy = _policy(paths, config, region, account)
    keep, only_roots = _changed_filter(paths, changed_from)
    skips = {s.strip() for item in skip_check for s in item.split(",") if s.strip()}
    options = ScanOptions(cli_vars=_var_sources(var_file, var),
                          skip_checks=skips, use_cache=not no_cache,
                          progress=_progress("json" not in formats or bool(output)), inventory_filter=keep,
                          only_roots=only_roots, helm=helm)
    report = _scanned(lambda: run_scan(paths, policy, options))
    for stale in report.unused_exceptions:  # stderr: every --format on stdout stays parseable
        typer.echo(f"warning: {stale.file or 'residency.yaml'}:{stale.line}: exception {stale.rule} "
                   f"{stale.address!r} matched no finding; remove it if it is stale", err=True)
    if accepted is not None and baseline is not None:
        apply_baseline(report, accepted, str(baseline))
    unwritten = False
    for index, name in enumerate(formats):
        text = render(name, report)
        if index < len(output) and str(output[index]) != "-":
            try:
                write_output(output[index], text, paths)
            except OutputError as err:  # checked before the scan; the other outputs are still written
                typer.echo(f"error: --output {err}", err=True)
                unwritten = True
        else:
            sys.stdout.write(text)
    if unwritten:
        raise typer.Exit(2)
    if report.active_findings() and not soft_fail:
        raise typer.Exit(1)


@app.command()
def inventory(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(INVENTORY_FORMATS)}.")] = "table",
    var_file: VarFileOption = [],
    var: VarOption = [],
    no_cache: NoCacheOption = False,
    changed_from: Annotated[Optional[str], typer.Option("--changed-from", help="Pull-request mode: scan only the Terraform "
                                                        "roots whose files (or local modules) changed since this git ref.")] = None,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    helm_engine: EngineOption = "auto",
) -> None:
    """Print the residency map: every located resource with region, account and evidence."""
    from analyzer.inventory_view import render_inventory
    from analyzer.scan import ScanOptions, build_inventory

    _validate_paths(paths)
    helm = _chart_options(paths, values, set_, set_string, set_json, release_name, namespace, helm_engine)
    if fmt not in INVENTORY_FORMATS:
        _fail_usage(f"unknown --format {fmt!r}; choose from {', '.join(INVENTORY_FORMATS)}")
    keep, only_roots = _changed_filter(paths, changed_from)
    options = ScanOptions(cli_vars=_var_sources(var_file, var),
                          use_cache=not no_cache, progress=_progress(fmt != "json"), inventory_filter=keep, only_roots=only_roots,
                          helm=helm)
    result, _files, base = _scanned(lambda: build_inventory(paths, options))
    sys.stdout.write(render_inventory(result, fmt, str(base)))


@app.command("report")
def report_cmd(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or html.")] = "markdown",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default stdout).")] = None,
    region: RegionOption = None,
    account: AccountOption = [],
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    no_cache: NoCacheOption = False,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    helm_engine: EngineOption = "auto",
) -> None:
    """Write a reviewer's residency report: resources by data classification, their placement
    evidence and findings, and the command that confirms each placement after deployment."""
    from analyzer.output_files import OutputError, write_output
    from analyzer.review import REVIEW_FORMATS, render_review
    from analyzer.scan import ScanOptions, run_scan

    _validate_paths(paths)
    helm = _chart_options(paths, values, set_, set_string, set_json, release_name, namespace, helm_engine)
    if fmt not in REVIEW_FORMATS:
        _fail_usage(f"unknown --format {fmt!r}; choose from {', '.join(REVIEW_FORMATS)}")
    _check_outputs([output] if output is not None else [], paths)
    policy = _policy(paths, config, region, account)
    options = ScanOptions(cli_vars=_var_sources(var_file, var),
                          use_cache=not no_cache, progress=_progress(output is not None), helm=helm)
    text = render_review(_scanned(lambda: run_scan(paths, policy, options)), fmt)
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    try:
        write_output(output, text, paths)
    except OutputError as err:
        _fail_usage(f"--output {err}")
    typer.echo(f"wrote {output}", err=True)


@app.command("checkov-dir")
def checkov_dir() -> None:
    """Print the folder to pass to `checkov --external-checks-dir` to run these rules in checkov."""
    import analyzer.rules

    typer.echo(os.path.dirname(analyzer.rules.__file__))


@app.command("baseline")
def baseline_cmd(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path("residency-baseline.json"),
    region: RegionOption = None,
    account: AccountOption = [],
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    skip_check: SkipCheckOption = [],
    no_cache: NoCacheOption = False,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    helm_engine: EngineOption = "auto",
) -> None:
    """Write the current active findings' fingerprints to a baseline file for `scan --baseline`."""
    from analyzer.baseline import baseline_from_report, dump_baseline
    from analyzer.output_files import OutputError, write_output
    from analyzer.scan import ScanOptions, run_scan

    _validate_paths(paths)
    helm = _chart_options(paths, values, set_, set_string, set_json, release_name, namespace, helm_engine)
    _check_outputs([output], paths)
    policy = _policy(paths, config, region, account)
    skips = {s.strip() for item in skip_check for s in item.split(",") if s.strip()}
    options = ScanOptions(cli_vars=_var_sources(var_file, var),
                          skip_checks=skips, use_cache=not no_cache, progress=_progress(True), helm=helm)
    report = _scanned(lambda: run_scan(paths, policy, options))
    accepted = baseline_from_report(report)
    try:
        write_output(output, dump_baseline(accepted), paths)
    except OutputError as err:
        _fail_usage(f"--output {err}")
    typer.echo(f"wrote {len(accepted.findings)} finding fingerprint(s) to {output}")


@app.command("init")
def init_cmd(
    path: Annotated[Path, typer.Argument(help="The Terraform root (or repository) to infer the policy from.")] = Path("."),
    output: Annotated[Optional[Path], typer.Option("--output", "-o",
                                                   help="Policy file to write (default: residency.yaml in PATH).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    var_file: VarFileOption = [],
    var: VarOption = [],
    no_cache: NoCacheOption = False,
) -> None:
    """Write a starter residency.yaml with the region and accounts inferred from the tree."""
    from analyzer.init_policy import infer_policy, render_policy
    from analyzer.output_files import OutputError, check_output, write_output
    from analyzer.policy import POLICY_FILE
    from analyzer.scan import ScanOptions, build_inventory

    _validate_paths([path])
    target = output or ((path if path.is_dir() else path.parent) / POLICY_FILE)
    try:  # the policy is the tool's own file: never written through a link, wherever it points
        check_output(target, [path], follow_links=False)
    except OutputError as err:
        _fail_usage(str(err))
    if target.exists() and not force:
        _fail_usage(f"{target} already exists; pass --force to overwrite it")
    options = ScanOptions(cli_vars=_var_sources(var_file, var),
                          use_cache=not no_cache, progress=_progress(True))
    inventory, _files, _base = _scanned(lambda: build_inventory([path], options))
    inferred = infer_policy(inventory)
    try:
        write_output(target, render_policy(inferred, path.as_posix()), [path], follow_links=False, exclusive=not force)
    except OutputError as err:
        _fail_usage(str(err))
    typer.echo(f"wrote {target}: region {inferred.region or '(not inferred)'}, "
               f"accounts {', '.join(inferred.accounts) or '(none inferred)'}")
