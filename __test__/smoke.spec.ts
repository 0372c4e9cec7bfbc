import test from 'ava'
import { rawExchange, splitResponses, startServer } from './helpers'

test('serves a body-only answer through a real socket and shuts down', async (t) => {
  const { server, port, stopped } = await startServer({ handler: () => 'Hello, World!\n' })
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'text/plain; charset=utf-8')
  t.is(await res.text(), 'Hello, World!\n')
  await server.handle().shutdown()
  await stopped
  t.false(server.running)
})

test('16 pipelined requests in one write are answered in order', async (t) => {
  const { server, port } = await startServer({ handler: (req) => `path=${req.url}` })
  const requests = Array.from({ length: 16 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')
  const { data } = await rawExchange(port, [requests])
  const responses = splitResponses(data)
  t.deepEqual(responses.map((r) => r.body), Array.from({ length: 16 }, (_, i) => `path=/${i}`))
  await server.handle().shutdown()
})

for (const ioThreads of [1, 2]) {
  test(`large byte bodies (passed to the engine by reference) arrive intact, pipelined and in order (ioThreads ${ioThreads})`, async (t) => {
    const bodies = [100_000, 16_384, 10, 70_000].map((size, i) => Buffer.alloc(size, 97 + i))
    const { server, port } = await startServer({ ioThreads, handler: (req) => bodies[Number(req.url.slice(1))] })
    t.teardown(() => server.handle().shutdown())
    const requests = bodies.map((_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')
    const { data } = await rawExchange(port, [requests], { idleMs: 500 })
    const responses = splitResponses(data)
    t.deepEqual(responses.map((r) => r.body.length), bodies.map((b) => b.length))
    t.true(responses.every((r, i) => r.body === bodies[i].toString('latin1')))
  })
}

test('an HTTP/1.0 keep-alive request answered with the object form gets Connection: keep-alive and stays open', async (t) => {
  const { server, port } = await startServer({ handler: (req) => ({ status: 201, body: `made ${req.url}` }) })
  t.teardown(() => server.handle().shutdown())
  const request = (path: string) => `GET ${path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`
  const { data, closed } = await rawExchange(port, [request('/a'), request('/b')], { gapMs: 50 })
  const responses = splitResponses(data)
  t.deepEqual(responses.map((r) => [r.status, r.body, r.headers.connection]), [
    [201, 'made /a', 'keep-alive'],
    [201, 'made /b', 'keep-alive'],
  ])
  t.false(closed)
})

test('string answers of every length around the short-string copy arrive as UTF-8, ASCII or not, pipelined', async (t) => {
  // Short ASCII strings are copied by a loop, the rest by Buffer#write: both ways, and the switch between them mid-string.
  const bodies = ['', 'a', 'Hello, World!', 'x'.repeat(24), 'x'.repeat(25), 'é', 'abc€', 'x'.repeat(23) + '😀', `{"id":1}`, 'ü'.repeat(30), 'ascii '.repeat(40)]
  const { server, port } = await startServer({ handler: (req) => bodies[Number(req.url.slice(1))] })
  t.teardown(() => server.handle().shutdown())
  const { data } = await rawExchange(port, [bodies.map((_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')], { idleMs: 500 })
  const responses = splitResponses(data)
  t.deepEqual(
    responses.map((r) => Buffer.from(r.body, 'latin1').toString('utf8')),
    bodies,
  )
  t.deepEqual(responses.map((r) => Number(r.headers['content-length'])), bodies.map((b) => Buffer.byteLength(b)))
})
