// Bodies in pieces, the one way both entry points read them: a stream (a web
// `ReadableStream` or any async iterable) read piece by piece with a way to
// stop its producer, and a whole body gathered from its pieces. The server
// (`req.readBody()`, streamed answers) and the fetch adapter (request bodies,
// Response streams) use these and no reader of their own.

/** Reads a stream piece by piece; `cancel` stops its producer (errors it raises are dropped). */
export interface PieceReader<T> {
  next(): Promise<IteratorResult<T, unknown>>
  cancel(): Promise<void>
}

const noop = (): void => {}

/**
 * A reader of `body`. A web `ReadableStream` is read with its own reader, so
 * that `cancel` ends a pending read at once and tells the stream's source;
 * other async iterables are asked to `return()`.
 */
export function readPieces<T>(body: ReadableStream<T> | AsyncIterable<T>): PieceReader<T> {
  if (typeof (body as ReadableStream<T>).getReader === 'function') {
    const reader = (body as ReadableStream<T>).getReader()
    return {
      next: () => reader.read() as Promise<IteratorResult<T, unknown>>,
      cancel: () => reader.cancel().catch(noop),
    }
  }
  const iterator = (body as AsyncIterable<T>)[Symbol.asyncIterator]()
  return {
    next: () => iterator.next(),
    cancel: async () => {
      await iterator.return?.()?.catch?.(noop)
    },
  }
}

/** The pieces in one array (the piece itself when there is only one). */
export function concat(pieces: Uint8Array[], size: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]
  const whole = new Uint8Array(size)
  let at = 0
  for (const piece of pieces) {
    whole.set(piece, at)
    at += piece.length
  }
  return whole
}

/** All of a body's pieces in one array of its own memory (never a view of a piece). */
export async function readAll(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const list: Uint8Array[] = []
  let size = 0
  for await (const piece of pieces) {
    list.push(piece)
    size += piece.length
  }
  return (list.length === 1 ? new Uint8Array(list[0]) : concat(list, size)) as Uint8Array<ArrayBuffer>
}
