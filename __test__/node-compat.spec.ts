// fasthttp/node: the node:http server surface, through real sockets. Where it
// matters, the same exchange runs on node:http too and the two must agree.
import test from 'ava'
import http from 'node:http'
import net from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { createServer, type Server } from '../node'
import { rawExchange, sleep } from './helpers'

type AnyServer = Server | http.Server

function listen(server: AnyServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))
  })
}

function closeAtTeardown(t: { teardown(fn: () => void | Promise<void>): void }, server: AnyServer): void {
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        server.close(() => resolve())
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      }),
  )
}

/** Runs `listener` on both servers and returns their raw answers to `request`. */
async function onBoth(listener: http.RequestListener, request: string | string[]): Promise<{ ours: string; node: string }> {
  const results: string[] = []
  for (const make of [createServer, http.createServer] as Array<(l: http.RequestListener) => AnyServer>) {
    const server = make(listener)
    const port = await listen(server)
    const { data } = await rawExchange(port, Array.isArray(request) ? request : [request], { idleMs: 600 })
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    })
    results.push(data.replace(/Date: [^\r]+\r\n/, 'Date: -\r\n'))
  }
  return { ours: results[0], node: results[1] }
}

test('listen(0) fills address() synchronously; listening, _handle, close and its events', async (t) => {
  const server = createServer((_req, res) => res.end('ok'))
  t.is(server.address(), null)
  t.false(server.listening)
  t.falsy(server._handle)
  const events: string[] = []
  server.on('listening', () => events.push('listening'))
  server.on('close', () => events.push('close'))
  let called = false
  server.listen(0, () => (called = true))
  const address = server.address()!
  t.true(address.port > 0)
  t.is(address.address, '::')
  t.is(address.family, 'IPv6')
  t.true(server.listening)
  t.truthy(server._handle)
  t.false(called) // the callback comes on a later tick, like node:http
  await sleep(10)
  t.true(called)
  const res = await fetch(`http://127.0.0.1:${address.port}/`)
  t.is(await res.text(), 'ok')
  await new Promise<void>((resolve) => server.close(() => resolve()))
  t.deepEqual(events, ['listening', 'close'])
  t.false(server.listening)
  t.is(server.address(), null)
  t.falsy(server._handle)
  await t.throwsAsync(fetch(`http://127.0.0.1:${address.port}/`))
})

test('listen in all its forms: (port, host, cb), ({ port, host }, cb), string port, no arguments', async (t) => {
  const forms: Array<(s: Server, cb: () => void) => void> = [
    (s, cb) => s.listen(0, '127.0.0.1', cb),
    (s, cb) => s.listen(0, '127.0.0.1', 511, cb),
    (s, cb) => s.listen({ port: 0, host: '127.0.0.1' }, cb),
    (s, cb) => s.listen('0', cb),
    (s, cb) => s.once('listening', cb).listen(),
  ]
  for (const form of forms) {
    const server = createServer((req, res) => res.end(req.url))
    await new Promise<void>((resolve) => form(server, resolve))
    const port = server.address()!.port
    t.is(await (await fetch(`http://127.0.0.1:${port}/x`)).text(), '/x')
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  const loopback = createServer().listen(0, '127.0.0.1')
  t.is(loopback.address()!.address, '127.0.0.1')
  loopback.close()
  t.throws(() => createServer().listen('/tmp/some.sock'), { message: /path/ })
  t.throws(() => createServer().listen(70000), { code: 'ERR_SOCKET_BAD_PORT' } as never)
})

test("a port in use: 'error' with EADDRINUSE, as on node:http", async (t) => {
  const first = createServer()
  const port = await listen(first)
  closeAtTeardown(t, first)
  const second = createServer()
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    second.on('error', resolve)
    second.listen(port, '127.0.0.1')
  })
  t.is(error.code, 'EADDRINUSE')
  t.is(error.syscall, 'listen')
  t.false(second.listening)
  const notRunning = await new Promise<Error | undefined>((resolve) => second.close(resolve))
  t.is((notRunning as NodeJS.ErrnoException).code, 'ERR_SERVER_NOT_RUNNING')
})

