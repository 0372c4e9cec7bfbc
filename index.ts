// fasthttp: the public TypeScript API. The engine (Rust, `crates/`) frames
// requests on its own I/O threads and hands them here in batches; this file
// builds `HttpRequest` views over each batch, calls the user's handler, and
// sends every answer of one tick back in ONE native call.

import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type * as Binding from './binding.cjs'

const { NativeServer } = loadBinding()

/**
 * The native addon, through the loader `@napi-rs/cli` generated. When no
 * binary fits this platform, say which package is missing (the generated
 * loader's own message does not).
 */
function loadBinding(): typeof Binding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./binding.cjs') as typeof Binding
  } catch (error) {
    const wanted = `fasthttp-${platformTriple()}`
    throw new Error(
      `fasthttp: no native binary for ${process.platform}-${process.arch}: the package ${wanted} is missing. ` +
        'npm installs it through optionalDependencies: reinstall without --no-optional / --omit=optional, ' +
        'or remove node_modules and package-lock.json and run npm install again.',
      { cause: error },
    )
  }
}

/** The napi-rs platform name of this machine, e.g. `linux-x64-gnu`. */
function platformTriple(): string {
  if (process.platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
    return `linux-${process.arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`
  }
  if (process.platform === 'win32') return `win32-${process.arch}-msvc`
  return `${process.platform}-${process.arch}`
}

/** A range of bytes inside `HttpRequest.buffer` (V's `Slice`). */
export interface Slice {
  start: number
  len: number
}

/** How a takeover response treats the connection (V's `takeover_mode`). */
export type TakeoverMode = 'none' | 'manual' | 'reusable'

/** V's `HttpResponse`: `content` follows the same rules as a plain return value. */
export interface HttpResponse {
  /** A whole response (starts with `HTTP/`) or a body for a `200 OK`. */
  content?: Uint8Array | string
  /** Close the connection after this response. */
  shouldClose?: boolean
  /**
   * Send this file as the body (with `sendfile(2)` on Linux): `content` is
   * then ignored. `status` (200), `headers`, `offset` and `length` (the rest
   * of the file) shape the response; Content-Type defaults from the file
   * extension. If the file cannot be opened, `onFileError` decides the answer
   * (default: 404 for a missing file, 403 for a forbidden one, else 500).
   */
  filePath?: string
  status?: number
  headers?: ResponseInit['headers']
  offset?: number
  length?: number
  onFileError?: (error: NodeJS.ErrnoException) => HandlerResult | Promise<HandlerResult>
  /**
   * 'manual': after `content` (if any) is written, the connection leaves the
   * engine and `onTakeover(socket, head)` gets it as a `net.Socket`, with
   * `head` the bytes the client already sent after this request (V's
   * manual takeover: WebSocket upgrades, server-sent events, proxies).
   * Unix only.
   *
   * 'reusable': `writeResponse(conn)` writes the whole response itself, raw
   * bytes in as many pieces and for as long as it likes (`await
   * conn.write(...)` waits while the client is slow), then `conn.end()`; the
   * connection stays in the engine and serves the next request (V's
   * reusable takeover). `content`, if given, goes out first.
   */
  takeoverMode?: TakeoverMode
  onTakeover?: (socket: net.Socket, head: Buffer) => void
  writeResponse?: (conn: ReusableConnection) => void | Promise<void>
}

/**
 * The connection as a reusable takeover's `writeResponse` sees it: raw
 * output, in order, with backpressure. The bytes are sent as they are, so
 * they must form a valid HTTP response (head and framing included).
 */
export interface ReusableConnection {
  /** Queues bytes; the promise waits while the client has not taken the earlier ones. */
  write(bytes: Uint8Array | string): Promise<void>
  /**
   * The response is complete: the connection serves its next request (or
   * closes, with `close: true` or when the request asked to).
   */
  end(bytes?: Uint8Array | string, options?: { close?: boolean }): void
  /** The client went away: stop writing. */
  readonly closed: boolean
  /** The socket's file descriptor (read-only use: the engine owns it). */
  readonly fd: number
}

/** The structured response form: status, headers, body. */
export interface ResponseInit {
  status: number
  headers?: Record<string, string | number | readonly string[]> | ReadonlyArray<readonly [string, string]>
  /**
   * The body. An async iterable (or a web `ReadableStream`) is streamed as
   * it produces: chunked on HTTP/1.1 unless a Content-Length header is given,
   * with backpressure (the next piece is pulled only once the client has
   * taken most of the previous ones), and stopped if the client goes away.
   */
  body?: Uint8Array | string | StreamBody
  shouldClose?: boolean
}

/** A body produced piece by piece. */
export type StreamBody = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>

/** What a handler may return (or resolve to). */
export type HandlerResult = Uint8Array | string | HttpResponse | ResponseInit

export type Handler = (req: HttpRequest) => HandlerResult | Promise<HandlerResult>

export interface ServerConfig {
  /** TCP port; 0 picks a free one (read it back from `server.port`). Default 3000. */
  port?: number
  /** Address or host name to listen on; '' (default) listens on every interface. */
  host?: string
  /** With an empty host: 'ip6' (default) listens dual-stack on IPv6 and IPv4, 'ip' on IPv4 only. */
  family?: 'ip6' | 'ip'
  /** Longest request head in bytes; longer gets 431. Default 8192. */
  maxRequestBufferSize?: number
  /** Longest request body in bytes; longer gets 413. Default 10 MiB. */
  maxBodySize?: number
  /**
   * Request bodies longer than this many bytes are not buffered: the handler
   * runs as soon as the head is in and reads the body as it arrives with
   * `req.bodyStream()` (at most 256 KiB of it held in memory, however large
   * it is). Default: never (every body is buffered, up to `maxBodySize`).
   */
  streamBodiesOver?: number
  /** A request must arrive whole within this many seconds (else 408). Default 30. */
  timeoutInSeconds?: number
  /** Idle keep-alive connections close after this many seconds. Default 75 (longer than load balancers' 60 s). */
  idleTimeoutInSeconds?: number
  /**
   * A handler that has not answered after this many seconds gets its request
   * answered with 503 (its late answer is dropped). 0 disables. Default 60.
   */
  handlerTimeoutInSeconds?: number
  /** The request handler. Required. */
  handler: Handler
  /** Anything; surfaced as `req.userData`. */
  userData?: unknown
  /** Open connections at most; past it accepting pauses. Default 65536. */
  maxConnections?: number
  /** Let several processes or worker threads listen on the same port (SO_REUSEPORT). */
  reusePort?: boolean
  /** Native I/O threads, each with its own event loop. Default 1. */
  ioThreads?: number
  /** Per-request bump arenas for the engine's request scratch memory. Default true. */
  prealloc?: boolean
  /**
   * With one I/O thread: while JavaScript is busy serving, it runs the
   * engine's turns itself between batches (non-blocking polls), so under
   * load requests never wait for a thread wake-up. Default true.
   */
  inlineTurns?: boolean
  /** Called with every handler error (the client got a 500). Default: console.error. */
  onError?: (error: unknown, req: HttpRequest | undefined) => void
}

// ---------------------------------------------------------------------------
// The batch layout shared with `crates/core/src/batch.rs`.

const REQUEST_FIELDS = 19
const F_CONN = 0
const F_GENERATION = 1
const F_SEQ = 2
const F_FD = 3
const F_FLAGS = 4
const F_DATA_START = 5
const F_DATA_LEN = 6
const F_METHOD = 7
const F_PATH = 9
const F_VERSION = 11
const F_HEADERS = 13
const F_BODY = 15
const F_REMOTE_PORT = 17
const F_RESERVED = 18
const FLAG_KEEP_ALIVE = 1
const FLAG_HEAD_METHOD = 2
const FLAG_HTTP_1_0 = 8
const FLAG_BODY_STREAMED = 0x10
const FLAG_TAKEN_OVER = 0x100
const FLAG_DRAINED = 0x200
const FLAG_STREAM_CLOSED = 0x400
const FLAG_BODY_PIECE = 0x800
const FLAG_BODY_END = 0x1000
const FLAG_BODY_ABORTED = 0x2000

