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
  /**
   * Replace the global `Response` with fasthttp's light one and the global
   * `Request` with a subclass that also accepts the adapter's requests as its
   * input (`new Request(request, init)`), the way `@hono/node-server` does.
   * Default `true`. It is process-wide and stays installed (`false` leaves the
   * globals as they are; it does not restore them). See `toHandler`.
   */
  overrideGlobalObjects?: boolean
}

export interface ServeOptions extends Omit<ServerConfig, 'handler'> {
  /** The application: Hono's `app.fetch`, h3's `toWebHandler(app)`, … */
  fetch: FetchHandler
  /** Where to listen; the name `@hono/node-server` uses for `host` (which also works). */
  hostname?: string
  /** As in `@hono/node-server`: install the light global `Response` (default `true`); see `ToHandlerOptions`. */
  overrideGlobalObjects?: boolean
}

export interface ServeInfo {
  address: string
  port: number
}

/**
 * Turns a fetch handler into a fasthttp handler.
 *
 * Request: method, URL (`http://<Host>/<target>`, absolute-form targets kept; a
 * Host that is not a valid authority gets `400`), every header in order, and
 * for methods other than GET and HEAD the body. Usually the engine has read
 * the body whole before dispatch and the Request gets its own copy (no
 * reference to the engine's buffers); a body longer than the server's
 * `streamBodiesOver` comes as it arrives (`request.body` is a stream the
 * client is paced by; `text()`, `json()`, … wait for its end). A streamed
 * body that cannot complete (the client left, past `maxBodySize`, a
 * malformed chunk) is answered with its status (413, 400) and a close,
 * whatever the application made of the error. The Request is a light object
 * that makes the headers, and a full `Request` (for `body`, `clone()`,
 * `formData()`, …), only when they are used; `text()`, `json()`,
 * `arrayBuffer()` and `bytes()` read the bytes directly. `signal` aborts when
 * the client goes away during a streamed response (the engine reports no
 * disconnect before the response starts). Being no native Request, it cannot
 * be the *input* of the native `new Request(request, init)` or of
 * `fetch(request)` (the runtime reads its internal slots and throws; Hono's
 * `bodyLimit` does the former for bodies without Content-Length): with
 * `overrideGlobalObjects` (the default) the global `Request` accepts it;
 * otherwise pass `request.clone()`, or use it as the init, `new Request(url, request)`.
 *
 * Response: status, every header (several Set-Cookie included) except the ones
 * the engine writes itself: Content-Length (recomputed from the body; kept on
 * HEAD and for streamed bodies), Date, and the hop-by-hop headers (Connection,
 * Keep-Alive, Transfer-Encoding, …). `Connection: close` closes the connection
 * after the response. A handler that throws, rejects or returns something
 * other than a Response makes a 500 and reaches `onError`.
 *
 * Response bodies: a body whose bytes are known (a string, `Uint8Array`,
 * `ArrayBuffer` or `null` given to the light `Response`) is answered at once —
 * synchronously when the handler returned the Response synchronously — with
 * a Content-Length and without any stream being made. Any other body is read
 * as a stream: what it produces before the event loop moves on (one
 * `setImmediate`) is gathered; if it has ended by then it is sent whole with
 * a Content-Length (a native `new Response('text')`, a small `fetch`
 * result). Otherwise the head and those pieces go out at once and the rest
 * as it is produced, with the engine's backpressure (chunked on HTTP/1.1;
 * as-is when the Response declares a Content-Length): Hono's `stream`,
 * `streamText` and `streamSSE`, `new Response(readableStream)`, a proxied
 * `fetch` body. A HEAD gets the head a GET would get. When the client goes
 * away the stream is cancelled at its next piece (Hono's `onAbort` callbacks
 * run) and the request's `signal` aborts; a stream that fails mid-way cuts
 * the connection and reaches `onError`.
 *
 * The light `Response` (the global one with `overrideGlobalObjects`; the
 * handler also answers native Responses) passes `instanceof Response`, as
 * native Responses still do. It keeps the status, the headers and a known
 * body as given and makes a native Response only for what needs one (`body`,
 * `blob()`, `formData()`, body types other than the known ones, invalid
 * arguments, which throw as natively); `headers`, `status`, `text()`,
 * `json()`, `arrayBuffer()`, `bytes()`, `clone()` and `Response.json()` work
 * without one. A `Uint8Array` body is not copied: it is sent as it is when
 * the response is answered. `new Response(response.body, response)` (Hono's
 * `c.header()` after `await next()`) keeps the known body, but asking for
 * `body` makes the native stream, the costly part; `c.res.headers.set()`
 * does not.
 */
