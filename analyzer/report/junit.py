"""JUnit XML for CI test reporters (dorny/test-reporter, action-junit-report, GitLab, Jenkins).

One ``<testsuite>`` per rule, named ``CKV_RES_1 <rule name>``, in natural rule-id order:

* one failed testcase per active finding (name = address, classname = rule id, ``file`` and
  ``line`` attributes; failure message = finding message, failure text = ``file:line``,
  message and evidence chain);
* one skipped testcase per suppressed finding, with the suppression reason;
* one passing testcase per inventory address that has no finding for that rule (``file`` and
  ``line`` of the inventory row).

Inputs that could not be analyzed become ``<error>`` testcases of one more suite,
``residency inputs not analyzed``, unless a CKV_RES_9 finding of the same file and line already
reports them.

Every value goes through :mod:`analyzer.report.escape`: control characters (which XML 1.0
cannot carry at all), bidi overrides and undecodable bytes of file names show as escapes
(``\\x1b``, ``\\u202e``, ``\\xff``); messages keep their line breaks.
"""

from __future__ import annotations

from junit_xml import TestCase, TestSuite, to_xml_report_string

from analyzer.models import Finding, InventoryRow, ScanReport

from ._common import (
    TOOL_NAME,
    evidence_strings,
    location,
    posix_path,
    rule_catalogue,
    sorted_errors,
    sorted_findings,
    sorted_inventory,
)
from .escape import ci_inert, message_lines, visible

ERRORS_SUITE = f"{TOOL_NAME} inputs not analyzed"
NOT_ANALYZED_RULE = "CKV_RES_9"


def failure_text(f: Finding) -> str:
    lines = [visible(location(f.file, f.line)), message_lines(f.message)]
    placement = [f"{label} {visible(value)}" for label, value in (("region", f.region), ("account", f.account))
                 if value]
    if placement:
        lines.append(", ".join(placement))
    steps = [visible(step) for step in evidence_strings(f.evidence)]
    if steps:
        lines.append("Evidence:")
        lines.append(f"  {steps[0]}")
        lines.extend(f"  \u2190 {step}" for step in steps[1:])
    return "\n".join(lines)


def _case(name: str, classname: str, file: str, line: int) -> TestCase:
    return TestCase(name=visible(name), classname=visible(classname), file=visible(posix_path(file)),
                    line=str(max(line, 1)))


def _finding_case(f: Finding) -> TestCase:
    case = _case(f.address, f.rule_id, f.file, f.line)
    if f.suppressed is None:
        case.add_failure_info(message=message_lines(f.message), output=failure_text(f),
                              failure_type=visible(f.severity))
    else:
        case.add_skipped_info(message=f"suppressed: {visible(f.suppressed)}", output=failure_text(f))
    return case


def _unique_rows(report: ScanReport) -> list[InventoryRow]:
    seen: set[str] = set()
    rows = []
    for row in sorted_inventory(report.inventory):
        if row.address not in seen:
            seen.add(row.address)
            rows.append(row)
    return rows


def suites(report: ScanReport) -> list[TestSuite]:
    findings = sorted_findings(report.findings)
    rows = _unique_rows(report)
    out = []
    for rule in rule_catalogue(report):
        mine = [f for f in findings if f.rule_id == rule.id]
        flagged = {f.address for f in mine}
        cases = [_finding_case(f) for f in mine]
        cases += [_case(row.address, rule.id, row.file, row.line) for row in rows if row.address not in flagged]
        out.append(
            TestSuite(
                name=visible(f"{rule.id} {rule.name}"),
                test_cases=cases,
                package=TOOL_NAME,
                properties={"rule_id": rule.id, "severity": rule.severity},
            )
        )
    reported = {(posix_path(f.file), f.line) for f in findings if f.rule_id == NOT_ANALYZED_RULE}
    error_cases = []
    for e in sorted_errors(report.errors):
        if (posix_path(e.file), e.line) in reported:
            continue
        case = _case(e.address or location(e.file, e.line), "input", e.file, e.line)
        output = f"{visible(location(e.file, e.line))}\n{message_lines(e.message)}"
        case.add_error_info(message=message_lines(e.message), output=output, error_type="not analyzed")
        error_cases.append(case)
    if error_cases:
        out.append(TestSuite(name=ERRORS_SUITE, test_cases=error_cases, package=TOOL_NAME))
    if not out:  # keep the counts on <testsuites> even when there is nothing to report
        out.append(TestSuite(name=TOOL_NAME, test_cases=[], package=TOOL_NAME))
    return out


def render(report: ScanReport) -> str:
    # printed to a CI log, no value may read as a workflow command: character references
    # keep every value as it was
    return ci_inert(to_xml_report_string(suites(report), prettyprint=True), hash_escape="&#35;", colon_escape="&#58;")
