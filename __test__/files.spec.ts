// File responses (`{ filePath }`): the engine sends the body from the file
// (sendfile on Linux) after the head.
import test from 'ava'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { jsonFromChild, openFdCount, rawExchange, rssGrowthWhile, splitResponses, startServer, unixTest } from './helpers'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasthttp-files-'))
const big = path.join(dir, 'big.bin')
const small = path.join(dir, 'hello.txt')
const empty = path.join(dir, 'empty.json')
const BIG_SIZE = 100 * 1024 * 1024
/** The big file's SHA-256, taken as it is written. */
let bigSha = ''

test.before(() => {
  const block = crypto.randomBytes(1024 * 1024)
  const hash = crypto.createHash('sha256')
  const fd = fs.openSync(big, 'w')
  for (let i = 0; i < BIG_SIZE / block.length; i++) {
    fs.writeSync(fd, block)
    hash.update(block)
  }
  fs.closeSync(fd)
  bigSha = hash.digest('hex')
  fs.writeFileSync(small, 'Hello from a file\n')
  fs.writeFileSync(empty, '')
})
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }))

function fileServer(extra: Record<string, unknown> = {}) {
  return startServer({
    ...extra,
    handler: (req) => {
      const url = req.url
      if (url === '/big') return { filePath: big }
      if (url === '/hello') return { filePath: small }
      if (url === '/empty') return { filePath: empty }
      if (url === '/range') return { filePath: small, offset: 6, length: 4, headers: { 'X-Range': 'yes' } }
      if (url === '/bad-range') return { filePath: small, offset: 10, length: 100 }
      if (url === '/missing') return { filePath: path.join(dir, 'nope') }
      if (url === '/dir') return { filePath: dir }
      if (url === '/gone') return { filePath: path.join(dir, 'nope'), onFileError: () => ({ status: 410, body: 'gone' }) }
      return `plain ${url}`
    },
  })
}

/** Downloads `url` in a child process (so its buffers do not count in this
 *  process's RSS) and reports the status, two headers, the size and the hash. */
function downloadInChild(url: string) {
  const script = `
    const hash = require('node:crypto').createHash('sha256')
    require('node:http').get(${JSON.stringify(url)}, (res) => {
      let received = 0
      res.on('data', (d) => { hash.update(d); received += d.length })
      res.on('end', () => console.log(JSON.stringify({
        status: res.statusCode, length: res.headers['content-length'], type: res.headers['content-type'],
        received, sha: hash.digest('hex'),
      })))
    }).on('error', (error) => { console.error(error); process.exit(1) })
  `
  return jsonFromChild<{ status: number; length: string; type: string; received: number; sha: string }>(
    ['-e', script],
    'download client',
  )
}

// Serial: the other tests in this file would otherwise count in the same RSS.
test.serial('a 100 MB file arrives byte-identical while the server RSS stays flat', async (t) => {
  const { server, port } = await fileServer()
  t.teardown(() => server.handle().shutdown())
  const { result: res, grewMiB } = await rssGrowthWhile(() => downloadInChild(`http://127.0.0.1:${port}/big`))
  t.is(res.status, 200)
  t.is(res.length, String(BIG_SIZE))
  t.is(res.type, 'application/octet-stream')
  t.is(res.received, BIG_SIZE)
  t.is(res.sha, bigSha)
  // The client is another process; the server sends from the file and never holds it.
  t.log(`server process RSS grew by ${grewMiB.toFixed(1)} MiB`)
  t.true(grewMiB < 32, `RSS grew by ${grewMiB.toFixed(1)} MiB`)
})

test('files, ranges, an empty file and a plain answer pipelined on one connection arrive in order', async (t) => {
  const { server, port } = await fileServer()
  t.teardown(() => server.handle().shutdown())
  const paths = ['/hello', '/range', '/empty', '/after']
  const { data } = await rawExchange(port, [paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')])
  const responses = splitResponses(data)
  t.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200])
  t.is(responses[0].body, 'Hello from a file\n')
  t.is(responses[0].headers['content-type'], 'text/plain; charset=utf-8')
  t.is(responses[1].body, 'from')
  t.is(responses[1].headers['x-range'], 'yes')
  t.is(responses[2].body, '')
  t.is(responses[2].headers['content-length'], '0')
  t.is(responses[2].headers['content-type'], 'application/json')
  t.is(responses[3].body, 'plain /after')
})

test('HEAD of a file gets the head only', async (t) => {
  const { server, port } = await fileServer()
  t.teardown(() => server.handle().shutdown())
  const { data } = await rawExchange(port, ['HEAD /big HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n'])
  const headEnd = data.indexOf('\r\n\r\n')
  t.true(data.startsWith('HTTP/1.1 200 OK\r\n'))
  t.true(data.slice(0, headEnd).includes(`Content-Length: ${BIG_SIZE}`))
  t.true(data.slice(headEnd + 4).startsWith('HTTP/1.1 200 OK\r\n'), 'the next response follows the HEAD head directly')
  t.true(data.endsWith('Hello from a file\n'))
})

test('missing files, directories and bad ranges get 404 / the user choice / 416, never a crash', async (t) => {
  const { server, port } = await fileServer()
  t.teardown(() => server.handle().shutdown())
  const get = async (p: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${p}`)
    return [res.status, await res.text()]
  }
  t.deepEqual(await get('/missing'), [404, 'Not Found\n'])
  t.deepEqual(await get('/dir'), [404, 'Not Found\n'])
  t.deepEqual(await get('/gone'), [410, 'gone'])
  t.is((await get('/bad-range'))[0], 416)
  t.deepEqual(await get('/hello'), [200, 'Hello from a file\n'])
})

unixTest('no descriptor leaks: many file answers, clients that vanish mid-file, zero-length files', async (t) => {
  const { server, port } = await fileServer()
  const before = openFdCount()
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/${i % 2 ? 'hello' : 'empty'}`, { headers: { connection: 'close' } })
    await res.arrayBuffer()
  }
  // Clients that ask for the big file and vanish after the first bytes.
  for (let i = 0; i < 10; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'))
      socket.once('data', () => {
        socket.destroy()
        resolve()
      })
      socket.on('error', () => resolve())
    })
  }
  await server.handle().shutdown()
  let after = openFdCount()
  for (let i = 0; i < 20 && after > before; i++) {
    await new Promise((r) => setTimeout(r, 100))
    after = openFdCount()
  }
  t.true(after <= before, `open descriptors ${before} → ${after}`)
})