// The answer record layout shared with `crates/core/src/response.rs`.
const RECORD_HEADER_LEN = 20
const KIND_RAW = 0
const KIND_BODY = 1
const KIND_FILE = 2
const KIND_TAKEOVER = 3
const KIND_STREAM = 4
const KIND_BODY_CREDIT = 5
const STREAM_END = 0x40
const WANT_DRAIN = 0x80
/** A streamed answer waits for a drain notice after this many bytes. */
const STREAM_HIGH_WATER = 256 * 1024
const FILE_META_LEN = 20
const KIND_CLOSE = 0x10
const KIND_EXTERNAL = 0x20
/** Bodies from this size on are passed to the engine by reference. */
const EXTERNAL_MIN = 16 * 1024
const CONTENT_TYPE_SHIFT = 8
// Pull slabs (see `Server.pull`): sizes, and the room below which a new one is made.
const SLAB_BYTES = 64 * 1024
const SLAB_WORDS = 16 * 1024
const SLAB_MIN_ROOM_BYTES = 16 * 1024
const SLAB_MIN_ROOM_WORDS = 2 * 1024
// Slabs of requests kept past their handler: small, so a long-poll pins little.
const KEPT_SLAB_BYTES = 8 * 1024
const KEPT_SLAB_WORDS = 2 * 1024
const CONTENT_TYPE_TEXT = 0
const CONTENT_TYPE_HTML = 1
const CONTENT_TYPE_JSON = 2

/**
 * Where requests' bytes and rows live: a batch of its own, a pull slab
 * (shared by many batches, see `Server.pull`), a kept slab (requests kept
 * past their handler), or a large kept request's own copy.
 */
interface BatchStore {
  readonly data: Buffer
  readonly table: Uint32Array
  readonly userData: unknown
  /** A pull slab: a request kept past its handler takes a copy (`_detach`). */
  readonly pullSlab: boolean
}

/**
 * Slabs that batches (or kept requests) are copied into one after another.
 * A slab is never written twice: when one runs low a new one is made, and
 * the old one lives as long as a request still views it (like Node's own
 * Buffer pool). Data and rows run low at different speeds (4 KiB bodies
 * fill the data long before the rows), so each is renewed on its own.
 */
class Slabs {
  private current: BatchStore | undefined
  dataAt = 0
  tableAt = 0

  constructor(
    private readonly dataBytes: number,
    private readonly tableWords: number,
    private readonly userData: unknown,
    /** Pull slabs (`BatchStore.pullSlab`), or the small slabs of kept requests. */
    private readonly pullSlab: boolean,
  ) {}

  /** The most data one request may put in a slab of this size. */
  get largest(): number {
    return this.dataBytes >>> 1
  }

  /** A store with room for `bytes` and `words` (or the most a new one has). */
  room(bytes: number, words: number): BatchStore {
    let store = this.current
    const dataLow = store === undefined || store.data.length - this.dataAt < bytes
    const tableLow = store === undefined || store.table.length - this.tableAt < words
    if (dataLow || tableLow) {
      store = this.current = {
        data: dataLow ? Buffer.allocUnsafeSlow(this.dataBytes) : store!.data,
        table: tableLow ? new Uint32Array(this.tableWords) : store!.table,
        userData: this.userData,
        pullSlab: this.pullSlab,
      }
      if (dataLow) this.dataAt = 0
      if (tableLow) this.tableAt = 0
    }
    return store!
  }

  used(bytes: number, words: number): void {
    this.dataAt += bytes
    this.tableAt += words
  }
}

/**
 * One request: a view over the bytes the engine received (V's `HttpRequest`).
 * The `Slice` fields index into `buffer`; the string conveniences decode only
 * when called.
 */
export class HttpRequest {
  // Four fields only: a request is the one object made per request, and its
  // size sets how often the young generation is collected under load.
  /** @internal */ _store: BatchStore
  /** @internal this request's row in `_store.table` */ _row: number
  /** @internal */ _buffer: Buffer | undefined
  /** @internal the body arriving in pieces, when it is streamed */ _bodyStream: RequestBody | undefined

  /** @internal */
  constructor(store: BatchStore, row: number) {
    this._store = store
    this._row = row
    this._buffer = undefined
    this._bodyStream = undefined
  }

  /** `config.userData`. */
  get userData(): unknown {
    return this._store.userData
  }

  /** @internal */
  get _table(): Uint32Array {
    return this._store.table
  }

  /** @internal the bytes; this request's start at `_base` */
  get _data(): Buffer {
    return this._store.data
  }

  /** @internal */
  get _base(): number {
    return this._store.table[this._row + F_DATA_START]
  }

  /**
   * @internal The request is kept past its handler (async, streamed, a
   * file): it copies its bytes and row into `kept`, small slabs of its own
   * kind, so it does not keep a whole pull slab alive (a long-poll would
   * otherwise pin a whole 64 KiB slab).
   */
  _detach(kept: Slabs): void {
    const store = this._store
    if (!store.pullSlab) return
    const table = store.table
    const row = this._row
    const start = table[row + F_DATA_START]
    const length = table[row + F_DATA_LEN]
    if (length > kept.largest) {
      // Big (a large body): a copy of its own.
      const own = table.slice(row, row + REQUEST_FIELDS)
      own[F_DATA_START] = 0
      this._store = { data: Buffer.from(store.data.subarray(start, start + length)), table: own, userData: store.userData, pullSlab: false }
      this._row = 0
      this._buffer = undefined
      return
    }
    const to = kept.room(length, REQUEST_FIELDS)
    const at = kept.dataAt
    store.data.copy(to.data, at, start, start + length)
    for (let i = 0; i < REQUEST_FIELDS; i++) to.table[kept.tableAt + i] = table[row + i]
    to.table[kept.tableAt + F_DATA_START] = at
    this._store = to
    this._row = kept.tableAt
    this._buffer = undefined
    kept.used(length, REQUEST_FIELDS)
  }

  /** The request's own bytes: the head, then the body (decoded if it was chunked). */
  get buffer(): Buffer {
    // Made on first use: a view costs an allocation, and many handlers only
    // read the conveniences below, which decode straight from the batch.
    if (this._buffer === undefined) {
      this._buffer = this._data.subarray(this._base, this._base + this._table[this._row + F_DATA_LEN])
    }
    return this._buffer
  }

  private slice(field: number): Slice {
    return { start: this._table[this._row + field], len: this._table[this._row + field + 1] }
  }

  private text(field: number): string {
    const start = this._base + this._table[this._row + field]
    return this._data.toString('latin1', start, start + this._table[this._row + field + 1])
  }

  /** The method, e.g. `GET`. */
  get method(): Slice {
    return this.slice(F_METHOD)
  }
  /** The request target, e.g. `/user/1?x=2`. */
  get path(): Slice {
    return this.slice(F_PATH)
  }
  /** `HTTP/1.1` or `HTTP/1.0`. */
  get version(): Slice {
    return this.slice(F_VERSION)
  }
  /** Every header line, from the first field name to the end of the last line. */
  get headerFields(): Slice {
    return this.slice(F_HEADERS)
  }
  /** The body (empty when there is none). */
  get body(): Slice {
    return this.slice(F_BODY)
  }
  /** The client socket's file descriptor (V's `client_conn_fd`). */
  get clientConnFd(): number {
    return this._table[this._row + F_FD] | 0
  }
  /** The client's TCP port. */
  get remotePort(): number {
    return this._table[this._row + F_REMOTE_PORT]
  }
  /** Whether the connection stays open after this request (HTTP keep-alive rules). */
  get keepAlive(): boolean {
    return (this._table[this._row + F_FLAGS] & FLAG_KEEP_ALIVE) !== 0
  }

