"""The `residency` command line."""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup

try:  # typer vendors click since 0.2x: its own classes are the ones it raises and catches
    from typer._click import core as click_core
    from typer._click.exceptions import UsageError
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - an older typer on plain click
    from click import core as click_core  # type: ignore[no-redef]
    from click.exceptions import UsageError  # type: ignore[assignment,no-redef]
    from click.globals import get_current_context  # type: ignore[assignment,no-redef]

from analyzer import __version__
from analyzer.cli_habits import habit_error
from analyzer.gating import FailPolicy, SelectorError, skipped_rules, split_selectors, validate
from analyzer.policy import (
    Policy,
    PolicyError,
    find_policy,
    load_policy,
    policy_from_env,
)
from analyzer.progress_display import scan_progress
from analyzer.scan_config import ScanConfig
from analyzer.terraform.variables import CliVar
from analyzer.walk import Excludes

if TYPE_CHECKING:
    from analyzer.baseline import Baseline
    from analyzer.helm import ChartOptions
    from analyzer.scan import ScanOptions

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
INVENTORY_FORMATS = ("cli", "table", "json", "markdown")
# every format name any command takes: `-o NAME` without its -f is a habit, not a file name
ALL_FORMATS = (*SCAN_FORMATS, *INVENTORY_FORMATS, "html")


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


def _echo_error(message: str) -> None:
    # plain echo: rich would wrap long file paths, and users grep these lines; values from the
    # tree (a policy file's content, a path) show control characters escaped
    from analyzer.report.escape import ci_inert, message_lines

    typer.echo(ci_inert(f"error: {message_lines(message)}", hash_escape="\\x23", colon_escape="\\x3a"), err=True)


def _fail_usage(message: str) -> None:
    _echo_error(message)
    raise typer.Exit(2)


def _usage_pieces(shown: str) -> Callable[[Any], list[str]]:
    return lambda ctx: [shown]


class ResidencyCommand(TyperCommand):
    """Every command: Terraform's, Helm's and checkov's habits refused with a hint before parsing
    (analyzer/cli_habits.py), a usage error as one `error:` line, and argument metavars as words."""

    def parse_args(self, ctx: click_core.Context, args: list[str]) -> list[str]:
        message = habit_error(args, ALL_FORMATS)
        if message is None:
            try:
                return super().parse_args(ctx, args)
            except UsageError as err:
                if ctx.resilient_parsing:
                    raise
                message = f"{err.format_message()} (see `residency {self.name} --help`)"
        _echo_error(message)
        raise typer.Exit(2)

    def get_params(self, ctx: click_core.Context) -> list[click_core.Parameter]:
        return _tidy(super().get_params(ctx))


class ResidencyGroup(TyperGroup):
    """The top level: no `<bool>` beside --version and --help either."""

    def get_params(self, ctx: click_core.Context) -> list[click_core.Parameter]:
        return _tidy(super().get_params(ctx))


app.info.cls = ResidencyGroup


def _tidy(params: list[click_core.Parameter]) -> list[click_core.Parameter]:
    """Help shows words (PATHS..., FILE), not Python types (`<list[Path]>`, `{paths}...`, `<bool>`)."""
    for param in params:
        if isinstance(param, TyperArgument):
            shown = (param.metavar or param.name or "").upper() + ("..." if param.nargs != 1 else "")
            hide: Any = lambda ctx=None: None  # noqa: E731
            param.display_type = hide  # type: ignore[method-assign]
            param.display_type_rich = hide  # type: ignore[method-assign]
            param.get_usage_pieces = _usage_pieces(shown)  # type: ignore[method-assign,assignment]
        elif getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""  # a flag takes no value
    return params


# Terraform and policy options, shared by the commands that scan
VarFileOption = Annotated[list[str], typer.Option(
    "--var-file", metavar="FILE", help="Terraform -var-file, in order; repeatable. Terraform's single-dash "
    "-var-file is refused with a hint. A missing file is a usage error.")]
