// Pull slabs: with inline turns, batches are copied one after another into
// shared slabs. A request kept past its handler (async, or held by user code)
// must still read its own bytes after many later batches, and a batch too
// big for what is left of a slab must arrive whole.
import test from 'ava'
import crypto from 'node:crypto'
import path from 'node:path'
import type { HttpRequest } from '../index'
import { jsonFromChild, serve, sleep, within } from './helpers'
// The clients live in a fixture, so they can also run in a child process.
const { pipelined, post, bodyFor, kindOf } = require('./fixtures/wave-clients.cjs')

const WAVE_CLIENTS = path.join(__dirname, 'fixtures', 'wave-clients.cjs')

/** Runs `clients` wave clients (see the fixture) in a child process and resolves with each one's answers. */
function wavesFromChild(port: number, clients: number, waves: number, perWave = 5): Promise<string[][]> {
  return jsonFromChild([WAVE_CLIENTS, String(port), String(clients), String(waves), String(perWave)], 'wave clients')
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
  // 8 clients × 40 waves × 5 requests of ~1 KiB, sent from another process
  // so they arrive while handlers run: inline turns pull them into many
  // 64 KiB slabs.
  const results = await within(wavesFromChild(started.port, 8, 40), 60_000, 'answers')
  t.is(results.length, 8)
  results.forEach((answers, c) => {
    const expected = Array.from({ length: 200 }, (_, i) => {
      const id = `${c}-${i}`
      const kind = kindOf(i)
      if (kind === 'slow') return `/slow?${id}|${id}|${bodyFor(c, i)}`
      return kind === 'keep' ? 'kept' : `/fast?${id}|${bodyFor(c, i).length}`
    })
    t.deepEqual(answers, expected, `client ${c}`)
  })
  // The point of the test: batches really went through more than one slab.
  const slabs = [...slabsSeen].filter((store) => (store as { pullSlab: boolean }).pullSlab)
  t.true(slabs.length >= 2, `requests came from ${slabs.length} pull slab(s)`)
  t.log(`${slabs.length} pull slabs`)
  t.is(kept.length, 8 * 20)
  let intact = 0
  for (const { req, id, body } of kept) {
    if (req.header('x-id') === id && req.bodyText() === body && req.url.endsWith(id)) intact++
  }
  t.is(intact, kept.length, 'every kept request still reads its own url, header and body')
})

test('a turn that frames more than a slab holds is handed out in parts, in order, in one tick', async (t) => {
  const started = await serve(t, {
    maxBodySize: 1 << 20,
    handler: (req) => `${req.header('x-id')}|${req.bodyText() === bodyFor(...(req.header('x-id') ?? '0-0').split('-').map(Number)) ? 'ok' : 'bad'}`,
  })
  // Count the pulls that left rows for the next part (the parts are the point).
  const native = (started.server as unknown as { native: { pull: (...args: unknown[]) => unknown; pullPending(): boolean } }).native
  const pull = native.pull.bind(native)
  let parted = 0
  native.pull = (...args: unknown[]) => {
    const pulled = pull(...args)
    if (native.pullPending()) parted++
    return pulled
  }
  // 8 clients × 6 waves of 40 pipelined ~1 KiB requests: turns of up to 320 KiB.
  const results = await within(wavesFromChild(started.port, 8, 6, 40), 60_000, 'answers')
  results.forEach((answers, c) => {
    t.deepEqual(answers, Array.from({ length: 240 }, (_, i) => `${c}-${i}|ok`), `client ${c}`)
  })
  t.true(parted > 0, 'some turns came in parts')
  t.log(`${parted} pulls left rows for a next part`)
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
