// fetch.ts: Web-standard fetch handlers (and a real Hono application) on
// fasthttp, through real sockets.
import test, { type ExecutionContext } from 'ava'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { stream, streamSSE, streamText } from 'hono/streaming'
import { inspect } from 'node:util'
import { serve as serveFetch, toHandler, type FetchHandler } from '../fetch'
import type { ServerConfig } from '../index'
import { createApp } from '../examples/hono/app'
import { dechunk, RawClient, serve, sleep, stopAtTeardown, until, within } from './helpers'

// The runtime's own classes, before anything installs the light ones.
const NativeResponse = globalThis.Response
const NativeRequest = globalThis.Request

/** Serves `fetchHandler` on 127.0.0.1 through toHandler; collects onError calls. */
async function serveHandler(t: ExecutionContext, fetchHandler: FetchHandler, config: Partial<ServerConfig> = {}) {
  const errors: unknown[] = []
  const { port } = await serve(t, { ...config, handler: toHandler(fetchHandler), onError: (error) => errors.push(error) })
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

  // Host anywhere, in any case, padded; different hosts one after the other.
  const hosts = await connect(t, port)
  for (const [head, url] of [
    ['X-First: 1\r\nhost: \t spaced.test \t\r\nX-Last: 2', 'http://spaced.test/h'],
    ['HOST: upper.test:81', 'http://upper.test:81/h'],
    ['host:lower.test', 'http://lower.test/h'],
    ['Host: Example.COM:8080', 'http://example.com:8080/h'],
    ['Accept: */*\r\nHost: example.com:8080', 'http://example.com:8080/h'],
  ]) {
    await hosts.write(`GET /h HTTP/1.1\r\n${head}\r\n\r\n`)
    t.is(JSON.parse((await hosts.readResponse()).body).url, url, head)
  }

  const old = await connect(t, port)
  await old.write('GET /old HTTP/1.0\r\n\r\n')
  t.is(JSON.parse((await old.readResponse()).body).url, 'http://localhost/old', 'no Host: the default host')

  for (const host of ['evil.test/admin', 'a@b', 'bad host', '']) {
    const bad = await connect(t, port)
    await bad.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    const res = await bad.readResponse()
    // The engine refuses an empty Host on an origin-form request (RFC 9110 §7.2).
    t.is(res.status, 400, host)
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


/** Waits (bounded) until the client has received `text`. */
async function waitFor(client: RawClient, text: string, ms = 3000): Promise<void> {
  await within(
    (async () => {
      while (!client.pending.includes(text)) {
        if (client.ended) throw new Error(`connection ended before ${JSON.stringify(text)}; got ${JSON.stringify(client.pending)}`)
        await sleep(2)
      }
    })(),
    ms,
    `waiting for ${JSON.stringify(text)}; got ${JSON.stringify(client.pending)}`,
  )
}

function headOf(raw: string): string {
  return raw.slice(0, raw.indexOf('\r\n\r\n') + 2)
}

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { open, opened }
}

test('hono: streamed bodies that end at once are sent whole; the others are chunked as produced', async (t) => {
  const { base, port } = await serveHandler(t, honoApp().fetch)
  const streamed = await fetch(`${base}/stream`)
  t.is(streamed.headers.get('transfer-encoding'), 'chunked')
  t.is(await streamed.text(), 'one two three')

  const text = await fetch(`${base}/stream-text`)
  t.is(text.headers.get('content-type'), 'text/plain; charset=UTF-8')
  t.is(await text.text(), 'line 0\nline 1\nline 2\n')

  const client = await connect(t, port)
  await client.write('GET /stream-bytes HTTP/1.1\r\nHost: h\r\n\r\n')
  const whole = await client.readResponse()
  t.is(whole.headers['transfer-encoding'], undefined, 'Hono writes once and closes: the stream ended before the event loop moved on')
  t.is(whole.headers['content-length'], '4')
  t.deepEqual([...Buffer.from(whole.body, 'latin1')], [0, 1, 2, 255])
})

test('hono: streamText goes out piece by piece: the client has the first piece before the handler writes the last', async (t) => {
  const { open, opened } = gate()
  let wroteLast = false
  const app = new Hono()
  app.get('/text', (c) =>
    streamText(c, async (s) => {
      await s.write('first piece\n')
      await opened
      await s.write('last piece\n')
      wroteLast = true
    }),
  )
  app.get('/after', (c) => c.text('after'))
  const { port } = await serveHandler(t, app.fetch)
  const client = await connect(t, port)
  await client.write('GET /text HTTP/1.1\r\nHost: h\r\n\r\n')
  await waitFor(client, 'first piece\n')
  t.false(wroteLast, 'the first piece arrived while the handler still waits to write the last')
  const head = headOf(client.pending)
  t.regex(head, /^HTTP\/1\.1 200 OK\r\n/)
  t.regex(head, /\r\nTransfer-Encoding: chunked\r\n/i)
  t.regex(head, /\r\ncontent-type: text\/plain; charset=UTF-8\r\n/i)
  t.regex(head, /\r\nx-content-type-options: nosniff\r\n/i)
  t.notRegex(head, /content-length/i)
  t.is((head.match(/transfer-encoding/gi) ?? []).length, 1, "Hono's own Transfer-Encoding header is replaced by the engine's")
  open()
  await waitFor(client, '\r\n0\r\n\r\n')
  t.true(wroteLast)
  const raw = client.pending
  client.pending = ''
  t.is(dechunk(raw.slice(raw.indexOf('\r\n\r\n') + 4)), 'first piece\nlast piece\n')
  await client.write('GET /after HTTP/1.1\r\nHost: h\r\n\r\n')
  t.is((await client.readResponse()).body, 'after', 'the connection stays usable after the stream')
})

test('hono: server-sent events (streamSSE) arrive event by event', async (t) => {
  const { open, opened } = gate()
  const app = new Hono().get('/sse', (c) =>
    streamSSE(c, async (s) => {
      await s.writeSSE({ event: 'greeting', id: '1', data: 'hello' })
      await opened
      await s.writeSSE({ id: '2', data: 'line one\nline two' })
    }),
  )
  const { port, base } = await serveHandler(t, app.fetch)
  const client = await connect(t, port)
  await client.write('GET /sse HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n')
  await waitFor(client, 'data: hello\nid: 1\n\n')
  t.false(client.pending.includes('line one'))
  const head = headOf(client.pending)
  t.regex(head, /\r\ncontent-type: text\/event-stream\r\n/i)
  t.regex(head, /\r\ncache-control: no-cache\r\n/i)
  t.regex(head, /\r\nTransfer-Encoding: chunked\r\n/i)
  t.notRegex(head, /\r\nconnection:/i, 'hop-by-hop headers the application set are not passed on')
  open()
  await waitFor(client, '\r\n0\r\n\r\n')
  const raw = client.pending
  t.is(dechunk(raw.slice(raw.indexOf('\r\n\r\n') + 4)), 'event: greeting\ndata: hello\nid: 1\n\ndata: line one\ndata: line two\nid: 2\n\n')

  // And through fetch.
  const viaFetch = await fetch(`${base}/sse`)
  t.is(viaFetch.headers.get('content-type'), 'text/event-stream')
  t.is(await viaFetch.text(), 'event: greeting\ndata: hello\nid: 1\n\ndata: line one\ndata: line two\nid: 2\n\n')
})

test('hono: a client leaving stops the stream (onAbort runs, the request signal aborts, no more writes)', async (t) => {
  let sent = 0
  let aborted = false
  let signalAborted = false
  let finished = false
  const app = new Hono().get('/events', (c) => {
    c.req.raw.signal.addEventListener('abort', () => (signalAborted = true))
    return streamSSE(c, async (s) => {
      s.onAbort(() => {
        aborted = true
      })
      while (!s.aborted && sent < 1000) {
        await s.writeSSE({ data: String(sent++) })
        await s.sleep(10)
      }
      finished = true
    })
  })
  const { port, errors } = await serveHandler(t, app.fetch)
  const client = await connect(t, port)
  await client.write('GET /events HTTP/1.1\r\nHost: h\r\n\r\n')
  await waitFor(client, 'data: 1\n\n')
  client.close()
  await until(() => aborted && signalAborted && finished, 3000, 'the stream stopped after the client left')
  const at = sent
  t.true(at < 1000, `stopped after ${at} events`)
  await sleep(100)
  t.is(sent, at, 'nothing written after the stop')
  t.deepEqual(errors, [], 'a client leaving is not an error')
})

test('streams: a ReadableStream body that ends at once has a length; declared lengths, mid-stream errors, non-byte pieces, HEAD', async (t) => {
  const encode = (text: string) => new TextEncoder().encode(text)
  let cancelled = false
  const { port, errors } = await serveHandler(t, (request) => {
    const path = new URL(request.url).pathname
    if (path === '/ready') {
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(encode('ab'))
            controller.enqueue(encode('cd'))
            controller.close()
          },
        }),
      )
    }
    if (path === '/declared') {
      return new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(encode('abc'))
            await sleep(20)
            controller.enqueue(encode('def'))
            controller.close()
          },
        }),
        { headers: { 'Content-Length': '6', 'Content-Type': 'text/plain' } },
      )
    }
    if (path === '/broken') {
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(encode('partial'))
            setTimeout(() => controller.error(new Error('stream broke')), 20)
          },
        }),
      )
    }
    if (path === '/early') return new Response(new ReadableStream({ start: (controller) => controller.error(new Error('early failure')) }))
    if (path === '/strings') return new Response(new ReadableStream({ start: (controller) => controller.enqueue('not bytes') }))
    if (path === '/slow') {
      return new Response(
        new ReadableStream({
          async pull(controller) {
            await sleep(10)
            controller.enqueue(encode('tick '))
          },
          cancel() {
            cancelled = true
          },
        }),
      )
    }
    return new NativeResponse('native text')
  })
  const client = await connect(t, port)
  await client.write('GET /ready HTTP/1.1\r\nHost: h\r\n\r\n')
  const ready = await client.readResponse()
  t.is(ready.headers['content-length'], '4')
  t.is(ready.body, 'abcd')

  await client.write('GET /native HTTP/1.1\r\nHost: h\r\n\r\n')
  const native = await client.readResponse()
  t.is(native.headers['content-length'], '11', 'a native Response with a string body is sent whole')
  t.is(native.headers['content-type'], 'text/plain;charset=UTF-8')
  t.is(native.body, 'native text')

  await client.write('GET /declared HTTP/1.1\r\nHost: h\r\n\r\n')
  const declared = await client.readResponse()
  t.is(declared.headers['transfer-encoding'], undefined, 'a declared length streams the bytes as they are')
  t.is(declared.headers['content-length'], '6')
  t.is(declared.body, 'abcdef')

  await client.write('HEAD /slow HTTP/1.1\r\nHost: h\r\n\r\n')
  const head = await client.readResponse({ head: true })
  t.is(head.headers['transfer-encoding'], 'chunked', 'HEAD of a stream: the head a GET would get')
  await until(() => cancelled, 2000, 'the stream of a HEAD answer is cancelled')
  await client.write('GET /ready HTTP/1.1\r\nHost: h\r\n\r\n')
  t.is((await client.readResponse()).body, 'abcd', 'no body bytes were sent for the HEAD')

  for (const path of ['/early', '/strings']) {
    await client.write(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`)
    t.is((await client.readResponse()).status, 500, path)
  }
  t.regex(String(errors[0]), /early failure/)
  t.regex(String(errors[1]), /expected Uint8Array pieces/)

  const broken = await connect(t, port)
  await broken.write('GET /broken HTTP/1.1\r\nHost: h\r\n\r\n')
  t.true(await broken.waitForEnd(3000), 'a stream that fails mid-way cuts the connection')
  t.true(broken.pending.includes('7\r\npartial\r\n'))
  t.false(broken.pending.includes('\r\n0\r\n\r\n'), 'no terminating chunk')
  await until(() => errors.length === 3, 2000, 'the failure is reported')
  t.regex(String(errors[2]), /stream broke/)
})

/** What a Response class does with common (and less common) uses; compared between the light and the native one. */
async function responseReport(R: typeof Response) {
  const attempt = (make: () => unknown) => {
    try {
      make()
      return 'no error'
    } catch (error) {
      return (error as Error).constructor.name
    }
  }
  const r = new R('héllo', { status: 201, statusText: 'Made', headers: { 'X-A': ' padded ', 'x-b': 'b' } })
  const copy = r.clone()
  const firstRead = await r.text()
  const record = { 'x-late': 'before' }
  const fromRecord = new R('r', { headers: record })
  record['x-late'] = 'after'
  const given = new Headers({ 'x-given': '1' })
  const fromHeaders = new R(null, { headers: given })
  given.set('x-given', '2')
  const wrapped = new R('inner', { status: 202, headers: { 'content-type': 'text/custom', 'x-w': '1' } })
  const rewrapped = new R(wrapped.body, wrapped)
  rewrapped.headers.set('x-after', 'yes')
  const streamed = new R('streamed')
  const streamReader = streamed.body!.getReader()
  const firstChunk = new TextDecoder().decode((await streamReader.read()).value)
  return {
    status: r.status,
    ok: r.ok,
    statusText: r.statusText,
    type: r.type,
    url: r.url,
    redirected: r.redirected,
    headers: [...r.headers],
    tag: Object.prototype.toString.call(r),
    text: firstRead,
    used: r.bodyUsed,
    again: await r.text().then(
      () => 'read again',
      (error: Error) => error.constructor.name,
    ),
    cloneAfterRead: attempt(() => r.clone()),
    clone: await copy.text(),
    arrayBuffer: [...new Uint8Array(await new R(new Uint8Array([1, 2, 3])).arrayBuffer())],
    fromArrayBuffer: await new R(new Uint8Array([104, 105]).buffer).text(),
    json: await new R('{"a":[1,2]}').json(),
    badJson: await new R('{').json().then(
      () => 'parsed',
      (error: Error) => error.constructor.name,
    ),
    staticJson: await R.json({ a: 1 }, { status: 203 }).text(),
    staticJsonType: R.json({ a: 1 }).headers.get('content-type'),
    staticJsonStatus: R.json({ a: 1 }, { status: 203 }).status,
    nullBody: new R(null).body,
    nullText: await new R(null).text(),
    bodyIsStream: new R('s').body instanceof ReadableStream,
    types: [new R('s'), new R(new Uint8Array(1)), new R(null), new R(new Blob(['b'], { type: 'image/x-test' })), new R(new URLSearchParams('a=1'))].map((x) =>
      x.headers.get('content-type'),
    ),
    blob: await (await new R('blob!').blob()).text(),
    form: (await new R(new URLSearchParams('a=1&b=2')).formData()).get('b'),
    numericStatus: new R('x', { status: '202' as unknown as number }).status,
    errors: [
      () => new R('x', { status: 99 }),
      () => new R('x', { status: 600 }),
      () => new R('x', { status: 204 }),
      () => new R('x', { statusText: 'bad\nreason' }),
      () => new R('x', { headers: { 'bad name': 'v' } }),
      () => new R('x', { headers: { a: 'line\nbreak' } }),
      () => new R('x', { headers: [['a']] as unknown as Array<[string, string]> }),
      () => new R('x', 'init' as unknown as ResponseInit),
      () => R.json(undefined),
    ].map(attempt),
    duplicates: new R('d', { headers: [['x-d', '1'], ['X-D', '2']] }).headers.get('x-d'),
    recordCopied: fromRecord.headers.get('x-late'),
    headersCopied: fromHeaders.headers.get('x-given'),
    rewrapped: { status: rewrapped.status, headers: [...rewrapped.headers], text: await rewrapped.text() },
    firstChunk,
    usedAfterReader: streamed.bodyUsed,
  }
}

test('light Response: behaves as the native Response does (constructor checks, defaults, headers, body reads, clone, Response.json)', async (t) => {
  const { base } = await serveHandler(t, async () =>
    Response.json({
      light: Response !== NativeResponse,
      instances: [new Response('x') instanceof Response, new Response('x') instanceof NativeResponse, new NativeResponse('x') instanceof Response],
      lightReport: await responseReport(Response),
      nativeReport: await responseReport(NativeResponse),
    }),
  )
  const result = await (await fetch(`${base}/`)).json()
  t.true(result.light, 'toHandler installed the light Response')
  t.deepEqual(result.instances, [true, true, true])
  t.deepEqual(result.lightReport, result.nativeReport)
  t.is(result.lightReport.text, 'héllo')
})

test('light Response: on the wire (default Content-Type, length, Hono re-wrapping, a body read before it was returned, inspect)', async (t) => {
  const { port, errors } = await serveHandler(t, (request) => {
    const path = new URL(request.url).pathname
    if (path === '/text') return new Response('héllo')
    if (path === '/bytes') return new Response(new Uint8Array([104, 105]), { status: 202, headers: [['Content-Type', 'application/x-test'], ['X-Two', 'a'], ['X-Two', 'b']] })
    if (path === '/rewrapped') {
      const inner = new Response('wrapped body', { headers: { 'X-Inner': '1' } })
      const outer = new Response(inner.body, inner)
      outer.headers.set('X-Outer', '2')
      return outer
    }
    if (path === '/clone') return new Response('cloned', { status: 203 }).clone()
    if (path === '/json') return Response.json({ ok: true }, { headers: { 'Set-Cookie': 'a=1' } })
    if (path === '/consumed') {
      const response = new Response('read already')
      void response.text()
      return response
    }
    return new Response(null, { status: 404 })
  })
  const client = await connect(t, port)
  const get = async (path: string) => {
    await client.write(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`)
    return client.readResponse()
  }
  const text = await get('/text')
  t.is(text.headers['content-type'], 'text/plain;charset=UTF-8')
  t.is(text.headers['content-length'], String(Buffer.byteLength('héllo')))
  t.is(Buffer.from(text.body, 'latin1').toString('utf8'), 'héllo')

  const bytes = await get('/bytes')
  t.is(bytes.status, 202)
  t.is(bytes.headers['content-type'], 'application/x-test')
  t.deepEqual(bytes.headerList.filter(([name]) => name.toLowerCase() === 'x-two').map(([, value]) => value), ['a', 'b'])
  t.is(bytes.body, 'hi')

  const rewrapped = await get('/rewrapped')
  t.is(rewrapped.headers['transfer-encoding'], undefined, 'a re-wrapped known body keeps its length')
  t.is(rewrapped.headers['content-length'], '12')
  t.is(rewrapped.headers['x-inner'], '1')
  t.is(rewrapped.headers['x-outer'], '2')
  t.is(rewrapped.body, 'wrapped body')

  const cloned = await get('/clone')
  t.is(cloned.status, 203)
  t.is(cloned.body, 'cloned')

  const json = await get('/json')
  t.is(json.headers['content-type'], 'application/json')
  t.is(json.headers['set-cookie'], 'a=1')
  t.is(json.body, '{"ok":true}')

  t.is((await get('/consumed')).status, 500, 'a Response whose body was read cannot be sent')
  t.regex(String(errors[0]), /already read/)
  t.is((await get('/missing')).status, 404)
  t.regex(inspect(new Response('x')), /Response/)
})

