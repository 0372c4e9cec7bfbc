// fasthttp/fetch: runs Web-standard fetch handlers, `(request: Request) =>
// Response`, on fasthttp, so Hono, h3 or any other fetch-style application
// runs unchanged:
//
//   import { Hono } from 'hono'
//   import { serve } from 'fasthttp/fetch'
//
//   const app = new Hono().get('/', (c) => c.text('Hello, World!'))
//   serve({ fetch: app.fetch, port: 3000 })

import { newServer, type Handler, type HttpRequest, type ResponseInit as FasthttpResponse, type Server, type ServerConfig } from './index'

/** A Web-standard fetch handler, e.g. Hono's `app.fetch` or h3's `toWebHandler(app)`. */
export type FetchHandler = (request: Request) => Response | Promise<Response>

export interface ToHandlerOptions {
  /**
   * The authority (`host[:port]`) of request URLs when a request has no Host
   * header (HTTP/1.0). Default `'localhost'`; `serve` passes its own host and port.
   */
  defaultHost?: string | (() => string)
}

export interface ServeOptions extends Omit<ServerConfig, 'handler'> {
  /** The application: Hono's `app.fetch`, h3's `toWebHandler(app)`, … */
  fetch: FetchHandler
  /** Where to listen; the name `@hono/node-server` uses for `host` (which also works). */
  hostname?: string
}

export interface ServeInfo {
  address: string
  port: number
}

/**
 * Turns a fetch handler into a fasthttp handler.
 *
 * Bodies are buffered both ways. The request body is already whole when the
 * handler runs (the engine reads it before dispatch). The response body is read
 * to its end with `response.arrayBuffer()` before anything is sent, streamed
 * bodies (`ReadableStream`, Hono's `streamText`, server-sent events) included:
 * a stream that never ends never answers (until `handlerTimeoutInSeconds`).
 * True streaming needs engine support and is not done yet.
 *
 * Request: method, URL (`http://<Host>/<target>`, absolute-form targets kept; a
 * Host that is not a valid authority gets `400`), every header in order, and for
 * methods other than GET and HEAD the body bytes (copied: the Request keeps no
 * reference to the engine's buffers). The Request is a light object that makes
 * the headers, and a full `Request` (for `body`, `clone()`, `formData()`, …),
 * only when they are used; `text()`, `json()`, `arrayBuffer()` and `bytes()`
 * read the copied bytes directly. `signal` exists but never aborts: the engine
 * does not report client disconnects yet. Being no native Request, it cannot
 * be the *input* of `new Request(request, init)` or `fetch(request)` (the
 * runtime reads its internal slots and throws; Hono's `bodyLimit` does this
 * for bodies without Content-Length): pass `request.clone()` there, or use it
 * as the init, `new Request(url, request)`.
 *
 * Response: status, every header (several Set-Cookie included) except the ones
 * the engine writes itself: Content-Length (recomputed from the body; kept on
 * HEAD), Date, and the hop-by-hop headers (Connection, Keep-Alive,
 * Transfer-Encoding, …). `Connection: close` closes the connection after the
 * response. A handler that throws, rejects or returns something other than a
 * Response makes a 500 and reaches `onError`.
 */
export function toHandler(fetchHandler: FetchHandler, options: ToHandlerOptions = {}): Handler {
  if (typeof fetchHandler !== 'function') {
    throw new TypeError(`fasthttp/fetch: the fetch handler must be a function, got ${typeof fetchHandler}`)
  }
  const { defaultHost = 'localhost' } = options
  const fallbackHost = typeof defaultHost === 'function' ? defaultHost : () => defaultHost
  return (req) => {
    const request = FetchRequest.from(req, fallbackHost)
    if (request === undefined) return BAD_REQUEST
    return respond(fetchHandler(request as unknown as Request), req.methodName === 'HEAD')
  }
}

