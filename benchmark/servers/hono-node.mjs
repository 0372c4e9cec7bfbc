// The same Hono application as hono-fasthttp.mjs, on @hono/node-server
// (node:http underneath, with its default light Request/Response objects).
//   node benchmark/servers/hono-node.mjs    (prints port=<n>)
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import { HELLO, BIG, TEXT_PLAIN, announce, listenHost } from './common.mjs'

const app = new Hono()
app.get('/', (c) => c.text(HELLO))
app.post('/post', async (c) => {
  await c.req.arrayBuffer()
  return c.text(HELLO)
})
app.get('/64k', (c) => c.body(BIG, 200, { 'Content-Type': TEXT_PLAIN }))
app.get('/async', async (c) => {
  await null
  return c.text(HELLO)
})

serve({ fetch: app.fetch, port: 0, hostname: listenHost() }, (info) => announce(info.port))
