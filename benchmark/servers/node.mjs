// node:http, the baseline every Node.js user has.
import http from 'node:http'
import { HELLO, BIG, TEXT_PLAIN, announce, listenHost, slow } from './common.mjs'

const HELLO_HEADERS = { 'Content-Type': TEXT_PLAIN, 'Content-Length': String(Buffer.byteLength(HELLO)) }
const BIG_HEADERS = { 'Content-Type': TEXT_PLAIN, 'Content-Length': String(BIG.length) }

function hello(res) {
  res.writeHead(200, HELLO_HEADERS)
  res.end(HELLO)
}

async function asyncHello(res) {
  await null
  hello(res)
}

const server = http.createServer((req, res) => {
  switch (req.url) {
    case '/':
      return hello(res)
    case '/post': {
      let bytes = 0
      req.on('data', (chunk) => (bytes += chunk.length))
      req.on('end', () => hello(res))
      return
    }
    case '/64k':
      res.writeHead(200, BIG_HEADERS)
      res.end(BIG)
      return
    case '/async':
      asyncHello(res)
      return
    case '/slow5':
      slow().then(() => hello(res))
      return
    default:
      res.writeHead(404, { 'Content-Type': TEXT_PLAIN })
      res.end('not found')
  }
})

server.listen(0, listenHost(), () => announce(server.address().port))
