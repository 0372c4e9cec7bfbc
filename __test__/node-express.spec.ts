// Unchanged Express 5 and Express 4 applications (with the common middleware)
// on fasthttp/node, through real sockets, driven by supertest. The only line
// that differs from node:http is how the server is made:
//
//   createServer(app).listen(port)      // instead of app.listen(port)
import test from 'ava'
import compression from 'compression'
import cookieParser from 'cookie-parser'
import cors from 'cors'
import { createHash } from 'node:crypto'
import http from 'node:http'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import express5 from 'express'
import helmet from 'helmet'
import multer from 'multer'
import request from 'supertest'
import { createServer, type Server } from '../node'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express5

const STATIC_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'fasthttp-node-static-'))
const STATIC_TEXT = 'static file contents, 0123456789\n'.repeat(100)
fs.writeFileSync(path.join(STATIC_DIR, 'file.txt'), STATIC_TEXT)
test.after.always(() => fs.rmSync(STATIC_DIR, { recursive: true, force: true }))

function makeApp(express: typeof express5) {
  const app = express()
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 64 * 1024 * 1024 } })
  app.use(helmet())
  app.use(cors({ origin: 'https://allowed.example' }))
  app.use(cookieParser('secret'))
  app.use(compression({ threshold: 1024 }))
  app.use('/static', express.static(STATIC_DIR))
  app.get('/', (_req, res) => {
    res.send('Hello, World!')
  })
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id, q: req.query.q, ip: req.ip, protocol: req.protocol, host: req.hostname })
  })
  app.post('/json', express.json(), (req, res) => {
    res.status(201).json({ got: req.body })
  })
  app.post('/form', express.urlencoded({ extended: false }), (req, res) => {
    res.json(req.body)
  })
  app.get('/cookies', (req, res) => {
    res.cookie('visited', 'yes', { httpOnly: true })
    res.cookie('signed', 'value', { signed: true })
    res.json({ cookies: req.cookies, signed: req.signedCookies })
  })
  app.get('/big', (_req, res) => {
    res.type('text').send('compress me please '.repeat(2000))
  })
  app.post('/upload', upload.single('file'), (req, res) => {
    const file = req.file!
    res.json({ field: req.body.note, name: file.originalname, size: file.size, sha256: createHash('sha256').update(file.buffer).digest('hex') })
  })
  app.get('/redirect', (_req, res) => res.redirect('/users/7'))
  app.get('/throws', () => {
    throw new Error('boom')
  })
  app.get('/next-error', (_req, _res, next) => {
    setImmediate(() => next(Object.assign(new Error('later'), { status: 418 })))
  })
  app.get('/send-file', (_req, res) => res.sendFile(path.join(STATIC_DIR, 'file.txt')))
  app.use((error: Error & { status?: number }, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
    res.status(error.status ?? 500).json({ error: error.message })
  })
  return app
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  let server: Server
  test.before(async () => {
    server = createServer(makeApp(express))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })
  test.after.always(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const agent = () => request(server as never)

  test(`${name}: routing, params, query, req.ip, 404`, async (t) => {
    const hello = await agent().get('/')
    t.is(hello.status, 200)
    t.is(hello.text, 'Hello, World!')
    t.is(hello.headers['content-type'], 'text/html; charset=utf-8')
    t.truthy(hello.headers.etag)
    const user = await agent().get('/users/42?q=x')
    t.deepEqual(user.body, { id: '42', q: 'x', ip: user.body.ip, protocol: 'http', host: '127.0.0.1' })
    t.regex(user.body.ip, /^(::ffff:)?127\.0\.0\.1$/)
    const missing = await agent().get('/nope')
    t.is(missing.status, 404)
    t.regex(missing.text, /Cannot GET \/nope/)
    const redirect = await agent().get('/redirect')
    t.is(redirect.status, 302)
    t.is(redirect.headers.location, '/users/7')
  })

  test(`${name}: express.json and express.urlencoded`, async (t) => {
    const json = await agent().post('/json').send({ a: [1, 2], b: 'é' })
    t.is(json.status, 201)
    t.deepEqual(json.body, { got: { a: [1, 2], b: 'é' } })
    const bigJson = await agent().post('/json').send({ s: 'x'.repeat(90_000) }) // over streamBodiesOver: streamed
    t.is(bigJson.body.got.s.length, 90_000)
    const bad = await agent().post('/json').set('Content-Type', 'application/json').send('{"broken')
    t.is(bad.status, 400)
    const form = await agent().post('/form').type('form').send('a=1&b=two')
    t.deepEqual(form.body, { a: '1', b: 'two' })
  })

  test(`${name}: express.static with Range, ETag/If-None-Match 304, sendFile`, async (t) => {
    const whole = await agent().get('/static/file.txt')
    t.is(whole.status, 200)
    t.is(whole.text, STATIC_TEXT)
    t.truthy(whole.headers.etag)
    const notModified = await agent().get('/static/file.txt').set('If-None-Match', whole.headers.etag)
    t.is(notModified.status, 304)
    t.is(notModified.text, '')
    const range = await agent().get('/static/file.txt').set('Range', 'bytes=10-19')
    t.is(range.status, 206)
    t.is(range.headers['content-range'], `bytes 10-19/${STATIC_TEXT.length}`)
    t.is(range.text, STATIC_TEXT.slice(10, 20))
    const head = await agent().head('/static/file.txt')
    t.is(head.status, 200)
    t.is(head.headers['content-length'], String(STATIC_TEXT.length))
    const sent = await agent().get('/send-file')
    t.is(sent.text, STATIC_TEXT)
  })

  test(`${name}: cookie-parser, cors, helmet`, async (t) => {
    const first = await agent().get('/cookies').set('Cookie', 'a=1; b=2').set('Origin', 'https://allowed.example')
    t.deepEqual(first.body.cookies, { a: '1', b: '2' })
    t.is(first.headers['access-control-allow-origin'], 'https://allowed.example')
    t.is(first.headers['x-content-type-options'], 'nosniff')
    t.truthy(first.headers['content-security-policy'])
    const cookies = first.headers['set-cookie'] as unknown as string[]
    t.is(cookies.length, 2)
    t.regex(cookies[0], /^visited=yes; Path=\/; HttpOnly$/)
    const signed = cookies[1].split(';')[0]
    const second = await agent().get('/cookies').set('Cookie', signed)
    t.deepEqual(second.body.signed, { signed: 'value' })
    const preflight = await agent().options('/json').set('Origin', 'https://allowed.example').set('Access-Control-Request-Method', 'POST')
    t.is(preflight.status, 204)
    t.regex(preflight.headers['access-control-allow-methods'], /POST/)
  })

  test(`${name}: compression`, async (t) => {
    const res = await fetch(`http://127.0.0.1:${server.address()!.port}/big`, { headers: { 'accept-encoding': 'gzip' } })
    t.is(res.headers.get('content-encoding'), 'gzip')
    // fetch decodes gzip itself: the body must be the whole text again.
    t.is(await res.text(), 'compress me please '.repeat(2000))
    // The bytes on the wire are gzip (node:http's client does not decode them).
    const gz = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      http
        .get({ port: server.address()!.port, host: '127.0.0.1', path: '/big', headers: { 'accept-encoding': 'gzip' } }, (response) => {
          const chunks: Buffer[] = []
          response.on('data', (c: Buffer) => chunks.push(c))
          response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }))
        })
        .on('error', reject)
    })
    t.is(gz.encoding, 'gzip')
    t.is(zlib.gunzipSync(gz.body).toString(), 'compress me please '.repeat(2000))
  })

  test(`${name}: multer multipart upload of several MiB`, async (t) => {
    const file = Buffer.alloc(6 * 1024 * 1024 + 123)
    for (let i = 0; i < file.length; i++) file[i] = (i * 31) & 0xff
    const res = await agent().post('/upload').field('note', 'hi').attach('file', file, 'data.bin')
    t.is(res.status, 200)
    t.deepEqual(res.body, { field: 'hi', name: 'data.bin', size: file.length, sha256: createHash('sha256').update(file).digest('hex') })
  })

  test(`${name}: error middleware (thrown and next(err)), default error handler`, async (t) => {
    const thrown = await agent().get('/throws')
    t.is(thrown.status, 500)
    t.deepEqual(thrown.body, { error: 'boom' })
    const later = await agent().get('/next-error')
    t.is(later.status, 418)
    t.deepEqual(later.body, { error: 'later' })
  })
}

test('supertest with the bare app function still uses node:http; with a listening fasthttp/node server it uses that', async (t) => {
  const app = express5()
  app.get('/', (req, res) => res.send(String(req.socket.constructor.name)))
  const server = createServer(app)
  const res = await request(server as never).get('/')
  t.is(res.text, 'EngineSocket')
  t.false(server.listening) // supertest listened on port 0 and closed it (it looks at `_handle`)
})
