// `npm run bench:hono` (`tsx benchmark/hono.ts`): one Hono application
// (benchmark/servers/hono-app.mjs) on fasthttp's fetch adapter and on
// @hono/node-server, side by side:
//
//   text  keep-alive GET /           -> `Hello, World!` (c.text)
//   json  keep-alive GET /user/42    -> a path param, c.json
//   echo  keep-alive POST /echo      -> a small JSON body, c.req.json() then c.json
//
// Every run starts the server fresh (its own process, pinned to CPU 0; the
// load generator on CPU 1), warms it up with the same load, measures, and
// stops it by its PID. Rounds alternate the server order. The report is
// printed and written to benchmark/results/<date>-hono.md.
//
//   npm run bench:hono
//   npm run bench:hono -- --duration 3 --rounds 1
//   npm run bench:hono -- --servers fasthttp,fasthttp-native,node   # also fasthttp with Node's own Response

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { LOAD_DEFAULTS, loadFlag, parseFlags, pickByName, type LoadOptions } from './lib/args'
import { runLoad, wrkVersion, type LoadGenName, type LoadResult } from './lib/loadgen'
import { cpuSeconds, cpuTicks, machineBusy, othersPct } from './lib/proc'
import { DISTURBED_PCT, fasthttpVersion, gitCommit, int, median, ms, packageVersion, resultsFile } from './lib/report'
import { SERVERS_DIR, killAllStarted, runDriver, rawRequest, startServer } from './lib/servers'

const ROOT = path.join(__dirname, '..')

interface HonoServer {
  name: string
  label: string
  script: string
  env: Record<string, string>
}

const HONO_SERVERS: HonoServer[] = [
  { name: 'fasthttp', label: 'fasthttp + Hono', script: 'hono-fasthttp.mjs', env: {} },
  { name: 'fasthttp-native', label: 'fasthttp + Hono, native Response', script: 'hono-fasthttp.mjs', env: { FASTHTTP_OVERRIDE_GLOBALS: '0' } },
  { name: 'node', label: '@hono/node-server + Hono', script: 'hono-node.mjs', env: {} },
]

/** The small JSON body of `echo`. */
const ECHO_BODY = JSON.stringify({ name: 'fasthttp', tags: ['fast', 'http'], n: 42 })

interface Scenario {
  name: string
  title: string
  method: 'GET' | 'POST'
  path: string
  /** Checks one answer (a fresh connection) before the runs. */
  expect: (status: number, body: string) => boolean
}

const SCENARIOS: Scenario[] = [
  { name: 'text', title: 'GET / (c.text)', method: 'GET', path: '/', expect: (status, body) => status === 200 && body === 'Hello, World!' },
  {
    name: 'json',
    title: 'GET /user/42 (path param, c.json)',
    method: 'GET',
    path: '/user/42',
    expect: (status, body) => status === 200 && body === '{"id":"42","name":"user 42"}',
  },
  {
    name: 'echo',
    title: `POST /echo, a ${ECHO_BODY.length}-byte JSON body (c.req.json, c.json)`,
    method: 'POST',
    path: '/echo',
    expect: (status, body) => status === 200 && body === ECHO_BODY,
  },
]

const HELP = `Usage: npm run bench:hono -- [options]

  --duration S        measured seconds per run (default 5)
  --warmup S          warm-up seconds before each measured run (default 1)
  --rounds N          rounds, server order alternating (default 2)
  --connections N     keep-alive connections (default 64)
  --scenarios a,b     any of: ${SCENARIOS.map((s) => s.name).join(', ')} (default all)
  --servers a,b       any of: ${HONO_SERVERS.map((s) => s.name).join(', ')} (default fasthttp,node)
  --loadgen NAME      wrk or autocannon (default: wrk when installed)
  --no-pin            do not pin server / load generator to CPUs 0 / 1
  --quiet-wait S      before each run, wait up to S seconds for the machine to be idle (default 60; 0: do not wait)
  --out FILE          report file (default benchmark/results/<date>-hono.md)`

interface Options extends LoadOptions {
  connections: number
  scenarios: Scenario[]
  servers: HonoServer[]
  quietWaitS: number
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    ...LOAD_DEFAULTS,
    connections: 64,
    scenarios: SCENARIOS,
    servers: HONO_SERVERS.filter((s) => s.name !== 'fasthttp-native'),
    quietWaitS: 60,
  }
  parseFlags(argv, HELP, (flag, arg) => {
    if (loadFlag(opts, flag, arg)) return true
    switch (flag) {
      case '--connections': opts.connections = Math.round(arg.number(1)); break
      case '--scenarios': opts.scenarios = pickByName(SCENARIOS, arg.value(), flag); break
      case '--servers': opts.servers = pickByName(HONO_SERVERS, arg.value(), flag); break
      case '--quiet-wait': opts.quietWaitS = arg.number(0); break
      default: return false
    }
    return true
  })
  return opts
}

