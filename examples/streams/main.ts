// Streams both ways on fasthttp:
//   POST /upload   a body of any size (up to 4 GiB here) hashed as it arrives,
//                  never held in memory whole (streamBodiesOver)
//   POST /echo     the upload sent straight back as a streamed response
//   GET  /clock    server-sent events written by the handler itself on a
//                  reusable takeover (V's takeover_mode: reusable): the
//                  connection serves its next request afterwards
//   GET  /numbers  a streamed response from an async generator
//
//   npx tsx examples/streams/main.ts
//   curl -T big.iso http://localhost:3000/upload     curl -N http://localhost:3000/clock
import crypto from 'node:crypto'
import { newServer, type HttpRequest, type ReusableConnection } from '../../index'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function upload(req: HttpRequest) {
  const hash = crypto.createHash('sha256')
  let bytes = 0
  for await (const piece of req.bodyStream()) {
    hash.update(piece)
    bytes += piece.length
  }
  return { status: 200, body: JSON.stringify({ bytes, sha256: hash.digest('hex') }) + '\n', headers: { 'Content-Type': 'application/json' } }
}

/** Ticks `count` times, one event a second, as chunked server-sent events. */
function clock(count: number) {
  return async (conn: ReusableConnection) => {
    await conn.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n')
    for (let i = 0; i < count && !conn.closed; i++) {
      const event = `data: ${new Date().toISOString()}\n\n`
      await conn.write(`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`)
      await sleep(1000)
    }
    conn.end('0\r\n\r\n')
  }
}

async function* numbers(count: number) {
  for (let i = 1; i <= count; i++) {
    yield `${i}\n`
    await sleep(10)
  }
}

export function createStreamsServer(port: number, { clockTicks = 10 } = {}) {
  return newServer({
    port,
    streamBodiesOver: 1024 * 1024,
    maxBodySize: 4 * 1024 ** 3,
    handler: (req) => {
      const route = `${req.methodName} ${req.pathname}`
      switch (route) {
        case 'POST /upload':
        case 'PUT /upload':
          return upload(req)
        case 'POST /echo':
          return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: req.bodyStream() }
        case 'GET /clock':
          return { takeoverMode: 'reusable', writeResponse: clock(clockTicks) }
        case 'GET /numbers':
          return { status: 200, body: numbers(100) }
        default:
          return { status: 404, body: 'try POST /upload, POST /echo, GET /clock, GET /numbers\n' }
      }
    },
  })
}

if (require.main === module) {
  const server = createStreamsServer(Number(process.env.PORT ?? 3000))
  server.run().catch((err) => console.error(`error: ${err}`))
  void server
    .handle()
    .waitTillRunning()
    .then(() => console.log(`Streams example on http://localhost:${server.port}/ (POST /upload, POST /echo, GET /clock, GET /numbers)`))
}
