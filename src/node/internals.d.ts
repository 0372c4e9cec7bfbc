/** `msg[kNeedDrain]`: a write returned false and 'drain' is owed. */
export declare const kNeedDrain: symbol | undefined;
/** `req[kHeadersCount]` read by the `headers` getter (set through `_addHeaderLines`). */
export declare const kHeadersCount: symbol | undefined;
