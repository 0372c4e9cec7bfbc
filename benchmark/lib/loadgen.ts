// The load generators: wrk (with benchmark/wrk/bench.lua) when it is
// installed, autocannon (benchmark/loadgen/autocannon.mjs, in its own
// process) otherwise. Both run pinned, bounded in time, and are ended by PID.

import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'

export type LoadGenName = 'wrk' | 'autocannon'

export interface LoadSpec {
  port: number
  path: string
  connections: number
  durationS: number
  /** Requests per write (HTTP pipelining); 1 = none. */
  depth: number
  /** POST a text/plain body of this many bytes; 0 = GET. */
  bodyBytes: number
  /** Send `Connection: close`: a new connection per request. */
  close: boolean
}

export interface LoadResult {
  requests: number
  durationS: number
  bytes: number
  p50Ms: number
  p99Ms: number
  /** Failed requests: socket errors, timeouts, non-2xx. */
  errors: number
  /** Per-kind counts, for the notes. */
  errorDetail: string
}

const WRK_SCRIPT = path.join(__dirname, '..', 'wrk', 'bench.lua')
const AUTOCANNON_DRIVER = path.join(__dirname, '..', 'loadgen', 'autocannon.mjs')

/** wrk's version line, or undefined when wrk is not installed. */
export function wrkVersion(): string | undefined {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8', timeout: 10_000 })
  if (r.error) return undefined
  const line = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.startsWith('wrk'))
  return line ? line.split(' Copyright')[0].trim() : 'wrk'
}

function pinned(argv: string[], cpu: number | undefined): string[] {
  return cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv]
}

/** Runs a command to completion, killing it (by PID) if it overruns `limitMs`. */
function runBounded(argv: string[], limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8192)))
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL')
    }, limitMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function runWrk(spec: LoadSpec, cpu: number | undefined): Promise<LoadResult> {
  const seconds = Math.max(1, Math.round(spec.durationS))
  const argv = ['wrk', '-t1', `-c${spec.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', WRK_SCRIPT]
  if (spec.close) argv.push('-H', 'Connection: close')
  argv.push(`http://127.0.0.1:${spec.port}${spec.path}`, '--', `depth=${spec.depth}`, `body=${spec.bodyBytes}`)
  const r = await runBounded(pinned(argv, cpu), (seconds + 30) * 1000)
  const line = r.stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '))
  if (!line) throw new Error(`wrk failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`)
  const w = JSON.parse(line.slice('WRK_RESULT '.length)) as Record<string, number>
  // With Connection: close, a server that closes without saying so in its
  // response shows up as a read error before wrk reconnects: not a failure.
  const read = spec.close ? 0 : w.read
  const kinds: Array<[string, number]> = [
    ['connect errors', w.connect],
    [spec.close ? 'closes without a `Connection: close` header (wrk read errors, not counted)' : 'read errors', w.read],
    ['write errors', w.write],
    ['non-2xx', w.status],
    ['timeouts', w.timeout],
  ]
  const detail = kinds.filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ')
  return {
    requests: w.requests,
    durationS: w.duration_us / 1e6,
    bytes: w.bytes,
    p50Ms: w.p50_us / 1000,
    p99Ms: w.p99_us / 1000,
    errors: w.connect + read + w.write + w.status + w.timeout,
    errorDetail: detail,
  }
}

async function runAutocannon(spec: LoadSpec, cpu: number | undefined): Promise<LoadResult> {
  const headers: Record<string, string> = {}
  if (spec.close) headers.connection = 'close'
  if (spec.bodyBytes > 0) headers['content-type'] = 'text/plain'
  const options = {
    url: `http://127.0.0.1:${spec.port}${spec.path}`,
    connections: spec.connections,
    duration: spec.durationS,
    pipelining: spec.depth,
    timeout: 10,
    method: spec.bodyBytes > 0 ? 'POST' : 'GET',
    body: spec.bodyBytes > 0 ? 'a'.repeat(spec.bodyBytes) : undefined,
    headers,
  }
  const r = await runBounded(pinned([process.execPath, AUTOCANNON_DRIVER, JSON.stringify(options)], cpu), (spec.durationS + 30) * 1000)
  const line = r.stdout.split('\n').find((l) => l.startsWith('AUTOCANNON_RESULT '))
  if (!line) throw new Error(`autocannon failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`)
  const a = JSON.parse(line.slice('AUTOCANNON_RESULT '.length)) as Record<string, number>
  const kinds: Array<[string, number]> = [
    ['errors', a.errors],
    ['of them timeouts', a.timeouts],
    ['non-2xx', a.non2xx],
  ]
  const detail = kinds.filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ')
  return {
    requests: a.requests,
    durationS: a.duration_s,
    bytes: a.bytes,
    p50Ms: a.p50_ms,
    p99Ms: a.p99_ms,
    errors: a.errors + a.non2xx, // autocannon counts timeouts among errors
    errorDetail: detail,
  }
}

export function runLoad(gen: LoadGenName, spec: LoadSpec, cpu: number | undefined): Promise<LoadResult> {
  return gen === 'wrk' ? runWrk(spec, cpu) : runAutocannon(spec, cpu)
}
