// Handler failures become 500s (and onError reports), malformed requests get
// the right 4xx/5xx from the engine, and the server keeps serving afterwards.
import test from 'ava'
import type { HttpRequest } from '../index'
import { RawClient, serve } from './helpers'

const INTERNAL_ERROR_BODY = 'Internal Server Error\n'

interface Reported {
  error: unknown
  url: string | undefined
  isRequest: boolean
}

function recorder() {
  const reported: Reported[] = []
  const onError = (error: unknown, req: HttpRequest | undefined) => {
    reported.push({ error, url: req?.url, isRequest: req !== undefined && typeof req.methodName === 'string' })
  }
  return { reported, onError }
}

test('a throwing handler gives 500, onError gets the error and the request, the connection stays usable', async (t) => {
  const boom = new Error('boom')
  const { reported, onError } = recorder()
  const { port } = await serve(t, {
    onError,
    handler: (req) => {
      if (req.pathname === '/throw') throw boom
      return `fine ${req.url}`
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /throw?a=1 HTTP/1.1\r\nHost: x\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.statusLine, 'HTTP/1.1 500 Internal Server Error')
  t.is(res.headers['content-length'], String(INTERNAL_ERROR_BODY.length))
  t.is(res.body, INTERNAL_ERROR_BODY)
  t.is(reported.length, 1)
  t.is(reported[0].error, boom)
  t.is(reported[0].url, '/throw?a=1')
  t.true(reported[0].isRequest)

  await client.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n')
  const next = await client.readResponse()
  t.is(next.status, 200)
  t.is(next.body, 'fine /next')
  t.false(client.ended)
})

test('a rejecting async handler gives 500 likewise, and later requests on the connection work', async (t) => {
  const { reported, onError } = recorder()
  const { port } = await serve(t, {
    onError,
    handler: async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (req.pathname === '/reject') throw new RangeError('async nope')
      return `ok ${req.url}`
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  // Pipelined: the failure in the middle must not disturb its neighbours.
  await client.write('GET /before HTTP/1.1\r\nHost: x\r\n\r\nGET /reject HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n')
  const before = await client.readResponse()
  const rejected = await client.readResponse()
  const after = await client.readResponse()
  t.is(before.body, 'ok /before')
  t.is(rejected.status, 500)
  t.is(rejected.body, INTERNAL_ERROR_BODY)
  t.is(after.body, 'ok /after')
  t.is(reported.length, 1)
  t.true(reported[0].error instanceof RangeError)
  t.is((reported[0].error as Error).message, 'async nope')
  t.is(reported[0].url, '/reject')
})

test('a handler returning a wrong type (number, undefined, null, boolean, empty object) gives 500', async (t) => {
  const { reported, onError } = recorder()
  const wrong: Record<string, unknown> = {
    '/number': 42,
    '/undefined': undefined,
    '/null': null,
    '/boolean': true,
    '/object': {},
    '/async-number': Promise.resolve(7),
    '/bad-status': { status: 42, body: 'x' },
    '/header-injection': { status: 200, headers: { 'X-A': 'a\r\nX-Evil: 1' }, body: 'x' },
  }
  const { port } = await serve(t, {
    onError,
    handler: (req) => (req.pathname === '/good' ? 'good' : (wrong[req.pathname] as string)),
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  for (const path of Object.keys(wrong)) {
    await client.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const res = await client.readResponse()
    t.is(res.status, 500, path)
    t.is(res.body, INTERNAL_ERROR_BODY, path)
    t.is(res.headers['x-evil'], undefined)
  }
  t.is(reported.length, Object.keys(wrong).length)
  t.true(reported.every((r) => r.error instanceof TypeError && r.isRequest))
  t.deepEqual(reported.map((r) => r.url), Object.keys(wrong))
  await client.write('GET /good HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).body, 'good')
})

test('an onError that throws does not take the server down', async (t) => {
  // Capture the "onError threw" report instead of printing it.
  const logged: unknown[][] = []
  const originalConsoleError = console.error
  console.error = (...args: unknown[]) => void logged.push(args)
  t.teardown(() => {
    console.error = originalConsoleError
  })
  const { port } = await serve(t, {
    onError: () => {
      throw new Error('reporter broke')
    },
    handler: (req) => {
      if (req.pathname === '/throw') throw new Error('x')
      return 'alive'
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).status, 500)
  t.is((await client.readResponse()).body, 'alive')
  console.error = originalConsoleError
  t.true(logged.some((args) => String(args[0]).includes('onError threw') && (args[1] as Error).message === 'reporter broke'))
})

// --- malformed requests ------------------------------------------------------------------

const malformed: Array<[string, string, number]> = [
  ['missing Host on HTTP/1.1', 'GET / HTTP/1.1\r\nUser-Agent: t\r\n\r\n', 400],
  ['Content-Length together with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['a chunk size that is not hex', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400],
  ['a chunk not followed by CRLF', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n', 400],
  ['differing Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400],
  ['a Transfer-Encoding that does not end in chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n', 400],
  ['a non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
  ['obs-fold header continuation', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n', 400],
  ['a bare CR in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
  ['a space before the header colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400],
  ['a garbage request line', 'HELLO\r\n\r\n', 400],
  ['the HTTP/2 connection preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505],
]

for (const [name, request, status] of malformed) {
  test(`malformed: ${name} → ${status}, the handler is not called, the server keeps serving`, async (t) => {
    let calls = 0
    const { port } = await serve(t, {
      handler: () => {
        calls++
        return 'served'
      },
    })
    const bad = await RawClient.connect(port)
    t.teardown(() => bad.close())
    await bad.write(request)
    const res = await bad.readResponse()
    t.is(res.status, status, JSON.stringify(request))
    t.regex(res.statusLine, new RegExp(`^HTTP/1\\.1 ${status} `))
    t.is(res.headers.connection?.toLowerCase(), 'close')
    t.true(await bad.waitForEnd(), 'the server closes a connection it cannot frame')
    t.is(calls, 0)

    const good = await RawClient.connect(port)
    t.teardown(() => good.close())
    await good.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const ok = await good.readResponse()
    t.is(ok.status, 200)
    t.is(ok.body, 'served')
  })
}

test('a valid request pipelined before a malformed one is answered first, then 400 and close', async (t) => {
  const { port } = await serve(t, { handler: (req) => `ok ${req.url}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\n\r\n')
  const first = await client.readResponse()
  t.is(first.status, 200)
  t.is(first.body, 'ok /first')
  const second = await client.readResponse()
  t.is(second.status, 400)
  t.true(await client.waitForEnd())
})

test('an oversized request head gets 431 (default limit and a configured one)', async (t) => {
  const { port } = await serve(t, { handler: () => 'small enough' })
  const big = await RawClient.connect(port)
  t.teardown(() => big.close())
  await big.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`)
  const res = await big.readResponse()
  t.is(res.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large')
  t.true(await big.waitForEnd())

  const { port: port2 } = await serve(t, { maxRequestBufferSize: 1024, handler: () => 'small enough' })
  const ok = await RawClient.connect(port2)
  t.teardown(() => ok.close())
  await ok.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Fits: ${'a'.repeat(800)}\r\n\r\n`)
  t.is((await ok.readResponse()).body, 'small enough')
  await ok.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`)
  t.is((await ok.readResponse()).status, 431)
  t.true(await ok.waitForEnd())

  // A head that never ends (no CRLFCRLF) also hits the limit.
  const endless = await RawClient.connect(port2)
  t.teardown(() => endless.close())
  await endless.write(`GET /${'b'.repeat(3000)}`)
  t.is((await endless.readResponse()).status, 431)
})

test('a body over maxBodySize gets 413 (Content-Length and chunked); at the limit it is served', async (t) => {
  const { port } = await serve(t, { maxBodySize: 10, handler: (req) => `len ${req.body.len}` })
  const exact = await RawClient.connect(port)
  t.teardown(() => exact.close())
  await exact.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789')
  t.is((await exact.readResponse()).body, 'len 10')

  const over = await RawClient.connect(port)
  t.teardown(() => over.close())
  await over.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890')
  const res = await over.readResponse()
  t.is(res.statusLine, 'HTTP/1.1 413 Content Too Large')
  t.true(await over.waitForEnd())

  const chunked = await RawClient.connect(port)
  t.teardown(() => chunked.close())
  await chunked.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n')
  t.is((await chunked.readResponse()).status, 413)
  t.true(await chunked.waitForEnd())
})

test('a request that stalls half-way gets 408 after timeoutInSeconds', async (t) => {
  const { port } = await serve(t, { timeoutInSeconds: 0.3, handler: () => 'never' })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET / HTTP/1.1\r\nHost: x\r\n')
  const res = await client.readResponse({ timeoutMs: 3000 })
  t.is(res.statusLine, 'HTTP/1.1 408 Request Timeout')
  t.true(await client.waitForEnd())
})
