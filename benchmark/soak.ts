// Soak test: N requests over churned connections (open, request, close) with
// bounded concurrency against an in-process fasthttp server, printing open
// file descriptors and RSS every 10% so that a leak shows as a slope.
//
//   npx tsx benchmark/soak.ts --requests 200000 [--concurrency 50]
//
// The server runs in this process, so /proc/self/fd and RSS cover the server
// and the client sockets; every client socket is closed before its slot
// takes the next request. The client asks for `Connection: close` and waits
// for the server's FIN before closing, so TIME_WAIT lands on the server side
// rather than on the client's ephemeral ports.

import fs from 'node:fs'
import net from 'node:net'
import { newServer } from '../index'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i === -1) return fallback
  const value = Number(process.argv[i + 1])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer, got ${process.argv[i + 1]}`)
  return value
}

const REQUESTS = arg('requests', 200_000)
const CONCURRENCY = arg('concurrency', 50)
const MB = 1024 * 1024

function openFds(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length
  } catch {
    return undefined // not Linux
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** One churned request; resolves once the server has answered and closed, and we have closed. */
function churn(port: number, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true })
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`request ${i}: no answer and close within 10 s (got ${JSON.stringify(data.slice(0, 80))})`))
    }, 10_000)
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => (data += chunk))
    socket.on('error', (error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    })
    socket.on('end', () => {
      clearTimeout(timer)
      socket.destroy()
      if (!data.startsWith('HTTP/1.1 200 ') || !data.endsWith(`soak ${i}`)) reject(new Error(`request ${i}: bad answer ${JSON.stringify(data.slice(0, 120))}`))
      else resolve()
    })
    socket.on('connect', () => socket.write(`GET /soak/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`))
  })
}

async function main(): Promise<void> {
  const server = newServer({ port: 0, host: '127.0.0.1', handler: (req) => `soak ${req.url.slice(6)}` })
  const stopped = server.run()
  await server.handle().waitTillRunning()
  const port = server.port

  const fdStart = openFds()
  const rssStart = process.memoryUsage().rss
  const started = Date.now()
  console.log(`soak: ${REQUESTS} requests, concurrency ${CONCURRENCY}, churned connections, server on 127.0.0.1:${port}`)
  console.log(`start: open fds ${fdStart ?? 'n/a'}, RSS ${(rssStart / MB).toFixed(1)} MB`)
  console.log('')
  console.log('  done %  requests    open fds    RSS MB   elapsed s   req/s')
  const row = (done: number) => {
    const elapsed = (Date.now() - started) / 1000
    console.log(
      `  ${String(Math.round((done / REQUESTS) * 100)).padStart(6)}  ${String(done).padStart(8)}  ${String(openFds() ?? 'n/a').padStart(10)}  ${(process.memoryUsage().rss / MB).toFixed(1).padStart(8)}  ${elapsed.toFixed(1).padStart(10)}  ${String(Math.round(done / elapsed)).padStart(6)}`,
    )
  }

  let next = 0
  let done = 0
  let nextReport = 1
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++
      await churn(port, i)
      done++
      if (done >= Math.ceil((REQUESTS * nextReport) / 10)) {
        nextReport++
        row(done)
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))

  // Lingering closes on the server side finish within a couple of seconds.
  let fdEnd = openFds()
  for (let waited = 0; fdStart !== undefined && fdEnd !== undefined && fdEnd > fdStart && waited < 3000; waited += 100) {
    await sleep(100)
    fdEnd = openFds()
  }
  console.log('')
  console.log(`end: open fds ${fdEnd ?? 'n/a'} (start ${fdStart ?? 'n/a'}, difference ${fdStart !== undefined && fdEnd !== undefined ? fdEnd - fdStart : 'n/a'}), RSS ${(process.memoryUsage().rss / MB).toFixed(1)} MB (start ${(rssStart / MB).toFixed(1)} MB)`)

  await server.handle().shutdown({ timeoutMs: 5000 })
  await stopped
  if (fdStart !== undefined && fdEnd !== undefined && Math.abs(fdEnd - fdStart) > 5) {
    console.error(`soak: ${fdEnd - fdStart} file descriptors more than at the start`)
    process.exitCode = 1
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