// ---------------------------------------------------------------------------
// The JSON POST. lib/loadgen's runs POST a text/plain body of `a`s; `echo`
// needs a JSON body, so it runs wrk with benchmark/wrk/bench.lua (for its
// `done`, the same result line) under a small wrapper script that builds the
// request, or the autocannon driver with a JSON body.

function wrapperScript(): string {
  const file = path.join(os.tmpdir(), `fasthttp-bench-hono-${process.pid}.lua`)
  const lua = (text: string): string => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`
  fs.writeFileSync(
    file,
    `dofile(${lua(path.join(__dirname, 'wrk', 'bench.lua'))})\n` +
      `function init(args)\n  req = wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Host"] = wrk.headers["Host"] }, ${lua(ECHO_BODY)})\nend\n`,
  )
  return file
}

/** Runs a command to its end, killed (by its PID, which spawnSync owns) if it overruns `limitMs`. */
function runBounded(argv: string[], limitMs: number): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: limitMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 })
  if (r.error) throw r.error
  return `${r.stdout}\n${r.stderr}`
}

function runJsonPost(gen: LoadGenName, port: number, pathname: string, connections: number, durationS: number, cpu: number | undefined): LoadResult {
  const pin = cpu === undefined ? [] : ['taskset', '-c', String(cpu)]
  const seconds = Math.max(1, Math.round(durationS))
  if (gen === 'wrk') {
    const script = wrapperScript()
    try {
      const out = runBounded([...pin, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, `http://127.0.0.1:${port}${pathname}`], (seconds + 30) * 1000)
      const line = out.split('\n').find((l) => l.startsWith('WRK_RESULT '))
      if (!line) throw new Error(`wrk failed: ${out.trim().slice(0, 500)}`)
      const w = JSON.parse(line.slice('WRK_RESULT '.length)) as Record<string, number>
      const errors = w.connect + w.read + w.write + w.status + w.timeout
      return { requests: w.requests, durationS: w.duration_us / 1e6, bytes: w.bytes, p50Ms: w.p50_us / 1000, p99Ms: w.p99_us / 1000, errors, errorDetail: errors ? `${w.status} non-2xx, ${errors - w.status} socket errors/timeouts` : '' }
    } finally {
      fs.rmSync(script, { force: true })
    }
  }
  const options = { url: `http://127.0.0.1:${port}${pathname}`, connections, duration: seconds, timeout: 10, method: 'POST', body: ECHO_BODY, headers: { 'content-type': 'application/json' } }
  const out = runBounded([...pin, process.execPath, path.join(__dirname, 'loadgen', 'autocannon.mjs'), JSON.stringify(options)], (seconds + 30) * 1000)
  const line = out.split('\n').find((l) => l.startsWith('AUTOCANNON_RESULT '))
  if (!line) throw new Error(`autocannon failed: ${out.trim().slice(0, 500)}`)
  const a = JSON.parse(line.slice('AUTOCANNON_RESULT '.length)) as Record<string, number>
  return { requests: a.requests, durationS: a.duration_s, bytes: a.bytes, p50Ms: a.p50_ms, p99Ms: a.p99_ms, errors: a.errors + a.non2xx, errorDetail: a.errors + a.non2xx ? `${a.non2xx} non-2xx, ${a.errors} errors` : '' }
}

function load(gen: LoadGenName, scenario: Scenario, port: number, opts: Options, durationS: number, cpu: number | undefined): Promise<LoadResult> {
  if (scenario.method === 'POST') return Promise.resolve(runJsonPost(gen, port, scenario.path, opts.connections, durationS, cpu))
  return runLoad(gen, { port, path: scenario.path, connections: opts.connections, durationS, depth: 1, bodyBytes: 0, close: false }, cpu)
}

// ---------------------------------------------------------------------------

interface Run {
  /** Share of the server's CPU that other work took during the run (pinned runs only). */
  othersPct: number
  rps: number
  p50Ms: number
  p99Ms: number
  cpuUsPerReq: number
  errors: number
  errorDetail: string
}

