// The binding's surface, driven directly: malformed input from JavaScript
// must never crash the process or the server.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { FIELD_CONN, FIELD_GENERATION, FIELD_SEQ, KIND_BODY, NativeServer, RECORD_HEADER_LEN, REQUEST_FIELDS } from '../binding.cjs'

const config = {
  host: '127.0.0.1', port: 0, family: 'ip', maxRequestBufferSize: 8192, maxBodySize: 1024,
  requestTimeoutMs: 5000, idleTimeoutMs: 5000, handlerTimeoutMs: 0, maxConnections: 100,
  reusePort: false, ioThreads: 1, prealloc: true, arenaTrace: false, inlineTurns: true,
}

test('garbage answer records from JS are ignored; the server keeps serving and stops cleanly', async (t) => {
  let stopped!: () => void
  const stoppedPromise = new Promise<void>((resolve) => (stopped = resolve))
  const native = new NativeServer(config)
  // Like index.ts: while respond() says JavaScript has the turns, pull them.
  // Slabs of a few sizes, so both answers of pull() occur: rows copied into
  // the slab (a count) or, when they do not fit, a batch of its own.
  let pulls = 0
  const pump = () => {
    const slabData = Buffer.alloc([0, 64, 4096][pulls % 3])
    const slabTable = new Uint32Array([0, REQUEST_FIELDS, REQUEST_FIELDS * 64][pulls % 3])
    pulls += 1
    const pulled = native.pull(slabData, 0, slabTable, 0)
    if (typeof pulled === 'number') onBatch(0, slabTable.subarray(0, pulled * REQUEST_FIELDS), slabData)
    else if (pulled) onBatch(0, pulled.table, pulled.data)
  }
  const onBatch = (thread: number, table: Uint32Array, data: Buffer) => {
    // Garbage first (random words, a truncated record, an unknown thread),
    // then a real answer to every request of the batch.
    native.respond(Buffer.from(Array.from({ length: 999 }, (_, i) => (i * 7919) & 0xff)), 77)
    native.respond(Buffer.alloc(3), -1)
    const records: Buffer[] = []
    for (let row = 0; row < table.length; row += REQUEST_FIELDS) {
      const body = Buffer.from('ok')
      const header = Buffer.alloc(RECORD_HEADER_LEN)
      header.writeUInt32LE(table[row + FIELD_CONN], 0)
      header.writeUInt32LE(table[row + FIELD_GENERATION], 4)
      header.writeUInt32LE(table[row + FIELD_SEQ], 8)
      header.writeUInt32LE(KIND_BODY, 12) // body-only
      header.writeUInt32LE(body.length, 16)
      records.push(header, body, Buffer.alloc(2)) // padded to 4 bytes
    }
    if (native.respond(Buffer.concat(records), thread)) setImmediate(pump)
  }
  const port = native.start((thread, isStop) => {
    if (isStop) return stopped()
    // A delivered batch is taken into a slab of ours, like a pulled one.
    const slabData = Buffer.alloc(4096)
    const slabTable = new Uint32Array(REQUEST_FIELDS * 64)
    const taken = native.take(thread, slabData, 0, slabTable, 0)
    if (typeof taken === 'number') onBatch(thread, slabTable.subarray(0, taken * REQUEST_FIELDS), slabData)
    else if (taken) onBatch(thread, taken.table, taken.data)
  })
  t.true(port > 0)
  const res = await fetch(`http://127.0.0.1:${port}/`)
  t.is(res.status, 200)
  t.is(await res.text(), 'ok')
  native.shutdown(false)
  await stoppedPromise
  t.pass()
})

test('start() twice is refused with an error, not a crash', async (t) => {
  let stopped!: () => void
  const stoppedPromise = new Promise<void>((resolve) => (stopped = resolve))
  const native = new NativeServer(config)
  native.start((_thread, isStop) => {
    if (isStop) stopped()
  })
  t.throws(() => native.start(() => {}), { message: /already started/ })
  native.shutdown(true)
  await stoppedPromise
})

test('without a native binary, loading fasthttp names the missing platform package', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasthttp-no-binary-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  for (const file of ['index.js', 'binding.cjs']) fs.copyFileSync(path.join(__dirname, '..', file), path.join(dir, file))
  // index.js re-exports the compiled modules under src/.
  const filter = (file: string): boolean => fs.statSync(file).isDirectory() || file.endsWith('.js')
  fs.cpSync(path.join(__dirname, '..', 'src'), path.join(dir, 'src'), { recursive: true, filter })
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"probe"}')
  const run = spawnSync(process.execPath, ['-e', "require('./index.js')"], { cwd: dir, encoding: 'utf8', timeout: 20_000 })
  t.not(run.status, 0)
  t.regex(run.stderr, new RegExp(`no native binary for ${process.platform}-${process.arch}: the package fasthttp-${process.platform}-${process.arch}[a-z0-9-]* is missing`))
})
