# How the test scripts count and report their checks (sourced by
# build-targets.sh, test-targets.sh and install-test.sh, so each prints the
# same lines and exits the same way).
#
# `ok WHAT` and `ko WHAT [LOG]` print a line and count it (ko shows
# the end of LOG); `report_and_exit LABEL` prints `LABEL: N passed, N failed`
# and exits 1 when anything failed, else 0.
passed=0
failed=0
failures=()
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
ko() {
  failed=$((failed + 1)); failures+=("$1"); echo "FAIL - $1"
  [[ -n "${2:-}" && -s "$2" ]] && tail -n 40 "$2" | sed 's/^/       | /'
  return 0
}
report_and_exit() {
  echo "$1: $passed passed, $failed failed"
  if ((failed > 0)); then
    local failure
    for failure in "${failures[@]}"; do printf '%s: FAILED: %s\n' "$1" "$failure" >&2; done
    exit 1
  fi
  exit 0
}
