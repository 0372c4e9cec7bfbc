// The README examples (V's two seed examples and the multi-route app), each
// through Node's own HTTP clients and through raw sockets.
import test from 'ava'
import { createHash } from 'node:crypto'
import http from 'node:http'
import { createServer as createHello } from '../examples/hello'
import { createServer as createBodies } from '../examples/bodies'
import { createApp } from '../examples/fasthttp/app'
import { createStreamsServer } from '../examples/streams/main'
import { RawClient, runCreated, within } from './helpers'

/** http.request without connection pooling; resolves status, headers and body. */
function httpRequest(
  port: number,
  path: string,
  { method = 'GET', body, headers = {} }: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (data += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    }),
    3000,
    `${method} ${path}`,
  )
}

// --- examples/hello.ts: whole responses built by the handler -----------------

test('hello: fetch and http.get see the handler-built responses', async (t) => {
  const { port } = await runCreated(t, createHello(0))
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'text/plain')
  t.is(res.headers.get('content-length'), '14')
  t.is(await res.text(), 'Hello, World!\n')

  const missing = await httpRequest(port, '/missing/page')
  t.is(missing.status, 404)
  t.is(missing.headers['content-type'], 'text/plain')
  t.is(missing.headers['content-length'], String('/missing/page not found\n'.length))
  t.is(missing.body, '/missing/page not found\n')
})

