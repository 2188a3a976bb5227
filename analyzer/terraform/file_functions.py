"""Terraform's file functions (`file`, `fileset`, `templatefile`, ...), reading only the scanned tree.

Relative paths are relative to Terraform's working directory, the root module's folder
(so `file("${path.module}/x")` is the idiom), cleaned lexically as Go's `filepath.Join`
does. Every read goes through the scan's `Boundary`: a path outside the repository, into
`.git`, through a symlink leaving it, a FIFO or device, or a file over the size cap is never
read and the call is Unknown with a reason naming the path as written (never the content).
What Terraform itself rejects (a missing file, non-UTF-8 text for `file`) is a
FunctionError, so `try()` behaves as in Terraform.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analyzer.hcl.parse import HclSyntaxError, parse_expression
from analyzer.hcl.template import TemplateError, parse_template
from analyzer.models import Evidence
from analyzer.terraform.evaluate import EvalError, Scope, Trace, evaluate
from analyzer.terraform.file_glob import GlobSyntaxError, component_regex, has_meta, split_pattern
from analyzer.terraform.functions import FunctionError
from analyzer.terraform.loader import SourceTree
from analyzer.tree_guard import MAX_FILE_BYTES, Boundary, RefusedPath
from analyzer.values import Unknown, first_unknown

MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all file-function reads of one root together
MAX_GLOB_ENTRIES = 20_000  # folder entries one fileset call may list
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_MISSING = ("no file exists at \"{path}\"; this function works only with files that are distributed as part "
            "of the configuration source code, so if this file will be created by a resource in this "
            "configuration you must instead obtain this result from an attribute of that resource.")


class _Refused(Exception):
    """A path the analyzer will not read or list; the call becomes Unknown with this reason."""


class FileContext:
    """The file functions of one root module: its working directory and the scan's boundary.

    Shared by every module instance of the root; reads are memoised and counted against a
    total budget, and each file read is recorded in the tree so the result cache sees it."""

    def __init__(self, tree: SourceTree, cwd: Path, *, in_template: bool = False,
                 shared: "FileContext | None" = None) -> None:
        self.tree = tree
        self.cwd = cwd
        self.in_template = in_template
        self._boundary: Boundary | None = shared._boundary if shared else None
        self._reads: dict[Path, bytes] = shared._reads if shared else {}
        self._spent: list[int] = shared._spent if shared else [0]  # shared with template contexts
        self.names = frozenset(_FUNCTIONS)

    @property
    def boundary(self) -> Boundary:
        if self._boundary is None:
            self._boundary = self.tree.guard  # computed once per root, not per call
        return self._boundary

    def working_directory(self) -> str:
        """`path.cwd`: the absolute path of the root module's folder, as Terraform gives it."""
        return str(self.cwd)

    def call(self, name: str, args: list[Any]) -> Any:
        impl, fewest, most = _FUNCTIONS[name]
        if len(args) < fewest:
            raise FunctionError(f"Not enough function arguments: {name}() takes {_expects(fewest, most)}, got {len(args)}")
        if len(args) > most:
            raise FunctionError(f"Too many function arguments: {name}() takes {_expects(fewest, most)}, got {len(args)}")
        # templatefile's vars may hold unknowns the template never uses
        checked = args[:1] if name == "templatefile" else args
        unknown = first_unknown(*checked)
        if unknown is None and name == "templatefile" and isinstance(args[1], Unknown):
            unknown = args[1]
        if unknown is not None:
            return unknown
        try:
            return impl(self, *args)
        except _Refused as refused:
            return Unknown(f"{name}: {refused}")

    def read_step(self, name: str, args: list[Any]) -> Evidence | None:
        """The evidence step naming the file a `file()` or `templatefile()` call read (its
        value's source, e.g. a factory's YAML), as a path relative to the scan root."""
        if name not in _READERS or not args or not isinstance(args[0], str):
            return None
        return Evidence(file=self.tree.rel(self._lexical(args[0])), line=1, note=f"read by {name}()")

    # --- locating and reading -------------------------------------------------------

    def _lexical(self, text: str) -> Path:
        return Path(os.path.normpath(os.path.join(self.cwd, text)))

    def locate(self, text: str) -> Path | None:
        """Where a path given to a file function really is, inside the boundary; None when
        nothing exists there. _Refused for anything the analyzer will not read."""
        if text.startswith("~"):
            raise _Refused(f"{text} is in a home folder, outside the scanned tree; not read: "
                           "the analyzer reads nothing outside the repository it scans")
        full = self._lexical(text)
        if not full.is_relative_to(self.boundary.root) and not _inside_after_links(full, self.boundary):
            raise _Refused(f"{text} is outside the scanned tree; not read: the analyzer reads nothing outside "
                           "the repository it scans")
        if not os.path.lexists(full):
            # "missing" is an answer only when the folder it would be in is inside the tree
            parent = next(p for p in full.parents if os.path.lexists(p))
            if not self.boundary.is_inside(parent):
                raise _Refused(f"{text} leads outside the scanned tree through a symlinked folder; not read")
            return None
        try:
            return self.boundary.resolve(full, shown=text)
        except RefusedPath as err:
            raise _Refused(str(err)) from None

    def read(self, text: str, what: str) -> bytes:
        real = self.locate(text)
        if real is None:
            raise FunctionError(f"Invalid function argument: {what}: Invalid value for \"path\" parameter: "
                                + _MISSING.format(path=text))
        if real in self._reads:
            return self._reads[real]
        if real.is_dir():
            raise FunctionError(f"Invalid function argument: {what}: Invalid value for \"path\" parameter: "
                                f"\"{text}\" is a directory, not a file")
        if self._spent[0] > MAX_TOTAL_BYTES:
            raise _Refused(f"{text} not read: file functions of this root already read "
                           f"{MAX_TOTAL_BYTES // 1048576} MB (residency's limit)")
        try:
            data = self.boundary.read_bytes(real, shown=text, max_bytes=MAX_FILE_BYTES)
        except RefusedPath as err:
            raise _Refused(str(err)) from None
        self._spent[0] += len(data)
        self._reads[real] = data
        self.tree.extra_files.add(real)  # the result cache must see a change to it
        return data

    def text(self, text: str, what: str) -> str:
        data = self.read(text, what)
        if b"\x00" in data:
            raise _Refused(f"{text} is a binary file (contains NUL bytes); not evaluated")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise FunctionError(f"Error in function call: {what}: contents of \"{text}\" are not valid UTF-8; use the "
                                "filebase64 function to obtain the Base64 encoded contents or the other file "
                                "functions (e.g. filemd5, filesha256) to obtain file hashing results instead.") from None

    # --- fileset ----------------------------------------------------------------------

    def glob(self, base_text: str, pattern: str) -> list[str]:
        base = self._lexical(base_text)
        try:
            start_text, components = split_pattern(base.as_posix(), pattern)
            regexes = [None if c == "**" else component_regex(c) for c in components]
        except GlobSyntaxError as err:
            raise FunctionError(f"Error in function call: fileset: failed to glob pattern \"{pattern}\": {err}") from None
        start = Path(start_text)
        if not start.is_relative_to(self.boundary.root) and not _inside_after_links(start, self.boundary):
            raise _Refused(f"{base_text} is outside the scanned tree; not listed: the analyzer reads nothing "
                           "outside the repository it scans")
        if not os.path.isdir(start):
            return []
        self._check_folder(start, base_text)
        walk = _Walk(self, base_text)
        walk.match(start, components, regexes, frozenset())
        found: set[str] = set()
        for candidate in walk.found:
            try:
                real = self.boundary.resolve(candidate, shown=os.path.relpath(candidate, self.cwd))
            except RefusedPath as err:
                raise _Refused(f"fileset(\"{base_text}\", \"{pattern}\") matches {err}") from None
            if real.is_file():
                self.tree.extra_files.add(real)
                found.add(os.path.relpath(candidate, base).replace(os.sep, "/"))
        return sorted(found)

    def _check_folder(self, folder: Path, base_text: str) -> Path:
        try:
            return self.boundary.resolve(folder, shown=os.path.relpath(folder, self.cwd))
        except RefusedPath as err:
            raise _Refused(f"fileset in \"{base_text}\": {err}") from None


