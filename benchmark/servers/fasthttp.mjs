// fasthttp (this package), through its public API: handlers return a body
// (string or bytes) that the engine wraps in `200 OK`.
import { createRequire } from 'node:module'
import { HELLO, BIG, announce, listenHost, slow } from './common.mjs'

const require = createRequire(import.meta.url)
const { newServer } = require('../../index.js')

async function asyncHello() {
  await null
  return HELLO
}

function handler(req) {
  switch (req.url) {
    case '/':
      return HELLO
    case '/post':
      // The engine has already read the whole body into req.buffer; touch it.
      return req.body.len >= 0 ? HELLO : ''
    case '/64k':
      return BIG
    case '/async':
      return asyncHello()
    case '/slow5':
      return slow().then(() => HELLO)
    default:
      return { status: 404, body: 'not found' }
  }
}

// FASTHTTP_BENCH_INLINE_TURNS=0: the `fasthttp-threaded` variant of the benchmark.
const inlineTurns = process.env.FASTHTTP_BENCH_INLINE_TURNS !== '0'
const server = newServer({ port: 0, host: listenHost(), family: 'ip', inlineTurns, handler })
const stopped = server.run()
// FASTHTTP_BENCH_WARMUP=1: `server.warmUp()` before announcing the port
// (the cold-start scenario's `fasthttp-warm` variant).
if (process.env.FASTHTTP_BENCH_WARMUP === '1') await server.warmUp()
announce(server.port)
stopped.catch((error) => {
  console.error(error)
  process.exit(1)
})
