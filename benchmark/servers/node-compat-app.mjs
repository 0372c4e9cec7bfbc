// The node-compat benchmark's applications (benchmark/node-compat.ts): the
// same app on fasthttp/node or on node:http, chosen by the environment:
//
//   NODE_COMPAT_IMPL = fasthttp | node
//   NODE_COMPAT_APP  = bare | fastify | koa | express
//
//   GET /         -> 200 `Hello, World!` (text/plain)
//   GET /user/42  -> 200 {"id":"42","name":"user 42"} (a path parameter where
//                    the framework has a router; `bare` parses the URL itself)
//
// Listens on 127.0.0.1, port 0, and prints `port=<n>` (common.mjs).
import http from 'node:http'
import { createRequire } from 'node:module'
import { HELLO, TEXT_PLAIN, announce, listenHost } from './common.mjs'

const require = createRequire(import.meta.url)
const impl = process.env.NODE_COMPAT_IMPL ?? 'fasthttp'
const appName = process.env.NODE_COMPAT_APP ?? 'bare'
const { createServer } = impl === 'fasthttp' ? require('../../node.js') : http

const HELLO_HEADERS = { 'Content-Type': TEXT_PLAIN, 'Content-Length': String(Buffer.byteLength(HELLO)) }
const user = (id) => ({ id, name: `user ${id}` })

function listening(server) {
  server.listen(0, listenHost(), () => announce(server.address().port))
}

if (appName === 'bare') {
  listening(
    createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, HELLO_HEADERS)
        res.end(HELLO)
      } else if (req.url.startsWith('/user/')) {
        const body = JSON.stringify(user(req.url.slice(6)))
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) })
        res.end(body)
      } else {
        res.writeHead(404)
        res.end()
      }
    }),
  )
} else if (appName === 'fastify') {
  const Fastify = require('fastify')
  const app = Fastify(impl === 'fasthttp' ? { serverFactory: (handler) => createServer(handler) } : {})
  app.get('/', async (_req, reply) => reply.type(TEXT_PLAIN).send(HELLO))
  app.get('/user/:id', async (req) => user(req.params.id))
  await app.listen({ port: 0, host: listenHost() })
  announce(app.server.address().port)
} else if (appName === 'koa') {
  const Koa = require('koa')
  const app = new Koa()
  app.use(async (ctx) => {
    if (ctx.path === '/') ctx.body = HELLO
    else if (ctx.path.startsWith('/user/')) ctx.body = user(ctx.path.slice(6))
  })
  listening(createServer(app.callback()))
} else if (appName === 'express') {
  const express = require('express')
  const app = express()
  app.get('/', (_req, res) => res.type('text').send(HELLO))
  app.get('/user/:id', (req, res) => res.json(user(req.params.id)))
  listening(createServer(app))
} else {
  throw new Error(`unknown NODE_COMPAT_APP ${appName}`)
}
