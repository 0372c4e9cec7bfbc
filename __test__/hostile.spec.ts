// Hostile traffic through real sockets: slow and stalled clients, connection
// limits, lingering close, peers that never read, huge responses to slow
// readers, a blocked JavaScript thread, clients that vanish at every stage,
// handlers that never answer, and leaks over many churned connections.
//
// The engine runs in this process, so `process.memoryUsage().rss` and
// /proc/self/fd measure the server (plus the test's own client sockets,
// which are all closed before counting). Tests that measure memory or file
// descriptors, or that block the JavaScript thread, are serial (AVA runs them
// before the concurrent ones, alone).

import test, { type ExecutionContext } from 'ava'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import type { HttpRequest } from '../index'
import { openFdCount, parseOne, RawClient, rss, serve, sleep, waitUntil, within } from './helpers'

const MB = 1024 * 1024

/** A RawClient closed at teardown. */
async function client(t: ExecutionContext, port: number, options?: { noDelay?: boolean }): Promise<RawClient> {
  const c = await RawClient.connect(port, options)
  t.teardown(() => c.close())
  return c
}

const GET = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`

/**
 * One churned request: open, send (asking the server to close, so that the
 * server side takes TIME_WAIT rather than the client's ephemeral ports),
 * read the whole answer and the server's FIN, close. Resolves the body.
 */
function churn(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true })
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`churned request ${target} not answered and closed within 5 s; got ${JSON.stringify(data)}`))
    }, 5000)
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => (data += chunk))
    socket.on('error', (error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    })
    socket.on('end', () => {
      clearTimeout(timer)
      socket.destroy()
      const response = parseOne(data, false, true)
      if (!response || response.status !== 200) reject(new Error(`bad churned answer ${JSON.stringify(data)}`))
      else resolve(response.body)
    })
    socket.on('connect', () => socket.write(GET(target, 'Connection: close\r\n')))
  })
}

/** Runs `total` churned requests with at most `concurrency` at a time. */
async function churnMany(port: number, total: number, concurrency: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < total) {
      const i = next++
      const body = await churn(port, `/c/${i}`)
      if (body !== `c ${i}`) throw new Error(`request ${i} got ${JSON.stringify(body)}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

// ---------------------------------------------------------------------------
// Slow and idle clients.

test('slowloris: a request trickling in one byte per 300 ms gets 408 from the total deadline and is closed', async (t) => {
  let handled = 0
  const { port } = await serve(t, {
    timeoutInSeconds: 1,
    handler: () => {
      handled++
      return 'should not be served'
    },
  })
  const c = await client(t, port, { noDelay: true })
  const request = Buffer.from(GET('/slow', `X-Padding: ${'p'.repeat(40)}\r\n`), 'latin1')
  let sent = 0
  // Bounded: at most the whole request (~70 bytes, ~21 s), but the 1 s
  // deadline cuts it off long before; a per-read timeout never would, since
  // a byte arrives every 300 ms.
  while (sent < request.length && !c.pending.includes('\r\n\r\n') && !c.ended) {
    await c.write(request.subarray(sent, sent + 1))
    sent++
    await sleep(300)
  }
  const response = await c.readResponse({ timeoutMs: 3000 })
  t.is(response.status, 408)
  t.true(sent < request.length, `the 408 came while the request was still arriving (${sent}/${request.length} bytes sent)`)
  t.true(await c.waitForEnd(4000), 'the connection is closed after the 408')
  t.is(handled, 0)
})

// 2 s, not less: on a loaded CI machine the gap between two requests of this
// test can itself approach a short idle timeout.
test('an idle keep-alive connection is closed after idleTimeoutInSeconds: 2, without a response', async (t) => {
  const { port } = await serve(t, { idleTimeoutInSeconds: 2, handler: (req) => `hi ${req.url}` })
  const c = await client(t, port)
  await c.write(GET('/1'))
  t.is((await c.readResponse()).body, 'hi /1')
  await c.write(GET('/2'))
  t.is((await c.readResponse()).body, 'hi /2', 'the connection is kept alive between requests')
  t.true(await c.waitForEnd(8000), 'closed once idle for 2 s')
  t.is(c.pending, '', 'nothing is sent on an idle close')
})

