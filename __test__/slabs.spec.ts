// Pull slabs: with inline turns, batches are copied one after another into
// shared slabs. A request kept past its handler (async, or held by user code)
// must still read its own bytes after many later batches, and a batch too
// big for what is left of a slab must arrive whole.
import test from 'ava'
import crypto from 'node:crypto'
import net from 'node:net'
import type { HttpRequest } from '../index'
import { serve, sleep, within } from './helpers'

/** Sends `requests` pipelined on one connection and resolves with the bodies of the answers, in order. */
function pipelined(port: number, requests: Buffer[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(Buffer.concat(requests)))
    let pending = Buffer.alloc(0)
    const bodies: string[] = []
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n')
        if (headEnd === -1) break
        const length = Number(/content-length: (\d+)/i.exec(pending.subarray(0, headEnd).toString('latin1'))?.[1])
        if (pending.length < headEnd + 4 + length) break
        bodies.push(pending.subarray(headEnd + 4, headEnd + 4 + length).toString('latin1'))
        pending = pending.subarray(headEnd + 4 + length)
      }
      if (bodies.length === requests.length) {
        socket.destroy()
        resolve(bodies)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => bodies.length < requests.length && reject(new Error(`closed after ${bodies.length} answers`)))
  })
}

function post(path: string, id: string, body: string): Buffer {
  return Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nX-Id: ${id}\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 'latin1')
}

/** Sends `waves` groups of requests on one connection, each after the answers to the one before. */
async function inWaves(port: number, waves: Buffer[][]): Promise<string[]> {
  const answers: string[] = []
  for (const wave of waves) answers.push(...(await pipelined(port, wave)))
  return answers
}

test('requests kept past their handler read their own bytes while later batches fill new slabs', async (t) => {
  const kept: Array<{ req: HttpRequest; id: string; body: string }> = []
  const slabsSeen = new Set<unknown>()
  const started = await serve(t, {
    maxBodySize: 1 << 20,
    handler: (req) => {
      slabsSeen.add(req._store)
      const url = req.url
      if (url.startsWith('/slow')) {
        // Async: answered after later requests have been read into the slabs.
        // It has taken a copy of its bytes: it pins no slab while it waits.
        return sleep(5 + (req.body.len % 40)).then(() => `${req._store.pullSlab ? 'pins a slab ' : ''}${req.url}|${req.header('x-id')}|${req.bodyText()}`)
      }
      if (url.startsWith('/keep')) {
        // Held by user code past a synchronous handler: read again at the end.
        kept.push({ req, id: req.header('x-id') ?? '', body: req.bodyText() })
        return 'kept'
      }
      return `${url}|${req.bodyText().length}`
    },
  })
  // 8 clients × 40 waves × 5 requests of ~1 KiB, each wave sent once the
  // last is answered: inline turns pull them into many 64 KiB slabs.
  const clients = Array.from({ length: 8 }, (_, c) => {
    const waves: Buffer[][] = []
    const expected: string[] = []
    for (let w = 0; w < 40; w++) {
      const wave: Buffer[] = []
      for (let j = 0; j < 5; j++) {
        const i = w * 5 + j
        const id = `${c}-${i}`
        const body = crypto.randomBytes(600).toString('hex').slice(0, 600 + (i % 400))
        const kind = i % 10 === 3 ? 'slow' : i % 10 === 7 ? 'keep' : 'fast'
        wave.push(post(`/${kind}?${id}`, id, body))
        expected.push(kind === 'slow' ? `/slow?${id}|${id}|${body}` : kind === 'keep' ? 'kept' : `/fast?${id}|${body.length}`)
      }
      waves.push(wave)
    }
    return inWaves(started.port, waves).then((answers) => ({ answers, expected }))
  })
  const results = await within(Promise.all(clients), 60_000, 'answers')
  for (const { answers, expected } of results) t.deepEqual(answers, expected)
  // The point of the test: batches really went through more than one slab.
  const slabs = [...slabsSeen].filter((store) => (store as { pullSlab: boolean }).pullSlab)
  t.true(slabs.length >= 2, `requests came from ${slabs.length} pull slab(s)`)
  t.is(kept.length, 8 * 20)
  let intact = 0
  for (const { req, id, body } of kept) {
    if (req.header('x-id') === id && req.bodyText() === body && req.url.endsWith(id)) intact++
  }
  t.is(intact, kept.length, 'every kept request still reads its own url, header and body')
})

test('batches too big for the room left in a slab arrive whole and in order', async (t) => {
  const { port } = await serve(t, {
    maxBodySize: 4 << 20,
    handler: (req) => `${req.header('x-id')}|${crypto.createHash('sha1').update(req.bodyBytes()).digest('hex')}`,
  })
  const requests: Buffer[] = []
  const expected: string[] = []
  // Bodies larger than a slab, a little smaller, and small ones in between.
  for (let i = 0; i < 24; i++) {
    const size = [700 * 1024, 300 * 1024, 100, 520 * 1024][i % 4]
    const body = crypto.randomBytes(size / 2 + 1).toString('hex').slice(0, size)
    requests.push(post('/big', String(i), body))
    expected.push(`${i}|${crypto.createHash('sha1').update(body, 'latin1').digest('hex')}`)
  }
  const answers = await within(pipelined(port, requests), 30_000, 'answers')
  t.deepEqual(answers, expected)
})