export function toHandler(fetchHandler: FetchHandler, options: ToHandlerOptions = {}): Handler {
  if (typeof fetchHandler !== 'function') {
    throw new TypeError(`fasthttp/fetch: the fetch handler must be a function, got ${typeof fetchHandler}`)
  }
  const { defaultHost = 'localhost', overrideGlobalObjects = true } = options
  if (overrideGlobalObjects) installGlobals()
  const fallbackHost = typeof defaultHost === 'function' ? defaultHost : () => defaultHost
  return (req) => {
    const request = FetchRequest.from(req, fallbackHost)
    if (request === undefined) return BAD_REQUEST
    const result = fetchHandler(request as unknown as Request)
    const head = request.method === 'HEAD'
    // A Response returned synchronously with a known body is answered synchronously.
    if (typeof (result as Promise<Response> | undefined)?.then === 'function') {
      return (result as Promise<Response>).then((response) => answerOf(response, head, request))
    }
    return answerOf(result as Response, head, request)
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
  const { fetch, hostname, overrideGlobalObjects, ...config } = options
  const host = hostname ?? config.host ?? ''
  const urlHost = host === '' || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  const server: Server = newServer({
    ...config,
    host,
    handler: toHandler(fetch, { defaultHost: () => `${urlHost}:${server.port}`, overrideGlobalObjects }),
  })
  const stopped = server.run()
  if (server.running) {
    stopped.catch(() => {}) // later failures (an I/O thread dying) are reported through onError
    const address = host || (config.family === 'ip' ? '0.0.0.0' : '::')
    if (listening) queueMicrotask(() => listening({ address, port: server.port }))
  }
  return server
}

// The runtime's own classes, kept once per process (before any override, even
// if this module is loaded twice).
const natives: { Request: typeof Request; Response: typeof Response; Headers: typeof Headers } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('fasthttp.fetch.natives')
] ??= { Request: globalThis.Request, Response: globalThis.Response, Headers: globalThis.Headers }) as never
const NativeRequest = natives.Request
const NativeResponse = natives.Response
const NativeHeaders = natives.Headers

const noop = (): void => {}
const utf8 = new TextDecoder()
const utf8Encoder = new TextEncoder()

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

/** `http://host[:port]` for each Host value seen (a few in practice), or null when invalid. */
const origins = new Map<string, string | null>()

let lastHost = ''
let lastOrigin: string | null = null

function originOf(host: string): string | null {
  if (host === lastHost) return lastOrigin // one Host for every request, usually
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
  lastHost = host
  lastOrigin = origin
  return origin
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09

/** The Host header's value, or '' when there is none. */
function hostOf(headerText: string): string {
  // Clients send it first, usually: no search through the other headers.
  if (headerText.charCodeAt(4) === 0x3a /* : */ && (headerText.startsWith('Host') || headerText.startsWith('host'))) {
    let start = 5
    let end = headerText.indexOf('\r\n')
    if (end === -1) end = headerText.length
    while (start < end && isBlank(headerText.charCodeAt(start))) start++
    while (end > start && isBlank(headerText.charCodeAt(end - 1))) end--
    return headerText.slice(start, end)
  }
  return HOST_HEADER.exec(headerText)?.[1] ?? ''
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
  const headers = new NativeHeaders()
  for (const [, name, value] of text.matchAll(HEADER_LINE)) headers.append(name, value)
  return headers
}

/** A request body: its bytes, whole, or its pieces as they arrive. */
type RequestBodySource = Uint8Array<ArrayBuffer> | AsyncIterable<Uint8Array> | null

/**
 * The body a Request gets. Usually the engine has read it whole before
 * dispatch, and the Request keeps its own copy (the engine reuses its
 * buffers); a body longer than `streamBodiesOver` comes as the engine's
 * pieces, read as they arrive. GET and HEAD have none.
 */
function requestBody(req: HttpRequest, method: string): RequestBodySource {
  if (method === 'GET' || method === 'HEAD') return null
  return req.bodyStreamed ? req.bodyStream() : new Uint8Array(req.bodyBytes())
}

/** All the pieces of a streamed request body, in one array. */
async function gatherBody(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const list: Uint8Array[] = []
  let size = 0
  for await (const piece of pieces) {
    list.push(piece)
    size += piece.length
  }
  // A fresh array of its own, even for a single piece.
  return (list.length === 1 ? new Uint8Array(list[0]) : concat(list, size)) as Uint8Array<ArrayBuffer>
}

/** A streamed request body as a ReadableStream (for `request.body` and the full Request). */
function readableOf(pieces: AsyncIterable<Uint8Array>, failed: (error: unknown) => void): ReadableStream<Uint8Array> {
  const iterator = pieces[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await iterator.next()
          if (done) controller.close()
          else controller.enqueue(new Uint8Array(value)) // its own memory, not a pooled Buffer's
        } catch (error) {
          failed(error)
          controller.error(error)
        }
      },
      async cancel() {
        await iterator.return?.()
      },
    },
    { highWaterMark: 0 },
  )
}

