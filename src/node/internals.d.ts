/** `msg[kNeedDrain]`: a write returned false and 'drain' is owed. */
export declare const kNeedDrain: symbol | undefined;
