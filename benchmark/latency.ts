// The latency scenarios of `npm run bench` (after the throughput matrix),
// each server in a fresh process pinned to CPU 0, the load on CPU 1:
//
// - fixed rate: an open-loop client (benchmark/openloop/openloop.c, built
//   with cc) sends keep-alive GETs on 64 connections at 50 % and 80 % of
//   fasthttp's measured capacity and measures each request from the moment
//   it was due, so a stall cannot hide behind the client waiting for it
//   (coordinated omission); p50, p99, p99.9.
// - cold start: the first second of load on a server that has served
//   nothing (no warm-up), against the next second: what a freshly started
//   or restarted server's clients see; and fasthttp again after it called
//   `server.warmUp()` before announcing its port.
// - fairness: 6 of 64 connections ask for `GET /slow5`, whose handler
//   awaits 5 ms; the other 58's p99 against the same 58 alone (head-of-line
//   blocking across connections shows up as a ratio well above 1), after a
//   warm-up second of both loads together.
//
//   npx tsx benchmark/latency.ts [--duration S] [--servers fasthttp,uws,bun,node]

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseFlags, pickByName } from './lib/args'
import { runLoad, wrkVersion, type LoadResult } from './lib/loadgen'
import { SERVERS, runDriver, startServer, type ServerSpec } from './lib/servers'

const SERVER = 0
const CLIENT = 1
const CONNECTIONS = 64

interface Prepared {
  spec: ServerSpec
  argv: string[]
  env: Record<string, string>
}

export interface FixedRateRow {
  label: string
  rate: number
  p50Us: number
  p99Us: number
  p999Us: number
  /** Requests whose time came but that were never answered before the end. */
  unanswered: number
  errors: number
}

interface OpenLoopResult {
  sent: number
  answered: number
  errors: number
  p50: number
  p99: number
  p999: number
}

/** Compiles benchmark/openloop/openloop.c into the temp directory when missing or older than its source. */
function openLoopBinary(): string {
  const source = path.join(__dirname, 'openloop', 'openloop.c')
  const binary = path.join(os.tmpdir(), 'fasthttp-bench-openloop')
  if (fs.existsSync(binary) && fs.statSync(binary).mtimeMs >= fs.statSync(source).mtimeMs) return binary
  const cc = spawnSync('cc', ['-O2', '-o', binary, source], { encoding: 'utf8', timeout: 60_000 })
  if (cc.status !== 0) throw new Error(`cc could not build the open-loop client: ${(cc.stderr || cc.error?.message || '').trim()}`)
  return binary
}

function openLoop(port: number, rate: number, seconds: number): OpenLoopResult {
  const run = spawnSync('taskset', ['-c', String(CLIENT), openLoopBinary(), String(port), String(CONNECTIONS), String(rate), String(seconds)], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  })
  if (run.status !== 0) throw new Error(`openloop failed: ${(run.stderr || run.error?.message || '').trim()}`)
  return JSON.parse(run.stdout.trim()) as OpenLoopResult
}

function prepare(spec: ServerSpec): Prepared | undefined {
  const prepared = spec.prepare()
  return prepared.ok ? { spec, argv: prepared.argv, env: prepared.env } : undefined
}

async function withServer<T>(server: Prepared, work: (port: number) => Promise<T> | T): Promise<T> {
  const running = await startServer(server.argv, server.env, SERVER)
  try {
    return await work(running.port)
  } finally {
    await running.stop()
  }
}

const keepAlive = (port: number, durationS: number, connections = CONNECTIONS, urlPath = '/') =>
  runLoad('wrk', { port, path: urlPath, connections, depth: 1, bodyBytes: 0, close: false, durationS }, CLIENT)

/** fasthttp's keep-alive req/s (after a 1 s warm-up): the capacity the fixed rates are fractions of. */
export async function measureCapacity(fasthttp: Prepared, durationS: number): Promise<number> {
  return withServer(fasthttp, async (port) => {
    await keepAlive(port, 1)
    const result = await keepAlive(port, durationS)
    return result.requests / result.durationS
  })
}

export async function fixedRate(servers: Prepared[], capacity: number, durationS: number): Promise<FixedRateRow[]> {
  const rows: FixedRateRow[] = []
  for (const fraction of [0.5, 0.8]) {
    const rate = Math.round(capacity * fraction)
    for (const server of servers) {
      const r = await withServer(server, (port) => {
        openLoop(port, rate, 1) // warm-up at the same rate
        return openLoop(port, rate, durationS)
      })
      rows.push({ label: server.spec.label, rate, p50Us: r.p50, p99Us: r.p99, p999Us: r.p999, unanswered: r.sent - r.answered, errors: r.errors })
    }
  }
  return rows
}

export interface ColdRow {
  label: string
  cold: LoadResult
  warm: LoadResult
}

export async function coldStart(servers: Prepared[]): Promise<ColdRow[]> {
  const rows: ColdRow[] = []
  for (const server of servers) {
    rows.push(
      await withServer(server, async (port) => {
        const cold = await keepAlive(port, 1)
        const warm = await keepAlive(port, 1)
        return { label: server.spec.label, cold, warm }
      }),
    )
  }
  return rows
}