test('a Response returned synchronously with a known body is answered synchronously; async and streamed ones through a promise', async (t) => {
  const app = new Hono()
  app.get('/text', (c) => c.text('sync'))
  app.get('/json', (c) => c.json({ sync: true }))
  app.get('/async', async (c) => c.text('async'))
  app.get('/stream', (c) => stream(c, async (s) => void (await s.write('streamed'))))
  const fetchHandler = toHandler(app.fetch)
  const kinds: string[] = []
  const { port } = await serve(t, {
    handler: (req) => {
      const answer = fetchHandler(req)
      kinds.push(typeof (answer as Promise<unknown>).then === 'function' ? 'promise' : 'answer')
      return answer
    },
  })
  const client = await connect(t, port)
  for (const path of ['/text', '/json', '/async', '/stream']) {
    await client.write(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`)
    t.is((await client.readResponse()).status, 200, path)
  }
  t.deepEqual(kinds, ['answer', 'answer', 'promise', 'promise'])
})

test.serial('overrideGlobalObjects: false leaves the globals alone; native Responses are answered the same way', async (t) => {
  t.is(globalThis.Response, NativeResponse, 'nothing installed the light Response yet (serial tests run first)')
  const app = new Hono()
  app.get('/', (c) => c.text('native hello'))
  app.get('/user/:id', (c) => c.json({ id: c.req.param('id') }))
  app.get('/stream', (c) =>
    streamText(c, async (s) => {
      await s.write('a')
      await s.sleep(10)
      await s.write('b')
    }),
  )
  const server = serveFetch({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false })
  stopAtTeardown(t, server)
  await server.handle().waitTillRunning()
  t.is(globalThis.Response, NativeResponse)
  t.is(globalThis.Request, NativeRequest)
  const client = await connect(t, server.port)
  await client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
  const hello = await client.readResponse()
  t.is(hello.body, 'native hello')
  t.is(hello.headers['content-length'], '12')
  await client.write('GET /user/7 HTTP/1.1\r\nHost: h\r\n\r\n')
  t.deepEqual(JSON.parse((await client.readResponse()).body), { id: '7' })
  const streamed = await fetch(`http://127.0.0.1:${server.port}/stream`)
  t.is(streamed.headers.get('transfer-encoding'), 'chunked')
  t.is(await streamed.text(), 'ab')
})

test('overrideGlobalObjects (default): the global Request accepts the light request (Hono bodyLimit on a chunked body)', async (t) => {
  const app = new Hono()
  app.post('/limited', bodyLimit({ maxSize: 64 }), async (c) => c.text(`got ${await c.req.text()}`))
  app.get('/', (c) => c.json({ isRequest: c.req.raw instanceof Request, light: Response !== NativeResponse, request: Request !== NativeRequest }))
  const server = serveFetch({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  stopAtTeardown(t, server)
  await server.handle().waitTillRunning()
  const base = `http://127.0.0.1:${server.port}`
  t.deepEqual(await (await fetch(`${base}/`)).json(), { isRequest: true, light: true, request: true })
  const client = await connect(t, server.port)
  await client.write('POST /limited HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsmall\r\n0\r\n\r\n')
  const small = await client.readResponse()
  t.is(small.status, 200)
  t.is(small.body, 'got small')
  await client.write(`POST /limited HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${'x'.repeat(100)}\r\n0\r\n\r\n`)
  t.is((await client.readResponse()).status, 413)
})

test('request bodies longer than streamBodiesOver reach the application as they arrive', async (t) => {
  const app = new Hono()
  app.post('/length', async (c) => c.json({ length: (await c.req.arrayBuffer()).byteLength }))
  app.post('/pieces', async (c) => {
    let size = 0
    let pieces = 0
    for await (const piece of c.req.raw.body as unknown as AsyncIterable<Uint8Array>) {
      size += piece.length
      pieces++
    }
    return c.json({ size, pieces: pieces > 0 })
  })
  app.post('/text', async (c) => c.text(await c.req.text()))
  app.onError((error, c) => c.text(`the application saw: ${error.message}`, 500))
  const { base, port } = await serveHandler(t, app.fetch, { streamBodiesOver: 1024, maxBodySize: 4 * 1024 * 1024 })
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i & 0xff)
  t.deepEqual(await (await fetch(`${base}/length`, { method: 'POST', body: big })).json(), { length: big.length })
  t.deepEqual(await (await fetch(`${base}/pieces`, { method: 'POST', body: big })).json(), { size: big.length, pieces: true })
  t.is(await (await fetch(`${base}/text`, { method: 'POST', body: 'short' })).text(), 'short', 'short bodies are still buffered')
  const client = await connect(t, port)
  const piece = 'y'.repeat(1024 * 1024)
  await client.write(`POST /length HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n`)
  for (let i = 0; i < 5; i++) await client.write(`${piece.length.toString(16)}\r\n${piece}\r\n`).catch(() => {})
  const tooLarge = await client.readResponse()
  t.is(tooLarge.status, 413, "past maxBodySize: the engine's 413, though Hono turned the error into a 500")
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

  // The clock streams until the client leaves.
  const client = await connect(t, server.port)
  await client.write('GET /clock HTTP/1.1\r\nHost: h\r\n\r\n')
  await waitFor(client, 'event: tick\ndata: ')
  t.regex(headOf(client.pending), /\r\ncontent-type: text\/event-stream\r\n/i)
  t.regex(headOf(client.pending), /\r\nx-powered-by: fasthttp\r\n/i)
  t.regex(client.pending, /event: tick\ndata: \d{4}-\d\d-\d\dT[\d:.]+Z\nid: 1\n\n/)
})

test('serve: requests without Host get the server host and port in their URL', async (t) => {
  const server = serveFetch({ fetch: describeRequest, port: 0, host: '127.0.0.1', family: 'ip' })
  stopAtTeardown(t, server)
  await server.handle().waitTillRunning()
  const client = await connect(t, server.port)
  await client.write('GET /x?y=1 HTTP/1.0\r\n\r\n')
  t.is(JSON.parse((await client.readResponse()).body).url, `http://127.0.0.1:${server.port}/x?y=1`)
})
