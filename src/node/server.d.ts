import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from './address';
import { type IncomingMessageClass } from './request';
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
export interface ServerOptions {
    /** The class of `req` (default `http.IncomingMessage`); must extend it. */
    IncomingMessage?: IncomingMessageClass;
    /** The class of `res` (default `http.ServerResponse`); must extend it. */
    ServerResponse?: typeof ServerResponse;
    /** Keep-alive idle time in ms (Node's default 5000); read at `listen()`. */
    keepAliveTimeout?: number;
    /** The whole request must arrive within this many ms (Node's default 300000; 0: 1 day); read at `listen()`. */
    requestTimeout?: number;
    /** Accepted for compatibility; the engine's deadline is `requestTimeout`. */
    headersTimeout?: number;
    /** Longest request head in bytes (Node's default 16384). */
    maxHeaderSize?: number;
    /** Join duplicate headers with `, ` (Node's option of the same name). */
    joinDuplicateHeaders?: boolean;
    /** Accepted and ignored: the engine's parser is always strict. */
    insecureHTTPParser?: boolean;
    /** Accepted and ignored (the engine always sets TCP_NODELAY). */
    noDelay?: boolean;
    /** Accepted and ignored. */
    keepAlive?: boolean;
    /** Accepted and ignored. */
    keepAliveInitialDelay?: number;
    /** Accepted and ignored: the engine answers 400 to an HTTP/1.1 request without Host. */
    requireHostHeader?: boolean;
    /** Accepted and ignored. */
    highWaterMark?: number;
    /** Accepted and ignored. */
    uniqueHeaders?: Array<string | string[]>;
    /** Accepted and ignored. */
    rejectNonStandardBodyWrites?: boolean;
    /**
     * fasthttp: bodies longer than this many bytes reach the request as they
     * arrive (with backpressure); shorter ones are read whole before the
     * 'request' event. Default 65536.
     */
    streamBodiesOver?: number;
    /** fasthttp: longest request body in bytes (413 past it). Default 2^40 (no practical limit, like Node). */
    maxBodySize?: number;
    /** fasthttp: native I/O threads. Default 1. */
    ioThreads?: number;
}
export interface ListenOptions {
    port?: number | string;
    host?: string;
    backlog?: number;
    path?: string;
    exclusive?: boolean;
    ipv6Only?: boolean;
    reusePort?: boolean;
    signal?: AbortSignal;
}
export declare class Server extends EventEmitter {
    /** Whether the server is listening. */
    listening: boolean;
    /** Node's idle keep-alive time (ms), advertised in `Keep-Alive: timeout=`; read at `listen()`. */
    keepAliveTimeout: number;
    headersTimeout: number;
    requestTimeout: number;
    /** `setTimeout()`'s idle time for each request's socket (0: none). */
    timeout: number;
    maxHeadersCount: number | null;
    maxRequestsPerSocket: number | null;
    maxConnections: number | undefined;
    /** Truthy while listening (supertest and others look at it). */
    _handle: object | null;
    private readonly options;
    private readonly Incoming;
    private readonly Response;
    private engine;
    private bound;
    private closing;
    constructor(options?: ServerOptions | RequestListener, listener?: RequestListener);
    /**
     * `listen(port?, host?, backlog?, callback?)` or `listen(options, callback?)`.
     * Binds at once: `address()` is filled when it returns; 'listening' (and
     * the callback) follow on the next tick, or 'error'.
     */
    listen(...args: unknown[]): this;
    private start;
    private onStopped;
    /** `{ address, family, port }` while listening, else null (like `net.Server`). */
    address(): AddressInfo | null;
    /**
     * Stops accepting at once, closes idle connections, lets requests in
     * progress finish, then emits 'close' (the callback gets an
     * ERR_SERVER_NOT_RUNNING error when the server was not listening).
     */
    close(callback?: (error?: Error) => void): this;
    /** Closes every connection now (only while closing: the engine then stops at once). */
    closeAllConnections(): void;
    /** Idle connections are closed by `close()` itself; otherwise nothing to do. */
    closeIdleConnections(): void;
    setTimeout(ms: number, callback?: () => void): this;
    ref(): this;
    unref(): this;
    getConnections(callback: (error: Error | null, count: number) => void): this;
    [Symbol.asyncDispose](): Promise<void>;
    private onEngineError;
    /** The engine's handler: one request, Node's way. */
    private dispatch;
    /** An upgrade (or CONNECT) with listeners: the connection leaves the engine. */
    private upgrade;
}
export declare function createServer(options?: ServerOptions | RequestListener, listener?: RequestListener): Server;
