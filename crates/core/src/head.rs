//! Parsing and checking one request head (request line + header fields).
//!
//! `httparse` does the byte-level grammar (tokens, URI characters, header
//! name/value characters, bare CR, obs-fold); this module adds the semantic
//! rules of RFC 9112 that decide how the message is framed and whether it may
//! be served at all (Host, Content-Length, Transfer-Encoding, Connection,
//! Expect). Every rejection carries the status the client should see.

use crate::span::Span;

/// How many header fields one request may carry; more is answered with 431.
pub const MAX_HEADERS: usize = 100;

/// The answer to more than the header table holds.
pub const TOO_MANY_HEADERS: Reject = Reject::new(431, "too many header fields");

/// The outcome of looking at the bytes received so far.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadStatus {
  /// The head is not complete yet: read more bytes.
  Partial,
  /// A complete, acceptable head.
  Complete(RequestHead),
  /// The bytes can never become an acceptable request.
  Invalid(Reject),
}

/// Why a request is refused: the status to answer with and a short reason
/// (the reason is for logs and tests; the client sees only the status line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reject {
  pub status: u16,
  pub reason: &'static str,
}

impl Reject {
  pub const fn new(status: u16, reason: &'static str) -> Self {
    Reject { status, reason }
  }
  pub const fn bad_request(reason: &'static str) -> Self {
    Reject::new(400, reason)
  }
}

/// How the body of a request is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
  /// No body: neither Content-Length nor Transfer-Encoding.
  None,
  /// `Content-Length: n`.
  Length(u64),
  /// `Transfer-Encoding: ..., chunked`.
  Chunked,
}

/// A parsed request head. All spans are offsets into the buffer that was
/// parsed, so the head can be stored without borrowing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestHead {
  /// Where the request line starts (after tolerated leading empty lines).
  pub start: usize,
  /// Bytes from the start of the buffer to the end of the blank line.
  pub len: usize,
  pub method: Span,
  pub path: Span,
  pub version: Span,
  /// 0 for HTTP/1.0, 1 for HTTP/1.1.
  pub minor_version: u8,
  /// Every header line, from the first field name to the end of the last line.
  pub header_fields: Span,
  pub body: BodyFraming,
  /// Whether the connection may stay open after the response (RFC 9112 §9.3).
  pub keep_alive: bool,
  /// `Expect: 100-continue` was sent.
  pub expect_continue: bool,
  pub is_head_method: bool,
}

/// Parses the head at the start of `buf` with room for `header_table.len()`
/// fields. `header_table` is scratch space owned by the caller (the request
/// arena, or the heap when the arena is off).
pub fn parse_head<'b>(buf: &'b [u8], header_table: &mut [httparse::Header<'b>]) -> HeadStatus {
  let mut request = httparse::Request::new(header_table);
  let head_len = match request.parse(buf) {
    Ok(httparse::Status::Partial) => return HeadStatus::Partial,
    Ok(httparse::Status::Complete(len)) => len,
    Err(httparse::Error::Version) => return HeadStatus::Invalid(reject_version(buf)),
    Err(error) => return HeadStatus::Invalid(reject_for(error)),
  };
  let method = request.method.unwrap_or_default();
  let path = request.path.unwrap_or_default();
  let minor_version = request.version.unwrap_or(1);
  let method_span = Span::of(buf, method.as_bytes());
  let path_span = Span::of(buf, path.as_bytes());
  let start = method_span.start;
  // "HTTP/1.x" sits right after the single space that follows the target.
  let version_span = Span {
    start: path_span.end() + 1,
    len: 8,
  };
  let request_line_end = match memchr(b'\n', &buf[version_span.end()..head_len]) {
    Some(i) => version_span.end() + i + 1,
    None => return HeadStatus::Invalid(Reject::bad_request("malformed request line")),
  };
  // The blank line that ends the head is "\r\n" (or a bare "\n", which
  // httparse tolerates as RFC 9112 §2.2 allows).
  let blank_line = if head_len >= 2 && buf[head_len - 2] == b'\r' {
    2
  } else {
    1
  };
  let header_fields = Span {
    start: request_line_end,
    len: (head_len - blank_line).saturating_sub(request_line_end),
  };

  let mut semantics = HeadSemantics::new(minor_version);
  for header in request.headers.iter() {
    if let Err(reject) = semantics.add(header.name, header.value) {
      return HeadStatus::Invalid(reject);
    }
  }
  let (body, keep_alive, expect_continue) = match semantics.finish() {
    Ok(result) => result,
    Err(reject) => return HeadStatus::Invalid(reject),
  };
  HeadStatus::Complete(RequestHead {
    start,
    len: head_len,
    method: method_span,
    path: path_span,
    version: version_span,
    minor_version,
    header_fields,
    body,
    keep_alive,
    expect_continue,
    is_head_method: method == "HEAD",
  })
}

