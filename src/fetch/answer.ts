// The adapter's answers: a fetch Response becomes a fasthttp structured
// response. A known body is answered at once; a stream is gathered until the
// event loop moves on, then sent whole or streamed with backpressure.

import type { StructuredResponse } from '../types'
import { concat, readPieces, type PieceReader } from '../pieces'
import { NativeResponse } from './natives'
import { FetchRequest } from './request'
import { heldSource, LightResponse, type KnownBody } from './response'

const noop = (): void => {}

/** Headers the engine writes itself, or that only concern this one connection. */
const DROPPED = new Set(['content-length', 'date', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
const CLOSE_TOKEN = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i

interface AnswerHeaders {
  headers: Array<[string, string]>
  /** The Content-Length the application declared. */
  length: string | null
  shouldClose: boolean
}

function fromHeaders(source: Headers): AnswerHeaders {
  const headers: Array<[string, string]> = []
  let length: string | null = null
  let shouldClose = false
  for (const [name, value] of source) {
    if (!DROPPED.has(name)) {
      if (name !== 'set-cookie') headers.push([name, value])
    } else if (name === 'content-length') {
      length = value
    } else if (name === 'connection') {
      shouldClose = CLOSE_TOKEN.test(value)
    }
  }
  for (const cookie of source.getSetCookie()) headers.push(['set-cookie', cookie])
  return { headers, length, shouldClose }
}

function fromPairs(pairs: Array<[string, string]> | undefined, type: string | undefined): AnswerHeaders {
  const headers: Array<[string, string]> = []
  let length: string | null = null
  let shouldClose = false
  let typed = false
  if (pairs !== undefined) {
    for (const pair of pairs) {
      const name = pair[0]
      if (!DROPPED.has(name)) {
        if (name === 'content-type') typed = true
        headers.push(pair)
      } else if (name === 'content-length') {
        length = pair[1]
      } else if (name === 'connection') {
        shouldClose = CLOSE_TOKEN.test(pair[1])
      }
    }
  }
  if (type !== undefined && !typed) headers.push(['content-type', type])
  return { headers, length, shouldClose }
}

export function answerOf(response: unknown, head: boolean, request: FetchRequest): StructuredResponse | Promise<StructuredResponse> {
  const bodyError = FetchRequest.bodyError(request)
  if (bodyError !== undefined) throw bodyError
  if (LightResponse.is(response)) {
    const { status, headers: given, pairs, type, source, stream } = LightResponse.parts(response)
    const { headers, length, shouldClose } = given !== undefined ? fromHeaders(given) : fromPairs(pairs, type)
    if (stream !== undefined) return answerStream(stream, status, headers, shouldClose, head, length, request)
    return answerKnown(source!, status, headers, shouldClose, head, length)
  }
  if (!(response instanceof NativeResponse)) {
    throw new TypeError(`fasthttp/fetch: the fetch handler returned ${response === null ? 'null' : typeof response}; expected a Response`)
  }
  const { headers, length, shouldClose } = fromHeaders(response.headers)
  if (response.bodyUsed) throw new TypeError('fasthttp/fetch: the Response body was already read')
  const body = response.body
  if (body === null) return answerKnown(null, response.status, headers, shouldClose, head, length)
  const held = heldSource(body)
  if (held !== undefined) return answerKnown(held, response.status, headers, shouldClose, head, length)
  return answerStream(body, response.status, headers, shouldClose, head, length, request)
}

/** A body whose bytes are known: the engine frames it (Content-Length) at once. */
function answerKnown(source: KnownBody, status: number, headers: Array<[string, string]>, shouldClose: boolean, head: boolean, length: string | null): StructuredResponse {
  if (head && length !== null) {
    // No body goes out for HEAD: keep the length the application declared.
    headers.push(['content-length', length])
    return { status, headers, shouldClose }
  }
  return { status, headers, body: source ?? '', shouldClose }
}

/** A HEAD answer to a streamed body: the head only (the engine sends no body for HEAD). */
const NO_PIECES: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} }
/** Bodies already produced up to this size are sent whole; past it they are streamed. */
const GATHER_LIMIT = 1024 * 1024
let turnEnd: Promise<void> | undefined