class _Walk:
    """One fileset listing, component by component, never leaving the boundary."""

    def __init__(self, files: FileContext, base_text: str) -> None:
        self.files = files
        self.base_text = base_text
        self.entries = 0
        self.found: list[Path] = []

    def listing(self, folder: Path) -> list[str]:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return []
        self.entries += len(names)
        if self.entries > MAX_GLOB_ENTRIES:
            raise _Refused(f"fileset in \"{self.base_text}\" lists more than {MAX_GLOB_ENTRIES} entries (residency's "
                           "limit); not evaluated")
        return names

    def enter(self, folder: Path, seen: frozenset[Path]) -> frozenset[Path] | None:
        """The folders on the way down including this one; None for a loop (not entered)."""
        if folder.name == ".git":
            raise _Refused(f"fileset in \"{self.base_text}\" would list inside {os.path.relpath(folder, self.files.cwd)}, "
                           "a .git folder, which is never read")
        real = self.files._check_folder(folder, self.base_text)
        if real in seen:
            return None  # a link back to a folder above: doublestar stops too
        return seen | {real}

    def match(self, folder: Path, components: list[str], regexes: list[re.Pattern[str] | None],
              seen: frozenset[Path]) -> None:
        if not components:
            self.found.append(folder)
            return
        inside = self.enter(folder, seen)
        if inside is None:
            return
        head, regex = components[0], regexes[0]
        if regex is None:  # `**`: zero folders here, or one more and `**` again
            self.match(folder, components[1:], regexes[1:], seen)
            for name in self.listing(folder):
                child = folder / name
                if os.path.isdir(child):
                    self.match(child, components, regexes, inside)
                elif len(components) == 1:  # a final `**` matches the files below too
                    self.found.append(child)
            return
        names = [head] if not has_meta(head) else [n for n in self.listing(folder) if regex.match(n)]
        for name in names:
            child = folder / name
            if len(components) == 1:
                if os.path.lexists(child):
                    self.found.append(child)
            elif os.path.isdir(child):
                self.match(child, components[1:], regexes[1:], inside)


