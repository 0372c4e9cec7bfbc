// fasthttp/fetch: runs Web-standard fetch handlers, `(request: Request) =>
// Response`, on fasthttp, so Hono, h3 or any other fetch-style application
// runs unchanged:
//
//   import { Hono } from 'hono'
//   import { serve } from 'fasthttp/fetch'
//
//   const app = new Hono().get('/', (c) => c.text('Hello, World!'))
//   serve({ fetch: app.fetch, port: 3000 })

import type { ServerConfig } from '../config'
import { newServer, type Server } from '../server'
import type { Handler, StructuredResponse } from '../types'
import { answerOf } from './answer'
import { installGlobals } from './globals'
import { FetchRequest } from './request'

const BAD_REQUEST: StructuredResponse = { status: 400, body: 'Bad Request\n', shouldClose: true }

/** A Web-standard fetch handler, e.g. Hono's `app.fetch` or h3's `toWebHandler(app)`. */
export type FetchHandler = (request: Request) => Response | Promise<Response>

export interface ToHandlerOptions {
  /**
   * The authority (`host[:port]`) of request URLs when a request has no Host
   * header (HTTP/1.0). Default `'localhost'`; `serve` passes its own host and port.
   */
  defaultHost?: string | (() => string)
  /**
   * Replace the global `Response` with fasthttp's light one and the global
   * `Request` with a subclass that also accepts the adapter's requests as its
   * input (`new Request(request, init)`), the way `@hono/node-server` does.
   * Default `true`. It is process-wide and stays installed (`false` leaves the
   * globals as they are; it does not restore them). See `toHandler`.
   */
  overrideGlobalObjects?: boolean
}

export interface ServeOptions extends Omit<ServerConfig, 'handler'> {
  /** The application: Hono's `app.fetch`, h3's `toWebHandler(app)`, … */
  fetch: FetchHandler
  /** Where to listen; the name `@hono/node-server` uses for `host` (which also works). */
  hostname?: string
  /** As in `@hono/node-server`: install the light global `Response` (default `true`); see `ToHandlerOptions`. */
  overrideGlobalObjects?: boolean
}

export interface ServeInfo {
  address: string
  port: number
}

