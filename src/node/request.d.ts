import { IncomingMessage } from 'node:http';
import type { HttpRequest } from '../../index';
import type { EngineSocket } from './socket';
export type IncomingMessageClass = typeof IncomingMessage;
/** What `parseHead` found out besides the header list. */
export interface HeadFacts {
    /** An `Upgrade` field with `upgrade` in `Connection`. */
    upgrade: boolean;
    /** The `Expect` field's value, if any. */
    expect: string | undefined;
}
export declare function createRequest(Incoming: IncomingMessageClass, socket: EngineSocket, request: HttpRequest, facts: HeadFacts, joinDuplicateHeaders: boolean): IncomingMessage;
/** `[name, value, name, value, …]` as received (names as sent, values trimmed), from `head[from..]`. */
export declare function parseFields(text: string, from: number, facts: HeadFacts): string[];