test('hello: raw socket gets the exact bytes and the server honours Connection: close', async (t) => {
  const { port } = await runCreated(t, createHello(0))
  const ok = await RawClient.connect(port)
  t.teardown(() => ok.close())
  await ok.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
  const res = await ok.readResponse()
  t.is(res.raw, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\nHello, World!\n')
  t.true(await ok.waitForEnd(), 'the connection closes after a response carrying Connection: close')

  const notFound = await RawClient.connect(port)
  t.teardown(() => notFound.close())
  await notFound.write('GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n')
  const res404 = await notFound.readResponse()
  t.is(res404.raw, 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nConnection: close\r\n\r\n/nope not found\n')
  t.true(await notFound.waitForEnd())
})

test('hello: a pipelined second request is not answered after a Connection: close response', async (t) => {
  const { port } = await runCreated(t, createHello(0))
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n')
  const first = await client.readResponse()
  t.is(first.status, 200)
  t.is(first.body, 'Hello, World!\n')
  t.true(await client.waitForEnd())
  t.is(client.pending, '', 'nothing is sent after the closing response')
})

// --- examples/bodies.ts: body-only answers, content type sniffed --------------

test('bodies: fetch sees 200 answers with sniffed content types', async (t) => {
  const { port } = await runCreated(t, createBodies(0))
  const home = await fetch(`http://127.0.0.1:${port}/`)
  t.is(home.status, 200)
  t.is(home.headers.get('content-type'), 'text/plain; charset=utf-8')
  t.is(await home.text(), 'Home page')

  const html = await fetch(`http://127.0.0.1:${port}/html`)
  t.is(html.status, 200)
  t.regex(html.headers.get('content-type') ?? '', /^text\/html/)
  t.is(await html.text(), '</html>')

  const json = await fetch(`http://127.0.0.1:${port}/json`)
  t.is(json.status, 200)
  t.is(json.headers.get('content-type'), 'application/json')
  t.deepEqual(await json.json(), { message: 'success' })

  const post = await fetch(`http://127.0.0.1:${port}/api/data`, { method: 'POST', body: 'payload' })
  t.is(post.status, 200)
  t.is(await post.text(), 'Data received')

  // V semantics: a body-only answer is always a 200, even this one.
  const other = await httpRequest(port, '/other')
  t.is(other.status, 200)
  t.is(other.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(other.body, '404 Not Found')
})

test('bodies: raw keep-alive connection gets exact status lines, lengths and types', async (t) => {
  const { port } = await runCreated(t, createBodies(0))
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  const cases: Array<[string, string, string, RegExp]> = [
    ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'Home page', '9', /^text\/plain; charset=utf-8$/],
    ['GET /html HTTP/1.1\r\nHost: x\r\n\r\n', '</html>', '7', /^text\/html(; charset=utf-8)?$/],
    ['GET /json HTTP/1.1\r\nHost: x\r\n\r\n', '{"message": "success"}', '22', /^application\/json$/],
    ['POST /api/data HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc', 'Data received', '13', /^text\/plain; charset=utf-8$/],
    ['DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n', '404 Not Found', '13', /^text\/plain; charset=utf-8$/],
  ]
  for (const [request, body, length, type] of cases) {
    await client.write(request)
    const res = await client.readResponse()
    t.is(res.statusLine, 'HTTP/1.1 200 OK', request)
    t.is(res.headers['content-length'], length, request)
    t.regex(res.headers['content-type'] ?? '', type, request)
    t.is(res.body, body, request)
    t.is(res.headerList.filter(([name]) => name.toLowerCase() === 'content-length').length, 1)
  }
  t.false(client.ended, 'HTTP/1.1 keeps the connection open')
})

// --- examples/fasthttp/app.ts: router + controllers ---------------------------

test('app: routes through fetch and http.request', async (t) => {
  const { port } = await runCreated(t, createApp(0))
  const base = `http://127.0.0.1:${port}`

  const home = await fetch(`${base}/`)
  t.is(home.status, 200)
  t.is(home.headers.get('content-type'), 'text/plain; charset=utf-8')
  t.is(await home.text(), 'Welcome to the fasthttp example!\n')

  const alice = await fetch(`${base}/user/1`)
  t.is(alice.status, 200)
  t.is(alice.headers.get('content-type'), 'application/json')
  t.deepEqual(await alice.json(), { id: 1, name: 'Alice' })

  const nobody = await fetch(`${base}/user/99`)
  t.is(nobody.status, 404)
  t.deepEqual(await nobody.json(), { error: 'user 99 not found' })

  // A malformed percent-escape is the client's fault: 400, no stack trace.
  const malformed = await fetch(`${base}/user/%E0`)
  t.is(malformed.status, 400)
  t.is(await malformed.text(), 'malformed percent-escape in the path\n')
  t.is((await fetch(`${base}/user/1`)).status, 200, 'the server keeps serving')

  const created = await httpRequest(port, '/user', {
    method: 'POST',
    body: JSON.stringify({ name: 'Bob' }),
    headers: { 'content-type': 'application/json' },
  })
  t.is(created.status, 201)
  t.is(created.headers['content-type'], 'application/json')
  t.is(created.headers.location, '/user/2')
  t.deepEqual(JSON.parse(created.body), { id: 2, name: 'Bob' })

  const bob = await httpRequest(port, '/user/2')
  t.is(bob.status, 200)
  t.deepEqual(JSON.parse(bob.body), { id: 2, name: 'Bob' })

  const bad = await fetch(`${base}/user`, { method: 'POST', body: 'not json' })
  t.is(bad.status, 400)

  const noName = await fetch(`${base}/user`, { method: 'POST', body: '{}' })
  t.is(noName.status, 400)

  const unknown = await fetch(`${base}/nowhere`)
  t.is(unknown.status, 404)
  t.is(await unknown.text(), '/nowhere not found\n')

  const wrongMethod = await fetch(`${base}/`, { method: 'DELETE' })
  t.is(wrongMethod.status, 404)
})

test('app: raw socket — exact status lines, JSON, HEAD, chunked POST', async (t) => {
  const { port } = await runCreated(t, createApp(0))
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())

  await client.write('GET /user/1 HTTP/1.1\r\nHost: x\r\n\r\n')
  const alice = await client.readResponse()
  t.is(alice.statusLine, 'HTTP/1.1 200 OK')
  t.is(alice.headers['content-type'], 'application/json')
  t.is(alice.headers['content-length'], String('{"id":1,"name":"Alice"}'.length))
  t.is(alice.body, '{"id":1,"name":"Alice"}')

  await client.write('GET /user/7 HTTP/1.1\r\nHost: x\r\n\r\n')
  const missing = await client.readResponse()
  t.is(missing.statusLine, 'HTTP/1.1 404 Not Found')
  t.is(missing.body, '{"error":"user 7 not found"}')

  const json = '{"name":"Carol"}'
  await client.write(`POST /user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`)
  const carol = await client.readResponse()
  t.is(carol.statusLine, 'HTTP/1.1 201 Created')
  t.is(carol.headers.location, '/user/2')
  t.is(carol.body, '{"id":2,"name":"Carol"}')

  await client.write('POST /user HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{"name":"\r\n5\r\nDave"\r\n1\r\n}\r\n0\r\n\r\n')
  const dave = await client.readResponse()
  t.is(dave.statusLine, 'HTTP/1.1 201 Created')
  t.is(dave.body, '{"id":3,"name":"Dave"}')

  await client.write('HEAD /user/1 HTTP/1.1\r\nHost: x\r\n\r\n')
  const head = await client.readResponse({ head: true })
  t.is(head.statusLine, 'HTTP/1.1 200 OK')
  t.is(head.headers['content-length'], String('{"id":1,"name":"Alice"}'.length))
  t.is(head.body, '')

  await client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  const home = await client.readResponse()
  t.is(home.statusLine, 'HTTP/1.1 200 OK')
  t.is(home.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(home.body, 'Welcome to the fasthttp example!\n', 'no stray HEAD body precedes this response')

  await client.write('GET /user/1/extra HTTP/1.1\r\nHost: x\r\n\r\n')
  const nested = await client.readResponse()
  t.is(nested.statusLine, 'HTTP/1.1 404 Not Found')
  t.is(nested.body, '/user/1/extra not found\n')
  t.false(client.ended)
})

// --- examples/streams/main.ts: uploads, echo, reusable takeover, generators --

test('streams example: upload hash, echo, server-sent clock then reuse, numbers', async (t) => {
  const { port } = await runCreated(t, createStreamsServer(0, { clockTicks: 2 }))
  const body = Buffer.alloc(3 * 1024 * 1024, 'q')
  const uploaded = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', body })
  t.deepEqual(await uploaded.json(), { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') })
  const echoed = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body })
  t.true(Buffer.from(await echoed.arrayBuffer()).equals(body))
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /clock HTTP/1.1\r\nHost: x\r\n\r\n')
  const events = await within(client.drainFor(2500), 4000, 'clock')
  t.is(events.match(/data: \d{4}-/g)?.length, 2)
  t.true(events.endsWith('\r\n0\r\n\r\n'))
  await client.write('GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).status, 404)
  const numbers = await (await fetch(`http://127.0.0.1:${port}/numbers`)).text()
  t.is(numbers.split('\n').filter(Boolean).length, 100)
})
