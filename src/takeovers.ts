// Manual takeovers (V's `takeover_mode: manual`): the answer's bytes go
// out, then the engine hands the connection over and `onTakeover` gets it
// as a `net.Socket`.

import fs from 'node:fs'
import net from 'node:net'
import type { Dispatch } from './dispatch'
import { requestKey, type HttpRequest } from './request'
import { BadHandlerResult } from './results'
import type { HttpResponse } from './types'
import { FIELD_DATA_LEN, FIELD_DATA_START, FIELD_FD, KIND_TAKEOVER } from './wire'

/** The `onTakeover` callbacks of one server's takeover answers not yet handed over, by request. */
export class Takeovers {
  private byRequest = new Map<string, (socket: net.Socket, head: Buffer) => void>()

  constructor(private readonly dispatch: Dispatch) {}

  /** Queues a manual takeover: `content`, then the socket goes to `onTakeover`. */
  queue(req: HttpRequest, response: HttpResponse): void {
    if (typeof response.onTakeover !== 'function') {
      throw new BadHandlerResult("fasthttp: takeoverMode 'manual' needs an onTakeover(socket, head) function")
    }
    if (process.platform === 'win32') throw new BadHandlerResult("fasthttp: takeoverMode 'manual' is not supported on Windows")
    const content = response.content ?? ''
    this.byRequest.set(requestKey(req._table, req._row), response.onTakeover)
    if (typeof content === 'string') this.dispatch.writer.string(req, KIND_TAKEOVER, content)
    else this.dispatch.writer.bytes(req, KIND_TAKEOVER, content)
  }

  /** The engine handed over the connection of a takeover answer. */
  onTakenOver(table: Uint32Array, row: number, data: Buffer): void {
    const key = requestKey(table, row)
    const onTakeover = this.byRequest.get(key)
    this.byRequest.delete(key)
    const fd = table[row + FIELD_FD] | 0
    if (onTakeover === undefined) {
      fs.closeSync(fd)
      return
    }
    const start = table[row + FIELD_DATA_START]
    const head = Buffer.from(data.subarray(start, start + table[row + FIELD_DATA_LEN]))
    const socket = new net.Socket({ fd, readable: true, writable: true })
    socket.setNoDelay(true)
    try {
      onTakeover(socket, head)
    } catch (error) {
      socket.destroy()
      this.dispatch.reportError(error, undefined)
    }
  }

}