/// A version httparse refused: a well-formed `HTTP/d.d` that is not 1.0 or
/// 1.1 (HTTP/2 preface, HTTP/9.9) is 505 (RFC 9110 §15.6.6); anything else in
/// that place (a space inside the target, garbage) is a malformed line: 400.
fn reject_version(buf: &[u8]) -> Reject {
  let line_end = memchr(b'\n', buf).unwrap_or(buf.len());
  let line = buf[..line_end].strip_suffix(b"\r").unwrap_or(&buf[..line_end]);
  let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
  match parts.as_slice() {
    [_, _, version] if is_http_version(version) => Reject::new(505, "unsupported HTTP version"),
    _ => Reject::bad_request("malformed request line"),
  }
}

fn is_http_version(token: &[u8]) -> bool {
  matches!(token, [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit())
}

/// Maps httparse's grammar errors to the answer a client gets.
fn reject_for(error: httparse::Error) -> Reject {
  match error {
    httparse::Error::TooManyHeaders => TOO_MANY_HEADERS,
    httparse::Error::Version => Reject::bad_request("malformed request line"),
    httparse::Error::Token => Reject::bad_request("invalid method token"),
    httparse::Error::HeaderName => Reject::bad_request("invalid header field name"),
    httparse::Error::HeaderValue => Reject::bad_request("invalid header field value"),
    httparse::Error::NewLine => Reject::bad_request("invalid line ending"),
    httparse::Error::Status => Reject::bad_request("invalid request line"),
  }
}

/// Accumulates the header fields that decide framing and connection reuse.
struct HeadSemantics {
  minor_version: u8,
  host_count: u32,
  content_length: Option<u64>,
  transfer_encoding_seen: bool,
  /// Whether the last transfer coding seen so far is `chunked`.
  chunked_last: bool,
  chunked_count: u32,
  connection_close: bool,
  connection_keep_alive: bool,
  expect_continue: bool,
}

impl HeadSemantics {
  fn new(minor_version: u8) -> Self {
    HeadSemantics {
      minor_version,
      host_count: 0,
      content_length: None,
      transfer_encoding_seen: false,
      chunked_last: false,
      chunked_count: 0,
      connection_close: false,
      connection_keep_alive: false,
      expect_continue: false,
    }
  }

  fn add(&mut self, name: &str, value: &[u8]) -> Result<(), Reject> {
    // A cheap per-field reject first: only five names matter here, and they
    // start with one of five letters.
    if !matches!(
      name.as_bytes().first(),
      Some(b'h' | b'H' | b'c' | b'C' | b't' | b'T' | b'e' | b'E')
    ) {
      return Ok(());
    }
    let value = trim_ows(value);
    if name.eq_ignore_ascii_case("host") {
      self.host_count += 1;
    } else if name.eq_ignore_ascii_case("content-length") {
      self.add_content_length(value)?;
    } else if name.eq_ignore_ascii_case("transfer-encoding") {
      self.add_transfer_encoding(value)?;
    } else if name.eq_ignore_ascii_case("connection") {
      for option in comma_list(value) {
        if option.eq_ignore_ascii_case(b"close") {
          self.connection_close = true;
        } else if option.eq_ignore_ascii_case(b"keep-alive") {
          self.connection_keep_alive = true;
        }
      }
    } else if name.eq_ignore_ascii_case("expect") {
      if value.eq_ignore_ascii_case(b"100-continue") {
        self.expect_continue = true;
      } else {
        // RFC 9110 §10.1.1: an unknown expectation may be refused with 417.
        return Err(Reject::new(417, "unsupported expectation"));
      }
    }
    Ok(())
  }

  /// `Content-Length = 1*DIGIT`; a list of identical values is tolerated,
  /// differing values are a smuggling attempt (RFC 9112 §6.3 item 5).
  fn add_content_length(&mut self, value: &[u8]) -> Result<(), Reject> {
    for item in comma_list(value) {
      let length = parse_decimal(item).ok_or(Reject::bad_request("invalid Content-Length"))?;
      match self.content_length {
        Some(previous) if previous != length => return Err(Reject::bad_request("differing Content-Length values")),
        _ => self.content_length = Some(length),
      }
    }
    if self.content_length.is_none() {
      return Err(Reject::bad_request("empty Content-Length"));
    }
    Ok(())
  }

  fn add_transfer_encoding(&mut self, value: &[u8]) -> Result<(), Reject> {
    self.transfer_encoding_seen = true;
    for coding in comma_list(value) {
      // A coding may carry parameters ("gzip;q=1"); only its name matters here.
      let mut parts = coding.splitn(2, |&b| b == b';');
      let name = trim_ows(parts.next().unwrap_or(coding));
      let has_parameters = parts.next().is_some();
      if name.is_empty() {
        continue;
      }
      self.chunked_last = name.eq_ignore_ascii_case(b"chunked");
      if self.chunked_last {
        if has_parameters {
          // RFC 9112 §7: chunked has no parameters; a "chunked;x" that one
          // hop reads as chunked and another does not is a smuggling vector.
          return Err(Reject::bad_request("parameters on chunked"));
        }
        self.chunked_count += 1;
      }
    }
    Ok(())
  }

  fn finish(self) -> Result<(BodyFraming, bool, bool), Reject> {
    if self.minor_version == 1 && self.host_count == 0 {
      return Err(Reject::bad_request("missing Host header"));
    }
    if self.host_count > 1 {
      return Err(Reject::bad_request("more than one Host header"));
    }
    let body = if self.transfer_encoding_seen {
      if self.content_length.is_some() {
        // RFC 9112 §6.1: a server MAY reject a request with both; we always do.
        return Err(Reject::bad_request("both Content-Length and Transfer-Encoding"));
      }
      if self.minor_version == 0 {
        return Err(Reject::bad_request("Transfer-Encoding on HTTP/1.0"));
      }
      if !self.chunked_last || self.chunked_count != 1 {
        // The length of the body could not be determined (RFC 9112 §6.3 item 4).
        return Err(Reject::bad_request("Transfer-Encoding must end in a single chunked"));
      }
      BodyFraming::Chunked
    } else {
      match self.content_length {
        Some(0) | None => BodyFraming::None,
        Some(length) => BodyFraming::Length(length),
      }
    };
    let keep_alive = if self.minor_version >= 1 {
      !self.connection_close
    } else {
      self.connection_keep_alive && !self.connection_close
    };
    Ok((body, keep_alive, self.expect_continue))
  }
}

/// `1*DIGIT` without sign, spaces or overflow.
pub fn parse_decimal(digits: &[u8]) -> Option<u64> {
  if digits.is_empty() || digits.len() > 19 {
    return None;
  }
  let mut value: u64 = 0;
  for &b in digits {
    if !b.is_ascii_digit() {
      return None;
    }
    value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
  }
  Some(value)
}

/// Optional whitespace (SP / HTAB) trimmed from both ends.
pub fn trim_ows(mut bytes: &[u8]) -> &[u8] {
  while let [b' ' | b'\t', rest @ ..] = bytes {
    bytes = rest;
  }
  while let [rest @ .., b' ' | b'\t'] = bytes {
    bytes = rest;
  }
  bytes
}

/// The elements of a `#rule` list (RFC 9110 §5.6.1), trimmed, empty ones kept
/// out.
fn comma_list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
  value
    .split(|&b| b == b',')
    .map(trim_ows)
    .filter(|item| !item.is_empty())
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
  memchr::memchr(needle, haystack)
}

