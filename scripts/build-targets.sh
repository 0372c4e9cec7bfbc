#!/usr/bin/env bash
# Builds the prebuilt Linux binaries the napi-rs way and type-checks the rest
# (issue 16). Run as `npm run build:targets`; the GitHub workflow runs the same
# script for its Linux matrix entries.
#
#   bash scripts/build-targets.sh                      # the Linux targets below + the cargo checks
#   bash scripts/build-targets.sh <triple>...          # only these (a Linux triple is built, another one checked)
#   bash scripts/build-targets.sh --no-check           # the Linux builds only
#
# Linux: `napi build --platform --release -p fasthttp-node --target <triple>
# --cross-compile`, i.e. cargo-zigbuild with zig as the linker, written to
# npm/<platform>/fasthttp.<platform>.node (where `napi artifacts` puts a
# downloaded binary). glibc targets are linked against glibc 2.17
# (`<triple>.2.17`, cargo-zigbuild's suffix, the baseline napi-rs' own cross
# toolchain uses); musl targets link libc dynamically (napi-rs adds
# `-C target-feature=-crt-static`), as a Node.js addon must.
# x86_64-unknown-linux-gnu is built the same way (zig, glibc 2.17) into
# npm/linux-x64-gnu: that is the binary a release ships. `npm run build` still
# builds the host's own (host glibc) into the root for `npm test`.
#
# Other platforms cannot be linked here (no macOS SDK, no FreeBSD sysroot, no
# MSVC CRT/SDK), so they get `cargo check --workspace --all-targets --target
# <triple>`: every cfg(target_os) path of both crates and their tests compiles.
#
# Idempotent: it installs only what is missing (the rustup targets, and zig +
# cargo-zigbuild from PyPI into .cache/cross-tools), and cargo rebuilds only
# what changed. Prints one line per target and a closing
# `build targets: N passed, N failed`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=targets.sh
. "$ROOT/scripts/targets.sh" # LINUX_TARGETS, platform_of
# shellcheck source=results.sh
. "$ROOT/scripts/results.sh" # ok, ko, report_and_exit
CHECK_TARGETS=(x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd x86_64-pc-windows-msvc)
# zig as the napi-rs package template's workflow pins it; cargo-zigbuild pinned too.
ZIGLANG_VERSION=0.14.1
CARGO_ZIGBUILD_VERSION=0.24.1
TOOLS="$ROOT/.cache/cross-tools"
LOGS="$ROOT/.cache/logs"

do_check=1
requested=()
for arg in "$@"; do
  case "$arg" in
    --no-check) do_check=0 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-targets: unknown option $arg" >&2; exit 2 ;;
    *) requested+=("$arg") ;;
  esac
done
if ((${#requested[@]} == 0)); then
  requested=("${LINUX_TARGETS[@]}")
  ((do_check)) && requested+=("${CHECK_TARGETS[@]}")
fi

mkdir -p "$LOGS"
elapsed() { echo "$(($(date +%s) - $1)) s"; }

# --- tools --------------------------------------------------------------------
command -v rustup >/dev/null || { echo "build-targets: rustup is required (Rust by rustup)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "build-targets: cargo is required" >&2; exit 1; }
[[ -x node_modules/.bin/napi ]] || { echo "build-targets: node_modules/.bin/napi is missing: run \`npm ci\`" >&2; exit 1; }

installed_targets="$(rustup target list --installed)"
missing_targets=()
for t in "${requested[@]}"; do
  grep -qx "$t" <<<"$installed_targets" || missing_targets+=("$t")
done
if ((${#missing_targets[@]})); then
  echo "== rustup target add ${missing_targets[*]}"
  rustup target add "${missing_targets[@]}" || { echo "build-targets: rustup target add failed" >&2; exit 1; }
fi

need_zig=0
for t in "${requested[@]}"; do platform_of "$t" >/dev/null && need_zig=1; done
if ((need_zig)); then
  stamp="$TOOLS/installed-ziglang-$ZIGLANG_VERSION-cargo-zigbuild-$CARGO_ZIGBUILD_VERSION"
  if [[ ! -f "$stamp" ]]; then
    echo "== pip install ziglang==$ZIGLANG_VERSION cargo-zigbuild==$CARGO_ZIGBUILD_VERSION (into $TOOLS)"
    command -v python3 >/dev/null || { echo "build-targets: python3 (with pip) is required for zig" >&2; exit 1; }
    rm -rf "$TOOLS"
    mkdir -p "$TOOLS/bin"
    python3 -m pip install --disable-pip-version-check --quiet --target "$TOOLS/py" \
      "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" \
      || { echo "build-targets: pip install of ziglang/cargo-zigbuild failed" >&2; exit 1; }
    ln -sf ../py/ziglang/zig "$TOOLS/bin/zig"
    ln -sf ../py/bin/cargo-zigbuild "$TOOLS/bin/cargo-zigbuild"
    touch "$stamp"
  fi
  export PATH="$TOOLS/bin:$PATH"
  echo "== zig $(zig version), $(cargo-zigbuild --version)"
fi

# --- builds and checks ----------------------------------------------------------
for t in "${requested[@]}"; do
  start=$(date +%s)
  if platform="$(platform_of "$t")"; then
    out="npm/$platform"
    node_file="$out/fasthttp.$platform.node"
    zig_target="$t"
    [[ "$t" == *-gnu ]] && zig_target="$t.2.17"
    log="$LOGS/build-$t.log"
    echo "== napi build --target $zig_target --cross-compile -> $node_file"
    # --no-js: the loader (binding.cjs) is the host build's, the same for every
    # target; the type definitions go to a scratch file, not over binding.d.cts.
    if nice -n 10 node_modules/.bin/napi build --platform --release -p fasthttp-node \
      --target "$zig_target" --cross-compile -o "$out" --no-js --dts "../../.cache/dts-$platform.d.ts" >"$log" 2>&1 \
      && [[ -f "$node_file" ]]; then
      ok "$t: built $node_file ($(du -k "$node_file" | cut -f1) KiB, $(elapsed "$start"))"
    else
      ko "$t: napi build failed (log $log)" "$log"
    fi
  else
    log="$LOGS/check-$t.log"
    echo "== cargo check --workspace --all-targets --target $t"
    if nice -n 10 cargo check --workspace --all-targets --target "$t" >"$log" 2>&1; then
      ok "$t: cargo check passed ($(grep -c '^warning' "$log") warnings, $(elapsed "$start"))"
    else
      ko "$t: cargo check failed (log $log)" "$log"
    fi
  fi
done

report_and_exit "build targets"
