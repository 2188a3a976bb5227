"""A finding's identity: the fingerprint baselines and SARIF `partialFingerprints` share.

A fingerprint is the sha256 (first 32 hex digits) of, in order:

- the fingerprint version (`v2`);
- the rule ID;
- the root the finding belongs to (the Terraform root, plan file or chart folder, relative to
  the scan root), so two roots' findings on the same shared module file never collide;
- the address (`module.x["events"].aws_s3_bucket.this`, `Kind/namespace/name`, or the file of an
  input not analyzed);
- the file, relative to the scan root (a module outside the scan root as `../../modules/x.tf`),
  never an absolute path;
- the message with line references (`main.tf:12`, `line 12`) and absolute paths made relative,
  which carries the facts that tell two findings of one rule on one address apart (the
  destination, the region, the account);
- when two findings still agree on all of that, their order of appearance (`#1`, `#2`, ...).

Line numbers stay out, so inserting a line above a resource keeps its fingerprints; nothing
machine-specific goes in, so a laptop and a CI runner compute the same ones.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections import defaultdict
from typing import Iterable

from analyzer.models import Finding

FINGERPRINT_VERSION = "v2"

# `main.tf:12`, `values.yaml:3:7`: a location after a file name with an extension (an ARN's
# `::111122223333:` has none, so accounts stay in)
_LOCATION_LINE = re.compile(r"(\.[A-Za-z0-9]{1,12}):\d+(?::\d+)?\b")
_WORD_LINE = re.compile(r"\b(lines?)\s+\d+(?:\s*[-\u2013]\s*\d+)?", re.IGNORECASE)
_ABSOLUTE = re.compile(r"(?<![\w.:/-])/[^\s'\"()\[\],;]+")


def portable_path(path: str, base: str | None = None) -> str:
    """A path as every machine names it: forward slashes, relative to the scan root `base`."""
    path = path.replace("\\", "/")
    if posixpath.isabs(path) and base:
        path = os.path.relpath(path, base).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def portable_text(text: str, base: str | None = None) -> str:
    """The message without line references, with absolute paths under the scan root made relative."""
    text = _WORD_LINE.sub(r"\1", _LOCATION_LINE.sub(r"\1", text))
    if base:
        text = _ABSOLUTE.sub(lambda m: portable_path(m.group(0), base), text)
    return text


def fingerprint(rule_id: str, root: str, address: str, file: str, message: str, *,
                base: str | None = None, occurrence: int = 0) -> str:
    parts = [FINGERPRINT_VERSION, rule_id, portable_path(root, base), address, portable_path(file, base),
             portable_text(message, base)]
    if occurrence:
        parts.append(f"#{occurrence}")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def finding_fingerprint(finding: Finding) -> str:
    """The finding's own fingerprint (set by the scan), else one computed from what it carries."""
    return finding.fingerprint or fingerprint(finding.rule_id, "", finding.address, finding.file, finding.message)


def disambiguate(findings: Iterable[tuple[Finding, str, str]], base: str | None = None) -> None:
    """Give each (finding, root, message) its fingerprint; findings that agree on every part get
    their order of appearance (by line, then message) as a last part, so each is distinct."""
    groups: dict[str, list[tuple[Finding, str, str]]] = defaultdict(list)
    for item in findings:
        finding, root, message = item
        finding.fingerprint = fingerprint(finding.rule_id, root, finding.address, finding.file, message, base=base)
        groups[finding.fingerprint].append(item)
    for same in groups.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda item: (item[0].line, item[2]))
        for occurrence, (finding, root, message) in enumerate(same[1:], start=1):
            finding.fingerprint = fingerprint(finding.rule_id, root, finding.address, finding.file, message,
                                              base=base, occurrence=occurrence)
