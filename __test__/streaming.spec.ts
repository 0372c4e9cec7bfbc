// Streamed answers: `{ status, headers, body: asyncIterable | ReadableStream }`.
import test from 'ava'
import net from 'node:net'
import { dechunk, rawExchange, sleep, splitResponses, startServer, within } from './helpers'

async function* pieces(texts: string[], delayMs = 0) {
  for (const text of texts) {
    if (delayMs) await sleep(delayMs)
    yield text
  }
}


test('a streamed body is sent chunked as it is produced, and the connection stays usable', async (t) => {
  const { server, port } = await startServer({
    handler: (req) =>
      req.url === '/stream' ? { status: 200, headers: { 'Content-Type': 'text/plain' }, body: pieces(['one ', 'two ', 'three'], 20) } : `plain ${req.url}`,
  })
  t.teardown(() => server.handle().shutdown())
  const res = await fetch(`http://127.0.0.1:${port}/stream`)
  t.is(res.headers.get('transfer-encoding'), 'chunked')
  t.is(await res.text(), 'one two three')
  // Pipelined: a stream between two plain answers keeps the order.
  const { data } = await rawExchange(port, ['GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'], { idleMs: 500 })
  const first = data.indexOf('plain /a')
  const streamed = data.indexOf('HTTP/1.1 200 OK', first)
  const last = data.indexOf('plain /b')
  t.true(first > 0 && streamed > first && last > streamed, data)
  const streamBody = data.slice(data.indexOf('\r\n\r\n', streamed) + 4, data.lastIndexOf('HTTP/1.1 200 OK'))
  t.is(dechunk(streamBody), 'one two three')
})

test('a stream whose earlier pipelined request answers late still goes out in order', async (t) => {
  const { server, port } = await startServer({
    handler: async (req) => {
      if (req.url === '/slow') {
        await sleep(200)
        return 'slow'
      }
      return { status: 200, headers: { 'Content-Length': '6' }, body: pieces(['ab', 'cd', 'ef']) }
    },
  })
  t.teardown(() => server.handle().shutdown())
  const { data } = await rawExchange(port, ['GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n'], { idleMs: 600 })
  const responses = splitResponses(data)
  t.deepEqual(responses.map((r) => r.body), ['slow', 'abcdef'], 'a given Content-Length streams the bytes as they are')
})

test('HTTP/1.0 clients get the stream until the close; HEAD gets the head only', async (t) => {
  const { server, port } = await startServer({ handler: () => ({ status: 200, body: pieces(['x', 'y', 'z']) }) })
  t.teardown(() => server.handle().shutdown())
  const old = await rawExchange(port, ['GET / HTTP/1.0\r\n\r\n'])
  t.true(old.closed)
  t.true(old.data.endsWith('\r\n\r\nxyz'), old.data)
  t.false(old.data.includes('Transfer-Encoding'))
  const head = await rawExchange(port, ['HEAD / HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.true(head.data.startsWith('HTTP/1.1 200 OK\r\n') && head.data.endsWith('\r\n\r\n'), head.data)
})

test('a slow reader never makes more than a bounded amount wait; the producer stops when the client leaves', async (t) => {
  let produced = 0
  let finished = false
  const errors: unknown[] = []
  async function* endless() {
    try {
      const piece = Buffer.alloc(64 * 1024, 'z')
      for (let i = 0; i < 16384; i++) {
        // up to 1 GB
        produced += piece.length
        yield piece
      }
    } finally {
      finished = true
    }
  }
  const { server, port } = await startServer({ onError: (e) => errors.push(e), handler: () => ({ status: 200, body: endless() }) })
  t.teardown(() => server.handle().shutdown())
  const socket = net.connect(port, '127.0.0.1')
  let consumed = 0
  socket.on('data', (chunk) => {
    consumed += chunk.length
    socket.pause()
    setTimeout(() => socket.resume(), 5) // a slow reader
  })
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  let worstLead = 0
  for (let i = 0; i < 40; i++) {
    await sleep(50)
    worstLead = Math.max(worstLead, produced - consumed)
  }
  t.true(consumed > 1024 * 1024, `the client got data (${consumed} bytes)`)
  // 256 KiB high-water mark + the kernel's socket buffers on both ends.
  t.true(worstLead < 16 * 1024 * 1024, `produced ran at most ${(worstLead / 1048576).toFixed(1)} MB ahead of the client`)
  socket.destroy()
  for (let i = 0; i < 40 && !finished; i++) await sleep(50)
  t.true(finished, 'the producer was stopped when the client went away')
  t.true(produced < 1024 * 1024 * 1024)
  t.deepEqual(errors, [], 'a client leaving is not an error')
})

test('a producer that throws mid-stream cuts the connection (the client sees an incomplete body) and reports the error', async (t) => {
  const errors: unknown[] = []
  async function* failing() {
    yield 'partial '
    await sleep(20)
    throw new Error('producer broke')
  }
  const { server, port } = await startServer({ onError: (e) => errors.push(e), handler: () => ({ status: 200, body: failing() }) })
  t.teardown(() => server.handle().shutdown())
  const { data, closed } = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.true(closed)
  t.true(data.includes('8\r\npartial \r\n'))
  t.false(data.includes('0\r\n\r\n'), 'no terminating chunk')
  t.is(errors.length, 1)
  t.regex(String(errors[0]), /producer broke/)
})

test('a web ReadableStream body streams too', async (t) => {
  const { server, port } = await startServer({
    handler: () => ({
      status: 201,
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('web '))
          controller.enqueue(new TextEncoder().encode('stream'))
          controller.close()
        },
      }),
    }),
  })
  t.teardown(() => server.handle().shutdown())
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.status, 201)
  t.is(await res.text(), 'web stream')
})

test('a ReadableStream waiting for its next piece is cancelled as soon as the client leaves', async (t) => {
  let cancelled!: () => void
  const cancelledPromise = new Promise<void>((resolve) => (cancelled = resolve))
  const { server, port } = await startServer({
    handler: () => ({
      status: 200,
      headers: { 'Content-Type': 'text/event-stream' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('data: first\n\n'))
          // ...and nothing more: a quiet event stream.
        },
        cancel() {
          cancelled()
        },
      }),
    }),
  })
  t.teardown(() => server.handle().shutdown())
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (received += d))
  socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n')
  while (!received.includes('data: first')) await sleep(5)
  socket.destroy()
  await within(cancelledPromise, 3000, 'the stream is cancelled')
  t.pass()
})
