// The `socket` of one request: what node:http's `IncomingMessage` and
// `ServerResponse` (Node's own code, through Node's own prototypes) read
// from and write to. It is not a stream: it is the engine request seen from
// Node's HTTP layer.
//
// Output. `ServerResponse` writes its head and body here exactly as it would
// to a `net.Socket` (Node frames them: Content-Length or chunked, HEAD, 204,
// 304, trailers). Three ways out:
//   - the response ended during the 'request' event (the common case): every
//     byte written goes back to the engine as ONE whole answer;
//   - it ended later, in the same tick as its first write: one whole answer too;
//   - otherwise it is streamed through a reusable takeover of the engine:
//     each tick's writes are one piece, `write()` returns false past the high
//     water mark and 'drain' follows once the engine has taken the pieces.
//
// Input. `IncomingMessage._read` calls `socket.resume()` (its `readStart`):
// only then is the body pushed into the request (a buffered body in one
// piece, a streamed one piece by piece with backpressure). A request nobody
// reads builds no stream buffers and pushes nothing.

import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HandlerResult, HttpRequest, ReusableConnection } from '../../index'
import { kNeedDrain } from './internals'
import { connectionAddresses, peerClosed, type AddressInfo } from './address'
import { unwatch, watch, type Watched } from './watch'

/** The response is being produced inside the 'request' event. */
const SYNC = 0
/** The 'request' event returned before the response ended: the engine waits for a promise. */
const WAITING = 1
/** The whole answer was handed to the engine. */
const SENT = 2
/** The answer is streamed (a reusable takeover). */
const STREAMING = 3
/** The response is over (sent, or the connection was cut). */
const DONE = 4

const HIGH_WATER_MARK = 64 * 1024
/**
 * How often an idle streamed response looks whether its client left (the
 * engine flags a stream's connection as closed, but wakes the producer only
 * when it writes or waits for a drain).
 */
const CLOSE_POLL_MS = 200
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n'

/** A cut without an answer: nothing is written and the connection closes. */
const CLOSE_ANSWER: HandlerResult = {
  takeoverMode: 'reusable',
  writeResponse(conn: ReusableConnection) {
    conn.end('', { close: true })
  },
}

export interface SocketOwner {
  emit(event: string | symbol, ...args: unknown[]): boolean
  /** Bound address of the server (for `localAddress`/`localPort`). */
  address(): AddressInfo | string | null
}

type WriteCallback = (error?: Error | null) => void

export class EngineSocket extends EventEmitter {
  // -- the net.Socket surface node:http and middleware read -----------------
  readable = true
  writable = true
  destroyed = false
  connecting = false
  allowHalfOpen = false
  encrypted: undefined
  _paused = false
  _hadError = false
  _httpMessage: ServerResponse | null = null
  /** `end()` sets `corked = 1` before uncorking. */
  _writableState = { corked: 0 }
  readableHighWaterMark = 16 * 1024
  writableHighWaterMark = HIGH_WATER_MARK
  bytesRead = 0
  bytesWritten = 0
  server: SocketOwner
  /** @internal the engine's request */
  _request: HttpRequest
  /** @internal the request made over it */
  _incoming: IncomingMessage | null = null

  // -- output ---------------------------------------------------------------
  private mode = SYNC
  /** Written and not yet handed on: bytes, or strings to be sent as UTF-8 (Node's default). */
  private pieces: Array<Uint8Array | string> = []
  private pendingBytes = 0
  private callbacks: WriteCallback[] = []
  private resolve: ((result: HandlerResult) => void) | undefined = undefined
  private wake: (() => void) | undefined = undefined
  private decideScheduled = false
  private needDrain = false
  private closeAfter = false

  // -- input ------------------------------------------------------------------
  private bodyState = 0 // 0 not started, 1 streaming, 2 done
  private bodyWake: (() => void) | undefined = undefined

  /** @internal the list of pending answers (watch.ts) */
  _watchPrev: Watched | null = null
  /** @internal */
  _watchNext: Watched | null = null
  /** @internal */
  _watched = false

  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  private timeoutMs = 0
  private addresses: { remote: AddressInfo; local: AddressInfo } | null | undefined = undefined

  constructor(server: SocketOwner, request: HttpRequest) {
    super()
    this.server = server
    this._request = request
  }

  // -- addresses ------------------------------------------------------------------

