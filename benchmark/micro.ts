// tinybench micro-benchmarks of the JavaScript side of fasthttp's hot path:
//   - HttpRequest views over a synthetic batch (the buffer + Uint32Array table
//     the engine hands over), with small heads and with 2 KiB of headers;
//   - the JS-side header parsing (`header(name)`, `headerEntries()`);
//   - encoding every handler result form into the answer records;
//   - a whole batch through the server's batch callback (views, handler,
//     encoding, one native `respond` call);
//   - end-to-end round trips through a loopback socket (JS → native → JS),
//     one request and 16 pipelined, with node:http as the reference.
// The engine's Rust hot paths (framing, httparse, chunked decoding, building
// the batch) are not callable from JS; the round trips include them, and
// benchmark/README.md says what is covered where.
//
// Run alone with `npx tsx benchmark/micro.ts [--micro-time ms]`, or through
// `npm run bench` (part of the default run; `--micro` runs only this).

import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import { HttpRequest, newServer, type HandlerResult, type Server } from '../index'
import { Dispatch } from '../src/dispatch'
import {
  FIELD_BODY_LEN, FIELD_BODY_START, FIELD_CONN, FIELD_DATA_LEN, FIELD_DATA_START, FIELD_FD, FIELD_FLAGS, FIELD_GENERATION,
  FIELD_HEADERS_LEN, FIELD_HEADERS_START, FIELD_METHOD_LEN, FIELD_METHOD_START, FIELD_PATH_LEN, FIELD_PATH_START,
  FIELD_REMOTE_PORT, FIELD_SEQ, FIELD_VERSION_LEN, FIELD_VERSION_START, FLAG_KEEP_ALIVE, REQUEST_FIELDS,
} from '../src/wire'

/** Requests per synthetic batch: a busy reactor turn with 64 connections. */
const BATCH = 32

const SMALL_HEAD =
  'GET /plaintext?id=42 HTTP/1.1\r\n' +
  'Host: 127.0.0.1:3000\r\n' +
  'User-Agent: fasthttp-bench/1.0\r\n' +
  'Accept: text/plain,*/*;q=0.8\r\n' +
  'Connection: keep-alive\r\n' +
  '\r\n'

function bigHead(): string {
  const lines = [
    'GET /api/v1/users/12345/profile?fields=name,email,avatar&expand=teams HTTP/1.1',
    'Host: api.example.test',
    'Accept: application/json, text/plain, */*',
    'Accept-Language: en-US,en;q=0.9,fr;q=0.8,de;q=0.7',
    'Accept-Encoding: gzip, deflate, br',
    'Cache-Control: no-cache',
    'Pragma: no-cache',
    'Referer: https://app.example.test/dashboard/teams/engineering/members?page=3',
    'Origin: https://app.example.test',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    `Authorization: Bearer ${'e'.repeat(300)}`,
    `Cookie: session=${'s'.repeat(400)}; csrftoken=${'c'.repeat(64)}; theme=dark; lang=en`,
  ]
  for (let i = 0; lines.join('\r\n').length < 2048 - 48; i++) lines.push(`X-Trace-${i}: ${'t'.repeat(48)}`)
  lines.push('X-Request-Id: 7f3c0a52-5d1b-4b7e-9c1e-2f6b8a9d0c11')
  return `${lines.join('\r\n')}\r\n\r\n`
}
const BIG_HEAD = bigHead()

/** A synthetic batch as the store HttpRequest views (a batch of its own). */
function storeOf(batch: { data: Buffer; table: Uint32Array }): ConstructorParameters<typeof HttpRequest>[0] {
  return { ...batch, userData: undefined, pullSlab: false }
}

function syntheticBatch(head: string, count: number): { data: Buffer; table: Uint32Array } {
  const one = Buffer.from(head, 'latin1')
  const data = Buffer.alloc(one.length * count)
  const table = new Uint32Array(REQUEST_FIELDS * count)
  const lineEnd = head.indexOf('\r\n')
  const [method, target, version] = head.slice(0, lineEnd).split(' ')
  const headersStart = lineEnd + 2
  const headersEnd = head.indexOf('\r\n\r\n') + 2
  for (let i = 0; i < count; i++) {
    one.copy(data, i * one.length)
    const row = i * REQUEST_FIELDS
    table[row + FIELD_CONN] = i
    table[row + FIELD_GENERATION] = 1
    table[row + FIELD_SEQ] = 0
    table[row + FIELD_FD] = 100 + i
    table[row + FIELD_FLAGS] = FLAG_KEEP_ALIVE
    table[row + FIELD_DATA_START] = i * one.length
    table[row + FIELD_DATA_LEN] = one.length
    table[row + FIELD_METHOD_START] = 0
    table[row + FIELD_METHOD_LEN] = method.length
    table[row + FIELD_PATH_START] = method.length + 1
    table[row + FIELD_PATH_LEN] = target.length
    table[row + FIELD_VERSION_START] = method.length + target.length + 2
    table[row + FIELD_VERSION_LEN] = version.length
    table[row + FIELD_HEADERS_START] = headersStart
    table[row + FIELD_HEADERS_LEN] = headersEnd - headersStart
    table[row + FIELD_BODY_START] = one.length // body: empty, after the head
    table[row + FIELD_BODY_LEN] = 0
    table[row + FIELD_REMOTE_PORT] = 40000 + i
  }
  return { data, table }
}