  /** The method as a string. */
  get methodName(): string {
    return this.text(F_METHOD)
  }
  /** The request target as a string (path and query). */
  get url(): string {
    return this.text(F_PATH)
  }
  /** The path without the query string. */
  get pathname(): string {
    const url = this.url
    const q = url.indexOf('?')
    return q === -1 ? url : url.slice(0, q)
  }
  /** `HTTP/1.1` or `HTTP/1.0` as a string. */
  get httpVersion(): string {
    return this.text(F_VERSION)
  }

  /** The value of the first header named `name` (case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const wanted = name.toLowerCase()
    for (const [field, value] of this.headerEntries()) {
      if (field.length === wanted.length && field.toLowerCase() === wanted) return value
    }
    return undefined
  }

  /** Every header as `[name, value]` in the order received. */
  headerEntries(): Array<[string, string]> {
    const lines = this.text(F_HEADERS).split('\n')
    const entries: Array<[string, string]> = []
    for (const line of lines) {
      const colon = line.indexOf(':')
      if (colon <= 0) continue
      entries.push([line.slice(0, colon), line.slice(colon + 1).trim()])
    }
    return entries
  }

  /**
   * Whether the body is streamed (longer than `streamBodiesOver`): it is then
   * not in `buffer`, and is read with `bodyStream()` or `readBody()`.
   */
  get bodyStreamed(): boolean {
    return (this._table[this._row + F_FLAGS] & FLAG_BODY_STREAMED) !== 0
  }

  /**
   * The body as it arrives, piece by piece: `for await (const piece of
   * req.bodyStream())`. The client is held back while pieces are not taken,
   * so memory stays bounded whatever the body's size. Works for buffered
   * bodies too (one piece). Throws a `RequestBodyError` when the body cannot
   * complete (the client left, a malformed chunk, past `maxBodySize`); a
   * handler that lets it escape answers with its status. Answering before
   * the body has been read closes the connection after the response.
   * Each piece is a view into the buffer it arrived in (like Node's pooled
   * Buffers): copy a piece you keep for long, or it keeps that buffer alive.
   */
  bodyStream(): AsyncIterableIterator<Buffer> {
    if (this._bodyStream !== undefined) return this._bodyStream.iterate()
    const bytes = this.bodyBytes()
    return (async function* () {
      if (bytes.length > 0) yield bytes
    })()
  }

  /** The whole body, streamed or not, as one Buffer (bounded by `maxBodySize`). */
  async readBody(): Promise<Buffer> {
    if (this._bodyStream === undefined) return this.bodyBytes()
    const pieces: Buffer[] = []
    for await (const piece of this._bodyStream.iterate()) pieces.push(piece)
    return Buffer.concat(pieces)
  }

  private bufferedBody(): number {
    if (this._bodyStream !== undefined) {
      throw new Error('fasthttp: this request body is streamed (longer than streamBodiesOver): read it with req.bodyStream() or req.readBody()')
    }
    return this._base + this._table[this._row + F_BODY]
  }

  /** The body bytes (a view, no copy). */
  bodyBytes(): Buffer {
    const start = this.bufferedBody()
    return this._data.subarray(start, start + this._table[this._row + F_BODY + 1])
  }

  /** The body decoded as UTF-8. */
  bodyText(): string {
    const start = this.bufferedBody()
    return this._data.toString('utf8', start, start + this._table[this._row + F_BODY + 1])
  }

  /** The body parsed as JSON (throws on invalid JSON, which makes a 500). */
  bodyJson<T = unknown>(): T {
    return JSON.parse(this.bodyText()) as T
  }

  /** @internal whether the request was HTTP/1.0. */
  get _isHttp10(): boolean {
    return (this._table[this._row + F_FLAGS] & FLAG_HTTP_1_0) !== 0
  }

  /** @internal whether the method was HEAD (the body must not be sent). */
  get _isHead(): boolean {
    return (this._table[this._row + F_FLAGS] & FLAG_HEAD_METHOD) !== 0
  }
}

/**
 * Why a streamed request body could not complete; `status` is what the
 * request deserves (400 malformed chunk, 413 past `maxBodySize`, 0 when the
 * client closed the connection).
 */
export class RequestBodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'RequestBodyError'
  }
}

const BODY_ABORT_MESSAGES: Record<number, string> = {
  0: 'the client closed the connection before the request body ended',
  400: 'malformed chunked encoding in the request body',
  413: 'the request body exceeds maxBodySize',
}

/**
 * A request body arriving in pieces. Each piece taken by the reader is
 * acknowledged to the engine (`credit`), which reads on from the client
 * only while less than its window is unacknowledged.
 */
class RequestBody {
  private pieces: Buffer[] = []
  private ended = false
  private failure: RequestBodyError | undefined
  private wake: (() => void) | undefined
  private reading = false

  constructor(private readonly credit: (bytes: number) => void) {}

  /** Whether the body has been fully received or has failed. */
  get settled(): boolean {
    return this.ended || this.failure !== undefined
  }

  push(piece: Buffer, end: boolean): void {
    if (piece.length > 0) this.pieces.push(piece)
    if (end) this.ended = true
    this.notify()
  }

  fail(status: number): void {
    this.failure = new RequestBodyError(status, `fasthttp: ${BODY_ABORT_MESSAGES[status] ?? 'the request body failed'}`)
    this.notify()
  }

  /** The response went out first: the rest of the body is never read. */
  abandon(): void {
    if (this.settled) return
    this.pieces = []
    this.fail(0)
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  async *iterate(): AsyncGenerator<Buffer> {
    if (this.reading) throw new Error('fasthttp: the request body is already being read')
    this.reading = true
    for (;;) {
      const piece = this.pieces.shift()
      if (piece !== undefined) {
        this.credit(piece.length)
        yield piece
        continue
      }
      if (this.failure !== undefined) throw this.failure
      if (this.ended) return
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }
}

// ---------------------------------------------------------------------------
// Config validation: every mistake is a TypeError/RangeError naming the field.

const KNOWN_FIELDS = new Set([
  'port', 'host', 'family', 'maxRequestBufferSize', 'maxBodySize', 'streamBodiesOver', 'timeoutInSeconds',
  'idleTimeoutInSeconds', 'handlerTimeoutInSeconds', 'handler', 'userData', 'maxConnections', 'reusePort', 'ioThreads',
  'prealloc', 'inlineTurns', 'onError',
])

interface ResolvedConfig {
  port: number
  host: string
  family: 'ip6' | 'ip'
  maxRequestBufferSize: number
  maxBodySize: number
  streamBodiesOver: number | undefined
  timeoutInSeconds: number
  idleTimeoutInSeconds: number
  handlerTimeoutInSeconds: number
  handler: Handler
  userData: unknown
  maxConnections: number
  reusePort: boolean
  ioThreads: number
  prealloc: boolean
  inlineTurns: boolean
  onError: (error: unknown, req: HttpRequest | undefined) => void
}

function integerField(config: ServerConfig, name: keyof ServerConfig, fallback: number, min: number, max: number): number {
  const value = config[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`fasthttp: config.${name} must be an integer, got ${describe(value)}`)
  }
  if (value < min || value > max) {
    throw new RangeError(`fasthttp: config.${name} must be between ${min} and ${max}, got ${value}`)
  }
  return value
}

function secondsField(config: ServerConfig, name: keyof ServerConfig, fallback: number): number {
  const value = config[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`fasthttp: config.${name} must be a number of seconds, got ${describe(value)}`)
  }
  if (value <= 0 || value > 86_400) {
    throw new RangeError(`fasthttp: config.${name} must be > 0 and at most 86400, got ${value}`)
  }
  return value
}

