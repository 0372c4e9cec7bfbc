// The Hono application both Hono benchmark servers run (hono-fasthttp.mjs on
// fasthttp's fetch adapter, hono-node.mjs on @hono/node-server): the same
// routes as every other benchmark server (see common.mjs), plus two that
// benchmark/hono.ts measures:
//   GET  /user/:id -> {"id":"<id>","name":"user <id>"} (a path param, JSON out)
//   POST /echo     -> the JSON body it was sent, parsed and serialized again
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
app.get('/user/:id', (c) => {
  const id = c.req.param('id')
  return c.json({ id, name: `user ${id}` })
})
app.post('/echo', async (c) => c.json(await c.req.json()))
