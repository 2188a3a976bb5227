"""Habits from Terraform, Helm and checkov that would be misread by our option parser.

click reads `-var-file=prod.tfvars` as the short option `-v` with the value `ar-file=prod.tfvars`,
and `-o sarif` as an output file named `sarif`. These spellings are found in the raw arguments,
before parsing, and refused with the spelling we take: never silently reinterpreted.
"""

from __future__ import annotations

from collections.abc import Iterable

# what an `-o FORMAT` hint suggests as the file name
SUGGESTED_FILE = {
    "cli": "residency.txt", "table": "residency.txt", "json": "residency.json", "junit": "residency-junit.xml",
    "sarif": "residency.sarif", "github": "residency-annotations.txt", "markdown": "residency.md",
    "html": "residency.html", "gitlab": "residency-codequality.json",
}
_TERRAFORM = {"-var": "--var NAME=VALUE", "-var-file": "--var-file FILE"}


def habit_error(args: list[str], formats: Iterable[str]) -> str | None:
    """The one-line message for the first misleading spelling in args, or None."""
    names = set(formats)
    formats_seen = outputs_seen = 0
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return None
        flag, eq, value = arg.partition("=")
        if flag in _TERRAFORM:
            given = value if eq else (args[i + 1] if i + 1 < len(args) else _TERRAFORM[flag].split(" ")[1])
            return (f"{arg}: Terraform's single-dash spelling is not an option here; "
                    f"use -{flag}{'=' if eq else ' '}{given}")
        if arg.startswith("-v") and not arg.startswith("--"):
            return (f"{arg}: -v is not an option; Helm values files are --values FILE (or --helm-values FILE), "
                    "and -f is --format here")
        if flag == "--format" or (arg.startswith("-f") and not arg.startswith("--")):
            formats_seen += 1
            i += 1 if (eq or len(arg) > 2) else 2
            continue
        if flag == "--output" or (arg.startswith("-o") and not arg.startswith("--")):
            outputs_seen += 1
            target = value if eq else (arg[2:] if len(arg) > 2 else (args[i + 1] if i + 1 < len(args) else ""))
            if target in names and formats_seen < outputs_seen:
                return (f"-o {target}: {target} is a format, and -o names the file for the preceding -f; "
                        f"did you mean -f {target} -o {SUGGESTED_FILE.get(target, 'residency.out')}?")
            i += 1 if (eq or len(arg) > 2) else 2
            continue
        i += 1
    return None
