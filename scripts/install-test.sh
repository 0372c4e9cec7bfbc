#!/usr/bin/env bash
# Install test: packs fasthttp the way it is published (the main package plus
# the linux-x64-gnu platform package, laid out as `napi artifacts` would), installs
# both tarballs into a fresh project OUTSIDE the source tree, and checks that a
# consumer can use it there: require() (CJS), import (ESM), and a strict
# TypeScript compile against the shipped types. Also checks what each tarball
# ships. Needs the addon built already (fasthttp.linux-x64-gnu.node, index.js).
#
#   bash scripts/install-test.sh            # KEEP_TMP=1 keeps the temp dir
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET=linux-x64-gnu
NODE_FILE="fasthttp.${TARGET}.node"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fasthttp-install-test.XXXXXX")"
PACKS="$WORK/packs"
PLATFORM_DIR="$WORK/platform-${TARGET}"
APP="$WORK/app"
LOG="$WORK/log"

# shellcheck source=results.sh
. "$ROOT/scripts/results.sh" # ok, ko, report_and_exit

cleanup() {
  if [[ "${KEEP_TMP:-}" == 1 ]]; then echo "install test: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

finish() { report_and_exit "install test"; }
fatal() { ko "$1" "${2:-}"; echo "install test: cannot continue" >&2; finish; }

mkdir -p "$PACKS" "$APP" "$LOG"
case "$APP" in "$ROOT"/*) fatal "the temp project $APP is inside the source tree $ROOT" ;; esac

# --- preconditions ------------------------------------------------------------
for f in index.js index.d.ts binding.cjs binding.d.cts "$NODE_FILE" "npm/${TARGET}/package.json"; do
  [[ -f "$ROOT/$f" ]] || fatal "missing $ROOT/$f (build first: npm run build)"
done

# --- pack ------------------------------------------------------------------------
# --ignore-scripts: `prepare` would rebuild the addon.
(cd "$ROOT" && npm pack --ignore-scripts --pack-destination "$PACKS" --silent) >"$LOG/pack-main" 2>&1 \
  || fatal "npm pack of the main package failed" "$LOG/pack-main"
MAIN_TGZ="$PACKS/$(tail -n 1 "$LOG/pack-main")"
[[ -f "$MAIN_TGZ" ]] || fatal "npm pack did not produce the main tarball ($MAIN_TGZ)" "$LOG/pack-main"

# What `napi artifacts` does: the built .node goes into npm/<target>/.
cp -R "$ROOT/npm/${TARGET}" "$PLATFORM_DIR"
cp "$ROOT/$NODE_FILE" "$PLATFORM_DIR/"
(cd "$PLATFORM_DIR" && npm pack --ignore-scripts --pack-destination "$PACKS" --silent) >"$LOG/pack-platform" 2>&1 \
  || fatal "npm pack of fasthttp-${TARGET} failed" "$LOG/pack-platform"
PLATFORM_TGZ="$PACKS/$(tail -n 1 "$LOG/pack-platform")"
[[ -f "$PLATFORM_TGZ" ]] || fatal "npm pack did not produce the platform tarball" "$LOG/pack-platform"

# --- 1. the main tarball ships JS + types only ----------------------------------------
tar -tzf "$MAIN_TGZ" | sort >"$LOG/main-list"
bad="$(grep -E '\.node$|^package/crates/|\.rs$|(^|/)Cargo\.(toml|lock)$|^package/target/|^package/npm/' "$LOG/main-list")"
missing=""
for f in package/package.json package/index.js package/index.d.ts package/binding.cjs package/binding.d.cts; do
  grep -qx "$f" "$LOG/main-list" || missing+=" $f"
done
if [[ -z "$bad" && -z "$missing" ]]; then
  ok "main tarball: $(wc -l <"$LOG/main-list") files, no .node, no Rust sources"
else
  { echo "unexpected:"; echo "$bad"; echo "missing:$missing"; echo "--- contents"; cat "$LOG/main-list"; } >"$LOG/main-bad"
  ko "main tarball contents ($(basename "$MAIN_TGZ"))" "$LOG/main-bad"
fi

# --- 2. the platform tarball ships package.json, README.md and the .node only ----------
tar -tzf "$PLATFORM_TGZ" | sort >"$LOG/platform-list"
printf '%s\n' package/README.md "package/$NODE_FILE" package/package.json | sort >"$LOG/platform-want"
if diff -u "$LOG/platform-want" "$LOG/platform-list" >"$LOG/platform-diff"; then
  ok "platform tarball: package.json, README.md, $NODE_FILE"
else
  ko "platform tarball contents ($(basename "$PLATFORM_TGZ"))" "$LOG/platform-diff"
fi

# --- 3. npm install into a fresh project ------------------------------------------------
TS_VERSION="$(node -p "require('$ROOT/node_modules/typescript/package.json').version" 2>/dev/null || echo 5)"
TYPES_NODE_VERSION="$(node -p "require('$ROOT/node_modules/@types/node/package.json').version" 2>/dev/null || echo 20)"
cat >"$APP/package.json" <<'EOF'
{ "name": "fasthttp-install-test-app", "version": "1.0.0", "private": true }
EOF
(
  cd "$APP" && unset NAPI_RS_NATIVE_LIBRARY_PATH &&
    npm install --no-audit --no-fund --prefer-offline --loglevel=error \
      "$MAIN_TGZ" "$PLATFORM_TGZ" "typescript@$TS_VERSION" "@types/node@$TYPES_NODE_VERSION"
) >"$LOG/install" 2>&1
if [[ $? -eq 0 && -f "$APP/node_modules/fasthttp/package.json" && -f "$APP/node_modules/fasthttp-${TARGET}/$NODE_FILE" ]]; then
  ok "npm install of both tarballs (+ typescript@$TS_VERSION, @types/node@$TYPES_NODE_VERSION)"
else
  fatal "npm install of the tarballs in $APP" "$LOG/install"
fi

# The checks below must load the binary from the platform package, not from a
# stray copy, and must never touch the source tree.
if find "$APP/node_modules/fasthttp" -name '*.node' | grep -q .; then
  ko "node_modules/fasthttp contains a .node file"
fi

# One request against a server on 127.0.0.1:0, then a graceful shutdown; the
# process must exit by itself (the `timeout` bounds it).
SERVE_BODY='
const server = newServer({ port: 0, host: "127.0.0.1", handler: (req) => `hello ${req.methodName} ${req.url}` })
const stopped = server.run()
await server.handle().waitTillRunning()
const res = await fetch(`http://127.0.0.1:${server.port}/from-${MODE}`)
const text = await res.text()
if (res.status !== 200 || text !== `hello GET /from-${MODE}`) throw new Error(`unexpected answer ${res.status} ${JSON.stringify(text)}`)
await server.handle().shutdown({ timeoutMs: 3000 })
await stopped
console.log(`${MODE}: served ${JSON.stringify(text)} on port ${server.port}, binary ${BINARY}`)
'

# --- 4. CommonJS: require('fasthttp') ------------------------------------------------
cat >"$APP/cjs.cjs" <<EOF
'use strict'
const MODE = 'cjs'
const { newServer } = require('fasthttp')
const BINARY = Object.keys(require.cache).find((k) => k.endsWith('.node'))
if (typeof newServer !== 'function') throw new Error('require("fasthttp").newServer is not a function')
if (!BINARY || !BINARY.includes('/node_modules/fasthttp-${TARGET}/')) throw new Error('binary not loaded from fasthttp-${TARGET}: ' + BINARY)
;(async () => {
${SERVE_BODY}
})().catch((error) => { console.error(error); process.exitCode = 1 })
EOF
if (cd "$APP" && unset NAPI_RS_NATIVE_LIBRARY_PATH && timeout 30 node cjs.cjs) >"$LOG/cjs" 2>&1; then
  ok "$(tail -n 1 "$LOG/cjs")"
else
  ko "require('fasthttp') (CJS) could not serve a request and exit (exit $?)" "$LOG/cjs"
fi

# --- 5. ESM: import { newServer } from 'fasthttp' ------------------------------------------
cat >"$APP/esm.mjs" <<EOF
import { newServer } from 'fasthttp'
import * as whole from 'fasthttp'
import { createRequire } from 'node:module'
const MODE = 'esm'
const require = createRequire(import.meta.url)
const BINARY = Object.keys(require.cache).find((k) => k.endsWith('.node'))
if (typeof newServer !== 'function') throw new Error('import { newServer } from "fasthttp" is not a function')
if (!BINARY || !BINARY.includes('/node_modules/fasthttp-${TARGET}/')) throw new Error('binary not loaded from fasthttp-${TARGET}: ' + BINARY)
if (typeof whole.HttpRequest !== 'function' || typeof whole.Server !== 'function') throw new Error('HttpRequest/Server are not exported to ESM')
const dynamic = await import('fasthttp')
if (dynamic.newServer !== newServer) throw new Error('import("fasthttp") gives another module instance')
${SERVE_BODY}
EOF
if (cd "$APP" && unset NAPI_RS_NATIVE_LIBRARY_PATH && timeout 30 node esm.mjs) >"$LOG/esm" 2>&1; then
  ok "$(tail -n 1 "$LOG/esm")"
else
  ko "import from 'fasthttp' (ESM) could not serve a request and exit (exit $?)" "$LOG/esm"
fi

# --- 6. TypeScript consumers (strict) against the shipped types ---------------------------
CONSUMER_TS='
const handler = (req: HttpRequest): string => {
  const path: Slice = req.path
  const method: string = req.methodName
  const agent: string | undefined = req.header("user-agent")
  const body: Buffer = req.bodyBytes()
  return `${method} ${req.buffer.toString("latin1", path.start, path.start + path.len)} ${agent ?? ""} ${body.length}`
}
const config: ServerConfig = { port: 0, host: "127.0.0.1", reusePort: true, handler, onError: (error: unknown) => console.error(error) }
const server: Server = newServer(config)
const handle: ServerHandle = server.handle()
const done: Promise<void> = server.run()
void handle.waitTillRunning({ maxRetries: 10 }).then(() => handle.shutdown({ timeoutMs: 1000 }))
void done
const port: number = server.port
void port
// @ts-expect-error: port must be a number
newServer({ port: "80", handler })
// @ts-expect-error: handler is required
newServer({ port: 0 })
'
printf "import { newServer, HttpRequest, Server, type ServerConfig, type ServerHandle, type Slice } from 'fasthttp'\n%s" "$CONSUMER_TS" >"$APP/consumer.mts"
printf "import { newServer, HttpRequest, Server, type ServerConfig, type ServerHandle, type Slice } from 'fasthttp'\n%s" "$CONSUMER_TS" >"$APP/consumer.cts"
cat >"$APP/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "node16",
    "moduleResolution": "node16",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"]
  },
  "files": ["consumer.mts", "consumer.cts"]
}
EOF
if (cd "$APP" && timeout 120 ./node_modules/.bin/tsc --noEmit -p tsconfig.json) >"$LOG/tsc" 2>&1; then
  ok "tsc --noEmit (strict, node16; ESM + CJS consumers) against the shipped index.d.ts"
else
  ko "TypeScript consumer does not compile against the shipped types" "$LOG/tsc"
fi

# --- 7. fasthttp/node: require, import and types ------------------------------------------
NODE_SERVE='
const server = createServer((req, res) => res.end(`node ${req.method} ${req.url}`))
server.listen(0, "127.0.0.1", async () => {
  const res = await fetch(`http://127.0.0.1:${server.address().port}/from-${MODE}`)
  const text = await res.text()
  if (text !== `node GET /from-${MODE}`) throw new Error(`unexpected answer ${JSON.stringify(text)}`)
  server.close(() => console.log(`${MODE}: fasthttp/node served ${JSON.stringify(text)}`))
})
'
printf "'use strict'\nconst MODE = 'node-cjs'\nconst { createServer } = require('fasthttp/node')\n%s" "$NODE_SERVE" >"$APP/node-cjs.cjs"
printf "import { createServer } from 'fasthttp/node'\nconst MODE = 'node-esm'\n%s" "$NODE_SERVE" >"$APP/node-esm.mjs"
for mode in cjs esm; do
  file="node-$mode.$([[ $mode == cjs ]] && echo cjs || echo mjs)"
  if (cd "$APP" && unset NAPI_RS_NATIVE_LIBRARY_PATH && timeout 30 node "$file") >"$LOG/node-$mode" 2>&1; then
    ok "$(tail -n 1 "$LOG/node-$mode")"
  else
    ko "fasthttp/node ($mode) could not serve a request and exit (exit $?)" "$LOG/node-$mode"
  fi
done
NODE_TS='
const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => res.end(req.url))
server.listen(0, () => {
  const port: number | undefined = server.address()?.port
  void port
  server.close()
})
'
printf "import { createServer, Server, IncomingMessage, ServerResponse } from 'fasthttp/node'\n%s" "$NODE_TS" >"$APP/node-consumer.mts"
printf "import { createServer, Server, IncomingMessage, ServerResponse } from 'fasthttp/node'\n%s" "$NODE_TS" >"$APP/node-consumer.cts"
sed -i 's/"files": \["consumer.mts", "consumer.cts"\]/"files": ["node-consumer.mts", "node-consumer.cts"]/' "$APP/tsconfig.json"
if (cd "$APP" && timeout 120 ./node_modules/.bin/tsc --noEmit -p tsconfig.json) >"$LOG/tsc-node" 2>&1; then
  ok "tsc --noEmit (strict, node16; ESM + CJS consumers) against the shipped node.d.ts"
else
  ko "TypeScript consumer of fasthttp/node does not compile against the shipped types" "$LOG/tsc-node"
fi

finish