// A client that sends its request and half-closes (shutdown(SHUT_WR), as
// `printf ... | nc -N` or any request-then-FIN client does) owes nothing more:
// the server should answer and then close. To make the FIN arrive together
// with the request deterministically, the client waits in the accept backlog
// (maxConnections: 1) while its request and FIN are already queued.
for (const [name, bytes, answered] of [
  ['a complete request', GET('/half-closed'), true],
  ['a partial request', 'GET /partial HTTP/1.1\r\nHost: a\r\n', false],
] as const) {
  test(`half-close: ${name} followed at once by FIN is ${answered ? 'answered, then ' : ''}closed promptly, not held until a timeout`, async (t) => {
    const { port } = await serve(t, { maxConnections: 1, handler: (req) => `hi ${req.url}` })
    const holder = await client(t, port)
    await holder.write(GET('/holder'))
    t.is((await holder.readResponse()).status, 200)
    const late = net.connect({ port, host: '127.0.0.1' })
    t.teardown(() => late.destroy())
    await once(late, 'connect')
    let data = ''
    let ended = false
    late.setEncoding('latin1')
    late.on('data', (chunk) => (data += chunk))
    late.on('end', () => (ended = true))
    late.on('error', () => (ended = true))
    late.end(bytes)
    await sleep(100) // request and FIN now wait in the server's socket
    holder.close() // frees the slot: the server accepts `late` and reads both at once
    if (answered) {
      t.true(await waitUntil(() => parseOne(data) !== undefined, 3000), 'answered')
      t.is(parseOne(data)?.body, 'hi /half-closed')
    }
    t.true(
      await waitUntil(() => ended, 3000),
      `the server closes a half-closed connection once it owes nothing (got ${JSON.stringify(data.slice(0, 60))}, still open after 3 s)`,
    )
  })
}

// ---------------------------------------------------------------------------
// Connection limit and lingering close.

test('maxConnections: 2 — a third connection is not served while two are open, and is served once one closes', async (t) => {
  const { port } = await serve(t, { maxConnections: 2, handler: (req) => `hi ${req.url}` })
  const a = await client(t, port)
  const b = await client(t, port)
  for (const [c, target] of [[a, '/a'], [b, '/b']] as const) {
    await c.write(GET(target))
    t.is((await c.readResponse()).body, `hi ${target}`)
  }
  const third = await client(t, port) // the kernel completes the handshake; the server does not accept
  await third.write(GET('/third'))
  t.is(await third.drainFor(300), '', 'no answer while two connections are open')
  a.close()
  const response = await third.readResponse({ timeoutMs: 3000 })
  t.is(response.body, 'hi /third')
  // b is still served too.
  await b.write(GET('/b2'))
  t.is((await b.readResponse()).body, 'hi /b2')
})

