// A WebSocket echo server built on the `ws` package over a manual takeover,
// driven by a real WebSocket client.
import { WebSocket } from 'ws'
import { createEchoServer } from '../examples/websocket/main'
import { unixTest as test } from './helpers'

test('a real WebSocket client talks to ws.handleUpgrade on a taken-over connection', async (t) => {
  const server = createEchoServer(0)
  const stopped = server.run()
  await server.handle().waitTillRunning()
  t.teardown(async () => {
    await server.handle().shutdown()
    await stopped
  })
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/echo`)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const echoes: string[] = []
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      echoes.push(data.toString())
      if (echoes.length === 3) resolve()
    })
  })
  for (const text of ['hello', 'fast', 'x'.repeat(70_000)]) ws.send(text)
  await done
  t.deepEqual(echoes, ['hello', 'fast', 'x'.repeat(70_000)])
  ws.close()
  // Plain HTTP on the same server still works.
  const res = await fetch(`http://127.0.0.1:${server.port}/echo`)
  t.is(res.status, 426)
})
