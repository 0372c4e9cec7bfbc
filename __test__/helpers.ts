// Shared test helpers: start a server on a free port, talk raw TCP to it.
import net from 'node:net'
import { newServer, type Server, type ServerConfig } from '../index'

export async function startServer(config: Omit<ServerConfig, 'port'> & { port?: number }): Promise<{ server: Server; port: number; stopped: Promise<void> }> {
  const server = newServer({ port: 0, host: '127.0.0.1', ...config })
  const stopped = server.run()
  await server.handle().waitTillRunning()
  return { server, port: server.port, stopped }
}

/** Sends `chunks` (written one by one) and collects everything until the server closes or `idleMs` passes without data. */
export function rawExchange(port: number, chunks: Array<string | Buffer>, { idleMs = 300, gapMs = 0 } = {}): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let data = ''
    let timer: NodeJS.Timeout | undefined
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ data, closed })
    }
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => finish(false), idleMs)
    }
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      data += chunk
      arm()
    })
    socket.on('end', () => finish(true))
    socket.on('error', reject)
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk)
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs))
      }
      arm()
    })
  })
}

/** Splits a stream of HTTP/1.1 responses that all carry Content-Length. */
export function splitResponses(data: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const responses = []
  let rest = data
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n')
    if (headEnd === -1) throw new Error(`incomplete response: ${JSON.stringify(rest)}`)
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    const body = rest.slice(headEnd + 4, headEnd + 4 + length)
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body })
    rest = rest.slice(headEnd + 4 + length)
  }
  return responses
}