VarOption = Annotated[list[str], typer.Option("--var", metavar="NAME=VALUE", help="Terraform -var NAME=VALUE; repeatable.")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", metavar="", help="Do not read or write the inventory cache (JSON, under ~/.cache/residency).")]
RegionOption = Annotated[Optional[str], typer.Option(metavar="REGION", help="The one allowed region (overrides residency.yaml).")]
AccountOption = Annotated[list[str], typer.Option(metavar="ID", help="An allowed account/project/subscription; repeatable.")]
ConfigOption = Annotated[Optional[Path], typer.Option(metavar="FILE", help="Policy file (default: residency.yaml found "
                                                      "upward); its `scan:` section holds default scan options.")]
SkipCheckOption = Annotated[list[str], typer.Option(
    "--skip-check", metavar="CHECK", help="Rules not to run: an ID (CKV_RES_8), a wildcard (CKV_RES_1*) or a severity "
    "(LOW skips LOW and INFO); repeatable or comma-separated. An unknown ID is a usage error.")]
CheckOption = Annotated[list[str], typer.Option(
    "--check", metavar="CHECK", help="Run only these rules: IDs, wildcards or a severity (HIGH runs HIGH and "
    "CRITICAL); repeatable or comma-separated.")]
SkipPathOption = Annotated[list[str], typer.Option(
    "--skip-path", metavar="PATTERN", help="Skip paths (relative to each scanned folder) matching this regular "
    "expression or glob, as checkov; repeatable.")]
NoGitignoreOption = Annotated[bool, typer.Option(
    "--no-gitignore", metavar="", help="Also scan what .gitignore (and a chart's .helmignore) excludes.")]
HardFailOption = Annotated[list[str], typer.Option(
    "--hard-fail-on", metavar="CHECK", help="Fail only on findings of these rules or severities (HIGH: HIGH and "
    "above); repeatable or comma-separated.")]
SoftFailOnOption = Annotated[list[str], typer.Option(
    "--soft-fail-on", metavar="CHECK", help="Do not fail on findings of these rules or severities (MEDIUM: MEDIUM "
    "and below); --hard-fail-on wins where both match.")]


# Helm options, shared by scan, inventory, report, baseline and init; they apply to every chart the scan renders.
# Helm's -f is --format here and -v would swallow Terraform's -var-file, so values files are --values or
# --helm-values (Trivy's spelling) only; -v is refused with a hint.
_CHARTS = "Applies to every Helm chart the scan renders."
ValuesOption = Annotated[list[str], typer.Option(
    "--values", "--helm-values", metavar="FILE", help=f"Helm values file (helm -f/--values), in order, later files "
    f"win; repeatable. {_CHARTS} Relative to the working folder. Not -f (that is --format) nor -v (refused).")]
SetOption = Annotated[list[str], typer.Option(
    "--set", metavar="K=V", help=f"Helm --set K=V (typed: 1 is a number, true a bool); repeatable. {_CHARTS} As in "
    "Helm, values files come first, then every --set-json, every --set, every --set-string, every --set-file.")]
SetStringOption = Annotated[list[str], typer.Option(
    "--set-string", metavar="K=V", help=f"Helm --set-string K=V (the value stays a string); repeatable. {_CHARTS}")]
SetJsonOption = Annotated[list[str], typer.Option(
    "--set-json", metavar="K=JSON", help=f"Helm --set-json K=JSON; repeatable. {_CHARTS}")]
SetFileOption = Annotated[list[str], typer.Option(
    "--set-file", metavar="K=PATH", help=f"Helm --set-file K=PATH (the file's text, a string); repeatable. {_CHARTS}")]
ReleaseOption = Annotated[str, typer.Option(
    "--release-name", metavar="NAME", help=f"Helm release name (.Release.Name). {_CHARTS}")]
NamespaceOption = Annotated[str, typer.Option(
    "--namespace", "-n", metavar="NAMESPACE", help=f"Kubernetes namespace (.Release.Namespace). {_CHARTS}")]
KubeVersionOption = Annotated[Optional[str], typer.Option(
    "--kube-version", metavar="VERSION", help=f"Helm --kube-version (.Capabilities.KubeVersion), e.g. v1.30.0. {_CHARTS}")]
ApiVersionsOption = Annotated[list[str], typer.Option(
    "--api-versions", "-a", metavar="GROUP/VERSION", help="Helm --api-versions: an API .Capabilities.APIVersions.Has "
    f"sees (monitoring.coreos.com/v1); repeatable or comma-separated. {_CHARTS}")]
EngineOption = Annotated[str, typer.Option(
    "--helm-engine", metavar="ENGINE", help="How charts are rendered: auto (a `helm` on PATH, else the embedded Helm "
    "SDK), sdk, or binary. A helm inside the scanned tree is never run.")]
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")  # a DNS-1123 label, as Kubernetes requires
_KUBE_VERSION = re.compile(r"v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?")  # Helm parses it as a semver


@dataclass(frozen=True)
class HelmArgs:
    """The Helm flags of one command, before the policy file's `scan:` defaults are applied."""

    values: list[str]
    sets: list[str]
    set_strings: list[str]
    set_jsons: list[str]
    set_files: list[str]
    release: Optional[str]
    namespace: Optional[str]
    kube_version: Optional[str]
    api_versions: list[str]
    engine: str

    def with_defaults(self, config: ScanConfig, here: Callable[[str], str]) -> HelmArgs:
        """Each option the command line leaves unset, from the config (its paths via `here`)."""
        return HelmArgs(
            values=self.values or [here(v) for v in config.values], sets=self.sets or config.set,
            set_strings=self.set_strings or config.set_string, set_jsons=self.set_jsons or config.set_json,
            set_files=self.set_files or [_config_set_file(e, here) for e in config.set_file],
            release=_given("release_name", self.release) or config.release_name,
            namespace=_given("namespace", self.namespace) or config.namespace,
            kube_version=self.kube_version or config.kube_version,
            api_versions=self.api_versions or config.api_versions, engine=self.engine)


def _given(param: str, value: Optional[str]) -> Optional[str]:
    """value when the command line set it, else None (its default gives way to the config's)."""
    ctx = get_current_context(silent=True)
    if ctx is None or ctx.get_parameter_source(param) in (None, click_core.ParameterSource.COMMANDLINE,
                                                          click_core.ParameterSource.ENVIRONMENT):
        return value
    return None


def _config_set_file(expression: str, here: Callable[[str], str]) -> str:
    key, sep, path = expression.partition("=")
    return f"{key}={here(path)}" if sep else expression


def _chart_options(paths: list[Path], helm: HelmArgs) -> ChartOptions:
    """The Helm options for every chart of the scan; exit 2 on a malformed flag. A values file that
    cannot be read is not checked here: it becomes a CKV_RES_9 finding on that file."""
    import dataclasses

    from analyzer.helm import ChartOptions
    from analyzer.helm.charts import DEFAULT_NAMESPACE, DEFAULT_RELEASE, ValuesError, merge_values
    from analyzer.helm.engine import EngineError, select_renderer
    from analyzer.scan import _common_root

    release = helm.release or DEFAULT_RELEASE
    namespace = helm.namespace or DEFAULT_NAMESPACE
    if release != DEFAULT_RELEASE:  # Helm's own default is valid: a Terraform-only scan never loads the engine
        import helm_python

        try:
            helm_python.validate_release_name(release)
        except helm_python.HelmError as err:
            _fail_usage(f"--release-name {release}: {getattr(err, 'detail', None) or err}")
    if not _NAMESPACE.fullmatch(namespace):
        _fail_usage(f"--namespace {namespace}: not a Kubernetes namespace name (lowercase letters, digits and "
                    "'-', at most 63 characters, starting and ending with a letter or digit)")
    if helm.kube_version is not None and not _KUBE_VERSION.fullmatch(helm.kube_version):
        _fail_usage(f"--kube-version {helm.kube_version}: not a Kubernetes version (like v1.30.0)")
    api_versions = tuple(split_selectors(helm.api_versions))
    for api in api_versions:
        if api.startswith("-") or any(c.isspace() for c in api):
            _fail_usage(f"--api-versions {api}: not an API version (like monitoring.coreos.com/v1)")
    options = ChartOptions(values_files=tuple(Path(v) for v in helm.values), sets=tuple(helm.sets),
                           set_strings=tuple(helm.set_strings), set_jsons=tuple(helm.set_jsons),
                           set_files=tuple(helm.set_files), release=release, namespace=namespace,
                           kube_version=helm.kube_version, api_versions=api_versions)
    try:  # a malformed --set* is a usage error once, not a finding per chart
        merge_values(dataclasses.replace(options, values_files=(), set_files=()))
    except ValuesError as err:
        _fail_usage(str(err))
    try:
        renderer, warning = select_renderer(helm.engine, _common_root(paths))
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
    for where, value in (("--region", region), ("RESIDENCY_REGION", data.get("region") if not region else None),
                         (f"{policy.source}: region", policy.region)):
        if value:
            _check_region(where, value)
    if data:
        source = policy.source
        policy = policy.model_copy(update=data)
        policy.source = source
    return policy


def _check_region(where: str, value: str) -> None:
    """Exit 2 when value is no region, zone or multi-region of any cloud, with the nearest names."""
    import difflib

    from analyzer.regions import all_regions, normalize

    clouds = ("aws", "gcp", "azure")
    if any(normalize(cloud, value).status != "invalid" for cloud in clouds):
        return
    known = sorted({code for cloud in clouds for code in all_regions(cloud)})
    close = difflib.get_close_matches(value.strip().lower(), known, n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]}?" if close else " of AWS, Google Cloud or Azure"
    _fail_usage(f"{where} {value}: not a region{hint}")


