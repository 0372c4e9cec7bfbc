import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { HttpRequest } from '../../index';
import { type AddressInfo } from './address';
export interface SocketOwner {
    emit(event: string | symbol, ...args: unknown[]): boolean;
    /** Bound address of the server (for `localAddress`/`localPort`). */
    address(): AddressInfo | string | null;
}
type WriteCallback = (error?: Error | null) => void;
export declare class EngineSocket extends EventEmitter {
    readable: boolean;
    writable: boolean;
    destroyed: boolean;
    connecting: boolean;
    allowHalfOpen: boolean;
    encrypted: undefined;
    _paused: boolean;
    _hadError: boolean;
    _httpMessage: ServerResponse | null;
    /** `end()` sets `corked = 1` before uncorking. */
    _writableState: {
        corked: number;
    };
    readableHighWaterMark: number;
    writableHighWaterMark: number;
    bytesRead: number;
    bytesWritten: number;
    server: SocketOwner;
    private mode;
    /** Written and not yet handed on: bytes, or strings to be sent as UTF-8 (Node's default). */
    private pieces;
    private pendingBytes;
    private callbacks;
    private resolve;
    private wake;
    private decideScheduled;
    private needDrain;
    private closeAfter;
    private bodyState;
    private bodyWake;
    private timer;
    private timeoutMs;
    private addresses;
    constructor(server: SocketOwner, request: HttpRequest);
    /** Both ends, asked of the engine's descriptor the first time one is read. */
    private ends;
    get remoteAddress(): string | undefined;
    get remotePort(): number | undefined;
    get remoteFamily(): string | undefined;
    get localAddress(): string | undefined;
    get localPort(): number | undefined;
    get localFamily(): string | undefined;
    address(): AddressInfo | Record<string, never>;
    private listening;
    /**
     * Bytes queued and not yet taken: like a net.Socket, whose writes mostly
     * go to the kernel at once, only a backlog past the high water mark
     * counts (so `res.writableFinished` turns true at `end()`, as on node:http).
     */
    get writableLength(): number;
    get writableCorked(): number;
    get writableNeedDrain(): boolean;
    get pending(): boolean;
    get readyState(): string;
    get _handle(): object | null;
    setNoDelay(): this;
    setKeepAlive(): this;
    ref(): this;
    unref(): this;
    cork(): void;
    uncork(): void;
    pause(): this;
    /** `IncomingMessage._read` → `readStart(socket)`: the body is wanted. */
    resume(): this;
    private pumpBody;
    write(data: string | Uint8Array, encoding?: BufferEncoding | WriteCallback | null, callback?: WriteCallback): boolean;
    end(data?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), callback?: () => void): this;
    destroySoon(): void;
    /** Everything written, as one answer; the write callbacks follow. */
    private whole;
    private runCallbacks;
    private scheduleDecide;
    private wakePump;
    /** Streams the pieces as they are written, until the response ends or the client leaves. */
    private pump;
    private emitDrain;
    /** The client went away while the response was streaming. */
    private clientGone;
    destroy(error?: Error): this;
    setTimeout(ms: number, callback?: () => void): this;
    get timeout(): number | undefined;
    private refreshTimeout;
    private clearTimeout;
    private onTimeout;
}
export {};
