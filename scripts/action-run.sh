#!/usr/bin/env bash
# Run `residency scan` the way the composite action (action.yml) does, from INPUT_* variables:
#   INPUT_PATHS       whitespace/newline-separated paths (default ".")
#   INPUT_REGION      --region
#   INPUT_ACCOUNTS    comma-separated --account values
#   INPUT_CONFIG      --config
#   INPUT_VAR_FILES   newline-separated --var-file values, in order
#   INPUT_FORMATS     comma/space-separated formats printed to stdout (default "cli")
#   INPUT_JUNIT_FILE  JUnit XML file to write (unset: residency-junit.xml; empty: none)
#   INPUT_SARIF_FILE  SARIF file to write (unset: residency.sarif; empty: none)
#   INPUT_SOFT_FAIL   "true": exit 0 even with findings
#   INPUT_BASELINE    --baseline file
# GitHub annotations (--format github) go to stdout; a Markdown report (--format markdown) is
# appended to $GITHUB_STEP_SUMMARY when set; the exit code is the scan's (also written as the
# `exit-code` step output when $GITHUB_OUTPUT is set). Runs anywhere with `residency` on PATH
# (or RESIDENCY_BIN pointing at it).
set -uo pipefail

residency="${RESIDENCY_BIN:-residency}"
trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; s="${s%"${s##*[![:space:]]}"}"; printf '%s' "$s"; }
is_true() { case "$(trim "${1:-}" | tr '[:upper:]' '[:lower:]')" in true|yes|1|on) return 0 ;; *) return 1 ;; esac; }

args=(scan)

read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
[ "${#paths[@]}" -eq 0 ] && paths=(.)
args+=("${paths[@]}")

region="$(trim "${INPUT_REGION:-}")"
[ -n "$region" ] && args+=(--region "$region")

IFS=',' read -r -a accounts <<<"${INPUT_ACCOUNTS:-}" || true
for account in "${accounts[@]+"${accounts[@]}"}"; do
  account="$(trim "$account")"
  [ -n "$account" ] && args+=(--account "$account")
done

config="$(trim "${INPUT_CONFIG:-}")"
[ -n "$config" ] && args+=(--config "$config")

while IFS= read -r var_file; do
  var_file="$(trim "$var_file")"
  [ -n "$var_file" ] && args+=(--var-file "$var_file")
done <<<"${INPUT_VAR_FILES:-}"

baseline="$(trim "${INPUT_BASELINE:-}")"
[ -n "$baseline" ] && args+=(--baseline "$baseline")

is_true "${INPUT_SOFT_FAIL:-false}" && args+=(--soft-fail)

# every format goes with its own --output ("-" is stdout)
junit_file="$(trim "${INPUT_JUNIT_FILE-residency-junit.xml}")"
sarif_file="$(trim "${INPUT_SARIF_FILE-residency.sarif}")"
[ -n "$junit_file" ] && args+=(--format junit --output "$junit_file")
[ -n "$sarif_file" ] && args+=(--format sarif --output "$sarif_file")
tmp="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/residency.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
summary_md="$tmp/summary.md"
annotations="$tmp/annotations.txt"
args+=(--format markdown --output "$summary_md")
args+=(--format github --output "$annotations")
for fmt in ${INPUT_FORMATS:-cli}; do
  IFS=',' read -r -a parts <<<"$fmt"
  for part in "${parts[@]+"${parts[@]}"}"; do
    part="$(trim "$part")"
    case "$part" in
      ""|github|junit|sarif|markdown) ;;  # already produced above
      *) args+=(--format "$part" --output -) ;;
    esac
  done
done

printf '+ residency' >&2; printf ' %q' "${args[@]}" >&2; printf '\n' >&2
"$residency" "${args[@]}"
code=$?

# annotations, like SARIF and JUnit, name files from the repository root (analyzer/report/paths.py)
[ -s "$annotations" ] && cat "$annotations"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -s "$summary_md" ]; then
    cat "$summary_md" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '## Residency report\n\nThe scan did not complete (exit code %s); see the step log.\n' "$code" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
[ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=$code" >>"$GITHUB_OUTPUT"
exit "$code"
