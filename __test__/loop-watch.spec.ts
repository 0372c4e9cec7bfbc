// The loop watch (crates/node/src/loop_watch.rs): under Node.js, while the
// JavaScript thread runs the engine's turns, Node's own event loop calls the
// next pull when the engine has events, and the turns go back to the I/O
// thread after 10 ms without any. Each test runs with the watch (the
// default) and without it (FASTHTTP_LOOP_WATCH=0: quiet pulls linger
// 100 µs, then hand the turns back), the path Bun and Deno take.
import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import type { ServerConfig } from '../index'
import { RawClient, serve, sleep, splitResponses } from './helpers'

const MODES = [
  { name: 'loop watch', env: undefined },
  { name: 'linger (FASTHTTP_LOOP_WATCH=0)', env: '0' },
] as const

/** Starts a server with the watch on or off (the switch is read by `run()`). */
async function serveIn(mode: (typeof MODES)[number], t: Parameters<typeof serve>[0], config: Omit<ServerConfig, 'port'>) {
  const before = process.env.FASTHTTP_LOOP_WATCH
  if (mode.env === undefined) delete process.env.FASTHTTP_LOOP_WATCH
  else process.env.FASTHTTP_LOOP_WATCH = mode.env
  try {
    return await serve(t, config)
  } finally {
    if (before === undefined) delete process.env.FASTHTTP_LOOP_WATCH
    else process.env.FASTHTTP_LOOP_WATCH = before
  }
}

const GET = (url: string) => `GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`

for (const mode of MODES) {
  test.serial(`${mode.name}: requests after idle gaps (turns kept, given back, taken again) and answers that settle after a gap are all served, in order`, async (t) => {
    const { port } = await serveIn(mode, t, {
      handler: (req) => (req.url.startsWith('/late') ? sleep(25).then(() => `late ${req.url}`) : `hi ${req.url}`),
    })
    const client = await RawClient.connect(port)
    t.teardown(() => client.close())
    // Gaps below, around and far above the 10 ms give-back.
    for (const gapMs of [0, 1, 5, 9, 12, 30, 60]) {
      await client.write(GET(`/gap${gapMs}`))
      t.is((await client.readResponse()).body, `hi /gap${gapMs}`)
      await sleep(gapMs)
    }
    // An answer that comes 25 ms later (after the give-back) and one that
    // is pipelined behind it: both arrive, in order.
    await client.write(GET('/late1') + GET('/after'))
    t.is((await client.readResponse()).body, 'late /late1')
    t.is((await client.readResponse()).body, 'hi /after')
    // Several connections at once after a quiet period.
    await sleep(40)
    const others = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(port)))
    t.teardown(() => others.forEach((other) => other.close()))
    await Promise.all(others.map((other, i) => other.write(GET(`/o${i}`).repeat(3))))
    for (const [i, other] of others.entries()) {
      const bodies = [await other.readResponse(), await other.readResponse(), await other.readResponse()].map((r) => r.body)
      t.deepEqual(bodies, [`hi /o${i}`, `hi /o${i}`, `hi /o${i}`])
    }
  })

  test.serial(`${mode.name}: 2,000 pipelined requests on one connection, answered while the handler's promises settle in later ticks, arrive whole and in order`, async (t) => {
    let n = 0
    const { port } = await serveIn(mode, t, {
      handler: (req) => (n++ % 3 === 0 ? Promise.resolve().then(() => `p${req.url}`) : `s${req.url}`),
    })
    const client = await RawClient.connect(port)
    t.teardown(() => client.close())
    const urls = Array.from({ length: 2000 }, (_, i) => `/${i}`)
    await client.write(urls.map(GET).join(''))
    const deadline = Date.now() + 10_000
    let responses: ReturnType<typeof splitResponses> = []
    while (Date.now() < deadline) {
      responses = splitResponses(client.pending)
      if (responses.length >= urls.length) break
      await sleep(20)
    }
    t.is(responses.length, urls.length)
    t.deepEqual(
      responses.map((r) => r.body.slice(1)),
      urls,
    )
  })
}

test('an idle server after traffic costs no CPU, with the loop watch and without (the turns go back to the I/O thread)', async (t) => {
  // Measured in a process of its own: its CPU time over 1 s of quiet, after
  // 1,000 requests. A thread that kept polling would spend ~1 s.
  const script = `
    const net = require('node:net')
    const { newServer } = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))})
    const server = newServer({ port: 0, host: '127.0.0.1', family: 'ip', handler: () => 'ok' })
    const stopped = server.run()
    const socket = net.connect(server.port, '127.0.0.1')
    let answered = 0
    socket.setEncoding('latin1')
    socket.on('data', async (chunk) => {
      answered += chunk.split('HTTP/1.1 200').length - 1
      if (answered < 1000) return
      if (answered > 1000) throw new Error('too many answers')
      await new Promise((resolve) => setTimeout(resolve, 200))
      const before = process.cpuUsage()
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const spent = process.cpuUsage(before)
      console.log(JSON.stringify({ answered, cpuMs: (spent.user + spent.system) / 1000 }))
      socket.destroy()
      await server.shutdown()
      await stopped
    })
    socket.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'.repeat(1000))
  `
  for (const mode of MODES) {
    const env = { ...process.env }
    if (mode.env === undefined) delete env.FASTHTTP_LOOP_WATCH
    else env.FASTHTTP_LOOP_WATCH = mode.env
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let errors = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (errors += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    const [code] = await once(child, 'exit')
    clearTimeout(timer)
    t.is(code, 0, `${mode.name}: ${errors}`)
    const result = JSON.parse(output) as { answered: number; cpuMs: number }
    t.is(result.answered, 1000)
    t.log(`${mode.name}: ${result.cpuMs.toFixed(1)} ms of CPU over 1 s idle`)
    // Idle costs well under 50 ms here; a polling thread would cost ~1000.
    t.true(result.cpuMs < 300, `${mode.name}: ${result.cpuMs} ms of CPU while idle`)
  }
})