def _config_paths(policy: Policy) -> Callable[[str], str]:
    """Paths in the policy's `scan:` section are relative to the policy file's folder."""
    folder = Path(policy.source).parent if policy.source else Path(".")

    def here(path: str) -> str:
        return path if Path(path).is_absolute() else str(folder / path)

    return here


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


def _check_var_files(sources: list[CliVar]) -> None:
    """A --var-file the operator named must exist: a usage error now, not a finding after the scan."""
    for source in sources:
        if source.kind == "file" and not os.path.lexists(source.text):
            _fail_usage(f"--var-file {source.text}: no such file")
        if source.kind == "file" and os.path.isdir(source.text):
            _fail_usage(f"--var-file {source.text}: is a folder, not a .tfvars file")


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


def _changed_filter(paths: list[Path], ref: Optional[str], policy: Policy, sources: list[CliVar],
                    chart_options: ChartOptions, excludes: Excludes):
    """--changed-from: the units a change affects (analyzer/changed.py), said on stderr, or None
    for a full scan. Exits 2 when git cannot tell or a path holds nothing to scan."""
    if ref is None:
        return None
    from analyzer.changed import ChangedError, select_changed
    from analyzer.scan import NothingToScan, _common_root

    # a change to these re-scans everything (the policy, --var-file) or every chart (--values, --set-file)
    everything = [Path(policy.source)] if policy.source else []
    everything += [Path(s.text) for s in sources if s.kind == "file"]
    chart_inputs = [*chart_options.values_files, *(Path(s.split("=", 1)[1]) for s in chart_options.set_files if "=" in s)]
    try:
        selection = select_changed(paths, _common_root(paths), ref, excludes, everything=everything,
                                   chart_inputs=chart_inputs)
    except ChangedError as err:
        _fail_usage(f"--changed-from {ref}: {err}")
    empty = [p for p, units in zip(paths, selection.selection.per_path) if not units]
    if empty:
        _fail_usage(str(NothingToScan(empty)))
    typer.echo(selection.describe(), err=True)
    return selection


