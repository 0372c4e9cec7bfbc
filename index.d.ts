import net from 'node:net';
/** A range of bytes inside `HttpRequest.buffer` (V's `Slice`). */
export interface Slice {
    start: number;
    len: number;
}
/** How a takeover response treats the connection (V's `takeover_mode`). */
export type TakeoverMode = 'none' | 'manual' | 'reusable';
/** V's `HttpResponse`: `content` follows the same rules as a plain return value. */
export interface HttpResponse {
    /** A whole response (starts with `HTTP/`) or a body for a `200 OK`. */
    content?: Uint8Array | string;
    /** Close the connection after this response. */
    shouldClose?: boolean;
    /**
     * Send this file as the body (with `sendfile(2)` on Linux): `content` is
     * then ignored. `status` (200), `headers`, `offset` and `length` (the rest
     * of the file) shape the response; Content-Type defaults from the file
     * extension. If the file cannot be opened, `onFileError` decides the answer
     * (default: 404 for a missing file, 403 for a forbidden one, else 500).
     */
    filePath?: string;
    status?: number;
    headers?: ResponseInit['headers'];
    offset?: number;
    length?: number;
    onFileError?: (error: NodeJS.ErrnoException) => HandlerResult | Promise<HandlerResult>;
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
    takeoverMode?: TakeoverMode;
    onTakeover?: (socket: net.Socket, head: Buffer) => void;
    writeResponse?: (conn: ReusableConnection) => void | Promise<void>;
}
/**
 * The connection as a reusable takeover's `writeResponse` sees it: raw
 * output, in order, with backpressure. The bytes are sent as they are, so
 * they must form a valid HTTP response (head and framing included).
 */
export interface ReusableConnection {
    /** Queues bytes; the promise waits while the client has not taken the earlier ones. */
    write(bytes: Uint8Array | string): Promise<void>;
    /**
     * The response is complete: the connection serves its next request (or
     * closes, with `close: true` or when the request asked to).
     */
    end(bytes?: Uint8Array | string, options?: {
        close?: boolean;
    }): void;
    /** The client went away: stop writing. */
    readonly closed: boolean;
    /** The socket's file descriptor (read-only use: the engine owns it). */
    readonly fd: number;
}
/** The structured response form: status, headers, body. */
export interface ResponseInit {
    status: number;
    headers?: Record<string, string | number | readonly string[]> | ReadonlyArray<readonly [string, string]>;
    /**
     * The body. An async iterable (or a web `ReadableStream`) is streamed as
     * it produces: chunked on HTTP/1.1 unless a Content-Length header is given,
     * with backpressure (the next piece is pulled only once the client has
     * taken most of the previous ones), and stopped if the client goes away.
     */
    body?: Uint8Array | string | StreamBody;
    shouldClose?: boolean;
}
/** A body produced piece by piece. */
export type StreamBody = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>;
/** What a handler may return (or resolve to). */
export type HandlerResult = Uint8Array | string | HttpResponse | ResponseInit;
export type Handler = (req: HttpRequest) => HandlerResult | Promise<HandlerResult>;
export interface ServerConfig {
    /** TCP port; 0 picks a free one (read it back from `server.port`). Default 3000. */
    port?: number;
    /** Address or host name to listen on; '' (default) listens on every interface. */
    host?: string;
    /** With an empty host: 'ip6' (default) listens dual-stack on IPv6 and IPv4, 'ip' on IPv4 only. */
    family?: 'ip6' | 'ip';
    /** Longest request head in bytes; longer gets 431. Default 8192. */
    maxRequestBufferSize?: number;
    /** Longest request body in bytes; longer gets 413. Default 10 MiB. */
    maxBodySize?: number;
    /**
     * Request bodies longer than this many bytes are not buffered: the handler
     * runs as soon as the head is in and reads the body as it arrives with
     * `req.bodyStream()` (at most 256 KiB of it held in memory, however large
     * it is). Default: never (every body is buffered, up to `maxBodySize`).
     */
    streamBodiesOver?: number;
    /** A request must arrive whole within this many seconds (else 408). Default 30. */
    timeoutInSeconds?: number;
    /** Idle keep-alive connections close after this many seconds. Default 75 (longer than load balancers' 60 s). */
    idleTimeoutInSeconds?: number;
    /**
     * A handler that has not answered after this many seconds gets its request
     * answered with 503 (its late answer is dropped). 0 disables. Default 60.
     */
    handlerTimeoutInSeconds?: number;
    /** The request handler. Required. */
    handler: Handler;
    /** Anything; surfaced as `req.userData`. */
    userData?: unknown;
    /** Open connections at most; past it accepting pauses. Default 65536. */
    maxConnections?: number;
    /** Let several processes or worker threads listen on the same port (SO_REUSEPORT). */
    reusePort?: boolean;
    /** Native I/O threads, each with its own event loop. Default 1. */
    ioThreads?: number;
    /** Per-request bump arenas for the engine's request scratch memory. Default true. */
    prealloc?: boolean;
    /**
     * With one I/O thread: while JavaScript is busy serving, it runs the
     * engine's turns itself between batches (non-blocking polls), so under
     * load requests never wait for a thread wake-up. Default true.
     */
    inlineTurns?: boolean;
    /** Called with every handler error (the client got a 500). Default: console.error. */
    onError?: (error: unknown, req: HttpRequest | undefined) => void;
}
/**
 * One request: a view over the bytes the engine received (V's `HttpRequest`).
 * The `Slice` fields index into `buffer`; the string conveniences decode only
 * when called.
 */
