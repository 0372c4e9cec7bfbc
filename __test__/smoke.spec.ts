import test from 'ava'
import { rawExchange, splitResponses, startServer } from './helpers'

test('serves a body-only answer through a real socket and shuts down', async (t) => {
  const { server, port, stopped } = await startServer({ handler: () => 'Hello, World!\n' })
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'text/plain; charset=utf-8')
  t.is(await res.text(), 'Hello, World!\n')
  await server.handle().shutdown()
  await stopped
  t.false(server.running)
})

test('16 pipelined requests in one write are answered in order', async (t) => {
  const { server, port } = await startServer({ handler: (req) => `path=${req.url}` })
  const requests = Array.from({ length: 16 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')
  const { data } = await rawExchange(port, [requests])
  const responses = splitResponses(data)
  t.deepEqual(responses.map((r) => r.body), Array.from({ length: 16 }, (_, i) => `path=/${i}`))
  await server.handle().shutdown()
})
