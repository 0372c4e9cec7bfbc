// The HTTP/1.1 conformance and request-smuggling probe table (issue 12,
// "Strict means strict"), shared by __test__/probe.spec.ts (fasthttp through
// real sockets, three ways) and by any script that scores another server on
// the same rows.
//
// The classes come from reading the public probe suites (MDA2AV/Http11Probe's
// Smuggling, Compliance and MalformedInput suites, uNetworking/h1spec, and the
// HTTP Garden's list of parser bugs found in other servers); the rows are
// written here from the RFC text, not copied. Each row: the raw request bytes
// (latin1), the outcome a strict server must produce, and the RFC reason.
//
// An outcome is either a rejection (one of the listed statuses, then the
// connection is closed and nothing from it reaches the handler) or a served
// request (a 2xx whose handler saw exactly this method, target and body).
// Several outcomes are listed only where the RFC itself leaves the choice.

import net from 'node:net'

export type Outcome =
  | { kind: 'reject'; status: readonly number[] }
  | {
      kind: 'serve'
      method: string
      url: string
      /** The body the handler saw (latin1), decoded if it was chunked. */
      body: string
      /** The connection closes after the answer (Connection: close, HTTP/1.0). */
      closes?: boolean
      /** Header fields the handler must have seen (name case-insensitive, value exact). */
      fields?: ReadonlyArray<readonly [string, string]>
      /** Header names the handler must not have seen (e.g. a field hidden behind a bare LF). */
      noFields?: readonly string[]
      /** No interim 1xx answer may be sent (an HTTP/1.0 client). */
      noInterim?: boolean
    }

/** How a row's bytes are sent. */
export type Way = 'one-write' | 'byte-per-write' | 'follow-up'

export interface ProbeCase {
  name: string
  /** The request bytes (latin1). For `continueBody` rows, the head only. */
  bytes: string
  /** The accepted outcomes (usually exactly one). */
  expect: readonly Outcome[]
  /** Why, with the RFC section. */
  rfc: string
  /** Which public suite class the row covers (for the reader). */
  source?: string
  /** The ways this row runs (all three by default). */
  ways?: readonly Way[]
  /** The row tests a limit of this engine's configuration (8 KiB head, 100 fields, 10 MiB body), not the RFC alone. */
  limit?: boolean
  /**
   * Expect: 100-continue flow: send `bytes` (the head), wait for the interim
   * `100 Continue`, then send this body.
   */
  continueBody?: string
}

/** A request appended in the `follow-up` way: served only after an accepted keep-alive request. */
export const FOLLOW_UP = 'GET /follow-up HTTP/1.1\r\nHost: a\r\n\r\n'

const reject = (...status: number[]): Outcome => ({ kind: 'reject', status })
const serve = (
  method: string,
  url: string,
  body = '',
  more: { closes?: boolean; fields?: Array<[string, string]>; noFields?: string[]; noInterim?: boolean } = {},
): Outcome => ({ kind: 'serve', method, url, body, ...more })

const R400 = [reject(400)]
const GET_OK = [serve('GET', '/')]
const POST_HELLO = [serve('POST', '/', 'hello')]

/** `GET / HTTP/1.1` with Host: a and `fields` (each ending in CRLF). */
const get = (fields = '') => `GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`
/** `POST / HTTP/1.1` with Host: a, `fields`, then `body` as is. */
const post = (fields: string, body: string) => `POST / HTTP/1.1\r\nHost: a\r\n${fields}\r\n${body}`
/** A chunked POST whose framed body is `framing`. */
const chunked = (framing: string) => post('Transfer-Encoding: chunked\r\n', framing)
const cl = (value: string, body: string) => post(`Content-Length: ${value}\r\n`, body)
const te = (value: string, fields = '', body = '5\r\nhello\r\n0\r\n\r\n') => post(`Transfer-Encoding: ${value}\r\n${fields}`, body)

const ONE_AND_FOLLOW: readonly Way[] = ['one-write', 'follow-up']

