// The dispatcher: batches in, answers out. Each batch (a ThreadsafeFunction
// call, or a pull while JavaScript runs the engine's turns inline) becomes
// `HttpRequest` views handed to the handler; each answer is encoded into the
// tick's record buffer, and every answer of one tick leaves in ONE native
// `respond` call. Streams, uploads, takeovers and files are beside it.

import { AnswerWriter, EMPTY, INTERNAL_ERROR } from './answer'
import type { NativeServer } from './binding'
import type { ResolvedServerConfig } from './config'
import { answerFile } from './files'
import { HttpRequest } from './request'
import { RequestBodyError } from './request-body'
import { isFileResponse, isManualTakeover, isReusableTakeover, isStreamingResponse } from './results'
import { KEPT_SLAB_BYTES, KEPT_SLAB_WORDS, SLAB_BYTES, SLAB_MIN_ROOM_BYTES, SLAB_MIN_ROOM_WORDS, SLAB_WORDS, Slabs, type BatchStore } from './slabs'
import { Streams } from './streams'
import { Takeovers } from './takeovers'
import type { HandlerResult } from './types'
import { Uploads } from './uploads'
import * as wire from './wire'

// The wire constants as module constants: plain reads on the hot path (a
// property of the imported module may be a getter, as under tsx).
const { FIELD_DATA_LEN, FIELD_DATA_START, FIELD_FLAGS, FLAG_BODY_PIECE, FLAG_BODY_STREAMED, FLAG_DRAINED, FLAG_STREAM_CLOSED, FLAG_TAKEN_OVER, KIND_RAW, REQUEST_FIELDS } = wire

/** Hands batches to the handler and sends the answers of one server. */
export class Dispatch {
  readonly writer = new AnswerWriter()
  readonly streams = new Streams(this)
  readonly uploads = new Uploads(this)
  readonly takeovers = new Takeovers(this)
  private flushScheduled = false
  /**
   * I/O threads whose batch was handed to handlers and not yet reported: the
   * first `batchesDoneCount` entries. A count, not `length = 0`: truncating
   * an array drops its backing store, and the next push would make a new one
   * every tick.
   */
  private batchesDone: number[] = []
  private batchesDoneCount = 0
  private pullScheduled = false
  // Pull slabs: inline turns copy their batches here, one after another,
  // instead of each batch coming as two new native buffers with finalizers.
  private pullSlabs: Slabs
  // Requests kept past their handler copy themselves into these small slabs.
  private keptSlabs: Slabs

  constructor(
    private readonly config: ResolvedServerConfig,
    private readonly native: NativeServer,
    /** An I/O thread has stopped (with the reason it died, if it did). */
    private readonly onThreadStopped: (stopError: string | null) => void,
  ) {
    this.pullSlabs = new Slabs(SLAB_BYTES, SLAB_WORDS, config.userData, true)
    this.keptSlabs = new Slabs(KEPT_SLAB_BYTES, KEPT_SLAB_WORDS, config.userData, false)
  }

  // Called by the engine (through its ThreadsafeFunction): an I/O thread
  // has queued a batch (taken into the pull slabs, like pulled ones: the
  // call carries no bytes, so nothing is made per batch), or has stopped.
  onEvent = (thread: number, stopped: boolean, stopError?: string | null): void => {
    if (stopped) {
      this.onThreadStopped(stopError ?? null)
      return
    }
    do this.handOutPart(thread, true)
    while (this.native.pullPending())
  }

  /** Hands a whole batch (its own table and bytes) to the handlers. */
  handleBatch(thread: number, table: Uint32Array, data: Buffer): void {
    this.handleRows({ data, table, userData: this.config.userData, pullSlab: false }, 0, table.length, thread)
  }

  /** Hands the rows `start..end` of `store.table` to their handlers (or streams). */
  private handleRows(store: BatchStore, start: number, end: number, thread: number): void {
    const { table, data } = store
    const handler = this.config.handler
    let waiting = false
    for (let row = start; row < end; row += REQUEST_FIELDS) {
      const rowFlags = table[row + FIELD_FLAGS]
      if ((rowFlags & FLAG_TAKEN_OVER) !== 0) {
        this.takeovers.onTakenOver(table, row, data)
        continue
      }
      if ((rowFlags & (FLAG_DRAINED | FLAG_STREAM_CLOSED)) !== 0) {
        this.streams.onNotice(table, row, rowFlags)
        continue
      }
      if ((rowFlags & FLAG_BODY_PIECE) !== 0) {
        this.uploads.onPiece(table, row, data, rowFlags)
        continue
      }
      const req = new HttpRequest(store, row)
      if ((rowFlags & FLAG_BODY_STREAMED) !== 0) {
        req._detach(this.keptSlabs)
        this.uploads.start(req)
      }
      let result: HandlerResult | Promise<HandlerResult>
      try {
        result = handler(req)
      } catch (error) {
        this.answerError(req, error)
        continue
      }
      if (result !== null && typeof result === 'object' && typeof (result as Promise<HandlerResult>).then === 'function') {
        waiting = true
        req._detach(this.keptSlabs)
        ;(result as Promise<HandlerResult>).then(
          (value) => {
            this.answer(req, value)
            this.scheduleFlush()
          },
          (error) => {
            this.answerError(req, error)
            this.scheduleFlush()
          },
        )
      } else {
        this.answer(req, result as HandlerResult)
      }
    }
    // The batch is handed out: say so with the answers (one native call, one
    // wake-up of the I/O thread). When a handler is async, wait for the
    // promises that settle in this tick, so their answers join the call.
    this.batchesDone[this.batchesDoneCount++] = thread
    if (waiting) this.scheduleFlush()
    else this.flush()
  }