export interface FairnessRow {
  label: string
  alone: LoadResult
  beside: LoadResult
  slow: LoadResult
}

export async function fairness(servers: Prepared[], durationS: number): Promise<FairnessRow[]> {
  const fast = CONNECTIONS - 6
  const rows: FairnessRow[] = []
  for (const server of servers) {
    rows.push(
      await withServer(server, async (port) => {
        // Warm both paths first: the first seconds of a path a server has
        // not run yet measure its JIT (see the cold-start scenario), not
        // how it shares the CPU between connections.
        await Promise.all([keepAlive(port, 1, fast), keepAlive(port, 1, 6, '/slow5')])
        const alone = await keepAlive(port, durationS, fast)
        // The slow connections are open and busy before the fast ones are
        // measured, and stay busy until after.
        const slowLoad = keepAlive(port, durationS + 1, 6, '/slow5')
        await new Promise((resolve) => setTimeout(resolve, 300))
        const beside = await keepAlive(port, durationS, fast)
        const slow = await slowLoad
        return { label: server.spec.label, alone, beside, slow }
      }),
    )
  }
  return rows
}

const us = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(0)} µs`)
const ms = (v: number) => (v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(0)} µs`)

export function latencyMarkdown(capacity: number, fixed: FixedRateRow[], cold: ColdRow[], fair: FairnessRow[]): string {
  let out = `## Latency\n\n### Fixed rate (open loop, ${CONNECTIONS} connections; fasthttp's keep-alive capacity here: ${Math.round(capacity)} req/s)\n\n`
  out += '| server | rate | p50 | p99 | p99.9 | unanswered | errors | p99 ÷ fasthttp p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
  for (const row of fixed) {
    const base = fixed.find((r) => r.rate === row.rate && r.label === 'fasthttp')
    out += `| ${row.label} | ${row.rate} | ${us(row.p50Us)} | ${us(row.p99Us)} | ${us(row.p999Us)} | ${row.unanswered} | ${row.errors} | ${base ? (row.p99Us / base.p99Us).toFixed(2) + '×' : '–'} |\n`
  }
  out += `\n### Cold start (wrk, ${CONNECTIONS} connections: the first second of a fresh server, then the next)\n\n`
  out += '| server | first second p99 | next second p99 | cold ÷ warm |\n|---|---:|---:|---:|\n'
  for (const row of cold) out += `| ${row.label} | ${ms(row.cold.p99Ms)} | ${ms(row.warm.p99Ms)} | ${(row.cold.p99Ms / row.warm.p99Ms).toFixed(2)}× |\n`
  out += `\n### Fairness (58 connections of GET /, beside 6 connections of GET /slow5 that wait 5 ms)\n\n`
  out += '| server | fast p99 alone | fast p99 beside slow | beside ÷ alone | slow p99 |\n|---|---:|---:|---:|---:|\n'
  for (const row of fair) out += `| ${row.label} | ${ms(row.alone.p99Ms)} | ${ms(row.beside.p99Ms)} | ${(row.beside.p99Ms / row.alone.p99Ms).toFixed(2)}× | ${ms(row.slow.p99Ms)} |\n`
  return out
}

/** The whole latency section for the given servers (those that can run here). */
export async function runLatency(specs: ServerSpec[], durationS: number): Promise<string> {
  if (!wrkVersion()) return '## Latency\n\nskipped: wrk is not installed\n'
  const servers = specs.map(prepare).filter((p): p is Prepared => p !== undefined)
  const fasthttp = servers.find((s) => s.spec.name === 'fasthttp')
  if (!fasthttp) return '## Latency\n\nskipped: fasthttp is not built\n'
  const capacity = await measureCapacity(fasthttp, durationS)
  const fixed = await fixedRate(servers, capacity, durationS)
  const coldServers = [...servers]
  const warmed = prepare(SERVERS.find((s) => s.name === 'fasthttp-warm')!)
  if (warmed) coldServers.splice(1, 0, warmed)
  const cold = await coldStart(coldServers)
  const fairServers = [...servers]
  const threaded = prepare(SERVERS.find((s) => s.name === 'fasthttp-threaded')!)
  if (threaded) fairServers.splice(1, 0, threaded)
  const fair = await fairness(fairServers, durationS)
  return latencyMarkdown(capacity, fixed, cold, fair)
}

const HELP = 'Usage: npx tsx benchmark/latency.ts [--duration S] [--servers fasthttp,uws,bun,node]'

async function main(): Promise<void> {
  let durationS = 5
  let specs = SERVERS.filter((s) => ['fasthttp', 'uws', 'bun', 'node'].includes(s.name))
  parseFlags(process.argv.slice(2), HELP, (flag, arg) => {
    if (flag === '--duration') durationS = arg.number(1)
    else if (flag === '--servers') specs = pickByName(SERVERS, arg.value(), flag)
    else return false
    return true
  })
  console.log(await runLatency(specs, durationS))
}

if (require.main === module) runDriver('latency bench', main)