async function checkServer(server: HonoServer, cpu: number | undefined): Promise<void> {
  const running = await startServer([process.execPath, path.join(SERVERS_DIR, server.script)], server.env, cpu)
  try {
    for (const scenario of SCENARIOS) {
      const body = scenario.method === 'POST' ? ECHO_BODY : ''
      const request =
        `${scenario.method} ${scenario.path} HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\n` +
        (body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : '') +
        `\r\n${body}`
      const answer = await rawRequest(running.port, request)
      if (!scenario.expect(answer.status, answer.body.toString())) {
        throw new Error(`${scenario.method} ${scenario.path} answered ${answer.status} ${JSON.stringify(answer.body.toString().slice(0, 80))}`)
      }
    }
  } finally {
    await running.stop()
  }
}

async function measure(server: HonoServer, scenario: Scenario, opts: Options, gen: LoadGenName, cpus: { server?: number; client?: number }): Promise<Run> {
  const running = await startServer([process.execPath, path.join(SERVERS_DIR, server.script)], server.env, cpus.server)
  try {
    if (opts.warmupS > 0) await load(gen, scenario, running.port, opts, opts.warmupS, cpus.client)
    const before = cpuSeconds(running.pid)
    const ticksBefore = cpus.server === undefined ? undefined : cpuTicks(cpus.server)
    const result = await load(gen, scenario, running.port, opts, opts.durationS, cpus.client)
    const cpu = cpuSeconds(running.pid) - before
    const ticksAfter = cpus.server === undefined ? undefined : cpuTicks(cpus.server)
    if (running.exited()) throw new Error(`the server exited during the run\n${running.stderr().trim()}`)
    if (result.requests === 0) throw new Error(`no request completed (${result.errorDetail || 'no errors reported'})`)
    return {
      othersPct: othersPct(ticksBefore, ticksAfter, cpu),
      rps: result.requests / result.durationS,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      cpuUsPerReq: (cpu / result.requests) * 1e6,
      errors: result.errors,
      errorDetail: result.errorDetail,
    }
  } finally {
    await running.stop()
  }
}