const unusable = (): TypeError => new TypeError('Body is unusable: Body has already been read')

/**
 * A `Request` (it passes `instanceof Request`) that holds only strings and the
 * copied body, and makes anything costlier on first use.
 */
class FetchRequest {
  #method: string
  #url: string
  #headerText: string
  #body: RequestBodySource
  #hasBody: boolean
  /** Why a streamed body could not be read whole (the client left, too large, malformed). */
  #bodyError: unknown
  #headers: Headers | undefined
  #request: Request | undefined
  #controller: AbortController | undefined
  #aborted = false
  #used = false

  private constructor(method: string, url: string, headerText: string, body: RequestBodySource) {
    this.#method = method
    this.#url = url
    this.#headerText = headerText
    this.#body = body
    this.#hasBody = body !== null
  }

  /** The Request for `req`, or undefined when its URL cannot be built (a 400). */
  static from(req: HttpRequest, fallbackHost: () => string): FetchRequest | undefined {
    const raw = req.methodName
    const upper = NORMALIZED_METHODS.has(raw) ? raw : raw.toUpperCase()
    const method = NORMALIZED_METHODS.has(upper) ? upper : raw
    const fields = req.headerFields
    const headerText = req.buffer.toString('latin1', fields.start, fields.start + fields.len)
    const url = urlOf(req.url, hostOf(headerText) || fallbackHost())
    if (url === null) return undefined
    return new FetchRequest(method, url, headerText, requestBody(req, method))
  }

  /** Whether `value` is one of these (for the global Request that accepts them). */
  static is(value: unknown): value is FetchRequest {
    return typeof value === 'object' && value !== null && #method in value
  }

  /**
   * The error that stopped a streamed request body, if one did: the request
   * is answered with its status (413, 400, …) whatever the application made
   * of it (Hono turns errors into 500s).
   */
  static bodyError(request: FetchRequest): unknown {
    return request.#bodyError
  }

