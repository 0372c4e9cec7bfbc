// HTTP/1.1 behaviour through real sockets: pipelining, framing, keep-alive,
// connection closing, HEAD, 100-continue, the response forms, HttpRequest.
import test from 'ava'
import type { HttpRequest } from '../index'
import { RawClient, serve, sleep } from './helpers'

const slice = (req: HttpRequest, s: { start: number; len: number }) => req.buffer.toString('latin1', s.start, s.start + s.len)

// --- pipelining ----------------------------------------------------------------

test('16 pipelined requests in one write get 16 responses in order (sync handler)', async (t) => {
  const { port } = await serve(t, { handler: (req) => `sync ${req.url}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write(Array.from({ length: 16 }, (_, i) => `GET /p${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''))
  for (let i = 0; i < 16; i++) {
    const res = await client.readResponse()
    t.is(res.status, 200)
    t.is(res.body, `sync /p${i}`)
  }
  t.is(await client.drainFor(50), '', 'exactly 16 responses')
})

test('16 pipelined requests answered in request order when async handlers finish in reverse', async (t) => {
  const finished: number[] = []
  const { port } = await serve(t, {
    handler: async (req) => {
      const i = Number(req.pathname.slice(2))
      await sleep((16 - i) * 5)
      finished.push(i)
      return `async ${i}`
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write(Array.from({ length: 16 }, (_, i) => `GET /a${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''))
  const bodies: string[] = []
  for (let i = 0; i < 16; i++) bodies.push((await client.readResponse()).body)
  t.deepEqual(bodies, Array.from({ length: 16 }, (_, i) => `async ${i}`))
  // The handlers really did finish out of order (else the test proves
  // nothing): the last request (5 ms) before the first (80 ms). Not the exact
  // reverse order: on a loaded machine the 16 may reach the handler in two
  // batches some milliseconds apart.
  t.true(finished.indexOf(15) < finished.indexOf(0), `finish order ${finished.join(',')}`)
})

test('pipelined POSTs with bodies and a GET interleaved keep their boundaries', async (t) => {
  const { port } = await serve(t, { handler: (req) => `${req.methodName} ${req.url} [${req.bodyText()}]` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write(
    'POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /2 HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
      'POST /4 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
  )
  const bodies = []
  for (let i = 0; i < 4; i++) bodies.push((await client.readResponse()).body)
  t.deepEqual(bodies, ['POST /1 [hello]', 'GET /2 []', 'POST /3 [abc]', 'POST /4 []'])
})

// --- framing ---------------------------------------------------------------------

test('a request written one byte at a time is framed once and answered', async (t) => {
  let calls = 0
  const { port } = await serve(t, {
    handler: (req) => {
      calls++
      return JSON.stringify({ method: req.methodName, url: req.url, host: req.header('host'), body: req.bodyText() })
    },
  })
  const client = await RawClient.connect(port, { noDelay: true })
  t.teardown(() => client.close())
  await client.writeBytewise('POST /bytes?x=1 HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\n\r\nhello world', 1)
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.deepEqual(JSON.parse(res.body), { method: 'POST', url: '/bytes?x=1', host: 'example.test', body: 'hello world' })
  t.is(calls, 1)
  // And a chunked one, byte by byte, on the same connection.
  await client.writeBytewise('POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n', 1)
  const res2 = await client.readResponse()
  t.is(JSON.parse(res2.body).body, 'abcdef')
  t.is(calls, 2)
})

test('a chunked POST body arrives decoded in buffer, body slice, bodyText and bodyBytes', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => {
      const body = req.body
      return JSON.stringify({
        text: req.bodyText(),
        len: body.len,
        sliceText: req.buffer.toString('utf8', body.start, body.start + body.len),
        bytesHex: req.bodyBytes().toString('hex'),
        bufferStart: req.buffer.toString('latin1', 0, 17),
        bodyAtEnd: body.start + body.len === req.buffer.length,
        te: req.header('transfer-encoding'),
      })
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  // Chunk extension, hex sizes in both cases, a trailer field, split across writes.
  await client.write('POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel')
  await sleep(20)
  await client.write('lo\r\n7;ext=1\r\n, world\r\nA\r\n0123456789\r\n')
  await sleep(20)
  await client.write('0\r\nX-Trailer: t\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.status, 200)
  const seen = JSON.parse(res.body)
  const expected = 'hello, world0123456789'
  t.is(seen.text, expected)
  t.is(seen.len, expected.length)
  t.is(seen.sliceText, expected)
  t.is(seen.bytesHex, Buffer.from(expected).toString('hex'))
  t.is(seen.bufferStart, 'POST /up HTTP/1.1')
  t.true(seen.bodyAtEnd)
  t.is(seen.te, 'chunked')
  t.false(client.ended)
})

test('a POST with a Content-Length body (binary, UTF-8) arrives whole', async (t) => {
  const payload = Buffer.concat([Buffer.from('héllo € '), Buffer.from([0, 1, 2, 255, 254, 13, 10])])
  const { port } = await serve(t, {
    handler: (req) => JSON.stringify({ len: req.body.len, hex: req.bodyBytes().toString('hex'), cl: req.header('content-length') }),
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write(Buffer.concat([Buffer.from(`POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: ${payload.length}\r\n\r\n`), payload]))
  const seen = JSON.parse((await client.readResponse()).body)
  t.is(seen.len, payload.length)
  t.is(seen.hex, payload.toString('hex'))
  t.is(seen.cl, String(payload.length))
})

// --- connection management -----------------------------------------------------------

test('keep-alive: sequential requests reuse one connection (same remote port)', async (t) => {
  const { port } = await serve(t, { handler: (req) => `${req.remotePort} ${req.keepAlive}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  const localPort = client.socket.localPort
  for (let i = 0; i < 5; i++) {
    await client.write(`GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const res = await client.readResponse()
    t.is(res.body, `${localPort} true`)
    t.is(res.headers.connection, undefined)
  }
  t.false(client.ended)
})

test('HTTP/1.0 without keep-alive: the server closes after the response', async (t) => {
  const { port } = await serve(t, { handler: (req) => `v=${req.httpVersion} ka=${req.keepAlive}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET / HTTP/1.0\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body, 'v=HTTP/1.0 ka=false')
  t.not(res.headers.connection?.toLowerCase(), 'keep-alive')
  t.true(await client.waitForEnd(), 'server ends the HTTP/1.0 connection')
})

test('HTTP/1.0 with Connection: keep-alive stays open', async (t) => {
  const { port } = await serve(t, { handler: (req) => `v=${req.httpVersion} ka=${req.keepAlive}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const first = await client.readResponse()
  t.is(first.body, 'v=HTTP/1.0 ka=true')
  t.is(first.headers.connection?.toLowerCase(), 'keep-alive', 'a 1.0 client must be told the connection persists')
  t.false(await client.waitForEnd(200), 'still open')
  await client.write('GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const second = await client.readResponse()
  t.is(second.body, 'v=HTTP/1.0 ka=true')
})

test('a request with Connection: close gets its response, then the server closes', async (t) => {
  const { port } = await serve(t, { handler: (req) => `ka=${req.keepAlive}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.body, 'ka=false')
  t.is(res.headers.connection?.toLowerCase(), 'close')
  t.true(await client.waitForEnd())
})

test('object, streamed and file answers say Connection: close when the request does not keep the connection', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => {
      if (req.pathname === '/object') return { status: 200, body: '' }
      if (req.pathname === '/file') return { filePath: __filename, length: 4 }
      return {
        status: 200,
        body: (async function* () {
          yield 'streamed'
        })(),
      }
    },
  })
  for (const path of ['/object', '/stream', '/file']) {
    for (const request of [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, `GET ${path} HTTP/1.0\r\n\r\n`]) {
      const client = await RawClient.connect(port)
      t.teardown(() => client.close())
      await client.write(request)
      const res = await client.readResponse()
      t.is(res.status, 200)
      t.is(res.headers.connection?.toLowerCase(), 'close', JSON.stringify(request))
      t.true(await client.waitForEnd(), `${JSON.stringify(request)}: the server closes`)
    }
  }
})

test('a pipelined request after a Connection: close request is not answered', async (t) => {
  let calls = 0
  const { port } = await serve(t, {
    handler: (req) => {
      calls++
      return req.url
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.body, '/a')
  t.true(await client.waitForEnd())
  t.is(client.pending, '')
  t.is(calls, 1)
})

test('handler responses asking to close do close: raw Connection: close, shouldClose (V and structured)', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => {
      switch (req.pathname) {
        case '/raw':
          return 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nconnection: Close\r\n\r\nraw'
        case '/raw-bytes':
          return Buffer.from('HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 5\r\n\r\nbytes')
        case '/v':
          return { content: 'vbody', shouldClose: true }
        case '/structured':
          return { status: 200, body: 'sbody', shouldClose: true }
        case '/body-mentions-close':
          return 'HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nConnection: close\r\n'
        default:
          return 'open'
      }
    },
  })
  for (const [path, body] of [['/raw', 'raw'], ['/raw-bytes', 'bytes'], ['/v', 'vbody'], ['/structured', 'sbody']]) {
    const client = await RawClient.connect(port)
    t.teardown(() => client.close())
    await client.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const res = await client.readResponse()
    t.is(res.body, body, path)
    t.true(await client.waitForEnd(), `${path} closes the connection`)
  }
  // "Connection: close" inside a body is not a header: the connection stays.
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /body-mentions-close HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).body, 'Connection: close\r\n')
  await client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).body, 'open')
})

