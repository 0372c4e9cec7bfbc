// Node's private symbol that node:http's server code uses on
// `OutgoingMessage` instances, found once by its description on a
// throwaway instance (it is not exported).

import { OutgoingMessage } from 'node:http'

function symbolOf(object: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description)
}

const probeOut = new OutgoingMessage()

/** `msg[kNeedDrain]`: a write returned false and 'drain' is owed. */
export const kNeedDrain = symbolOf(probeOut, 'kNeedDrain')
