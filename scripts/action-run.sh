#!/usr/bin/env bash
# Run `residency scan` the way the composite action (action.yml) does, from INPUT_* variables:
#   INPUT_PATHS       whitespace/newline-separated paths (default ".")
#   INPUT_REGION      --region
#   INPUT_ACCOUNTS    comma-separated --account values
#   INPUT_CONFIG      --config
#   INPUT_VAR_FILES   newline-separated --var-file values, in order
#   INPUT_VARS        newline-separated --var NAME=VALUE values
#   INPUT_HELM_VALUES newline-separated --values files; INPUT_HELM_SET, INPUT_HELM_SET_STRING newline-
#                     separated --set/--set-string; INPUT_HELM_RELEASE_NAME, INPUT_HELM_NAMESPACE,
#                     INPUT_HELM_KUBE_VERSION; INPUT_HELM_API_VERSIONS comma/newline-separated
#   INPUT_CHANGED_FROM --changed-from git ref
#   INPUT_CHECK, INPUT_SKIP_CHECK, INPUT_HARD_FAIL_ON, INPUT_SOFT_FAIL_ON  comma/newline-separated
#                     rule IDs, wildcards or severities; INPUT_SKIP_PATH newline-separated patterns
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

# newline-separated values, each one flag (values may hold commas and spaces: --set a={b,c})
add_lines() {
  local flag="$1" text="$2" line
  while IFS= read -r line; do
    line="$(trim "$line")"
    [ -n "$line" ] && args+=("$flag" "$line")
  done <<<"$text"
  return 0
}
# comma- or newline-separated values, each one flag
add_list() {
  local flag="$1" text="$2" item items=()
  IFS=$', \t\n' read -r -d '' -a items <<<"$text" || true  # no word splitting of $text: CKV_RES_* is no glob
  for item in "${items[@]+"${items[@]}"}"; do
    [ -n "$item" ] && args+=("$flag" "$item")
  done
  return 0
}
add_one() {
  local value
  value="$(trim "$2")"
  [ -n "$value" ] && args+=("$1" "$value")
  return 0
}

add_lines --var "${INPUT_VARS:-}"
add_lines --values "${INPUT_HELM_VALUES:-}"
add_lines --set "${INPUT_HELM_SET:-}"
add_lines --set-string "${INPUT_HELM_SET_STRING:-}"
add_one --release-name "${INPUT_HELM_RELEASE_NAME:-}"
add_one --namespace "${INPUT_HELM_NAMESPACE:-}"
add_one --kube-version "${INPUT_HELM_KUBE_VERSION:-}"
add_list --api-versions "${INPUT_HELM_API_VERSIONS:-}"
add_one --changed-from "${INPUT_CHANGED_FROM:-}"
add_list --check "${INPUT_CHECK:-}"
add_list --skip-check "${INPUT_SKIP_CHECK:-}"
add_lines --skip-path "${INPUT_SKIP_PATH:-}"
add_list --hard-fail-on "${INPUT_HARD_FAIL_ON:-}"
add_list --soft-fail-on "${INPUT_SOFT_FAIL_ON:-}"

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
