// fetch.ts: Web-standard fetch handlers (and a real Hono application) on
// fasthttp, through real sockets.
import test, { type ExecutionContext } from 'ava'
import { Hono } from 'hono'
import { stream, streamText } from 'hono/streaming'
import { serve as serveFetch, toHandler, type FetchHandler } from '../fetch'
import { createApp } from '../examples/hono/app'
import { RawClient, serve, stopAtTeardown, within } from './helpers'

/** Serves `fetchHandler` on 127.0.0.1 through toHandler; collects onError calls. */
async function serveHandler(t: ExecutionContext, fetchHandler: FetchHandler) {
  const errors: unknown[] = []
  const { port } = await serve(t, { handler: toHandler(fetchHandler), onError: (error) => errors.push(error) })
  return { port, base: `http://127.0.0.1:${port}`, errors }
}

async function connect(t: ExecutionContext, port: number): Promise<RawClient> {
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  return client
}

/** Answers with what the handler saw of the request. */
const describeRequest: FetchHandler = async (request) =>
  Response.json({
    isRequest: request instanceof Request,
    method: request.method,
    url: request.url,
    headers: [...request.headers],
    dup: request.headers.get('x-dup'),
    body: await request.text(),
  })

test('plain handler: status, headers, several Set-Cookie, JSON, framing headers replaced', async (t) => {
  const { port } = await serveHandler(t, () => {
    const headers = new Headers({ 'X-Custom': 'yes', 'Content-Length': '999', Connection: 'keep-alive', 'Keep-Alive': 'timeout=5' })
    headers.append('Set-Cookie', 'a=1; Path=/')
    headers.append('Set-Cookie', 'b=2; HttpOnly')
    return Response.json({ ok: true, list: [1, 2] }, { status: 201, headers })
  })
  const client = await connect(t, port)
  await client.write('GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.statusLine, 'HTTP/1.1 201 Created')
  t.is(res.headers['content-type'], 'application/json')
  t.is(res.headers['x-custom'], 'yes')
  t.deepEqual(
    res.headerList.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, value]) => value),
    ['a=1; Path=/', 'b=2; HttpOnly'],
  )
  const body = '{"ok":true,"list":[1,2]}'
  t.is(res.body, body)
  t.deepEqual(res.headerList.filter(([name]) => name.toLowerCase() === 'content-length'), [['Content-Length', String(body.length)]])
  for (const dropped of ['connection', 'keep-alive', 'transfer-encoding']) t.is(res.headers[dropped], undefined, dropped)
  t.is(res.headerList.filter(([name]) => name.toLowerCase() === 'date').length, 1)

  // The connection stays usable (keep-alive framing is right).
  await client.write('GET /again HTTP/1.1\r\nHost: example.com\r\n\r\n')
  t.is((await client.readResponse()).status, 201)

  // Through fetch: getSetCookie sees both cookies.
  const viaFetch = await fetch(`http://127.0.0.1:${port}/`)
  t.deepEqual(viaFetch.headers.getSetCookie(), ['a=1; Path=/', 'b=2; HttpOnly'])
  t.deepEqual(await viaFetch.json(), { ok: true, list: [1, 2] })
})

test('plain handler: binary body, 204, HEAD with and without a declared length', async (t) => {
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff)
  const { base, port } = await serveHandler(t, (request) => {
    const path = new URL(request.url).pathname
    if (path === '/bin') return new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } })
    if (path === '/empty') return new Response(null, { status: 204 })
    if (path === '/declared') return new Response(null, { headers: { 'Content-Length': '1234', 'Content-Type': 'text/plain' } })
    return new Response('hello')
  })
  const bin = await fetch(`${base}/bin`)
  t.is(bin.headers.get('content-type'), 'application/octet-stream')
  t.is(bin.headers.get('content-length'), String(bytes.length))
  t.deepEqual(new Uint8Array(await bin.arrayBuffer()), bytes)

  const client = await connect(t, port)
  await client.write('GET /empty HTTP/1.1\r\nHost: h\r\n\r\n')
  const empty = await client.readResponse()
  t.is(empty.statusLine, 'HTTP/1.1 204 No Content')
  t.is(empty.headers['content-length'], undefined)

  await client.write('HEAD /text HTTP/1.1\r\nHost: h\r\n\r\n')
  const head = await client.readResponse({ head: true })
  t.is(head.status, 200)
  t.is(head.headers['content-length'], '5', 'the length of the body a GET would get')
  t.is(head.body, '')

  await client.write('HEAD /declared HTTP/1.1\r\nHost: h\r\n\r\n')
  const declared = await client.readResponse({ head: true })
  t.is(declared.headers['content-length'], '1234', 'a HEAD keeps the length the application declared')

  await client.write('HEAD /bin HTTP/1.1\r\nHost: h\r\n\r\nGET /text HTTP/1.1\r\nHost: h\r\n\r\n')
  t.is((await client.readResponse({ head: true })).headers['content-length'], String(bytes.length))
  const after = await client.readResponse()
  t.is(after.body, 'hello', 'no body bytes were sent for the HEADs')
  t.is(await client.drainFor(50), '')
})

