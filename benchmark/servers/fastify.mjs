// fastify, the most used "fast" Node.js framework, with logging off.
import { createRequire } from 'node:module'
import { HELLO, BIG, TEXT_PLAIN, announce, listenHost } from './common.mjs'

const require = createRequire(import.meta.url)
const Fastify = require('fastify')

const app = Fastify({ logger: false })
app.get('/', (req, reply) => {
  reply.send(HELLO) // fastify sets text/plain; charset=utf-8 for strings
})
app.post('/post', (req, reply) => {
  // The default text/plain parser has read the whole body into req.body.
  reply.send(HELLO)
})
app.get('/64k', (req, reply) => {
  reply.type(TEXT_PLAIN).send(BIG)
})
app.get('/async', async () => {
  await null
  return HELLO
})

app.listen({ port: 0, host: listenHost() }).then(
  () => announce(app.server.address().port),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