/**
 * Starts a fasthttp server for a fetch handler (like `@hono/node-server`'s
 * `serve`) and returns it; `listening` is called once it accepts connections.
 * A server that cannot listen (port in use, …) fails the process with an
 * unhandled rejection, as `node:http` does with its 'error' event; to handle
 * that, use `newServer({ handler: toHandler(fetch) })` and `await run()`.
 */
export function serve(options: ServeOptions, listening?: (info: ServeInfo) => void): Server {
  const { fetch, hostname, ...config } = options
  const host = hostname ?? config.host ?? ''
  const urlHost = host === '' || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  const server: Server = newServer({
    ...config,
    host,
    handler: toHandler(fetch, { defaultHost: () => `${urlHost}:${server.port}` }),
  })
  const stopped = server.run()
  if (server.running) {
    stopped.catch(() => {}) // later failures (an I/O thread dying) are reported through onError
    const address = host || (config.family === 'ip' ? '0.0.0.0' : '::')
    if (listening) queueMicrotask(() => listening({ address, port: server.port }))
  }
  return server
}

// ---------------------------------------------------------------------------
// Request

const BAD_REQUEST: FasthttpResponse = { status: 400, body: 'Bad Request\n', shouldClose: true }
const HOST_HEADER = /^host:[ \t]*([^\r\n]*?)[ \t]*$/im
const HEADER_LINE = /^([^:\r\n]+):[ \t]*([^\r\n]*?)[ \t]*$/gm
/** Origin-form targets that `new URL` would leave exactly as they are. */
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@/?%]*$/
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i
const ABSOLUTE_TARGET = /^https?:\/\//i
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
const utf8 = new TextDecoder()

/** `http://host[:port]` for each Host value seen (a few in practice), or null when invalid. */
const origins = new Map<string, string | null>()

function originOf(host: string): string | null {
  let origin = origins.get(host)
  if (origin === undefined) {
    origin = null
    // These would end the authority and move part of the Host into the path.
    if (!/[/?#@\\\s]/.test(host)) {
      try {
        origin = new URL(`http://${host}`).origin
      } catch {
        // not a valid authority
      }
    }
    if (origins.size >= 256) origins.clear()
    origins.set(host, origin)
  }
  return origin
}

/** The request URL as `new Request(url).url` would give it, or null when it cannot be built. */
function urlOf(target: string, host: string): string | null {
  if (ABSOLUTE_TARGET.test(target)) {
    try {
      return new URL(target).href
    } catch {
      return null
    }
  }
  if (target[0] !== '/') return null // asterisk- and authority-form have no fetch URL
  const origin = originOf(host)
  if (origin === null) return null
  if (PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target)) return origin + target
  try {
    return new URL(origin + target).href
  } catch {
    return null
  }
}

function parseHeaders(text: string): Headers {
  const headers = new Headers()
  for (const [, name, value] of text.matchAll(HEADER_LINE)) headers.append(name, value)
  return headers
}

/**
 * A `Request` (it passes `instanceof Request`) that holds only strings and the
 * copied body, and makes anything costlier on first use.
 */
class FetchRequest {
  #method: string
  #url: string
  #headerText: string
  #body: Uint8Array<ArrayBuffer> | null
  #headers: Headers | undefined
  #request: Request | undefined
  #controller: AbortController | undefined
  #used = false

  private constructor(method: string, url: string, headerText: string, body: Uint8Array<ArrayBuffer> | null) {
    this.#method = method
    this.#url = url
    this.#headerText = headerText
    this.#body = body
  }

  /** The Request for `req`, or undefined when its URL cannot be built (a 400). */
  static from(req: HttpRequest, fallbackHost: () => string): FetchRequest | undefined {
    const raw = req.methodName
    const upper = NORMALIZED_METHODS.has(raw) ? raw : raw.toUpperCase()
    const method = NORMALIZED_METHODS.has(upper) ? upper : raw
    const fields = req.headerFields
    const headerText = req.buffer.toString('latin1', fields.start, fields.start + fields.len)
    const url = urlOf(req.url, HOST_HEADER.exec(headerText)?.[1] || fallbackHost())
    if (url === null) return undefined
    const body = method === 'GET' || method === 'HEAD' ? null : new Uint8Array(req.bodyBytes())
    return new FetchRequest(method, url, headerText, body)
  }