def _inside_after_links(path: Path, boundary: Boundary) -> bool:
    """A lexically-outside path can still be inside when the boundary was reached through a
    symlinked folder (e.g. /tmp -> /private/tmp): judge the nearest existing folder."""
    for folder in (path, *path.parents):
        if folder.exists():
            try:
                return folder.resolve().is_relative_to(boundary.root) and folder.resolve() != Path("/")
            except (OSError, RuntimeError):
                return False
    return False


def _expects(fewest: int, most: int) -> str:
    if fewest == most:
        return f"{fewest} argument{'s' if fewest != 1 else ''}"
    return f"{fewest} to {most} arguments"


def _string(value: Any, name: str, param: str) -> str:
    if value is None:
        raise FunctionError(f"Invalid function argument: {name}: Invalid value for \"{param}\" parameter: "
                            "argument must not be null.")
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise FunctionError(f"Invalid function argument: {name}: Invalid value for \"{param}\" parameter: "
                            "string required.")
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else repr(value)
    return str(value)


# --- the functions ------------------------------------------------------------------------


def _file(files: FileContext, path: Any) -> str:
    return files.text(_string(path, "file", "path"), "file")


def _fileexists(files: FileContext, path: Any) -> bool:
    text = _string(path, "fileexists", "path")
    real = files.locate(text)
    if real is None:
        files.tree.extra_files.add(files._lexical(text))  # its creation changes the answer
        return False
    if real.is_dir():
        raise FunctionError(f"Error in function call: fileexists: \"{text}\" is a directory, not a file")
    if not real.is_file():
        raise FunctionError(f"Error in function call: fileexists: \"{text}\" is not a regular file")
    files.tree.extra_files.add(real)
    return True


def _fileset(files: FileContext, path: Any, pattern: Any) -> list[str]:
    return files.glob(_string(path, "fileset", "path"), _string(pattern, "fileset", "pattern"))


def _filebase64(files: FileContext, path: Any) -> str:
    return base64.b64encode(files.read(_string(path, "filebase64", "path"), "filebase64")).decode("ascii")


