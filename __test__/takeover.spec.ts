// Manual takeover: the connection leaves the engine and becomes a net.Socket.
import net from 'node:net'
import { rawExchange, serve, splitResponses, startServer, unixTest as test } from './helpers'

const SSE_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n'

test('server-sent events stream past the idle timeout on a taken-over connection', async (t) => {
  const { server, port } = await startServer({
    idleTimeoutInSeconds: 0.5,
    timeoutInSeconds: 0.5,
    handler: () => ({
      takeoverMode: 'manual',
      content: SSE_HEAD,
      onTakeover: (socket: net.Socket) => {
        let n = 0
        const timer = setInterval(() => {
          socket.write(`data: ${n++}\n\n`)
          if (n === 8) {
            clearInterval(timer)
            socket.end()
          }
        }, 250) // 2 s in all: four idle timeouts
      },
    }),
  })
  t.teardown(() => server.handle().shutdown())
  const res = await fetch(`http://127.0.0.1:${port}/events`)
  t.is(res.status, 200)
  t.is(res.headers.get('content-type'), 'text/event-stream')
  const text = await res.text()
  t.deepEqual(text.trim().split('\n\n'), Array.from({ length: 8 }, (_, i) => `data: ${i}`))
})

test('the bytes sent after the takeover request reach onTakeover as head; earlier pipelined requests are answered first', async (t) => {
  let head: Buffer | undefined
  const { server, port } = await startServer({
    handler: (req) =>
      req.url === '/upgrade'
        ? {
            takeoverMode: 'manual',
            content: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n',
            onTakeover: (socket: net.Socket, rest: Buffer) => {
              head = rest
              socket.write(Buffer.concat([Buffer.from('echo:'), rest]))
              socket.on('data', (chunk) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])))
            },
          }
        : `plain ${req.url}`,
  })
  t.teardown(() => server.handle().shutdown())
  const { data } = await rawExchange(port, [
    'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /upgrade HTTP/1.1\r\nHost: x\r\n\r\nRAW-BYTES',
    'MORE',
  ], { gapMs: 100 })
  t.true(data.startsWith('HTTP/1.1 200 OK\r\n'), data)
  const upgradeAt = data.indexOf('HTTP/1.1 101 Switching Protocols')
  t.true(upgradeAt > 0)
  t.is(splitResponses(data.slice(0, upgradeAt))[0].body, 'plain /first')
  const after = data.slice(data.indexOf('\r\n\r\n', upgradeAt) + 4)
  t.is(after, 'echo:RAW-BYTESecho:MORE')
  t.is(head?.toString(), 'RAW-BYTES')
})

test('a takeover answer without onTakeover is a 500; the connection stays usable', async (t) => {
  const errors: unknown[] = []
  const { server, port } = await startServer({
    onError: (error) => errors.push(error),
    handler: (req) => (req.url === '/bad' ? { takeoverMode: 'manual' } : 'fine'),
  })
  t.teardown(() => server.handle().shutdown())
  const { data } = await rawExchange(port, ['GET /bad HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.deepEqual(splitResponses(data).map((r) => [r.status, r.body]), [[500, 'Internal Server Error\n'], [200, 'fine']])
  t.is(errors.length, 1)
  t.regex(String(errors[0]), /onTakeover/)
})

test('CONNECT: 501 by default; with allowConnect a takeover makes the connection the tunnel, any other answer closes it', async (t) => {
  const connect = 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n'
  const refused = await serve(t, { handler: () => 'never called' })
  const answer = await rawExchange(refused.port, [connect + 'TUNNEL-BYTES'])
  t.regex(answer.data, /^HTTP\/1\.1 501 /)
  t.true(answer.closed)

  const seen: string[] = []
  const { port } = await serve(t, {
    allowConnect: true,
    handler: (req) => {
      seen.push(`${req.methodName} ${req.url}`)
      if (req.header('x-tunnel') !== 'yes') return 'no tunnel for you'
      return {
        takeoverMode: 'manual',
        content: 'HTTP/1.1 200 Connection Established\r\n\r\n',
        onTakeover: (socket: net.Socket, rest: Buffer) => {
          socket.write(Buffer.concat([Buffer.from('tunnel:'), rest]))
          socket.on('data', (chunk) => socket.end(Buffer.concat([Buffer.from('tunnel:'), chunk])))
        },
      }
    },
  })
  const tunnel = await rawExchange(port, [connect.replace('\r\n\r\n', '\r\nX-Tunnel: yes\r\n\r\n') + 'GET / HTTP/1.1\r\n', 'more'], { gapMs: 100 })
  // The bytes after the head are the tunnel's, never a request (however the
  // two writes split between the takeover's head bytes and later reads).
  t.true(tunnel.data.startsWith('HTTP/1.1 200 Connection Established\r\n\r\ntunnel:GET / HTTP/1.1\r\n'), tunnel.data)
  t.is(tunnel.data.slice(tunnel.data.indexOf('\r\n\r\n') + 4).replaceAll('tunnel:', ''), 'GET / HTTP/1.1\r\nmore')
  const plain = await rawExchange(port, [connect + 'GET /next HTTP/1.1\r\nHost: x\r\n\r\n'])
  t.true(plain.closed)
  const responses = splitResponses(plain.data)
  t.is(responses.length, 1)
  t.is(responses[0].body, 'no tunnel for you')
  t.deepEqual(seen, ['CONNECT a.example:443', 'CONNECT a.example:443'])
})
