// Request bodies streamed as they arrive (`streamBodiesOver`), through real
// sockets: large uploads hashed on the fly, bounded memory, backpressure on
// a slow reader, chunked uploads, and bodies that cannot complete.
import test from 'ava'
import crypto from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import { newServer, RequestBodyError, type HttpRequest } from '../index'
import { jsonFromChild, rawExchange, rssGrowthWhile, serve, sleep, splitResponses, within } from './helpers'

const MiB = 1024 * 1024

/** Deterministic bytes: piece `i` of a stream of `count` pieces. */
function piece(i: number, size = 64 * 1024): Buffer {
  const bytes = Buffer.alloc(size, (i * 7) & 0xff)
  bytes.writeUInt32LE(i, 0)
  bytes.writeUInt32LE(i, size - 4)
  return bytes
}

/** Hashes a body as it arrives and answers `<bytes> <sha256>`. */
async function hashBody(req: HttpRequest): Promise<string> {
  const hash = crypto.createHash('sha256')
  let bytes = 0
  for await (const part of req.bodyStream()) {
    hash.update(part)
    bytes += part.length
  }
  return `${req.bodyStreamed ? 'streamed' : 'buffered'} ${bytes} ${hash.digest('hex')}`
}

/** POSTs `count` pieces with node:http (Content-Length or chunked); resolves with the status and body. */
function upload(port: number, count: number, { chunked = false, path = '/' } = {}): Promise<{ status: number; body: string; sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256')
    const size = piece(0).length
    const headers: Record<string, string> = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(count * size) }
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sha: hash.digest('hex'), bytes: count * size }))
    })
    req.on('error', reject)
    let i = 0
    const write = () => {
      while (i < count) {
        const bytes = piece(i++)
        hash.update(bytes)
        if (!req.write(bytes)) return void req.once('drain', write)
      }
      req.end()
    }
    write()
  })
}

/**
 * `upload(port, count)` (Content-Length) from a child process, so that this
 * process's memory is the server's alone, not also the client's 256 MiB of
 * pieces.
 */
function uploadFromChild(port: number, count: number): Promise<{ status: number; body: string; sha: string; bytes: number }> {
  const script = `
    const http = require('node:http')
    const crypto = require('node:crypto')
    const piece = ${piece.toString()}
    const size = piece(0).length
    const hash = crypto.createHash('sha256')
    const req = http.request({ host: '127.0.0.1', port: ${port}, method: 'POST', path: '/', agent: false,
      headers: { 'Content-Length': String(${count} * size) } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body, sha: hash.digest('hex'), bytes: ${count} * size })))
    })
    req.on('error', (error) => { console.error(error); process.exit(1) })
    let i = 0
    const write = () => {
      while (i < ${count}) {
        const bytes = piece(i++)
        hash.update(bytes)
        if (!req.write(bytes)) return void req.once('drain', write)
      }
      req.end()
    }
    write()
  `
  return jsonFromChild(['-e', script], 'upload client')
}

// Serial: ava runs it before this file's concurrent tests, whose own uploads
// would otherwise count in the same process's RSS.
test.serial('a 256 MiB upload is read as it arrives, byte-identical, with bounded memory', async (t) => {
  const { port } = await serve(t, { streamBodiesOver: MiB, maxBodySize: 2 ** 32, handler: hashBody })
  const { result, grewMiB } = await rssGrowthWhile(() => within(uploadFromChild(port, 4096), 60_000, 'upload'), 20)
  t.is(result.status, 200)
  t.is(result.body, `streamed ${result.bytes} ${result.sha}`)
  // The body never sits in the server's memory whole.
  t.true(grewMiB < 96, `RSS grew by ${grewMiB.toFixed(1)} MiB`)
})

test('a chunked upload streams too, and small bodies stay buffered', async (t) => {
  const { port } = await serve(t, { streamBodiesOver: 100_000, maxBodySize: 2 ** 30, handler: hashBody })
  const chunked = await upload(port, 200, { chunked: true })
  t.is(chunked.body, `streamed ${chunked.bytes} ${chunked.sha}`)
  const small = await upload(port, 1)
  t.is(small.body, `buffered ${small.bytes} ${small.sha}`)
  const smallChunked = await upload(port, 1, { chunked: true })
  t.is(smallChunked.body, `buffered ${smallChunked.bytes} ${smallChunked.sha}`)
})

test('a slow reader holds the client back: only a bounded amount is in flight', async (t) => {
  let consumed = 0
  let clientAhead = 0
  let socketWritten = () => 0
  const { port } = await serve(t, {
    streamBodiesOver: 1024,
    maxBodySize: 2 ** 30,
    handlerTimeoutInSeconds: 120,
    handler: async (req) => {
      for await (const part of req.bodyStream()) {
        consumed += part.length
        clientAhead = Math.max(clientAhead, socketWritten() - consumed)
        if (consumed < 8 * MiB) await sleep(1) // slow for the first 8 MiB
      }
      return `read ${consumed}`
    },
  })
  const total = 32 * MiB
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socketWritten = () => socket.bytesWritten
  socket.write(`POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`)
  let response = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (response += d))
  for (let sent = 0, i = 0; sent < total; i++) {
    const bytes = piece(i)
    sent += bytes.length
    if (!socket.write(bytes)) await once(socket, 'drain')
  }
  await within(
    (async () => {
      while (!response.includes(`read ${total}`)) await sleep(20)
    })(),
    60_000,
    'response',
  )
  socket.destroy()
  t.log(`client ahead of the reader by at most ${(clientAhead / MiB).toFixed(2)} MiB`)
  // Window (256 KiB) + kernel socket buffers on loopback: a few MiB, never the 32 MiB body.
  t.true(clientAhead < 12 * MiB, `the client got ${(clientAhead / MiB).toFixed(1)} MiB ahead of the reader`)
})