test('lingering close: a client that keeps writing after a 400 still reads the whole 400 (no reset first)', async (t) => {
  const { port } = await serve(t, { handler: () => 'ok' })
  const socket = net.connect({ port, host: '127.0.0.1' })
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  let data = ''
  let errorCode: string | undefined
  let responseCompleteAtError = false
  socket.setEncoding('latin1')
  socket.on('data', (chunk) => (data += chunk))
  socket.on('error', (error: NodeJS.ErrnoException) => {
    errorCode = error.code ?? error.message
    responseCompleteAtError = parseOne(data, false, false) !== undefined
  })
  const garbage = Buffer.alloc(16 * 1024, 'g')
  // A malformed head, then a stream of bytes the server will never parse.
  socket.write(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n'), Buffer.alloc(256 * 1024, 'x')]))
  for (let i = 0; i < 60 && !socket.destroyed; i++) {
    socket.write(garbage)
    await sleep(10)
  }
  t.true(await waitUntil(() => parseOne(data) !== undefined || socket.destroyed, 3000))
  const response = parseOne(data)
  t.truthy(response, `a whole response arrived (got ${JSON.stringify(data.slice(0, 80))}, error ${errorCode})`)
  t.is(response?.status, 400)
  t.is(response?.headers.connection?.toLowerCase(), 'close')
  if (errorCode !== undefined) t.true(responseCompleteAtError, `${errorCode} only after the whole 400 had arrived`)
})

// ---------------------------------------------------------------------------
// Peers that do not read.

test.serial('backpressure: a client pipelining 20,000 requests without reading is cut off, memory stays bounded, others are served', async (t) => {
  const body = Buffer.alloc(1024, 'b')
  let served = 0
  const { port } = await serve(t, {
    handler: (req) => {
      served++
      return req.url === '/other' ? 'other' : body
    },
  })
  const rssBefore = rss()
  let peakRss = rssBefore
  const flood = net.connect({ port, host: '127.0.0.1' })
  t.teardown(() => flood.destroy())
  await once(flood, 'connect')
  flood.pause() // never read: once Node's buffer is full it stops reading the socket
  let closed = false
  let floodError: string | undefined
  flood.on('close', () => (closed = true))
  flood.on('error', (error: NodeJS.ErrnoException) => (floodError = error.code ?? error.message))
  const thousand = Buffer.from(GET('/flood').repeat(1000), 'latin1')
  for (let i = 0; i < 20 && !flood.destroyed; i++) flood.write(thousand)

  // Meanwhile another client is served.
  const other = await client(t, port)
  await other.write(GET('/other'))
  t.is((await other.readResponse({ timeoutMs: 5000 })).body, 'other')

  // The server stops reading it, then cuts it off. A reset peer is only
  // noticed on a write, so keep pipelining one request every 50 ms (bounded).
  for (let i = 0; i < 200 && !closed; i++) {
    peakRss = Math.max(peakRss, rss())
    if (!flood.destroyed) flood.write(GET('/more'))
    await sleep(50)
  }
  peakRss = Math.max(peakRss, rss())
  t.true(closed, `the flooding connection was disconnected (served ${served} of its requests)`)
  t.log(`flood: ${served} requests answered before the cut-off, ${floodError ?? 'closed'}; RSS ${Math.round(rssBefore / MB)} → peak ${Math.round(peakRss / MB)} MB`)
  t.true(served < 20_000, 'it was not served everything it asked for without reading')
  t.true(peakRss - rssBefore < 200 * MB, `RSS grew by ${Math.round((peakRss - rssBefore) / MB)} MB`)
  // And the server still serves.
  await other.write(GET('/other'))
  t.is((await other.readResponse()).body, 'other')
})

test('a slow reader of a 50 MB response gets every byte while another client is served', async (t) => {
  const big = Buffer.alloc(50 * MB)
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i)
  const expected = createHash('sha256').update(big).digest('hex')
  const { port } = await serve(t, { handler: (req) => (req.url === '/big' ? big : 'small') })

  const socket = net.connect({ port, host: '127.0.0.1' })
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  const hash = createHash('sha256')
  let head = ''
  let headDone = false
  let bodyBytes = 0
  let sinceLastPause = 0
  let pauses = 0
  let otherServed = false
  let otherPromise: Promise<void> | undefined
  const done = new Promise<void>((resolve, reject) => {
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      let rest = chunk
      if (!headDone) {
        head += chunk.toString('latin1')
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        headDone = true
        rest = Buffer.from(head.slice(end + 4), 'latin1')
        head = head.slice(0, end)
      }
      hash.update(rest)
      bodyBytes += rest.length
      sinceLastPause += rest.length
      if (bodyBytes >= big.length) resolve()
      else if (sinceLastPause >= 2 * MB && pauses < 40) {
        // Read with pauses: stop for 40 ms every 2 MB.
        sinceLastPause = 0
        pauses++
        socket.pause()
        if (pauses === 2) {
          // While this reader is stalled, another client is served.
          otherPromise = (async () => {
            const other = await client(t, port)
            await other.write(GET('/small'))
            otherServed = (await other.readResponse({ timeoutMs: 5000 })).body === 'small'
          })()
        }
        setTimeout(() => socket.resume(), 40)
      }
    })
  })
  socket.write(GET('/big'))
  await within(done, 30_000, '50 MB response')
  await otherPromise
  t.regex(head, /^HTTP\/1\.1 200 OK\r\n/)
  t.true(new RegExp(`\\r\\ncontent-length: ${big.length}(\\r|$)`, 'i').test(head), 'Content-Length is 50 MiB')
  t.is(bodyBytes, big.length)
  t.is(hash.digest('hex'), expected, 'byte-complete')
  t.true(pauses > 10, `the reader paused ${pauses} times`)
  t.true(otherServed, 'another client was served while the slow reader was paused')
})

