// Shared test helpers: start a server on a free port, talk raw TCP to it.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import net from 'node:net'
import { once } from 'node:events'
import test, { type ExecutionContext } from 'ava'
import { newServer, type Server, type ServerConfig } from '../index'

export async function startServer(config: Omit<ServerConfig, 'port'> & { port?: number }): Promise<{ server: Server; port: number; stopped: Promise<void> }> {
  const server = newServer({ port: 0, host: '127.0.0.1', ...config })
  const stopped = server.run()
  await server.handle().waitTillRunning()
  return { server, port: server.port, stopped }
}

/** Sends `chunks` (written one by one) and collects everything until the server closes or `idleMs` passes without data. */
export function rawExchange(port: number, chunks: Array<string | Buffer>, { idleMs = 300, gapMs = 0 } = {}): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let data = ''
    let timer: NodeJS.Timeout | undefined
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ data, closed })
    }
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => finish(false), idleMs)
    }
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      data += chunk
      arm()
    })
    socket.on('end', () => finish(true))
    socket.on('error', reject)
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk)
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs))
      }
      arm()
    })
  })
}

/** Splits a stream of HTTP/1.1 responses that all carry Content-Length. */
export function splitResponses(data: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const responses = []
  let rest = data
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n')
    if (headEnd === -1) throw new Error(`incomplete response: ${JSON.stringify(rest)}`)
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    const body = rest.slice(headEnd + 4, headEnd + 4 + length)
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body })
    rest = rest.slice(headEnd + 4 + length)
  }
  return responses
}

// ---------------------------------------------------------------------------
// Helpers added for the full suite.


/** Rejects with `label` if `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Stops `server` when the test ends, whatever happened (bounded). */
export function stopAtTeardown(t: ExecutionContext, server: Server, stopped?: Promise<void>): void {
  t.teardown(async () => {
    await within(server.handle().shutdown({ timeoutMs: 2000 }), 4000, 'teardown shutdown').catch(() => {})
    if (stopped) await within(stopped, 4000, 'teardown run()').catch(() => {})
  })
}

/** startServer + teardown registration. */
export async function serve(t: ExecutionContext, config: Omit<ServerConfig, 'port'> & { port?: number }) {
  const started = await startServer(config)
  stopAtTeardown(t, started.server, started.stopped)
  return started
}

/** Runs an already created server (e.g. from an example), registers teardown, waits until it listens. */
export async function runCreated(t: ExecutionContext, server: Server): Promise<{ port: number; stopped: Promise<void> }> {
  const stopped = server.run()
  stopped.catch(() => {})
  stopAtTeardown(t, server, stopped)
  await server.handle().waitTillRunning()
  return { port: server.port, stopped }
}

export interface RawResponse {
  /** The whole response as received (latin1). */
  raw: string
  statusLine: string
  status: number
  /** Header lines in order, names as sent. */
  headerList: Array<[string, string]>
  /** Lower-cased names; the last value wins. */
  headers: Record<string, string | undefined>
  body: string
}

/** One keep-alive client connection that reads responses one at a time. */
export class RawClient {
  /** Bytes received and not yet consumed (latin1). */
  pending = ''
  /** The server ended or closed the connection. */
  ended = false
  error: Error | undefined
  private wake: Array<() => void> = []

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      this.pending += chunk
      this.notify()
    })
    socket.on('end', () => {
      this.ended = true
      this.notify()
    })
    socket.on('close', () => {
      this.ended = true
      this.notify()
    })
    socket.on('error', (error) => {
      this.error = error
      this.ended = true
      this.notify()
    })
  }

  static async connect(port: number, { noDelay = false } = {}): Promise<RawClient> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay })
    await within(once(socket, 'connect'), 3000, `connect to ${port}`)
    return new RawClient(socket)
  }

  private notify(): void {
    const wake = this.wake
    this.wake = []
    for (const w of wake) w()
  }

  /** Waits for more data or the end, at most `ms`; false on timeout. */
  private waitForChange(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      this.wake.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())))
  }

  /** Writes `data` one byte per write, `gapMs` apart. */
  async writeBytewise(data: string | Buffer, gapMs = 1): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data
    for (let i = 0; i < bytes.length; i++) {
      await this.write(bytes.subarray(i, i + 1))
      if (gapMs) await sleep(gapMs)
    }
  }

  /**
   * Reads exactly one response off the connection. `head`: the request was HEAD
   * (no body whatever the headers say). Throws if it does not arrive whole in time.
   */
  async readResponse({ head = false, timeoutMs = 3000 } = {}): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const parsed = parseOne(this.pending, head, this.ended)
      if (parsed) {
        this.pending = this.pending.slice(parsed.raw.length)
        return parsed
      }
      if (this.ended) throw new Error(`connection ended before a whole response; got ${JSON.stringify(this.pending)}`)
      const left = deadline - Date.now()
      if (left <= 0 || !(await this.waitForChange(left))) {
        throw new Error(`no whole response within ${timeoutMs} ms; got ${JSON.stringify(this.pending)}`)
      }
    }
  }

  /** Resolves true once the server has ended the connection, false if it is still open after `ms`. */
  async waitForEnd(ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms
    while (!this.ended) {
      const left = deadline - Date.now()
      if (left <= 0 || !(await this.waitForChange(left))) return this.ended
    }
    return true
  }

  /** Waits `ms` and returns whatever arrived meanwhile (consuming it). */
  async drainFor(ms: number): Promise<string> {
    await sleep(ms)
    const data = this.pending
    this.pending = ''
    return data
  }

  close(): void {
    this.socket.destroy()
  }
}

