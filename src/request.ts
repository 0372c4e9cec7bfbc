// `HttpRequest`: one request, a view over the bytes of the batch (or slab)
// the engine handed over. Four fields only: the string conveniences decode
// straight from the batch when called.

import { readAll } from './pieces'
import type { RequestBody } from './request-body'
import type { BatchStore, Slabs } from './slabs'
import type { Slice } from './types'
import * as wire from './wire'

// The wire constants as module constants: plain reads on the hot path (a
// property of the imported module may be a getter, as under tsx).
const { FIELD_BODY_LEN, FIELD_BODY_START, FIELD_CONN, FIELD_DATA_LEN, FIELD_DATA_START, FIELD_FD, FIELD_FLAGS, FIELD_GENERATION, FIELD_HEADERS_LEN, FIELD_HEADERS_START, FIELD_METHOD_LEN, FIELD_METHOD_START, FIELD_PATH_LEN, FIELD_PATH_START, FIELD_REMOTE_PORT, FIELD_SEQ, FIELD_VERSION_LEN, FIELD_VERSION_START, FLAG_BODY_STREAMED, FLAG_HEAD_METHOD, FLAG_HTTP_1_0, FLAG_KEEP_ALIVE, REQUEST_FIELDS } = wire

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
    return this._store.table[this._row + FIELD_DATA_START]
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
    const start = table[row + FIELD_DATA_START]
    const length = table[row + FIELD_DATA_LEN]
    if (length > kept.largest) {
      // Big (a large body): a copy of its own.
      const own = table.slice(row, row + REQUEST_FIELDS)
      own[FIELD_DATA_START] = 0
      this._store = { data: Buffer.from(store.data.subarray(start, start + length)), table: own, userData: store.userData, pullSlab: false }
      this._row = 0
      this._buffer = undefined
      return
    }
    const to = kept.room(length, REQUEST_FIELDS)
    const at = kept.dataAt
    store.data.copy(to.data, at, start, start + length)
    for (let i = 0; i < REQUEST_FIELDS; i++) to.table[kept.tableAt + i] = table[row + i]
    to.table[kept.tableAt + FIELD_DATA_START] = at
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
      this._buffer = this._data.subarray(this._base, this._base + this._table[this._row + FIELD_DATA_LEN])
    }
    return this._buffer
  }

  /** @internal */
  private slice(start: number, len: number): Slice {
    return { start: this._table[this._row + start], len: this._table[this._row + len] }
  }

  /** @internal */
  private text(start: number, len: number): string {
    const at = this._base + this._table[this._row + start]
    const length = this._table[this._row + len]
    // `/` (and any one-byte target) is a table lookup, not a native call.
    if (length === 1) return ONE_BYTE_STRINGS[this._data[at]]
    return latin1Slice.call(this._data, at, at + length)
  }

  /** The method, e.g. `GET`. */
  get method(): Slice {
    return this.slice(FIELD_METHOD_START, FIELD_METHOD_LEN)
  }
  /** The request target, e.g. `/user/1?x=2`. */
  get path(): Slice {
    return this.slice(FIELD_PATH_START, FIELD_PATH_LEN)
  }
  /** `HTTP/1.1` or `HTTP/1.0`. */
  get version(): Slice {
    return this.slice(FIELD_VERSION_START, FIELD_VERSION_LEN)
  }
  /** Every header line, from the first field name to the end of the last line. */
  get headerFields(): Slice {
    return this.slice(FIELD_HEADERS_START, FIELD_HEADERS_LEN)
  }
  /** The body (empty when there is none). */
  get body(): Slice {
    return this.slice(FIELD_BODY_START, FIELD_BODY_LEN)
  }
  /** The client socket's file descriptor (V's `client_conn_fd`). */
  get clientConnFd(): number {
    return this._table[this._row + FIELD_FD] | 0
  }
  /** The client's TCP port. */
  get remotePort(): number {
    return this._table[this._row + FIELD_REMOTE_PORT]
  }
  /** Whether the connection stays open after this request (HTTP keep-alive rules). */
  get keepAlive(): boolean {
    return (this._table[this._row + FIELD_FLAGS] & FLAG_KEEP_ALIVE) !== 0
  }

  /** The method as a string. */
  get methodName(): string {
    return this.text(FIELD_METHOD_START, FIELD_METHOD_LEN)
  }
  /** The request target as a string (path and query). */
  get url(): string {
    return this.text(FIELD_PATH_START, FIELD_PATH_LEN)
  }
  /** The path without the query string. */
  get pathname(): string {
    const url = this.url
    const q = url.indexOf('?')
    return q === -1 ? url : url.slice(0, q)
  }
  /** `HTTP/1.1` or `HTTP/1.0` as a string. */
  get httpVersion(): string {
    return this.text(FIELD_VERSION_START, FIELD_VERSION_LEN)
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
    const lines = this.text(FIELD_HEADERS_START, FIELD_HEADERS_LEN).split('\n')
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
    return (this._table[this._row + FIELD_FLAGS] & FLAG_BODY_STREAMED) !== 0
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
    const whole = await readAll(this._bodyStream.iterate())
    return Buffer.from(whole.buffer, whole.byteOffset, whole.length)
  }

  /** @internal */
  private bufferedBody(): number {
    if (this._bodyStream !== undefined) {
      throw new Error('fasthttp: this request body is streamed (longer than streamBodiesOver): read it with req.bodyStream() or req.readBody()')
    }
    return this._base + this._table[this._row + FIELD_BODY_START]
  }

  /** The body bytes (a view, no copy). */
  bodyBytes(): Buffer {
    const start = this.bufferedBody()
    return this._data.subarray(start, start + this._table[this._row + FIELD_BODY_LEN])
  }

  /** The body decoded as UTF-8. */
  bodyText(): string {
    const start = this.bufferedBody()
    return this._data.toString('utf8', start, start + this._table[this._row + FIELD_BODY_LEN])
  }

  /** The body parsed as JSON (throws on invalid JSON, which makes a 500). */
  bodyJson<T = unknown>(): T {
    return JSON.parse(this.bodyText()) as T
  }

  /** @internal whether the request was HTTP/1.0. */
  get _isHttp10(): boolean {
    return (this._table[this._row + FIELD_FLAGS] & FLAG_HTTP_1_0) !== 0
  }

  /** @internal whether the method was HEAD (the body must not be sent). */
  get _isHead(): boolean {
    return (this._table[this._row + FIELD_FLAGS] & FLAG_HEAD_METHOD) !== 0
  }
}

/** @internal Identifies one request of one connection (streams, uploads and takeovers are kept by it). */
export function requestKey(table: Uint32Array, row: number): string {
  return `${table[row + FIELD_CONN]}:${table[row + FIELD_GENERATION]}:${table[row + FIELD_SEQ]}`
}

/** Every one-byte string, by its byte. */
const ONE_BYTE_STRINGS = Array.from({ length: 256 }, (_, byte) => String.fromCharCode(byte))

/**
 * Node's `Buffer#latin1Slice` (what `toString('latin1', …)` ends in), called
 * directly: 20-30 ns less per call than going through `toString`'s encoding
 * dispatch. Runtimes without it get `toString`.
 */
const latin1Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { latin1Slice?: (this: Buffer, start: number, end: number) => string }).latin1Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('latin1', start, end)
  }
