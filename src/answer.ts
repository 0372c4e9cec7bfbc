// Answer records: every answer of one tick is encoded into one buffer
// (`AnswerWriter`), which the dispatcher sends to the engine in one native call.
// The record layout is the wire format of `src/wire.ts`.

import { describe } from './config'
import type { HttpRequest } from './request'
import { responseHead } from './response-head'
import { BadHandlerResult, isStreamBody } from './results'
import type { HandlerResult, HttpResponse, StructuredResponse } from './types'
import * as wire from './wire'

// The wire constants as module constants: plain reads on the hot path (a
// property of the imported module may be a getter, as under tsx).
const { CONTENT_TYPE_HTML, CONTENT_TYPE_JSON, CONTENT_TYPE_TEXT, FIELD_CONN, FIELD_GENERATION, FIELD_SEQ, FILE_META_LEN, KIND_BODY, KIND_CLOSE, KIND_CONTENT_TYPE_SHIFT, KIND_EXTERNAL, KIND_FILE, KIND_RAW, RECORD_HEADER_LEN } = wire

/** Bodies from this size on are passed to the engine by reference. */
const EXTERNAL_MIN = 16 * 1024

/** An empty record buffer (a `respond` that only reports a batch handed out). */
export const EMPTY = Buffer.alloc(0)

/** The answer to a handler that threw (or returned something unsupported). */
export const INTERNAL_ERROR = Buffer.from(
  'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 22\r\n\r\nInternal Server Error\n',
  'latin1',
)

/** Sniffs a body's content type from its first non-blank character. */
function contentTypeOf(first: number): number {
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) return CONTENT_TYPE_JSON
  if (first === 0x3c /* < */) return CONTENT_TYPE_HTML
  return CONTENT_TYPE_TEXT
}

function firstNonBlankChar(text: string): number {
  for (let i = 0; i < text.length && i < 64; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c
  }
  return 0
}

function firstNonBlankByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length && i < 64; i++) {
    const c = bytes[i]
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c
  }
  return 0
}

function startsWithHttp(bytes: Uint8Array): boolean {
  return bytes.length >= 5 && bytes[0] === 0x48 && bytes[1] === 0x54 && bytes[2] === 0x54 && bytes[3] === 0x50 && bytes[4] === 0x2f
}

/** Payload bytes rounded up so the next record header is 4-byte aligned. */
function padded(len: number): number {
  return (len + 3) & ~3
}

/** The answer buffer of the current tick. */
export class AnswerWriter {
  private out = Buffer.allocUnsafeSlow(64 * 1024)
  // Record headers are 4-byte aligned, so they are written as whole words.
  private words = new Uint32Array(this.out.buffer, this.out.byteOffset, this.out.length >>> 2)
  length = 0

  private reserve(bytes: number): void {
    const needed = this.length + bytes + 3
    if (needed <= this.out.length) return
    const bigger = Buffer.allocUnsafeSlow(Math.max(needed, this.out.length * 2) + 3)
    this.out.copy(bigger, 0, 0, this.length)
    this.out = bigger
    this.words = new Uint32Array(bigger.buffer, bigger.byteOffset, bigger.length >>> 2)
  }

  private header(req: HttpRequest, kind: number, len: number, at: number): void {
    const table = req._table
    const row = req._row
    const words = this.words
    const w = at >>> 2
    words[w] = table[row + FIELD_CONN]
    words[w + 1] = table[row + FIELD_GENERATION]
    words[w + 2] = table[row + FIELD_SEQ]
    words[w + 3] = kind
    words[w + 4] = len
  }

  bytes(req: HttpRequest, kind: number, bytes: Uint8Array): void {
    if (bytes.length >= EXTERNAL_MIN) {
      // A large body is not copied here: the engine copies it once, straight
      // from the caller's bytes, during the same native call.
      this.reserve(RECORD_HEADER_LEN)
      this.header(req, kind | KIND_EXTERNAL, bytes.length, this.length)
      this.length += RECORD_HEADER_LEN
      this.externals.push(bytes)
      return
    }
    this.reserve(RECORD_HEADER_LEN + bytes.length)
    this.header(req, kind, bytes.length, this.length)
    this.out.set(bytes, this.length + RECORD_HEADER_LEN)
    this.length += RECORD_HEADER_LEN + padded(bytes.length)
  }

  string(req: HttpRequest, kind: number, text: string): void {
    this.reserve(RECORD_HEADER_LEN + text.length * 3)
    const at = this.length + RECORD_HEADER_LEN
    let len = text.length <= SHORT_STRING ? writeAscii(this.out, text, at) : -1
    if (len < 0) len = this.out.write(text, at, 'utf8')
    this.header(req, kind, len, this.length)
    this.length += RECORD_HEADER_LEN + padded(len)
  }