// --- HEAD and 100-continue -------------------------------------------------------------

test('HEAD on a body-only answer: Content-Length of the body, no body bytes', async (t) => {
  const { port } = await serve(t, { handler: (req) => (req.methodName === 'HEAD' ? 'twelve bytes' : 'get body') })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n')
  const head = await client.readResponse({ head: true })
  t.is(head.statusLine, 'HTTP/1.1 200 OK')
  t.is(head.headers['content-length'], '12')
  t.is(head.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(head.body, '')
  await client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  const get = await client.readResponse()
  t.is(get.statusLine, 'HTTP/1.1 200 OK', 'no HEAD body bytes leaked before the next response')
  t.is(get.body, 'get body')
})

test('HEAD with a structured answer sends the head only', async (t) => {
  const { port } = await serve(t, { handler: () => ({ status: 201, headers: { 'X-A': 'b' }, body: 'created!' }) })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n')
  const head = await client.readResponse({ head: true })
  t.is(head.statusLine, 'HTTP/1.1 201 Created')
  t.is(head.headers['content-length'], '8')
  t.is(head.headers['x-a'], 'b')
  const get = await client.readResponse()
  t.is(get.statusLine, 'HTTP/1.1 201 Created')
  t.is(get.body, 'created!')
})

test('Expect: 100-continue gets "HTTP/1.1 100 Continue" before the final response', async (t) => {
  const { port } = await serve(t, { handler: (req) => `got ${req.bodyText()}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n')
  const interim = await client.readResponse()
  t.is(interim.raw, 'HTTP/1.1 100 Continue\r\n\r\n')
  await client.write('12345')
  const final = await client.readResponse()
  t.is(final.statusLine, 'HTTP/1.1 200 OK')
  t.is(final.body, 'got 12345')
  // A client that sends the body right away also gets exactly one final response.
  await client.write('POST /again HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok')
  let res = await client.readResponse()
  if (res.status === 100) res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body, 'got ok')
  t.is(await client.drainFor(50), '')
})

// --- the response forms ----------------------------------------------------------------

test('response forms: raw HTTP/ string and bytes are sent verbatim', async (t) => {
  const rawString = 'HTTP/1.1 202 Accepted\r\nX-Custom: yes\r\nContent-Type: text/x-thing\r\nContent-Length: 4\r\n\r\nrawS'
  const rawBytes = Buffer.from('HTTP/1.1 203 Whatever Reason\r\nContent-Length: 3\r\n\r\n\x00\xff\x7f', 'latin1')
  const { port } = await serve(t, {
    handler: (req) => (req.pathname === '/s' ? rawString : req.pathname === '/u8' ? new Uint8Array(rawBytes) : rawBytes),
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /s HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).raw, rawString)
  await client.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).raw, rawBytes.toString('latin1'))
  await client.write('GET /u8 HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).raw, rawBytes.toString('latin1'))
  t.false(client.ended)
})

test('response forms: body-only strings and bytes become 200 with length and sniffed type', async (t) => {
  const bodies: Record<string, string | Uint8Array> = {
    '/text': 'plain text',
    '/utf8': 'héllo €',
    '/html': '  \n<p>hi</p>',
    '/json': '{"a":1}',
    '/array': '[1,2]',
    '/bytes': new Uint8Array([0x68, 0x69]),
    '/buffer-html': Buffer.from('<b>x</b>'),
    '/empty': '',
  }
  const { port } = await serve(t, { handler: (req) => bodies[req.pathname] })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  const expectations: Array<[string, RegExp, string]> = [
    ['/text', /^text\/plain; charset=utf-8$/, 'plain text'],
    ['/utf8', /^text\/plain; charset=utf-8$/, Buffer.from('héllo €').toString('latin1')],
    ['/html', /^text\/html/, '  \n<p>hi</p>'],
    ['/json', /^application\/json$/, '{"a":1}'],
    ['/array', /^application\/json$/, '[1,2]'],
    ['/bytes', /^text\/plain; charset=utf-8$/, 'hi'],
    ['/buffer-html', /^text\/html/, '<b>x</b>'],
    ['/empty', /^text\/plain; charset=utf-8$/, ''],
  ]
  for (const [path, type, body] of expectations) {
    await client.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const res = await client.readResponse()
    t.is(res.statusLine, 'HTTP/1.1 200 OK', path)
    t.regex(res.headers['content-type'] ?? '', type, path)
    t.is(res.headers['content-length'], String(body.length), `${path}: Content-Length counts bytes`)
    t.is(res.body, body, path)
  }
})

test('response forms: { status, headers, body } and V-style { content, shouldClose }', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => {
      switch (req.pathname) {
        case '/created':
          return { status: 201, headers: { 'X-Test': 'yes', 'Set-Cookie': ['a=1', 'b=2'], 'X-Num': 7 }, body: 'made' }
        case '/pairs':
          return { status: 200, headers: [['Content-Type', 'application/xml'], ['X-Dup', '1'], ['X-Dup', '2']], body: new Uint8Array([0x3c, 0x61, 0x2f, 0x3e]) }
        case '/no-content':
          return { status: 204 }
        case '/unknown-status':
          return { status: 299, body: 'odd' }
        case '/v-body':
          return { content: 'v says hi' }
        case '/v-raw':
          return { content: 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n' }
        case '/v-json':
          return { content: Buffer.from('{"v":true}') }
        default:
          return { content: 'closing', shouldClose: true }
      }
    },
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write('GET /created HTTP/1.1\r\nHost: x\r\n\r\n')
  const created = await client.readResponse()
  t.is(created.statusLine, 'HTTP/1.1 201 Created')
  t.is(created.headers['x-test'], 'yes')
  t.is(created.headers['x-num'], '7')
  t.deepEqual(created.headerList.filter(([n]) => n === 'Set-Cookie').map(([, v]) => v), ['a=1', 'b=2'])
  t.is(created.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(created.headers['content-length'], '4')
  t.is(created.body, 'made')

  await client.write('GET /pairs HTTP/1.1\r\nHost: x\r\n\r\n')
  const pairs = await client.readResponse()
  t.is(pairs.headers['content-type'], 'application/xml')
  t.deepEqual(pairs.headerList.filter(([n]) => n === 'X-Dup').map(([, v]) => v), ['1', '2'])
  t.is(pairs.body, '<a/>')

  await client.write('GET /no-content HTTP/1.1\r\nHost: x\r\n\r\n')
  const noContent = await client.readResponse()
  t.is(noContent.statusLine, 'HTTP/1.1 204 No Content')
  t.is(noContent.headers['content-length'], undefined)

  await client.write('GET /unknown-status HTTP/1.1\r\nHost: x\r\n\r\n')
  const unknown = await client.readResponse()
  t.is(unknown.status, 299)
  t.is(unknown.body, 'odd')

  await client.write('GET /v-body HTTP/1.1\r\nHost: x\r\n\r\n')
  const vBody = await client.readResponse()
  t.is(vBody.statusLine, 'HTTP/1.1 200 OK')
  t.is(vBody.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(vBody.body, 'v says hi')

  await client.write('GET /v-raw HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).raw, 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n')

  await client.write('GET /v-json HTTP/1.1\r\nHost: x\r\n\r\n')
  const vJson = await client.readResponse()
  t.is(vJson.headers['content-type'], 'application/json')
  t.is(vJson.body, '{"v":true}')
  t.false(client.ended)

  await client.write('GET /close HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await client.readResponse()).body, 'closing')
  t.true(await client.waitForEnd())
})

// --- HttpRequest ---------------------------------------------------------------------------

test('HttpRequest conveniences and slices describe the request exactly', async (t) => {
  const userData = { marker: Symbol('user data') }
  let sameUserData = false
  const { port } = await serve(t, {
    userData,
    handler: (req) => {
      sameUserData = req.userData === userData
      return JSON.stringify({
        methodName: req.methodName,
        method: slice(req, req.method),
        url: req.url,
        path: slice(req, req.path),
        pathname: req.pathname,
        httpVersion: req.httpVersion,
        version: slice(req, req.version),
        headerLower: req.header('x-custom-thing'),
        headerUpper: req.header('X-CUSTOM-THING'),
        contentType: req.header('Content-Type'),
        missing: req.header('x-missing') ?? null,
        entries: req.headerEntries(),
        headerFields: slice(req, req.headerFields),
        bodyBytes: req.bodyBytes().toString('latin1'),
        bodyJson: req.bodyJson(),
        fd: req.clientConnFd,
        keepAlive: req.keepAlive,
        bufferHead: req.buffer.toString('latin1', 0, req.buffer.indexOf('\r\n')),
      })
    },
  })
  const json = '{"k":[1,2]}'
  const request =
    `PUT /a/b?x=1&y=2 HTTP/1.1\r\nHost: h.test\r\nX-Custom-Thing:   Value 1  \r\ncontent-type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  await client.write(request)
  const res = await client.readResponse()
  t.is(res.status, 200)
  const seen = JSON.parse(res.body)
  t.is(seen.methodName, 'PUT')
  t.is(seen.method, 'PUT')
  t.is(seen.url, '/a/b?x=1&y=2')
  t.is(seen.path, '/a/b?x=1&y=2')
  t.is(seen.pathname, '/a/b')
  t.is(seen.httpVersion, 'HTTP/1.1')
  t.is(seen.version, 'HTTP/1.1')
  t.is(seen.headerLower, 'Value 1')
  t.is(seen.headerUpper, 'Value 1')
  t.is(seen.contentType, 'application/json')
  t.is(seen.missing, null)
  t.deepEqual(seen.entries, [
    ['Host', 'h.test'],
    ['X-Custom-Thing', 'Value 1'],
    ['content-type', 'application/json'],
    ['Content-Length', String(json.length)],
  ])
  t.true((seen.headerFields as string).startsWith('Host: h.test\r\n'))
  t.is((seen.headerFields as string).trimEnd(), `Host: h.test\r\nX-Custom-Thing:   Value 1  \r\ncontent-type: application/json\r\nContent-Length: ${json.length}`)
  t.is(seen.bodyBytes, json)
  t.deepEqual(seen.bodyJson, { k: [1, 2] })
  t.true(Number.isInteger(seen.fd) && seen.fd > 0, `clientConnFd ${seen.fd}`)
  t.true(seen.keepAlive)
  t.is(seen.bufferHead, 'PUT /a/b?x=1&y=2 HTTP/1.1')
  t.true(sameUserData, 'req.userData is the very object from the config')
})

test('clientConnFd differs between two open connections; a request without body has an empty body', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => JSON.stringify({ fd: req.clientConnFd, len: req.body.len, text: req.bodyText(), bytes: req.bodyBytes().length }),
  })
  const a = await RawClient.connect(port)
  const b = await RawClient.connect(port)
  t.teardown(() => {
    a.close()
    b.close()
  })
  await a.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  await b.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  const seenA = JSON.parse((await a.readResponse()).body)
  const seenB = JSON.parse((await b.readResponse()).body)
  t.true(seenA.fd > 0 && seenB.fd > 0)
  t.not(seenA.fd, seenB.fd)
  t.deepEqual({ len: seenA.len, text: seenA.text, bytes: seenA.bytes }, { len: 0, text: '', bytes: 0 })
})

test('large bodies and many headers round-trip within the default limits', async (t) => {
  const { port } = await serve(t, { handler: (req) => `${req.body.len}:${req.headerEntries().length}:${req.bodyBytes().subarray(-4).toString()}` })
  const client = await RawClient.connect(port)
  t.teardown(() => client.close())
  const body = Buffer.alloc(1024 * 1024, 'a')
  body.write('tail', body.length - 4)
  const headers = Array.from({ length: 40 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')
  await client.write(Buffer.concat([Buffer.from(`POST /big HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${body.length}\r\n\r\n`), body]))
  const res = await client.readResponse({ timeoutMs: 5000 })
  t.is(res.status, 200)
  t.is(res.body, `${body.length}:42:tail`)
})