export declare class HttpRequest {
    /** `config.userData`. */
    get userData(): unknown;
    /** The request's own bytes: the head, then the body (decoded if it was chunked). */
    get buffer(): Buffer;
    private slice;
    private text;
    /** The method, e.g. `GET`. */
    get method(): Slice;
    /** The request target, e.g. `/user/1?x=2`. */
    get path(): Slice;
    /** `HTTP/1.1` or `HTTP/1.0`. */
    get version(): Slice;
    /** Every header line, from the first field name to the end of the last line. */
    get headerFields(): Slice;
    /** The body (empty when there is none). */
    get body(): Slice;
    /** The client socket's file descriptor (V's `client_conn_fd`). */
    get clientConnFd(): number;
    /** The client's TCP port. */
    get remotePort(): number;
    /** Whether the connection stays open after this request (HTTP keep-alive rules). */
    get keepAlive(): boolean;
    /** The method as a string. */
    get methodName(): string;
    /** The request target as a string (path and query). */
    get url(): string;
    /** The path without the query string. */
    get pathname(): string;
    /** `HTTP/1.1` or `HTTP/1.0` as a string. */
    get httpVersion(): string;
    /** The value of the first header named `name` (case-insensitive), or undefined. */
    header(name: string): string | undefined;
    /** Every header as `[name, value]` in the order received. */
    headerEntries(): Array<[string, string]>;
    /**
     * Whether the body is streamed (longer than `streamBodiesOver`): it is then
     * not in `buffer`, and is read with `bodyStream()` or `readBody()`.
     */
    get bodyStreamed(): boolean;
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
    bodyStream(): AsyncIterableIterator<Buffer>;
    /** The whole body, streamed or not, as one Buffer (bounded by `maxBodySize`). */
    readBody(): Promise<Buffer>;
    private bufferedBody;
    /** The body bytes (a view, no copy). */
    bodyBytes(): Buffer;
    /** The body decoded as UTF-8. */
    bodyText(): string;
    /** The body parsed as JSON (throws on invalid JSON, which makes a 500). */
    bodyJson<T = unknown>(): T;
}
/**
 * Why a streamed request body could not complete; `status` is what the
 * request deserves (400 malformed chunk, 413 past `maxBodySize`, 0 when the
 * client closed the connection).
 */