  /** The client went away during the streamed response: `signal` aborts. */
  static abort(request: FetchRequest): void {
    if (request.#aborted) return
    request.#aborted = true
    request.#controller?.abort(new DOMException('The client closed the connection', 'AbortError'))
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
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(new DOMException('The client closed the connection', 'AbortError'))
    }
    return this.#controller.signal
  }
  get bodyUsed(): boolean {
    return this.#used || (this.#request?.bodyUsed ?? false)
  }
  get body(): ReadableStream<Uint8Array> | null {
    // GET and HEAD have none: no full Request just to say so (Hono's bodyLimit asks).
    return this.#hasBody ? this.#full().body : null
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
    if (this.#used) throw unusable()
    return this.#full().clone()
  }

  #read<T>(name: 'arrayBuffer' | 'bytes' | 'text' | 'json', read: (body: Uint8Array<ArrayBuffer>) => T): Promise<T> {
    if (this.#used) return Promise.reject(unusable())
    if (this.#request !== undefined) return (this.#request as any)[name]()
    this.#used = true
    const body = this.#body ?? new Uint8Array(0)
    this.#body = null
    if (!(body instanceof Uint8Array)) {
      return gatherBody(body).then(read, (error: unknown) => {
        this.#bodyError = error
        throw error
      })
    }
    try {
      return Promise.resolve(read(body))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The full Request, made on first use of a member not defined above. */
  #full(): Request {
    if (this.#request === undefined) {
      const body = this.#body
      const streamed = body !== null && !(body instanceof Uint8Array)
      this.#request = new NativeRequest(this.#url, {
        method: this.#method,
        headers: this.headers,
        body: streamed ? readableOf(body, (error) => (this.#bodyError = error)) : body,
        signal: this.signal,
        ...(streamed && { duplex: 'half' }),
      } as RequestInit)
    }
    return this.#request
  }

  /** The full Request, for the members not defined here. */
  static full(request: FetchRequest): Request {
    return request.#full()
  }

  /** The full Request as the input of `new Request(request, init)`; `replacingBody`: init has a body. */
  static asInput(request: FetchRequest, replacingBody: boolean): Request {
    if (request.#used && !replacingBody) throw new TypeError('Cannot construct a Request with a Request object that has already been used.')
    return request.#full()
  }

  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return { method: this.#method, url: this.#url, headers: Object.fromEntries(this.headers) }
  }
}

// Every other Request member (formData(), blob(), cache, mode, …) comes from
// the full Request; Request.prototype's own accessors would throw here.
delegate(NativeRequest.prototype, FetchRequest.prototype, (request: FetchRequest) => FetchRequest.full(request))
Object.setPrototypeOf(FetchRequest.prototype, NativeRequest.prototype)

/** Defines on `target` every member of `source` it lacks, forwarded to `inner(this)`. */
function delegate<T>(source: object, target: object, inner: (self: T) => object): void {
  for (const name of Object.getOwnPropertyNames(source)) {
    if (name === 'constructor' || Object.hasOwn(target, name)) continue
    const descriptor = Object.getOwnPropertyDescriptor(source, name)!
    Object.defineProperty(
      target,
      name,
      typeof descriptor.value === 'function'
        ? { configurable: true, writable: true, value: function (this: T, ...args: unknown[]) { return (inner(this) as any)[name](...args) } }
        : { configurable: true, get(this: T) { return (inner(this) as any)[name] } },
    )
  }
}

// ---------------------------------------------------------------------------
// The light Response

type KnownBody = string | Uint8Array | null

const TEXT_TYPE = 'text/plain;charset=UTF-8'
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** What a header value may not contain (after trimming), and what a ByteString may not. */
const BAD_VALUE = /[\0\r\n]|[^\0-\xff]/
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/
/** A constructor argument meaning "the fields come from the second argument" (for clone). */
const FIELDS = Symbol('fields')

interface LightFields {
  source: KnownBody | undefined
  native: Response | undefined
  status: number
  statusText: string
  pairs: Array<[string, string]> | undefined
  given: Headers | undefined
  type: string | undefined
}

/**
 * Streams of native Responses made to hold a known body (a light Response's
 * `body` was asked for), with that body: `new Response(response.body,
 * response)` (Hono's `c.header()` after the response is made) keeps the known
 * bytes, and the answer skips reading the stream, as long as nobody read it.
 */
const heldBodies = new WeakMap<ReadableStream, { source: string | Uint8Array; holder: Response }>()

function heldSource(stream: unknown): string | Uint8Array | undefined {
  const held = heldBodies.get(stream as ReadableStream)
  if (held === undefined || (stream as ReadableStream).locked || held.holder.bodyUsed) return undefined
  return held.source
}

function isHttpWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** A header pair as `Headers` would store it, or undefined when `Headers` would refuse it. */
function headerPair(name: unknown, value: unknown): [string, string] | undefined {
  if (typeof name !== 'string' || !TOKEN.test(name)) return undefined
  let text = typeof value === 'string' ? value : String(value)
  if (text.length > 0 && (isHttpWhitespace(text.charCodeAt(0)) || isHttpWhitespace(text.charCodeAt(text.length - 1)))) {
    text = text.replace(EDGE_WHITESPACE, '')
  }
  if (BAD_VALUE.test(text)) return undefined
  return [name.toLowerCase(), text]
}

/** A plain headers init (record or pairs) as checked pairs; undefined for anything else. */
function headerPairs(init: unknown): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = []
  if (Array.isArray(init)) {
    for (const entry of init) {
      if (!Array.isArray(entry) || entry.length !== 2) return undefined
      const pair = headerPair(entry[0], entry[1])
      if (pair === undefined) return undefined
      pairs.push(pair)
    }
    return pairs
  }
  if (typeof init !== 'object' || init === null) return undefined
  const proto = Object.getPrototypeOf(init)
  if (proto !== Object.prototype && proto !== null) return undefined
  for (const name of Object.keys(init)) {
    const pair = headerPair(name, (init as Record<string, unknown>)[name])
    if (pair === undefined) return undefined
    pairs.push(pair)
  }
  return pairs
}

/**
 * A `Response` that keeps what it was given (status, headers, a known body)
 * and makes a native Response only when something needs one. Installed as
 * the global `Response` by `overrideGlobalObjects`.
 */
class LightResponse {
  /** The body while it is known; undefined once a native Response holds it. */
  #source: KnownBody | undefined
  /** Holds the body when it is not (or no longer) known. */
  #native: Response | undefined
  #used = false
  #status: number
  #statusText: string
  /** Headers as given (checked, lower-case names), until `headers` is asked for. */
  #pairs: Array<[string, string]> | undefined
  /** Headers given as a Headers object (copied), until `headers` is asked for. */
  #given: Headers | undefined
  #headers: Headers | undefined
  /** The Content-Type a native Response would add for this body. */
  #type: string | undefined

  static [Symbol.hasInstance](value: unknown): boolean {
    // Native Responses are Responses too; subclasses keep the ordinary check.
    return this === LightResponse ? value instanceof NativeResponse : Function.prototype[Symbol.hasInstance].call(this, value)
  }

  constructor(body?: unknown, init?: unknown) {
    if (body === FIELDS) {
      const fields = init as LightFields
      this.#source = fields.source
      this.#native = fields.native
      this.#status = fields.status
      this.#statusText = fields.statusText
      this.#pairs = fields.pairs
      this.#given = fields.given
      this.#type = fields.type
      return
    }
    let status = 200
    let statusText = ''
    let pairs: Array<[string, string]> | undefined
    let given: Headers | undefined
    let plain = true
    if (init !== undefined && init !== null) {
      if (typeof init !== 'object') {
        plain = false
      } else if (init instanceof NativeResponse) {
        // A Response as the init (Hono: `new Response(res.body, res)`).
        status = init.status
        statusText = init.statusText
        if (status < 200 || status > 599) plain = false // Response.error()'s 0: the native constructor throws
        else if (#status in init && init.#headers === undefined && init.#given === undefined) {
          pairs = init.#pairs?.slice()
          if (init.#type !== undefined && !pairs?.some(([name]) => name === 'content-type')) (pairs ??= []).push(['content-type', init.#type])
        } else {
          given = new NativeHeaders(init.headers)
        }
      } else {
        const { status: s, statusText: st, headers: h } = init as ResponseInit
        if (s !== undefined) {
          if (typeof s === 'number' && Number.isInteger(s) && s >= 200 && s <= 599) status = s
          else plain = false
        }
        if (st !== undefined) {
          if (typeof st === 'string' && REASON_PHRASE.test(st)) statusText = st
          else plain = false
        }
        if (h !== undefined) {
          if (h instanceof NativeHeaders) given = new NativeHeaders(h)
          else if ((pairs = headerPairs(h)) === undefined) plain = false
        }
      }
    }
    let source: KnownBody | undefined
    let type: string | undefined
    if (body === undefined || body === null) source = null
    else if (typeof body === 'string') {
      source = body
      type = TEXT_TYPE
    } else if (body instanceof Uint8Array) source = body
    else if (body instanceof ArrayBuffer) source = new Uint8Array(body)
    else source = heldSource(body)
    // A null-body status with a body: the native constructor throws.
    if (source != null && (status === 204 || status === 205 || status === 304)) plain = false
    if (plain && source !== undefined) {
      if (body !== source && typeof body === 'object') heldBodies.delete(body as ReadableStream) // taken over
      this.#source = source
      this.#status = status
      this.#statusText = statusText
      this.#pairs = pairs
      this.#given = given
      this.#type = type
      return
    }
    // Anything else is a native Response inside (which also throws what it should).
    const native = new NativeResponse(body as BodyInit, init as ResponseInit)
    this.#native = native
    this.#status = native.status
    this.#statusText = native.statusText
    this.#headers = native.headers
  }

  static json(data: unknown, init?: ResponseInit): Response {
    const body = JSON.stringify(data)
    if (body === undefined) throw new TypeError('Value is not JSON serializable')
    const response = new LightResponse(body, init)
    if (response.#native !== undefined) return NativeResponse.json(data, init) // an unusual init: all native
    response.#type = 'application/json'
    return response as unknown as Response
  }

  get status(): number {
    return this.#status
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299
  }
  get statusText(): string {
    return this.#statusText
  }
  get type(): ResponseType {
    return this.#native?.type ?? 'default'
  }
  get url(): string {
    return this.#native?.url ?? ''
  }
  get redirected(): boolean {
    return this.#native?.redirected ?? false
  }
  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = this.#given ?? new NativeHeaders(this.#pairs)
      if (this.#type !== undefined && !headers.has('content-type')) headers.set('content-type', this.#type)
      this.#headers = headers
      this.#pairs = undefined
      this.#given = undefined
    }
    return this.#headers
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#native === undefined && this.#source === null) return null
    return LightResponse.#hold(this).body
  }
  get bodyUsed(): boolean {
    return this.#native !== undefined ? this.#native.bodyUsed : this.#used
  }

  text(): Promise<string> {
    return this.#read('text', (body) => (typeof body === 'string' ? body : utf8.decode(body)))
  }
  json(): Promise<unknown> {
    return this.#read('json', (body) => JSON.parse(typeof body === 'string' ? body : utf8.decode(body)))
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read('arrayBuffer', (body) => (typeof body === 'string' ? utf8Encoder.encode(body) : body.slice()).buffer as ArrayBuffer)
  }
  bytes(): Promise<Uint8Array> {
    return this.#read('bytes', (body) => (typeof body === 'string' ? utf8Encoder.encode(body) : body.slice()))
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.')
    const given = this.#headers ?? this.#given
    const fields: LightFields = {
      source: this.#source,
      native: this.#native?.clone(),
      status: this.#status,
      statusText: this.#statusText,
      pairs: given === undefined ? this.#pairs?.slice() : undefined,
      given: given && new NativeHeaders(given),
      type: this.#type,
    }
    return new LightResponse(FIELDS, fields) as unknown as Response
  }

  #read<T>(name: 'text' | 'json' | 'arrayBuffer' | 'bytes', read: (body: string | Uint8Array) => T): Promise<T> {
    if (this.#native !== undefined) return (this.#native as any)[name]()
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'))
    const source = this.#source
    if (source !== null) this.#used = true // a null body can be read again (empty), as natively
    try {
      return Promise.resolve(read(source ?? ''))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The headers as an init for a native Response, without making a Headers object when there is none yet. */
  #headerInit(): HeadersInit | undefined {
    const given = this.#headers ?? this.#given
    if (given !== undefined || this.#type === undefined) return given ?? this.#pairs
    const pairs = this.#pairs ?? []
    return pairs.some(([name]) => name === 'content-type') ? pairs : [...pairs, ['content-type', this.#type]]
  }

  /** The native Response holding the body (made from the known body on first need). */
  static #hold(response: LightResponse): Response {
    if (response.#native !== undefined) return response.#native
    const source = response.#source!
    const holder = new NativeResponse(source as BodyInit | null, { status: response.#status, statusText: response.#statusText, headers: response.#headerInit() })
    if (response.#used) {
      holder.arrayBuffer().catch(noop) // it was read already: so is the holder
    } else if (source !== null) {
      heldBodies.set(holder.body!, { source, holder })
    }
    response.#native = holder
    response.#source = undefined
    return holder
  }

  static is(value: unknown): value is LightResponse {
    return typeof value === 'object' && value !== null && #status in value
  }

  /** For the members forwarded to the native Response. */
  static native(response: LightResponse): Response {
    return LightResponse.#hold(response)
  }

  /** The fasthttp answer for `response`. */
  static answer(response: LightResponse, head: boolean, request: FetchRequest): FasthttpResponse | Promise<FasthttpResponse> {
    const status = response.#status
    const { headers, length, shouldClose } =
      response.#headers !== undefined || response.#given !== undefined ? fromHeaders(response.headers) : fromPairs(response.#pairs, response.#type)
    let source = response.#source
    if (source === undefined) {
      const native = response.#native!
      if (native.bodyUsed) throw new TypeError('fasthttp/fetch: the Response body was already read')
      if (native.body === null) source = null
      else if ((source = heldSource(native.body)) === undefined) return answerStream(native.body, status, headers, shouldClose, head, length, request)
    } else if (response.#used) {
      throw new TypeError('fasthttp/fetch: the Response body was already read')
    }
    return answerKnown(source, status, headers, shouldClose, head, length)
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Response (fasthttp light) ${JSON.stringify({ status: this.#status, headers: Object.fromEntries(this.headers), bodyUsed: this.bodyUsed })}`
  }
}

delegate(NativeResponse.prototype, LightResponse.prototype, (response: LightResponse) => LightResponse.native(response))
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype)
Object.setPrototypeOf(LightResponse, NativeResponse) // Response.error(), Response.redirect()

/** The global Request when `overrideGlobalObjects` is on: accepts the adapter's requests as input. */
class GlobalRequest extends NativeRequest {
  static [Symbol.hasInstance](value: unknown): boolean {
    return this === GlobalRequest ? value instanceof NativeRequest : Function.prototype[Symbol.hasInstance].call(this, value)
  }

  constructor(input: RequestInfo | URL, init?: RequestInit) {
    if (FetchRequest.is(input)) input = FetchRequest.asInput(input, init?.body != null)
    super(input, init)
  }
}

function installGlobals(): void {
  if (globalThis.Response === (LightResponse as unknown)) return
  for (const [name, value] of [['Request', GlobalRequest], ['Response', LightResponse]] as const) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false })
  }
}

// ---------------------------------------------------------------------------
// Answers

/** Headers the engine writes itself, or that only concern this one connection. */
const DROPPED = new Set(['content-length', 'date', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
const CLOSE_TOKEN = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i

interface AnswerHeaders {
  headers: Array<[string, string]>
  /** The Content-Length the application declared. */
  length: string | null
  shouldClose: boolean
}

function fromHeaders(source: Headers): AnswerHeaders {
  const headers: Array<[string, string]> = []
  let length: string | null = null
  let shouldClose = false
  for (const [name, value] of source) {
    if (!DROPPED.has(name)) {
      if (name !== 'set-cookie') headers.push([name, value])
    } else if (name === 'content-length') {
      length = value
    } else if (name === 'connection') {
      shouldClose = CLOSE_TOKEN.test(value)
    }
  }
  for (const cookie of source.getSetCookie()) headers.push(['set-cookie', cookie])
  return { headers, length, shouldClose }
}

function fromPairs(pairs: Array<[string, string]> | undefined, type: string | undefined): AnswerHeaders {
  const headers: Array<[string, string]> = []
  let length: string | null = null
  let shouldClose = false
  let typed = false
  if (pairs !== undefined) {
    for (const pair of pairs) {
      const name = pair[0]
      if (!DROPPED.has(name)) {
        if (name === 'content-type') typed = true
        headers.push(pair)
      } else if (name === 'content-length') {
        length = pair[1]
      } else if (name === 'connection') {
        shouldClose = CLOSE_TOKEN.test(pair[1])
      }
    }
  }
  if (type !== undefined && !typed) headers.push(['content-type', type])
  return { headers, length, shouldClose }
}

function answerOf(response: unknown, head: boolean, request: FetchRequest): FasthttpResponse | Promise<FasthttpResponse> {
  const bodyError = FetchRequest.bodyError(request)
  if (bodyError !== undefined) throw bodyError
  if (LightResponse.is(response)) return LightResponse.answer(response, head, request)
  if (!(response instanceof NativeResponse)) {
    throw new TypeError(`fasthttp/fetch: the fetch handler returned ${response === null ? 'null' : typeof response}; expected a Response`)
  }
  const { headers, length, shouldClose } = fromHeaders(response.headers)
  if (response.bodyUsed) throw new TypeError('fasthttp/fetch: the Response body was already read')
  const body = response.body
  if (body === null) return answerKnown(null, response.status, headers, shouldClose, head, length)
  const held = heldSource(body)
  if (held !== undefined) return answerKnown(held, response.status, headers, shouldClose, head, length)
  return answerStream(body, response.status, headers, shouldClose, head, length, request)
}

/** A body whose bytes are known: the engine frames it (Content-Length) at once. */
function answerKnown(source: KnownBody, status: number, headers: Array<[string, string]>, shouldClose: boolean, head: boolean, length: string | null): FasthttpResponse {
  if (head && length !== null) {
    // No body goes out for HEAD: keep the length the application declared.
    headers.push(['content-length', length])
    return { status, headers, shouldClose }
  }
  return { status, headers, body: source ?? '', shouldClose }
}

/** A HEAD answer to a streamed body: the head only (the engine sends no body for HEAD). */
const NO_PIECES: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} }
/** Bodies already produced up to this size are sent whole; past it they are streamed. */
const GATHER_LIMIT = 1024 * 1024
let turnEnd: Promise<void> | undefined

/** Resolves once the event loop moves on (one `setImmediate`, shared by every answer of the turn). */
function endOfTurn(): Promise<void> {
  return (turnEnd ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      turnEnd = undefined
      resolve()
    }),
  ))
}

interface Gathered {
  pieces: Uint8Array[]
  size: number
  /** The read in flight when gathering stopped; undefined when the stream ended. */
  next: Promise<ReadableStreamReadResult<Uint8Array>> | undefined
}

/** Reads what the stream produces until the event loop moves on (or `GATHER_LIMIT` bytes). */
function gather(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Gathered> {
  return new Promise((resolve, reject) => {
    const pieces: Uint8Array[] = []
    let size = 0
    let decided = false
    let next: Promise<ReadableStreamReadResult<Uint8Array>>
    const stop = (): void => {
      if (decided) return
      decided = true
      resolve({ pieces, size, next })
    }
    const failed = (error: unknown): void => {
      if (decided) return // the stream's own reader (streamRest) sees it
      decided = true
      reject(error)
    }
    const read = (): void => {
      next = reader.read()
      next.then(onRead, failed)
    }
    const onRead = (result: ReadableStreamReadResult<Uint8Array>): void => {
      if (decided) return // streamRest takes this result from `next`
      if (result.done) {
        decided = true
        resolve({ pieces, size, next: undefined })
        return
      }
      try {
        size += checkedPiece(result.value).length
      } catch (error) {
        failed(error)
        return
      }
      pieces.push(result.value)
      read()
      if (size >= GATHER_LIMIT) stop()
    }
    read()
    endOfTurn().then(stop)
  })
}

/**
 * A body stream: what it has already produced (until the event loop moves
 * on) is gathered; if it ended, it is sent whole, else the head and those
 * pieces go now and the rest follows as it is produced.
 */
async function answerStream(
  stream: ReadableStream<Uint8Array>,
  status: number,
  headers: Array<[string, string]>,
  shouldClose: boolean,
  head: boolean,
  length: string | null,
  request: FetchRequest,
): Promise<FasthttpResponse> {
  if (head && length !== null) {
    stream.cancel().catch(noop)
    return answerKnown(null, status, headers, shouldClose, head, length)
  }
  const reader = stream.getReader()
  let gathered: Gathered
  try {
    gathered = await gather(reader)
  } catch (error) {
    reader.cancel().catch(noop)
    throw error
  }
  const { pieces, size, next } = gathered
  if (next === undefined) return answerKnown(concat(pieces, size), status, headers, shouldClose, head, length)
  if (head) {
    reader.cancel().catch(noop)
    return { status, headers, body: NO_PIECES, shouldClose }
  }
  if (length !== null) headers.push(['content-length', length])
  return { status, headers, body: streamRest(pieces, next, reader, request), shouldClose }
}

function checkedPiece(piece: unknown): Uint8Array {
  if (!(piece instanceof Uint8Array)) throw new TypeError(`fasthttp/fetch: a Response body stream produced ${typeof piece}; expected Uint8Array pieces`)
  return piece
}

function concat(pieces: Uint8Array[], size: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]
  const whole = new Uint8Array(size)
  let at = 0
  for (const piece of pieces) {
    whole.set(piece, at)
    at += piece.length
  }
  return whole
}

/**
 * The pieces gathered, then the rest of the stream as the engine pulls it.
 * If the engine stops early (the client went away, or a piece failed) the
 * stream is cancelled and the request's signal aborts.
 */
async function* streamRest(
  gathered: Uint8Array[],
  next: Promise<ReadableStreamReadResult<Uint8Array>>,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  request: FetchRequest,
): AsyncGenerator<Uint8Array> {
  let ended = false
  try {
    yield* gathered
    for (let result = await next; !result.done; result = await reader.read()) yield checkedPiece(result.value)
    ended = true
  } finally {
    if (!ended) {
      reader.cancel().catch(noop)
      FetchRequest.abort(request)
    }
  }
}