test('req: method, url, httpVersion, headers joined as Node joins them, rawHeaders, headersDistinct, socket addresses', async (t) => {
  let seen: Record<string, unknown> = {}
  const listener: http.RequestListener = (req, res) => {
    seen = {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      major: req.httpVersionMajor,
      minor: req.httpVersionMinor,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      distinct: req.headersDistinct,
      complete: req.complete,
      isIncoming: req instanceof http.IncomingMessage,
    }
    res.end(`${req.socket.remoteAddress} ${req.socket.remotePort} ${req.socket.remoteFamily} ${req.socket.localPort === (req.socket.address() as net.AddressInfo).port}`)
  }
  const request =
    'GET /a/b?c=d HTTP/1.1\r\nHost: x\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nAccept: x\r\nAccept: y\r\n' +
    'Content-Type: text/a\r\nContent-Type: text/b\r\nX-Custom: 1\r\nX-CUSTOM: 2\r\nCookie: a=1\r\nCookie: b=2\r\nUser-Agent:   spaced   \r\n\r\n'
  const ours = await onBoth(listener, request)
  t.is(ours.ours.split('\r\n\r\n')[0], ours.node.split('\r\n\r\n')[0])
  const oursSeen = seen
  // node:http ran second: `seen` is its view now; ours was checked through the exchange above.
  const server = createServer(listener)
  const port = await listen(server)
  closeAtTeardown(t, server)
  const { data } = await rawExchange(port, [request], { idleMs: 1500 })
  t.deepEqual(seen, oursSeen)
  t.deepEqual(seen.headers, {
    host: 'x',
    'set-cookie': ['a=1', 'b=2'],
    accept: 'x, y',
    'content-type': 'text/a',
    'x-custom': '1, 2',
    cookie: 'a=1; b=2',
    'user-agent': 'spaced',
  })
  t.is((seen.rawHeaders as string[])[2], 'Set-Cookie')
  t.deepEqual((seen.distinct as Record<string, string[]>)['content-type'], ['text/a', 'text/b'])
  t.true(seen.isIncoming)
  t.false(seen.complete) // as on node:http: true once the 'request' event has returned
  t.regex(data, /\r\n\r\n(::ffff:)?127\.0\.0\.1 \d+ IPv[46] true$/)
})

test('res: the same bytes as node:http for setHeader/writeHead/end, arrays, HEAD, 204, 304, chunked writes', async (t) => {
  const listener: http.RequestListener = (req, res) => {
    switch (req.url) {
      case '/set':
        res.setHeader('X-List', ['a', 'b'])
        res.setHeader('Content-Type', 'text/plain')
        res.statusCode = 201
        res.statusMessage = 'Made'
        res.end('body')
        return
      case '/head':
        res.writeHead(404, 'Nope', { 'X-A': '1', 'Content-Length': 5 })
        res.end('12345')
        return
      case '/pairs':
        res.writeHead(200, ['X-A', '1', 'X-B', '2'])
        res.end()
        return
      case '/204':
        res.writeHead(204)
        res.end('ignored')
        return
      case '/304':
        res.writeHead(304, { ETag: '"x"' })
        res.end()
        return
      case '/chunks':
        res.write('a')
        res.write(Buffer.from('bc'))
        res.end('d')
        return
      case '/append':
        res.appendHeader('Set-Cookie', 'a=1')
        res.appendHeader('Set-Cookie', ['b=2', 'c=3'])
        res.end(JSON.stringify([res.getHeaderNames(), res.hasHeader('set-cookie'), res.getHeader('SET-COOKIE')]))
        return
      default:
        res.end()
    }
  }
  for (const request of [
    'GET /set HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /head HTTP/1.1\r\nHost: x\r\n\r\n',
    'HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /pairs HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /204 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /304 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /chunks HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /append HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /chunks HTTP/1.0\r\n\r\n',
    'GET /set HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  ]) {
    const { ours, node } = await onBoth(listener, request)
    t.is(ours, node, request)
  }
})

test('res state through its life (headersSent, writableEnded, writableFinished, finished, events) matches node:http', async (t) => {
  const runs: string[][] = []
  for (const make of [createServer, http.createServer] as Array<(l: http.RequestListener) => AnyServer>) {
    const seen: string[] = []
    const state = (res: http.ServerResponse, at: string) =>
      seen.push(`${at}: sent=${res.headersSent} ended=${res.writableEnded} finished=${res.writableFinished}/${res.finished} code=${res.statusCode}`)
    const done = new Promise<void>((resolve) => {
      const server = make((req, res) => {
        state(res, 'start')
        res.on('finish', () => state(res, 'finish'))
        res.on('close', () => {
          state(res, 'close')
          resolve()
        })
        res.statusCode = 203
        res.setHeader('X-A', '1')
        res.write('a')
        state(res, 'written')
        setImmediate(() => {
          res.end('b', () => seen.push('end callback'))
          state(res, 'ended')
        })
      })
      void listen(server).then(async (port) => {
        t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ab')
        await done
        server.close()
      })
    })
    await done
    runs.push(seen)
  }
  t.deepEqual(runs[0], runs[1])
})

test('a response written over several ticks is streamed: write() backpressure, drain, finish and close', async (t) => {
  const events: string[] = []
  const server = createServer((req, res) => {
    res.on('finish', () => events.push('finish'))
    res.on('close', () => events.push('close'))
    const piece = Buffer.alloc(64 * 1024, 'x')
    let sent = 0
    const pump = () => {
      while (sent < 64) {
        sent++
        if (!res.write(piece)) {
          events.push('full')
          res.once('drain', pump)
          return
        }
      }
      res.end()
    }
    setImmediate(pump)
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.headers.get('transfer-encoding'), 'chunked')
  const body = Buffer.from(await res.arrayBuffer())
  t.is(body.length, 64 * 64 * 1024)
  await sleep(50)
  t.true(events.includes('full'))
  t.deepEqual(events.slice(-2), ['finish', 'close'])
})

test('flushHeaders sends the head at once; a streamed response reaches the client piece by piece', async (t) => {
  let release!: () => void
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.flushHeaders()
    res.write('data: 1\n\n')
    release = () => res.end('data: 2\n\n')
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.headers.get('content-type'), 'text/event-stream')
  const reader = res.body!.getReader()
  const first = await reader.read()
  t.is(Buffer.from(first.value!).toString(), 'data: 1\n\n')
  release()
  let rest = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    rest += Buffer.from(value).toString()
  }
  t.is(rest, 'data: 2\n\n')
})

