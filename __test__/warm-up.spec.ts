// `server.warmUp()`: real GETs through the whole stack (sockets, engine,
// dispatcher, your handler) before real traffic, so a fresh server's first
// requests do not wait for V8 to optimise the hot path.
import test from 'ava'
import { newServer } from '../index'
import { loopbackFor } from '../src/warm-up'
import { RawClient, serve } from './helpers'

test('warmUp() sends the asked number of GETs for the path through the handler, on keep-alive connections, and reports them', async (t) => {
  const seen = new Map<string, number>()
  const peers = new Set<number>()
  const { server } = await serve(t, {
    handler: (req) => {
      seen.set(req.url, (seen.get(req.url) ?? 0) + 1)
      peers.add(req.remotePort)
      return req.url === '/health' ? 'ok' : { status: 404, body: 'no' }
    },
  })
  const health = await server.warmUp({ path: '/health', requests: 500, connections: 4 })
  t.is(health.requests, 500)
  t.deepEqual(health.statuses, { 200: 500 })
  t.true(health.ms > 0)
  t.is(seen.get('/health'), 500)
  t.true(peers.size <= 4, `${peers.size} connections for 4 keep-alive senders`)
  // Whatever the path answers is counted, not thrown.
  const missing = await server.warmUp({ path: '/nope', requests: 10 })
  t.deepEqual(missing.statuses, { 404: 10 })
  // The server serves as before.
  const client = await RawClient.connect(server.port)
  t.teardown(() => client.close())
  await client.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).body, 'ok')
})

test('warmUp() with the default options answers 10,000 requests for /', async (t) => {
  let count = 0
  const { server } = await serve(t, {
    handler: (req) => {
      if (req.url === '/') count++
      return 'hi'
    },
  })
  const result = await server.warmUp()
  t.is(result.requests, 10_000)
  t.is(count, 10_000)
})

test('warmUp() before run() or after shutdown() rejects; bad options are named', async (t) => {
  const server = newServer({ port: 0, handler: () => 'x' })
  await t.throwsAsync(server.warmUp(), { message: /needs a running server/ })
  const { server: running } = await serve(t, { handler: () => 'x' })
  await t.throwsAsync(running.warmUp({ path: 'health' }), { instanceOf: TypeError, message: /path must be a string starting with '\/'/ })
  await t.throwsAsync(running.warmUp({ requests: 0 }), { instanceOf: RangeError, message: /requests must be a positive integer/ })
  await t.throwsAsync(running.warmUp({ connections: 1.5 }), { instanceOf: RangeError, message: /connections must be a positive integer/ })
  await running.shutdown()
  await t.throwsAsync(running.warmUp(), { message: /needs a running server/ })
})

test('warmUp() reaches a server bound to an IPv6 or a wildcard address over loopback', async (t) => {
  t.is(loopbackFor(''), '127.0.0.1')
  t.is(loopbackFor('0.0.0.0'), '127.0.0.1')
  t.is(loopbackFor('::'), '::1')
  t.is(loopbackFor('[::1]'), '::1')
  const { server } = await serve(t, { host: '::1', handler: () => 'v6' })
  t.deepEqual((await server.warmUp({ requests: 20 })).statuses, { 200: 20 })
})
