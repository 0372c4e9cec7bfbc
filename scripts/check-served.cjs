// Used by scripts/test-targets.sh: starts a server program (possibly under
// qemu or another runtime), checks what it answers, stops it, and checks which
// native binary and which libc the process had mapped.
//
//   node scripts/check-served.cjs <hello|bodies> <expected .node path> <glibc|musl> -- <command> [args...]
//
// The command gets PORT=<a free port> (the seed examples listen on it) and
// must print `PORT <n>` or accept connections on that port within 60 s (the
// emulated startup is slow). It is stopped with a line on stdin (the runtime
// fixture shuts down gracefully on one) when it printed `PORT`, otherwise (the
// seed examples run until killed) with SIGTERM. Prints one line and
// exits 0 when every check passed.
'use strict'
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')

const [kind, expectedBinary, libc, dashes, command, ...args] = process.argv.slice(2)
if (!['hello', 'bodies'].includes(kind) || dashes !== '--' || !command) {
  console.error('usage: check-served.cjs <hello|bodies> <expected .node> <glibc|musl> -- <command> [args...]')
  process.exit(2)
}

const CHECKS = {
  hello: [
    ['GET', '/', 200, 'Hello, World!\n', 'text/plain'],
    ['GET', '/nope', 404, '/nope not found\n', 'text/plain'],
  ],
  bodies: [
    ['GET', '/', 200, 'Home page', 'text/plain; charset=utf-8'],
    ['GET', '/json', 200, '{"message": "success"}', 'application/json'],
    ['GET', '/html', 200, '</html>', 'text/html; charset=utf-8'],
    ['POST', '/api/data', 200, 'Data received', 'text/plain; charset=utf-8'],
    ['GET', '/missing', 200, '404 Not Found', 'text/plain; charset=utf-8'],
  ],
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function connects(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

async function main() {
  const port = await freePort()
  const child = spawn(command, args, { env: { ...process.env, PORT: String(port) }, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
  let exit = null
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exit = { code, signal }))))
  const fail = (why) => {
    if (exit === null) child.kill('SIGKILL')
    console.error(`FAIL: ${why}\n--- stdout\n${out}\n--- stderr\n${err}`)
    process.exit(1)
  }
  child.on('error', (e) => fail(`cannot start ${command}: ${e.message}`))

  // Listening: a `PORT <n>` line (the runtime fixture picks its own port) or the given port.
  let target = null
  const deadline = Date.now() + 60_000
  while (target === null) {
    if (exit !== null) fail(`exited (${exit.code ?? exit.signal}) before listening`)
    if (Date.now() > deadline) fail('not listening within 60 s')
    const m = /PORT (\d+)/.exec(out)
    if (m) target = Number(m[1])
    else if (await connects(port)) target = port
    else await sleep(200)
  }

  // What the process has mapped (under qemu-user the host sees the emulator
  // process, whose mappings include the guest's files).
  let maps = ''
  try {
    maps = fs.readFileSync(`/proc/${child.pid}/maps`, 'utf8')
  } catch {}
  const mapped = [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter(Boolean))]
  const nodeFiles = mapped.filter((f) => f.endsWith('.node'))
  if (!nodeFiles.includes(fs.realpathSync(expectedBinary))) fail(`expected ${expectedBinary} mapped, found ${JSON.stringify(nodeFiles)}`)
  const glibcMapped = mapped.filter((f) => /\/libc\.so\.6$|\/ld-linux[^/]*\.so/.test(f))
  const muslMapped = mapped.filter((f) => /ld-musl|musl/.test(f))
  if (libc === 'musl' && (glibcMapped.length > 0 || muslMapped.length === 0)) fail(`not a musl process: glibc ${JSON.stringify(glibcMapped)}, musl ${JSON.stringify(muslMapped)}`)
  if (libc === 'glibc' && glibcMapped.length === 0) fail('no glibc mapped')

  for (const [method, path, status, body, type] of CHECKS[kind]) {
    const res = await fetch(`http://127.0.0.1:${target}${path}`, { method })
    const text = await res.text()
    if (res.status !== status || text !== body || res.headers.get('content-type') !== type) {
      fail(`${method} ${path}: got ${res.status} ${JSON.stringify(text)} (${res.headers.get('content-type')}), want ${status} ${JSON.stringify(body)} (${type})`)
    }
  }

  // The runtime fixture (it printed PORT) stops on a line on stdin; the seed
  // examples run until killed.
  let stop = null
  if (/PORT \d+/.test(out)) {
    child.stdin.end('stop\n')
    stop = await Promise.race([exited, sleep(15_000).then(() => null)])
  }
  let how
  if (stop) how = `exited ${stop.code ?? stop.signal} after a line on stdin`
  else {
    child.kill('SIGTERM')
    const after = await Promise.race([exited, sleep(10_000).then(() => null)])
    if (!after) fail('still running 10 s after SIGTERM')
    how = 'stopped by SIGTERM'
  }
  const runtime = (/RUNTIME (.*)/.exec(out) || [])[1]
  console.log(`${kind}: ${CHECKS[kind].length} requests answered right${runtime ? ` by ${runtime}` : ''}, ${libc} process, loaded ${nodeFiles[0]}; ${how}`)
  process.exit(0) // not waiting for the race timers
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
