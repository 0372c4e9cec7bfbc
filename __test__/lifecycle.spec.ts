// Server lifecycle: run/shutdown/waitTillRunning, bind errors, config
// validation, process exit, the arena trace, reusePort and ioThreads.
import test from 'ava'
import net from 'node:net'
import { once } from 'node:events'
import path from 'node:path'
import { newServer, type ServerConfig } from '../index'
import { RawClient, connectError, linuxTest, serve, sleep, spawnListening, startServer, stopAtTeardown, within } from './helpers'

const handler = () => 'ok'

// --- shutdown ----------------------------------------------------------------------

test('shutdown() during a slow async handler: the response still arrives whole, new connections are refused, run() resolves', async (t) => {
  let entered!: () => void
  const inHandler = new Promise<void>((resolve) => (entered = resolve))
  const slowBody = `slow done ${'x'.repeat(4000)}`
  const { server, port, stopped } = await serve(t, {
    handler: async () => {
      entered()
      await sleep(500)
      return slowBody
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
  await within(inHandler, 3000, 'handler entered')

  const shutdown = server.handle().shutdown()
  t.false(server.running)
  await sleep(50) // still well inside the 500 ms handler
  t.is(await connectError(port), 'ECONNREFUSED', 'a connection attempted after shutdown began is refused')

  const res = await client.readResponse({ timeoutMs: 3000 })
  t.is(res.statusLine, 'HTTP/1.1 200 OK')
  t.is(res.headers['content-length'], String(slowBody.length))
  t.is(res.body, slowBody)
  await within(shutdown, 3000, 'shutdown()')
  await within(stopped, 3000, 'run()')
  t.true(await client.waitForEnd(), 'the drained connection is closed')
  t.false(server.running)
})

test('shutdown({ timeoutMs: 100 }) with a handler that never settles rejects, and run() still resolves', async (t) => {
  let entered!: () => void
  const inHandler = new Promise<void>((resolve) => (entered = resolve))
  const { server, port, stopped } = await serve(t, {
    handler: () => {
      entered()
      return new Promise<string>(() => {})
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /forever HTTP/1.1\r\nHost: x\r\n\r\n')
  await within(inHandler, 3000, 'handler entered')
  await t.throwsAsync(within(server.handle().shutdown({ timeoutMs: 100 }), 3000, 'shutdown'), { message: /100 ms/ })
  await within(stopped, 3000, 'run() after a forced stop')
  t.true(await client.waitForEnd(), 'the stuck connection is closed')
  t.false(server.running)
})

test('shutdown() with idle keep-alive connections open finishes and closes them', async (t) => {
  const { server, port, stopped } = await serve(t, { handler })
  const clients = await Promise.all([RawClient.connect(port), RawClient.connect(port)])
  t.teardown(() => clients.forEach((c) => c.close()))
  for (const c of clients) {
    await c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    t.is((await c.readResponse()).body, 'ok')
  }
  await within(server.handle().shutdown(), 3000, 'shutdown()')
  await within(stopped, 3000, 'run()')
  for (const c of clients) t.true(await c.waitForEnd())
  // Shutting down again is harmless.
  await within(server.handle().shutdown(), 1000, 'second shutdown()')
})

// --- run / ports / waitTillRunning --------------------------------------------------

test('run() on a port already in use rejects with an error naming the port', async (t) => {
  const { port } = await serve(t, { handler })
  const second = newServer({ port, host: '127.0.0.1', handler })
  stopAtTeardown(t, second)
  const error = await t.throwsAsync(within(second.run(), 3000, 'run() on a busy port'))
  t.regex(error?.message ?? '', new RegExp(`\\b${port}\\b`))
  t.false(second.running)
  // The first server is unaffected.
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(await res.text(), 'ok')
})

test('run() twice rejects; port 0 picks a port readable from server.port and handle().port', async (t) => {
  const server = newServer({ port: 0, host: '127.0.0.1', handler })
  t.is(server.port, 0)
  t.is(server.handle().port, 0)
  t.false(server.running)
  const stopped = server.run()
  stopAtTeardown(t, server, stopped)
  await server.handle().waitTillRunning()
  t.true(server.running)
  t.true(server.port > 0)
  t.true(server.port <= 65535)
  t.is(server.handle().port, server.port)
  await t.throwsAsync(server.run(), { message: /already/ })
  const res = await fetch(`http://127.0.0.1:${server.port}/`)
  t.is(await res.text(), 'ok')
})

test('waitTillRunning resolves for a running server and rejects for a never-started one', async (t) => {
  const { server } = await serve(t, { handler })
  await t.notThrowsAsync(within(server.handle().waitTillRunning({ maxRetries: 2, retryPeriodMs: 5 }), 1000, 'running'))

  const idle = newServer({ port: 0, host: '127.0.0.1', handler })
  await t.throwsAsync(within(idle.handle().waitTillRunning({ maxRetries: 2, retryPeriodMs: 5 }), 1000, 'never started'), {
    message: /not running/,
  })
  t.is(idle.port, 0)
})

test('waitTillRunning rejects once a server has stopped', async (t) => {
  const { server, stopped } = await serve(t, { handler })
  await within(server.handle().shutdown(), 3000, 'shutdown()')
  await within(stopped, 3000, 'run()')
  await t.throwsAsync(within(server.handle().waitTillRunning({ maxRetries: 2, retryPeriodMs: 5 }), 1000, 'stopped'), { message: /not running/ })
})

// --- child processes ---------------------------------------------------------------------

const FIXTURE = path.join(__dirname, 'fixtures', 'child-server.cjs')

interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  bodies: string[]
}

/** Runs the fixture server in a child, sends `requests` on one connection, waits for it to exit by itself. */
async function runChild(t: import('ava').ExecutionContext, env: Record<string, string>, requests: string[]): Promise<ChildResult> {
  const proc = await spawnListening(t, process.execPath, [FIXTURE], { env: { FIXTURE_COUNT: String(requests.length), ...env } })
  const port = proc.port
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  const bodies: string[] = []
  for (const request of requests) {
    await client.write(request)
    bodies.push((await client.readResponse()).body)
  }
  const { code, signal } = await within(proc.exited, 8000, `child exiting on its own (stdout: ${JSON.stringify(proc.stdout())})`)
  // Let the pipes drain.
  await sleep(20)
  return { code, signal, stdout: proc.stdout(), stderr: proc.stderr(), bodies }
}

test('a child process that serves a request and shuts down exits on its own with code 0', async (t) => {
  const result = await runChild(t, {}, ['GET /once HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.deepEqual(result.bodies, ['served GET /once []'])
  t.is(result.signal, null)
  t.is(result.code, 0)
  t.regex(result.stdout, /shutdown resolved/)
  t.regex(result.stdout, /run resolved/)
})

test('a child process with ioThreads: 2 also exits on its own after shutdown', async (t) => {
  const result = await runChild(t, { FIXTURE_IO_THREADS: '2' }, ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.deepEqual(result.bodies, ['served GET /a []', 'served GET /b []'])
  t.is(result.signal, null)
  t.is(result.code, 0)
  t.regex(result.stdout, /run resolved/)
})

const TRACE_REQUESTS = [
  'GET /first HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /second?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
  'DELETE /third HTTP/1.1\r\nHost: x\r\n\r\n',
]

test('FASTHTTP_ARENA_TRACE=1 prints one "fasthttp arena:" line per request to stderr', async (t) => {
  const result = await runChild(t, { FASTHTTP_ARENA_TRACE: '1' }, TRACE_REQUESTS)
  t.deepEqual(result.bodies, ['served GET /first []', 'served POST /second?x=1 [hello world]', 'served DELETE /third []'])
  t.is(result.code, 0)
  const lines = result.stderr.split('\n').filter((line) => line.includes('fasthttp arena:'))
  t.is(lines.length, 3, result.stderr)
  const expected = [/GET \/first/, /POST \/second/, /DELETE \/third/]
  lines.forEach((line, i) => {
    t.regex(line, /^fasthttp arena: \S+ \S+ allocated=\d+ chunks=\d+ capacity=\d+$/, line)
    t.regex(line, expected[i], line)
    const allocated = Number(/allocated=(\d+)/.exec(line)?.[1])
    const chunks = Number(/chunks=(\d+)/.exec(line)?.[1])
    const capacity = Number(/capacity=(\d+)/.exec(line)?.[1])
    t.true(chunks >= 1, line)
    t.true(capacity > 0 && capacity >= allocated, line)
  })
})

test('FASTHTTP_ARENA_TRACE=1 with prealloc: false prints no arena lines', async (t) => {
  const result = await runChild(t, { FASTHTTP_ARENA_TRACE: '1', FIXTURE_PREALLOC: 'false' }, TRACE_REQUESTS)
  t.is(result.bodies.length, 3)
  t.is(result.bodies[1], 'served POST /second?x=1 [hello world]')
  t.is(result.code, 0)
  t.false(result.stderr.includes('fasthttp arena:'), result.stderr)
})

// --- config validation --------------------------------------------------------------------

const badConfigs: Array<[string, unknown, typeof TypeError | typeof RangeError, RegExp]> = [
  ['an unknown key', { handler, bogusOption: 1 }, TypeError, /config\.bogusOption/],
  ['port -1', { handler, port: -1 }, RangeError, /config\.port/],
  ['port 70000', { handler, port: 70000 }, RangeError, /config\.port/],
  ["port 'x'", { handler, port: 'x' }, TypeError, /config\.port/],
  ['port 1.5', { handler, port: 1.5 }, TypeError, /config\.port/],
  ['a missing handler', { port: 0 }, TypeError, /config\.handler/],
  ['a handler that is not a function', { port: 0, handler: 'nope' }, TypeError, /config\.handler/],
  ["family 'ipx'", { handler, family: 'ipx' }, TypeError, /config\.family/],
  ['maxBodySize -1', { handler, maxBodySize: -1 }, RangeError, /config\.maxBodySize/],
  ['timeoutInSeconds 0', { handler, timeoutInSeconds: 0 }, RangeError, /config\.timeoutInSeconds/],
  ["timeoutInSeconds '5'", { handler, timeoutInSeconds: '5' }, TypeError, /config\.timeoutInSeconds/],
  ['ioThreads 0', { handler, ioThreads: 0 }, RangeError, /config\.ioThreads/],
  ['maxRequestBufferSize 10', { handler, maxRequestBufferSize: 10 }, RangeError, /config\.maxRequestBufferSize/],
  ['maxConnections 0', { handler, maxConnections: 0 }, RangeError, /config\.maxConnections/],
  ["reusePort 'yes'", { handler, reusePort: 'yes' }, TypeError, /config\.reusePort/],
  ['deferAccept 1', { handler, deferAccept: 1 }, TypeError, /config\.deferAccept/],
  ['prealloc 1', { handler, prealloc: 1 }, TypeError, /config\.prealloc/],
  ['host 5', { handler, host: 5 }, TypeError, /config\.host/],
  ['onError not a function', { handler, onError: 'x' }, TypeError, /config\.onError/],
]

for (const [name, config, errorClass, message] of badConfigs) {
  test(`newServer throws ${errorClass.name} naming the field for ${name}`, (t) => {
    const error = t.throws(() => newServer(config as ServerConfig), { message })
    t.is(error?.constructor, errorClass)
  })
}

test('newServer without a config object throws a TypeError', (t) => {
  t.throws(() => newServer(undefined as unknown as ServerConfig), { instanceOf: TypeError })
  t.throws(() => newServer(null as unknown as ServerConfig), { instanceOf: TypeError })
})

test('a valid config resolves its defaults', (t) => {
  const server = newServer({ port: 0, handler })
  t.is(server.config.maxRequestBufferSize, 8192)
  t.is(server.config.maxBodySize, 10 * 1024 * 1024)
  t.is(server.config.timeoutInSeconds, 30)
  t.is(server.config.idleTimeoutInSeconds, 75)
  t.is(server.config.handlerTimeoutInSeconds, 60)
  t.is(server.config.ioThreads, 1)
  t.true(server.config.prealloc)
  t.is(newServer({ handler }).config.port, 3000)
})

// --- deferAccept ---------------------------------------------------------------------

linuxTest('deferAccept (default true): a connection that has sent nothing is not accepted yet, so it does not take the one maxConnections slot; with deferAccept: false it does', async (t) => {
  for (const deferAccept of [true, false]) {
    const { port } = await serve(t, { deferAccept, maxConnections: 1, timeoutInSeconds: 5, idleTimeoutInSeconds: 5, handler: () => 'ok' })
    const silent = net.connect(port, '127.0.0.1')
    t.teardown(() => silent.destroy())
    await once(silent, 'connect')
    await sleep(100) // without deferAccept the engine accepts it now, and the slot is taken
    const client = await RawClient.connect(port)
    t.teardown(() => client.close())
    await client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const answered = await client.readResponse({ timeoutMs: 700 }).then(
      (response) => response.body === 'ok',
      () => false,
    )
    t.is(answered, deferAccept, `deferAccept: ${deferAccept}`)
    silent.destroy()
    client.close()
  }
})

test('deferAccept: a client that connects and sends its request half a second later is served', async (t) => {
  const { port } = await serve(t, { handler: (req) => `late ${req.url}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await sleep(500)
  await client.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).body, 'late /x')
})

// --- reusePort and ioThreads -----------------------------------------------------------

test('two servers with reusePort: true on the same port both start and serve', async (t) => {
  const first = await serve(t, { reusePort: true, handler: () => 'A' })
  const second = await serve(t, { reusePort: true, port: first.port, handler: () => 'B' })
  t.is(second.port, first.port)
  t.true(first.server.running)
  t.true(second.server.running)
  const seen = new Set<string>()
  for (let i = 0; i < 8; i++) {
    const client = await RawClient.connect(first.port)
    t.teardown(() => client.close())
    await client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    seen.add((await client.readResponse()).body)
  }
  t.true([...seen].every((body) => body === 'A' || body === 'B'), [...seen].join(','))
  // Without reusePort on the newcomer the port stays taken.
  const third = newServer({ port: first.port, host: '127.0.0.1', handler })
  stopAtTeardown(t, third)
  await t.throwsAsync(within(third.run(), 3000, 'run() without reusePort'))
})

test('ioThreads: 2 serves concurrent connections, then shuts down cleanly', async (t) => {
  const { server, port, stopped } = await startServer({ ioThreads: 2, handler: (req) => `io ${req.url} ${req.remotePort}` })
  stopAtTeardown(t, server, stopped)
  const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(port)))
  t.teardown(() => clients.forEach((c) => c.close()))
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < 3; i++) {
        await client.write(`GET /${c}/${i} HTTP/1.1\r\nHost: x\r\n\r\n`)
        const res = await client.readResponse()
        t.is(res.body, `io /${c}/${i} ${client.socket.localPort}`)
      }
    }),
  )
  // Pipelined on one connection too.
  await clients[0].write('GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await clients[0].readResponse()).body, `io /p1 ${clients[0].socket.localPort}`)
  t.is((await clients[0].readResponse()).body, `io /p2 ${clients[0].socket.localPort}`)
  await within(server.handle().shutdown(), 3000, 'shutdown()')
  await within(stopped, 3000, 'run() with two I/O threads')
  t.false(server.running)
})