def _nothing_changed(paths: list[Path], policy: Policy, skip: set[str]):
    """The report of a scan that selected nothing: no findings, no inventory, every format valid."""
    import time

    from analyzer.models import Inventory
    from analyzer.report.paths import repository_prefix
    from analyzer.scan import _common_root, display_root, evaluate

    base = _common_root(paths)
    report = evaluate(Inventory(), 0, display_root(base), policy, skip, time.perf_counter(), base)
    report.repository_prefix = repository_prefix(base)
    report.unused_exceptions = []  # nothing was scanned: no exception can be called stale
    return report


# What the human-read formats add when nothing changed (the machine formats stay plain empty reports).
_NOTHING_CHANGED_NOTE = {
    "cli": "Nothing changed since {ref}: no input was scanned.\n",
    "markdown": "\n_Nothing changed since `{ref}`: no input was scanned._\n",
    "github": "::notice title=residency::Nothing changed since {ref}: no input was scanned.\n",
}


@dataclass(frozen=True)
class Gating:
    """Which rules run and which findings fail, from the flags (else the config's `scan:`)."""

    skip: set[str]
    fail: FailPolicy


def _gating(policy: Policy, check: list[str], skip_check: list[str], hard_fail_on: list[str] = [],
            soft_fail_on: list[str] = [], soft_fail: bool = False) -> Gating:
    from analyzer.rules import RULES

    config = policy.scan
    chosen = {
        "--check": split_selectors(check or config.check),
        "--skip-check": split_selectors(skip_check or config.skip_check),
        "--hard-fail-on": split_selectors(hard_fail_on or config.hard_fail_on),
        "--soft-fail-on": split_selectors(soft_fail_on or config.soft_fail_on),
    }
    ids = [rule.id for rule in RULES]
    for flag, selectors in chosen.items():
        try:
            validate(selectors, ids, flag)
        except SelectorError as err:
            _fail_usage(str(err))
    severities = {rule.id: policy.severity.get(rule.id, rule.severity) for rule in RULES}
    fail = FailPolicy(hard_fail_on=tuple(chosen["--hard-fail-on"]), soft_fail_on=tuple(chosen["--soft-fail-on"]),
                      soft_fail=soft_fail or config.soft_fail)
    return Gating(skip=skipped_rules(severities, chosen["--check"], chosen["--skip-check"]), fail=fail)


def _excludes(policy: Policy, skip_path: list[str], no_gitignore: bool) -> Excludes:
    patterns = tuple(skip_path or policy.scan.skip_path)
    return Excludes(skip_paths=patterns, gitignore=policy.scan.gitignore and not no_gitignore)


def _prepare(paths: list[Path], config: Optional[Path], region: Optional[str], accounts: list[str],
             var_file: list[str], var: list[str], helm: HelmArgs) -> tuple[Policy, list[CliVar], ChartOptions]:
    """What every scanning command does first, in this order: the paths exist, the policy (and its
    `scan:` defaults) loads, the var files exist, the Helm flags are well formed."""
    _validate_paths(paths)
    policy = _policy(paths, config, region, accounts)
    here = _config_paths(policy)
    sources = _var_sources(var_file, var)
    if not sources:
        sources = [CliVar("file", here(f)) for f in policy.scan.var_files] + [CliVar("var", v) for v in policy.scan.vars]
    _check_var_files(sources)
    return policy, sources, _chart_options(paths, helm.with_defaults(policy.scan, here))


