"""GitHub Actions workflow commands: one annotation per active (unsuppressed) finding.

    ::error file=main.tf,line=12,title=CKV_RES_1 Data stays in the home region::message

CRITICAL/HIGH findings are ``error``, MEDIUM ``warning``, LOW/INFO ``notice``. Escaping
follows the runner's rules: in the message (data) ``%``, ``\\r`` and ``\\n`` become ``%25``,
``%0D`` and ``%0A``; in property values ``:`` and ``,`` also become ``%3A`` and ``%2C``.
Before that, control and bidi characters from the scanned tree show as escapes (``\\x1b``,
``\\u202e``; see :mod:`analyzer.report.escape`), so a value can neither end the command nor
drive the log viewer. The evidence chain follows the message on a second line of the
annotation.
"""

from __future__ import annotations

from analyzer.models import Finding, ScanReport

from ._common import evidence_chain, posix_path, sorted_findings
from .escape import ci_inert, visible, workflow_data, workflow_property

COMMAND = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "notice", "INFO": "notice"}


escape_data = workflow_data
escape_property = workflow_property


def annotation(f: Finding) -> str:
    props = {
        "file": posix_path(f.file),
        "line": str(max(f.line, 1)),
        "title": f"{f.rule_id} {f.rule_name}".rstrip(),
    }
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    chain = evidence_chain(f.evidence)
    # the message may span lines (%0A); the chain is one line, so its line breaks are escaped
    message = f"{visible(f.message, lines=True)}\nEvidence: {visible(chain)}" if chain else f.message
    data = ci_inert(escape_data(message), hash_escape="\\x23", colon_escape="\\x3a")
    return f"::{COMMAND[f.severity]} {prop_text}::{data}"


def render(report: ScanReport) -> str:
    lines = [annotation(f) for f in sorted_findings(report.active_findings())]
    return "".join(line + "\n" for line in lines)