/** Parses one response at the start of `data`, or undefined if it is not complete yet. */
export function parseOne(data: string, head = false, ended = false): RawResponse | undefined {
  const headEnd = data.indexOf('\r\n\r\n')
  if (headEnd === -1) return undefined
  const [statusLine, ...lines] = data.slice(0, headEnd).split('\r\n')
  const headerList: Array<[string, string]> = []
  const headers: Record<string, string | undefined> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon)
    const value = line.slice(colon + 1).trim()
    headerList.push([name, value])
    headers[name.toLowerCase()] = value
  }
  const status = Number(statusLine.split(' ')[1])
  const bodyStart = headEnd + 4
  let bodyLength: number
  if (head || (status >= 100 && status < 200) || status === 204 || status === 304) bodyLength = 0
  else if (headers['content-length'] !== undefined) bodyLength = Number(headers['content-length'])
  else if (ended) bodyLength = data.length - bodyStart
  else return undefined
  if (data.length < bodyStart + bodyLength) return undefined
  return {
    raw: data.slice(0, bodyStart + bodyLength),
    statusLine,
    status,
    headerList,
    headers,
    body: data.slice(bodyStart, bodyStart + bodyLength),
  }
}

/** Opens a connection and expects it to be refused; resolves the error code. */
export function connectError(port: number, ms = 2000): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('connect', () => {
        socket.destroy()
        resolve('CONNECTED')
      })
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)))
    }),
    ms,
    'connect attempt',
  )
}

/**
 * Open file descriptors of this process, where the OS lists them
 * (/proc/self/fd on Linux, /dev/fd on macOS and the BSDs).
 */
export function openFdCount(): number {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return fs.readdirSync(dir).length
    } catch {
      // not this OS
    }
  }
  throw new Error('no way to count open descriptors here')
}

/** Tests that need descriptor counting or Unix sockets handed to JS: a visible skip on Windows. */
export const unixTest = process.platform === 'win32' ? test.skip : test

export interface ListeningProcess {
  port: number
  stdout(): string
  stderr(): string
  /** Writes a line to the process's stdin. */
  send(line: string): void
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts `bin args` and waits (up to `timeoutMs`) for `PORT <n>` on its
 * stdout; killed at teardown if still alive.
 */
export async function spawnListening(
  t: ExecutionContext,
  bin: string,
  args: string[],
  { env = {}, cwd, timeoutMs = 10_000 }: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ListeningProcess> {
  const child = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const name = path.basename(bin)
  const port = await within(
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const match = /PORT (\d+)/.exec(stdout)
        if (match) resolve(Number(match[1]))
      }
      check()
      child.stdout.on('data', check)
      child.on('error', reject)
      exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`)))
    }),
    timeoutMs,
    `${name} listening`,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`)
  })
  return { port, stdout: () => stdout, stderr: () => stderr, send: (line) => child.stdin.write(`${line}\n`), exited }
}

/**
 * Runs Node with `args` (a script and its arguments, or `-e` and code) and
 * resolves with the JSON it prints on stdout; rejects with its stderr when it
 * exits with another code than 0. Clients run this way send while the test's
 * own thread is busy serving.
 */
export function jsonFromChild<T>(args: string[], name: string): Promise<T> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let errors = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (errors += d))
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`${name} exited with ${code}: ${errors}`)
    return JSON.parse(output) as T
  })
}

/**
 * Runs `work` while sampling this process's RSS every `everyMs`, and resolves
 * with its result and how far RSS rose above where it started (in MiB).
 */
export async function rssGrowthWhile<T>(work: () => Promise<T>, everyMs = 10): Promise<{ result: T; grewMiB: number }> {
  global.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs)
  try {
    const result = await work()
    return { result, grewMiB: (Math.max(peak, process.memoryUsage().rss) - before) / (1024 * 1024) }
  } finally {
    clearInterval(sampler)
  }
}

/** Decodes a chunked body; throws on bad framing. */
export function dechunk(body: string): string {
  let out = ''
  let rest = body
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    const size = parseInt(rest.slice(0, lineEnd), 16)
    if (Number.isNaN(size)) throw new Error(`bad chunk size in ${JSON.stringify(rest.slice(0, 20))}`)
    if (size === 0) return out
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 4 + size)
  }
}
