// The head of a response this layer frames itself (structured, streamed and
// file answers): status line and reason phrase, Date, the handler's headers,
// then the framing headers it did not give.

import type { HttpRequest } from './request'
import { BadHandlerResult } from './results'
import type { ResponseHeaders } from './types'

const STATUS_TEXT: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted',
  204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
}

let dateSecond = -1
let dateText = ''

/** The `Date` header value, formatted at most once a second. */
export function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/**
 * The head of a response (status line, Date, the given headers, then
 * Content-Type and Content-Length unless given, and the Connection header
 * the request needs), ending with the blank line.
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
  let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\nDate: ${httpDate()}\r\n`
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
  if (shouldClose) head += 'Connection: close\r\n'
  // An HTTP/1.0 client assumes a close unless told otherwise.
  else if (req._isHttp10 && req.keepAlive) head += 'Connection: keep-alive\r\n'
  return `${head}\r\n`
}

/** The value of header `name` (case-insensitive) in a response's headers. */
export function headerValue(headers: ResponseHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined
  const entries: Iterable<readonly [string, unknown]> = Array.isArray(headers) ? headers : Object.entries(headers)
  for (const [key, value] of entries) if (key.toLowerCase() === name) return String(value)
  return undefined
}
