// The node-compat benchmark: the same application on fasthttp/node and on
// node:http (benchmark/servers/node-compat-app.mjs), for a bare
// `createServer` handler, Fastify (serverFactory), Koa and Express:
//
//   hello  keep-alive GET /         -> `Hello, World!`
//   json   keep-alive GET /user/42  -> a path parameter, a small JSON answer
//
// Each run starts the server fresh (its own process, pinned to CPU 0; wrk on
// CPU 1), warms it up with the same load, measures, and stops it by its PID.
// Rounds alternate the order of the two servers. Part of `npm run bench`
// (its own section; `--no-node-compat` skips it), or alone:
//
//   npx tsx benchmark/node-compat.ts [--duration S] [--warmup S] [--rounds N] [--apps bare,fastify] [--out FILE]

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { LOAD_DEFAULTS, loadFlag, parseFlags, type LoadOptions } from './lib/args'
import { runLoad, wrkVersion, type LoadGenName } from './lib/loadgen'
import { clkTck, cpuSeconds, cpuTicks } from './lib/proc'
import { int, median } from './lib/report'
import { SERVERS_DIR, killAllStarted, rawRequest, runDriver, startServer } from './lib/servers'

const ROOT = path.join(__dirname, '..')
const APP_SCRIPT = path.join(SERVERS_DIR, 'node-compat-app.mjs')

export const APPS = ['bare', 'fastify', 'koa', 'express'] as const
export type AppName = (typeof APPS)[number]
const APP_LABELS: Record<AppName, string> = {
  bare: 'bare createServer',
  fastify: 'Fastify',
  koa: 'Koa',
  express: 'Express',
}
const IMPLS = ['fasthttp', 'node'] as const
type Impl = (typeof IMPLS)[number]

const ROUTES = [
  { name: 'hello', path: '/', body: 'Hello, World!' },
  { name: 'json', path: '/user/42', body: '{"id":"42","name":"user 42"}' },
] as const

export interface NodeCompatOptions {
  durationS: number
  warmupS: number
  rounds: number
  apps: readonly AppName[]
  pin: boolean
  loadgen?: LoadGenName
}

interface Run {
  rps: number
  p99Ms: number
  cpuUsPerReq: number
  othersPct: number
  errors: number
}

const DISTURBED_PCT = 15

async function measure(app: AppName, impl: Impl, route: (typeof ROUTES)[number], opts: NodeCompatOptions, gen: LoadGenName, cpus: { server?: number; client?: number }): Promise<Run> {
  const env = { NODE_COMPAT_IMPL: impl, NODE_COMPAT_APP: app }
  const running = await startServer([process.execPath, APP_SCRIPT], env, cpus.server)
  try {
    const spec = { port: running.port, path: route.path, connections: 64, depth: 1, bodyBytes: 0, close: false }
    if (opts.warmupS > 0) await runLoad(gen, { ...spec, durationS: opts.warmupS }, cpus.client)
    const before = cpuSeconds(running.pid)
    const ticksBefore = cpus.server === undefined ? undefined : cpuTicks(cpus.server)
    const result = await runLoad(gen, { ...spec, durationS: opts.durationS }, cpus.client)
    const cpu = cpuSeconds(running.pid) - before
    const ticksAfter = cpus.server === undefined ? undefined : cpuTicks(cpus.server)
    let othersPct = Number.NaN
    if (ticksBefore && ticksAfter && ticksAfter.total > ticksBefore.total) {
      othersPct = Math.max(0, ((ticksAfter.busy - ticksBefore.busy) / clkTck() - cpu) / ((ticksAfter.total - ticksBefore.total) / clkTck())) * 100
    }
    if (running.exited()) throw new Error(`${app} on ${impl} exited during the run\n${running.stderr().trim()}`)
    if (result.requests === 0) throw new Error(`${app} on ${impl}: no request completed (${result.errorDetail})`)
    return { rps: result.requests / result.durationS, p99Ms: result.p99Ms, cpuUsPerReq: (cpu / result.requests) * 1e6, othersPct, errors: result.errors }
  } finally {
    await running.stop()
  }
}

