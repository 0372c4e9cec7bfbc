// Talking HTTP over raw TCP: send bytes, read responses back with the one
// response parser of the tests (\`parseHead\`, framed by \`parseOne\` and
// \`splitResponses\`).
import { once } from 'node:events'
import net from 'node:net'
import { sleep, within } from './wait'

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

export interface RawResponse {
  /** The whole response as received (latin1). */
  raw: string
  statusLine: string
  status: number
  /** Header lines in order, names as sent. */
  headerList: Array<[string, string]>
  /** Lower-cased names; the last value wins. */
  headers: Record<string, string | undefined>
  body: string
}

/** One keep-alive client connection that reads responses one at a time. */
export class RawClient {
  /** Bytes received and not yet consumed (latin1). */
  pending = ''
  /** The server ended or closed the connection. */
  ended = false
  error: Error | undefined
  private wake: Array<() => void> = []

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      this.pending += chunk
      this.notify()
    })
    socket.on('end', () => {
      this.ended = true
      this.notify()
    })
    socket.on('close', () => {
      this.ended = true
      this.notify()
    })
    socket.on('error', (error) => {
      this.error = error
      this.ended = true
      this.notify()
    })
  }

  static async connect(port: number, { noDelay = false } = {}): Promise<RawClient> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay })
    await within(once(socket, 'connect'), 3000, `connect to ${port}`)
    return new RawClient(socket)
  }

  private notify(): void {
    const wake = this.wake
    this.wake = []
    for (const w of wake) w()
  }

  /** Waits for more data or the end, at most `ms`; false on timeout. */
  private waitForChange(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      this.wake.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())))
  }

  /** Writes `data` one byte per write, `gapMs` apart. */
  async writeBytewise(data: string | Buffer, gapMs = 1): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data
    for (let i = 0; i < bytes.length; i++) {
      await this.write(bytes.subarray(i, i + 1))
      if (gapMs) await sleep(gapMs)
    }
  }

  /**
   * Reads exactly one response off the connection. `head`: the request was HEAD
   * (no body whatever the headers say). Throws if it does not arrive whole in time.
   */
  async readResponse({ head = false, timeoutMs = 3000 } = {}): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const parsed = parseOne(this.pending, head, this.ended)
      if (parsed) {
        this.pending = this.pending.slice(parsed.raw.length)
        return parsed
      }
      if (this.ended) throw new Error(`connection ended before a whole response; got ${JSON.stringify(this.pending)}`)
      const left = deadline - Date.now()
      if (left <= 0 || !(await this.waitForChange(left))) {
        throw new Error(`no whole response within ${timeoutMs} ms; got ${JSON.stringify(this.pending)}`)
      }
    }
  }

  /** Resolves true once the server has ended the connection, false if it is still open after `ms`. */
  async waitForEnd(ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms
    while (!this.ended) {
      const left = deadline - Date.now()
      if (left <= 0 || !(await this.waitForChange(left))) return this.ended
    }
    return true
  }

  /** Waits `ms` and returns whatever arrived meanwhile (consuming it). */
  async drainFor(ms: number): Promise<string> {
    await sleep(ms)
    const data = this.pending
    this.pending = ''
    return data
  }

  close(): void {
    this.socket.destroy()
  }
}

/** A response head at the start of `data` (status line and header fields), or undefined until it is whole. */
export function parseHead(data: string): Omit<RawResponse, 'raw' | 'body'> & { bodyStart: number } | undefined {
  const headEnd = data.indexOf('\r\n\r\n')
  if (headEnd === -1) return undefined
  const [statusLine, ...lines] = data.slice(0, headEnd).split('\r\n')
  const headerList: Array<[string, string]> = []
  const headers: Record<string, string | undefined> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon)
    const value = line.slice(colon + 1).trim()
    headerList.push([name, value])
    headers[name.toLowerCase()] = value
  }
  return { statusLine, status: Number(statusLine.split(' ')[1]), headerList, headers, bodyStart: headEnd + 4 }
}

/**
 * Parses one response at the start of `data`, or undefined if it is not
 * complete yet. `head`: the request was HEAD; `ended`: the connection has
 * closed, so a body without a length runs to the end.
 */
export function parseOne(data: string, head = false, ended = false): RawResponse | undefined {
  const parsed = parseHead(data)
  if (parsed === undefined) return undefined
  const { bodyStart, ...response } = parsed
  const status = response.status
  let bodyLength: number
  if (head || (status >= 100 && status < 200) || status === 204 || status === 304) bodyLength = 0
  else if (response.headers['content-length'] !== undefined) bodyLength = Number(response.headers['content-length'])
  else if (ended) bodyLength = data.length - bodyStart
  else return undefined
  if (data.length < bodyStart + bodyLength) return undefined
  return { ...response, raw: data.slice(0, bodyStart + bodyLength), body: data.slice(bodyStart, bodyStart + bodyLength) }
}

/**
 * Splits a stream of HTTP/1.1 responses that all carry Content-Length (one
 * without counts as empty; a body cut short is what arrived of it).
 */
export function splitResponses(data: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const responses = []
  let rest = data
  while (rest.length > 0) {
    const parsed = parseHead(rest)
    if (parsed === undefined) throw new Error(`incomplete response: ${JSON.stringify(rest)}`)
    const { status, headers, bodyStart } = parsed
    const length = Number(headers['content-length'] ?? 0)
    responses.push({ status, headers: headers as Record<string, string>, body: rest.slice(bodyStart, bodyStart + length) })
    rest = rest.slice(bodyStart + length)
  }
  return responses
}

/** Decodes a chunked body; throws on bad framing. */
export function dechunk(body: string): string {
  let out = ''
  let rest = body
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    const size = parseInt(rest.slice(0, lineEnd), 16)
    if (Number.isNaN(size)) throw new Error(`bad chunk size in ${JSON.stringify(rest.slice(0, 20))}`)
    if (size === 0) return out
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 4 + size)
  }
}

/** Opens a connection and expects it to be refused; resolves the error code. */
export function connectError(port: number, ms = 2000): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('connect', () => {
        socket.destroy()
        resolve('CONNECTED')
      })
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)))
    }),
    ms,
    'connect attempt',
  )
}