// ---------------------------------------------------------------------------
// A blocked JavaScript thread.

test.serial('a JS thread blocked for 2 s while 300 connections send requests: afterwards every one is answered', async (t) => {
  const flag = new Int32Array(new SharedArrayBuffer(4))
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  let blockedFor = 0
  const { port } = await serve(t, {
    handler: (req) => {
      if (req.url === '/block') {
        const started = Date.now()
        Atomics.store(flag, 0, 1)
        clients.postMessage('blocked') // delivered to the worker's own event loop
        Atomics.wait(sleeper, 0, 0, 2000) // the JavaScript thread sleeps 2 s
        Atomics.store(flag, 0, 0)
        blockedFor = Date.now() - started
        return 'unblocked'
      }
      return `answer ${req.url}`
    },
  })
  const clients = new Worker(path.join(__dirname, 'fixtures', 'hostile-block-clients.cjs'), {
    workerData: { port, count: 300, timeoutMs: 15_000, flag: flag.buffer },
  })
  t.teardown(() => clients.terminate())
  const messages: unknown[] = []
  const results = new Promise<Array<{ i: number; data: string; writtenWhileBlocked: boolean; error?: string }>>((resolve, reject) => {
    clients.on('error', reject)
    clients.on('message', (message) => {
      messages.push(message)
      if (Array.isArray(message)) resolve(message)
    })
  })
  t.true(await waitUntil(() => messages.includes('ready'), 5000), 'the client worker started')
  const blocker = await client(t, port)
  await blocker.write(GET('/block'))
  const all = await within(results, 25_000, 'the 300 clients')
  t.is((await blocker.readResponse({ timeoutMs: 5000 })).body, 'unblocked')
  t.true(blockedFor >= 1900, `the handler blocked the thread for ${blockedFor} ms`)
  const written = all.filter((r) => r.writtenWhileBlocked).length
  t.is(written, 300, 'all 300 requests were written while the JavaScript thread was blocked')
  const wrong = all.filter((r) => r.error !== undefined || parseOne(r.data)?.body !== `answer /n/${r.i}`)
  t.deepEqual(
    wrong.slice(0, 5).map((r) => ({ i: r.i, error: r.error, data: r.data.slice(0, 80) })),
    [],
    `${wrong.length} of 300 connections were not answered correctly`,
  )
})

// ---------------------------------------------------------------------------
// Clients that vanish.