test('request: method, URL from Host or absolute-form, headers in order with duplicates, instanceof Request', async (t) => {
  const { port } = await serveHandler(t, describeRequest)
  const client = await connect(t, port)
  await client.write('GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: Example.COM:8080\r\nX-Dup: one\r\nAccept: */*\r\nX-Dup: two\r\n\r\n')
  const seen = JSON.parse((await client.readResponse()).body)
  t.true(seen.isRequest)
  t.is(seen.method, 'GET')
  t.is(seen.url, 'http://example.com:8080/a/b?x=1&y=%20')
  t.is(seen.dup, 'one, two')
  t.deepEqual(seen.headers, [['accept', '*/*'], ['host', 'Example.COM:8080'], ['x-dup', 'one, two']])
  t.is(seen.body, '')

  await client.write('GET http://other.test/abs?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n')
  t.is(JSON.parse((await client.readResponse()).body).url, 'http://other.test/abs?q=1')

  // The URL is what `new Request(url).url` would say (dot segments, default port).
  await client.write('GET /a/../b/./c HTTP/1.1\r\nHost: example.com:80\r\n\r\n')
  t.is(JSON.parse((await client.readResponse()).body).url, 'http://example.com/b/c')

  await client.write('OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n')
  t.is((await client.readResponse()).status, 400, 'asterisk-form has no fetch URL')

  const old = await connect(t, port)
  await old.write('GET /old HTTP/1.0\r\n\r\n')
  t.is(JSON.parse((await old.readResponse()).body).url, 'http://localhost/old', 'no Host: the default host')

  for (const host of ['evil.test/admin', 'a@b', 'bad host', '']) {
    const bad = await connect(t, port)
    await bad.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    const res = await bad.readResponse()
    if (host === '') t.is(JSON.parse(res.body).url, 'http://localhost/', 'an empty Host: the default host')
    else t.is(res.status, 400, host)
  }
})

test('request: POST bodies with Content-Length and chunked, binary, kept after later requests', async (t) => {
  const kept: Request[] = []
  const { base, port } = await serveHandler(t, async (request) => {
    const path = new URL(request.url).pathname
    if (path === '/keep') {
      kept.push(request) // body not read yet
      return new Response('kept')
    }
    if (path === '/kept') return new Response(await kept[0].text())
    if (path === '/bytes') return new Response(await request.arrayBuffer())
    return describeRequest(request)
  })
  const client = await connect(t, port)
  const json = '{"name":"fasthttp","n":1}'
  await client.write(`POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`)
  const viaLength = JSON.parse((await client.readResponse()).body)
  t.is(viaLength.method, 'POST')
  t.is(viaLength.body, json)

  await client.write('PUT /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n')
  const viaChunks = JSON.parse((await client.readResponse()).body)
  t.is(viaChunks.method, 'PUT')
  t.is(viaChunks.body, 'hello, world')

  const bytes = new Uint8Array(40_000).map((_, i) => (i * 13) & 0xff)
  const echoed = await fetch(`${base}/bytes`, { method: 'POST', body: bytes })
  t.deepEqual(new Uint8Array(await echoed.arrayBuffer()), bytes)

  // A Request kept past its response still has its own copy of the body.
  await client.write('POST /keep HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nfirst body!')
  t.is((await client.readResponse()).body, 'kept')
  for (let i = 0; i < 20; i++) {
    await client.write(`POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nother ${String(i).padStart(5, '0')}`)
    await client.readResponse()
  }
  await client.write('GET /kept HTTP/1.1\r\nHost: h\r\n\r\n')
  t.is((await client.readResponse()).body, 'first body!')
})

