// Streamed answers: a body produced piece by piece (`{ status, body:
// asyncIterable }`) and reusable takeovers (`writeResponse(conn)`), both
// written through the same piece-by-piece path with backpressure: after
// `STREAM_HIGH_WATER` bytes a piece waits for the engine's drain notice.

import type { Dispatch } from './dispatch'
import { requestKey, type HttpRequest } from './request'
import { headerValue, responseHead } from './response-head'
import { readPieces } from './pieces'
import { BadHandlerResult } from './results'
import type { HttpResponse, ReusableConnection, StreamBody, StructuredResponse } from './types'
import { FLAG_STREAM_CLOSED, KIND_CLOSE, KIND_STREAM, KIND_STREAM_END, KIND_WANT_DRAIN } from './wire'

/** A streamed answer waits for a drain notice after this many bytes. */
const STREAM_HIGH_WATER = 256 * 1024

const CRLF = Buffer.from('\r\n')

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

/** The streamed answers in progress of one server, by request. */
export class Streams {
  private byRequest = new Map<string, StreamState>()

  constructor(private readonly dispatch: Dispatch) {}

  /** The engine's notice for a streamed answer: its output drained, or its connection closed. */
  onNotice(table: Uint32Array, row: number, rowFlags: number): void {
    const stream = this.byRequest.get(requestKey(table, row))
    if (stream) {
      if ((rowFlags & FLAG_STREAM_CLOSED) !== 0) {
        stream.closed = true
        stream.cancel?.()
      }
      stream.resume?.()
      stream.resume = undefined
    }
  }


  /**
   * Streams a body piece by piece: the head first, then each piece (chunked
   * on HTTP/1.1 unless a Content-Length was given; HTTP/1.0 clients read
   * until the close), each with backpressure (`piece`).
   */
  async answer(req: HttpRequest, response: StructuredResponse & { body: StreamBody }): Promise<void> {
    const stream = this.open(req)
    let headSent = false
    try {
      const givenLength = headerValue(response.headers, 'content-length') !== undefined
      const framing = givenLength ? 'given' : req._isHttp10 ? 'until-close' : 'chunked'
      const close = response.shouldClose === true || framing === 'until-close'
      const head = responseHead(req, response.status, response.headers, framing === 'given' ? 0 : framing, close, 'application/octet-stream')
      this.dispatch.writer.string(req, KIND_STREAM, head)
      headSent = true
      this.dispatch.scheduleFlush()
      // Every answer form streams its pieces the same way: where the answer
      // may not have a body (HEAD, 204, 304) the engine ends it at its head
      // and tells this stream it closed, which stops the producer.
      const pieces = readPieces(response.body)
      // A producer waiting for its next piece (an SSE stream between
      // events) is cancelled as soon as the client leaves, not at that piece.
      stream.cancel = () => void pieces.cancel()
      for (;;) {
        const next = await pieces.next()
        if (next.done || stream.closed) break
        const piece = next.value as Uint8Array | string
        const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece
        if (bytes.length === 0) continue
        await this.piece(req, stream, framing === 'chunked' ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]) : bytes)
        if (stream.closed) break
      }
      stream.cancel = undefined
      if (stream.closed) return
      this.end(req, framing === 'chunked' ? '0\r\n\r\n' : '', close)
    } catch (error) {
      this.fail(req, stream, error, headSent)
    } finally {
      this.close(req)
    }
  }

  /**
   * Reusable takeover: `writeResponse` writes the raw response through the
   * same piece-by-piece path as streamed answers; the connection stays.
   */
  async reusable(req: HttpRequest, response: HttpResponse): Promise<void> {
    const writeResponse = response.writeResponse
    if (typeof writeResponse !== 'function') {
      this.dispatch.answerError(req, new BadHandlerResult("fasthttp: takeoverMode 'reusable' needs a writeResponse(conn) function"))
      return
    }
    const stream = this.open(req)
    let wrote = false
    let ended = false
    const streams = this
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
        await streams.piece(req, stream, bytes)
      },
      end(data = '', { close = false } = {}) {
        if (ended) return
        ended = true
        if (!stream.closed) streams.end(req, data, close)
      },
    }
    try {
      if (response.content !== undefined) await conn.write(response.content)
      await writeResponse(conn)
      conn.end()
    } catch (error) {
      if (!ended) {
        ended = true
        this.fail(req, stream, error, wrote)
      } else {
        this.dispatch.reportError(error, req)
      }
    } finally {
      this.close(req)
    }
  }

  /** Starts tracking a streamed answer (its drain and close notices). */
  private open(req: HttpRequest): StreamState {
    const stream: StreamState = { closed: false, resume: undefined, sinceDrain: 0 }
    this.byRequest.set(requestKey(req._table, req._row), stream)
    return stream
  }

  private close(req: HttpRequest): void {
    this.byRequest.delete(requestKey(req._table, req._row))
    this.dispatch.uploads.end(req)
  }

  /**
   * Queues one piece of a streamed answer. After `STREAM_HIGH_WATER` bytes
   * it waits until the engine says the connection's output has drained, so
   * a slow client never makes more than a bounded amount wait in memory.
   */
  private async piece(req: HttpRequest, stream: StreamState, bytes: Uint8Array): Promise<void> {
    stream.sinceDrain += bytes.length
    const wait = stream.sinceDrain >= STREAM_HIGH_WATER
    this.dispatch.writer.bytes(req, KIND_STREAM | (wait ? KIND_WANT_DRAIN : 0), bytes)
    this.dispatch.scheduleFlush()
    if (wait) {
      await new Promise<void>((resolve) => (stream.resume = resolve))
      stream.sinceDrain = 0
    }
  }

  /** The last piece: the request is answered, the connection goes on (or closes). */
  private end(req: HttpRequest, last: Uint8Array | string, close: boolean): void {
    const kind = KIND_STREAM | KIND_STREAM_END | (close ? KIND_CLOSE : 0)
    if (typeof last === 'string') this.dispatch.writer.string(req, kind, last)
    else this.dispatch.writer.bytes(req, kind, last)
    this.dispatch.scheduleFlush()
  }

  /** A streamed answer failed: a 500 if nothing was sent yet, else the connection is cut. */
  private fail(req: HttpRequest, stream: StreamState, error: unknown, started: boolean): void {
    if (stream.closed) return
    if (started) {
      // Too late for a 500: cut the connection so the client sees an
      // incomplete response rather than a complete-looking one.
      this.dispatch.writer.string(req, KIND_STREAM | KIND_STREAM_END | KIND_CLOSE, '')
      this.dispatch.reportError(error, req)
    } else {
      this.dispatch.answerError(req, error)
    }
    this.dispatch.scheduleFlush()
  }

}