test('request bodies: small ones buffered, large ones streamed with backpressure (pipe, for await, data/end)', async (t) => {
  const server = createServer(async (req, res) => {
    if (req.url === '/slow') {
      let bytes = 0
      for await (const piece of req) {
        bytes += (piece as Buffer).length
        await sleep(1)
      }
      res.end(String(bytes))
      return
    }
    const pieces: Buffer[] = []
    req.on('data', (piece: Buffer) => pieces.push(piece))
    req.on('end', () => res.end(`${Buffer.concat(pieces).length} ${req.complete}`))
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  const small = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'hello' })
  t.is(await small.text(), '5 true')
  const big = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: Buffer.alloc(3 * 1024 * 1024, 'y') })
  t.is(await big.text(), `${3 * 1024 * 1024} true`)
  const slow = await fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 'z') })
  t.is(await slow.text(), String(2 * 1024 * 1024))
})

test('req.pipe(res) echoes a 5 MiB upload while it arrives; pipelined requests are answered in order', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/echo') {
      res.setHeader('Content-Type', 'application/octet-stream')
      req.pipe(res)
    } else if (req.url === '/slow') setTimeout(() => res.end('slow'), 100)
    else res.end(`fast ${req.url}`)
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  const body = Buffer.alloc(5 * 1024 * 1024)
  for (let i = 0; i < body.length; i += 4096) body[i] = i & 0xff
  const echoed = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body })).arrayBuffer())
  t.true(echoed.equals(body))
  const { data } = await rawExchange(port, ['GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'], { idleMs: 1500 })
  t.deepEqual(data.split(/HTTP\/1\.1 200 OK\r\n[^]*?\r\n\r\n/).slice(1), ['slow', 'fast /a', 'fast /b'])
})

test('the client leaving a streamed response closes res and aborts req', async (t) => {
  const closed = new Promise<string>((resolve) => {
    const server = createServer((req, res) => {
      res.write('start')
      const timer = setInterval(() => res.write('.'), 20)
      res.on('close', () => {
        clearInterval(timer)
        resolve(`${res.writableFinished}`)
      })
    })
    closeAtTeardown(t, server)
    void listen(server).then((port) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
      socket.once('data', () => setTimeout(() => socket.destroy(), 50))
    })
  })
  t.is(await closed, 'false')
})

test('a client that leaves before anything is written: res and req close, and close() is not held up', async (t) => {
  const server = createServer((req, res) => {
    res.on('close', () => closes.push(`res ${res.writableFinished}`))
    req.on('close', () => closes.push(`req aborted=${req.destroyed}`))
  })
  const closes: string[] = []
  const port = await listen(server)
  const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /long-poll HTTP/1.1\r\nHost: x\r\n\r\n'))
  await sleep(50)
  socket.destroy()
  for (let i = 0; i < 100 && closes.length < 2; i++) await sleep(20)
  t.deepEqual(closes.sort(), ['req aborted=true', 'res false'])
  await new Promise<void>((resolve) => server.close(() => resolve()))
  t.pass()
})