test('request: the light Request behaves like a Request (bodyUsed, clone, formData, signal, Request init)', async (t) => {
  const { base } = await serveHandler(t, async (request) => {
    const path = new URL(request.url).pathname
    if (path === '/form') {
      const copy = request.clone()
      const form = await request.formData()
      return Response.json({ a: form.get('a'), b: form.getAll('b'), copy: await copy.text(), used: request.bodyUsed })
    }
    if (path === '/twice') {
      const first = await request.text()
      const used = request.bodyUsed
      const second = await request.text().then(
        () => 'read again',
        (error: Error) => error.name,
      )
      return Response.json({ first, used, second })
    }
    const rebuilt = new Request('http://elsewhere.test/', request) // a Request as RequestInit
    return Response.json({
      signal: request.signal instanceof AbortSignal && !request.signal.aborted,
      method: rebuilt.method,
      header: rebuilt.headers.get('x-a'),
      body: await rebuilt.text(),
      mode: request.mode,
    })
  })
  const form = await fetch(`${base}/form`, { method: 'POST', body: new URLSearchParams('a=1&b=2&b=3') })
  t.deepEqual(await form.json(), { a: '1', b: ['2', '3'], copy: 'a=1&b=2&b=3', used: true })

  const twice = await fetch(`${base}/twice`, { method: 'POST', body: 'once' })
  t.deepEqual(await twice.json(), { first: 'once', used: true, second: 'TypeError' })

  const init = await fetch(`${base}/init`, { method: 'PATCH', body: 'patched', headers: { 'x-a': 'b' } })
  t.deepEqual(await init.json(), { signal: true, method: 'PATCH', header: 'b', body: 'patched', mode: 'cors' })
})

