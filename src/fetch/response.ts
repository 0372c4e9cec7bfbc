// The adapter's light `Response` (the global one with
// `overrideGlobalObjects`): it keeps the status, headers and a known body as
// given, and makes a native Response only for what needs one.

import { delegate, NativeHeaders, NativeResponse } from './natives'

const noop = (): void => {}
const utf8 = new TextDecoder()
const utf8Encoder = new TextEncoder()

/** A body whose bytes are known: a string, bytes, or none. */
export type KnownBody = string | Uint8Array | null

const TEXT_TYPE = 'text/plain;charset=UTF-8'
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** What a header value may not contain (after trimming), and what a ByteString may not. */
const BAD_VALUE = /[\0\r\n]|[^\0-\xff]/
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/
/** A constructor argument meaning "the fields come from the second argument" (for clone). */
const FIELDS = Symbol('fields')

/** A light Response as the answer sees it (`LightResponse.parts`). */
export interface LightParts {
  status: number
  /** The headers, when a Headers object holds them. */
  headers: Headers | undefined
  /** Otherwise the headers as given (checked, lower-case names)... */
  pairs: Array<[string, string]> | undefined
  /** ...and the Content-Type the body implies. */
  type: string | undefined
  /** The body's bytes when known (undefined: read `stream`). */
  source: KnownBody | undefined
  stream: ReadableStream<Uint8Array> | undefined
}

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

export function heldSource(stream: unknown): string | Uint8Array | undefined {
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
export class LightResponse {
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

  /**
   * What answering `response` takes: its status, its headers (a Headers
   * object, or the pairs as given and the type its body implies), and its
   * body, as bytes when they are known, else as the stream to read.
   */
  static parts(response: LightResponse): LightParts {
    const headers = response.#headers !== undefined || response.#given !== undefined ? response.headers : undefined
    let source = response.#source
    let stream: ReadableStream<Uint8Array> | undefined
    if (source === undefined) {
      const native = response.#native!
      if (native.bodyUsed) throw new TypeError('fasthttp/fetch: the Response body was already read')
      if (native.body === null) source = null
      else if ((source = heldSource(native.body)) === undefined) stream = native.body
    } else if (response.#used) {
      throw new TypeError('fasthttp/fetch: the Response body was already read')
    }
    return { status: response.#status, headers, pairs: response.#pairs, type: response.#type, source, stream }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Response (fasthttp light) ${JSON.stringify({ status: this.#status, headers: Object.fromEntries(this.headers), bodyUsed: this.bodyUsed })}`
  }
}

delegate(NativeResponse.prototype, LightResponse.prototype, (response: LightResponse) => LightResponse.native(response))
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype)
Object.setPrototypeOf(LightResponse, NativeResponse) // Response.error(), Response.redirect()