/// Finds where a head ends ("\r\n\r\n" or a bare-LF blank line), scanning
/// from `from`. Lets the reactor skip a full parse while a head is still
/// arriving in small pieces.
pub fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
  // SIMD search for line feeds; a blank line is "\n\n" or "\n\r\n".
  memchr::memchr_iter(b'\n', &buf[from.min(buf.len())..])
    .map(|offset| from + offset)
    .find_map(|lf| match (buf.get(lf + 1), buf.get(lf + 2)) {
      (Some(b'\n'), _) => Some(lf + 2),
      (Some(b'\r'), Some(b'\n')) => Some(lf + 3),
      _ => None,
    })
}

#[cfg(test)]
mod tests {
  use super::*;

  fn parse(bytes: &[u8]) -> HeadStatus {
    let mut table = [httparse::EMPTY_HEADER; MAX_HEADERS];
    parse_head(bytes, &mut table)
  }

  fn complete(bytes: &[u8]) -> RequestHead {
    match parse(bytes) {
      HeadStatus::Complete(head) => head,
      other => panic!("expected a complete head, got {other:?}"),
    }
  }

  fn rejected(bytes: &[u8]) -> u16 {
    match parse(bytes) {
      HeadStatus::Invalid(reject) => reject.status,
      other => panic!("expected a rejection, got {other:?}"),
    }
  }