function booleanField(config: ServerConfig, name: keyof ServerConfig, fallback: boolean): boolean {
  const value = config[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') {
    throw new TypeError(`fasthttp: config.${name} must be a boolean, got ${describe(value)}`)
  }
  return value
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

function resolveConfig(config: ServerConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') {
    throw new TypeError('fasthttp: newServer(config) needs a config object')
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_FIELDS.has(key)) throw new TypeError(`fasthttp: config.${key} is not a known option`)
  }
  if (typeof config.handler !== 'function') {
    throw new TypeError(`fasthttp: config.handler must be a function, got ${describe(config.handler)}`)
  }
  if (config.host !== undefined && typeof config.host !== 'string') {
    throw new TypeError(`fasthttp: config.host must be a string, got ${describe(config.host)}`)
  }
  if (config.family !== undefined && config.family !== 'ip6' && config.family !== 'ip') {
    throw new TypeError(`fasthttp: config.family must be 'ip6' or 'ip', got ${describe(config.family)}`)
  }
  if (config.onError !== undefined && typeof config.onError !== 'function') {
    throw new TypeError(`fasthttp: config.onError must be a function, got ${describe(config.onError)}`)
  }
  const timeoutInSeconds = secondsField(config, 'timeoutInSeconds', 30)
  return {
    port: integerField(config, 'port', 3000, 0, 65535),
    host: config.host ?? '',
    family: config.family ?? 'ip6',
    maxRequestBufferSize: integerField(config, 'maxRequestBufferSize', 8192, 256, 64 * 1024 * 1024),
    maxBodySize: integerField(config, 'maxBodySize', 10 * 1024 * 1024, 0, 2 ** 40),
    streamBodiesOver: config.streamBodiesOver === undefined ? undefined : integerField(config, 'streamBodiesOver', 0, 0, 2 ** 40),
    timeoutInSeconds,
    idleTimeoutInSeconds: secondsField(config, 'idleTimeoutInSeconds', DEFAULT_IDLE_TIMEOUT_SECONDS),
    handlerTimeoutInSeconds: config.handlerTimeoutInSeconds === 0 ? 0 : secondsField(config, 'handlerTimeoutInSeconds', 60),
    handler: config.handler,
    userData: config.userData,
    maxConnections: integerField(config, 'maxConnections', 65536, 1, 16_000_000),
    reusePort: booleanField(config, 'reusePort', false),
    ioThreads: integerField(config, 'ioThreads', 1, 1, 64),
    prealloc: booleanField(config, 'prealloc', true),
    inlineTurns: booleanField(config, 'inlineTurns', true),
    onError: config.onError ?? defaultOnError,
  }
}

/**
 * Idle keep-alive connections are kept longer than the idle timeout of common
 * load balancers (60 s on AWS ALB/ELB, nginx upstream keep-alive): the
 * balancer should close an idle upstream connection first; if the server
 * closed it while the balancer was reusing it, a client would get a 502.
 */
const DEFAULT_IDLE_TIMEOUT_SECONDS = 75

function defaultOnError(error: unknown): void {
  console.error('fasthttp: handler error:', error)
}

// ---------------------------------------------------------------------------
// Answers: every answer of one tick goes into one buffer, sent by one call.

const STATUS_TEXT: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted',
  204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
}

const EMPTY = Buffer.alloc(0)

const INTERNAL_ERROR = Buffer.from(
  'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 22\r\n\r\nInternal Server Error\n',
  'latin1',
)

/** Sniffs a body's content type from its first non-blank character. */
function contentTypeOf(first: number): number {
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) return CONTENT_TYPE_JSON
  if (first === 0x3c /* < */) return CONTENT_TYPE_HTML
  return CONTENT_TYPE_TEXT
}

function firstNonBlankChar(text: string): number {
  for (let i = 0; i < text.length && i < 64; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c
  }
  return 0
}

function firstNonBlankByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length && i < 64; i++) {
    const c = bytes[i]
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c
  }
  return 0
}

function startsWithHttp(bytes: Uint8Array): boolean {
  return bytes.length >= 5 && bytes[0] === 0x48 && bytes[1] === 0x54 && bytes[2] === 0x54 && bytes[3] === 0x50 && bytes[4] === 0x2f
}

let dateSecond = -1
let dateText = ''

/** The `Date` header value, formatted at most once a second. */
function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/**
 * The head of a response (status line, Date, the given headers, then
 * Content-Type and Content-Length unless given, and the Connection header
 * the request needs), ending with the blank line.
 */
