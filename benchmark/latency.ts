// The latency scenarios of `npm run bench` (after the throughput matrix),
// each server in a fresh process pinned to CPU 0, the load on CPU 1:
//
// - fixed rate: an open-loop client (benchmark/openloop/openloop.c, built
//   with cc) sends keep-alive GETs on 64 connections at 50 % and 80 % of
//   fasthttp's measured capacity and measures each request from the moment
//   it was due, so a stall cannot hide behind the client waiting for it
//   (coordinated omission); p50, p99, p99.9, medians over the rounds
//   (single 4 s windows of the same server differ up to 3× here), each
//   after 2 s at the same rate.
// - cold start: the first second of load on a server that has served
//   nothing (no warm-up), against the next second: what a freshly started
//   or restarted server's clients see; and fasthttp again after it called
//   `server.warmUp()` before announcing its port.
// - fairness: 6 of 64 connections ask for `GET /slow5`, whose handler
//   awaits 5 ms; the other 58's p99 against the same 58 alone (head-of-line
//   blocking across connections shows up as a ratio well above 1), closed
//   loop (as wrk) and at a fixed rate (half fasthttp's capacity). Both loads
//   come from ONE client process (openloop's slow connections): two load
//   generators on the one client CPU delay each other, and the busier one
//   (the faster server's) the more. Each round is a fresh server whose both
//   paths were warmed together for 3 s first (the slow path is run 50×
//   less often, and its JIT work otherwise lands inside the measurement);
//   medians over the rounds, alternating server order.
//
//   npx tsx benchmark/latency.ts [--duration S] [--rounds N] [--servers fasthttp,uws,bun,node]

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseFlags, pickByName } from './lib/args'
import { runLoad, wrkVersion, type LoadResult } from './lib/loadgen'
import { median } from './lib/report'
import { SERVERS, runDriver, startServer, type ServerSpec } from './lib/servers'

const SERVER = 0
const CLIENT = 1
const CONNECTIONS = 64
const SLOW_CONNECTIONS = 6
const SLOW_PATH = '/slow5'

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
  /** Requests whose time came but that were never answered before the end (the most in a round). */
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
  /** The slow connections' answers and latencies (µs), when asked for. */
  slow: { answered: number; p50: number; p99: number }
}

interface OpenLoopSpec {
  connections: number
  /** Requests/s over all `connections`; 0 = closed loop (each sends again once answered). */
  rate: number
  seconds: number
  /** Closed-loop connections of `GET /slow5` from the same process, counted apart. */
  slowConnections?: number
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

function openLoop(port: number, spec: OpenLoopSpec): OpenLoopResult {
  const argv = [openLoopBinary(), String(port), String(spec.connections), String(spec.rate), String(spec.seconds)]
  if (spec.slowConnections) argv.push('/', String(spec.slowConnections), SLOW_PATH)
  const run = spawnSync('taskset', ['-c', String(CLIENT), ...argv], { encoding: 'utf8', timeout: (spec.seconds + 30) * 1000 })
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

/**
 * Runs `measure` on a fresh server for every server, `rounds` times, the
 * server order alternating; the results per server label, in round order.
 */
async function inRounds<T>(servers: Prepared[], rounds: number, measure: (port: number, server: Prepared) => T): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(servers.map((server) => [server.spec.label, []]))
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      results.get(server.spec.label)!.push(await withServer(server, (port) => measure(port, server)))
    }
  }
  return results
}

/** p50, p99, p99.9 at 50 % and 80 % of `capacity`: medians over the rounds. */
export async function fixedRate(servers: Prepared[], capacity: number, durationS: number, rounds: number): Promise<FixedRateRow[]> {
  const rows: FixedRateRow[] = []
  for (const fraction of [0.5, 0.8]) {
    const rate = Math.round(capacity * fraction)
    const runs = await inRounds(servers, rounds, (port) => {
      openLoop(port, { connections: CONNECTIONS, rate, seconds: 2 }) // warm-up at the same rate
      return openLoop(port, { connections: CONNECTIONS, rate, seconds: durationS })
    })
    for (const server of servers) {
      const own = runs.get(server.spec.label)!
      rows.push({
        label: server.spec.label,
        rate,
        p50Us: median(own.map((r) => r.p50)),
        p99Us: median(own.map((r) => r.p99)),
        p999Us: median(own.map((r) => r.p999)),
        unanswered: Math.max(...own.map((r) => r.sent - r.answered)),
        errors: own.reduce((sum, r) => sum + r.errors, 0),
      })
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
  /** Requests/s of the fast connections; 0 = closed loop. */
  rate: number
  /** Medians over the rounds (µs), and the median of each round's beside ÷ alone. */
  aloneP99Us: number
  besideP99Us: number
  ratio: number
  slowP99Us: number
  errors: number
}

/**
 * The fast connections' p99 alone and beside the slow ones, closed loop and
 * at `rate`, `rounds` times per server (a fresh server each round, server
 * order alternating).
 */
export async function fairness(servers: Prepared[], rate: number, durationS: number, rounds: number): Promise<FairnessRow[]> {
  const fast = CONNECTIONS - SLOW_CONNECTIONS
  const runs = await inRounds(servers, rounds, (port, server) => {
    // Both paths warmed together first: a path a server has not run enough
    // measures its JIT (see the cold-start scenario), not how it shares the
    // CPU between connections.
    openLoop(port, { connections: fast, rate: 0, seconds: 3, slowConnections: SLOW_CONNECTIONS })
    // node:http cannot serve half fasthttp's capacity (see the fixed-rate table): closed loop only.
    const loads = server.spec.name === 'node' ? [0] : [0, rate]
    return loads.map((r) => ({
      rate: r,
      alone: openLoop(port, { connections: fast, rate: r, seconds: durationS }),
      beside: openLoop(port, { connections: fast, rate: r, seconds: durationS, slowConnections: SLOW_CONNECTIONS }),
    }))
  })
  const rows: FairnessRow[] = []
  for (const r of [0, rate]) {
    for (const server of servers) {
      const own = runs.get(server.spec.label)!.flat().filter((run) => run.rate === r)
      if (own.length === 0) continue
      rows.push({
        label: server.spec.label,
        rate: r,
        aloneP99Us: median(own.map((run) => run.alone.p99)),
        besideP99Us: median(own.map((run) => run.beside.p99)),
        ratio: median(own.map((run) => run.beside.p99 / run.alone.p99)),
        slowP99Us: median(own.map((run) => run.beside.slow.p99)),
        // Socket errors and non-200 answers (a request still in flight when the run ends is not one).
        errors: own.reduce((sum, run) => sum + run.alone.errors + run.beside.errors, 0),
      })
    }
  }
  return rows
}

const us = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(0)} µs`)
const ms = (v: number) => (v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(0)} µs`)