/** Waits (at most `maxS`) until under 10% of all CPUs are busy; returns the last share seen. */
async function waitQuiet(maxS: number): Promise<number> {
  const deadline = Date.now() + maxS * 1000
  for (;;) {
    const busy = await machineBusy(500)
    if (busy < 0.1 || Date.now() >= deadline) return busy
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  if (process.platform !== 'linux') throw new Error('the load benchmark reads /proc and uses taskset: Linux only')
  const started = Date.now()
  const command = `npm run bench:hono${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  const wrk = wrkVersion()
  const gen: LoadGenName = opts.loadgen ?? (wrk ? 'wrk' : 'autocannon')
  if (gen === 'wrk' && !wrk) throw new Error('--loadgen wrk: wrk is not installed')
  const pin = opts.pin && spawnSync('taskset', ['-c', '0', 'true']).status === 0 && os.cpus().length >= 2
  const cpus = pin ? { server: 0, client: 1 } : {}
  const genLabel = gen === 'wrk' ? `${wrk} (1 thread)` : `autocannon ${packageVersion('autocannon')} (its own process)`
  const notes: string[] = []
  const built = path.join(ROOT, 'fetch.js')
  if (!fs.existsSync(built)) notes.push('fetch.js is not built: the fasthttp server compiled fetch.ts with tsx')
  else if (fs.statSync(built).mtimeMs < fs.statSync(path.join(ROOT, 'fetch.ts')).mtimeMs) {
    notes.push('**fetch.js is older than fetch.ts**: the fasthttp server ran the built fetch.js (npx tsc -p tsconfig.json)')
  }
  for (const note of notes) console.log(`note: ${note}`)
  console.log(`load generator: ${genLabel}; ${pin ? 'server on CPU 0, load generator on CPU 1' : 'not pinned'}`)

  for (const server of opts.servers) {
    await checkServer(server, cpus.server)
    console.log(`ready ${server.label}`)
  }
  const busyBefore = Math.round((await machineBusy(1000)) * 100)
  const runs = new Map<string, Run[]>()
  const total = opts.rounds * opts.scenarios.length * opts.servers.length
  console.log(`${total} runs of ${opts.warmupS} s warm-up + ${opts.durationS} s, about ${Math.ceil((total * (opts.durationS + opts.warmupS + 1)) / 60)} min`)
  let n = 0
  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 === 1 ? opts.servers : [...opts.servers].reverse()
    for (const scenario of opts.scenarios) {
      for (const server of order) {
        if (opts.quietWaitS > 0) {
          const busy = await waitQuiet(opts.quietWaitS)
          if (busy >= 0.1) console.log(`note: ${Math.round(busy * 100)}% of the CPUs still busy after waiting ${opts.quietWaitS} s`)
        }
        const run = await measure(server, scenario, opts, gen, cpus)
        const key = `${scenario.name}/${server.name}`
        runs.set(key, [...(runs.get(key) ?? []), run])
        console.log(
          `[${String(++n).padStart(String(total).length)}/${total}] round ${round} ${scenario.name.padEnd(5)} ${server.label.padEnd(34)} ${int(run.rps).padStart(8)} req/s  p50 ${ms(run.p50Ms)}  p99 ${ms(run.p99Ms)}  CPU ${run.cpuUsPerReq.toFixed(1)} µs/req${run.errors ? `  errors: ${run.errorDetail}` : ''}${run.othersPct > DISTURBED_PCT ? `  DISTURBED (others took ${run.othersPct.toFixed(0)}% of CPU ${cpus.server})` : ''}`,
        )
      }
    }
  }
  const busyAfter = Math.round((await machineBusy(1000)) * 100)
  for (const [key, cell] of runs) {
    const disturbed = cell.filter((r) => r.othersPct > DISTURBED_PCT)
    if (disturbed.length) notes.push(`${key}: **disturbed**: other work took ${disturbed.map((r) => `${r.othersPct.toFixed(0)}%`).join(', ')} of the server's CPU in ${disturbed.length} of ${cell.length} run(s)`)
  }

  const node = opts.servers.find((s) => s.name === 'node')
  const header = ['scenario', 'server', 'req/s', 'p50', 'p99', 'server CPU µs/req', 'errors', ...(node ? ['÷ node-server'] : [])]
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`]
  for (const scenario of opts.scenarios) {
    const rpsOf = (name: string): number => median((runs.get(`${scenario.name}/${name}`) ?? []).map((r) => r.rps))
    for (const server of opts.servers) {
      const cell = runs.get(`${scenario.name}/${server.name}`) ?? []
      const rps = rpsOf(server.name)
      const each = cell.length > 1 ? ` (${cell.map((r) => int(r.rps)).join(', ')})` : ''
      const ratio = !node ? [] : server === node ? ['—'] : [`${(rps / rpsOf(node.name)).toFixed(2)}×`]
      lines.push(
        `| ${scenario.name} | ${server.label} | ${int(rps)}${each} | ${ms(median(cell.map((r) => r.p50Ms)))} | ${ms(median(cell.map((r) => r.p99Ms)))} | ${median(cell.map((r) => r.cpuUsPerReq)).toFixed(1)} | ${int(cell.reduce((sum, r) => sum + r.errors, 0))} | ${ratio.join('')} |`,
      )
    }
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1)
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime
  const doc =
    `# Hono on fasthttp vs @hono/node-server, ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC\n\n` +
    `- command: \`${command}\` (${minutes} min)\n` +
    `- fasthttp ${fasthttpVersion()} at ${gitCommit()}; hono ${packageVersion('hono')}; @hono/node-server ${packageVersion('@hono/node-server')}; Node.js ${process.version}\n` +
    `- machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Linux ${os.release()}${glibc ? `, glibc ${glibc}` : ''}\n` +
    `- load generator: ${genLabel}, ${opts.connections} keep-alive connections; ${pin ? 'server on CPU 0, load generator on CPU 1 (taskset)' : 'not pinned'}\n` +
    `- each run: a fresh server process, ${opts.warmupS} s warm-up, ${opts.durationS} s measured; ${opts.rounds} round(s), server order alternating; req/s, p50 and p99 are medians over rounds (each round's req/s in parentheses)\n` +
    `- scenarios: ${opts.scenarios.map((s) => `\`${s.name}\` ${s.title}`).join('; ')}\n` +
    `- machine load: ${busyBefore}% of all CPUs busy just before the runs, ${busyAfter}% just after${Math.max(busyBefore, busyAfter) > 10 ? ' (**other processes were running: figures are noisy**)' : ''}${opts.quietWaitS > 0 ? `; each run waited (up to ${opts.quietWaitS} s) for an idle machine` : ''}\n` +
    notes.map((note) => `- ${note}\n`).join('') +
    `\n${lines.join('\n')}\n`
  const out = resultsFile(opts.out, 'hono')
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, doc)
  console.log(`\n${doc}\nwritten to ${path.relative(process.cwd(), out)}`)
}

runDriver('bench:hono', main)
