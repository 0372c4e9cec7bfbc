// fasthttp/node: a node:http-compatible server on the fasthttp engine, so
// Express, Fastify, Koa and their middleware run unchanged:
//
//   import express from 'express'
//   import { createServer } from 'fasthttp/node'
//
//   const app = express()
//   app.get('/', (req, res) => res.send('Hello, World!'))
//   createServer(app).listen(3000)
//
// `req` and `res` are Node's own `http.IncomingMessage` and
// `http.ServerResponse` (so prototype swaps like Express's keep working);
// their socket is the engine's request. See the README for what differs
// from node:http.

export { createServer, Server } from './src/node/server'
export type { ListenOptions, RequestListener, ServerOptions } from './src/node/server'
export type { AddressInfo } from './src/node/address'
export { IncomingMessage, ServerResponse, STATUS_CODES, METHODS } from 'node:http'
