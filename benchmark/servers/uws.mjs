// uWebSockets.js (@btc-vision/uwebsockets.js). On a glibc older than its
// prebuilt binary needs, the runner passes FASTHTTP_BENCH_UWS_NODE (a patched
// copy of the binary, see ../uws-shim/) and LD_PRELOADs the shim.
import { createRequire } from 'node:module'
import { HELLO, BIG, TEXT_PLAIN, announce, listenHost, slow } from './common.mjs'

const require = createRequire(import.meta.url)
const uWS = require(process.env.FASTHTTP_BENCH_UWS_NODE || '@btc-vision/uwebsockets.js')

const app = uWS.App()
app.get('/', (res) => {
  res.writeHeader('Content-Type', TEXT_PLAIN).end(HELLO)
})
app.post('/post', (res) => {
  let aborted = false
  let bytes = 0
  res.onAborted(() => (aborted = true))
  res.onData((chunk, isLast) => {
    bytes += chunk.byteLength
    if (isLast && !aborted) res.cork(() => res.writeHeader('Content-Type', TEXT_PLAIN).end(HELLO))
  })
})
app.get('/64k', (res) => {
  res.writeHeader('Content-Type', TEXT_PLAIN).end(BIG)
})
app.get('/async', async (res) => {
  let aborted = false
  res.onAborted(() => (aborted = true))
  await null
  if (!aborted) res.cork(() => res.writeHeader('Content-Type', TEXT_PLAIN).end(HELLO))
})
app.get('/slow5', async (res) => {
  let aborted = false
  res.onAborted(() => (aborted = true))
  await slow()
  if (!aborted) res.cork(() => res.writeHeader('Content-Type', TEXT_PLAIN).end(HELLO))
})
app.any('/*', (res) => {
  res.writeStatus('404 Not Found').writeHeader('Content-Type', TEXT_PLAIN).end('not found')
})

app.listen(listenHost(), 0, (token) => {
  if (!token) {
    console.error('uws: cannot listen')
    process.exit(1)
  }
  announce(uWS.us_socket_local_port(token))
})