function responseHead(
  req: HttpRequest,
  status: number,
  headers: ResponseInit['headers'],
  bodyLength: number | 'chunked' | 'until-close',
  shouldClose: boolean,
  defaultType: string,
): string {
  if (!Number.isInteger(status) || status < 200 || status > 999) {
    throw new BadHandlerResult(`fasthttp: response status must be an integer from 200 to 999, got ${status}`)
  }
  let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\nDate: ${httpDate()}\r\n`
  let hasLength = false
  let hasType = false
  const addHeader = (name: string, value: string): void => {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new BadHandlerResult(`fasthttp: header ${JSON.stringify(name)} contains a line break`)
    }
    const lower = name.toLowerCase()
    if (lower === 'content-length') hasLength = true
    if (lower === 'content-type') hasType = true
    head += `${name}: ${value}\r\n`
  }
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) addHeader(name, String(value))
  } else if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) for (const v of value) addHeader(name, String(v))
      else addHeader(name, String(value))
    }
  }
  const noBody = status === 204 || status === 304
  if (!hasType && !noBody) head += `Content-Type: ${defaultType}\r\n`
  if (!hasLength && !noBody) {
    if (bodyLength === 'chunked') head += 'Transfer-Encoding: chunked\r\n'
    else if (typeof bodyLength === 'number') head += `Content-Length: ${bodyLength}\r\n`
  }
  if (shouldClose) head += 'Connection: close\r\n'
  // An HTTP/1.0 client assumes a close unless told otherwise.
  else if (req._isHttp10 && req.keepAlive) head += 'Connection: keep-alive\r\n'
  return `${head}\r\n`
}

/** Content types by file extension, for file responses without one. */
const FILE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.xml': 'application/xml',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg', '.zip': 'application/zip',
  '.gz': 'application/gzip', '.woff2': 'font/woff2',
}

/** The default answer when a file response's file cannot be opened. */
function fileErrorAnswer(error: NodeJS.ErrnoException): ResponseInit {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') return { status: 404, body: 'Not Found\n' }
  if (error.code === 'EACCES' || error.code === 'EPERM') return { status: 403, body: 'Forbidden\n' }
  throw error
}

const CRLF = Buffer.from('\r\n')

/** The value of header `name` (case-insensitive) in a response's headers. */
function headerValue(headers: ResponseInit['headers'], name: string): string | undefined {
  if (!headers) return undefined
  const entries: Iterable<readonly [string, unknown]> = Array.isArray(headers) ? headers : Object.entries(headers)
  for (const [key, value] of entries) if (key.toLowerCase() === name) return String(value)
  return undefined
}

function isStreamBody(body: unknown): body is StreamBody {
  return typeof body === 'object' && body !== null && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

function isStreamingResponse(result: HandlerResult): result is ResponseInit & { body: StreamBody } {
  return typeof result === 'object' && result !== null && 'status' in result && isStreamBody((result as ResponseInit).body)
}

function isReusableTakeover(result: HandlerResult): result is HttpResponse {
  return typeof result === 'object' && result !== null && (result as HttpResponse).takeoverMode === 'reusable'
}

function isManualTakeover(result: HandlerResult): result is HttpResponse {
  return typeof result === 'object' && result !== null && (result as HttpResponse).takeoverMode === 'manual'
}

/** Identifies one request of one connection (for takeover callbacks). */
function requestKey(table: Uint32Array, row: number): string {
  return `${table[row + F_CONN]}:${table[row + F_GENERATION]}:${table[row + F_SEQ]}`
}

function isFileResponse(result: HandlerResult): result is HttpResponse & { filePath: string } {
  return typeof result === 'object' && result !== null && typeof (result as HttpResponse).filePath === 'string'
}

/** Thrown for a handler result that is not one of the supported forms. */
class BadHandlerResult extends TypeError {}

/** Payload bytes rounded up so the next record header is 4-byte aligned. */
function padded(len: number): number {
  return (len + 3) & ~3
}

/** The answer buffer of the current tick. */
class AnswerWriter {
  private out = Buffer.allocUnsafeSlow(64 * 1024)
  // Record headers are 4-byte aligned, so they are written as whole words.
  private words = new Uint32Array(this.out.buffer, this.out.byteOffset, this.out.length >>> 2)
  length = 0

  private reserve(bytes: number): void {
    const needed = this.length + bytes + 3
    if (needed <= this.out.length) return
    const bigger = Buffer.allocUnsafeSlow(Math.max(needed, this.out.length * 2) + 3)
    this.out.copy(bigger, 0, 0, this.length)
    this.out = bigger
    this.words = new Uint32Array(bigger.buffer, bigger.byteOffset, bigger.length >>> 2)
  }

  private header(req: HttpRequest, kind: number, len: number, at: number): void {
    const table = req._table
    const row = req._row
    const words = this.words
    const w = at >>> 2
    words[w] = table[row + F_CONN]
    words[w + 1] = table[row + F_GENERATION]
    words[w + 2] = table[row + F_SEQ]
    words[w + 3] = kind
    words[w + 4] = len
  }

  bytes(req: HttpRequest, kind: number, bytes: Uint8Array): void {
    if (bytes.length >= EXTERNAL_MIN) {
      // A large body is not copied here: the engine copies it once, straight
      // from the caller's bytes, during the same native call.
      this.reserve(RECORD_HEADER_LEN)
      this.header(req, kind | KIND_EXTERNAL, bytes.length, this.length)
      this.length += RECORD_HEADER_LEN
      this.externals.push(bytes)
      return
    }
    this.reserve(RECORD_HEADER_LEN + bytes.length)
    this.header(req, kind, bytes.length, this.length)
    this.out.set(bytes, this.length + RECORD_HEADER_LEN)
    this.length += RECORD_HEADER_LEN + padded(bytes.length)
  }

  string(req: HttpRequest, kind: number, text: string): void {
    this.reserve(RECORD_HEADER_LEN + text.length * 3)
    const len = this.out.write(text, this.length + RECORD_HEADER_LEN, 'utf8')
    this.header(req, kind, len, this.length)
    this.length += RECORD_HEADER_LEN + padded(len)
  }

  /** Encodes any supported handler result; throws BadHandlerResult otherwise. */
  result(req: HttpRequest, result: HandlerResult, close: boolean): void {
    const closeBit = close ? KIND_CLOSE : 0
    if (typeof result === 'string') {
      if (result.startsWith('HTTP/')) this.string(req, KIND_RAW | closeBit, result)
      else this.string(req, KIND_BODY | closeBit | (contentTypeOf(firstNonBlankChar(result)) << CONTENT_TYPE_SHIFT), result)
    } else if (result instanceof Uint8Array) {
      if (startsWithHttp(result)) this.bytes(req, KIND_RAW | closeBit, result)
      else this.bytes(req, KIND_BODY | closeBit | (contentTypeOf(firstNonBlankByte(result)) << CONTENT_TYPE_SHIFT), result)
    } else if (result !== null && typeof result === 'object') {
      if ('status' in result && typeof result.status === 'number') this.structured(req, result as ResponseInit)
      else this.vResponse(req, result as HttpResponse)
    } else {
      throw new BadHandlerResult(`fasthttp: handler returned ${describe(result)}; expected a string, a Uint8Array or a response object`)
    }
  }

  private vResponse(req: HttpRequest, response: HttpResponse): void {
    if (response.takeoverMode !== undefined && response.takeoverMode !== 'none') {
      throw new BadHandlerResult(`fasthttp: takeoverMode '${response.takeoverMode}' is not supported`)
    }
    if (response.content === undefined) throw new BadHandlerResult('fasthttp: HttpResponse needs content')
    this.result(req, response.content, response.shouldClose === true)
  }

  private structured(req: HttpRequest, response: ResponseInit): void {
    const body = response.body ?? ''
    if (isStreamBody(body)) throw new BadHandlerResult('fasthttp: a streamed body here is a bug (streams are answered apart)')
    const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    const status = response.status
    const head = responseHead(req, status, response.headers, bodyBytes.length, response.shouldClose === true, 'text/plain; charset=utf-8')
    const sendBody = !req._isHead && status !== 204 && status !== 304
    const total = Buffer.byteLength(head, 'latin1') + (sendBody ? bodyBytes.length : 0)
    this.reserve(RECORD_HEADER_LEN + total)
    const kind = KIND_RAW | (response.shouldClose ? KIND_CLOSE : 0)
    this.header(req, kind, total, this.length)
    let at = this.length + RECORD_HEADER_LEN
    at += this.out.write(head, at, 'latin1')
    if (sendBody) this.out.set(bodyBytes, at)
    this.length += RECORD_HEADER_LEN + padded(total)
  }

  /** A response whose body the engine sends from the open file `fd`. */
  file(req: HttpRequest, close: boolean, fd: number, offset: number, length: number, head: string): void {
    const headLength = Buffer.byteLength(head, 'latin1')
    const total = FILE_META_LEN + headLength
    this.reserve(RECORD_HEADER_LEN + total)
    this.header(req, KIND_FILE | (close ? KIND_CLOSE : 0), total, this.length)
    const at = this.length + RECORD_HEADER_LEN
    this.out.writeInt32LE(fd, at)
    this.out.writeBigUInt64LE(BigInt(offset), at + 4)
    this.out.writeBigUInt64LE(BigInt(length), at + 12)
    this.out.write(head, at + FILE_META_LEN, 'latin1')
    this.length += RECORD_HEADER_LEN + padded(total)
  }

  /** Large payloads of this tick's external records, in record order. */
  externals: Uint8Array[] = []

  /** The buffer whose first `length` bytes are this tick's records (then reset). */
  take(): Buffer {
    this.length = 0
    return this.out
  }

  /** The external payloads, or undefined when there are none; resets the list. */
  takeExternals(): Uint8Array[] | undefined {
    if (this.externals.length === 0) return undefined
    const externals = this.externals
    this.externals = []
    return externals
  }
}

// ---------------------------------------------------------------------------
// The server.

/** A streamed answer in progress (a streamed body or a reusable takeover). */
interface StreamState {
  /** The connection closed: the producer should stop. */
  closed: boolean
  /** Waiting for the engine's drain notice. */
  resume: (() => void) | undefined
  /** Bytes queued since the last drain notice. */
  sinceDrain: number
  /** Stops the producer at once (set while a streamed body is being read). */
  cancel?: () => void
}

/**
 * Reads a streamed body piece by piece. A web `ReadableStream` is read with
 * its own reader, so that `cancel` ends a pending read at once and tells the
 * stream's source; other async iterables are asked to `return()`.
 */
function readPieces(body: StreamBody): { next(): Promise<IteratorResult<Uint8Array | string>>; cancel(): void } {
  if (typeof (body as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    return {
      next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
      cancel: () => void reader.cancel().catch(() => {}),
    }
  }
  const iterator = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
  return {
    next: () => iterator.next(),
    cancel: () => void iterator.return?.()?.catch?.(() => {}),
  }
}

type State = 'new' | 'running' | 'stopping' | 'stopped'

export interface WaitOptions {
  /** How many times to check before giving up. Default 100. */
  maxRetries?: number
  /** Milliseconds between checks. Default 10. */
  retryPeriodMs?: number
}

export interface ShutdownOptions {
  /** Milliseconds to let in-flight requests finish before closing everything. Default 10000. */
  timeoutMs?: number
}

/** A handle to control a running server from elsewhere (V's `handle()`). */
export interface ServerHandle {
  /** The bound port (0 until the server runs). */
  readonly port: number
  /** Resolves once the server is listening; rejects after `maxRetries` checks. */
  waitTillRunning(options?: WaitOptions): Promise<void>
  /** Graceful stop: stop accepting, finish in-flight responses, then stop. */
  shutdown(options?: ShutdownOptions): Promise<void>
}

export class Server {
  readonly config: Readonly<ResolvedConfig>
  private native: Binding.NativeServer
  private state: State = 'new'
  private boundPort = 0
  private threadsRunning = 0
  private threadError: Error | undefined
  private stoppedWaiters: Array<() => void> = []
  /** See `holdEventLoop`. */
  private loopHold: ReturnType<typeof setInterval> | undefined
  private writer = new AnswerWriter()
  private flushScheduled = false
  /** I/O threads whose batch was handed to handlers and not yet reported. */
  private batchesDone: number[] = []
  /** Streamed answers in progress, by request. */
  private streams = new Map<string, StreamState>()
  /** Streamed request bodies still arriving, by request. */
  private uploads = new Map<string, RequestBody>()
  /** onTakeover callbacks of takeover answers not yet handed over. */
  private takeovers = new Map<string, (socket: net.Socket, head: Buffer) => void>()

  /** @internal use `newServer` */
  constructor(config: ResolvedConfig) {
    this.config = config
    this.pullSlabs = new Slabs(SLAB_BYTES, SLAB_WORDS, config.userData, true)
    this.keptSlabs = new Slabs(KEPT_SLAB_BYTES, KEPT_SLAB_WORDS, config.userData, false)
    this.native = new NativeServer({
      host: config.host,
      port: config.port,
      family: config.family,
      maxRequestBufferSize: config.maxRequestBufferSize,
      maxBodySize: config.maxBodySize,
      streamBodyOver: config.streamBodiesOver,
      requestTimeoutMs: Math.round(config.timeoutInSeconds * 1000),
      idleTimeoutMs: Math.round(config.idleTimeoutInSeconds * 1000),
      handlerTimeoutMs: Math.round(config.handlerTimeoutInSeconds * 1000),
      maxConnections: config.maxConnections,
      reusePort: config.reusePort,
      ioThreads: config.ioThreads,
      prealloc: config.prealloc,
      arenaTrace: config.prealloc && process.env.FASTHTTP_ARENA_TRACE === '1',
      inlineTurns: config.inlineTurns,
    })
  }

  /** The bound port (useful with `port: 0`); 0 before `run()`. */
  get port(): number {
    return this.boundPort
  }

  /** Whether the server is accepting connections. */
  get running(): boolean {
    return this.state === 'running'
  }

  /**
   * Binds and serves. Resolves when the server has stopped (after
   * `shutdown`); rejects at once if it cannot listen (port in use,
   * permission, unknown host).
   */
  run(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new Error('fasthttp: run() was already called on this server'))
    try {
      this.boundPort = this.native.start(this.onEvent)
    } catch (error) {
      this.state = 'stopped'
      const message = error instanceof Error ? error.message : String(error)
      return Promise.reject(new Error(`fasthttp: cannot listen on port ${this.config.port}: ${message}`))
    }
    this.threadsRunning = this.native.threadCount()
    this.state = 'running'
    this.loopHold = holdEventLoop()
    return new Promise<void>((resolve, reject) => {
      this.stoppedWaiters.push(() => (this.threadError ? reject(this.threadError) : resolve()))
    })
  }

  /** A handle with `waitTillRunning` and `shutdown` (V's `server.handle()`). */
  handle(): ServerHandle {
    const server = this
    return {
      get port() {
        return server.port
      },
      waitTillRunning: (options) => server.waitTillRunning(options),
      shutdown: (options) => server.shutdown(options),
    }
  }

  async waitTillRunning({ maxRetries = 100, retryPeriodMs = 10 }: WaitOptions = {}): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.state === 'running') return
      if (this.state === 'stopped' || this.state === 'stopping') throw new Error('fasthttp: server is not running (it stopped)')
      if (attempt >= maxRetries) throw new Error(`fasthttp: server not running after ${maxRetries} checks`)
      await new Promise((resolve) => setTimeout(resolve, retryPeriodMs))
    }
  }

  /** Graceful stop; closes everything and rejects if it takes longer than `timeoutMs`. */
  shutdown({ timeoutMs = 10_000 }: ShutdownOptions = {}): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped'
      return Promise.resolve()
    }
    if (this.state === 'stopped') return Promise.resolve()
    this.state = 'stopping'
    this.native.shutdown(false)
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.native.shutdown(true)
        reject(new Error(`fasthttp: shutdown did not finish within ${timeoutMs} ms; remaining connections were closed`))
      }, timeoutMs)
      this.stoppedWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  // Called by the engine (through its ThreadsafeFunction) with a batch of
  // requests, or with no table when an I/O thread has stopped.
  private onEvent = (thread: number, table?: Uint32Array | null, data?: Buffer | null, stopError?: string | null): void => {
    if (table == null || data == null) {
      this.onThreadStopped(stopError ?? null)
      return
    }
    this.handleRows({ data, table, userData: this.config.userData, pullSlab: false }, 0, table.length, thread)
  }

  /** Hands the rows `start..end` of `store.table` to their handlers (or streams). */
  private handleRows(store: BatchStore, start: number, end: number, thread: number): void {
    const { table, data } = store
    const handler = this.config.handler
    let waiting = false
    for (let row = start; row < end; row += REQUEST_FIELDS) {
      const rowFlags = table[row + F_FLAGS]
      if ((rowFlags & FLAG_TAKEN_OVER) !== 0) {
        this.onTakenOver(table, row, data)
        continue
      }
      if ((rowFlags & (FLAG_DRAINED | FLAG_STREAM_CLOSED)) !== 0) {
        const stream = this.streams.get(requestKey(table, row))
        if (stream) {
          if ((rowFlags & FLAG_STREAM_CLOSED) !== 0) {
            stream.closed = true
            stream.cancel?.()
          }
          stream.resume?.()
          stream.resume = undefined
        }
        continue
      }
      if ((rowFlags & FLAG_BODY_PIECE) !== 0) {
        this.onBodyPiece(table, row, data, rowFlags)
        continue
      }
      const req = new HttpRequest(store, row)
      if ((rowFlags & FLAG_BODY_STREAMED) !== 0) {
        req._detach(this.keptSlabs)
        this.startUpload(req)
      }
      let result: HandlerResult | Promise<HandlerResult>
      try {
        result = handler(req)
      } catch (error) {
        this.answerError(req, error)
        continue
      }
      if (result !== null && typeof result === 'object' && typeof (result as Promise<HandlerResult>).then === 'function') {
        waiting = true
        req._detach(this.keptSlabs)
        ;(result as Promise<HandlerResult>).then(
          (value) => {
            this.answer(req, value)
            this.scheduleFlush()
          },
          (error) => {
            this.answerError(req, error)
            this.scheduleFlush()
          },
        )
      } else {
        this.answer(req, result as HandlerResult)
      }
    }
    // The batch is handed out: say so with the answers (one native call, one
    // wake-up of the I/O thread). When a handler is async, wait for the
    // promises that settle in this tick, so their answers join the call.
    this.batchesDone.push(thread)
    if (waiting) this.scheduleFlush()
    else this.flush()
  }

  /** A request whose body follows in pieces: its reader acknowledges each. */
  private startUpload(req: HttpRequest): void {
    const body = new RequestBody((bytes) => {
      const credit = Buffer.allocUnsafe(4)
      credit.writeUInt32LE(bytes, 0)
      this.writer.bytes(req, KIND_BODY_CREDIT, credit)
      this.scheduleFlush()
    })
    req._bodyStream = body
    this.uploads.set(requestKey(req._table, req._row), body)
  }

  private onBodyPiece(table: Uint32Array, row: number, data: Buffer, rowFlags: number): void {
    const key = requestKey(table, row)
    const body = this.uploads.get(key)
    if (body === undefined) return // answered already: the rest is dropped
    if ((rowFlags & FLAG_BODY_ABORTED) !== 0) {
      this.uploads.delete(key)
      body.fail(table[row + F_RESERVED])
      return
    }
    // A view, not a copy: a copy per piece doubled the garbage of an upload,
    // and on Node 24 (whose collector lets external memory grow further) a
    // 256 MiB upload then held over 96 MiB at its peak. A piece kept by the
    // handler keeps its batch (or slab) alive; nothing overwrites either.
    const start = table[row + F_DATA_START]
    body.push(data.subarray(start, start + table[row + F_DATA_LEN]), (rowFlags & FLAG_BODY_END) !== 0)
    if ((rowFlags & FLAG_BODY_END) !== 0) this.uploads.delete(key)
  }

  /** The request is answered: a body still arriving is never read now. */
  private endUpload(req: HttpRequest): void {
    const body = req._bodyStream
    if (body === undefined || body.settled) return
    this.uploads.delete(requestKey(req._table, req._row))
    body.abandon()
  }

  private answer(req: HttpRequest, result: HandlerResult): void {
    if (!isStreamingResponse(result) && !isReusableTakeover(result)) this.endUpload(req)
    if (isManualTakeover(result)) {
      try {
        this.takeOver(req, result)
      } catch (error) {
        this.answerError(req, error)
      }
      return
    }
    if (isStreamingResponse(result)) {
      req._detach(this.keptSlabs)
      void this.streamAnswer(req, result)
      return
    }
    if (isReusableTakeover(result)) {
      req._detach(this.keptSlabs)
      void this.reusableTakeover(req, result)
      return
    }
    if (isFileResponse(result)) {
      req._detach(this.keptSlabs)
      this.answerFile(req, result).catch((error) => {
        this.answerError(req, error)
        this.scheduleFlush()
      })
      return
    }
    try {
      this.writer.result(req, result, false)
    } catch (error) {
      this.answerError(req, error)
    }
  }

  /**
   * Streams a body piece by piece: the head first, then each piece (chunked
   * on HTTP/1.1 unless a Content-Length was given; HTTP/1.0 clients read
   * until the close), each with backpressure (`streamPiece`).
   */
  private async streamAnswer(req: HttpRequest, response: ResponseInit & { body: StreamBody }): Promise<void> {
    const stream = this.openStream(req)
    let headSent = false
    try {
      const givenLength = headerValue(response.headers, 'content-length') !== undefined
      const framing = givenLength ? 'given' : req._isHttp10 ? 'until-close' : 'chunked'
      const close = response.shouldClose === true || framing === 'until-close'
      const head = responseHead(req, response.status, response.headers, framing === 'given' ? 0 : framing, close, 'application/octet-stream')
      this.writer.string(req, KIND_STREAM, head)
      headSent = true
      this.scheduleFlush()
      if (!req._isHead && response.status !== 204 && response.status !== 304) {
        const pieces = readPieces(response.body)
        // A producer waiting for its next piece (an SSE stream between
        // events) is cancelled as soon as the client leaves, not at that piece.
        stream.cancel = pieces.cancel
        for (;;) {
          const next = await pieces.next()
          if (next.done || stream.closed) break
          const piece = next.value
          const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece
          if (bytes.length === 0) continue
          await this.streamPiece(req, stream, framing === 'chunked' ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]) : bytes)
          if (stream.closed) break
        }
      }
      stream.cancel = undefined
      if (stream.closed) return
      this.endStream(req, framing === 'chunked' && !req._isHead ? '0\r\n\r\n' : '', close)
    } catch (error) {
      this.failStream(req, stream, error, headSent)
    } finally {
      this.closeStream(req)
    }
  }

  /**
   * Reusable takeover: `writeResponse` writes the raw response through the
   * same piece-by-piece path as streamed answers; the connection stays.
   */
  private async reusableTakeover(req: HttpRequest, response: HttpResponse): Promise<void> {
    const writeResponse = response.writeResponse
    if (typeof writeResponse !== 'function') {
      this.answerError(req, new BadHandlerResult("fasthttp: takeoverMode 'reusable' needs a writeResponse(conn) function"))
      return
    }
    const stream = this.openStream(req)
    let wrote = false
    let ended = false
    const server = this
    const conn: ReusableConnection = {
      get closed() {
        return stream.closed
      },
      fd: req.clientConnFd,
      async write(data) {
        if (ended) throw new Error('fasthttp: write() after end() on a reusable takeover')
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
        if (stream.closed || bytes.length === 0) return
        wrote = true
        await server.streamPiece(req, stream, bytes)
      },
      end(data = '', { close = false } = {}) {
        if (ended) return
        ended = true
        if (!stream.closed) server.endStream(req, data, close)
      },
    }
    try {
      if (response.content !== undefined) await conn.write(response.content)
      await writeResponse(conn)
      conn.end()
    } catch (error) {
      if (!ended) {
        ended = true
        this.failStream(req, stream, error, wrote)
      } else {
        this.reportError(error, req)
      }
    } finally {
      this.closeStream(req)
    }
  }

  /** Starts tracking a streamed answer (its drain and close notices). */
  private openStream(req: HttpRequest): StreamState {
    const stream: StreamState = { closed: false, resume: undefined, sinceDrain: 0 }
    this.streams.set(requestKey(req._table, req._row), stream)
    return stream
  }

  private closeStream(req: HttpRequest): void {
    this.streams.delete(requestKey(req._table, req._row))
    this.endUpload(req)
  }

  /**
   * Queues one piece of a streamed answer. After `STREAM_HIGH_WATER` bytes
   * it waits until the engine says the connection's output has drained, so
   * a slow client never makes more than a bounded amount wait in memory.
   */
  private async streamPiece(req: HttpRequest, stream: StreamState, bytes: Uint8Array): Promise<void> {
    stream.sinceDrain += bytes.length
    const wait = stream.sinceDrain >= STREAM_HIGH_WATER
    this.writer.bytes(req, KIND_STREAM | (wait ? WANT_DRAIN : 0), bytes)
    this.scheduleFlush()
    if (wait) {
      await new Promise<void>((resolve) => (stream.resume = resolve))
      stream.sinceDrain = 0
    }
  }

  /** The last piece: the request is answered, the connection goes on (or closes). */
  private endStream(req: HttpRequest, last: Uint8Array | string, close: boolean): void {
    const kind = KIND_STREAM | STREAM_END | (close ? KIND_CLOSE : 0)
    if (typeof last === 'string') this.writer.string(req, kind, last)
    else this.writer.bytes(req, kind, last)
    this.scheduleFlush()
  }

  /** A streamed answer failed: a 500 if nothing was sent yet, else the connection is cut. */
  private failStream(req: HttpRequest, stream: StreamState, error: unknown, started: boolean): void {
    if (stream.closed) return
    if (started) {
      // Too late for a 500: cut the connection so the client sees an
      // incomplete response rather than a complete-looking one.
      this.writer.string(req, KIND_STREAM | STREAM_END | KIND_CLOSE, '')
      this.reportError(error, req)
    } else {
      this.answerError(req, error)
    }
    this.scheduleFlush()
  }

  /** Queues a manual takeover: `content`, then the socket goes to `onTakeover`. */
  private takeOver(req: HttpRequest, response: HttpResponse): void {
    if (typeof response.onTakeover !== 'function') {
      throw new BadHandlerResult("fasthttp: takeoverMode 'manual' needs an onTakeover(socket, head) function")
    }
    if (process.platform === 'win32') throw new BadHandlerResult("fasthttp: takeoverMode 'manual' is not supported on Windows")
    const content = response.content ?? ''
    this.takeovers.set(requestKey(req._table, req._row), response.onTakeover)
    if (typeof content === 'string') this.writer.string(req, KIND_TAKEOVER, content)
    else this.writer.bytes(req, KIND_TAKEOVER, content)
  }

  /** The engine handed over the connection of a takeover answer. */
  private onTakenOver(table: Uint32Array, row: number, data: Buffer): void {
    const key = requestKey(table, row)
    const onTakeover = this.takeovers.get(key)
    this.takeovers.delete(key)
    const fd = table[row + F_FD] | 0
    if (onTakeover === undefined) {
      fs.closeSync(fd)
      return
    }
    const start = table[row + F_DATA_START]
    const head = Buffer.from(data.subarray(start, start + table[row + F_DATA_LEN]))
    const socket = new net.Socket({ fd, readable: true, writable: true })
    socket.setNoDelay(true)
    try {
      onTakeover(socket, head)
    } catch (error) {
      socket.destroy()
      this.reportError(error, undefined)
    }
  }

  /**
   * Opens the file (off the JavaScript thread), queues its head and
   * descriptor, and sends them at once, while the descriptor is still open
   * (the engine keeps its own duplicate).
   */
  private async answerFile(req: HttpRequest, response: HttpResponse & { filePath: string }): Promise<void> {
    let handle: fs.promises.FileHandle | undefined
    try {
      try {
        handle = await fs.promises.open(response.filePath, 'r')
        const stat = await handle.stat()
        if (!stat.isFile()) throw Object.assign(new Error(`${response.filePath} is not a file`), { code: 'EISDIR' })
        const offset = response.offset ?? 0
        const length = response.length ?? Math.max(0, stat.size - offset)
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > stat.size) {
          this.answer(req, { status: 416, headers: { 'Content-Range': `bytes */${stat.size}` }, body: '' })
          this.scheduleFlush()
          return
        }
        const extension = path.extname(response.filePath).toLowerCase()
        const close = response.shouldClose === true
        const head = responseHead(req, response.status ?? 200, response.headers, length, close, FILE_TYPES[extension] ?? 'application/octet-stream')
        if (process.platform === 'win32') {
          // No descriptor sharing with the engine there: read, then send bytes.
          const body = Buffer.alloc(req._isHead ? 0 : length)
          if (body.length > 0) await handle.read(body, 0, length, offset)
          this.writer.bytes(req, KIND_RAW | (close ? KIND_CLOSE : 0), Buffer.concat([Buffer.from(head, 'latin1'), body]))
          this.scheduleFlush()
          return
        }
        this.writer.file(req, close, handle.fd, offset, length, head)
        this.flush()
      } catch (error) {
        if (handle === undefined || (error as NodeJS.ErrnoException).code === 'EISDIR') {
          // The file could not be opened: the response (or the default) decides.
          const onFileError = response.onFileError ?? fileErrorAnswer
          this.answer(req, await onFileError(error as NodeJS.ErrnoException))
          this.scheduleFlush()
          return
        }
        throw error
      }
    } finally {
      await handle?.close()
    }
  }

  private answerError(req: HttpRequest, error: unknown): void {
    this.endUpload(req)
    if (error instanceof RequestBodyError) {
      // The client's fault (or gone): its status, not a 500 for onError.
      const status = error.status === 0 ? 400 : error.status
      this.writer.result(req, { status, body: `${error.message}\n`, shouldClose: true }, true)
      return
    }
    this.writer.bytes(req, KIND_RAW, INTERNAL_ERROR)
    this.reportError(error, req)
  }

  private reportError(error: unknown, req: HttpRequest | undefined): void {
    try {
      this.config.onError(error, req)
    } catch (reportError) {
      // An onError that throws must not take the server down.
      console.error('fasthttp: onError threw:', reportError)
    }
  }

  // Answers of handlers that settle in the same tick leave together, in one
  // native call after the current callback and its microtasks.
  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    process.nextTick(this.flush)
  }

  private flush = (): void => {
    this.flushScheduled = false
    const done = this.batchesDone
    let ourTurns = false
    const length = this.writer.length
    if (done.length === 0) {
      if (length > 0) ourTurns = this.native.respond(this.writer.take(), -1, this.writer.takeExternals(), length)
    } else {
      ourTurns = this.native.respond(this.writer.take(), done[0], this.writer.takeExternals(), length)
      for (let i = 1; i < done.length; i++) ourTurns = this.native.respond(EMPTY, done[i])
      done.length = 0
    }
    if (ourTurns && !this.pullScheduled) {
      // Inline turns: the engine's next turn runs here, after Node's own
      // pending I/O and timers (setImmediate), so busy serving never starves them.
      this.pullScheduled = true
      setImmediate(this.pull)
    }
  }

  private pullScheduled = false

  // Pull slabs: inline turns copy their batches here, one after another,
  // instead of each batch coming as two new native buffers with finalizers.
  private pullSlabs: Slabs
  // Requests kept past their handler copy themselves into these small slabs.
  private keptSlabs: Slabs

  /** One inline turn: its answers are written, its new requests handled. */
  private pull = (): void => {
    this.pullScheduled = false
    // A batch bigger than a slab comes in parts, all in this tick (a later
    // batch must not come between them), each answered before the next.
    do this.pullPart()
    while (this.native.pullPending())
  }

  private pullPart(): void {
    const slabs = this.pullSlabs
    const slab = slabs.room(SLAB_MIN_ROOM_BYTES, SLAB_MIN_ROOM_WORDS)
    const pulled = this.native.pull(slab.data, slabs.dataAt, slab.table, slabs.tableAt)
    // null: quiet; the I/O thread has the turns again.
    if (pulled === null || pulled === undefined) return
    if (typeof pulled !== 'number') {
      // Too big for what is left of the slab: a batch of its own.
      this.onEvent(0, pulled.table, pulled.data)
      return
    }
    const start = slabs.tableAt
    const end = start + pulled * REQUEST_FIELDS
    if (pulled > 0) {
      const last = end - REQUEST_FIELDS
      slabs.used(slab.table[last + F_DATA_START] + slab.table[last + F_DATA_LEN] - slabs.dataAt, end - start)
    }
    this.handleRows(slab, start, end, 0)
  }

  private onThreadStopped(stopError: string | null): void {
    if (stopError !== null && this.threadError === undefined) {
      this.threadError = new Error(`fasthttp: ${stopError}`)
      try {
        this.config.onError(this.threadError, undefined)
      } catch {
        // reported below through run()'s rejection
      }
      this.native.shutdown(true)
    }
    this.threadsRunning -= 1
    if (this.threadsRunning > 0) return
    this.state = 'stopped'
    clearInterval(this.loopHold)
    const waiters = this.stoppedWaiters
    this.stoppedWaiters = []
    for (const waiter of waiters) waiter()
  }
}

/**
 * Keeps a running server's process alive under runtimes other than Node.
 * Node keeps it alive for the engine's ThreadsafeFunction; Bun was seen (in
 * about one of ten full test runs, always under load) to exit with code 0
 * while a server was still serving, with nothing else pending, so there a
 * ref'd timer that never fires holds the loop until the server has stopped.
 */
function holdEventLoop(): ReturnType<typeof setInterval> | undefined {
  if (!('bun' in process.versions) && !('deno' in process.versions)) return undefined
  return setInterval(() => {}, 0x7fffffff)
}

/**
 * Creates a server (V's `new_server`). Validates `config` at once and throws a
 * TypeError or RangeError naming the bad field; nothing listens until `run()`.
 */
export function newServer(config: ServerConfig): Server {
  return new Server(resolveConfig(config))
}
