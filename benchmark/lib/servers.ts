// The peer servers: how to start each one (fresh process, pinned), how to
// check it answers like the others, how to stop it (by its PID only).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { prepareUws } from '../uws-shim/setup'

export const SERVERS_DIR = path.join(__dirname, '..', 'servers')
const ROOT = path.join(__dirname, '..', '..')

export interface ServerSpec {
  name: string
  label: string
  /** Only run when asked for by name (`--servers`): variants for A/B comparisons. */
  optIn?: boolean
  /** The scenarios it can serve, when not all (it then only answers `GET /`). */
  scenarios?: string[]
  /** Resolves the command line and environment, or says why the peer cannot run here. */
  prepare(): { ok: true; argv: string[]; env: Record<string, string>; note?: string } | { ok: false; reason: string }
}

function nodeScript(name: string): string[] {
  return [process.execPath, path.join(SERVERS_DIR, `${name}.mjs`)]
}

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg)
    return true
  } catch {
    return false
  }
}

/** The `bun` binary that the `bun` npm package ships. */
export function bunBinary(): string | undefined {
  const candidates: string[] = []
  try {
    candidates.push(path.join(path.dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe'))
  } catch {
    // not installed
  }
  candidates.push(path.join(ROOT, 'node_modules', '.bin', 'bun'))
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue
    const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 20_000 })
    if (r.status === 0) return file
  }
  return undefined
}

/** fasthttp's bench server (servers/fasthttp.mjs), with `env` set for a variant. */
function fasthttpScript(env: Record<string, string>): ReturnType<ServerSpec['prepare']> {
  return fs.existsSync(path.join(ROOT, 'index.js'))
    ? { ok: true, argv: nodeScript('fasthttp'), env }
    : { ok: false, reason: 'index.js is not built (npm run build)' }
}

export const SERVERS: ServerSpec[] = [
  { name: 'fasthttp', label: 'fasthttp', prepare: () => fasthttpScript({}) },
  {
    // The engine without inline turns: every batch crosses from the I/O
    // thread to JavaScript and back (what inline turns save, measured).
    name: 'fasthttp-threaded',
    label: 'fasthttp (inlineTurns: false)',
    optIn: true,
    prepare: () => fasthttpScript({ FASTHTTP_BENCH_INLINE_TURNS: '0' }),
  },
  {
    // Inline turns without the loop watch (what Bun and Deno run): quiet
    // pulls linger 100 µs in ppoll, turns are scheduled with setImmediate.
    name: 'fasthttp-linger',
    label: 'fasthttp (no loop watch)',
    optIn: true,
    prepare: () => fasthttpScript({ FASTHTTP_LOOP_WATCH: '0' }),
  },
  {
    // fasthttp that calls `server.warmUp()` before it announces its port
    // (the cold-start scenario shows it beside the plain one).
    name: 'fasthttp-warm',
    label: 'fasthttp after warmUp()',
    optIn: true,
    prepare: () => fasthttpScript({ FASTHTTP_BENCH_WARMUP: '1' }),
  },
  { name: 'node', label: 'node:http', prepare: () => ({ ok: true, argv: nodeScript('node'), env: {} }) },
  {
    name: 'fastify',
    label: 'fastify',
    prepare: () =>
      resolvable('fastify') ? { ok: true, argv: nodeScript('fastify'), env: {} } : { ok: false, reason: 'fastify is not installed' },
  },
  {
    name: 'uws',
    label: 'uWebSockets.js',
    prepare: () => {
      const setup = prepareUws()
      if (!setup.ok) return setup
      return { ok: true, argv: nodeScript('uws'), env: setup.env, note: setup.note }
    },
  },
  {
    name: 'bun',
    label: 'Bun.serve',
    prepare: () => {
      const bun = bunBinary()
      if (!bun) return { ok: false, reason: 'the bun binary (npm package `bun`) is not installed or does not run here' }
      const version = spawnSync(bun, ['--version'], { encoding: 'utf8' }).stdout.trim()
      return { ok: true, argv: [bun, path.join(SERVERS_DIR, 'bun.mjs')], env: {}, note: `bun ${version}` }
    },
  },
  {
    // The floor: a bare C epoll responder that only finds each request's end
    // and writes canned answers (benchmark/floor/floor.c). Keep-alive and
    // pipelined GETs only: it reads no bodies and never closes.
    name: 'floor',
    label: 'C epoll floor',
    optIn: true,
    scenarios: ['keepalive', 'pipelined', 'conn1000'],
    prepare: () => {
      const built = buildFloor()
      return built.ok ? { ok: true, argv: [built.binary], env: {}, note: 'no parsing, canned answers' } : built
    },
  },
  {
    // V's `fasthttp` module (vlib/fasthttp: epoll, one SO_REUSEPORT listener
    // and worker thread per CPU), a native binary built by hand from
    // benchmark/v/main.v; see benchmark/v/README.md.
    name: 'v',
    label: 'V fasthttp (native)',
    optIn: true,
    prepare: () => {
      const bin = process.env.FASTHTTP_BENCH_V_BIN || '/tmp/vbuild/vpeer/vpeer'
      if (!fs.existsSync(bin)) return { ok: false, reason: 'V fasthttp binary not built (see benchmark/v/README.md)' }
      return { ok: true, argv: [bin], env: { PORT: '0' }, note: `V fasthttp binary ${bin}` }
    },
  },
]

