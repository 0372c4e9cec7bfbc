// fasthttp/node's design comparison (docs: "Why real Node instances"): the
// JavaScript side of one keep-alive `GET /` answered with writeHead + end,
//   A: real IncomingMessage/ServerResponse over the engine socket (what
//      fasthttp/node does), through its request dispatch;
//   B: own objects on Node's prototypes with own writeHead/end that format
//      the head themselves (a floor: no validation, events or body).
// The engine's request is built from a fixed batch (no sockets), so this
// reaches into internals (HttpRequest's constructor, the server's dispatch).
//
//   npm run build && node benchmark/node-compat-designs.cjs
const http = require('node:http')
const { HttpRequest } = require('../index.js')
const { createServer } = require('../node.js')
const { parseFields } = require('../src/node/request.js')
const head = 'GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n'
const data = Buffer.from(head)
const table = new Uint32Array(19)
const hs = head.indexOf('\r\n') + 2, he = head.indexOf('\r\n\r\n') + 2
table[4] = 1; table[6] = data.length; table[8] = 3; table[9] = 4; table[10] = 1; table[11] = 6; table[12] = 8; table[13] = hs; table[14] = he - hs; table[15] = data.length; table[17] = 5555
const store = { data, table, userData: undefined, pullSlab: false }
const HDR = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '13' }
const handler = (req, res) => { res.writeHead(200, HDR); res.end('Hello, World!') }

// A: today's design
const server = createServer(handler)
const dispatchA = server.dispatch

// B: own objects, Node's prototypes, own writeHead/end
function LiteReq() {}
LiteReq.prototype = http.IncomingMessage.prototype
function LiteRes() {}
LiteRes.prototype = http.ServerResponse.prototype
let dateCache = '', dateAt = 0
function date() { const now = Date.now(); if (now - dateAt > 1000) { dateAt = now; dateCache = new Date(now).toUTCString() } return dateCache }
function writeHead(status, headers) { this.statusCode = status; this._fastHeaders = headers; return this }
function end(body) {
  let h = `HTTP/1.1 ${this.statusCode} OK\r\n`
  const headers = this._fastHeaders
  for (const name in headers) h += `${name}: ${headers[name]}\r\n`
  h += `Date: ${date()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n`
  this._answer = h + body
  this.finished = true
  return this
}
function dispatchB(hreq) {
  const fields = hreq.headerFields
  const text = hreq.buffer.toString('latin1', 0, fields.start + fields.len)
  const sp1 = text.indexOf(' '), sp2 = text.indexOf(' ', sp1 + 1)
  const req = new LiteReq()
  req.method = text.slice(0, sp1); req.url = text.slice(sp1 + 1, sp2); req.httpVersion = '1.1'; req.httpVersionMajor = 1; req.httpVersionMinor = 1
  req.rawHeaders = parseFields(text, fields.start, { upgrade: false, expect: undefined }); req.complete = true
  const res = new LiteRes()
  res.req = req; res.statusCode = 200; res.finished = false; res._fastHeaders = null; res._answer = undefined
  res.writeHead = writeHead; res.end = end
  handler(req, res)
  return res._answer
}

let out
async function bench(label, dispatch, n) {
  const run = async (m) => { for (let j = 0; j < m / 1000; j++) { for (let i = 0; i < 1000; i++) out = dispatch(new HttpRequest(store, 0)); await new Promise((r) => setImmediate(r)) } }
  await run(2e5)
  const t = process.hrtime.bigint(); await run(n)
  return Number(process.hrtime.bigint() - t) / n
}
;(async () => {
  const a = [], b = []
  for (let round = 0; round < 5; round++) { a.push(await bench('A', dispatchA, 3e5)); b.push(await bench('B', dispatchB, 3e5)) }
  const med = (xs) => xs.sort((x, y) => x - y)[2]
  console.log(`A real IncomingMessage/ServerResponse: ${med(a).toFixed(0)} ns/req  (${a.map((x) => x.toFixed(0)).join(', ')})`)
  console.log(`B own objects + own writeHead/end:     ${med(b).toFixed(0)} ns/req  (${b.map((x) => x.toFixed(0)).join(', ')})`)
})()
