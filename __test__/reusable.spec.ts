// Reusable takeover (V's `takeover_mode: reusable`): the handler writes its
// own raw response, in pieces, and the connection stays in the engine.
import test from 'ava'
import net from 'node:net'
import { once } from 'node:events'
import type { ReusableConnection } from '../index'
import { rawExchange, serve, sleep, splitResponses, within } from './helpers'

test('a handler writes its own response in pieces; the next pipelined request is answered after it', async (t) => {
  const { port } = await serve(t, {
    handler: (req) =>
      req.url === '/raw'
        ? {
            takeoverMode: 'reusable',
            content: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n',
            writeResponse: async (conn: ReusableConnection) => {
              await conn.write('Content-Length: 15\r\n\r\n')
              await sleep(30)
              await conn.write('written ')
              await sleep(30)
              conn.end(Buffer.from('by me\r\n'))
            },
          }
        : `plain ${req.url}`,
  })
  const { data, closed } = await rawExchange(port, ['GET /raw HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n'], { idleMs: 400 })
  const responses = splitResponses(data)
  t.deepEqual(
    responses.map((r) => [r.status, r.body]),
    [
      [200, 'written by me\r\n'],
      [200, 'plain /next'],
    ],
  )
  t.false(closed, 'the connection stays open for more')
})

test('server-sent events through a reusable takeover outlive the idle timeout, then the connection is reused', async (t) => {
  const { port } = await serve(t, {
    idleTimeoutInSeconds: 0.5,
    timeoutInSeconds: 0.5,
    handler: (req) =>
      req.url === '/events'
        ? {
            takeoverMode: 'reusable',
            writeResponse: async (conn: ReusableConnection) => {
              await conn.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n')
              for (let n = 0; n < 6; n++) {
                const event = `data: ${n}\n\n`
                await conn.write(`${event.length.toString(16)}\r\n${event}\r\n`)
                await sleep(250) // 1.5 s in all: three idle timeouts
              }
              conn.end('0\r\n\r\n')
            },
          }
        : 'after',
  })
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  t.teardown(() => socket.destroy())
  let data = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (data += d))
  const until = (text: string) =>
    within(
      (async () => {
        while (!data.includes(text)) await sleep(10)
      })(),
      5000,
      JSON.stringify(text),
    )
  socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n')
  await until('0\r\n\r\n')
  t.regex(data, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/event-stream[^]*data: 0\n\n[^]*data: 5\n\n\r\n0\r\n\r\n$/)
  socket.write('GET /again HTTP/1.1\r\nHost: x\r\n\r\n')
  await until('after')
  t.false(socket.destroyed)
})

test('a reusable writer is held back by a slow client, and hears when it leaves', async (t) => {
  let written = 0
  let sawClosed = false
  const done = new Promise<void>((resolve) => {
    void serve(t, {
      handler: () => ({
        takeoverMode: 'reusable',
        writeResponse: async (conn: ReusableConnection) => {
          await conn.write('HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n')
          const piece = Buffer.alloc(64 * 1024, 'z')
          while (!conn.closed && written < 1024 ** 3) {
            await conn.write(piece)
            written += piece.length
          }
          sawClosed = conn.closed
          resolve()
        },
      }),
    }).then(async ({ port }) => {
      const socket = net.connect(port, '127.0.0.1')
      await once(socket, 'connect')
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
      socket.pause() // read nothing
      await sleep(500)
      writtenWhilePaused = written
      socket.destroy()
    })
  })
  let writtenWhilePaused = 0
  await within(done, 10_000, 'writer stops')
  t.true(sawClosed)
  // Kernel buffers plus the 256 KiB high-water mark: a few MiB, not the whole 1 GiB.
  t.true(writtenWhilePaused < 32 * 1024 * 1024, `${writtenWhilePaused} bytes written to a client that reads nothing`)
})

test('a reusable writer that throws: 500 before any byte, a cut connection after', async (t) => {
  const errors: unknown[] = []
  const { port } = await serve(t, {
    onError: (error) => errors.push(error),
    handler: (req) => ({
      takeoverMode: 'reusable',
      writeResponse: async (conn: ReusableConnection) => {
        if (req.url === '/late') await conn.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')
        throw new Error(`boom ${req.url}`)
      },
    }),
  })
  const early = await rawExchange(port, ['GET /early HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.is(splitResponses(early.data)[0]?.status, 500)
  t.false(early.closed)
  const late = await rawExchange(port, ['GET /late HTTP/1.1\r\nHost: x\r\n\r\n'], { idleMs: 1000 })
  t.regex(late.data, /partial$/)
  t.true(late.closed)
  t.deepEqual(
    errors.map((e) => (e as Error).message),
    ['boom /early', 'boom /late'],
  )
  const missing = await serve(t, { onError: (error) => errors.push(error), handler: () => ({ takeoverMode: 'reusable' }) })
  const bad = await rawExchange(missing.port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.is(splitResponses(bad.data)[0]?.status, 500)
  t.regex((errors[2] as Error).message, /takeoverMode 'reusable' needs a writeResponse\(conn\) function/)
})