@app.command(cls=ResidencyCommand)
def scan(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    region: RegionOption = None,
    account: AccountOption = [],
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    fmt: Annotated[list[str], typer.Option("--format", "-f", metavar="FORMAT",
                                           help=f"Output format: {', '.join(SCAN_FORMATS)}; repeatable.")] = [],
    output: Annotated[list[Path], typer.Option("--output", "-o", metavar="FILE",
                                               help="File for the matching --format (default stdout). `-o sarif` "
                                               "without -f is refused: -o names a file.")] = [],
    soft_fail: Annotated[bool, typer.Option("--soft-fail", metavar="", help="Exit 0 even with findings.")] = False,
    hard_fail_on: HardFailOption = [],
    soft_fail_on: SoftFailOnOption = [],
    check: CheckOption = [],
    skip_check: SkipCheckOption = [],
    skip_path: SkipPathOption = [],
    no_gitignore: NoGitignoreOption = False,
    no_cache: NoCacheOption = False,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", metavar="FILE", help="Baseline file (from `residency "
                                                     "baseline`): findings in it are reported as suppressed.")] = None,
    changed_from: Annotated[Optional[str], typer.Option("--changed-from", metavar="REF", help="Pull-request mode: scan "
                                                        "only the Terraform roots, charts, manifests and plans a "
                                                        "change since this git ref affects.")] = None,
    compact: Annotated[bool, typer.Option("--compact", metavar="", help="cli format: no evidence chains (as checkov "
                                          "--compact).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", metavar="", help="cli format: only the failing findings and the "
                                        "summary (as checkov --quiet).")] = False,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    set_file: SetFileOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    kube_version: KubeVersionOption = None,
    api_versions: ApiVersionsOption = [],
    helm_engine: EngineOption = "auto",
    shard: ShardOption = None,
) -> None:
    """Scan Terraform, plans and Helm for residency findings (exit 0 clean, 1 findings, 2 usage/config error)."""
    from analyzer.baseline import BaselineError, apply_baseline, load_baseline
    from analyzer.output_files import OutputError, write_output
    from analyzer.report import render
    from analyzer.report.cli import CliStyle, render_cli
    from analyzer.scan import ScanOptions, run_scan

    gc.disable()  # a one-shot process: rendering a large report need not pay for cycle collection

    helm = HelmArgs(values, set_, set_string, set_json, set_file, release_name, namespace, kube_version,
                    api_versions, helm_engine)
    policy, sources, chart_options = _prepare(paths, config, region, account, var_file, var, helm)
    formats = fmt or policy.scan.formats or ["cli"]
    outputs = output or [Path(o if o == "-" else _config_paths(policy)(o)) for o in policy.scan.outputs]
    for name in formats:
        if name not in SCAN_FORMATS:
            _fail_usage(f"unknown --format {name!r}; choose from {', '.join(SCAN_FORMATS)}")
    if len(outputs) > len(formats):
        _fail_usage("more --output files than --format values")
    _check_outputs(outputs, paths)
    accepted = None
    if baseline is not None:
        try:
            accepted = load_baseline(baseline)
        except BaselineError as err:
            _fail_usage(str(err))
    gating = _gating(policy, check, skip_check, hard_fail_on, soft_fail_on, soft_fail)
    spec = _shard_spec(shard, formats, changed_from)
    excludes = _excludes(policy, skip_path, no_gitignore)
    changed = _changed_filter(paths, changed_from, policy, sources, chart_options, excludes)
    style = CliStyle(compact=compact or policy.scan.compact, quiet=quiet or policy.scan.quiet)
    to_stdout = [name for index, name in enumerate(formats) if index >= len(outputs) or str(outputs[index]) == "-"]
    with scan_progress(to_stdout in ([], ["cli"])) as progress:
        options = ScanOptions(cli_vars=sources, skip_checks=gating.skip, use_cache=not no_cache, progress=progress,
                              inventory_filter=changed.keep if changed else None,
                              select=changed.select if changed else None, helm=chart_options, excludes=excludes)
        if spec is not None:
            _scan_shard(paths, policy, options, spec, accepted, baseline, outputs)
            return
        if changed is not None and changed.empty:  # CI still gets every report file it asked for
            report = _nothing_changed(paths, policy, gating.skip)
        else:
            report = _scanned(lambda: run_scan(paths, policy, options))
    for stale in report.unused_exceptions:  # stderr: every --format on stdout stays parseable
        from analyzer.report.escape import visible

        typer.echo(visible(f"warning: {stale.file or 'residency.yaml'}:{stale.line}: exception {stale.rule} "
                           f"{stale.address!r} matched no finding; remove it if it is stale"), err=True)
    if accepted is not None and baseline is not None:
        apply_baseline(report, accepted, str(baseline))
    unwritten = False
    for index, name in enumerate(formats):
        to_file = index < len(outputs) and str(outputs[index]) != "-"
        if name == "cli":
            text = render_cli(report, style=style, fail=gating.fail,
                              terminal=None if to_file else Console(file=sys.stdout))
        else:
            text = render(name, report)
        if changed is not None and changed.empty:
            text += _NOTHING_CHANGED_NOTE.get(name, "").format(ref=changed_from)
        if to_file:
            try:
                write_output(outputs[index], text, paths)
            except OutputError as err:  # checked before the scan; the other outputs are still written
                typer.echo(f"error: --output {err}", err=True)
                unwritten = True
        else:
            sys.stdout.write(text)
    if unwritten:
        raise typer.Exit(2)
    if gating.fail.failing(report.findings):
        raise typer.Exit(1)


