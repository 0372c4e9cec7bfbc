// `createServer()`: an `http.Server`-like EventEmitter over the engine.

import { EventEmitter } from 'node:events'
import { IncomingMessage, ServerResponse } from 'node:http'
import { isIPv4, isIPv6 } from 'node:net'
import type net from 'node:net'
import { newServer, type HandlerResult, type HttpRequest, type Server as EngineServer, type ServerConfig } from '../../index'
import type { AddressInfo } from './address'
import { createRequest, type HeadFacts, type IncomingMessageClass } from './request'
import { EngineSocket } from './socket'

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void

export interface ServerOptions {
  /** The class of `req` (default `http.IncomingMessage`); must extend it. */
  IncomingMessage?: IncomingMessageClass
  /** The class of `res` (default `http.ServerResponse`); must extend it. */
  ServerResponse?: typeof ServerResponse
  /** Keep-alive idle time in ms (Node's default 5000); read at `listen()`. */
  keepAliveTimeout?: number
  /** The whole request must arrive within this many ms (Node's default 300000; 0: 1 day); read at `listen()`. */
  requestTimeout?: number
  /** Accepted for compatibility; the engine's deadline is `requestTimeout`. */
  headersTimeout?: number
  /** Longest request head in bytes (Node's default 16384). */
  maxHeaderSize?: number
  /** Join duplicate headers with `, ` (Node's option of the same name). */
  joinDuplicateHeaders?: boolean
  /** Accepted and ignored: the engine's parser is always strict. */
  insecureHTTPParser?: boolean
  /** Accepted and ignored (the engine always sets TCP_NODELAY). */
  noDelay?: boolean
  /** Accepted and ignored. */
  keepAlive?: boolean
  /** Accepted and ignored. */
  keepAliveInitialDelay?: number
  /** Accepted and ignored: the engine answers 400 to an HTTP/1.1 request without Host. */
  requireHostHeader?: boolean
  /** Accepted and ignored. */
  highWaterMark?: number
  /** Accepted and ignored. */
  uniqueHeaders?: Array<string | string[]>
  /** Accepted and ignored. */
  rejectNonStandardBodyWrites?: boolean
  /**
   * fasthttp: bodies longer than this many bytes reach the request as they
   * arrive (with backpressure); shorter ones are read whole before the
   * 'request' event. Default 65536.
   */
  streamBodiesOver?: number
  /** fasthttp: longest request body in bytes (413 past it). Default 2^40 (no practical limit, like Node). */
  maxBodySize?: number
  /** fasthttp: native I/O threads. Default 1. */
  ioThreads?: number
}

export interface ListenOptions {
  port?: number | string
  host?: string
  backlog?: number
  path?: string
  exclusive?: boolean
  ipv6Only?: boolean
  reusePort?: boolean
  signal?: AbortSignal
}

const FOREVER_MS = 2 ** 31 - 1
const DAY_SECONDS = 86_400

function seconds(ms: number | undefined, fallback: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return fallback
  if (ms === 0) return DAY_SECONDS
  return Math.min(DAY_SECONDS, Math.max(0.001, ms / 1000))
}

function listenError(error: unknown, port: number, host: string): NodeJS.ErrnoException {
  const message = error instanceof Error ? error.message : String(error)
  const code = /in use/i.test(message)
    ? 'EADDRINUSE'
    : /permission|denied/i.test(message)
      ? 'EACCES'
      : /not available|cannot assign/i.test(message)
        ? 'EADDRNOTAVAIL'
        : /resolve|lookup|unknown host|not known/i.test(message)
          ? 'ENOTFOUND'
          : 'EINVAL'
  const address = host === '' ? '::' : host
  const err = new Error(`listen ${code}: ${message} ${address}:${port}`) as NodeJS.ErrnoException & { address: string; port: number }
  err.code = code
  err.errno = code === 'EADDRINUSE' ? -98 : code === 'EACCES' ? -13 : -22
  err.syscall = 'listen'
  err.address = address
  err.port = port
  return err
}

export class Server extends EventEmitter {
  /** Whether the server is listening. */
  listening = false
  /** Node's idle keep-alive time (ms), advertised in `Keep-Alive: timeout=`; read at `listen()`. */
  keepAliveTimeout = 5000
  headersTimeout = 60_000
  requestTimeout = 300_000
  /** `setTimeout()`'s idle time for each request's socket (0: none). */
  timeout = 0
  maxHeadersCount: number | null = null
  maxRequestsPerSocket: number | null = 0
  maxConnections: number | undefined = undefined
  /** Truthy while listening (supertest and others look at it). */
  _handle: object | null = null
  /** @internal */ _connectionKey = ''

