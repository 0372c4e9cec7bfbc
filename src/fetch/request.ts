// The adapter's `Request`: a light object (it passes `instanceof Request`)
// that holds the method, URL, header text and body of an `HttpRequest`, and
// makes a `Headers` object or a full native Request only when one is used.

import type { HttpRequest } from '../request'
import { readAll, readPieces } from '../pieces'
import { delegate, NativeHeaders, NativeRequest } from './natives'

const utf8 = new TextDecoder()
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

/** A streamed request body as a ReadableStream (for `request.body` and the full Request). */
function readableOf(pieces: AsyncIterable<Uint8Array>, failed: (error: unknown) => void): ReadableStream<Uint8Array> {
  const reader = readPieces(pieces)
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.next()
          if (done) controller.close()
          else controller.enqueue(new Uint8Array(value as Uint8Array)) // its own memory, not a pooled Buffer's
        } catch (error) {
          failed(error)
          controller.error(error)
        }
      },
      cancel: () => reader.cancel(),
    },
    { highWaterMark: 0 },
  )
}

const unusable = (): TypeError => new TypeError('Body is unusable: Body has already been read')

/**
 * A `Request` (it passes `instanceof Request`) that holds only strings and the
 * copied body, and makes anything costlier on first use.
 */
export class FetchRequest {
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
      return readAll(body).then(read, (error: unknown) => {
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