INVENTORY_FORMAT_HELP = "cli (a table; `table` is the same), json or markdown."


@app.command(cls=ResidencyCommand)
def inventory(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=INVENTORY_FORMAT_HELP)] = "cli",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE",
                                                   help="File to write (default stdout).")] = None,
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    skip_path: SkipPathOption = [],
    no_gitignore: NoGitignoreOption = False,
    no_cache: NoCacheOption = False,
    changed_from: Annotated[Optional[str], typer.Option("--changed-from", metavar="REF", help="Pull-request mode: scan "
                                                        "only the Terraform roots, charts, manifests and plans a "
                                                        "change since this git ref affects.")] = None,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    set_file: SetFileOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    kube_version: KubeVersionOption = None,
    api_versions: ApiVersionsOption = [],
    helm_engine: EngineOption = "auto",
) -> None:
    """Print the residency map: every located resource with region, account and evidence."""
    from analyzer.inventory_view import render_inventory
    from analyzer.output_files import OutputError, write_output
    from analyzer.scan import ScanOptions, build_inventory

    helm = HelmArgs(values, set_, set_string, set_json, set_file, release_name, namespace, kube_version,
                    api_versions, helm_engine)
    policy, sources, chart_options = _prepare(paths, config, None, [], var_file, var, helm)
    if fmt not in INVENTORY_FORMATS:
        _fail_usage(f"unknown --format {fmt!r}; choose from {', '.join(INVENTORY_FORMATS)}")
    _check_outputs([output] if output is not None else [], paths)
    excludes = _excludes(policy, skip_path, no_gitignore)
    changed = _changed_filter(paths, changed_from, policy, sources, chart_options, excludes)
    to_stdout = output is None or str(output) == "-"
    with scan_progress(fmt in ("cli", "table") or not to_stdout) as progress:
        options = ScanOptions(cli_vars=sources, use_cache=not no_cache, progress=progress,
                              inventory_filter=changed.keep if changed else None,
                              select=changed.select if changed else None, helm=chart_options, excludes=excludes)
        if changed is not None and changed.empty:
            from analyzer.models import Inventory
            from analyzer.scan import _common_root

            result, base = Inventory(), _common_root(paths)
        else:
            result, _files, base = _scanned(lambda: build_inventory(paths, options))
    width = Console(file=sys.stdout).width if to_stdout else None
    text = render_inventory(result, "table" if fmt == "cli" else fmt, str(base), width=width)
    if to_stdout:
        sys.stdout.write(text)
        return
    try:
        write_output(output, text, paths)  # type: ignore[arg-type]
    except OutputError as err:
        _fail_usage(f"--output {err}")


@app.command("report", cls=ResidencyCommand)
def report_cmd(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="markdown or html.")] = "markdown",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE",
                                                   help="File to write (default stdout).")] = None,
    region: RegionOption = None,
    account: AccountOption = [],
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    check: CheckOption = [],
    skip_check: SkipCheckOption = [],
    skip_path: SkipPathOption = [],
    no_gitignore: NoGitignoreOption = False,
    no_cache: NoCacheOption = False,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    set_file: SetFileOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    kube_version: KubeVersionOption = None,
    api_versions: ApiVersionsOption = [],
    helm_engine: EngineOption = "auto",
) -> None:
    """Write a reviewer's residency report: resources by data classification, their placement
    evidence and findings, and the command that confirms each placement after deployment."""
    from analyzer.output_files import OutputError, write_output
    from analyzer.review import REVIEW_FORMATS, render_review
    from analyzer.scan import ScanOptions, run_scan

    helm = HelmArgs(values, set_, set_string, set_json, set_file, release_name, namespace, kube_version,
                    api_versions, helm_engine)
    policy, sources, chart_options = _prepare(paths, config, region, account, var_file, var, helm)
    if fmt not in REVIEW_FORMATS:
        _fail_usage(f"unknown --format {fmt!r}; choose from {', '.join(REVIEW_FORMATS)}")
    _check_outputs([output] if output is not None else [], paths)
    gating = _gating(policy, check, skip_check)
    with scan_progress(output is not None) as progress:
        options = ScanOptions(cli_vars=sources, skip_checks=gating.skip, use_cache=not no_cache, progress=progress,
                              helm=chart_options, excludes=_excludes(policy, skip_path, no_gitignore))
        text = render_review(_scanned(lambda: run_scan(paths, policy, options)), fmt)
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    try:
        write_output(output, text, paths)
    except OutputError as err:
        _fail_usage(f"--output {err}")
    typer.echo(f"wrote {output}", err=True)