  private readonly options: ServerOptions
  private readonly Incoming: IncomingMessageClass
  private readonly Response: typeof ServerResponse
  private engine: EngineServer | undefined = undefined
  private bound: AddressInfo | null = null
  private closing = false

  constructor(options?: ServerOptions | RequestListener, listener?: RequestListener) {
    super()
    if (typeof options === 'function') {
      listener = options
      options = {}
    }
    this.options = options ?? {}
    this.Incoming = this.options.IncomingMessage ?? IncomingMessage
    this.Response = this.options.ServerResponse ?? ServerResponse
    if (typeof this.options.keepAliveTimeout === 'number') this.keepAliveTimeout = this.options.keepAliveTimeout
    if (typeof this.options.requestTimeout === 'number') this.requestTimeout = this.options.requestTimeout
    if (typeof this.options.headersTimeout === 'number') this.headersTimeout = this.options.headersTimeout
    if (listener !== undefined) this.on('request', listener)
  }

  /**
   * `listen(port?, host?, backlog?, callback?)` or `listen(options, callback?)`.
   * Binds at once: `address()` is filled when it returns; 'listening' (and
   * the callback) follow on the next tick, or 'error'.
   */
  listen(...args: unknown[]): this {
    let callback: (() => void) | undefined
    if (typeof args[args.length - 1] === 'function') callback = args.pop() as () => void
    let port: unknown = 0
    let host = ''
    let reusePort = false
    const first = args[0]
    if (first !== null && typeof first === 'object') {
      const options = first as ListenOptions
      if (options.path !== undefined) throw new TypeError('fasthttp/node: listening on a path (Unix socket or pipe) is not supported')
      port = options.port ?? 0
      host = options.host ?? ''
      reusePort = options.reusePort === true
    } else {
      if (typeof first === 'string' && !/^\d+$/.test(first)) throw new TypeError('fasthttp/node: listening on a path (Unix socket or pipe) is not supported')
      port = first ?? 0
      if (typeof args[1] === 'string') host = args[1]
    }
    const portNumber = typeof port === 'string' ? Number(port) : (port as number)
    if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
      const error = new RangeError(`options.port should be >= 0 and < 65536. Received ${String(port)}.`) as RangeError & { code: string }
      error.code = 'ERR_SOCKET_BAD_PORT'
      throw error
    }
    if (this.engine !== undefined && this.listening) {
      const error = new Error('Listen method has been called more than once without closing.') as Error & { code: string }
      error.code = 'ERR_SERVER_ALREADY_LISTEN'
      throw error
    }
    if (callback !== undefined) this.once('listening', callback)
    this.start(portNumber, host, reusePort)
    return this
  }

  private start(port: number, host: string, reusePort: boolean): void {
    const engineHost = host === '::' ? '' : host
    const options = this.options
    const config: ServerConfig = {
      port,
      host: engineHost,
      family: engineHost === '' ? 'ip6' : undefined,
      handler: this.dispatch,
      maxRequestBufferSize: options.maxHeaderSize ?? 16 * 1024,
      maxBodySize: options.maxBodySize ?? 2 ** 40,
      streamBodiesOver: options.streamBodiesOver ?? 64 * 1024,
      // CONNECT reaches 'connect' listeners (a takeover), as on node:http.
      allowConnect: true,
      timeoutInSeconds: seconds(this.requestTimeout, 300),
      idleTimeoutInSeconds: seconds(this.keepAliveTimeout, 5),
      handlerTimeoutInSeconds: 0,
      reusePort,
      ioThreads: options.ioThreads,
      onError: this.onEngineError,
    }
    if (this.maxConnections !== undefined) config.maxConnections = this.maxConnections
    if (config.family === undefined) delete config.family
    if (config.ioThreads === undefined) delete config.ioThreads
    let engine: EngineServer
    try {
      engine = newServer(config)
    } catch (error) {
      process.nextTick(() => this.emit('error', error))
      return
    }
    let failure: unknown
    const done = engine.run()
    done.catch((error: unknown) => {
      failure = error
    })
    if (!engine.running) {
      // The bind failed (run() rejects at once): the error is Node's kind.
      void done.catch(() => undefined)
      queueMicrotask(() => this.emit('error', listenError(failure, port, host)))
      return
    }
    this.engine = engine
    this.closing = false
    const boundPort = engine.port
    let address = host
    if (host === '' || host === '::') address = '::'
    else if (host === 'localhost') address = '127.0.0.1'
    this.bound = { address, family: isIPv4(address) ? 'IPv4' : isIPv6(address) ? 'IPv6' : 'IPv4', port: boundPort }
    this._connectionKey = `${this.bound.family === 'IPv6' ? 6 : 4}:${address}:${boundPort}`
    this.listening = true
    this._handle = { fd: -1 }
    process.nextTick(() => {
      if (this.engine === engine) this.emit('listening')
    })
    void done.then(
      () => this.onStopped(engine),
      () => this.onStopped(engine),
    )
  }

  private onStopped(engine: EngineServer): void {
    if (this.engine !== engine) return
    this.engine = undefined
    this.listening = false
    this._handle = null
    this.bound = null
    this.emit('close')
  }

  /** `{ address, family, port }` while listening, else null (like `net.Server`). */
  address(): AddressInfo | null {
    return this.bound === null ? null : { ...this.bound }
  }

  /**
   * Stops accepting at once, closes idle connections, lets requests in
   * progress finish, then emits 'close' (the callback gets an
   * ERR_SERVER_NOT_RUNNING error when the server was not listening).
   */
  close(callback?: (error?: Error) => void): this {
    if (typeof callback === 'function') {
      if (this.engine === undefined) {
        this.once('close', () => {})
        const error = new Error('Server is not running.') as Error & { code: string }
        error.code = 'ERR_SERVER_NOT_RUNNING'
        process.nextTick(callback, error)
      } else {
        this.once('close', () => callback())
      }
    }
    const engine = this.engine
    if (engine === undefined || this.closing) return this
    this.closing = true
    this.listening = false
    this._handle = null
    engine.shutdown({ timeoutMs: FOREVER_MS }).catch(() => undefined)
    return this
  }

  /** Closes every connection now (only while closing: the engine then stops at once). */
  closeAllConnections(): void {
    if (this.engine !== undefined && this.closing) this.engine.shutdown({ timeoutMs: 0 }).catch(() => undefined)
  }

  /** Idle connections are closed by `close()` itself; otherwise nothing to do. */
  closeIdleConnections(): void {}

  setTimeout(ms: number, callback?: () => void): this {
    this.timeout = ms
    if (typeof callback === 'function') this.on('timeout', callback)
    return this
  }

  ref(): this {
    return this
  }

  unref(): this {
    return this
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, 0)
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.engine === undefined) return
    await new Promise<void>((resolve) => this.close(() => resolve()))
  }

  private onEngineError = (error: unknown): void => {
    if (this.listenerCount('error') > 0) this.emit('error', error)
    else console.error('fasthttp/node:', error)
  }

  /** The engine's handler: one request, Node's way. */
  private dispatch = (request: HttpRequest): HandlerResult | Promise<HandlerResult> => {
    const socket = new EngineSocket(this, request)
    const facts: HeadFacts = { upgrade: false, expect: undefined }
    const req = createRequest(this.Incoming, socket, request, facts, this.options.joinDuplicateHeaders === true)
    if (req.method === 'CONNECT') {
      // As node:http: a tunnel for 'connect' listeners, else the connection is cut.
      if (this.listenerCount('connect') > 0) return this.upgrade(req, 'connect')
      socket.destroy()
      return socket._afterRequest(null)
    }
    if (facts.upgrade && this.listenerCount('upgrade') > 0) return this.upgrade(req, 'upgrade')
    const res = new this.Response(req) as ServerResponse & { _keepAliveTimeout: number; shouldKeepAlive: boolean; _expect_continue: boolean }
    res._keepAliveTimeout = this.keepAliveTimeout
    res.shouldKeepAlive = request.keepAlive
    socket._httpMessage = res
    ;(res as { socket: unknown }).socket = socket
    res.on('finish', onFinish)
    if (this.timeout > 0) socket.setTimeout(this.timeout)
    try {
      if (facts.expect !== undefined && /(?:^|\W)100-continue(?:\W|$)/i.test(facts.expect) && this.listenerCount('checkContinue') > 0) {
        res._expect_continue = true
        this.emit('checkContinue', req, res)
      } else this.emit('request', req, res)
    } catch (error) {
      // As on node:http: a throwing listener is an uncaught exception.
      socket.destroy()
      process.nextTick(() => {
        throw error
      })
    }
    if (!request.bodyStreamed) req.complete = true
    return socket._afterRequest(res)
  }

  /** An upgrade (or CONNECT) with listeners: the connection leaves the engine. */
  private upgrade(req: IncomingMessage, event: 'upgrade' | 'connect'): HandlerResult {
    ;(req as { upgrade?: boolean }).upgrade = true
    const server = this
    return {
      takeoverMode: 'manual',
      onTakeover(socket: net.Socket, head: Buffer) {
        ;(req as { socket: unknown }).socket = socket
        ;(req as unknown as { complete: boolean }).complete = true
        server.emit(event, req, socket, head)
      },
    }
  }
}

function onFinish(this: ServerResponse): void {
  const socket = this.socket
  if (socket instanceof EngineSocket) socket._finished(this)
}

export function createServer(options?: ServerOptions | RequestListener, listener?: RequestListener): Server {
  return new Server(options, listener)
}
