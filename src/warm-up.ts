// `server.warmUp()`: real requests through the whole stack before real
// traffic comes. A fresh server's first second has a tail several times
// its steady one: V8 compiles the hot JavaScript (the dispatcher, the
// answer writer, the handler) with its optimising compiler while the first
// requests wait, on worker threads that share the server's CPU. A server
// that calls this before it announces itself (to a load balancer, a health
// check) lets that happen first. Requests go to a path the caller chooses,
// through its own handler: nothing is routed around it.

import type { Agent, IncomingMessage } from 'node:http'

export interface WarmUpOptions {
  /** The path to GET (answered by your handler: pick one that is cheap and safe to repeat). Default `'/'`. */
  path?: string
  /** How many requests in all. Default 10000. */
  requests?: number
  /** How many keep-alive connections send them at once. Default 8. */
  connections?: number
  /** Milliseconds before the whole warm-up gives up. Default 30000. */
  timeoutMs?: number
}

export interface WarmUpResult {
  /** Requests answered. */
  requests: number
  /** How many answers had each status. */
  statuses: Record<number, number>
  /** How long it took, in milliseconds. */
  ms: number
}

/** The address to reach a server listening on `host` from this process. */
export function loopbackFor(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1'
  if (host === '::' || host === '[::]') return '::1'
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/** Sends the warm-up requests to `host:port` (see `Server.warmUp`). */
export async function warmUp(host: string, port: number, options: WarmUpOptions = {}): Promise<WarmUpResult> {
  const { path = '/', requests = 10_000, connections = 8, timeoutMs = 30_000 } = options
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`fasthttp: warmUp path must be a string starting with '/', got ${String(path)}`)
  for (const [name, value] of [['requests', requests], ['connections', connections], ['timeoutMs', timeoutMs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`fasthttp: warmUp ${name} must be a positive integer, got ${String(value)}`)
  }
  const http = await import('node:http')
  const agent: Agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const address = loopbackFor(host)
  const statuses: Record<number, number> = {}
  const started = performance.now()
  const deadline = started + timeoutMs
  let sent = 0
  let answered = 0
  const getOne = () =>
    new Promise<number>((resolve, reject) => {
      const request = http.get({ host: address, port, path, agent, headers: { 'user-agent': 'fasthttp-warmup' } }, (response: IncomingMessage) => {
        response.on('error', reject)
        response.on('end', () => resolve(response.statusCode ?? 0))
        response.resume()
      })
      request.on('error', reject)
      request.setTimeout(Math.max(1, deadline - performance.now()), () => request.destroy(new Error(`fasthttp: warmUp timed out after ${timeoutMs} ms`)))
    })
  const sender = async () => {
    while (sent < requests) {
      sent++
      const status = await getOne()
      statuses[status] = (statuses[status] ?? 0) + 1
      answered++
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(connections, requests) }, sender))
  } finally {
    agent.destroy()
  }
  return { requests: answered, statuses, ms: performance.now() - started }
}
