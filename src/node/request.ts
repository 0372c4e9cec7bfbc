// The request object: a real `http.IncomingMessage` (so Express, which
// swaps its prototype for one inheriting `IncomingMessage.prototype`, finds
// Node's own methods), filled from the engine's request. Only `rawHeaders`
// is made eagerly; Node's own getters make `headers`, `headersDistinct` and
// `trailers` from it when they are read, with Node's joining rules.

import { IncomingMessage } from 'node:http'
import type { HttpRequest } from '../../index'
import type { EngineSocket } from './socket'

export type IncomingMessageClass = typeof IncomingMessage

/** What `parseHead` found out besides the header list. */
export interface HeadFacts {
  /** An `Upgrade` field with `upgrade` in `Connection`. */
  upgrade: boolean
  /** The `Expect` field's value, if any. */
  expect: string | undefined
}

export function createRequest(
  Incoming: IncomingMessageClass,
  socket: EngineSocket,
  request: HttpRequest,
  facts: HeadFacts,
  joinDuplicateHeaders: boolean,
): IncomingMessage {
  const req = new Incoming(socket as never) as IncomingMessage & { _addHeaderLines(headers: string[], n: number): void; joinDuplicateHeaders: boolean; upgrade: boolean }
  // One string for the whole head (the engine has validated it): the
  // request line and every field are substrings of it.
  const fields = request.headerFields
  const head = request.buffer.toString('latin1', 0, fields.start + fields.len)
  const methodEnd = head.indexOf(' ')
  const targetEnd = head.indexOf(' ', methodEnd + 1)
  req.method = head.slice(0, methodEnd)
  req.url = head.slice(methodEnd + 1, targetEnd)
  if (head.charCodeAt(targetEnd + 8) === 48 /* HTTP/1.0 */) {
    req.httpVersion = '1.0'
    req.httpVersionMajor = 1
    req.httpVersionMinor = 0
  } else {
    req.httpVersion = '1.1'
    req.httpVersionMajor = 1
    req.httpVersionMinor = 1
  }
  const raw = parseFields(head, fields.start, facts)
  req._addHeaderLines(raw, raw.length)
  if (joinDuplicateHeaders) req.joinDuplicateHeaders = true
  // As on node:http, `complete` turns true once the 'request' event has
  // returned (the parser reaches the message's end after it), or at the
  // end of a streamed body.
  req.complete = false
  req.upgrade = false
  socket._incoming = req
  return req
}

/** `[name, value, name, value, …]` as received (names as sent, values trimmed), from `head[from..]`. */
export function parseFields(text: string, from: number, facts: HeadFacts): string[] {
  const raw: string[] = []
  let connectionUpgrade = false
  let upgradeField = false
  let at = from
  const end = text.length
  while (at < end) {
    let lineEnd = text.indexOf('\n', at)
    if (lineEnd === -1) lineEnd = end
    const colon = text.indexOf(':', at)
    if (colon !== -1 && colon < lineEnd) {
      const name = text.slice(at, colon)
      let start = colon + 1
      let stop = lineEnd
      while (start < stop && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++
      while (stop > start && isBlank(text.charCodeAt(stop - 1))) stop--
      const value = text.slice(start, stop)
      raw.push(name, value)
      const length = name.length
      if (length === 7 && name.toLowerCase() === 'upgrade') upgradeField = true
      else if (length === 10 && name.toLowerCase() === 'connection' && /(?:^|,)\s*upgrade\s*(?:,|$)/i.test(value)) connectionUpgrade = true
      else if (length === 6 && name.toLowerCase() === 'expect') facts.expect = value
    }
    at = lineEnd + 1
  }
  facts.upgrade = upgradeField && connectionUpgrade
  return raw
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13
}