  /** Both ends, asked of the engine's descriptor the first time one is read. */
  private ends(): { remote: AddressInfo; local: AddressInfo } | null {
    if (this.addresses === undefined) this.addresses = connectionAddresses(this._request.clientConnFd, this._request.remotePort)
    return this.addresses
  }
  get remoteAddress(): string | undefined {
    return this.ends()?.remote.address
  }
  get remotePort(): number | undefined {
    return this.ends()?.remote.port ?? this._request.remotePort
  }
  get remoteFamily(): string | undefined {
    return this.ends()?.remote.family
  }
  get localAddress(): string | undefined {
    return this.ends()?.local.address ?? this.listening()?.address
  }
  get localPort(): number | undefined {
    return this.ends()?.local.port ?? this.listening()?.port
  }
  get localFamily(): string | undefined {
    return this.ends()?.local.family ?? this.listening()?.family
  }
  address(): AddressInfo | Record<string, never> {
    return this.ends()?.local ?? this.listening() ?? {}
  }
  private listening(): AddressInfo | undefined {
    const address = this.server.address()
    return address !== null && typeof address === 'object' ? address : undefined
  }
  /**
   * Bytes queued and not yet taken: like a net.Socket, whose writes mostly
   * go to the kernel at once, only a backlog past the high water mark
   * counts (so `res.writableFinished` turns true at `end()`, as on node:http).
   */
  get writableLength(): number {
    return this.needDrain ? this.pendingBytes : 0
  }
  get writableCorked(): number {
    return this._writableState.corked
  }
  get writableNeedDrain(): boolean {
    return this.needDrain
  }
  get pending(): boolean {
    return false
  }
  get readyState(): string {
    return this.destroyed ? 'closed' : 'open'
  }
  get _handle(): object | null {
    return this.destroyed ? null : this
  }

  // -- no-ops a net.Socket has -----------------------------------------------------
  setNoDelay(): this {
    return this
  }
  setKeepAlive(): this {
    return this
  }
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
  cork(): void {
    this._writableState.corked++
  }
  uncork(): void {
    if (this._writableState.corked > 0) this._writableState.corked--
  }
  pause(): this {
    return this
  }

  // -- input -------------------------------------------------------------------------

  /** `IncomingMessage._read` → `readStart(socket)`: the body is wanted. */
  resume(): this {
    const req = this._incoming
    if (req === null || this.bodyState === 2) return this
    if (this.bodyState === 1) {
      const wake = this.bodyWake
      this.bodyWake = undefined
      wake?.()
      return this
    }
    const request = this._request
    if (!request.bodyStreamed) {
      this.bodyState = 2
      const body = request.bodyBytes()
      this.bytesRead = body.length
      if (body.length > 0) req.push(body)
      req.push(null)
      return this
    }
    this.bodyState = 1
    void this.pumpBody(req, request)
    return this
  }

  private async pumpBody(req: IncomingMessage, request: HttpRequest): Promise<void> {
    const pieces = request.bodyStream()
    try {
      for (;;) {
        const next = await pieces.next()
        if (next.done) break
        this.bytesRead += next.value.length
        if (req.destroyed) {
          void pieces.return?.(undefined)
          return
        }
        if (!req.push(next.value)) await new Promise<void>((resolve) => (this.bodyWake = resolve))
      }
      this.bodyState = 2
      req.complete = true
      req.push(null)
    } catch (error) {
      this.bodyState = 2
      const status = (error as { status?: number }).status
      if (status === 0 || status === undefined) {
        req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
      } else {
        req.destroy(Object.assign(error as Error, { statusCode: status, status, expose: true }))
      }
    }
  }

  // -- output ------------------------------------------------------------------------

  write(data: string | Uint8Array, encoding?: BufferEncoding | WriteCallback | null, callback?: WriteCallback): boolean {
    if (typeof encoding === 'function') {
      callback = encoding
      encoding = undefined
    }
    if (this.destroyed || this.mode === DONE || this.mode === SENT) {
      if (typeof callback === 'function') process.nextTick(callback, new Error('write after the response was sent'))
      return false
    }
    if (typeof data === 'string') {
      if (data.length > 0) {
        if (data === CONTINUE && this.pieces.length === 0 && this.bytesWritten === 0) {
          // The engine sent `100 Continue` itself when the head arrived.
          if (typeof callback === 'function') process.nextTick(callback)
          return true
        }
        // A UTF-8 string stays a string: a whole answer of one string is
        // encoded once, straight into the engine's answer buffer.
        const piece = encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8' ? data : Buffer.from(data, encoding)
        this.pieces.push(piece)
        this.pendingBytes += piece.length
      }
    } else if (data.length > 0) {
      this.pieces.push(data)
      this.pendingBytes += data.length
    }
    if (typeof callback === 'function') this.callbacks.push(callback)
    if (this.timer !== undefined) this.refreshTimeout()
    if (this.mode === WAITING) this.scheduleDecide()
    else if (this.mode === STREAMING) this.wakePump()
    if (this.pendingBytes >= HIGH_WATER_MARK) {
      this.needDrain = true
      return false
    }
    return true
  }

