// Node's private symbols that node:http's server code uses on
// `OutgoingMessage`/`IncomingMessage` instances, found once by their
// descriptions on throwaway instances (they are not exported).

import { IncomingMessage, OutgoingMessage } from 'node:http'

function symbolOf(object: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description)
}

const probeOut = new OutgoingMessage()
const probeIn = new IncomingMessage(null as never)

/** `msg[kNeedDrain]`: a write returned false and 'drain' is owed. */
export const kNeedDrain = symbolOf(probeOut, 'kNeedDrain')
/** `req[kHeadersCount]` read by the `headers` getter (set through `_addHeaderLines`). */
export const kHeadersCount = symbolOf(probeIn, 'kHeadersCount')