def _hex_digest(algorithm: str) -> Callable[[FileContext, Any], str]:
    name = f"file{algorithm}"

    def digest(files: FileContext, path: Any) -> str:
        return hashlib.new(algorithm, files.read(_string(path, name, "path"), name)).hexdigest()

    return digest


def _base64_digest(algorithm: str) -> Callable[[FileContext, Any], str]:
    name = f"filebase64{algorithm}"

    def digest(files: FileContext, path: Any) -> str:
        raw = hashlib.new(algorithm, files.read(_string(path, name, "path"), name)).digest()
        return base64.b64encode(raw).decode("ascii")

    return digest


def _templatefile(files: FileContext, path: Any, variables: Any) -> Any:
    if files.in_template:
        raise FunctionError("Error in function call: templatefile: cannot recursively call templatefile from "
                            "inside another template function")
    text = _string(path, "templatefile", "path")
    if not isinstance(variables, dict):
        raise FunctionError("Invalid function argument: templatefile: Invalid value for \"vars\" parameter: "
                            "invalid vars value: must be a map.")
    for key in sorted(variables):
        if not _IDENTIFIER.match(key):
            raise FunctionError(f"Invalid function argument: templatefile: Invalid value for \"vars\" parameter: "
                                f"invalid template variable name \"{key}\": must start with a letter, followed by "
                                "zero or more letters, digits, and underscores.")
    source = files.text(text, "templatefile")
    try:
        template = parse_template(source, parse_expression, escapes=False)
    except (TemplateError, HclSyntaxError) as err:
        raise FunctionError(f"Error in function call: templatefile: {text}: {err}") from None
    inner = FileContext(files.tree, files.cwd, in_template=True, shared=files)
    try:
        return evaluate(template, Scope(_TemplateVars(inner, text), dict(variables)))
    except EvalError as err:
        raise FunctionError(f"Error in function call: templatefile: {text}: {err}") from None


class _TemplateVars:
    """A template sees only its vars (and functions): no var., local., path. or resources."""

    def __init__(self, files: FileContext, shown: str) -> None:
        self.files = files
        self.shown = shown

    def resolve(self, root: str, attr: str | None, trace: Trace) -> Any:
        raise EvalError(f"Invalid value for \"vars\" parameter: vars map does not contain key \"{root}\", "
                        f"referenced at {self.shown}")


def _abspath(files: FileContext, path: Any) -> str:
    text = _string(path, "abspath", "path")
    return os.path.normpath(os.path.join(files.cwd, text)).replace(os.sep, "/")


def _pathexpand(files: FileContext, path: Any) -> Any:
    text = _string(path, "pathexpand", "path")
    if text == "~" or text.startswith("~/"):
        return Unknown(f"pathexpand: {text} names the home folder of whoever runs terraform, outside the scanned tree")
    return text  # Terraform expands only a leading ~


def _dirname(files: FileContext, path: Any) -> str:
    text = _string(path, "dirname", "path")
    return os.path.normpath(text[: text.rfind("/") + 1]) if "/" in text else "."  # Go's filepath.Dir


def _basename(files: FileContext, path: Any) -> str:
    text = _string(path, "basename", "path")
    if text == "":
        return "."
    stripped = text.rstrip("/")
    return os.path.basename(stripped) if stripped else "/"


_FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "file": (_file, 1, 1), "fileexists": (_fileexists, 1, 1), "fileset": (_fileset, 2, 2),
    "filebase64": (_filebase64, 1, 1), "templatefile": (_templatefile, 2, 2),
    "filemd5": (_hex_digest("md5"), 1, 1), "filesha1": (_hex_digest("sha1"), 1, 1),
    "filesha256": (_hex_digest("sha256"), 1, 1), "filesha512": (_hex_digest("sha512"), 1, 1),
    "filebase64sha256": (_base64_digest("sha256"), 1, 1), "filebase64sha512": (_base64_digest("sha512"), 1, 1),
    "abspath": (_abspath, 1, 1), "pathexpand": (_pathexpand, 1, 1), "dirname": (_dirname, 1, 1), "basename": (_basename, 1, 1),
}
FILE_FUNCTION_NAMES = frozenset(_FUNCTIONS)
_READERS = frozenset({"file", "templatefile"})  # whose result is the file's text