@app.command("checks", cls=ResidencyCommand)
def checks_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="cli or json.")] = "cli",
    config: ConfigOption = None,
) -> None:
    """List the rules (as `checkov -l`): ID, severity (after the policy's `severity:`), name and documentation."""
    from analyzer.rules import RULES
    from analyzer.rules_list import render_rules

    if fmt not in ("cli", "json"):
        _fail_usage(f"unknown --format {fmt!r}; choose from cli, json")
    policy = _policy([Path(".")], config, None, [])
    sys.stdout.write(render_rules(RULES, policy.severity, fmt))


@app.command("checkov-dir", cls=ResidencyCommand)
def checkov_dir() -> None:
    """Print the folder to pass to `checkov --external-checks-dir` to run these rules in checkov."""
    import analyzer.rules

    typer.echo(os.path.dirname(analyzer.rules.__file__))


@app.command("baseline", cls=ResidencyCommand)
def baseline_cmd(
    paths: Annotated[list[Path], typer.Argument(help=PATHS_HELP)],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE",
                                         help="Baseline file to write.")] = Path("residency-baseline.json"),
    region: RegionOption = None,
    account: AccountOption = [],
    config: ConfigOption = None,
    var_file: VarFileOption = [],
    var: VarOption = [],
    check: CheckOption = [],
    skip_check: SkipCheckOption = [],
    skip_path: SkipPathOption = [],
    no_gitignore: NoGitignoreOption = False,
    no_cache: NoCacheOption = False,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    set_file: SetFileOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    kube_version: KubeVersionOption = None,
    api_versions: ApiVersionsOption = [],
    helm_engine: EngineOption = "auto",
) -> None:
    """Write the current active findings' fingerprints to a baseline file for `scan --baseline`."""
    from analyzer.baseline import baseline_from_report, dump_baseline
    from analyzer.output_files import OutputError, write_output
    from analyzer.scan import ScanOptions, run_scan

    helm = HelmArgs(values, set_, set_string, set_json, set_file, release_name, namespace, kube_version,
                    api_versions, helm_engine)
    policy, sources, chart_options = _prepare(paths, config, region, account, var_file, var, helm)
    _check_outputs([output], paths)
    gating = _gating(policy, check, skip_check)
    with scan_progress(True) as progress:
        options = ScanOptions(cli_vars=sources, skip_checks=gating.skip, use_cache=not no_cache, progress=progress,
                              helm=chart_options, excludes=_excludes(policy, skip_path, no_gitignore))
        report = _scanned(lambda: run_scan(paths, policy, options))
    accepted = baseline_from_report(report)
    try:
        write_output(output, dump_baseline(accepted), paths)
    except OutputError as err:
        _fail_usage(f"--output {err}")
    typer.echo(f"wrote {len(accepted.findings)} finding fingerprint(s) to {output}")


@app.command("init", cls=ResidencyCommand)
def init_cmd(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="The Terraform root (or repository) to infer the policy "
                                         "from.")] = Path("."),
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE",
                                                   help="Policy file to write (default: residency.yaml in PATH).")] = None,
    force: Annotated[bool, typer.Option("--force", metavar="", help="Overwrite an existing file.")] = False,
    var_file: VarFileOption = [],
    var: VarOption = [],
    skip_path: SkipPathOption = [],
    no_gitignore: NoGitignoreOption = False,
    no_cache: NoCacheOption = False,
    values: ValuesOption = [],
    set_: SetOption = [],
    set_string: SetStringOption = [],
    set_json: SetJsonOption = [],
    set_file: SetFileOption = [],
    release_name: ReleaseOption = "release-name",
    namespace: NamespaceOption = "default",
    kube_version: KubeVersionOption = None,
    api_versions: ApiVersionsOption = [],
    helm_engine: EngineOption = "auto",
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
    sources = _var_sources(var_file, var)
    _check_var_files(sources)
    helm = HelmArgs(values, set_, set_string, set_json, set_file, release_name, namespace, kube_version,
                    api_versions, helm_engine)
    with scan_progress(True) as progress:
        options = ScanOptions(cli_vars=sources, use_cache=not no_cache, progress=progress,
                              helm=_chart_options([path], helm), excludes=Excludes(tuple(skip_path), not no_gitignore))
        inventory, _files, _base = _scanned(lambda: build_inventory([path], options))
    inferred = infer_policy(inventory)
    try:
        write_output(target, render_policy(inferred, path.as_posix()), [path], follow_links=False, exclusive=not force)
    except OutputError as err:
        _fail_usage(str(err))
    choices = sorted({source.region for source in inferred.region_sources})
    region = inferred.region or (f"(not inferred: the roots disagree on {', '.join(choices)}; pick one in the file)"
                                 if len(choices) > 1 else "(not inferred)")
    typer.echo(f"wrote {target}: region {region}, "
               f"accounts {', '.join(inferred.accounts) or '(none inferred)'}")