  /** Answers `req` with a handler's result, whatever its form. */
  answer(req: HttpRequest, result: HandlerResult): void {
    if (!isStreamingResponse(result) && !isReusableTakeover(result)) this.uploads.end(req)
    if (isManualTakeover(result)) {
      try {
        this.takeovers.queue(req, result)
      } catch (error) {
        this.answerError(req, error)
      }
      return
    }
    if (isStreamingResponse(result)) {
      req._detach(this.keptSlabs)
      void this.streams.answer(req, result)
      return
    }
    if (isReusableTakeover(result)) {
      req._detach(this.keptSlabs)
      void this.streams.reusable(req, result)
      return
    }
    if (isFileResponse(result)) {
      req._detach(this.keptSlabs)
      answerFile(this, req, result).catch((error) => {
        this.answerError(req, error)
        this.scheduleFlush()
      })
      return
    }
    try {
      this.writer.result(req, result, false)
    } catch (error) {
      this.answerError(req, error)
    }
  }

  /** Answers `req` for a handler that failed: a 500 (reported), or the status of a body that could not complete. */
  answerError(req: HttpRequest, error: unknown): void {
    this.uploads.end(req)
    if (error instanceof RequestBodyError) {
      // The client's fault (or gone): its status, not a 500 for onError.
      const status = error.status === 0 ? 400 : error.status
      this.writer.result(req, { status, body: `${error.message}\n`, shouldClose: true }, true)
      return
    }
    this.writer.bytes(req, KIND_RAW, INTERNAL_ERROR)
    this.reportError(error, req)
  }

  /** Tells `onError`. */
  reportError(error: unknown, req: HttpRequest | undefined): void {
    try {
      this.config.onError(error, req)
    } catch (reportError) {
      // An onError that throws must not take the server down.
      console.error('fasthttp: onError threw:', reportError)
    }
  }

  // Answers of handlers that settle in the same tick leave together, in one
  // native call after the current callback and its microtasks.
  scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    process.nextTick(this.flush)
  }

  /** Sends the tick's answers (and the batches handed out) in one native call. */
  flush = (): void => {
    this.flushScheduled = false
    const done = this.batchesDone
    const doneCount = this.batchesDoneCount
    let ourTurns = false
    const length = this.writer.length
    if (doneCount === 0) {
      if (length > 0) ourTurns = this.native.respond(this.writer.take(), -1, this.writer.takeExternals(), length)
    } else {
      this.batchesDoneCount = 0
      ourTurns = this.native.respond(this.writer.take(), done[0], this.writer.takeExternals(), length)
      for (let i = 1; i < doneCount; i++) ourTurns = this.native.respond(EMPTY, done[i])
    }
    if (ourTurns && !this.pullScheduled) {
      // Inline turns: the engine's next turn runs here, after Node's own
      // pending I/O and timers (setImmediate), so busy serving never starves them.
      // (With the loop watch, `respond` says so only for work the engine's
      // poll will not report: otherwise the watch calls `pull`.)
      this.pullScheduled = true
      setImmediate(this.pull)
    }
  }

  /**
   * One inline turn: its answers are written, its new requests handled.
   * Scheduled after a flush, or called by Node's event loop when the engine
   * has events (the loop watch, see `Server.run`).
   */
  pull = (): void => {
    this.pullScheduled = false
    // A batch bigger than a slab comes in parts, all in this tick (a later
    // batch must not come between them), each answered before the next.
    do this.handOutPart(0, false)
    while (this.native.pullPending())
  }

  /** Copies the next part of a batch into the pull slabs (a `delivered` one, or an inline turn's) and hands it out. */
  private handOutPart(thread: number, delivered: boolean): void {
    const slabs = this.pullSlabs
    const slab = slabs.room(SLAB_MIN_ROOM_BYTES, SLAB_MIN_ROOM_WORDS)
    const pulled = delivered
      ? this.native.take(thread, slab.data, slabs.dataAt, slab.table, slabs.tableAt)
      : this.native.pull(slab.data, slabs.dataAt, slab.table, slabs.tableAt)
    // null: nothing queued, or quiet (the I/O thread has the turns again).
    if (pulled === null || pulled === undefined) return
    if (typeof pulled !== 'number') {
      // Too big for what is left of the slab: a batch of its own.
      this.handleBatch(thread, pulled.table, pulled.data)
      return
    }
    const start = slabs.tableAt
    const end = start + pulled * REQUEST_FIELDS
    if (pulled > 0) {
      const last = end - REQUEST_FIELDS
      slabs.used(slab.table[last + FIELD_DATA_START] + slab.table[last + FIELD_DATA_LEN] - slabs.dataAt, end - start)
    }
    this.handleRows(slab, start, end, thread)
  }
}
