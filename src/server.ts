// The public `Server`: configuration, lifecycle (run, waitTillRunning,
// shutdown) and the engine it owns. What happens to each batch and answer is
// the dispatcher's (`src/dispatch.ts`).

import { binding, type NativeServer } from './binding'
import { resolveConfig, type ResolvedServerConfig, type ServerConfig } from './config'
import { Dispatch } from './dispatch'
import { warmUp, type WarmUpOptions, type WarmUpResult } from './warm-up'

export type { WarmUpOptions, WarmUpResult } from './warm-up'

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
  readonly config: Readonly<ResolvedServerConfig>
  /** @internal the engine (the tests reach it) */
  readonly native: NativeServer
  #dispatch: Dispatch
  #state: State = 'new'
  #boundPort = 0
  #threadsRunning = 0
  #threadError: Error | undefined
  #stoppedWaiters: Array<() => void> = []
  /** See `holdEventLoop`. */
  #loopHold: ReturnType<typeof setInterval> | undefined

  /** @internal use `newServer` */
  constructor(config: ResolvedServerConfig) {
    this.config = config
    this.native = new binding.NativeServer({
      host: config.host,
      port: config.port,
      family: config.family,
      maxRequestBufferSize: config.maxRequestBufferSize,
      maxBodySize: config.maxBodySize,
      streamBodyOver: config.streamBodiesOver,
      allowConnect: config.allowConnect,
      requestTimeoutMs: Math.round(config.timeoutInSeconds * 1000),
      idleTimeoutMs: Math.round(config.idleTimeoutInSeconds * 1000),
      handlerTimeoutMs: Math.round(config.handlerTimeoutInSeconds * 1000),
      maxConnections: config.maxConnections,
      reusePort: config.reusePort,
      deferAccept: config.deferAccept,
      ioThreads: config.ioThreads,
      prealloc: config.prealloc,
      arenaTrace: config.prealloc && process.env.FASTHTTP_ARENA_TRACE === '1',
      inlineTurns: config.inlineTurns,
    })
    this.#dispatch = new Dispatch(config, this.native, (stopError) => this.#onThreadStopped(stopError))
  }

  /** The bound port (useful with `port: 0`); 0 before `run()`. */
  get port(): number {
    return this.#boundPort
  }

  /** Whether the server is accepting connections. */
  get running(): boolean {
    return this.#state === 'running'
  }

  /**
   * Binds and serves. Resolves when the server has stopped (after
   * `shutdown`); rejects at once if it cannot listen (port in use,
   * permission, unknown host).
   */
  run(): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new Error('fasthttp: run() was already called on this server'))
    try {
      this.#boundPort = this.native.start(this.#dispatch.onEvent)
    } catch (error) {
      this.#state = 'stopped'
      const message = error instanceof Error ? error.message : String(error)
      return Promise.reject(new Error(`fasthttp: cannot listen on port ${this.config.port}: ${message}`))
    }
    this.#threadsRunning = this.native.threadCount()
    // Under Node.js, its event loop tells the dispatcher when to pull (see
    // crates/node/src/loop_watch.rs); elsewhere only Node-API is used.
    if (!otherRuntime() && process.env.FASTHTTP_LOOP_WATCH !== '0') this.native.watchLoop(this.#dispatch.pull)
    this.#state = 'running'
    this.#loopHold = holdEventLoop()
    return new Promise<void>((resolve, reject) => {
      this.#stoppedWaiters.push(() => (this.#threadError ? reject(this.#threadError) : resolve()))
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

  /** Resolves once the server is listening; rejects after `maxRetries` checks. */
  async waitTillRunning({ maxRetries = 100, retryPeriodMs = 10 }: WaitOptions = {}): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#state === 'running') return
      if (this.#state === 'stopped' || this.#state === 'stopping') throw new Error('fasthttp: server is not running (it stopped)')
      if (attempt >= maxRetries) throw new Error(`fasthttp: server not running after ${maxRetries} checks`)
      await new Promise((resolve) => setTimeout(resolve, retryPeriodMs))
    }
  }

  /**
   * Sends `requests` GETs for `path` to this server over loopback, through
   * your handler, and resolves when all are answered: a server that calls
   * it before it announces itself serves its first real requests with its
   * JavaScript already optimised (see `src/warm-up.ts`). Rejects when the
   * server is not running or a request fails.
   */
  async warmUp(options: WarmUpOptions = {}): Promise<WarmUpResult> {
    if (this.#state !== 'running') throw new Error('fasthttp: warmUp() needs a running server (call run() first)')
    return warmUp(this.config.host, this.#boundPort, options)
  }

  /** Graceful stop; closes everything and rejects if it takes longer than `timeoutMs`. */
  shutdown({ timeoutMs = 10_000 }: ShutdownOptions = {}): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped'
      return Promise.resolve()
    }
    if (this.#state === 'stopped') return Promise.resolve()
    this.#state = 'stopping'
    this.native.shutdown(false)
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.native.shutdown(true)
        reject(new Error(`fasthttp: shutdown did not finish within ${timeoutMs} ms; remaining connections were closed`))
      }, timeoutMs)
      this.#stoppedWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** An I/O thread stopped; once all have, `run()` settles. */
  #onThreadStopped(stopError: string | null): void {
    if (stopError !== null && this.#threadError === undefined) {
      this.#threadError = new Error(`fasthttp: ${stopError}`)
      try {
        this.config.onError(this.#threadError, undefined)
      } catch {
        // reported below through run()'s rejection
      }
      this.native.shutdown(true)
    }
    this.#threadsRunning -= 1
    if (this.#threadsRunning > 0) return
    this.#state = 'stopped'
    this.native.closeWatch()
    clearInterval(this.#loopHold)
    const waiters = this.#stoppedWaiters
    this.#stoppedWaiters = []
    for (const waiter of waiters) waiter()
  }
}

/** Bun or Deno (their Node-API runs the addon; they have no libuv). */
function otherRuntime(): boolean {
  return 'bun' in process.versions || 'deno' in process.versions
}

/**
 * Keeps a running server's process alive under runtimes other than Node.
 * Node keeps it alive for the engine's ThreadsafeFunction; Bun was seen (in
 * about one of ten full test runs, always under load) to exit with code 0
 * while a server was still serving, with nothing else pending, so there a
 * ref'd timer that never fires holds the loop until the server has stopped.
 */
function holdEventLoop(): ReturnType<typeof setInterval> | undefined {
  if (!otherRuntime()) return undefined
  return setInterval(() => {}, 0x7fffffff)
}

/**
 * Creates a server (V's `new_server`). Validates `config` at once and throws a
 * TypeError or RangeError naming the bad field; nothing listens until `run()`.
 */
export function newServer(config: ServerConfig): Server {
  return new Server(resolveConfig(config))
}
