// Inline turns (`inlineTurns`, on by default): under load the JavaScript
// thread runs the engine's turns itself. Node's own I/O and timers must not
// starve meanwhile, and both modes must serve the same answers.
import test from 'ava'
import http from 'node:http'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { newServer } from '../index'
import { parseOne, rawExchange, serve, sleep, splitResponses, within } from './helpers'

/** A child process that keeps 32 connections busy with pipelined GETs for `seconds`. */
function loadFor(port: number, seconds: number) {
  const script = `
    const net = require('node:net')
    const batch = 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'.repeat(16)
    const end = Date.now() + ${seconds * 1000}
    let answered = 0
    for (let i = 0; i < 32; i++) {
      const socket = net.connect(${port}, '127.0.0.1', () => socket.write(batch))
      let pending = ''
      socket.setEncoding('latin1')
      socket.on('data', (d) => {
        pending += d
        let n = 0, at = 0
        while ((at = pending.indexOf('Hello', at)) !== -1) { n++; at += 5 }
        if (n >= 16) {
          answered += 16
          pending = ''
          if (Date.now() < end) socket.write(batch)
          else socket.end()
        }
      })
      socket.on('error', () => {})
    }
    process.on('beforeExit', () => console.log('answered ' + answered))
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => (output += d))
  return once(child, 'exit').then(() => Number(/answered (\d+)/.exec(output)?.[1] ?? 0))
}

test('under saturating load, timers and other Node servers in the process keep running', async (t) => {
  const { port } = await serve(t, { handler: () => 'Hello, World!' })
  const other = http.createServer((_req, res) => res.end('node here'))
  other.listen(0, '127.0.0.1')
  await once(other, 'listening')
  t.teardown(() => other.close())
  const otherPort = (other.address() as { port: number }).port

  const loadStarted = Date.now()
  const load = loadFor(port, 3)
  await sleep(500) // the load is on
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  const body = await within(
    new Promise<string>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port: otherPort, agent: false }, (res) => {
        let data = ''
        res.on('data', (d) => (data += d))
        res.on('end', () => resolve(data))
      }).on('error', reject),
    ),
    2000,
    'node:http answer during the load',
  )
  await sleep(1000)
  clearInterval(timer)
  const measuredWithin = Date.now() - loadStarted
  const answered = await load
  t.is(body, 'node here')
  t.true(measuredWithin < 3000, 'the load was still running while we measured')
  t.true(ticks >= 20, `a 10 ms interval fired only ${ticks} times in a second under load`)
  t.true(answered > 1000, `the load got ${answered} answers`)
})

for (const inlineTurns of [true, false]) {
  test(`inlineTurns ${inlineTurns}: pipelined sync and async answers keep their order`, async (t) => {
    const { port } = await serve(t, {
      inlineTurns,
      handler: async (req) => {
        if (req.url === '/slow') await sleep(30)
        return `answer ${req.url}`
      },
    })
    // A generous quiet window: on a loaded CI machine the first answer can
    // take longer than the 30 ms the handler waits.
    const { data } = await rawExchange(port, ['GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'], { idleMs: 2000 })
    t.deepEqual(
      splitResponses(data).map((r) => r.body),
      ['answer /slow', 'answer /a', 'answer /b'],
    )
  })
}

test('config.inlineTurns must be a boolean', (t) => {
  t.throws(() => newServer({ handler: () => '', inlineTurns: 'yes' as unknown as boolean }), { instanceOf: TypeError, message: /config\.inlineTurns/ })
})

// Direct answers: while JavaScript runs the turns, a large body goes from the
// handler's buffer to the socket, and only what the socket does not take is
// copied. Slow readers make those writes partial.
test('under load, large and small answers on pipelined connections arrive whole and in order', async (t) => {
  const BIG = 200 * 1024
  const bodyFor = (url: string) => (url.startsWith('/big') ? Buffer.alloc(BIG, url) : `small ${url}`)
  const { port } = await serve(t, { handler: (req) => bodyFor(req.url) })
  const net = await import('node:net')
  const exchange = (client: number) =>
    new Promise<string[]>((resolve, reject) => {
      const urls = Array.from({ length: 8 }, (_, i) => (i % 2 ? `/small/${client}/${i}` : `/big/${client}/${i}`))
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(urls.map((url) => `GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''))
        // Read nothing for a while: the server's socket buffer fills up.
        socket.pause()
        setTimeout(() => socket.resume(), 50 + client * 5)
      })
      let pending = ''
      const problems: string[] = []
      let next = 0
      socket.setEncoding('latin1')
      socket.on('data', (data: string) => {
        pending += data
        for (;;) {
          const response = parseOne(pending)
          if (response === undefined) return
          const body = Buffer.from(response.body, 'latin1')
          pending = pending.slice(response.raw.length)
          const url = urls[next++]
          if (!body.equals(Buffer.from(bodyFor(url)))) problems.push(`${url}: wrong body (${body.length} bytes)`)
          if (next === urls.length) {
            socket.end()
            resolve(problems)
          }
        }
      })
      socket.on('error', reject)
    })
  const results = await within(Promise.all(Array.from({ length: 24 }, (_, client) => exchange(client))), 15000, 'all answers')
  t.deepEqual(results.flat(), [])
})