# --- sharded scans (analyzer/shard.py) and their merge (analyzer/merge.py) -------------------

ShardOption = Annotated[Optional[str], typer.Option(
    "--shard", metavar="K/N", help="Scan only shard K of N (a size-balanced share of the Terraform roots, charts, "
    "plans and manifests) and write its result for `residency merge`; needs -f json. Exits 0: the merge decides.")]


def _shard_spec(shard: Optional[str], formats: list[str], changed_from: Optional[str]) -> Optional[tuple[int, int]]:
    if shard is None:
        return None
    from analyzer.shard import ShardError, parse_spec

    try:
        spec = parse_spec(shard)
    except ShardError as err:
        _fail_usage(str(err))
    if formats != ["json"]:
        _fail_usage(f"--shard {shard} writes a partial result for `residency merge`: use -f json -o FILE, "
                    "then render every format with `residency merge`")
    if changed_from is not None:
        _fail_usage("--shard and --changed-from cannot be combined: shard the full scan, or scan the changed roots "
                    "in one job")
    return spec


def _scan_shard(paths: list[Path], policy: Policy, options: ScanOptions, spec: tuple[int, int],
                accepted: Optional[Baseline], baseline: Optional[Path], output: list[Path]) -> None:
    """Write shard K/N's JSON result (its own share's report plus the `shard` object)."""
    from analyzer.output_files import OutputError, write_output
    from analyzer.report import render
    from analyzer.shard import run_shard, with_shard

    labelled = (accepted, str(baseline)) if accepted is not None and baseline is not None else None
    run = run_shard(paths, policy, options, spec[0], spec[1], labelled)
    text = with_shard(render("json", run.report), run.payload)
    if output and str(output[0]) != "-":
        try:
            write_output(output[0], text, paths)
        except OutputError as err:
            _fail_usage(f"--output {err}")
    else:
        sys.stdout.write(text)
    typer.echo(f"shard {spec[0]}/{spec[1]}: scanned {len(run.payload['scanned'])} of {run.payload['units']} unit(s), "
               f"{run.payload['bytes']} bytes", err=True)

MERGE_FORMATS = (*SCAN_FORMATS, "html")


@app.command("merge")
def merge_cmd(
    results: Annotated[list[Path], typer.Argument(help="The JSON results of every shard (`scan --shard K/N -f json`).")],
    fmt: Annotated[list[str], typer.Option("--format", "-f", help=f"Output format: {', '.join(SCAN_FORMATS)}, or html "
                                          "(the reviewer's report of `residency report`); repeatable.")] = [],
    output: Annotated[list[Path], typer.Option("--output", "-o", help="File for the matching --format (default stdout).")] = [],
    soft_fail: Annotated[bool, typer.Option("--soft-fail", help="Exit 0 even with findings.")] = False,
) -> None:
    """Combine the shards' JSON results into the full scan's reports and exit code (0 clean, 1 findings, 2 usage)."""
    from analyzer.merge import load_result, merge_results
    from analyzer.output_files import OutputError, write_output
    from analyzer.report import render
    from analyzer.review import render_review
    from analyzer.shard import ShardError

    formats = fmt or ["cli"]
    for name in formats:
        if name not in MERGE_FORMATS:
            _fail_usage(f"unknown --format {name!r}; choose from {', '.join(MERGE_FORMATS)}")
    if len(output) > len(formats):
        _fail_usage("more --output files than --format values")
    _check_outputs(output, [Path.cwd()])
    try:
        report = merge_results([(path, load_result(path)) for path in results])
    except ShardError as err:
        _fail_usage(str(err))
    for index, name in enumerate(formats):
        text = render_review(report, "html") if name == "html" else render(name, report)
        if index < len(output) and str(output[index]) != "-":
            try:
                write_output(output[index], text, [Path.cwd()])
            except OutputError as err:
                _fail_usage(f"--output {err}")
        else:
            sys.stdout.write(text)
    if report.active_findings() and not soft_fail:
        raise typer.Exit(1)


def run() -> None:
    """The `residency` console script: the command, then an immediate exit.

    A scan holds millions of small objects; letting the interpreter free them one by one at
    exit cost ~0.4 s on a 1,000-file estate (a tenth of the scan), as mypy found for itself.
    Everything the command wrote is flushed first and no exit handler of ours exists, so
    skipping the interpreter's teardown loses nothing (`app` itself, as tests and library
    callers use it, is unchanged)."""
    try:
        app()
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    if isinstance(code, str):  # SystemExit("message"): print it as the interpreter would
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing left to deliver
            pass
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))
