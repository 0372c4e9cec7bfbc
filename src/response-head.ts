// The head of a response this layer frames itself (structured, streamed and
// file answers): status line and reason phrase, Date, the handler's headers,
// then the framing headers it did not give.

import { binding } from './binding'
import type { HttpRequest } from './request'
import { BadHandlerResult } from './results'
import type { ResponseHeaders } from './types'
import * as wire from './wire'

// Module constants: plain reads on the hot path.
const { FIELD_FLAGS, FLAG_HTTP_1_0, FLAG_KEEP_ALIVE } = wire

/**
 * Reason phrases by status code (200 to 999): the engine's table
 * (`REASON_PHRASES` in `crates/core/src/response.rs`), read once into a
 * dense array (a fast indexed read); a code it lacks reads `undefined`.
 */
const REASON_PHRASES: Array<string | undefined> = new Array<string | undefined>(1000).fill(undefined)
for (const entry of binding.reasonPhrases()) REASON_PHRASES[Number(entry.slice(0, 3))] = entry.slice(4)

let dateSecond = -1
let dateText = ''

/** The `Date` header value (the engine formats it), asked for at most once a second. */
export function httpDate(): string {
  const second = Math.floor(Date.now() / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    // Made a one-byte string here: the heads are written as latin1.
    dateText = Buffer.from(binding.httpDateNow(), 'latin1').toString('latin1')
  }
  return dateText
}

/**
 * The head of a response (status line, Date, the given headers, then
 * Content-Type and Content-Length unless given, and the Connection header
 * the request needs), ending with the blank line. A 204 or 304 head
 * announces no body (RFC 9110 §8.6, §15.3.5); the engine drops any body
 * bytes such an answer, or any answer to HEAD, carries.
 */
export function responseHead(
  req: HttpRequest,
  status: number,
  headers: ResponseHeaders | undefined,
  bodyLength: number | 'chunked' | 'until-close',
  shouldClose: boolean,
  defaultType: string,
): string {
  if (!Number.isInteger(status) || status < 200 || status > 999) {
    throw new BadHandlerResult(`fasthttp: response status must be an integer from 200 to 999, got ${status}`)
  }
  let head = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Status'}\r\nDate: ${httpDate()}\r\n`
  let hasLength = false
  let hasType = false
  const addHeader = (name: string, value: string): void => {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new BadHandlerResult(`fasthttp: header ${JSON.stringify(name)} contains a line break`)
    }
    const lower = name.toLowerCase()
    if (lower === 'content-length') hasLength = true
    if (lower === 'content-type') hasType = true
    head += `${name}: ${value}\r\n`
  }
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) addHeader(name, String(value))
  } else if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) for (const v of value) addHeader(name, String(v))
      else addHeader(name, String(value))
    }
  }
  const noBody = status === 204 || status === 304
  if (!hasType && !noBody) head += `Content-Type: ${defaultType}\r\n`
  if (!hasLength && !noBody) {
    if (bodyLength === 'chunked') head += 'Transfer-Encoding: chunked\r\n'
    else if (typeof bodyLength === 'number') head += `Content-Length: ${bodyLength}\r\n`
  }
  const flags = req._table[req._row + FIELD_FLAGS]
  // The connection closes after this answer (asked, or the request did not
  // keep it alive): say so (RFC 9112 §9.6).
  if (shouldClose || (flags & FLAG_KEEP_ALIVE) === 0) head += 'Connection: close\r\n'
  // An HTTP/1.0 client assumes a close unless told otherwise.
  else if ((flags & FLAG_HTTP_1_0) !== 0) head += 'Connection: keep-alive\r\n'
  return `${head}\r\n`
}

/** The value of header `name` (case-insensitive) in a response's headers. */
export function headerValue(headers: ResponseHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined
  const entries: Iterable<readonly [string, unknown]> = Array.isArray(headers) ? headers : Object.entries(headers)
  for (const [key, value] of entries) if (key.toLowerCase() === name) return String(value)
  return undefined
}