export declare class RequestBodyError extends Error {
    readonly status: number;
    constructor(status: number, message: string);
}
interface ResolvedConfig {
    port: number;
    host: string;
    family: 'ip6' | 'ip';
    maxRequestBufferSize: number;
    maxBodySize: number;
    streamBodiesOver: number | undefined;
    timeoutInSeconds: number;
    idleTimeoutInSeconds: number;
    handlerTimeoutInSeconds: number;
    handler: Handler;
    userData: unknown;
    maxConnections: number;
    reusePort: boolean;
    ioThreads: number;
    prealloc: boolean;
    inlineTurns: boolean;
    onError: (error: unknown, req: HttpRequest | undefined) => void;
}
export interface WaitOptions {
    /** How many times to check before giving up. Default 100. */
    maxRetries?: number;
    /** Milliseconds between checks. Default 10. */
    retryPeriodMs?: number;
}
export interface ShutdownOptions {
    /** Milliseconds to let in-flight requests finish before closing everything. Default 10000. */
    timeoutMs?: number;
}
/** A handle to control a running server from elsewhere (V's `handle()`). */
export interface ServerHandle {
    /** The bound port (0 until the server runs). */
    readonly port: number;
    /** Resolves once the server is listening; rejects after `maxRetries` checks. */
    waitTillRunning(options?: WaitOptions): Promise<void>;
    /** Graceful stop: stop accepting, finish in-flight responses, then stop. */
    shutdown(options?: ShutdownOptions): Promise<void>;
}
export declare class Server {
    readonly config: Readonly<ResolvedConfig>;
    private native;
    private state;
    private boundPort;
    private threadsRunning;
    private threadError;
    private stoppedWaiters;
    /** See `holdEventLoop`. */
    private loopHold;
    private writer;
    private flushScheduled;
    /** I/O threads whose batch was handed to handlers and not yet reported. */
    private batchesDone;
    /** Streamed answers in progress, by request. */
    private streams;
    /** Streamed request bodies still arriving, by request. */
    private uploads;
    /** onTakeover callbacks of takeover answers not yet handed over. */
    private takeovers;
    /** The bound port (useful with `port: 0`); 0 before `run()`. */
    get port(): number;
    /** Whether the server is accepting connections. */
    get running(): boolean;
    /**
     * Binds and serves. Resolves when the server has stopped (after
     * `shutdown`); rejects at once if it cannot listen (port in use,
     * permission, unknown host).
     */
    run(): Promise<void>;
    /** A handle with `waitTillRunning` and `shutdown` (V's `server.handle()`). */
    handle(): ServerHandle;
    waitTillRunning({ maxRetries, retryPeriodMs }?: WaitOptions): Promise<void>;
    /** Graceful stop; closes everything and rejects if it takes longer than `timeoutMs`. */
    shutdown({ timeoutMs }?: ShutdownOptions): Promise<void>;
    private onEvent;
    /** Hands the rows `start..end` of `store.table` to their handlers (or streams). */
    private handleRows;
    /** A request whose body follows in pieces: its reader acknowledges each. */
    private startUpload;
    private onBodyPiece;
    /** The request is answered: a body still arriving is never read now. */
    private endUpload;
    private answer;
    /**
     * Streams a body piece by piece: the head first, then each piece (chunked
     * on HTTP/1.1 unless a Content-Length was given; HTTP/1.0 clients read
     * until the close), each with backpressure (`streamPiece`).
     */
    private streamAnswer;
    /**
     * Reusable takeover: `writeResponse` writes the raw response through the
     * same piece-by-piece path as streamed answers; the connection stays.
     */
    private reusableTakeover;
    /** Starts tracking a streamed answer (its drain and close notices). */
    private openStream;
    private closeStream;
    /**
     * Queues one piece of a streamed answer. After `STREAM_HIGH_WATER` bytes
     * it waits until the engine says the connection's output has drained, so
     * a slow client never makes more than a bounded amount wait in memory.
     */
    private streamPiece;
    /** The last piece: the request is answered, the connection goes on (or closes). */
    private endStream;
    /** A streamed answer failed: a 500 if nothing was sent yet, else the connection is cut. */
    private failStream;
    /** Queues a manual takeover: `content`, then the socket goes to `onTakeover`. */
    private takeOver;
    /** The engine handed over the connection of a takeover answer. */
    private onTakenOver;
    /**
     * Opens the file (off the JavaScript thread), queues its head and
     * descriptor, and sends them at once, while the descriptor is still open
     * (the engine keeps its own duplicate).
     */
    private answerFile;
    private answerError;
    private reportError;
    private scheduleFlush;
    private flush;
    private pullScheduled;
    private pullSlabs;
    private keptSlabs;
    /** One inline turn: its answers are written, its new requests handled. */
    private pull;
    private pullPart;
    private onThreadStopped;
}
/**
 * Creates a server (V's `new_server`). Validates `config` at once and throws a
 * TypeError or RangeError naming the bad field; nothing listens until `run()`.
 */
export declare function newServer(config: ServerConfig): Server;
export {};
