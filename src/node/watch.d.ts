export interface Watched {
    /** Whether the client has gone (a peek), or undefined when that cannot be told. */
    _peerGone(): boolean | undefined;
    /** The client has gone. */
    _clientLeft(): void;
    _watchPrev: Watched | null;
    _watchNext: Watched | null;
    _watched: boolean;
}
export declare function watch(socket: Watched): void;
export declare function unwatch(socket: Watched): void;
