// The shapes a handler works with: what it gets (`Slice`, through
// `HttpRequest`) and every form of answer it may return.

import type net from 'node:net'
import type { HttpRequest } from './request'

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
  headers?: ResponseHeaders
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

/** Response headers: an object (a list value repeats the header) or `[name, value]` pairs. */
export type ResponseHeaders = Record<string, string | number | readonly string[]> | ReadonlyArray<readonly [string, string]>

/** The structured response form: status, headers, body. */
export interface StructuredResponse {
  status: number
  headers?: ResponseHeaders
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
export type HandlerResult = Uint8Array | string | HttpResponse | StructuredResponse

/** A request handler: `newServer({ handler })`. */
export type Handler = (req: HttpRequest) => HandlerResult | Promise<HandlerResult>