  /** Encodes any supported handler result; throws BadHandlerResult otherwise. */
  result(req: HttpRequest, result: HandlerResult, close: boolean): void {
    const closeBit = close ? KIND_CLOSE : 0
    if (typeof result === 'string') {
      if (result.startsWith('HTTP/')) this.string(req, KIND_RAW | closeBit, result)
      else this.string(req, KIND_BODY | closeBit | (contentTypeOf(firstNonBlankChar(result)) << KIND_CONTENT_TYPE_SHIFT), result)
    } else if (result instanceof Uint8Array) {
      if (startsWithHttp(result)) this.bytes(req, KIND_RAW | closeBit, result)
      else this.bytes(req, KIND_BODY | closeBit | (contentTypeOf(firstNonBlankByte(result)) << KIND_CONTENT_TYPE_SHIFT), result)
    } else if (result !== null && typeof result === 'object') {
      if ('status' in result && typeof result.status === 'number') this.structured(req, result as StructuredResponse)
      else this.vResponse(req, result as HttpResponse)
    } else {
      throw new BadHandlerResult(`fasthttp: handler returned ${describe(result)}; expected a string, a Uint8Array or a response object`)
    }
  }

  private vResponse(req: HttpRequest, response: HttpResponse): void {
    if (response.takeoverMode !== undefined && response.takeoverMode !== 'none') {
      throw new BadHandlerResult(`fasthttp: takeoverMode '${response.takeoverMode}' is not supported`)
    }
    if (response.content === undefined) throw new BadHandlerResult('fasthttp: HttpResponse needs content')
    this.result(req, response.content, response.shouldClose === true)
  }

  private structured(req: HttpRequest, response: StructuredResponse): void {
    const body = response.body ?? ''
    if (isStreamBody(body)) throw new BadHandlerResult('fasthttp: a streamed body here is a bug (streams are answered apart)')
    const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    const status = response.status
    const head = responseHead(req, status, response.headers, bodyBytes.length, response.shouldClose === true, 'text/plain; charset=utf-8')
    // The body goes even where the answer may not have one (HEAD, 204, 304):
    // the engine's no-body rule drops it.
    const total = Buffer.byteLength(head, 'latin1') + bodyBytes.length
    this.reserve(RECORD_HEADER_LEN + total)
    const kind = KIND_RAW | (response.shouldClose ? KIND_CLOSE : 0)
    this.header(req, kind, total, this.length)
    let at = this.length + RECORD_HEADER_LEN
    at += this.out.write(head, at, 'latin1')
    this.out.set(bodyBytes, at)
    this.length += RECORD_HEADER_LEN + padded(total)
  }

  /** A response whose body the engine sends from the open file `fd`. */
  file(req: HttpRequest, close: boolean, fd: number, offset: number, length: number, head: string): void {
    const headLength = Buffer.byteLength(head, 'latin1')
    const total = FILE_META_LEN + headLength
    this.reserve(RECORD_HEADER_LEN + total)
    this.header(req, KIND_FILE | (close ? KIND_CLOSE : 0), total, this.length)
    const at = this.length + RECORD_HEADER_LEN
    this.out.writeInt32LE(fd, at)
    this.out.writeBigUInt64LE(BigInt(offset), at + 4)
    this.out.writeBigUInt64LE(BigInt(length), at + 12)
    this.out.write(head, at + FILE_META_LEN, 'latin1')
    this.length += RECORD_HEADER_LEN + padded(total)
  }

  /** Large payloads of this tick's external records, in record order. */
  externals: Uint8Array[] = []

  /** The buffer whose first `length` bytes are this tick's records (then reset). */
  take(): Buffer {
    this.length = 0
    return this.out
  }

  /** The external payloads, or undefined when there are none; resets the list. */
  takeExternals(): Uint8Array[] | undefined {
    if (this.externals.length === 0) return undefined
    const externals = this.externals
    this.externals = []
    return externals
  }
}

/**
 * Up to this many characters, a string answer is copied by a JavaScript loop
 * (`writeAscii`): for a short body such as `Hello, World!` that takes half
 * the time of `Buffer#write`, whose native call costs more than the copy.
 * Past ~32 characters the native call wins.
 */
const SHORT_STRING = 24

/** Writes `text` at `at` when it is all ASCII and returns its length; -1 (and bytes to overwrite) otherwise. */
function writeAscii(out: Uint8Array, text: string, at: number): number {
  const length = text.length
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7f) return -1
    out[at + i] = code
  }
  return length
}
