// Request bodies streamed to their handler (longer than `streamBodiesOver`):
// each piece the engine sends goes to its request's `RequestBody`, and each
// piece the reader takes is acknowledged (a credit record), so the engine
// reads on from the client only as fast as the handler reads.

import type { Dispatch } from './dispatch'
import { requestKey, type HttpRequest } from './request'
import { RequestBody } from './request-body'
import { FIELD_DATA_LEN, FIELD_DATA_START, FIELD_RESERVED, FLAG_BODY_ABORTED, FLAG_BODY_END, KIND_BODY_CREDIT } from './wire'

/** The streamed request bodies of one server still arriving, by request. */
export class Uploads {
  private byRequest = new Map<string, RequestBody>()

  constructor(private readonly dispatch: Dispatch) {}

  /** A request whose body follows in pieces: its reader acknowledges each. */
  start(req: HttpRequest): void {
    const body = new RequestBody((bytes) => {
      const credit = Buffer.allocUnsafe(4)
      credit.writeUInt32LE(bytes, 0)
      this.dispatch.writer.bytes(req, KIND_BODY_CREDIT, credit)
      this.dispatch.scheduleFlush()
    })
    req._bodyStream = body
    this.byRequest.set(requestKey(req._table, req._row), body)
  }

  onPiece(table: Uint32Array, row: number, data: Buffer, rowFlags: number): void {
    const key = requestKey(table, row)
    const body = this.byRequest.get(key)
    if (body === undefined) return // answered already: the rest is dropped
    if ((rowFlags & FLAG_BODY_ABORTED) !== 0) {
      this.byRequest.delete(key)
      body.fail(table[row + FIELD_RESERVED])
      return
    }
    // A view, not a copy: a copy per piece doubled the garbage of an upload,
    // and on Node 24 (whose collector lets external memory grow further) a
    // 256 MiB upload then held over 96 MiB at its peak. A piece kept by the
    // handler keeps its batch (or slab) alive; nothing overwrites either.
    const start = table[row + FIELD_DATA_START]
    body.push(data.subarray(start, start + table[row + FIELD_DATA_LEN]), (rowFlags & FLAG_BODY_END) !== 0)
    if ((rowFlags & FLAG_BODY_END) !== 0) this.byRequest.delete(key)
  }

  /** The request is answered: a body still arriving is never read now. */
  end(req: HttpRequest): void {
    const body = req._bodyStream
    if (body === undefined || body.settled) return
    this.byRequest.delete(requestKey(req._table, req._row))
    body.abandon()
  }
}