export const CASES: readonly ProbeCase[] = [
  // -------------------------------------------------------------------------
  // Baselines: what must be served, exactly.
  { name: 'baseline GET', bytes: get(), expect: GET_OK, rfc: 'RFC 9112 §3: a valid request-line and Host', source: 'Http11Probe COMP-BASELINE' },
  { name: 'POST with Content-Length body', bytes: cl('5', 'hello'), expect: POST_HELLO, rfc: 'RFC 9112 §6.2' },
  { name: 'POST with Content-Length: 0', bytes: cl('0', ''), expect: [serve('POST', '/')], rfc: 'RFC 9112 §6.2' },
  { name: 'POST with neither Content-Length nor Transfer-Encoding has no body', bytes: post('', ''), expect: [serve('POST', '/')], rfc: 'RFC 9112 §6.3 item 7: a request without either has a zero-length body' },
  { name: 'chunked body', bytes: chunked('5\r\nhello\r\n0\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1' },
  { name: 'chunked body in several chunks, uppercase hex', bytes: chunked('2\r\nhe\r\n3\r\nllo\r\nA\r\n0123456789\r\n0\r\n\r\n'), expect: [serve('POST', '/', 'hello0123456789')], rfc: 'RFC 9112 §7.1: chunk-size = 1*HEXDIG (case-insensitive, RFC 5234 §2.3)' },
  { name: 'empty chunked body', bytes: chunked('0\r\n\r\n'), expect: [serve('POST', '/')], rfc: 'RFC 9112 §7.1: last-chunk only' },
  { name: 'chunk-size with leading zeros', bytes: chunked('005\r\nhello\r\n000\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1: chunk-size = 1*HEXDIG, leading zeros included' },
  { name: 'chunk data that looks like a request is data', bytes: chunked('17\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\n0\r\n\r\n'), expect: [serve('POST', '/', '0\r\n\r\nGET / HTTP/1.1\r\n\r\n')], rfc: 'RFC 9112 §7.1: chunk-data is exactly chunk-size octets', source: 'HTTP Garden (transducer: extra CRLF before the last chunk)' },
  { name: 'chunked body with a trailer field', bytes: chunked('5\r\nhello\r\n0\r\nX-Trailer: v\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1.2: trailer-section = *( field-line CRLF )', source: 'Http11Probe COMP-CHUNKED-TRAILER-VALID' },
  { name: 'Content-Length in a trailer does not frame anything', bytes: chunked('5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9110 §6.5.1: framing fields are not allowed in trailers; RFC 9112 §7.1.2: a recipient MAY discard them', source: 'Http11Probe SMUG-TRAILER-CL' },
  { name: 'Transfer-Encoding in a trailer does not frame anything', bytes: chunked('5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9110 §6.5.1', source: 'Http11Probe SMUG-TRAILER-TE' },
  { name: 'a trailer that reads like a request line is a field', bytes: chunked('0\r\nX:POST / HTTP/1.1\r\n\r\n'), expect: [serve('POST', '/')], rfc: 'RFC 9112 §7.1.2: the trailer section ends at the first empty line', source: 'HTTP Garden (chunked body ended on CRLF + any two bytes)' },
  { name: 'leading CRLFs before the request line are skipped', bytes: `\r\n\r\n${get()}`, expect: GET_OK, rfc: 'RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received prior to the request-line', source: 'Http11Probe COMP-LEADING-CRLF' },
  { name: 'Host with tab OWS, lowercase name, empty field value', bytes: 'GET / HTTP/1.1\r\nhoSt:\ta\r\nempty:\r\n\r\n', expect: [serve('GET', '/', '', { fields: [['host', 'a'], ['empty', '']] })], rfc: 'RFC 9110 §5.1 (names are case-insensitive), §5.5 (OWS around the value, empty values)', source: 'h1spec "valid GET with edge cases"' },
  { name: 'field value without OWS after the colon', bytes: get('X:v\r\n'), expect: [serve('GET', '/', '', { fields: [['x', 'v']] })], rfc: 'RFC 9112 §5: field-line = field-name ":" OWS field-value OWS' },
  { name: 'obs-text (0x80-0xFF) in a field value is accepted', bytes: get('X-Name: caf\xe9 \xff\x80\r\n'), expect: [serve('GET', '/', '', { fields: [['x-name', 'caf\xe9 \xff\x80']] })], rfc: 'RFC 9110 §5.5: field-vchar = VCHAR / obs-text; a recipient keeps obs-text as opaque data' },
  { name: 'tab inside a field value', bytes: get('X: a\tb\r\n'), expect: [serve('GET', '/', '', { fields: [['x', 'a\tb']] })], rfc: 'RFC 9110 §5.5: field-content allows SP / HTAB between field-vchars' },
  { name: 'extension method token', bytes: 'PURGE / HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('PURGE', '/')], rfc: 'RFC 9110 §9.1: method = token; the method registry is open' },
  { name: 'extension method with every tchar symbol', bytes: "X!#$%&'*+-.^_`|~9 / HTTP/1.1\r\nHost: a\r\n\r\n", expect: [serve("X!#$%&'*+-.^_`|~9", '/')], rfc: 'RFC 9110 §5.6.2: tchar' },
  { name: 'lowercase method is another method, not GET', bytes: 'get / HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('get', '/')], rfc: 'RFC 9110 §9.1: the method token is case-sensitive; "get" is a valid (unknown) token the application answers', source: 'Http11Probe COMP-METHOD-CASE' },
  { name: 'HTTP/1.0 without Host', bytes: 'GET / HTTP/1.0\r\n\r\n', expect: [serve('GET', '/', '', { closes: true })], rfc: 'RFC 9112 §3.2: Host is required only in HTTP/1.1; HTTP/1.0 closes by default (§9.3)', source: 'Http11Probe COMP-HTTP10-NO-HOST' },
  { name: 'HTTP/1.0 keep-alive is kept', bytes: 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', expect: GET_OK, rfc: 'RFC 9112 §9.3 and Appendix C.2.2' },
  { name: 'Connection: close is served, then the connection closes', bytes: get('Connection: close\r\n'), expect: [serve('GET', '/', '', { closes: true })], rfc: 'RFC 9112 §9.6', source: 'Http11Probe COMP-CONNECTION-CLOSE' },
  { name: 'GET with a Content-Length body: the body is read, not left as the next request', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello', expect: [serve('GET', '/', 'hello')], rfc: 'RFC 9112 §6.3: framing does not depend on the method', source: 'Http11Probe SMUG-GET-CL-BODY-DESYNC' },
  { name: 'GET whose body holds a request prefix', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 23\r\n\r\nGET /x HTTP/1.1\r\nHost: ', expect: [serve('GET', '/', 'GET /x HTTP/1.1\r\nHost: ')], rfc: 'RFC 9112 §6.3: Content-Length frames the body whatever it holds', source: 'Http11Probe SMUG-GET-CL-PREFIX-DESYNC' },
  { name: 'HEAD with a Content-Length body', bytes: 'HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello', expect: [serve('HEAD', '/', 'hello')], rfc: 'RFC 9112 §6.3: a request body is framed by its own fields whatever the method', source: 'Http11Probe SMUG-HEAD-CL-BODY' },
  { name: 'OPTIONS with a Content-Length body', bytes: 'OPTIONS / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello', expect: [serve('OPTIONS', '/', 'hello')], rfc: 'RFC 9112 §6.3', source: 'Http11Probe SMUG-OPTIONS-CL-BODY' },
  { name: 'Expect: 100-continue with the body already sent', bytes: post('Expect: 100-continue\r\nContent-Length: 5\r\n', 'hello'), expect: POST_HELLO, rfc: 'RFC 9110 §10.1.1: the server may omit 100 when the body has arrived', source: 'Http11Probe SMUG-EXPECT-100-CL' },
  {
    name: 'Expect: 100-Continue (mixed case) gets 100 Continue before the body',
    bytes: 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n',
    continueBody: 'hello',
    expect: POST_HELLO,
    rfc: 'RFC 9110 §10.1.1: the expectation "100-continue" is case-insensitive; a server that receives it MUST send 100 or a final status',
  },
  { name: 'Expect: 100-continue from an HTTP/1.0 client gets no 100', bytes: 'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello', expect: [serve('POST', '/', 'hello', { closes: true, noInterim: true })], rfc: 'RFC 9110 §15.2: a server MUST NOT send a 1xx response to an HTTP/1.0 client (byte-per-write leaves the body unsent when the head completes)', source: 'Http11Probe COMP-NO-1XX-HTTP10' },
  { name: 'unknown expectation gets 417', bytes: get('Expect: teapot\r\n'), expect: [reject(417)], rfc: 'RFC 9110 §10.1.1: a server that receives an Expect value other than 100-continue MAY respond 417', source: 'Http11Probe COMP-EXPECT-UNKNOWN' },
  { name: 'Transfer_Encoding (underscore) is another field; Content-Length frames', bytes: post('Transfer_Encoding: chunked\r\nContent-Length: 5\r\n', 'hello'), expect: [serve('POST', '/', 'hello', { fields: [['transfer_encoding', 'chunked']] })], rfc: 'RFC 9110 §5.1: "_" is a tchar, so this is a different, unknown field', source: 'Http11Probe SMUG-TRANSFER_ENCODING' },
  { name: 'percent-encoded NUL and CRLF in the target are plain characters', bytes: 'GET /a%00b%0d%0a HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('GET', '/a%00b%0d%0a')], rfc: 'RFC 3986 §2.1: pct-encoded is valid in a path; the server must not decode it while parsing', source: 'Http11Probe MAL-URL-PERCENT-NULL/-CRLF' },
  { name: 'every pchar and query character in an origin-form target', bytes: "GET /a-._~!$&'()*+,;=:@%20/?q=/?:@ HTTP/1.1\r\nHost: a\r\n\r\n", expect: [serve('GET', "/a-._~!$&'()*+,;=:@%20/?q=/?:@")], rfc: 'RFC 9112 §3.2.1 origin-form = absolute-path [ "?" query ]; RFC 3986 §3.3 pchar, §3.4 query' },
  { name: 'empty path segments (//) are a valid origin-form', bytes: 'GET //a HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('GET', '//a')], rfc: 'RFC 9112 §3.2.1: absolute-path = 1*( "/" segment ), segment may be empty' },
  { name: 'a request-line of 7,000 octets is accepted', bytes: `GET /${'a'.repeat(7000)} HTTP/1.1\r\nHost: a\r\n\r\n`, expect: [serve('GET', `/${'a'.repeat(7000)}`)], rfc: 'RFC 9112 §3: servers SHOULD support request-lines of at least 8000 octets (the whole head here is under the 8 KiB limit)', source: 'Http11Probe COMP-LONG-URL-OK', ways: ONE_AND_FOLLOW },

  // -------------------------------------------------------------------------
  // Bare LF: never a line terminator (issue 12 item 1). RFC 9112 §2.2 lets a
  // recipient accept a bare LF; a strict server (llhttp strict, Go, hyper) does
  // not, because a CRLF-only peer reads the same bytes as one line.
  { name: 'desync: bare LF hides Content-Length inside the previous field', bytes: 'GET / HTTP/1.1\r\nHost: x\r\nDummy: x\nContent-Length: 5\r\n\r\nhello', expect: R400, rfc: 'RFC 9112 §2.2 (bare LF), issue 12: a CRLF-only parser sees "Dummy: x\\nContent-Length: 5" as one field, so the body would frame differently (CVE-2022-32214 class)' },
  { name: 'bare LF ending the request line', bytes: 'GET / HTTP/1.1\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2: we choose not to accept a bare LF line terminator', source: 'Http11Probe RFC9112-2.2-BARE-LF-REQUEST-LINE' },
  { name: 'bare LF ending a field line', bytes: 'GET / HTTP/1.1\r\nHost: a\nX-Test: value\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2', source: 'Http11Probe RFC9112-2.2-BARE-LF-HEADER' },
  { name: 'bare LF as the blank line ending the head', bytes: 'GET / HTTP/1.1\r\nHost: a\r\n\n', expect: R400, rfc: 'RFC 9112 §2.2' },
  { name: 'bare LF everywhere in the head', bytes: 'GET / HTTP/1.1\nHost: a\n\n', expect: R400, rfc: 'RFC 9112 §2.2', source: 'HTTP Garden (LF not normalized to CRLF)' },
  { name: 'bare LF before the request line', bytes: `\n${get()}`, expect: R400, rfc: 'RFC 9112 §2.2: only CRLF empty lines may precede the request-line' },
  { name: 'bare LF between the target and the version (HTTP/0.9 shape)', bytes: 'GET /\nHTTP/1.1\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3: SP separates the request-line parts', source: 'HTTP Garden (LF as request-line whitespace)' },
  { name: 'bare LF after an empty field value, then a request', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nUseless:\n\nGET / HTTP/1.1\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2', source: 'HTTP Garden (whitespace before a field value stripped across LF)' },
  { name: 'bare LF inside a field name', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nTe\nst: test\r\nConnection: close\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2, §5', source: 'HTTP Garden (field line with no colon forwarded)' },
  { name: 'bare LF ending a chunk-size line', bytes: chunked('5\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF' },
  { name: 'bare LF after chunk data', bytes: chunked('5\r\nhello\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-LF-TERM' },
  { name: 'bare LF after chunk data that is a valid size line', bytes: chunked('a\r\n0123456789\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (bare LF as chunk line terminator)' },
  { name: 'bare LF ending the last-chunk line', bytes: chunked('5\r\nhello\r\n0\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: last-chunk = 1*("0") [ chunk-ext ] CRLF' },
  { name: 'bare LF as the blank line ending a chunked body', bytes: chunked('5\r\nhello\r\n0\r\n\n'), expect: R400, rfc: 'RFC 9112 §7.1: chunked-body ends with trailer-section CRLF', source: 'Http11Probe SMUG-CHUNK-LF-TRAILER' },
  { name: 'bare LF ending a trailer field line', bytes: chunked('5\r\nhello\r\n0\r\nX-T: v\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.2: trailer-section = *( field-line CRLF )' },
  { name: 'bare LF right after a chunk extension', bytes: chunked('5;\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-EXT-LF' },
  { name: 'bare LF after a chunk extension value', bytes: chunked('5;a=b\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1' },

  // -------------------------------------------------------------------------
  // Bare CR: never allowed outside CRLF.
  { name: 'bare CR ending the request line', bytes: 'GET / HTTP/1.1\rHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2: a bare CR MUST be treated as invalid or replaced by SP before processing', source: 'Http11Probe RFC9112-3-CR-ONLY-LINE-ENDING' },
  { name: 'bare CR inside a field value', bytes: post('Content-Length: 5\r\nX-Test: val\rue\r\n', 'hello'), expect: R400, rfc: 'RFC 9112 §2.2', source: 'Http11Probe SMUG-BARE-CR-HEADER-VALUE' },
  { name: 'bare CR hides a field behind another (CR as a line end)', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nVisible: :/\rSmuggled: :)\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2', source: 'HTTP Garden (CR as a field-line terminator)' },
  { name: 'CR then a byte after the last field (CR X ends the head elsewhere)', bytes: 'GET / HTTP/1.1\r\nHost: a\r\n\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2', source: 'HTTP Garden (head ended on CRLF CR X); h1spec "invalid line ending"' },
  { name: 'bare CR before the request line', bytes: `\r${get()}`, expect: R400, rfc: 'RFC 9112 §2.2' },
  { name: 'bare CR inside the version', bytes: 'GET / HTTP/\r\r1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT', source: 'HTTP Garden (versions not validated)' },
  { name: 'bare CR ending a chunk-size line', bytes: chunked('5\rhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-BARE-CR-TERM' },
  { name: 'CR X ending a chunk-size line', bytes: `${chunked('5\r\r;ABCD\r\n34\r\nE\r\n0\r\n\r\n')}`, expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (chunk line ended on CR + any byte)' },
  { name: 'bare CR in chunk-ext whitespace before ";"', bytes: chunked('2\r\r;a\r\n02\r\n41\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: BWS is SP / HTAB only', source: 'HTTP Garden (CR in chunk-ext BWS)' },
  { name: 'bare CR inside a chunk extension', bytes: chunked('5;a\rX\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1', source: 'Http11Probe SMUG-CHUNK-EXT-CR' },
  { name: 'bare CR after a chunk-ext value', bytes: chunked('5;a=b\r\rhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1', source: 'HTTP Garden (CR after chunk-ext)' },
  { name: 'CR CR LF ending the request line', bytes: 'GET / HTTP/1.1\r\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2: the first CR is bare' },
  { name: 'bare CR at the end of a field value', bytes: get('X: a\r\r\n'), expect: R400, rfc: 'RFC 9112 §2.2; RFC 9110 §5.5: a recipient of CR in a field value MUST reject or replace it' },
  { name: 'bare CR in a trailer field', bytes: chunked('5\r\nhello\r\n0\r\nX: a\rb\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §2.2, §7.1.2' },

  // -------------------------------------------------------------------------
  // Chunk lines: RFC 9112 §7.1 exactly (issue 12 item 2).
  //   chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
  //   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
  //   chunk-ext-name = token; chunk-ext-val = token / quoted-string
  { name: 'chunk ext: name=token', bytes: chunked('5;a=b\r\nhello\r\n0\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1.1', source: 'Http11Probe COMP-CHUNKED-EXTENSION' },
  { name: 'chunk ext: BWS before ";"', bytes: chunked('5 ;a=b\r\nhello\r\n0\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1.1: BWS ";"' },
  { name: 'chunk ext: HTAB before ";" and BWS around "="', bytes: chunked('5\t; a = b\r\nhello\r\n0\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1.1: BWS = OWS = *( SP / HTAB )' },
  { name: 'chunk ext: quoted-string with a space', bytes: chunked('5;a="b c"\r\nhello\r\n0\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1.1, RFC 9110 §5.6.4 quoted-string' },
  { name: 'chunk ext: quoted-string with a quoted-pair and obs-text', bytes: chunked('5;a="b\\"c\xe9;d"\r\nhello\r\n0\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9110 §5.6.4: qdtext includes obs-text; quoted-pair = "\\" ( HTAB / SP / VCHAR / obs-text )' },
  { name: 'chunk ext: name only, several extensions, on the last chunk too', bytes: chunked('5;a;b=c;d="e"\r\nhello\r\n0;z\r\n\r\n'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1.1: *( ... ), value optional; last-chunk has [ chunk-ext ]' },
  { name: 'chunk ext: whitespace after the size with no extension', bytes: chunked('5 \r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1: BWS is only allowed before ";"', source: 'Http11Probe SMUG-CHUNK-SIZE-TRAILING-OWS' },
  { name: 'chunk ext: HTAB after the size with no extension', bytes: chunked('5\t\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1' },
  { name: 'chunk ext: junk after whitespace after the size', bytes: chunked('5 a\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: after chunk-size only [ chunk-ext ] CRLF' },
  { name: 'chunk ext: ";" with no name', bytes: chunked('5;\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1: chunk-ext-name = token (1*tchar)', source: 'Http11Probe SMUG-CHUNK-BARE-SEMICOLON' },
  { name: 'chunk ext: "=" with no name', bytes: chunked('5;=b\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1' },
  { name: 'chunk ext: "=" with no value', bytes: chunked('5;a=\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1: chunk-ext-val = token / quoted-string' },
  { name: 'chunk ext: space inside an unquoted value', bytes: chunked('5;a=b c\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1' },
  { name: 'chunk ext: two names separated by a space', bytes: chunked('5;a b\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1' },
  { name: 'chunk ext: non-tchar in the name', bytes: chunked('5;bad[=x\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1: token', source: 'Http11Probe SMUG-CHUNK-EXT-INVALID-TOKEN' },
  { name: 'chunk ext: obs-text in an unquoted value', bytes: chunked('5;a=\x80\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1: a token holds no obs-text' },
  { name: 'chunk ext: unterminated quoted-string', bytes: chunked('5;a="b\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE' },
  { name: 'chunk ext: CR LF inside a quoted-string', bytes: chunked('5;a="b\r\nc"\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.6.4: qdtext excludes CR and LF' },
  { name: 'chunk ext: bare LF inside a quoted-string', bytes: chunked('5;a="b\nc"\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.6.4' },
  { name: 'chunk ext: bare CR inside a quoted-string', bytes: chunked('5;a="b\rc"\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.6.4' },
  { name: 'chunk ext: quoted-pair escaping a CR', bytes: chunked('5;a="b\\\r"\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.6.4: quoted-pair = "\\" ( HTAB / SP / VCHAR / obs-text )' },
  { name: 'chunk ext: text after the closing quote', bytes: chunked('5;a="b"c\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1' },
  { name: 'chunk ext: NUL', bytes: chunked('5;\x00ext\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1', source: 'Http11Probe SMUG-CHUNK-EXT-CTRL' },
  { name: 'chunk ext: DEL in the name', bytes: chunked('5;a\x7f\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.1' },
  { limit: true, name: 'chunk ext: 64 KiB of extension', bytes: chunked(`5;a=${'b'.repeat(65536)}\r\nhello\r\n0\r\n\r\n`), expect: [reject(400), reject(413), reject(431)], rfc: 'RFC 9112 §7.1.1: a server ought to limit the length of chunk extensions and answer an appropriate 4xx', source: 'Http11Probe MAL-CHUNK-EXT-64K', ways: ONE_AND_FOLLOW },

  // Chunk sizes.
  { name: 'chunk-size with 0x prefix', bytes: chunked('0x5\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: chunk-size = 1*HEXDIG', source: 'Http11Probe SMUG-CHUNK-HEX-PREFIX' },
  { name: 'chunk-size with plus sign', bytes: chunked('+5\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-SIZE-PLUS' },
  { name: 'negative chunk-size', bytes: chunked('-1\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-NEGATIVE' },
  { name: 'chunk-size -0x0', bytes: chunked('-0x0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (strtoll chunk sizes)' },
  { name: 'chunk-size +0 then a poison byte', bytes: chunked('+0\r\n\r\nX'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-INVALID-SIZE-DESYNC' },
  { name: 'chunk-size with an underscore', bytes: chunked('1_0\r\nhello world!!!!!\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-UNDERSCORE' },
  { name: 'chunk-size 0_2e hides a request', bytes: chunked('0_2e\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (Python int() chunk sizes)' },
  { name: 'chunk-size with leading space', bytes: chunked(' 5\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-LEADING-SP; HTTP Garden (whitespace-prefixed chunk sizes)' },
  { name: 'chunk-size with trailing junk', bytes: chunked('1these-bytes-are-not-hex\r\nZ\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (chunk sizes read as their longest valid prefix)' },
  { name: 'chunk-size not hex', bytes: chunked('Z\r\nZZ\r\nZZZ\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (invalid chunk sizes forwarded)' },
  { name: 'chunk-size missing (empty line)', bytes: chunked('\r\nhello\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: 1*HEXDIG', source: 'HTTP Garden (empty chunk size as 0)' },
  { name: 'chunk-size empty where the body should end', bytes: chunked('\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (empty chunk size as 0)' },
  { name: 'chunk-size overflowing 64 bits', bytes: chunked('fffffffffffffffff\r\nhello\r\n0\r\n\r\n'), expect: [reject(400), reject(413)], rfc: 'RFC 9112 §7.1: recipients MUST anticipate large hex numerals and prevent integer overflow; the size is also past maxBodySize (413)', source: 'Http11Probe MAL-CHUNK-SIZE-OVERFLOW' },
  { name: 'chunk-size 2^64 exactly (wraps to 0)', bytes: chunked('10000000000000000\r\nhello\r\n0\r\n\r\n'), expect: [reject(400), reject(413)], rfc: 'RFC 9112 §7.1: prevent integer overflow' },
  { name: 'chunk data longer than its size', bytes: chunked('5\r\nhello!!\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1: chunk-data is followed by CRLF', source: 'Http11Probe SMUG-CHUNK-SPILL' },
  { name: 'chunk data without its CRLF', bytes: chunked('5\r\nhello0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'Http11Probe SMUG-CHUNK-MISSING-TRAILING-CRLF' },
  { name: 'chunked body with junk where the next chunk-size goes, then a request', bytes: chunked('INVALID!!!\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1', source: 'HTTP Garden (invalid chunk resyncs at the next CRLF)' },
  { name: 'trailer field without a colon', bytes: chunked('5\r\nhello\r\n0\r\nNoColon\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7.1.2: trailer-section = *( field-line CRLF ); field-line needs ":"' },
  { name: 'trailer field with whitespace before the colon', bytes: chunked('5\r\nhello\r\n0\r\nX : v\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §5.1: no whitespace between field name and colon; a server MUST reject it with 400 (the trailer section is field lines too)' },
  { name: 'trailer field with obs-fold', bytes: chunked('5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §5.2: obs-fold in a request is rejected (400) or replaced' },
  { name: 'trailer field name with a non-token byte', bytes: chunked('5\r\nhello\r\n0\r\nBad[Name: v\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.1: field-name = token' },
  { name: 'NUL in a trailer field', bytes: chunked('5\r\nhello\r\n0\r\nX: a\x00b\r\n\r\n'), expect: R400, rfc: 'RFC 9110 §5.5: field values exclude NUL' },

  // -------------------------------------------------------------------------
  // Content-Length.
  { name: 'Content-Length with plus sign', bytes: cl('+5', 'hello'), expect: R400, rfc: 'RFC 9110 §8.6: Content-Length = 1*DIGIT', source: 'Http11Probe RFC9112-6.1-CL-PLUS-SIGN' },
  { name: 'negative Content-Length', bytes: cl('-1', ''), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-NEGATIVE; h1spec' },
  { name: 'Content-Length -0', bytes: cl('-0', ''), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-NEGATIVE-ZERO' },
  { name: 'Content-Length overflowing negative', bytes: cl('-123456789123456789123456789', ''), expect: R400, rfc: 'RFC 9110 §8.6', source: 'h1spec' },
  { name: 'Content-Length hex', bytes: cl('0x5', 'hello'), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-HEX-PREFIX' },
  { name: 'Content-Length octal prefix', bytes: cl('0o5', 'hello'), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-OCTAL' },
  { name: 'Content-Length with underscore', bytes: cl('1_0', 'helloworld'), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-UNDERSCORE; HTTP Garden' },
  { name: 'Content-Length with internal space', bytes: cl('1 0', 'hello12345'), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-INTERNAL-SPACE' },
  { name: 'Content-Length non-numeric', bytes: cl('abc', ''), expect: R400, rfc: 'RFC 9110 §8.6', source: 'Http11Probe RFC9112-6.1-CL-NON-NUMERIC' },
  { name: 'Content-Length with a trailing letter', bytes: cl('1Z', 'Z'), expect: R400, rfc: 'RFC 9110 §8.6', source: 'HTTP Garden (CL read as its longest valid prefix)' },
  { name: 'Content-Length empty', bytes: cl('', ''), expect: R400, rfc: 'RFC 9110 §8.6: 1*DIGIT', source: 'Http11Probe MAL-CL-EMPTY; HTTP Garden' },
  { name: 'empty Content-Length then another', bytes: post('Content-Length: \r\nContent-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9110 §8.6', source: 'HTTP Garden (empty CL prioritized)' },
  { name: 'Content-Length non-ASCII digit', bytes: cl('\xd9\xa5', 'hello'), expect: R400, rfc: 'RFC 9110 §8.6: DIGIT is 0-9 only' },
  { name: 'Content-Length 5.0', bytes: cl('5.0', 'hello'), expect: R400, rfc: 'RFC 9110 §8.6' },
  { name: 'Content-Length with NUL', bytes: cl('5\x00', 'hello'), expect: R400, rfc: 'RFC 9110 §5.5' },
  { name: 'Content-Length overflowing 64 bits', bytes: cl('99999999999999999999999', ''), expect: [reject(400), reject(413)], rfc: 'RFC 9112 §6.3 item 5: an invalid Content-Length is unrecoverable (400); a size past maxBodySize may be answered 413', source: 'Http11Probe MAL-CL-OVERFLOW' },
  { limit: true, name: 'Content-Length past maxBodySize', bytes: cl('20000000', ''), expect: [reject(413)], rfc: 'RFC 9110 §15.5.14: 413 Content Too Large', source: 'Http11Probe MAL-POST-CL-HUGE-NO-BODY' },
  { name: 'differing Content-Length fields', bytes: post('Content-Length: 5\r\nContent-Length: 10\r\n', 'helloworld'), expect: R400, rfc: 'RFC 9112 §6.3 item 5: differing values are unrecoverable', source: 'Http11Probe SMUG-DUPLICATE-CL' },
  { name: 'differing Content-Length fields, 0 then 1', bytes: post('Content-Length: 0\r\nContent-Length: 1\r\n', 'Z'), expect: R400, rfc: 'RFC 9112 §6.3 item 5', source: 'HTTP Garden (conflicting CL, last wins)' },
  { name: 'Content-Length list with differing values', bytes: cl('5, 10', 'hello'), expect: R400, rfc: 'RFC 9112 §6.3 item 5', source: 'Http11Probe SMUG-CL-COMMA-DIFFERENT' },
  { name: 'CL.CL with a smuggled request', bytes: post('Content-Length: 4\r\nContent-Length: 41\r\n', 'GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 5', source: 'Http11Probe SMUG-DUPLICATE-CL-SMUGGLED-GET' },
  { name: 'repeated identical Content-Length fields', bytes: post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'), expect: POST_HELLO, rfc: 'RFC 9110 §8.6: a recipient MAY accept a list of identical values as that value' },
  { name: 'Content-Length list of identical values', bytes: cl('5, 5', 'hello'), expect: POST_HELLO, rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-COMMA-SAME' },
  { name: 'Content-Length with leading zeros is decimal', bytes: cl('005', 'hello'), expect: POST_HELLO, rfc: 'RFC 9110 §8.6: 1*DIGIT, decimal', source: 'Http11Probe SMUG-CL-LEADING-ZEROS' },
  { name: 'Content-Length 010 is ten, not octal eight', bytes: cl('010', '0123456789'), expect: [serve('POST', '/', '0123456789')], rfc: 'RFC 9110 §8.6', source: 'HTTP Garden (strtoll(,,0) CL)' },
  { name: 'Content-Length 00', bytes: cl('00', ''), expect: [serve('POST', '/')], rfc: 'RFC 9110 §8.6', source: 'Http11Probe SMUG-CL-DOUBLE-ZERO' },
  { name: 'Content-Length with OWS around it', bytes: post('Content-Length:  5 \r\n', 'hello'), expect: POST_HELLO, rfc: 'RFC 9110 §5.5: OWS around a field value is not part of it', source: 'Http11Probe SMUG-CL-TRAILING-SPACE/-EXTRA-LEADING-SP' },
  { name: 'Content-Length with HTAB before the value', bytes: post('Content-Length:\t5\r\n', 'hello'), expect: POST_HELLO, rfc: 'RFC 9110 §5.5', source: 'Http11Probe MAL-CL-TAB-BEFORE-VALUE' },
  { name: 'Content-Length with whitespace before the colon', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 34\r\n\r\nGET / HTTP/1.1\r\nHost: whatever\r\n\r\n', expect: R400, rfc: 'RFC 9112 §5.1: a server MUST reject whitespace between a field name and the colon with 400', source: 'HTTP Garden (whitespace stripped from names)' },
  { name: 'Content-Length with no colon (name SP value)', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length 10\r\n\r\n0123456789', expect: R400, rfc: 'RFC 9112 §5', source: 'HTTP Garden (names split from values on SP)' },

  // -------------------------------------------------------------------------
  // Transfer-Encoding and its combination with Content-Length.
  { name: 'CL and TE', bytes: post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 3: a server MAY reject CL+TE; it then MUST close (we reject: 400)', source: 'Http11Probe SMUG-CL-TE-BOTH' },
  { name: 'TE and CL (TE first)', bytes: post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', '0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 3', source: 'Http11Probe SMUG-TECL-CONN-CLOSE' },
  { name: 'CL and TE in odd case', bytes: post('content-LengtH: 5\r\nTransFer-Encoding: chunked\r\n', 'c\r\nHellO world1\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 3; field names are case-insensitive', source: 'h1spec "conflicting TE and CL in varying case"' },
  { name: 'CL.TE desync with a smuggled GET', bytes: post('Content-Length: 41\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 3, §11.2', source: 'Http11Probe SMUG-CLTE-SMUGGLED-GET' },
  { name: 'TE.CL desync via the chunk-size prefix', bytes: post('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n', '2e\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 3', source: 'Http11Probe SMUG-TECL-SMUGGLED-GET' },
  { name: 'CL.TE with TE obs-folded', bytes: post('Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9112 §5.2: obs-fold in a request: 400', source: 'Http11Probe SMUG-TE-OBS-FOLD' },
  { name: 'CL.TE with TE trailing space', bytes: post('Transfer-Encoding: chunked \r\nContent-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9112 §6.3 item 3 (the value is "chunked" once OWS is trimmed)', source: 'Http11Probe SMUG-TE-TRAILING-SPACE' },
  { name: 'CL.TE with TE leading comma', bytes: post('Transfer-Encoding: , chunked\r\nContent-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9110 §5.6.1 (empty elements ignored), RFC 9112 §6.3 item 3', source: 'Http11Probe SMUG-TE-LEADING-COMMA; HTTP Garden (",chunked")' },
  { name: 'CL.TE with TE "Chunked"', bytes: post('Transfer-Encoding: Chunked\r\nContent-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9112 §7: coding names are case-insensitive; §6.3 item 3', source: 'Http11Probe SMUG-TE-CASE-MISMATCH' },
  { name: 'CL.TE with "xchunked"', bytes: te('xchunked', 'Content-Length: 5\r\n', 'hello'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.3 item 3 / §6.1: unknown coding (501) or CL+TE (400)', source: 'Http11Probe SMUG-TE-XCHUNKED' },
  { name: 'CL.TE with TE "identity"', bytes: te('identity', 'Content-Length: 5\r\n', 'hello'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.1 ("identity" is not a transfer coding) / §6.3 item 3', source: 'Http11Probe SMUG-TE-IDENTITY' },
  { name: 'CL with an empty TE', bytes: te('', 'Content-Length: 5\r\n', 'hello'), expect: [reject(400), reject(501)], rfc: 'RFC 9110 §5.6.1: Transfer-Encoding = #transfer-coding needs one element (RFC 9112 §6.1)', source: 'Http11Probe SMUG-TE-EMPTY-VALUE' },
  { name: 'two TE fields chunked + identity, with CL', bytes: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n', 'hello'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.3 items 3-4', source: 'Http11Probe SMUG-TE-DUPLICATE-HEADERS' },
  { name: 'TE: chunked', bytes: te('chunked'), expect: POST_HELLO, rfc: 'RFC 9112 §7.1' },
  { name: 'TE: "Chunked"', bytes: te('Chunked'), expect: POST_HELLO, rfc: 'RFC 9112 §7: transfer coding names are case-insensitive' },
  { name: 'TE: "chunked " (trailing OWS)', bytes: te('chunked '), expect: POST_HELLO, rfc: 'RFC 9110 §5.5: trailing OWS is not part of the value' },
  { name: 'TE: HTAB before the value', bytes: te('\tchunked'), expect: POST_HELLO, rfc: 'RFC 9110 §5.5', source: 'Http11Probe SMUG-TE-TAB-BEFORE-VALUE' },
  { name: 'TE: ", chunked" (empty list element)', bytes: te(', chunked'), expect: POST_HELLO, rfc: 'RFC 9110 §5.6.1: a recipient MUST accept and ignore empty list elements' },
  { name: 'TE: "chunked," (empty list element)', bytes: te('chunked,'), expect: POST_HELLO, rfc: 'RFC 9110 §5.6.1', source: 'Http11Probe SMUG-TE-TRAILING-COMMA' },
  { name: 'TE: gzip, chunked (the body reaches the handler still gzip-coded)', bytes: te('gzip, chunked'), expect: POST_HELLO, rfc: 'RFC 9112 §6.1, §7: chunked is final; the other coding is the application\'s to decode' },
  { name: 'TE: chunked, chunked', bytes: te('chunked, chunked'), expect: R400, rfc: 'RFC 9112 §7: a sender MUST NOT apply chunked more than once', source: 'Http11Probe SMUG-TE-DOUBLE-CHUNKED' },
  { name: 'TE: chunked in two fields', bytes: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '1\r\nZ\r\n0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §7 (chunked twice)', source: 'HTTP Garden (multiple TE: chunked accepted as no body)' },
  { name: 'TE: chunked, gzip (chunked not final)', bytes: te('chunked, gzip', '', '0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §6.3 item 4: chunked not final in a request: the server MUST respond 400', source: 'Http11Probe SMUG-TE-NOT-FINAL-CHUNKED' },
  { name: 'TE: identity alone', bytes: te('identity', '', ''), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.1: an unknown transfer coding SHOULD get 501; §6.3 item 4: not chunked-final is 400' },
  { name: 'TE: gzip alone', bytes: te('gzip', '', ''), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.3 item 4 / §6.1', source: 'Http11Probe COMP-UNKNOWN-TE-501' },
  { name: 'TE: xchunked alone', bytes: te('xchunked', '', '1\r\nZ\r\n0\r\n\r\n'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.1', source: 'HTTP Garden (unknown codings treated as chunked)' },
  { name: 'TE: chunk', bytes: te('chunk'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.1' },
  { name: 'TE: "chunked" in quotes', bytes: te('"chunked"'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §6.1: transfer-coding = token' },
  { name: 'TE: chunked;x (parameters on chunked)', bytes: te('chunked;x'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §7: chunked has no parameters; their presence SHOULD be treated as an error', source: 'Http11Probe SMUG-CHUNKED-WITH-PARAMS' },
  { name: 'TE: chunked;ext=val with CL', bytes: te('chunked;ext=val', 'Content-Length: 5\r\n', 'hello'), expect: [reject(400), reject(501)], rfc: 'RFC 9112 §7, §6.3 item 3', source: 'Http11Probe SMUG-CHUNKED-WITH-PARAMS' },
  { name: 'TE: vertical tab before chunked', bytes: te('\x0bchunked', 'Content-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9110 §5.5: controls are not field-vchar', source: 'Http11Probe SMUG-TE-VTAB' },
  { name: 'TE: form feed before chunked', bytes: te('\x0cchunked', 'Content-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9110 §5.5', source: 'Http11Probe SMUG-TE-FORMFEED' },
  { name: 'TE: NUL after chunked', bytes: te('chunked\x00', 'Content-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9110 §5.5', source: 'Http11Probe SMUG-TE-NULL' },
  { name: 'TE: obs-text around chunked is not chunked', bytes: te('\xa0chunked\xa0'), expect: [reject(400), reject(501)], rfc: 'RFC 9110 §5.5: only SP/HTAB are OWS; "\\xa0chunked\\xa0" is no coding we know', source: 'HTTP Garden (0xA0/0x85 stripped from values)' },
  { name: 'TE on HTTP/1.0', bytes: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', expect: R400, rfc: 'RFC 9112 §6.1: TE in an HTTP/1.0 message: the framing is faulty, close after', source: 'Http11Probe SMUG-TE-HTTP10' },
  { name: 'TE with whitespace before the colon', bytes: post('Transfer-Encoding : chunked\r\nContent-Length: 5\r\n', 'hello'), expect: R400, rfc: 'RFC 9112 §5.1', source: 'Http11Probe SMUG-TE-SP-BEFORE-COLON' },
  { name: 'TE name split over two lines', bytes: post('Transfer-\r\nEncoding: chunked\r\nContent-Length: 5\r\n', '0\r\n\r\n'), expect: R400, rfc: 'RFC 9112 §5: a line without a colon is not a field line', source: 'HTTP Garden (names continued across lines)' },
  { name: 'obs-text around a field name', bytes: post('Content-Length\x85: 10\r\n', '0123456789'), expect: R400, rfc: 'RFC 9110 §5.1: field-name = token', source: 'HTTP Garden (0x85 stripped from names)' },

  // -------------------------------------------------------------------------
  // Field lines.
  { name: 'obs-fold', bytes: get('X-Test: value\r\n continued\r\n'), expect: R400, rfc: 'RFC 9112 §5.2: a server that receives obs-fold in a request MUST reject it (400) or replace it with SP; we reject', source: 'Http11Probe RFC9112-5.1-OBS-FOLD' },
  { name: 'whitespace before the colon', bytes: get('X-Test : value\r\n'), expect: R400, rfc: 'RFC 9112 §5.1: a server MUST reject it with 400', source: 'Http11Probe RFC9110-5.6.2-SP-BEFORE-COLON' },
  { name: 'HTAB before the colon', bytes: get('X-Test\t: value\r\n'), expect: R400, rfc: 'RFC 9112 §5.1' },
  { name: 'whitespace-started line before the first field', bytes: 'GET / HTTP/1.1\r\n\tContent-Length: 1\r\nHost: a\r\n\r\nX', expect: R400, rfc: 'RFC 9112 §2.2: whitespace between the start-line and the first field: reject, or ignore the line; we reject', source: 'HTTP Garden (leading whitespace stripped from the first name)' },
  { name: 'whitespace-only line after the request line', bytes: 'GET / HTTP/1.1\r\n \r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.2', source: 'Http11Probe COMP-WHITESPACE-BEFORE-HEADERS' },
  { name: 'empty field name', bytes: get(': empty-name\r\n'), expect: R400, rfc: 'RFC 9110 §5.1: field-name = token (1*tchar)', source: 'Http11Probe RFC9112-5-EMPTY-HEADER-NAME; HTTP Garden' },
  { name: 'field line that is only a colon', bytes: 'GET / HTTP/1.1\r\n:\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §5.1', source: 'HTTP Garden (head truncated at ":")' },
  { name: 'field line without a colon', bytes: get('NoColonHere\r\n'), expect: R400, rfc: 'RFC 9112 §5', source: 'Http11Probe RFC9112-5-HEADER-NO-COLON' },
  { name: 'field name with "[" ', bytes: get('Bad[Name: value\r\n'), expect: R400, rfc: 'RFC 9110 §5.1: token', source: 'Http11Probe RFC9112-5-INVALID-HEADER-NAME; h1spec' },
  { name: 'field name with non-ASCII bytes', bytes: get('X-T\xc3\xabst: value\r\n'), expect: R400, rfc: 'RFC 9110 §5.1', source: 'Http11Probe MAL-NON-ASCII-HEADER-NAME; HTTP Garden' },
  { name: 'field name starting with 0xEF', bytes: get('\xefoo: bar\r\n'), expect: R400, rfc: 'RFC 9110 §5.1', source: 'HTTP Garden (non-ASCII in names)' },
  { name: 'field name with a control byte', bytes: get('X\x01Y: v\r\n'), expect: R400, rfc: 'RFC 9110 §5.1' },
  { name: 'field name of disallowed ASCII', bytes: get('"(),/;<=>?@{}: whatever\r\n'), expect: R400, rfc: 'RFC 9110 §5.1', source: 'HTTP Garden (disallowed ASCII in names)' },
  { name: 'NUL inside a field value', bytes: get('X-A: b\x00c\r\n'), expect: R400, rfc: 'RFC 9110 §5.5: a recipient of CR, LF or NUL in a field value MUST reject or replace it; we reject', source: 'Http11Probe MAL-NUL-IN-HEADER-VALUE; HTTP Garden' },
  { name: 'NUL at the end of a field value', bytes: get('Evil: evil\x00\r\n'), expect: R400, rfc: 'RFC 9110 §5.5', source: 'HTTP Garden (NUL stripped from value ends)' },
  { name: 'BEL in a field value', bytes: get('X-Bad-Control-Char: test\x07\r\n'), expect: R400, rfc: 'RFC 9110 §5.5: controls other than HTAB are not field-vchar', source: 'h1spec; Http11Probe MAL-CONTROL-CHARS-HEADER' },
  { name: 'DEL in a field value', bytes: get('X: a\x7fb\r\n'), expect: R400, rfc: 'RFC 9110 §5.5: field-vchar = VCHAR / obs-text (DEL is neither)' },
  { name: 'ESC in a field value', bytes: get('X: a\x1bb\r\n'), expect: R400, rfc: 'RFC 9110 §5.5' },

  // -------------------------------------------------------------------------
  // Host (issue 12 item 7; RFC 9112 §3.2, RFC 9110 §7.2: Host = uri-host [ ":" port ]).
  { name: 'missing Host on HTTP/1.1', bytes: 'GET / HTTP/1.1\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host', source: 'Http11Probe RFC9112-7.1-MISSING-HOST; h1spec' },
  { name: 'two Host fields', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2: more than one Host field line: 400', source: 'Http11Probe RFC9110-5.4-DUPLICATE-HOST; h1spec' },
  { name: 'two identical Host fields', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2', source: 'Http11Probe COMP-DUPLICATE-HOST-SAME' },
  { name: 'Host with userinfo', bytes: 'GET / HTTP/1.1\r\nHost: user@a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §7.2: Host = uri-host [ ":" port ]; RFC 9112 §3.2: an invalid Host value gets 400', source: 'Http11Probe COMP-HOST-WITH-USERINFO' },
  { name: 'Host with a path', bytes: 'GET / HTTP/1.1\r\nHost: a/path\r\n\r\n', expect: R400, rfc: 'RFC 9110 §7.2', source: 'Http11Probe COMP-HOST-WITH-PATH' },
  { name: 'Host with whitespace inside', bytes: 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', expect: R400, rfc: 'RFC 9110 §7.2' },
  { name: 'Host as a comma list', bytes: 'GET / HTTP/1.1\r\nHost: a, b\r\n\r\n', expect: R400, rfc: 'RFC 9110 §7.2: Host is a singleton, not a list', source: 'Http11Probe SMUG-MULTIPLE-HOST-COMMA' },
  { name: 'empty Host on an origin-form request', bytes: 'GET / HTTP/1.1\r\nHost: \r\n\r\n', expect: R400, rfc: 'RFC 9110 §7.2: an empty Host is only for a target URI without authority; an origin-form request needs one (issue 12 item 7)', source: 'Http11Probe COMP-HOST-EMPTY-VALUE' },
  { name: 'Host with a non-numeric port', bytes: 'GET / HTTP/1.1\r\nHost: a:http\r\n\r\n', expect: R400, rfc: 'RFC 3986 §3.2.3: port = *DIGIT' },
  { name: 'Host with an unclosed IPv6 literal', bytes: 'GET / HTTP/1.1\r\nHost: [::1\r\n\r\n', expect: R400, rfc: 'RFC 3986 §3.2.2: IP-literal = "[" ... "]"' },
  { name: 'Host with obs-text', bytes: 'GET / HTTP/1.1\r\nHost: \xffa\xff\r\n\r\n', expect: R400, rfc: 'RFC 3986 §3.2.2: reg-name is ASCII (unreserved / pct-encoded / sub-delims)', source: 'HTTP Garden (bytes > 0x80 stripped from values)' },
  { name: 'invalid Host on HTTP/1.0 is refused too', bytes: 'GET / HTTP/1.0\r\nHost: user@a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2: any request message with an invalid Host value gets 400' },
  { name: 'Host with a port', bytes: 'GET / HTTP/1.1\r\nHost: a:8080\r\n\r\n', expect: [serve('GET', '/', '', { fields: [['host', 'a:8080']] })], rfc: 'RFC 9110 §7.2' },
  { name: 'Host as an IPv6 literal with a port', bytes: 'GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n', expect: [serve('GET', '/', '', { fields: [['host', '[::1]:80']] })], rfc: 'RFC 3986 §3.2.2 IP-literal' },
  { name: 'Host as an IPv4 address', bytes: 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', expect: [serve('GET', '/', '', { fields: [['host', '127.0.0.1']] })], rfc: 'RFC 3986 §3.2.2 IPv4address' },
  { name: 'Host reg-name with sub-delims and pct-encoding', bytes: "GET / HTTP/1.1\r\nHost: a-b_c~d!$&'()*+;=%41.example\r\n\r\n", expect: GET_OK, rfc: 'RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ) (sub-delims without ",")' },

  // -------------------------------------------------------------------------
  // Request line and target forms (issue 12 items 3 and 7).
  { name: 'asterisk-form with OPTIONS', bytes: 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('OPTIONS', '*')], rfc: 'RFC 9112 §3.2.4', source: 'Http11Probe COMP-OPTIONS-STAR' },
  { name: 'asterisk-form with GET', bytes: 'GET * HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2.4: asterisk-form is only used for OPTIONS', source: 'Http11Probe COMP-ASTERISK-WITH-GET' },
  { name: 'asterisk-form with POST', bytes: post('Content-Length: 0\r\n', '').replace('POST / ', 'POST * '), expect: R400, rfc: 'RFC 9112 §3.2.4' },
  { name: 'asterisk followed by a path', bytes: 'OPTIONS */x HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2.4: asterisk-form = "*"' },
  { name: 'authority-form with GET', bytes: 'GET 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2.3: authority-form is only used for CONNECT' },
  { name: 'IPv6 authority-form with GET', bytes: 'GET [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2.3' },
  { name: 'CONNECT is answered 501 by default', bytes: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', expect: [reject(501)], rfc: 'RFC 9110 §9.3.6: a 2xx to CONNECT turns the connection into a tunnel; the engine refuses it unless configured (issue 12 item 7); RFC 9110 §15.6.2 501', source: 'Http11Probe COMP-METHOD-CONNECT' },
  { name: 'CONNECT with an origin-form target', bytes: 'CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n', expect: [reject(400), reject(501)], rfc: 'RFC 9110 §9.3.6: CONNECT\'s target is authority-form only (400); CONNECT is not implemented (501)' },
  { name: 'absolute-form', bytes: 'GET http://a/x?y HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('GET', 'http://a/x?y')], rfc: 'RFC 9112 §3.2.2: a server MUST accept the absolute-form', source: 'Http11Probe COMP-ABSOLUTE-FORM' },
  { name: 'absolute-form with an uppercase scheme and no path', bytes: 'GET HTTP://A HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('GET', 'HTTP://A')], rfc: 'RFC 3986 §3.1 (schemes are case-insensitive), §3.3 path-abempty' },
  { name: 'absolute-form whose authority differs from Host', bytes: 'GET http://other.example/ HTTP/1.1\r\nHost: a\r\n\r\n', expect: [serve('GET', 'http://other.example/')], rfc: 'RFC 9112 §3.2.2: the server MUST ignore Host and use the target\'s authority', source: 'Http11Probe SMUG-ABSOLUTE-URI-HOST-MISMATCH' },
  { name: 'absolute-form with an empty Host', bytes: 'GET http://a/ HTTP/1.1\r\nHost: \r\n\r\n', expect: [serve('GET', 'http://a/')], rfc: 'RFC 9112 §3.2.2: Host is ignored for absolute-form (issue 12: empty Host is refused on origin-form only)' },
  { name: 'target in none of the four forms', bytes: 'GET x/y HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2: request-target = origin-form / absolute-form / authority-form / asterisk-form; §3: an invalid request-line SHOULD get 400' },
  { name: 'target "!"', bytes: 'GET ! HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2', source: 'HTTP Garden (URIs not validated)' },
  { name: 'target with UTF-8 bytes', bytes: 'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2: a URI is ASCII; non-ASCII is percent-encoded (issue 12 item 3)', source: 'Http11Probe MAL-NON-ASCII-URL' },
  { name: 'target with an overlong UTF-8 slash', bytes: 'GET /\xc0\xaf HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2', source: 'Http11Probe MAL-URL-OVERLONG-UTF8' },
  { name: 'target with 0xFF in the query', bytes: 'GET /?q=\xff HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §3.4' },
  { name: 'target with NUL', bytes: 'GET /\x00test HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2', source: 'Http11Probe MAL-NUL-IN-URL' },
  { name: 'target with DEL', bytes: 'GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2' },
  { name: 'target with a control byte', bytes: 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2' },
  { name: 'target with HTAB inside', bytes: 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3' },
  { name: 'target with a backslash', bytes: 'GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2: "\\" is not a URI character', source: 'Http11Probe MAL-URL-BACKSLASH' },
  { name: 'target with a double quote', bytes: 'GET /a"b HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2' },
  { name: 'target with "<"', bytes: 'GET /<script> HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 3986 §2' },
  { name: 'target with a fragment', bytes: 'GET /path#frag HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ] — no fragment; a client does not send one (RFC 9110 §7.1)', source: 'Http11Probe RFC9112-3.2-FRAGMENT-IN-TARGET' },
  { name: 'space inside the target', bytes: 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3.2: no whitespace in a target (§3.2: a recipient MUST NOT try to autocorrect)', source: 'Http11Probe COMP-SPACE-IN-TARGET' },
  { name: 'missing target', bytes: 'GET HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3', source: 'Http11Probe RFC9112-3-MISSING-TARGET' },
  { name: 'two spaces between method and target', bytes: 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3: single SP separators; lenient parsing "can result in request smuggling"; we reject', source: 'Http11Probe RFC9112-3-MULTI-SP-REQUEST-LINE' },
  { name: 'HTAB between method and target', bytes: 'GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3', source: 'Http11Probe COMP-REQUEST-LINE-TAB' },
  { name: 'space before the method', bytes: ' GET / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3' },
  { name: 'trailing space after the version', bytes: 'GET / HTTP/1.1 \r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3' },
  { name: 'trailing HTAB after the version', bytes: 'GET / HTTP/1.1\t\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3' },
  { name: 'missing version (HTTP/0.9 request)', bytes: 'GET /\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3: HTTP/0.9 requests are not accepted', source: 'Http11Probe RFC9112-2.3-HTTP09-REQUEST' },
  { name: 'missing version after a space', bytes: 'GET / \r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3', source: 'h1spec "request without HTTP version"' },
  { name: 'lowercase http/1.1', bytes: 'GET / http/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3: HTTP-name is case-sensitive', source: 'Http11Probe COMP-VERSION-CASE' },
  { name: 'HTTP/1 without minor', bytes: 'GET / HTTP/1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3: DIGIT "." DIGIT', source: 'Http11Probe COMP-VERSION-MISSING-MINOR' },
  { name: 'HTTP/01.01', bytes: 'GET / HTTP/01.01\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3: one digit each', source: 'Http11Probe COMP-VERSION-LEADING-ZEROS' },
  { name: 'HTTP/1.32', bytes: 'GET / HTTP/1.32\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3', source: 'HTTP Garden (version read as its longest valid prefix)' },
  { name: 'HTTP/4294967295.255', bytes: 'GET / HTTP/4294967295.255\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3', source: 'HTTP Garden (8-bit overflow in versions)' },
  { name: 'space inside the version', bytes: 'GET / HTTP/ 1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §2.3', source: 'Http11Probe COMP-VERSION-WHITESPACE' },
  { name: 'HTTP/9.9', bytes: 'GET / HTTP/9.9\r\nHost: a\r\n\r\n', expect: [reject(400), reject(505)], rfc: 'RFC 9110 §15.6.6: 505 for an unsupported major version (400 is also an answer to a version we do not parse)', source: 'Http11Probe RFC9112-2.3-INVALID-VERSION; h1spec' },
  { name: 'HTTP/2.0 request line', bytes: 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', expect: [reject(400), reject(505)], rfc: 'RFC 9110 §15.6.6' },
  { name: 'HTTP/2 connection preface', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: [reject(400), reject(505)], rfc: 'RFC 9113 §3.4: an HTTP/1.1 server that does not speak h2 sees an unsupported version', source: 'Http11Probe MAL-H2-PREFACE' },
  { name: 'HTTP/1.2 is served as 1.1 or refused with 505', bytes: 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', expect: [serve('GET', '/'), reject(505)], rfc: 'RFC 9110 §2.5: a higher minor version SHOULD be processed as the highest supported minor; 505 is the other defensible answer', source: 'Http11Probe COMP-HTTP12-VERSION' },
  { name: 'method with "("', bytes: 'G(ET / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §9.1: method = token', source: 'HTTP Garden (methods read as their longest valid prefix)' },
  { name: 'method with a control byte', bytes: 'G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §9.1' },
  { name: 'method with a slash', bytes: 'GE/T / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §9.1' },
  { name: 'method with a high byte', bytes: 'G\xc9T / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §9.1' },
  { name: 'method NUL', bytes: '\x00 / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §9.1', source: 'HTTP Garden (methods and versions not validated)' },
  { name: 'method of token specials', bytes: 'G=":<>(e),[T];?" /get HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9110 §9.1', source: 'HTTP Garden (methods read as their longest valid prefix)' },
  { name: 'text before the request line', bytes: 'Extra lineGET / HTTP/1.1\r\nHost: a\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3', source: 'h1spec "invalid prefix of request"' },
  { name: 'whitespace-only request line', bytes: '   \r\n\r\n', expect: R400, rfc: 'RFC 9112 §3', source: 'Http11Probe MAL-WHITESPACE-ONLY-LINE' },
  { name: 'binary garbage', bytes: '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n', expect: R400, rfc: 'RFC 9112 §3 (a TLS ClientHello on the plain port)', source: 'Http11Probe MAL-BINARY-GARBAGE' },

  // -------------------------------------------------------------------------
  // Limits.
  { limit: true, name: 'head past maxRequestBufferSize', bytes: get(`X-Big: ${'v'.repeat(9000)}\r\n`), expect: [reject(431)], rfc: 'RFC 6585 §5: 431 Request Header Fields Too Large', source: 'Http11Probe MAL-LONG-HEADER-VALUE', ways: ONE_AND_FOLLOW },
  { limit: true, name: '100 KB target', bytes: `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: a\r\n\r\n`, expect: [reject(414), reject(431)], rfc: 'RFC 9110 §15.5.15 (414) / RFC 6585 §5 (431, the head is past the limit)', source: 'Http11Probe MAL-LONG-URL', ways: ONE_AND_FOLLOW },
  { limit: true, name: '100 KB field name', bytes: get(`${'X'.repeat(100_000)}: v\r\n`), expect: [reject(431)], rfc: 'RFC 6585 §5', source: 'Http11Probe MAL-LONG-HEADER-NAME', ways: ONE_AND_FOLLOW },
  { limit: true, name: '100 KB method', bytes: `${'A'.repeat(100_000)} / HTTP/1.1\r\nHost: a\r\n\r\n`, expect: [reject(400), reject(431), reject(501)], rfc: 'RFC 9110 §15.6.2 (501 unknown method) / RFC 6585 §5 (431): the head is past every limit', source: 'Http11Probe MAL-LONG-METHOD', ways: ONE_AND_FOLLOW },
  { limit: true, name: 'trailer section past its limit', bytes: chunked(`5\r\nhello\r\n0\r\nX-Big: ${'t'.repeat(9000)}\r\n\r\n`), expect: [reject(400), reject(413), reject(431)], rfc: 'RFC 9112 §7.1.2 / RFC 6585 §5: a server may limit the trailer section and answer 4xx (the engine: 8 KiB, 431)', ways: ONE_AND_FOLLOW },
  { limit: true, name: '101 header fields', bytes: get(Array.from({ length: 100 }, (_, i) => `X-${i}: v\r\n`).join('')), expect: [reject(431)], rfc: 'RFC 6585 §5 (the engine\'s 100-field limit)', source: 'Http11Probe MAL-MANY-HEADERS', ways: ONE_AND_FOLLOW },
]

/**
 * Incomplete heads that already hold a byte no valid request can hold there
 * (issue 12 item 5): the 400 must come at once, while the client keeps the
 * socket open and sends nothing more.
 */
export const EARLY: ReadonlyArray<{ name: string; bytes: string }> = [
  { name: 'control byte in a field name', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-\x01' },
  { name: 'bad method character', bytes: 'G(' },
  { name: 'control byte in the method', bytes: 'GE\x00' },
  { name: 'bare CR in the request line', bytes: 'GET / HTTP/1.1\rX' },
  { name: 'bare CR in a field value', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb' },
  { name: 'bad version', bytes: 'GET / HTTX/' },
  { name: 'lowercase version', bytes: 'GET / http/' },
  { name: 'control byte in the target', bytes: 'GET /a\x01' },
  { name: 'non-ASCII byte in the target', bytes: 'GET /caf\xc3' },
  { name: 'bare LF ending the request line', bytes: 'GET / HTTP/1.1\nHost: a' },
  { name: 'bare LF ending a field line', bytes: 'GET / HTTP/1.1\r\nHost: a\nX: y' },
  { name: 'NUL in a field value', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00' },
  { name: 'whitespace before a field colon', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX :' },
  { name: 'obs-fold', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b' },
]

// ---------------------------------------------------------------------------
// The runner: one row, one way, through a real socket. It has no dependency
// on AVA (helpers.ts imports it), so a script can score any server with it.


/** What a handler saw: recorded by the server under test, per client port. */
export interface Seen {
  method: string
  url: string
  version: string
  /** The header section as received (latin1), from the first field name to the end of the last line. */
  fields: string
  body: string
}

export interface Response {
  status: number
  headers: Record<string, string>
  raw: string
}

export interface Exchange {
  way: Way
  /** Final (non-1xx) responses in order. */
  responses: Response[]
  /** An interim 100 arrived (for `continueBody` rows: before the body was sent). */
  gotContinue: boolean
  /** The server ended the connection. */
  closed: boolean
  /** The client's port: the server's remotePort for this connection. */
  localPort: number
  /** Bytes received that were not a whole response. */
  leftover: string
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Parses one response at the start of `data`, or undefined if it is not whole yet. */
function parseResponse(data: string, ended: boolean): { response: Response; length: number } | undefined {
  const headEnd = data.indexOf('\r\n\r\n')
  if (headEnd === -1) return undefined
  const [statusLine, ...lines] = data.slice(0, headEnd).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const status = Number(statusLine.split(' ')[1])
  let length: number
  if ((status >= 100 && status < 200) || status === 204 || status === 304) length = 0
  else if (headers['content-length'] !== undefined) length = Number(headers['content-length'])
  else if (headers['transfer-encoding'] !== undefined) {
    const end = data.indexOf('0\r\n\r\n', headEnd + 4)
    if (end === -1) return undefined
    length = end + 5 - (headEnd + 4)
  } else if (ended) length = data.length - headEnd - 4
  else return undefined
  if (data.length < headEnd + 4 + length) return undefined
  return { response: { status, headers, raw: data.slice(0, headEnd + 4 + length) }, length: headEnd + 4 + length }
}

class Conn {
  data = ''
  ended = false
  private waiters: Array<() => void> = []
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      this.data += chunk
      this.wake()
    })
    const end = () => {
      this.ended = true
      this.wake()
    }
    socket.on('end', end)
    socket.on('close', end)
    socket.on('error', end)
  }
  private wake() {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
  /** Waits until `done()` holds or the deadline passes. */
  async until(done: () => boolean, deadline: number): Promise<boolean> {
    while (!done()) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return true
  }
  write(bytes: Buffer): Promise<boolean> {
    if (this.ended || this.socket.destroyed) return Promise.resolve(false)
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)))
  }
}

/** Final responses in `data`, whether a 100 came, and the unparsed rest. */
function responsesIn(data: string, ended: boolean): { finals: Response[]; gotContinue: boolean; rest: string } {
  const finals: Response[] = []
  let gotContinue = false
  let rest = data
  for (;;) {
    const parsed = parseResponse(rest, ended)
    if (!parsed) break
    rest = rest.slice(parsed.length)
    if (parsed.response.status === 100) gotContinue = true
    else if (parsed.response.status > 100 && parsed.response.status < 200) continue
    else finals.push(parsed.response)
  }
  return { finals, gotContinue, rest }
}

/**
 * Sends `row` one `way` and collects the answers: until the server closes, or
 * the expected number of answers is in and the last keeps the connection
 * open, or `deadlineMs` passes (a row the server leaves waiting). The
 * deadline is a bound, not a measurement: it only ends rows that fail.
 */
export async function exchange(
  port: number,
  row: ProbeCase,
  way: Way,
  { deadlineMs = 8000, onConnect }: { deadlineMs?: number; onConnect?: (localPort: number) => void } = {},
): Promise<Exchange> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true })
  const conn = new Conn(socket)
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000)
      socket.once('connect', () => {
        clearTimeout(timer)
        resolve()
      })
      socket.once('error', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    const localPort = socket.localPort ?? 0
    // A port can be reused by a later connection: what the handler saw is
    // recorded per port, so the caller clears it before anything is sent.
    onConnect?.(localPort)
    const head = Buffer.from(row.bytes, 'latin1')
    const rest = Buffer.from((row.continueBody ?? '') + (way === 'follow-up' ? FOLLOW_UP : ''), 'latin1')
    const send = async (bytes: Buffer) => {
      if (bytes.length === 0) return
      if (way !== 'byte-per-write') {
        await conn.write(bytes)
        return
      }
      const gap = bytes.length <= 400 ? 1 : 0
      for (let i = 0; i < bytes.length; i++) {
        if (!(await conn.write(bytes.subarray(i, i + 1)))) return
        if (gap) await sleep(gap)
      }
    }
    const deadline = Date.now() + deadlineMs
    let gotContinue = false
    if (row.continueBody !== undefined) {
      await send(head)
      // The body is held back until the interim answer (or a final one) comes.
      await conn.until(() => {
        const r = responsesIn(conn.data, conn.ended)
        return r.gotContinue || r.finals.length > 0 || conn.ended
      }, Math.min(deadline, Date.now() + 3000))
      const r = responsesIn(conn.data, conn.ended)
      gotContinue = r.gotContinue
      if (r.gotContinue && r.finals.length === 0) await send(rest)
    } else {
      await send(Buffer.concat([head, rest]))
    }
    const want = way === 'follow-up' ? 2 : 1
    // A row served and then closed (Connection: close, HTTP/1.0): wait for
    // the close whether or not the answer announces it.
    const mustClose = row.expect.some((o) => o.kind === 'serve' && o.closes)
    await conn.until(() => {
      if (conn.ended) return true
      const { finals } = responsesIn(conn.data, false)
      if (finals.length === 0) return false
      const last = finals[finals.length - 1]
      // An error or a closing answer: wait for the close itself.
      if (mustClose || last.status >= 400 || /close/i.test(last.headers.connection ?? '')) return false
      return finals.length >= want
    }, deadline)
    const r = responsesIn(conn.data, conn.ended)
    return { way, responses: r.finals, gotContinue: gotContinue || r.gotContinue, closed: conn.ended, localPort, leftover: r.rest }
  } finally {
    socket.destroy()
  }
}

/** Header fields of a received header section (CRLF lines; OWS trimmed). */
export function fieldsOf(section: string): Array<[string, string]> {
  const list: Array<[string, string]> = []
  for (const line of section.split(/\r?\n/)) {
    if (line === '') continue
    const colon = line.indexOf(':')
    list.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')])
  }
  return list
}

const show = (s: string, max = 60) => JSON.stringify(s.length > max ? `${s.slice(0, max)}…(${s.length})` : s)

function describe(ex: Exchange, seen: readonly Seen[]): string {
  const statuses = ex.responses.map((r) => r.status).join(', ') || 'no answer'
  const handler = seen.length === 0 ? 'handler not reached' : `handler saw ${seen.map((s) => `${s.method} ${show(s.url, 30)} body ${show(s.body, 30)}`).join(' | ')}`
  return `got [${statuses}]${ex.gotContinue ? ' after 100' : ''}, ${ex.closed ? 'closed' : 'left open'}, ${handler}${ex.leftover ? `, +${show(ex.leftover, 30)}` : ''}`
}

function matches(outcome: Outcome, row: ProbeCase, ex: Exchange, seen: readonly Seen[]): string | undefined {
  if (outcome.kind === 'reject') {
    const first = ex.responses[0]
    if (!first) return `expected ${outcome.status.join('/')}: no answer`
    if (!outcome.status.includes(first.status)) return `expected ${outcome.status.join('/')}`
    if (ex.responses.length > 1) return 'expected nothing after the rejection'
    if (seen.length > 0) return 'expected the handler not to be reached'
    if (!ex.closed) return 'expected the connection closed after the rejection'
    return undefined
  }
  const first = ex.responses[0]
  if (!first || first.status < 200 || first.status >= 300) return `expected 2xx served`
  if (row.continueBody !== undefined && !ex.gotContinue) return 'expected 100 Continue before the body was sent'
  if (outcome.noInterim && ex.gotContinue) return 'expected no 1xx answer to an HTTP/1.0 client'
  const s = seen[0]
  if (!s) return 'expected the handler reached'
  if (s.method !== outcome.method) return `expected method ${show(outcome.method)}, handler saw ${show(s.method)}`
  if (s.url !== outcome.url) return `expected target ${show(outcome.url)}, handler saw ${show(s.url)}`
  if (s.body !== outcome.body) return `expected body ${show(outcome.body)}, handler saw ${show(s.body)}`
  const fields = fieldsOf(s.fields)
  for (const [name, value] of outcome.fields ?? []) {
    if (!fields.some(([n, v]) => n === name.toLowerCase() && v === value)) return `expected field ${name}: ${show(value)} in ${show(s.fields, 120)}`
  }
  for (const name of outcome.noFields ?? []) {
    if (fields.some(([n]) => n === name.toLowerCase())) return `expected no field ${name}`
  }
  if (outcome.closes) {
    if (ex.responses.length !== 1 || seen.length !== 1) return 'expected exactly one answer before the close'
    if (!ex.closed) return 'expected the connection closed after the answer'
    return undefined
  }
  if (ex.way === 'follow-up') {
    if (ex.responses.length !== 2 || seen.length !== 2 || seen[1].url !== '/follow-up') return 'expected the appended request served next on the kept connection'
    return undefined
  }
  if (ex.responses.length !== 1 || seen.length !== 1) return 'expected exactly one answer'
  return undefined
}

/** undefined when `ex` is one of the row's outcomes, else why not. */
export function verdict(row: ProbeCase, ex: Exchange, seen: readonly Seen[]): string | undefined {
  const reasons: string[] = []
  for (const outcome of row.expect) {
    const why = matches(outcome, row, ex, seen)
    if (why === undefined) return undefined
    reasons.push(why)
  }
  return `${reasons.join(' / or ')}; ${describe(ex, seen)}`
}

/** The ways `row` runs. */
export function waysOf(row: ProbeCase): readonly Way[] {
  return row.ways ?? ['one-write', 'byte-per-write', 'follow-up']
}

/** Runs `tasks` with at most `limit` at a time. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: Array<() => void> = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      queue.shift()?.()
    }
  }
}
