// The Hono application both Hono benchmark servers run (hono-fasthttp.mjs on
// fasthttp's fetch adapter, hono-node.mjs on @hono/node-server): the same
// routes as every other benchmark server (see common.mjs).
import { Hono } from 'hono'
import { HELLO, BIG, TEXT_PLAIN } from './common.mjs'

export const app = new Hono()
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