  end(data?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), callback?: () => void): this {
    if (typeof data === 'function') callback = data
    else if (data !== undefined && data !== null) this.write(data, encoding as BufferEncoding)
    if (typeof encoding === 'function') callback = encoding
    this.closeAfter = true
    if (typeof callback === 'function') this.once('finish', callback)
    // Without a response in progress there is nothing to finish: cut.
    if (this._httpMessage === null || this.mode === DONE) this.destroy()
    return this
  }

  destroySoon(): void {
    this.closeAfter = true
  }

  /**
   * Called right after the 'request' event: the answer if the response has
   * ended (the common case), else a promise the engine waits on.
   * @internal
   */
  _afterRequest(res: ServerResponse | null): HandlerResult | Promise<HandlerResult> {
    if (this.mode === DONE || res === null) return CLOSE_ANSWER
    if (res.finished) return this.whole(res)
    this.mode = WAITING
    res.once('prefinish', onPrefinish)
    if (this.pieces.length > 0) this.scheduleDecide()
    watch(this)
    return new Promise<HandlerResult>((resolve) => (this.resolve = resolve))
  }

  /** Everything written, as one answer; the write callbacks follow. */
  private whole(res: ServerResponse): HandlerResult {
    if (this.mode === WAITING) unwatch(this)
    this.mode = SENT
    // Nothing written at all (only a cut connection gets here): close, never a 200.
    if (this.pieces.length === 0) {
      this.runCallbacks()
      return CLOSE_ANSWER
    }
    const content = joined(this.pieces)
    this.bytesWritten += content.length
    this.pieces = []
    this.pendingBytes = 0
    this.runCallbacks()
    const close = (res as unknown as { _last: boolean })._last || this.closeAfter
    return close ? { content, shouldClose: true } : content
  }

  private runCallbacks(): void {
    const callbacks = this.callbacks
    if (callbacks.length === 0) return
    this.callbacks = []
    process.nextTick(runAll, callbacks)
  }

  private scheduleDecide(): void {
    if (this.decideScheduled) return
    this.decideScheduled = true
    process.nextTick(decide, this)
  }

  /** @internal the response ended, or a tick of writes is over, while the engine waits. */
  _decide(): void {
    this.decideScheduled = false
    if (this.mode !== WAITING) {
      if (this.mode === STREAMING) this.wakePump()
      return
    }
    const res = this._httpMessage
    const resolve = this.resolve!
    if (res === null || res.finished) {
      if (res !== null) resolve(this.whole(res))
      return
    }
    if (this.pieces.length === 0) return
    // About to stream: a client that already left is not streamed to.
    if (this._peerGone() === true) {
      this._clientLeft()
      return
    }
    unwatch(this)
    this.mode = STREAMING
    resolve({ takeoverMode: 'reusable', writeResponse: (conn: ReusableConnection) => this.pump(conn) })
  }

  private wakePump(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Streams the pieces as they are written, until the response ends or the client leaves. */
  private async pump(conn: ReusableConnection): Promise<void> {
    for (;;) {
      if (conn.closed) {
        this.clientGone()
        return
      }
      if (this.pieces.length > 0) {
        const pieces = this.pieces
        const callbacks = this.callbacks
        this.pieces = []
        this.callbacks = []
        const bytes = joined(pieces)
        const counted = pendingLength(pieces)
        this.bytesWritten += bytes.length
        await conn.write(bytes)
        this.pendingBytes -= counted
        for (const callback of callbacks) callback()
        if (this.needDrain && this.pendingBytes < HIGH_WATER_MARK) {
          this.needDrain = false
          this.emitDrain()
        }
        continue
      }
      if (this.callbacks.length > 0) {
        const callbacks = this.callbacks
        this.callbacks = []
        for (const callback of callbacks) callback()
        continue
      }
      const res = this._httpMessage
      if (this.mode === DONE || res === null || res.finished) {
        const close = this.mode === DONE || this.destroyed || this.closeAfter || (res !== null && (res as unknown as { _last: boolean })._last)
        this.mode = DONE
        conn.end('', { close })
        return
      }
      // Wait for the next write; look at the connection now and then (the
      // engine says a stream's client left only when it is written to).
      await new Promise<void>((resolve) => {
        this.wake = resolve
        const poll = setInterval(() => {
          if (conn.closed) resolve()
        }, CLOSE_POLL_MS)
        poll.unref()
        const original = resolve
        this.wake = () => {
          clearInterval(poll)
          original()
        }
        if (conn.closed) this.wake()
      })
    }
  }

  private emitDrain(): void {
    const res = this._httpMessage as (ServerResponse & Record<symbol, boolean>) | null
    if (res !== null && !res.finished && kNeedDrain !== undefined && res[kNeedDrain]) {
      res[kNeedDrain] = false
      res.emit('drain')
    }
    this.emit('drain')
  }

  /** @internal whether the client has closed the connection (a peek), undefined when unknown. */
  _peerGone(): boolean | undefined {
    return peerClosed(this._request.clientConnFd, this._request.remotePort)
  }

  /** @internal the client left before the answer was sent. */
  _clientLeft(): void {
    this.destroy()
  }

  /** The client went away while the response was streaming. */
  private clientGone(): void {
    this.mode = DONE
    this.destroy()
  }

  // -- the end of the exchange -----------------------------------------------------------

  /** @internal the response's 'finish' (`resOnFinish` of node:http). */
  _finished(res: ServerResponse): void {
    this.clearTimeout()
    const req = this._incoming
    if (req !== null) {
      const r = req as IncomingMessage & { _consuming: boolean; _readableState: { resumeScheduled: boolean }; _dump(): void }
      // Node reads an unread body away (`_dump`) so 'end' and 'close'
      // follow; without anyone listening for them that is pure cost.
      if (
        !r._consuming &&
        !r._readableState.resumeScheduled &&
        (r.listenerCount('end') > 0 || r.listenerCount('close') > 0 || r.listenerCount('data') > 0 || this.bodyState === 1)
      ) {
        r._dump()
      }
    }
    if (this._httpMessage === res) {
      this._httpMessage = null
      ;(res as { socket: unknown }).socket = null
    }
    process.nextTick(emitClose, res)
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this
    this.destroyed = true
    this.readable = false
    this.writable = false
    this.clearTimeout()
    const mode = this.mode
    this.mode = DONE
    if (mode === WAITING) {
      unwatch(this)
      this.resolve!(CLOSE_ANSWER)
    }
    else if (mode === STREAMING) this.wakePump()
    if (error) this._hadError = true
    process.nextTick(emitSocketClose, this, error)
    return this
  }

  /** @internal after 'close': the response and request learn the connection is gone. */
  _closed(error: Error | undefined): void {
    if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error)
    this.emit('close', error !== undefined)
    const res = this._httpMessage
    if (res !== null) emitClose(res)
    const req = this._incoming as (IncomingMessage & { readableEnded: boolean }) | null
    if (req !== null && !req.destroyed && (!req.complete || !req.readableEnded)) {
      if (!req.complete || this.bodyState === 1) req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
      else req.destroy()
    }
  }

  // -- timeouts ----------------------------------------------------------------------

  setTimeout(ms: number, callback?: () => void): this {
    if (typeof callback === 'function') this.once('timeout', callback)
    this.timeoutMs = ms
    this.clearTimeout()
    if (ms > 0 && !this.destroyed) {
      this.timer = setTimeout(() => this.onTimeout(), ms)
      this.timer.unref()
    }
    return this
  }

  get timeout(): number | undefined {
    return this.timeoutMs > 0 ? this.timeoutMs : undefined
  }

  private refreshTimeout(): void {
    this.timer?.refresh()
  }

  private clearTimeout(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }

  private onTimeout(): void {
    this.timer = undefined
    const req = this._incoming
    const reqTimeout = req !== null && !req.complete && req.emit('timeout', this)
    const res = this._httpMessage
    const resTimeout = res !== null && res.emit('timeout', this)
    const serverTimeout = this.server.emit('timeout', this)
    const own = this.emit('timeout')
    if (!reqTimeout && !resTimeout && !serverTimeout && !own) this.destroy()
  }
}

/** The pieces as one answer: a lone string or byte array as it is, else one Buffer. */
function joined(pieces: Array<Uint8Array | string>): Uint8Array | string {
  if (pieces.length === 1) return pieces[0]
  return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece)))
}

/** What the pieces counted for in `pendingBytes` (string lengths, byte lengths). */
function pendingLength(pieces: Array<Uint8Array | string>): number {
  let length = 0
  for (const piece of pieces) length += piece.length
  return length
}

function onPrefinish(this: ServerResponse): void {
  const socket = this.socket
  if (socket instanceof EngineSocket) socket._decide()
}

function decide(socket: EngineSocket): void {
  socket._decide()
}

function runAll(callbacks: WriteCallback[]): void {
  for (const callback of callbacks) callback()
}

function emitClose(res: ServerResponse): void {
  const r = res as ServerResponse & { _closed: boolean; destroyed: boolean }
  if (!r._closed) {
    r.destroyed = true
    r._closed = true
    r.emit('close')
  }
}

function emitSocketClose(socket: EngineSocket, error: Error | undefined): void {
  socket._closed(error)
}
