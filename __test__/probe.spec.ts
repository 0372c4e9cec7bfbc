// The HTTP/1.1 conformance and request-smuggling probe (issue 12), through
// real sockets against a server started with the public API. The table lives
// in ./probe-cases.ts (each row: raw bytes, the outcome a strict server must
// produce, the RFC reason, the public suite class it covers). Every row runs
// three ways: in one write; one byte per write; and with a valid request
// appended, which must be served after an accepted keep-alive request and
// must never reach the handler after a rejection. The handler records what it
// saw per client port, so "served" rows assert the exact method, target and
// body, and "rejected" rows assert the handler was never reached.
//
// Separately: an incomplete head that already holds a byte no valid request
// can hold there is refused at once (issue 12 item 5), not after the rest of
// the head or the 30 s request deadline.

import test from 'ava'
import net from 'node:net'
import { once } from 'node:events'
import type { HttpRequest } from '../index'
import { startServer, within, parseOne, sleep } from './helpers'
import { CASES, EARLY, exchange, limiter, verdict, waysOf, type Seen } from './probe-cases'

/** What the handler saw, by the client's port (the server's remotePort). */
const seenBy = new Map<number, Seen[]>()

async function echo(req: HttpRequest) {
  const fieldsSlice = req.headerFields
  const seen: Seen = {
    method: req.methodName,
    url: req.url,
    version: req.httpVersion,
    fields: req.buffer.toString('latin1', fieldsSlice.start, fieldsSlice.start + fieldsSlice.len),
    body: '',
  }
  const list = seenBy.get(req.remotePort) ?? []
  list.push(seen)
  seenBy.set(req.remotePort, list)
  seen.body = (await req.readBody()).toString('latin1')
  return { status: 200, body: '' }
}

let port = 0
let stopServer: (() => Promise<void>) | undefined

test.before(async () => {
  // timeoutInSeconds 30 (the default, stated): the early-refusal bound below
  // is far under it. maxBodySize is the default 10 MiB.
  const { server, port: p, stopped } = await startServer({ handler: echo, timeoutInSeconds: 30, onError: () => {} })
  port = p
  stopServer = async () => {
    await within(server.handle().shutdown({ timeoutMs: 2000 }), 4000, 'shutdown').catch(() => {})
    await within(stopped, 4000, 'run()').catch(() => {})
  }
})

test.after.always(async () => {
  await stopServer?.()
})

// Other test files run at the same time on a small machine: a few exchanges at once.
const slot = limiter(6)

const names = new Set<string>()
for (const row of CASES) {
  if (names.has(row.name)) throw new Error(`duplicate probe row name ${row.name}`)
  names.add(row.name)
  for (const way of waysOf(row)) {
    test(`${row.name} [${way}]`, async (t) => {
      t.timeout(90_000)
      const ex = await slot(() => exchange(port, row, way, { onConnect: (p) => seenBy.delete(p) }))
      const why = verdict(row, ex, seenBy.get(ex.localPort) ?? [])
      t.is(why, undefined, `${row.rfc}\n    bytes ${JSON.stringify(row.bytes.length > 200 ? `${row.bytes.slice(0, 200)}…` : row.bytes)}`)
    })
  }
}

test('the probe table: at least 200 rows, each with its RFC reason', (t) => {
  t.true(CASES.length >= 200, `${CASES.length} rows`)
  for (const row of CASES) t.regex(row.rfc, /RFC \d+/, row.name)
  t.log(`${CASES.length} rows, ${CASES.reduce((n, r) => n + waysOf(r).length, 0)} runs`)
})

// ---------------------------------------------------------------------------
// Refuse as soon as the bytes prove it (issue 12 item 5).

for (const { name, bytes } of EARLY) {
  test(`early refusal: ${name} is answered 400 while the head is still incomplete`, async (t) => {
    t.timeout(90_000)
    await slot(async () => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true })
      t.teardown(() => socket.destroy())
      await within(once(socket, 'connect'), 5000, 'connect')
      const localPort = socket.localPort ?? 0
      seenBy.delete(localPort)
      let data = ''
      socket.setEncoding('latin1')
      socket.on('data', (chunk: string) => (data += chunk))
      socket.on('error', () => {})
      socket.write(Buffer.from(bytes, 'latin1'))
      // The socket stays open and nothing more is sent: only the bytes
      // already there can make the answer come (the deadline is 30 s).
      const deadline = Date.now() + 2000
      while (parseOne(data, false, false) === undefined && Date.now() < deadline) await sleep(20)
      const response = parseOne(data, false, false)
      t.truthy(response, `no answer within 2 s to ${JSON.stringify(bytes)} (got ${JSON.stringify(data.slice(0, 60))})`)
      t.is(response?.status, 400)
      t.deepEqual(seenBy.get(localPort) ?? [], [], 'the handler was not reached')
    })
  })
}