/** Compiles benchmark/floor/floor.c (`cc -O2`) into the temp directory when it is missing or older than its source. */
function buildFloor(): { ok: true; binary: string } | { ok: false; reason: string } {
  const source = path.join(__dirname, '..', 'floor', 'floor.c')
  const binary = path.join(os.tmpdir(), 'fasthttp-bench-floor')
  if (fs.existsSync(binary) && fs.statSync(binary).mtimeMs >= fs.statSync(source).mtimeMs) return { ok: true, binary }
  const cc = spawnSync('cc', ['-O2', '-o', binary, source], { encoding: 'utf8', timeout: 60_000 })
  if (cc.status !== 0) return { ok: false, reason: `cc could not build the floor: ${(cc.stderr || cc.error?.message || '').trim()}` }
  return { ok: true, binary }
}

export interface RunningServer {
  pid: number
  port: number
  child: ChildProcess
  /** The last few KiB the server wrote to stderr (for error reports). */
  stderr(): string
  /** Whether it exited before we stopped it. */
  exited(): boolean
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()

/** Kills (by PID) every server this process started and has not stopped. */
export function killAllStarted(): void {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  live.clear()
}

/** Starts one server in its own process (through `taskset -c <cpu>` when `cpu` is set) and waits for `port=<n>`. */
export function startServer(argv: string[], env: Record<string, string>, cpu: number | undefined, timeoutMs = 20_000): Promise<RunningServer> {
  const command = cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv]
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let stderr = ''
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096)
  })
  let exited = false
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true
      live.delete(child)
      resolve()
    }),
  )
  return new Promise<RunningServer>((resolve, reject) => {
    let out = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
      reject(new Error(`${why}${stderr ? `\n${stderr.trim()}` : ''}`))
    }
    const timer = setTimeout(() => fail(`did not print its port within ${timeoutMs} ms`), timeoutMs)
    child.once('error', (error) => fail(`cannot start ${command[0]}: ${error.message}`))
    const earlyExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${signal ?? code}) before listening`)
    child.once('exit', earlyExit)
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', function onData(chunk: string) {
      out += chunk
      const match = /^port=(\d+)$/m.exec(out)
      if (!match) return
      child.stdout!.off('data', onData)
      child.stdout!.resume() // keep draining
      child.off('exit', earlyExit)
      clearTimeout(timer)
      const pid = child.pid!
      resolve({
        pid,
        port: Number(match[1]),
        child,
        stderr: () => stderr,
        exited: () => exited,
        stop: async () => {
          if (exited) return
          process.kill(pid, 'SIGTERM')
          const killTimer = setTimeout(() => {
            if (!exited) process.kill(pid, 'SIGKILL')
          }, 3000)
          await exitPromise
          clearTimeout(killTimer)
        },
      })
    })
  })
}

export interface RawResponse {
  status: number
  head: string
  body: Buffer
  /** Bytes on the wire: head + blank line + body. */
  bytes: number
}

/** One request on a fresh connection; resolves the parsed (Content-Length framed) response. */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let data: Buffer = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('no complete response within 5 s'))
    }, timeoutMs)
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      const end = data.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = data.toString('latin1', 0, end)
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
      if (!length) {
        clearTimeout(timer)
        socket.destroy()
        reject(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`))
        return
      }
      const total = end + 4 + Number(length[1])
      if (data.length < total) return
      clearTimeout(timer)
      socket.destroy()
      resolve({ status: Number(head.split(' ')[1]), head, body: data.subarray(end + 4, total), bytes: total })
    })
  })
}

/** Checks a started server answers every route the scenarios use; returns the `GET /` response. */
export async function checkRoutes(port: number, helloOnly = false): Promise<RawResponse> {
  const host = `Host: 127.0.0.1:${port}\r\n`
  const hello = await rawRequest(port, `GET / HTTP/1.1\r\n${host}\r\n`)
  if (hello.status !== 200 || hello.body.toString() !== 'Hello, World!') throw new Error(`GET / answered ${hello.status} ${JSON.stringify(hello.body.toString().slice(0, 40))}`)
  if (!/content-type:\s*text\/plain/i.test(hello.head)) throw new Error('GET / is not text/plain')
  if (helloOnly) return hello
  const body = 'a'.repeat(4096)
  const post = await rawRequest(port, `POST /post HTTP/1.1\r\n${host}Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  if (post.status !== 200 || post.body.toString() !== 'Hello, World!') throw new Error(`POST /post answered ${post.status}`)
  const big = await rawRequest(port, `GET /64k HTTP/1.1\r\n${host}\r\n`)
  if (big.status !== 200 || big.body.length !== 64 * 1024) throw new Error(`GET /64k answered ${big.status} with ${big.body.length} bytes`)
  const asyncHello = await rawRequest(port, `GET /async HTTP/1.1\r\n${host}\r\n`)
  if (asyncHello.status !== 200 || asyncHello.body.toString() !== 'Hello, World!') throw new Error(`GET /async answered ${asyncHello.status}`)
  return hello
}

/** Runs a benchmark driver's `main`; the servers it started are killed on exit, on Ctrl-C and on failure. */
export function runDriver(name: string, main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllStarted()
      process.exit(130)
    })
  }
  process.on('exit', killAllStarted)
  main().catch((error) => {
    console.error(`${name}: ${(error as Error).message}`)
    killAllStarted()
    process.exit(1)
  })
}
