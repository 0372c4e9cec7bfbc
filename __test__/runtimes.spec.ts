// The addon under other runtimes (DESIGN §3: Node-API only, so it also runs
// under Bun and Deno). Each runtime serves V's first seed example and must then
// exit on its own. A missing or broken runtime binary FAILS these tests (with
// the reason), it never skips them:
//   Bun:  node_modules/.bin/bun  (devDependency `bun`), or $BUN_BIN
//   Deno: node_modules/.bin/deno (devDependency `deno`), or $DENO_BIN
import test, { type ExecutionContext } from 'ava'
import os from 'node:os'
import path from 'node:path'
import fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { spawnListening, within } from './helpers'

/** Quiet, non-interactive runtimes. */
const RUNTIME_ENV = { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }

const ROOT = path.join(__dirname, '..')
const SEED_TS = path.join(__dirname, 'fixtures', 'runtime-seed.ts')
const HELLO_CJS = path.join(__dirname, 'fixtures', 'runtime-hello.cjs')

/** The runtime's binary and version, or a reason it cannot be used. */
function findRuntime(name: 'bun' | 'deno', envVar: string): { bin: string; version: string } | { error: string } {
  const bin = process.env[envVar] || path.join(ROOT, 'node_modules', '.bin', name)
  if (!fs.existsSync(bin)) {
    return { error: `${name} is not installed: ${bin} does not exist (add the \`${name}\` npm package to devDependencies and npm install, or set ${envVar})` }
  }
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } })
  if (result.error || result.status !== 0) {
    return { error: `${name} does not run: \`${bin} --version\` → ${result.error ?? `exit ${result.status}`} ${result.stderr ?? ''}`.trim() }
  }
  return { bin, version: result.stdout.trim().split('\n')[0] }
}

async function get(port: number, target: string): Promise<{ status: number; body: string; contentType: string | null }> {
  const res = await within(fetch(`http://127.0.0.1:${port}${target}`), 5000, `GET ${target}`)
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') }
}

/** The compiled-package fixture: one request, then it shuts down and must exit on its own with code 0. */
async function helloOnce(t: ExecutionContext, bin: string, args: string[], runtimeName: string): Promise<void> {
  const proc = await spawnListening(t, bin, args, { env: { ...RUNTIME_ENV, FIXTURE_COUNT: '1' }, cwd: os.tmpdir(), timeoutMs: 30_000 })
  t.regex(proc.stdout(), new RegExp(`RUNTIME ${runtimeName} `), 'the fixture really runs under the runtime')
  const res = await get(proc.port, '/')
  t.is(res.status, 200)
  t.is(res.contentType, 'text/plain')
  t.is(res.body, 'Hello, World!\n')
  const { code, signal } = await within(proc.exited, 10_000, `${runtimeName} exits on its own after shutdown`)
  t.is(signal, null)
  t.is(code, 0, `stdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`)
  t.regex(proc.stdout(), /shutdown resolved/)
  t.regex(proc.stdout(), /run resolved/)
  t.log(proc.stdout().split('\n')[0])
}

// --- Bun ------------------------------------------------------------------------------------------

test('bun: V seed example (examples/hello.ts createServer) answers "Hello, World!" and 404, then stops', async (t) => {
  const bun = findRuntime('bun', 'BUN_BIN')
  if ('error' in bun) return t.fail(bun.error)
  t.log(`bun ${bun.version}`)
  const proc = await spawnListening(t, bun.bin, [SEED_TS], { env: RUNTIME_ENV, cwd: os.tmpdir(), timeoutMs: 30_000 })
  const hello = await get(proc.port, '/')
  t.is(hello.status, 200)
  t.is(hello.contentType, 'text/plain')
  t.is(hello.body, 'Hello, World!\n')
  const missing = await get(proc.port, '/nope')
  t.is(missing.status, 404)
  t.is(missing.body, '/nope not found\n')
  proc.send('stop')
  const { code, signal } = await within(proc.exited, 10_000, 'bun exits on its own after shutdown')
  t.is(signal, null)
  t.is(code, 0, `stdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`)
  t.regex(proc.stdout(), /stopped/)
})

test('bun: the compiled CJS package (index.js) serves the seed example and exits on its own', async (t) => {
  const bun = findRuntime('bun', 'BUN_BIN')
  if ('error' in bun) return t.fail(bun.error)
  await helloOnce(t, bun.bin, [HELLO_CJS], 'bun')
})

// --- Deno -----------------------------------------------------------------------------------------

test('deno: the compiled CJS package (index.js) serves the seed example and exits on its own', async (t) => {
  const deno = findRuntime('deno', 'DENO_BIN')
  if ('error' in deno) return t.fail(deno.error)
  t.log(deno.version)
  // -A: net (listen/accept), ffi (loading the Node-API addon), read, env, sys.
  await helloOnce(t, deno.bin, ['run', '-A', HELLO_CJS], 'deno')
})