  get method(): string {
    return this.#method
  }
  get url(): string {
    return this.#url
  }
  get headers(): Headers {
    return (this.#headers ??= parseHeaders(this.#headerText))
  }
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal
  }
  get bodyUsed(): boolean {
    return this.#used || (this.#request?.bodyUsed ?? false)
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    // #body is this request's own copy, read at most once: no second copy.
    return this.#read('arrayBuffer', (body) => body.buffer)
  }
  bytes(): Promise<Uint8Array> {
    return this.#read('bytes', (body) => body)
  }
  text(): Promise<string> {
    return this.#read('text', (body) => utf8.decode(body))
  }
  json(): Promise<unknown> {
    return this.#read('json', (body) => JSON.parse(utf8.decode(body)))
  }
  clone(): Request {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read')
    return this.#full().clone()
  }

  #read<T>(name: 'arrayBuffer' | 'bytes' | 'text' | 'json', read: (body: Uint8Array<ArrayBuffer>) => T): Promise<T> {
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'))
    if (this.#request !== undefined) return (this.#request as any)[name]()
    this.#used = true
    const body = this.#body ?? new Uint8Array(0)
    this.#body = null
    try {
      return Promise.resolve(read(body))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The full Request, made on first use of a member not defined above. */
  #full(): Request {
    return (this.#request ??= new Request(this.#url, {
      method: this.#method,
      headers: this.headers,
      body: this.#body,
      signal: this.signal,
    }))
  }

  static full(request: FetchRequest): Request {
    return request.#full()
  }

  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return { method: this.#method, url: this.#url, headers: Object.fromEntries(this.headers) }
  }
}

// Every other Request member (body, formData(), blob(), cache, mode, …) comes
// from the full Request; Request.prototype's own accessors would throw here.
for (const name of Object.getOwnPropertyNames(Request.prototype)) {
  if (name === 'constructor' || Object.hasOwn(FetchRequest.prototype, name)) continue
  const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, name)!
  Object.defineProperty(
    FetchRequest.prototype,
    name,
    typeof descriptor.value === 'function'
      ? { configurable: true, writable: true, value: function (this: FetchRequest, ...args: unknown[]) { return (FetchRequest.full(this) as any)[name](...args) } }
      : { configurable: true, get(this: FetchRequest) { return (FetchRequest.full(this) as any)[name] } },
  )
}
Object.setPrototypeOf(FetchRequest.prototype, Request.prototype)

// ---------------------------------------------------------------------------
// Response

/** Headers the engine writes itself, or that only concern this one connection. */
const DROPPED = new Set(['content-length', 'date', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

async function respond(result: Response | Promise<Response>, head: boolean): Promise<FasthttpResponse> {
  const response = await result
  if (!(response instanceof Response)) {
    throw new TypeError(`fasthttp/fetch: the fetch handler returned ${response === null ? 'null' : typeof response}; expected a Response`)
  }
  const headers: Array<[string, string]> = []
  let length: string | null = null
  let shouldClose = false
  for (const [name, value] of response.headers) {
    if (!DROPPED.has(name)) {
      if (name !== 'set-cookie') headers.push([name, value])
    } else if (name === 'content-length') {
      length = value
    } else if (name === 'connection') {
      shouldClose = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i.test(value)
    }
  }
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie])
  if (head && length !== null) {
    // No body goes out for HEAD: keep the length the application declared.
    headers.push(['content-length', length])
    response.body?.cancel().catch(() => {})
    return { status: response.status, headers, shouldClose }
  }
  // On HEAD without a declared length, the body is read for its length only.
  const body = new Uint8Array(await response.arrayBuffer())
  return { status: response.status, headers, body, shouldClose }
}