test('faults: clients vanishing mid-request, mid-response, during an async handler, or with a reset never hurt the server', async (t) => {
  const errors: unknown[] = []
  const seen: string[] = []
  let slowSettled = 0
  const big = Buffer.alloc(8 * MB, 'z')
  const { port } = await serve(t, {
    onError: (error) => errors.push(error),
    handler: (req: HttpRequest) => {
      seen.push(req.url)
      if (req.url.startsWith('/slow')) {
        return new Promise<string>((resolve) =>
          setTimeout(() => {
            slowSettled++
            resolve('late answer')
          }, 300),
        )
      }
      if (req.url === '/big') return big
      return `ok ${req.url}`
    },
  })
  const connect = async () => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true })
    socket.on('error', () => {})
    await once(socket, 'connect')
    return socket
  }
  const firstData = (socket: net.Socket) => within(once(socket, 'data'), 5000, 'first response bytes')

  // 1. Mid-request: a partial head; a head with half of its body.
  let s = await connect()
  s.write('GET /never-complete HTTP/1.1\r\nHost: a\r\nX-Half: ')
  await sleep(30)
  s.destroy()
  s = await connect()
  s.write('POST /half-body HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789')
  await sleep(30)
  s.destroy()

  // 2. Mid-response: an 8 MB answer, the client leaves after the first chunk.
  s = await connect()
  s.write(GET('/big'))
  await firstData(s)
  s.destroy()

  // 3. While the async handler still runs: its late answer must be dropped quietly.
  s = await connect()
  s.write(GET('/slow-1'))
  await sleep(50)
  s.destroy()

  // 4. Resets (RST instead of FIN) at each stage.
  s = await connect()
  s.write('POST /reset-mid-request HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\n\r\nabc')
  await sleep(30)
  s.resetAndDestroy()
  s = await connect()
  s.write(GET('/slow-2'))
  await sleep(50)
  s.resetAndDestroy()
  s = await connect()
  s.write(GET('/big'))
  await firstData(s)
  s.resetAndDestroy()
  s = await connect()
  s.resetAndDestroy() // before sending anything

  t.true(await waitUntil(() => slowSettled === 2, 3000), 'both async handlers settled after their clients left')
  await sleep(200) // their answers reach the engine and are dropped
  const c = await client(t, port)
  await c.write(GET('/after'))
  t.is((await c.readResponse()).body, 'ok /after', 'the server keeps serving')
  t.deepEqual(errors, [], 'onError is not called for vanished clients')
  t.false(seen.includes('/never-complete') || seen.includes('/half-body') || seen.includes('/reset-mid-request'), 'incomplete requests never reach the handler')
})

test('a handler that never settles gets 503 after handlerTimeoutInSeconds: 1, and the connection stays usable', async (t) => {
  const errors: unknown[] = []
  const { port } = await serve(t, {
    handlerTimeoutInSeconds: 1,
    onError: (error) => errors.push(error),
    handler: (req) => (req.url === '/never' ? new Promise<string>(() => {}) : `fine ${req.url}`),
  })
  const c = await client(t, port)
  await c.write(GET('/never'))
  const timedOut = await c.readResponse({ timeoutMs: 4000 })
  t.is(timedOut.status, 503)
  t.false(c.ended, 'the connection is kept after the 503')
  await c.write(GET('/next'))
  const next = await c.readResponse()
  t.is(next.status, 200)
  t.is(next.body, 'fine /next')
  t.deepEqual(errors, [])
})

// ---------------------------------------------------------------------------
// Leaks.

;(process.platform === 'win32' ? test.serial.skip : test.serial)('leak check: 20,000 requests over churned connections return the fd count to its start; RSS stays flat', async (t) => {
  t.timeout(60_000)
  const { port } = await serve(t, { handler: (req) => `c ${req.url.slice(3)}` })
  await churnMany(port, 500, 50) // warm up pools and buffers
  await sleep(300)
  const fdStart = openFdCount()
  await churnMany(port, 10_000, 50)
  const rssFirstHalf = rss()
  await churnMany(port, 10_000, 50)
  const rssSecondHalf = rss()
  // Lingering closes finish within a couple of seconds.
  await waitUntil(() => Math.abs(openFdCount() - fdStart) <= 5, 2000)
  const fdEnd = openFdCount()
  t.log(`fds ${fdStart} → ${fdEnd}; RSS after 10k ${Math.round(rssFirstHalf / MB)} MB, after 20k ${Math.round(rssSecondHalf / MB)} MB`)
  t.true(Math.abs(fdEnd - fdStart) <= 5, `open fds went from ${fdStart} to ${fdEnd}`)
  t.true(rssSecondHalf - rssFirstHalf < 48 * MB, `RSS grew by ${Math.round((rssSecondHalf - rssFirstHalf) / MB)} MB over the second 10,000`)
})