  #[test]
  fn spans_point_into_the_buffer() {
    let raw = b"GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n";
    let head = complete(raw);
    assert_eq!(head.method.of_buf(raw), b"GET");
    assert_eq!(head.path.of_buf(raw), b"/hello?x=1");
    assert_eq!(head.version.of_buf(raw), b"HTTP/1.1");
    assert_eq!(head.header_fields.of_buf(raw), b"Host: a\r\nX-Y: z\r\n");
    assert_eq!(head.len, raw.len());
    assert!(head.keep_alive);
    assert_eq!(head.body, BodyFraming::None);
  }

  #[test]
  fn every_prefix_is_partial() {
    let raw = b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
    for end in 0..raw.len() {
      assert_eq!(parse(&raw[..end]), HeadStatus::Partial, "prefix of {end} bytes");
    }
    assert_eq!(complete(raw).body, BodyFraming::Length(3));
  }

  #[test]
  fn leading_empty_lines_are_skipped() {
    let raw = b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let head = complete(raw);
    assert_eq!(head.start, 4);
    assert_eq!(head.method.of_buf(raw), b"GET");
  }

  #[test]
  fn keep_alive_rules() {
    assert!(!complete(b"GET / HTTP/1.0\r\n\r\n").keep_alive);
    assert!(complete(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
    assert!(!complete(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
    assert!(!complete(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n").keep_alive);
  }

  #[test]
  fn framing_rules() {
    assert_eq!(
      complete(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").body,
      BodyFraming::Chunked
    );
    assert_eq!(
      complete(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").body,
      BodyFraming::Length(5)
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
      400
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
      400
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"),
      400
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
      400
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
      400
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
      400
    );
    assert_eq!(rejected(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
      400
    );
    assert_eq!(
      rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked ;x\r\n\r\n"),
      400
    );
  }

  #[test]
  fn grammar_and_host_rules() {
    assert_eq!(rejected(b"GET / HTTP/1.1\r\n\r\n"), 400);
    assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
    assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400);
    assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);
    assert_eq!(rejected(b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_eq!(rejected(b"GET / HTTP/9.9\r\nHost: a\r\n\r\n"), 505);
    assert_eq!(rejected(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
  }

  #[test]
  fn head_end_is_found_from_any_offset() {
    let raw = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
    assert_eq!(find_head_end(raw, 0), Some(raw.len() - 4));
    assert_eq!(find_head_end(b"GET / HTTP/1.0\n\n", 0), Some(16));
    assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nHost: a\r\n", 0), None);
  }
}