/** Resolves once the event loop moves on (one `setImmediate`, shared by every answer of the turn). */
function endOfTurn(): Promise<void> {
  return (turnEnd ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      turnEnd = undefined
      resolve()
    }),
  ))
}

interface Gathered {
  pieces: Uint8Array[]
  size: number
  /** The read in flight when gathering stopped; undefined when the stream ended. */
  next: Promise<IteratorResult<Uint8Array, unknown>> | undefined
}

/** Reads what the stream produces until the event loop moves on (or `GATHER_LIMIT` bytes). */
function gather(reader: PieceReader<Uint8Array>): Promise<Gathered> {
  return new Promise((resolve, reject) => {
    const pieces: Uint8Array[] = []
    let size = 0
    let decided = false
    let next: Promise<IteratorResult<Uint8Array, unknown>>
    const stop = (): void => {
      if (decided) return
      decided = true
      resolve({ pieces, size, next })
    }
    const failed = (error: unknown): void => {
      if (decided) return // the stream's own reader (streamRest) sees it
      decided = true
      reject(error)
    }
    const read = (): void => {
      next = reader.next()
      next.then(onRead, failed)
    }
    const onRead = (result: IteratorResult<Uint8Array, unknown>): void => {
      if (decided) return // streamRest takes this result from `next`
      if (result.done) {
        decided = true
        resolve({ pieces, size, next: undefined })
        return
      }
      try {
        size += checkedPiece(result.value).length
      } catch (error) {
        failed(error)
        return
      }
      pieces.push(result.value)
      read()
      if (size >= GATHER_LIMIT) stop()
    }
    read()
    endOfTurn().then(stop)
  })
}

/**
 * A body stream: what it has already produced (until the event loop moves
 * on) is gathered; if it ended, it is sent whole, else the head and those
 * pieces go now and the rest follows as it is produced.
 */
async function answerStream(
  stream: ReadableStream<Uint8Array>,
  status: number,
  headers: Array<[string, string]>,
  shouldClose: boolean,
  head: boolean,
  length: string | null,
  request: FetchRequest,
): Promise<StructuredResponse> {
  if (head && length !== null) {
    stream.cancel().catch(noop)
    return answerKnown(null, status, headers, shouldClose, head, length)
  }
  const reader = readPieces(stream)
  let gathered: Gathered
  try {
    gathered = await gather(reader)
  } catch (error) {
    void reader.cancel()
    throw error
  }
  const { pieces, size, next } = gathered
  if (next === undefined) return answerKnown(concat(pieces, size), status, headers, shouldClose, head, length)
  if (head) {
    void reader.cancel()
    return { status, headers, body: NO_PIECES, shouldClose }
  }
  if (length !== null) headers.push(['content-length', length])
  return { status, headers, body: streamRest(pieces, next, reader, request), shouldClose }
}

function checkedPiece(piece: unknown): Uint8Array {
  if (!(piece instanceof Uint8Array)) throw new TypeError(`fasthttp/fetch: a Response body stream produced ${typeof piece}; expected Uint8Array pieces`)
  return piece
}

/**
 * The pieces gathered, then the rest of the stream as the engine pulls it.
 * If the engine stops early (the client went away, or a piece failed) the
 * stream is cancelled and the request's signal aborts.
 */
async function* streamRest(
  gathered: Uint8Array[],
  next: Promise<IteratorResult<Uint8Array, unknown>>,
  reader: PieceReader<Uint8Array>,
  request: FetchRequest,
): AsyncGenerator<Uint8Array> {
  let ended = false
  try {
    yield* gathered
    for (let result = await next; !result.done; result = await reader.next()) yield checkedPiece(result.value)
    ended = true
  } finally {
    if (!ended) {
      void reader.cancel()
      FetchRequest.abort(request)
    }
  }
}