test('a client leaving mid-body makes the reader throw RequestBodyError(0); the server stays up', async (t) => {
  let seen: unknown
  const handlerDone = new Promise<void>((resolve) => {
    void serve(t, {
      streamBodiesOver: 1024,
      handler: async (req) => {
        try {
          await req.readBody()
        } catch (error) {
          seen = error
        }
        resolve()
        return 'never read'
      },
    }).then(({ port }) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n')
        socket.write(Buffer.alloc(5000, 'x'))
        setTimeout(() => socket.destroy(), 100)
      })
      socket.on('error', () => {})
      portOf = port
    })
  })
  let portOf = 0
  await within(handlerDone, 5000, 'handler')
  t.true(seen instanceof RequestBodyError)
  t.is((seen as RequestBodyError).status, 0)
  const { data } = await rawExchange(portOf, ['GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'])
  t.regex(data, /^HTTP\/1\.1 200/)
})

test('a malformed chunk or a body past maxBodySize mid-stream gets 400 / 413 from the reader', async (t) => {
  const errors: unknown[] = []
  const { port } = await serve(t, {
    streamBodiesOver: 16,
    maxBodySize: 100,
    onError: (error) => errors.push(error),
    handler: async (req) => `read ${(await req.readBody()).length}`,
  })
  const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
  const bad = await rawExchange(port, [head + '14\r\n0123456789abcdefghij\r\n', 'zz\r\n'], { gapMs: 100, idleMs: 500 })
  t.is(splitResponses(bad.data)[0]?.status, 400)
  t.regex(bad.data, /malformed chunked encoding/)
  t.true(bad.closed)
  const line = '28\r\n' + '0123456789'.repeat(4) + '\r\n'
  const big = await rawExchange(port, [head + line + line, line], { gapMs: 100, idleMs: 500 })
  t.is(splitResponses(big.data)[0]?.status, 413)
  t.true(big.closed)
  t.deepEqual(errors, [], 'client mistakes are not handler errors')
})

test('answering before reading the body closes the connection after the response; the server stays healthy', async (t) => {
  const { port } = await serve(t, {
    streamBodiesOver: 1024,
    handler: (req) => (req.bodyStreamed ? { status: 403, body: 'no uploads here' } : 'ok'),
  })
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.on('error', () => {})
  let response = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (response += d))
  const closed = once(socket, 'close')
  socket.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n')
  for (let i = 0; i < 20 && !socket.destroyed; i++) {
    socket.write(Buffer.alloc(16 * 1024, 'u'))
    await sleep(5)
  }
  socket.end()
  await within(closed, 5000, 'server closes the connection')
  t.regex(response, /^HTTP\/1\.1 403[^]*no uploads here$/)
  const again = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.regex(again.data, /^HTTP\/1\.1 200[^]*ok$/)
})

test('Expect: 100-continue on a streamed body gets 100 Continue before the body is sent', async (t) => {
  const { port } = await serve(t, { streamBodiesOver: 10, handler: hashBody })
  const body = Buffer.alloc(5000, 'b')
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let response = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (response += d))
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`)
  await within(
    (async () => {
      while (!response.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) await sleep(5)
    })(),
    3000,
    '100 Continue',
  )
  socket.write(body)
  const sha = crypto.createHash('sha256').update(body).digest('hex')
  await within(
    (async () => {
      while (!response.endsWith(sha)) await sleep(5)
    })(),
    3000,
    'response',
  )
  socket.destroy()
  t.pass()
})

test('streamed bodies: the buffered accessors say how to read them; config is validated', async (t) => {
  let message = ''
  const { port } = await serve(t, {
    streamBodiesOver: 4,
    handler: async (req) => {
      try {
        req.bodyText()
      } catch (error) {
        message = (error as Error).message
      }
      return `${(await req.readBody()).toString()}`
    },
  })
  const { data } = await rawExchange(port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world'])
  t.regex(data, /\r\n\r\nhello world$/)
  t.regex(message, /streamed .*req\.bodyStream\(\)/)
  t.throws(() => newServer({ handler: () => '', streamBodiesOver: -1 }), { instanceOf: RangeError, message: /config\.streamBodiesOver/ })
  t.throws(() => newServer({ handler: () => '', streamBodiesOver: '1mb' as unknown as number }), { instanceOf: TypeError, message: /config\.streamBodiesOver/ })
})

test('an upload echoed back as a streamed response: both directions at once, byte-identical', async (t) => {
  const { port } = await serve(t, {
    streamBodiesOver: 64 * 1024,
    maxBodySize: 2 ** 30,
    handler: (req) => ({ status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: req.bodyStream() }),
  })
  const count = 512 // 32 MiB
  const sent = crypto.createHash('sha256')
  const received = crypto.createHash('sha256')
  let receivedBytes = 0
  const status = await within(
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', headers: { 'content-length': String(count * 65536) }, agent: false }, (res) => {
        res.on('data', (d: Buffer) => {
          received.update(d)
          receivedBytes += d.length
        })
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      let i = 0
      const write = () => {
        while (i < count) {
          const bytes = piece(i++)
          sent.update(bytes)
          if (!req.write(bytes)) return void req.once('drain', write)
        }
        req.end()
      }
      write()
    }),
    60_000,
    'echo',
  )
  t.is(status, 200)
  t.is(receivedBytes, count * 65536)
  t.is(received.digest('hex'), sent.digest('hex'))
})