/** Reads back-to-back HTTP/1.1 responses (Content-Length framed) from a socket. */
class ResponseReader {
  private buffered: Buffer = Buffer.alloc(0)
  private waiters: Array<() => void> = []
  private ready = 0

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk
      for (;;) {
        const end = this.buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = this.buffered.toString('latin1', 0, end)
        const match = /content-length:\s*(\d+)/i.exec(head)
        const total = end + 4 + (match ? Number(match[1]) : 0)
        if (this.buffered.length < total) return
        this.buffered = this.buffered.subarray(total)
        const waiter = this.waiters.shift()
        if (waiter) waiter()
        else this.ready++
      }
    })
  }

  /** The next whole response; rejects after `timeoutMs` so a stuck peer never hangs the run. */
  next(timeoutMs = 5000): Promise<void> {
    if (this.ready > 0) {
      this.ready--
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`no response within ${timeoutMs} ms`))
      }, timeoutMs)
      const waiter = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(waiter)
    })
  }
}

async function connect(port: number): Promise<{ socket: net.Socket; reader: ResponseReader }> {
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  const reader = new ResponseReader(socket)
  await once(socket, 'connect')
  return { socket, reader }
}

export interface MicroRow {
  name: string
  /** 1 / mean time (so it agrees with `meanNs`). */
  opsPerSec: number
  meanNs: number
  perItemNs: number | undefined
  p99Ns: number
  rme: number
  samples: number
}

export interface MicroOptions {
  /** Milliseconds each task runs (tinybench `time`). */
  time?: number
  log?: (line: string) => void
}

