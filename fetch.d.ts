import { type Handler, type Server, type ServerConfig } from './index';
/** A Web-standard fetch handler, e.g. Hono's `app.fetch` or h3's `toWebHandler(app)`. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;
export interface ToHandlerOptions {
    /**
     * The authority (`host[:port]`) of request URLs when a request has no Host
     * header (HTTP/1.0). Default `'localhost'`; `serve` passes its own host and port.
     */
    defaultHost?: string | (() => string);
}
export interface ServeOptions extends Omit<ServerConfig, 'handler'> {
    /** The application: Hono's `app.fetch`, h3's `toWebHandler(app)`, … */
    fetch: FetchHandler;
    /** Where to listen; the name `@hono/node-server` uses for `host` (which also works). */
    hostname?: string;
}
export interface ServeInfo {
    address: string;
    port: number;
}
/**
 * Turns a fetch handler into a fasthttp handler.
 *
 * Bodies are buffered both ways. The request body is already whole when the
 * handler runs (the engine reads it before dispatch). The response body is read
 * to its end with `response.arrayBuffer()` before anything is sent, streamed
 * bodies (`ReadableStream`, Hono's `streamText`, server-sent events) included:
 * a stream that never ends never answers (until `handlerTimeoutInSeconds`).
 * True streaming needs engine support and is not done yet.
 *
 * Request: method, URL (`http://<Host>/<target>`, absolute-form targets kept; a
 * Host that is not a valid authority gets `400`), every header in order, and for
 * methods other than GET and HEAD the body bytes (copied: the Request keeps no
 * reference to the engine's buffers). The Request is a light object that makes
 * the headers, and a full `Request` (for `body`, `clone()`, `formData()`, …),
 * only when they are used; `text()`, `json()`, `arrayBuffer()` and `bytes()`
 * read the copied bytes directly. `signal` exists but never aborts: the engine
 * does not report client disconnects yet. Being no native Request, it cannot
 * be the *input* of `new Request(request, init)` or `fetch(request)` (the
 * runtime reads its internal slots and throws; Hono's `bodyLimit` does this
 * for bodies without Content-Length): pass `request.clone()` there, or use it
 * as the init, `new Request(url, request)`.
 *
 * Response: status, every header (several Set-Cookie included) except the ones
 * the engine writes itself: Content-Length (recomputed from the body; kept on
 * HEAD), Date, and the hop-by-hop headers (Connection, Keep-Alive,
 * Transfer-Encoding, …). `Connection: close` closes the connection after the
 * response. A handler that throws, rejects or returns something other than a
 * Response makes a 500 and reaches `onError`.
 */
export declare function toHandler(fetchHandler: FetchHandler, options?: ToHandlerOptions): Handler;
/**
 * Starts a fasthttp server for a fetch handler (like `@hono/node-server`'s
 * `serve`) and returns it; `listening` is called once it accepts connections.
 * A server that cannot listen (port in use, …) fails the process with an
 * unhandled rejection, as `node:http` does with its 'error' event; to handle
 * that, use `newServer({ handler: toHandler(fetch) })` and `await run()`.
 */
export declare function serve(options: ServeOptions, listening?: (info: ServeInfo) => void): Server;