test("Expect: 100-continue: 'checkContinue' when listened to, else 'request'; writeContinue sends no second 100", async (t) => {
  const server = createServer()
  server.on('checkContinue', (req, res) => {
    res.writeContinue()
    let body = ''
    req.on('data', (piece: Buffer) => (body += piece))
    req.on('end', () => res.end(`continued ${body}`))
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  const { data } = await rawExchange(port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n', 'abc'], { gapMs: 50, idleMs: 1500 })
  t.is(data.match(/100 Continue/g)?.length, 1)
  t.regex(data, /continued abc$/)
})

test('writeEarlyHints sends a 103 before the answer', async (t) => {
  const listener: http.RequestListener = (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    res.end('ok')
  }
  const { ours, node } = await onBoth(listener, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is(ours, node)
  t.regex(ours, /^HTTP\/1\.1 103 Early Hints\r\n/)
})

test("'upgrade' gets a real net.Socket and the head bytes; ws attaches with new WebSocketServer({ server })", async (t) => {
  const server = createServer((_req, res) => res.end('plain'))
  const wss = new WebSocketServer({ server: server as unknown as http.Server }) // the types differ; ws only uses the events
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url}`)
    ws.on('message', (message) => ws.send(`echo ${message}`))
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'plain')
  const client = new WebSocket(`ws://127.0.0.1:${port}/chat`)
  const messages: string[] = []
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data) => {
      messages.push(String(data))
      if (messages.length === 1) client.send('ping')
      else {
        client.close()
        resolve()
      }
    })
    client.on('error', reject)
  })
  t.deepEqual(messages, ['hello /chat', 'echo ping'])
  wss.close()

  let head: Buffer | undefined
  const raw = createServer()
  raw.on('upgrade', (req, socket: net.Socket, bytes: Buffer) => {
    head = bytes
    t.true(socket instanceof net.Socket)
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n${req.headers.upgrade}`)
  })
  const rawPort = await listen(raw)
  closeAtTeardown(t, raw)
  const { data } = await rawExchange(rawPort, ['GET / HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nEXTRA'], { idleMs: 3000 })
  t.regex(data, /^HTTP\/1\.1 101 .*\r\n\r\nx$/s)
  t.is(head?.toString(), 'EXTRA')
})

test("CONNECT: 'connect' with the socket when listened to, else the connection is cut (as node:http)", async (t) => {
  const server = createServer((_req, res) => res.end('not for CONNECT'))
  const port = await listen(server)
  closeAtTeardown(t, server)
  const refused = await rawExchange(port, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'], { idleMs: 3000 })
  t.deepEqual(refused, { data: '', closed: true })
  server.on('connect', (req, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => {}) // a client gone early must not crash the test process
    socket.end(`HTTP/1.1 200 Connection Established\r\n\r\ntunnel to ${req.url} ${head}`)
  })
  const tunnel = await rawExchange(port, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nhello'], { idleMs: 3000 })
  t.is(tunnel.data, 'HTTP/1.1 200 Connection Established\r\n\r\ntunnel to example.com:443 hello')
})

test('close() lets a request in progress finish, then stops; keep-alive connections are closed', async (t) => {
  let answer!: () => void
  let arrived!: () => void
  const inHandler = new Promise<void>((resolve) => (arrived = resolve))
  const server = createServer((_req, res) => {
    answer = () => res.end('late')
    arrived()
  })
  const port = await listen(server)
  const pending = fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())
  // (A connection whose request has not reached the handler yet is idle: close() would close it.)
  await inHandler
  let closed = false
  server.close(() => (closed = true))
  await sleep(50)
  t.false(closed)
  answer()
  t.is(await pending, 'late')
  for (let i = 0; i < 100 && !closed; i++) await sleep(10)
  t.true(closed)
})

test('req and res survive an Express-style prototype swap (Node prototype chain only)', async (t) => {
  const reqProto = Object.create(http.IncomingMessage.prototype)
  reqProto.hello = function (this: http.IncomingMessage) {
    return `hi ${this.headers['x-name']}`
  }
  const resProto = Object.create(http.ServerResponse.prototype)
  resProto.send = function (this: http.ServerResponse, body: string) {
    this.setHeader('Content-Type', 'text/plain')
    this.end(body)
  }
  const server = createServer((req, res) => {
    Object.setPrototypeOf(req, reqProto)
    Object.setPrototypeOf(res, resProto)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => (res as unknown as { send(b: string): void }).send(`${(req as unknown as { hello(): string }).hello()} ${Buffer.concat(chunks)}`))
  })
  const port = await listen(server)
  closeAtTeardown(t, server)
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'abc', headers: { 'x-name': 'example' } })
  t.is(await res.text(), 'hi example abc')
})