test('errors: a throwing, rejecting or non-Response handler gets a 500 and onError', async (t) => {
  const { port, errors } = await serveHandler(t, ((request: Request) => {
    const path = new URL(request.url).pathname
    if (path === '/throw') throw new Error('boom')
    if (path === '/reject') return Promise.reject(new Error('async boom'))
    if (path === '/string') return 'not a Response'
    return new Response('fine')
  }) as FetchHandler)
  const client = await connect(t, port)
  for (const path of ['/throw', '/reject', '/string']) {
    await client.write(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`)
    const res = await client.readResponse()
    t.is(res.status, 500, path)
  }
  await client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
  t.is((await client.readResponse()).body, 'fine', 'the connection stays usable')
  t.is(errors.length, 3)
  t.is((errors[0] as Error).message, 'boom')
  t.is((errors[1] as Error).message, 'async boom')
  t.true(errors[2] instanceof TypeError)
  t.throws(() => toHandler('nope' as unknown as FetchHandler), { instanceOf: TypeError })
})

// --- a real Hono application ------------------------------------------------------

function honoApp(): Hono {
  const app = new Hono()
  app.use('*', async (c, next) => {
    await next()
    c.header('X-Middleware', 'ran')
  })
  app.get('/', (c) => c.text('Hello, Hono!'))
  app.get('/user/:id', (c) => c.json({ id: c.req.param('id'), sort: c.req.query('sort') ?? null, tags: c.req.queries('tag') ?? [] }))
  app.post('/items', async (c) => {
    const item = await c.req.json<{ name: string }>()
    return c.json({ created: item.name, type: c.req.header('content-type') }, 201)
  })
  app.get('/cookies', (c) => {
    c.header('Set-Cookie', 'x=1', { append: true })
    c.header('Set-Cookie', 'y=2', { append: true })
    return c.body(null, 204)
  })
  app.get('/stream', (c) =>
    c.body(
      new ReadableStream({
        async start(controller) {
          for (const part of ['one ', 'two ', 'three']) {
            controller.enqueue(new TextEncoder().encode(part))
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
          controller.close()
        },
      }),
    ),
  )
  app.get('/stream-text', (c) =>
    streamText(c, async (s) => {
      for (let i = 0; i < 3; i++) {
        await s.write(`line ${i}\n`)
        await s.sleep(5)
      }
    }),
  )
  app.get('/stream-bytes', (c) => stream(c, async (s) => {
      await s.write(new Uint8Array([0, 1, 2, 255]))
    }),
  )
  app.get('/fail', () => {
    throw new Error('hono handler failed')
  })
  app.onError((error, c) => c.text(`handled: ${error.message}`, 500))
  return app
}

test('hono: routes, path params, query, JSON in and out, middleware, 404, Set-Cookie, HEAD', async (t) => {
  const { base, port } = await serveHandler(t, honoApp().fetch)
  const home = await fetch(`${base}/`)
  t.is(home.status, 200)
  t.is(home.headers.get('content-type'), 'text/plain;charset=UTF-8')
  t.is(home.headers.get('x-middleware'), 'ran')
  t.is(await home.text(), 'Hello, Hono!')

  const user = await fetch(`${base}/user/42?sort=desc&tag=a&tag=b`)
  t.is(user.headers.get('content-type'), 'application/json')
  t.deepEqual(await user.json(), { id: '42', sort: 'desc', tags: ['a', 'b'] })

  const created = await fetch(`${base}/items`, { method: 'POST', body: JSON.stringify({ name: 'widget' }), headers: { 'Content-Type': 'application/json' } })
  t.is(created.status, 201)
  t.deepEqual(await created.json(), { created: 'widget', type: 'application/json' })

  const missing = await fetch(`${base}/nowhere`)
  t.is(missing.status, 404)
  t.is(await missing.text(), '404 Not Found')
  t.is(missing.headers.get('x-middleware'), 'ran')

  const cookies = await fetch(`${base}/cookies`)
  t.is(cookies.status, 204)
  t.deepEqual(cookies.headers.getSetCookie(), ['x=1', 'y=2'])

  const failed = await fetch(`${base}/fail`)
  t.is(failed.status, 500, "Hono's own error handler answers")
  t.is(await failed.text(), 'handled: hono handler failed')

  const client = await connect(t, port)
  await client.write('HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /user/1 HTTP/1.1\r\nHost: h\r\n\r\n')
  const head = await client.readResponse({ head: true })
  t.is(head.status, 200)
  t.is(head.headers['content-type'], 'text/plain;charset=UTF-8')
  t.is(head.body, '')
  t.is(JSON.parse((await client.readResponse()).body).id, '1', 'nothing was sent after the HEAD response head')
})

test('hono: streamed bodies arrive complete (buffered)', async (t) => {
  const { base, port } = await serveHandler(t, honoApp().fetch)
  const streamed = await fetch(`${base}/stream`)
  t.is(await streamed.text(), 'one two three')
  t.is(streamed.headers.get('content-length'), String('one two three'.length))

  const text = await fetch(`${base}/stream-text`)
  t.is(text.headers.get('content-type'), 'text/plain; charset=UTF-8')
  t.is(await text.text(), 'line 0\nline 1\nline 2\n')

  const client = await connect(t, port)
  await client.write('GET /stream-text HTTP/1.1\r\nHost: h\r\n\r\n')
  const raw = await client.readResponse()
  t.is(raw.headers['transfer-encoding'], undefined, 'Hono sets Transfer-Encoding: chunked; the buffered answer has a length')
  t.is(raw.headers['content-length'], '21')

  const bytes = await fetch(`${base}/stream-bytes`)
  t.deepEqual(new Uint8Array(await bytes.arrayBuffer()), new Uint8Array([0, 1, 2, 255]))
})

test('hono: examples/hono/app.ts through serve()', async (t) => {
  let announced: { address: string; port: number } | undefined
  const server = serveFetch({ fetch: createApp().fetch, port: 0, hostname: '127.0.0.1' }, (info) => (announced = info))
  stopAtTeardown(t, server)
  await server.handle().waitTillRunning()
  await within(
    (async () => {
      while (!announced) await new Promise((resolve) => setTimeout(resolve, 5))
    })(),
    2000,
    'listening callback',
  )
  t.deepEqual(announced, { address: '127.0.0.1', port: server.port })
  const base = `http://127.0.0.1:${server.port}`

  const home = await fetch(`${base}/`)
  t.is(await home.text(), 'Welcome to the fasthttp Hono example!\n')
  t.is(home.headers.get('x-powered-by'), 'fasthttp')
  t.deepEqual(await (await fetch(`${base}/user/1`)).json(), { id: 1, name: 'Alice' })
  const created = await fetch(`${base}/user`, { method: 'POST', body: JSON.stringify({ name: 'Bob' }), headers: { 'content-type': 'application/json' } })
  t.is(created.status, 201)
  t.is(created.headers.get('location'), '/user/2')
  t.deepEqual(await (await fetch(`${base}/user/2`)).json(), { id: 2, name: 'Bob' })
  t.is((await fetch(`${base}/user`, { method: 'POST', body: 'not json' })).status, 400)
  const unknown = await fetch(`${base}/nowhere`)
  t.is(unknown.status, 404)
  t.is(await unknown.text(), '/nowhere not found\n')
})

test('serve: requests without Host get the server host and port in their URL', async (t) => {
  const server = serveFetch({ fetch: describeRequest, port: 0, host: '127.0.0.1', family: 'ip' })
  stopAtTeardown(t, server)
  await server.handle().waitTillRunning()
  const client = await connect(t, server.port)
  await client.write('GET /x?y=1 HTTP/1.0\r\n\r\n')
  t.is(JSON.parse((await client.readResponse()).body).url, `http://127.0.0.1:${server.port}/x?y=1`)
})
