// A request body that arrives in pieces (longer than `streamBodiesOver`),
// and the error its reader gets when it cannot complete.

/**
 * Why a streamed request body could not complete; `status` is what the
 * request deserves (400 malformed chunk, 413 past `maxBodySize`, 0 when the
 * client closed the connection).
 */
export class RequestBodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'RequestBodyError'
  }
}

const BODY_ABORT_MESSAGES: Record<number, string> = {
  0: 'the client closed the connection before the request body ended',
  400: 'malformed chunked encoding in the request body',
  413: 'the request body exceeds maxBodySize',
}

/**
 * @internal A request body arriving in pieces. Each piece taken by the reader is
 * acknowledged to the engine (`credit`), which reads on from the client
 * only while less than its window is unacknowledged.
 */
export class RequestBody {
  private pieces: Buffer[] = []
  private ended = false
  private failure: RequestBodyError | undefined
  private wake: (() => void) | undefined
  private reading = false

  constructor(private readonly credit: (bytes: number) => void) {}

  /** Whether the body has been fully received or has failed. */
  get settled(): boolean {
    return this.ended || this.failure !== undefined
  }

  push(piece: Buffer, end: boolean): void {
    if (piece.length > 0) this.pieces.push(piece)
    if (end) this.ended = true
    this.notify()
  }

  fail(status: number): void {
    this.failure = new RequestBodyError(status, `fasthttp: ${BODY_ABORT_MESSAGES[status] ?? 'the request body failed'}`)
    this.notify()
  }

  /** The response went out first: the rest of the body is never read. */
  abandon(): void {
    if (this.settled) return
    this.pieces = []
    this.fail(0)
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  async *iterate(): AsyncGenerator<Buffer> {
    if (this.reading) throw new Error('fasthttp: the request body is already being read')
    this.reading = true
    for (;;) {
      const piece = this.pieces.shift()
      if (piece !== undefined) {
        this.credit(piece.length)
        yield piece
        continue
      }
      if (this.failure !== undefined) throw this.failure
      if (this.ended) return
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }
}