export async function runMicro({ time = 500, log = console.log }: MicroOptions = {}): Promise<{ rows: MicroRow[]; markdown: string }> {
  const { Bench } = await import('tinybench')
  const bench = new Bench({ time, warmupTime: Math.min(250, time / 2) })
  const perItem = new Map<string, number>()
  const add = (name: string, items: number, fn: () => unknown): void => {
    if (items > 1) perItem.set(name, items)
    bench.add(name, fn as () => void)
  }

  // --- HttpRequest views over a synthetic batch --------------------------------
  const small = syntheticBatch(SMALL_HEAD, BATCH)
  const big = syntheticBatch(BIG_HEAD, BATCH)
  let sink = 0
  add(`views: ${BATCH} HttpRequest over a batch (small heads)`, BATCH, () => {
    for (let row = 0; row < small.table.length; row += REQUEST_FIELDS) {
      const req = new HttpRequest(storeOf(small), row)
      sink += req.path.len
    }
  })
  add(`views: ${BATCH} HttpRequest + methodName + url (2 KiB heads)`, BATCH, () => {
    for (let row = 0; row < big.table.length; row += REQUEST_FIELDS) {
      const req = new HttpRequest(storeOf(big), row)
      sink += req.methodName.length + req.url.length
    }
  })
  const smallReq = new HttpRequest(storeOf(small), 0)
  const bigReq = new HttpRequest(storeOf(big), 0)
  add(`header('connection'), small head (${SMALL_HEAD.length} B)`, 1, () => (sink += smallReq.header('connection')?.length ?? 0))
  add(`header('x-request-id'), 2 KiB head (${BIG_HEAD.length} B)`, 1, () => (sink += bigReq.header('x-request-id')?.length ?? 0))
  add('headerEntries(), small head', 1, () => (sink += smallReq.headerEntries().length))
  add('headerEntries(), 2 KiB head', 1, () => (sink += bigReq.headerEntries().length))

  // --- answer encoding, each handler result form ---------------------------------
  const encoder = newServer({ port: 0, host: '127.0.0.1', handler: () => 'Hello, World!' })
  // The server's dispatcher (src/dispatch.ts), driven directly: encoding and the batch callback.
  const internals = new Dispatch(encoder.config, encoder.native, () => {})
  const requests = Array.from({ length: BATCH }, (_, i) => new HttpRequest(storeOf(small), i * REQUEST_FIELDS))
  const hello = 'Hello, World!'
  const helloBytes = Buffer.from(hello)
  const rawText = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${hello.length}\r\n\r\n${hello}`
  const rawBytes = Buffer.from(rawText)
  const big64k = Buffer.alloc(64 * 1024, 'x')
  const forms: Array<[string, () => HandlerResult]> = [
    ['body string', () => hello],
    ['body Uint8Array', () => helloBytes],
    ['raw "HTTP/" string', () => rawText],
    ['raw "HTTP/" bytes', () => rawBytes],
    ['HttpResponse { content, shouldClose }', () => ({ content: hello, shouldClose: false })],
    ['{ status, headers, body }', () => ({ status: 200, headers: { 'Content-Type': 'text/plain', 'X-Id': '1' }, body: hello })],
    ['64 KiB body Uint8Array', () => big64k],
  ]
  for (const [label, make] of forms) {
    add(`encode ${BATCH}× ${label}`, BATCH, () => {
      for (const req of requests) internals.writer.result(req, make(), false)
      sink += internals.writer.length
      internals.writer.take()
      internals.writer.takeExternals()
    })
  }

  // --- a whole batch through the server's callback (not started: respond is a no-op crossing)
  add(`batch callback: ${BATCH} requests (views + handler + encode + respond)`, BATCH, () => {
    internals.handleBatch(0, small.table, small.data)
  })

  // --- round trips through a loopback socket ---------------------------------------
  const server: Server = newServer({ port: 0, host: '127.0.0.1', family: 'ip', handler: () => hello })
  const stopped = server.run()
  await server.handle().waitTillRunning()
  const nodeServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(hello.length) })
    res.end(hello)
  })
  nodeServer.keepAliveTimeout = 120_000 // the connection idles while the tasks before it run
  nodeServer.listen(0, '127.0.0.1')
  await once(nodeServer, 'listening')
  const nodePort = (nodeServer.address() as net.AddressInfo).port

  const oneGet = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  const sixteen = Buffer.concat(Array.from({ length: 16 }, () => oneGet))
  const fast = await connect(server.port)
  const fastPipe = await connect(server.port)
  const ref = await connect(nodePort)
  add('round trip: fasthttp, 1 request (JS → native → JS)', 1, async () => {
    fast.socket.write(oneGet)
    await fast.reader.next()
  })
  add('round trip: fasthttp, 16 pipelined requests', 16, async () => {
    fastPipe.socket.write(sixteen)
    for (let i = 0; i < 16; i++) await fastPipe.reader.next()
  })
  add('round trip: node:http, 1 request (reference)', 1, async () => {
    ref.socket.write(oneGet)
    await ref.reader.next()
  })

  log(`micro: ${bench.tasks.length} tasks, ${time} ms each ...`)
  bench.addEventListener('cycle', (event) => {
    const task = (event as unknown as { task?: { name: string } }).task
    if (task) log(`micro:   done ${task.name}`)
  })
  try {
    await bench.run()
  } finally {
    for (const c of [fast, fastPipe, ref]) c.socket.destroy()
    nodeServer.close()
    await server.handle().shutdown({ timeoutMs: 2000 }).catch(() => undefined)
    await stopped.catch(() => undefined)
  }
  if (sink === -1) log('unreachable')

  const rows: MicroRow[] = bench.tasks.map((task) => {
    const r = task.result
    if (!r || r.error) throw new Error(`micro: task "${task.name}" failed: ${r?.error?.message ?? 'no result'}`)
    const meanNs = r.latency.mean * 1e6
    const items = perItem.get(task.name)
    return {
      name: task.name,
      opsPerSec: 1e9 / meanNs,
      meanNs,
      perItemNs: items ? meanNs / items : undefined,
      p99Ns: (r.latency.p99 ?? r.latency.max) * 1e6,
      rme: r.latency.rme,
      samples: r.latency.samples.length,
    }
  })
  return { rows, markdown: microMarkdown(rows) }
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`
  return `${ns.toFixed(0)} ns`
}

export function microMarkdown(rows: MicroRow[]): string {
  const lines = [
    '| task | ops/s | mean | per request | p99 | ±rme | samples |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${formatNs(r.meanNs)} | ${r.perItemNs === undefined ? '' : formatNs(r.perItemNs)} | ${formatNs(r.p99Ns)} | ${r.rme.toFixed(1)}% | ${r.samples} |`,
    )
  }
  return lines.join('\n')
}

if (require.main === module) {
  const at = process.argv.indexOf('--micro-time')
  const time = at === -1 ? 500 : Number(process.argv[at + 1])
  runMicro({ time }).then(
    ({ markdown }) => console.log(markdown),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
}