/**
 * Turns a fetch handler into a fasthttp handler.
 *
 * Request: method, URL (`http://<Host>/<target>`, absolute-form targets kept; a
 * Host that is not a valid authority gets `400`), every header in order, and
 * for methods other than GET and HEAD the body. Usually the engine has read
 * the body whole before dispatch and the Request gets its own copy (no
 * reference to the engine's buffers); a body longer than the server's
 * `streamBodiesOver` comes as it arrives (`request.body` is a stream the
 * client is paced by; `text()`, `json()`, … wait for its end). A streamed
 * body that cannot complete (the client left, past `maxBodySize`, a
 * malformed chunk) is answered with its status (413, 400) and a close,
 * whatever the application made of the error. The Request is a light object
 * that makes the headers, and a full `Request` (for `body`, `clone()`,
 * `formData()`, …), only when they are used; `text()`, `json()`,
 * `arrayBuffer()` and `bytes()` read the bytes directly. `signal` aborts when
 * the client goes away during a streamed response (the engine reports no
 * disconnect before the response starts). Being no native Request, it cannot
 * be the *input* of the native `new Request(request, init)` or of
 * `fetch(request)` (the runtime reads its internal slots and throws; Hono's
 * `bodyLimit` does the former for bodies without Content-Length): with
 * `overrideGlobalObjects` (the default) the global `Request` accepts it;
 * otherwise pass `request.clone()`, or use it as the init, `new Request(url, request)`.
 *
 * Response: status, every header (several Set-Cookie included) except the ones
 * the engine writes itself: Content-Length (recomputed from the body; kept on
 * HEAD and for streamed bodies), Date, and the hop-by-hop headers (Connection,
 * Keep-Alive, Transfer-Encoding, …). `Connection: close` closes the connection
 * after the response. A handler that throws, rejects or returns something
 * other than a Response makes a 500 and reaches `onError`.
 *
 * Response bodies: a body whose bytes are known (a string, `Uint8Array`,
 * `ArrayBuffer` or `null` given to the light `Response`) is answered at once —
 * synchronously when the handler returned the Response synchronously — with
 * a Content-Length and without any stream being made. Any other body is read
 * as a stream: what it produces before the event loop moves on (one
 * `setImmediate`) is gathered; if it has ended by then it is sent whole with
 * a Content-Length (a native `new Response('text')`, a small `fetch`
 * result). Otherwise the head and those pieces go out at once and the rest
 * as it is produced, with the engine's backpressure (chunked on HTTP/1.1;
 * as-is when the Response declares a Content-Length): Hono's `stream`,
 * `streamText` and `streamSSE`, `new Response(readableStream)`, a proxied
 * `fetch` body. A HEAD gets the head a GET would get. When the client goes
 * away the stream is cancelled at its next piece (Hono's `onAbort` callbacks
 * run) and the request's `signal` aborts; a stream that fails mid-way cuts
 * the connection and reaches `onError`.
 *
 * The light `Response` (the global one with `overrideGlobalObjects`; the
 * handler also answers native Responses) passes `instanceof Response`, as
 * native Responses still do. It keeps the status, the headers and a known
 * body as given and makes a native Response only for what needs one (`body`,
 * `blob()`, `formData()`, body types other than the known ones, invalid
 * arguments, which throw as natively); `headers`, `status`, `text()`,
 * `json()`, `arrayBuffer()`, `bytes()`, `clone()` and `Response.json()` work
 * without one. A `Uint8Array` body is not copied: it is sent as it is when
 * the response is answered. `new Response(response.body, response)` (Hono's
 * `c.header()` after `await next()`) keeps the known body, but asking for
 * `body` makes the native stream, the costly part; `c.res.headers.set()`
 * does not.
 */
export function toHandler(fetchHandler: FetchHandler, options: ToHandlerOptions = {}): Handler {
  if (typeof fetchHandler !== 'function') {
    throw new TypeError(`fasthttp/fetch: the fetch handler must be a function, got ${typeof fetchHandler}`)
  }
  const { defaultHost = 'localhost', overrideGlobalObjects = true } = options
  if (overrideGlobalObjects) installGlobals()
  const fallbackHost = typeof defaultHost === 'function' ? defaultHost : () => defaultHost
  return (req) => {
    const request = FetchRequest.from(req, fallbackHost)
    if (request === undefined) return BAD_REQUEST
    const result = fetchHandler(request as unknown as Request)
    const head = request.method === 'HEAD'
    // A Response returned synchronously with a known body is answered synchronously.
    if (typeof (result as Promise<Response> | undefined)?.then === 'function') {
      return (result as Promise<Response>).then((response) => answerOf(response, head, request))
    }
    return answerOf(result as Response, head, request)
  }
}

/**
 * Starts a fasthttp server for a fetch handler (like `@hono/node-server`'s
 * `serve`) and returns it; `listening` is called once it accepts connections.
 * A server that cannot listen (port in use, …) fails the process with an
 * unhandled rejection, as `node:http` does with its 'error' event; to handle
 * that, use `newServer({ handler: toHandler(fetch) })` and `await run()`.
 */
export function serve(options: ServeOptions, listening?: (info: ServeInfo) => void): Server {
  const { fetch, hostname, overrideGlobalObjects, ...config } = options
  const host = hostname ?? config.host ?? ''
  const urlHost = host === '' || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  const server: Server = newServer({
    ...config,
    host,
    handler: toHandler(fetch, { defaultHost: () => `${urlHost}:${server.port}`, overrideGlobalObjects }),
  })
  const stopped = server.run()
  if (server.running) {
    stopped.catch(() => {}) // later failures (an I/O thread dying) are reported through onError
    const address = host || (config.family === 'ip' ? '0.0.0.0' : '::')
    if (listening) queueMicrotask(() => listening({ address, port: server.port }))
  }
  return server
}
