// The server's configuration: the options users pass (`ServerConfig`), their
// defaults (`DEFAULTS`, the one place they are written; the README table and
// the doc comments below are checked against it by `__test__/config.spec.ts`),
// and the validation that turns a config into a `ResolvedServerConfig` or
// throws a TypeError/RangeError naming the bad field.

import type { HttpRequest } from './request'
import type { Handler } from './types'

/** @internal Every default of `ServerConfig`, in one place. */
export const DEFAULTS = {
  port: 3000,
  host: '',
  family: 'ip6',
  maxRequestBufferSize: 8192,
  maxBodySize: 10 * 1024 * 1024,
  /** Never: every body is buffered, up to `maxBodySize`. */
  streamBodiesOver: undefined,
  allowConnect: false,
  timeoutInSeconds: 30,
  /**
   * Idle keep-alive connections are kept longer than the idle timeout of common
   * load balancers (60 s on AWS ALB/ELB, nginx upstream keep-alive): the
   * balancer should close an idle upstream connection first; if the server
   * closed it while the balancer was reusing it, a client would get a 502.
   */
  idleTimeoutInSeconds: 75,
  handlerTimeoutInSeconds: 60,
  userData: undefined,
  maxConnections: 65536,
  reusePort: false,
  deferAccept: true,
  ioThreads: 1,
  prealloc: true,
  inlineTurns: true,
} as const

export interface ServerConfig {
  /** TCP port; 0 picks a free one (read it back from `server.port`). Default `3000`. */
  port?: number
  /** Address or host name to listen on; '' listens on every interface. Default `''`. */
  host?: string
  /** With an empty host: 'ip6' listens dual-stack on IPv6 and IPv4, 'ip' on IPv4 only. Default `'ip6'`. */
  family?: 'ip6' | 'ip'
  /** Longest request head in bytes; longer gets 431. Default `8192`. */
  maxRequestBufferSize?: number
  /** Longest request body in bytes; longer gets 413. Default `10485760` (10 MiB). */
  maxBodySize?: number
  /**
   * Request bodies longer than this many bytes are not buffered: the handler
   * runs as soon as the head is in and reads the body as it arrives with
   * `req.bodyStream()` (at most 256 KiB of it held in memory, however large
   * it is). Default `never` (every body is buffered, up to `maxBodySize`).
   */
  streamBodiesOver?: number
  /**
   * Let CONNECT requests reach the handler, which accepts one only with a
   * takeover (the connection becomes its tunnel); any other answer is sent
   * and the connection closes. Otherwise the engine answers CONNECT `501`.
   * Default `false`.
   */
  allowConnect?: boolean
  /** A request must arrive whole within this many seconds (else 408). Default `30`. */
  timeoutInSeconds?: number
  /** Idle keep-alive connections close after this many seconds. Default `75` (longer than load balancers' 60 s). */
  idleTimeoutInSeconds?: number
  /**
   * A handler that has not answered after this many seconds gets its request
   * answered with 503 (its late answer is dropped). 0 disables. Default `60`.
   */
  handlerTimeoutInSeconds?: number
  /** The request handler. Required. */
  handler: Handler
  /** Anything; surfaced as `req.userData`. Default `undefined`. */
  userData?: unknown
  /** Open connections at most; past it accepting pauses. Default `65536`. */
  maxConnections?: number
  /** Let several processes or worker threads listen on the same port (SO_REUSEPORT). Default `false`. */
  reusePort?: boolean
  /**
   * Linux: accept a connection once its first bytes have arrived (`TCP_DEFER_ACCEPT`),
   * so accepting and reading take one wake-up; a connection that sends nothing
   * is accepted after about a second. Elsewhere no effect. Default `true`.
   */
  deferAccept?: boolean
  /** Native I/O threads, each with its own event loop. Default `1`. */
  ioThreads?: number
  /** Per-request bump arenas for the engine's request scratch memory. Default `true`. */
  prealloc?: boolean
  /**
   * With one I/O thread: while JavaScript is busy serving, it runs the
   * engine's turns itself between batches (non-blocking polls), so under
   * load requests never wait for a thread wake-up. Default `true`.
   */
  inlineTurns?: boolean
  /** Called with every handler error (the client got a 500). Default `console.error`. */
  onError?: (error: unknown, req: HttpRequest | undefined) => void
}

/** A `ServerConfig` validated, with every default filled in (`server.config`). */
export interface ResolvedServerConfig {
  port: number
  host: string
  family: 'ip6' | 'ip'
  maxRequestBufferSize: number
  maxBodySize: number
  streamBodiesOver: number | undefined
  allowConnect: boolean
  timeoutInSeconds: number
  idleTimeoutInSeconds: number
  handlerTimeoutInSeconds: number
  handler: Handler
  userData: unknown
  maxConnections: number
  reusePort: boolean
  deferAccept: boolean
  ioThreads: number
  prealloc: boolean
  inlineTurns: boolean
  onError: (error: unknown, req: HttpRequest | undefined) => void
}

const KNOWN_FIELDS = new Set([...Object.keys(DEFAULTS), 'handler', 'onError'])

/** @internal Validates `config` and fills in the defaults; throws a TypeError/RangeError naming the bad field. */
export function resolveConfig(config: ServerConfig): ResolvedServerConfig {
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
  const timeoutInSeconds = secondsField(config, 'timeoutInSeconds', DEFAULTS.timeoutInSeconds)
  return {
    port: integerField(config, 'port', DEFAULTS.port, 0, 65535),
    host: config.host ?? DEFAULTS.host,
    family: config.family ?? DEFAULTS.family,
    maxRequestBufferSize: integerField(config, 'maxRequestBufferSize', DEFAULTS.maxRequestBufferSize, 256, 64 * 1024 * 1024),
    maxBodySize: integerField(config, 'maxBodySize', DEFAULTS.maxBodySize, 0, 2 ** 40),
    streamBodiesOver: config.streamBodiesOver === undefined ? DEFAULTS.streamBodiesOver : integerField(config, 'streamBodiesOver', 0, 0, 2 ** 40),
    allowConnect: booleanField(config, 'allowConnect', DEFAULTS.allowConnect),
    timeoutInSeconds,
    idleTimeoutInSeconds: secondsField(config, 'idleTimeoutInSeconds', DEFAULTS.idleTimeoutInSeconds),
    handlerTimeoutInSeconds: config.handlerTimeoutInSeconds === 0 ? 0 : secondsField(config, 'handlerTimeoutInSeconds', DEFAULTS.handlerTimeoutInSeconds),
    handler: config.handler,
    userData: config.userData,
    maxConnections: integerField(config, 'maxConnections', DEFAULTS.maxConnections, 1, 16_000_000),
    reusePort: booleanField(config, 'reusePort', DEFAULTS.reusePort),
    deferAccept: booleanField(config, 'deferAccept', DEFAULTS.deferAccept),
    ioThreads: integerField(config, 'ioThreads', DEFAULTS.ioThreads, 1, 64),
    prealloc: booleanField(config, 'prealloc', DEFAULTS.prealloc),
    inlineTurns: booleanField(config, 'inlineTurns', DEFAULTS.inlineTurns),
    onError: config.onError ?? defaultOnError,
  }
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

/** @internal A value as an error message shows it. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

/** `onError`'s default (the README's `console.error`). */
function defaultOnError(error: unknown): void {
  console.error('fasthttp: handler error:', error)
}