export function latencyMarkdown(capacity: number, fixed: FixedRateRow[], cold: ColdRow[], fair: FairnessRow[], rounds: number): string {
  let out = `## Latency\n\n### Fixed rate (open loop, ${CONNECTIONS} connections; fasthttp's keep-alive capacity here: ${Math.round(capacity)} req/s; medians of ${rounds} round(s))\n\n`
  out += '| server | rate | p50 | p99 | p99.9 | unanswered | errors | p99 ÷ fasthttp p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
  for (const row of fixed) {
    const base = fixed.find((r) => r.rate === row.rate && r.label === 'fasthttp')
    out += `| ${row.label} | ${row.rate} | ${us(row.p50Us)} | ${us(row.p99Us)} | ${us(row.p999Us)} | ${row.unanswered} | ${row.errors} | ${base ? (row.p99Us / base.p99Us).toFixed(2) + '×' : '–'} |\n`
  }
  out += `\n### Cold start (wrk, ${CONNECTIONS} connections: the first second of a fresh server, then the next)\n\n`
  out += '| server | first second p99 | next second p99 | cold ÷ warm |\n|---|---:|---:|---:|\n'
  for (const row of cold) out += `| ${row.label} | ${ms(row.cold.p99Ms)} | ${ms(row.warm.p99Ms)} | ${(row.cold.p99Ms / row.warm.p99Ms).toFixed(2)}× |\n`
  out += `\n### Fairness (${CONNECTIONS - SLOW_CONNECTIONS} connections of GET /, beside ${SLOW_CONNECTIONS} closed-loop connections of GET ${SLOW_PATH} that wait 5 ms, one client process; medians of ${rounds} round(s))\n\n`
  out += '| server | fast load | fast p99 alone | fast p99 beside slow | beside ÷ alone | slow p99 | errors |\n|---|---|---:|---:|---:|---:|---:|\n'
  for (const row of fair) {
    const load = row.rate === 0 ? 'closed loop' : `${row.rate} req/s`
    out += `| ${row.label} | ${load} | ${us(row.aloneP99Us)} | ${us(row.besideP99Us)} | ${row.ratio.toFixed(2)}× | ${us(row.slowP99Us)} | ${row.errors} |\n`
  }
  return out
}

/** The whole latency section for the given servers (those that can run here). */
export async function runLatency(specs: ServerSpec[], durationS: number, rounds: number): Promise<string> {
  if (!wrkVersion()) return '## Latency\n\nskipped: wrk is not installed\n'
  const servers = specs.map(prepare).filter((p): p is Prepared => p !== undefined)
  const fasthttp = servers.find((s) => s.spec.name === 'fasthttp')
  if (!fasthttp) return '## Latency\n\nskipped: fasthttp is not built\n'
  const capacity = await measureCapacity(fasthttp, durationS)
  const fixed = await fixedRate(servers, capacity, durationS, rounds)
  const coldServers = [...servers]
  const warmed = prepare(SERVERS.find((s) => s.name === 'fasthttp-warm')!)
  if (warmed) coldServers.splice(1, 0, warmed)
  const cold = await coldStart(coldServers)
  const fairServers = [...servers]
  const threaded = prepare(SERVERS.find((s) => s.name === 'fasthttp-threaded')!)
  if (threaded) fairServers.splice(1, 0, threaded)
  const fair = await fairness(fairServers, Math.round(capacity * 0.5), durationS, rounds)
  return latencyMarkdown(capacity, fixed, cold, fair, rounds)
}

const HELP = 'Usage: npx tsx benchmark/latency.ts [--duration S] [--rounds N] [--servers fasthttp,uws,bun,node]'

async function main(): Promise<void> {
  let durationS = 5
  let rounds = 3
  let specs = SERVERS.filter((s) => ['fasthttp', 'uws', 'bun', 'node'].includes(s.name))
  parseFlags(process.argv.slice(2), HELP, (flag, arg) => {
    if (flag === '--duration') durationS = arg.number(1)
    else if (flag === '--rounds') rounds = arg.number(1)
    else if (flag === '--servers') specs = pickByName(SERVERS, arg.value(), flag)
    else return false
    return true
  })
  console.log(await runLatency(specs, durationS, rounds))
}

if (require.main === module) runDriver('latency bench', main)
