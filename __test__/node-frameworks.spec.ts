// Fastify 5 (through serverFactory), Koa and socket.io on fasthttp/node,
// unchanged but for how the server is made.
import test from 'ava'
import Fastify from 'fastify'
import Koa from 'koa'
import type http from 'node:http'
import { Server as SocketIoServer } from 'socket.io'
import { io as ioClient } from 'socket.io-client'
import { createServer, type Server } from '../node'

test('Fastify 5 through serverFactory: routes, params, JSON in and out, hooks, 404, errors', async (t) => {
  const app = Fastify({
    serverFactory: (handler) => createServer(handler) as unknown as http.Server,
  })
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-hook', 'yes')
  })
  app.get('/', async () => 'Hello, World!')
  app.get('/users/:id', async (req) => ({ id: (req.params as { id: string }).id, q: (req.query as { q?: string }).q }))
  app.post('/echo', async (req, reply) => {
    reply.code(201)
    return { got: req.body }
  })
  app.get('/fail', async () => {
    throw Object.assign(new Error('nope'), { statusCode: 409 })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = (app.server.address() as { port: number }).port
  const base = `http://127.0.0.1:${port}`

  const hello = await fetch(`${base}/`)
  t.is(await hello.text(), 'Hello, World!')
  t.is(hello.headers.get('x-hook'), 'yes')
  t.deepEqual(await (await fetch(`${base}/users/5?q=z`)).json(), { id: '5', q: 'z' })
  const echo = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1, big: 'x'.repeat(100_000) }) })
  t.is(echo.status, 201)
  t.is((await echo.json()).got.big.length, 100_000)
  t.is((await fetch(`${base}/missing`)).status, 404)
  const fail = await fetch(`${base}/fail`)
  t.is(fail.status, 409)
  t.is((await fail.json()).message, 'nope')
  // inject() does not touch the server at all, and still works.
  t.is((await app.inject({ method: 'GET', url: '/' })).body, 'Hello, World!')
})

test('Koa: middleware, body, status, headers, streams', async (t) => {
  const app = new Koa()
  app.use(async (ctx, next) => {
    const started = Date.now()
    await next()
    ctx.set('x-response-time', `${Date.now() - started}ms`)
  })
  app.use(async (ctx) => {
    if (ctx.path === '/json') {
      ctx.body = { method: ctx.method, query: ctx.query }
    } else if (ctx.path === '/echo') {
      const chunks: Buffer[] = []
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
      ctx.status = 202
      ctx.body = Buffer.concat(chunks)
    } else if (ctx.path === '/stream') {
      const { Readable } = await import('node:stream')
      ctx.type = 'text/plain'
      ctx.body = Readable.from(['a', 'b', 'c'])
    } else {
      ctx.body = 'Hello, Koa!'
    }
  })
  const server: Server = createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${server.address()!.port}`
  const hello = await fetch(`${base}/`)
  t.is(await hello.text(), 'Hello, Koa!')
  t.regex(hello.headers.get('x-response-time')!, /ms$/)
  t.deepEqual(await (await fetch(`${base}/json?a=1`)).json(), { method: 'GET', query: { a: '1' } })
  const echo = await fetch(`${base}/echo`, { method: 'POST', body: Buffer.alloc(200_000, 'k') })
  t.is(echo.status, 202)
  t.is((await echo.arrayBuffer()).byteLength, 200_000)
  t.is(await (await fetch(`${base}/stream`)).text(), 'abc')
})

test('socket.io attached to the server: websocket and polling transports', async (t) => {
  const server = createServer((_req, res) => res.end('plain'))
  const io = new SocketIoServer(server as unknown as http.Server)
  io.on('connection', (socket) => {
    socket.on('ping', (value: string, ack: (reply: string) => void) => ack(`pong ${value}`))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => io.close(() => resolve())))
  const port = server.address()!.port
  t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'plain')
  for (const transports of [['websocket'], ['polling']]) {
    const client = ioClient(`http://127.0.0.1:${port}`, { transports, forceNew: true })
    const reply = await new Promise<string>((resolve, reject) => {
      client.on('connect_error', reject)
      client.on('connect', () => client.emit('ping', transports[0], resolve))
    })
    t.is(reply, `pong ${transports[0]}`)
    client.close()
  }
})