async function check(app: AppName, impl: Impl, cpu: number | undefined): Promise<void> {
  const running = await startServer([process.execPath, APP_SCRIPT], { NODE_COMPAT_IMPL: impl, NODE_COMPAT_APP: app }, cpu)
  try {
    for (const route of ROUTES) {
      const answer = await rawRequest(running.port, `GET ${route.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
      if (answer.status !== 200 || answer.body.toString() !== route.body) {
        throw new Error(`${app} on ${impl}: GET ${route.path} answered ${answer.status} ${JSON.stringify(answer.body.toString().slice(0, 80))}`)
      }
    }
  } finally {
    await running.stop()
  }
}


/** Runs the matrix and returns its markdown section (also printing progress). */
export async function runNodeCompat(opts: NodeCompatOptions): Promise<{ markdown: string }> {
  if (!fs.existsSync(path.join(ROOT, 'node.js'))) throw new Error('node.js is not built (npm run build)')
  const wrk = wrkVersion()
  const gen: LoadGenName = opts.loadgen ?? (wrk ? 'wrk' : 'autocannon')
  const pin = opts.pin && spawnSync('taskset', ['-c', '0', 'true']).status === 0 && os.cpus().length >= 2
  const cpus = pin ? { server: 0, client: 1 } : {}
  for (const app of opts.apps) for (const impl of IMPLS) await check(app, impl, cpus.server)
  const runs = new Map<string, Run[]>()
  const total = opts.rounds * opts.apps.length * ROUTES.length * IMPLS.length
  let n = 0
  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 === 1 ? IMPLS : [...IMPLS].reverse()
    for (const app of opts.apps) {
      for (const route of ROUTES) {
        for (const impl of order) {
          const run = await measure(app, impl, route, opts, gen, cpus)
          const key = `${app}/${route.name}/${impl}`
          runs.set(key, [...(runs.get(key) ?? []), run])
          console.log(
            `[${String(++n).padStart(String(total).length)}/${total}] node-compat round ${round} ${APP_LABELS[app].padEnd(17)} ${route.name.padEnd(5)} ${(impl === 'fasthttp' ? 'fasthttp/node' : 'node:http').padEnd(13)} ${int(run.rps).padStart(8)} req/s  CPU ${run.cpuUsPerReq.toFixed(1)} µs/req${run.errors ? `  errors: ${run.errors}` : ''}${run.othersPct > DISTURBED_PCT ? `  DISTURBED (others took ${run.othersPct.toFixed(0)}%)` : ''}`,
          )
        }
      }
    }
  }
  const header = ['app', 'route', 'fasthttp/node req/s', 'node:http req/s', 'ratio', 'CPU µs/req (fasthttp/node / node:http)', 'p99 (fasthttp/node / node:http)']
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`]
  const disturbed: string[] = []
  for (const app of opts.apps) {
    for (const route of ROUTES) {
      const ours = runs.get(`${app}/${route.name}/fasthttp`) ?? []
      const theirs = runs.get(`${app}/${route.name}/node`) ?? []
      for (const [label, cell] of [['fasthttp/node', ours], ['node:http', theirs]] as const) {
        const bad = cell.filter((r) => r.othersPct > DISTURBED_PCT)
        if (bad.length) disturbed.push(`${APP_LABELS[app]} ${route.name} ${label}: other work took ${bad.map((r) => `${r.othersPct.toFixed(0)}%`).join(', ')} of the server's CPU in ${bad.length} of ${cell.length} run(s)`)
      }
      const rpsOurs = median(ours.map((r) => r.rps))
      const rpsTheirs = median(theirs.map((r) => r.rps))
      const each = (cell: Run[]): string => (cell.length > 1 ? ` (${cell.map((r) => int(r.rps)).join(', ')})` : '')
      lines.push(
        `| ${APP_LABELS[app]} | ${route.name} | ${int(rpsOurs)}${each(ours)} | ${int(rpsTheirs)}${each(theirs)} | **${(rpsOurs / rpsTheirs).toFixed(2)}×** | ${median(ours.map((r) => r.cpuUsPerReq)).toFixed(1)} / ${median(theirs.map((r) => r.cpuUsPerReq)).toFixed(1)} | ${median(ours.map((r) => r.p99Ms)).toFixed(2)} / ${median(theirs.map((r) => r.p99Ms)).toFixed(2)} ms |`,
      )
    }
  }
  const versions = ['fastify', 'koa', 'express'].map((pkg) => `${pkg} ${version(pkg)}`).join(', ')
  const markdown =
    `- the same application on fasthttp/node and on node:http (\`benchmark/servers/node-compat-app.mjs\`); ${versions}; Node.js ${process.version}\n` +
    `- load generator: ${gen === 'wrk' ? `${wrk} (1 thread)` : 'autocannon'}, 64 keep-alive connections; ${pin ? 'server on CPU 0, load generator on CPU 1' : 'not pinned'}\n` +
    `- each run: a fresh server process, ${opts.warmupS} s warm-up, ${opts.durationS} s measured; ${opts.rounds} round(s), order alternating; req/s, CPU and p99 are medians over rounds (each round's req/s in parentheses); ratio = fasthttp/node ÷ node:http\n` +
    disturbed.map((d) => `- **disturbed**: ${d}\n`).join('') +
    `\n${lines.join('\n')}\n`
  return { markdown }
}

function version(pkg: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

const HELP = `Usage: npx tsx benchmark/node-compat.ts [options]
  --duration S, --warmup S, --rounds N, --loadgen NAME, --no-pin, --out FILE   as for npm run bench
  --apps a,b     any of: ${APPS.join(', ')} (default all)`

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const opts: NodeCompatOptions & LoadOptions = { ...LOAD_DEFAULTS, apps: APPS }
  parseFlags(argv, HELP, (flag, arg) => {
    if (loadFlag(opts, flag, arg)) return true
    if (flag !== '--apps') return false
    const names = arg.value().split(',')
    for (const name of names) if (!(APPS as readonly string[]).includes(name)) throw new Error(`--apps: unknown ${name} (any of ${APPS.join(', ')})`)
    opts.apps = names as AppName[]
    return true
  })
  const out = opts.out
  const started = Date.now()
  const { markdown } = await runNodeCompat(opts)
  const doc = `# fasthttp/node vs node:http, ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC\n\n- command: \`npx tsx benchmark/node-compat.ts ${argv.join(' ')}\` (${((Date.now() - started) / 60_000).toFixed(1)} min)\n${markdown}`
  console.log(`\n${doc}`)
  if (out) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true })
    fs.writeFileSync(path.resolve(out), doc)
    console.log(`written to ${out}`)
  }
}

if (require.main === module) runDriver('node-compat bench', main)
