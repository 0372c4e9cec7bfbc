//! Parsing and checking one request head (request line + header fields).
//!
//! `httparse` does the byte-level grammar (tokens, URI characters, header
//! name/value characters, bare CR, obs-fold); this module adds what httparse
//! tolerates and we do not (bare LF line ends, bytes outside RFC 3986 in
//! the request target) and the semantic rules of RFC 9112 that decide how the
//! message is framed and whether it may be served at all (request-target
//! form, Host, Content-Length, Transfer-Encoding, Connection, Expect). Every
//! rejection carries the status the client should see.
//!
//! The three outcomes, as in httparse: `Partial` (read more), `Complete`,
//! `Invalid(reject)`. A head is refused as soon as the bytes prove it:
//! `scan_head` and `refuse_early` look at an incomplete head too.

use crate::span::Span;
use std::mem::MaybeUninit;

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
  /// The status line's code.
  pub status: u16,
  /// Why, for logs and tests.
  pub reason: &'static str,
}

impl Reject {
  /// A refusal with `status`.
  pub const fn new(status: u16, reason: &'static str) -> Self {
    Reject { status, reason }
  }
  /// A 400.
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
  /// A CONNECT with its authority-form target (the framer decides whether
  /// to serve it).
  pub is_connect: bool,
}

/// Parses the head at the start of `buf` with room for `header_table.len()`
/// fields. Line ends are `scan_head`'s to check (framing scans every head
/// before parsing it, and one pass over its line feeds is enough).
/// `header_table` is scratch space owned by the caller (the request arena,
/// or the heap when the arena is off), left uninitialised: httparse writes
/// only the slots it fills, so no per-request clearing is paid.
pub fn parse_head<'b>(buf: &'b [u8], header_table: &mut [MaybeUninit<httparse::Header<'b>>]) -> HeadStatus {
  let mut request = httparse::Request::new(&mut []);
  let head_len = match request.parse_with_uninit_headers(buf, header_table) {
    Ok(httparse::Status::Partial) => return HeadStatus::Partial,
    Ok(httparse::Status::Complete(len)) => len,
    Err(httparse::Error::Version) => {
      return match version_refused_so_far(buf) {
        Some(reject) => HeadStatus::Invalid(reject),
        None => HeadStatus::Partial,
      }
    }
    Err(error) => return HeadStatus::Invalid(reject_for(error)),
  };
  let method = request.method.unwrap_or_default();
  let path = request.path.unwrap_or_default();
  let minor_version = request.version.unwrap_or(1);
  let target_form = match target_form(method.as_bytes(), path.as_bytes()) {
    Ok(form) => form,
    Err(reject) => return HeadStatus::Invalid(reject),
  };
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
  // The blank line that ends the head is "\r\n" (bare LF was refused above).
  let header_fields = Span {
    start: request_line_end,
    len: (head_len - 2).saturating_sub(request_line_end),
  };

  let mut semantics = HeadSemantics::new(minor_version, target_form);
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
    is_connect: target_form == TargetForm::Authority,
  })
}

/// A version httparse refused: a well-formed `HTTP/d.d` that is not 1.0 or
/// 1.1 (HTTP/2 preface, HTTP/9.9) is 505 (RFC 9110 §15.6.6); anything else in
/// that place (a space inside the target, garbage) is a malformed line: 400.
#[cold]
fn reject_version(buf: &[u8]) -> Reject {
  let line_end = memchr(b'\n', buf).unwrap_or(buf.len());
  let line = buf[..line_end].strip_suffix(b"\r").unwrap_or(&buf[..line_end]);
  let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
  match parts.as_slice() {
    [_, _, version] if is_http_version(version) => Reject::new(505, "unsupported HTTP version"),
    _ => Reject::bad_request("malformed request line"),
  }
}

/// A version httparse refused: once the request line has ended, 505 or 400
/// (`reject_version`); before that (a head still arriving), refused only
/// when no byte to come can make it `HTTP/d.d`, which would be a 505.
#[cold]
fn version_refused_so_far(buf: &[u8]) -> Option<Reject> {
  if memchr(b'\r', buf).is_some() || memchr(b'\n', buf).is_some() {
    return Some(reject_version(buf));
  }
  let version = buf.rsplit(|&b| b == b' ').next().unwrap_or_default();
  let pattern = b"HTTP/0.0";
  let may_become_a_version = version.len() <= pattern.len()
    && version
      .iter()
      .zip(pattern)
      .all(|(&b, &p)| if p == b'0' { b.is_ascii_digit() } else { b == p });
  (!may_become_a_version).then_some(Reject::bad_request("malformed request line"))
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

/// The four shapes of a request-target (RFC 9112 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TargetForm {
  /// `/path?query`: every method but CONNECT.
  Origin,
  /// `http://host/path`: every method but CONNECT (RFC 9112 §3.2.2).
  Absolute,
  /// `*`: OPTIONS only (RFC 9112 §3.2.4).
  Asterisk,
  /// `host:port`: CONNECT only (RFC 9112 §3.2.3).
  Authority,
}

/// Checks the request-target's bytes and its form against the method.
///
/// ```text
/// request-target = origin-form / absolute-form / authority-form / asterisk-form
/// ```
///
/// The target's bytes are `is_target_byte`'s: httparse lets bytes >= 0x80
/// through, but RFC 3986 has no place for them (percent-encode UTF-8).
/// authority-form
/// belongs to CONNECT alone (RFC 9112 §3.2.3); whether CONNECT is served at
/// all is the framer's decision (`Limits::allow_connect`). absolute-form
/// is taken for the `http` and `https` schemes, the only ones served here.
#[inline]
fn target_form(method: &[u8], target: &[u8]) -> Result<TargetForm, Reject> {
  // The common case inline; the rest out of line keeps `parse_head` small
  // enough for httparse's parse to be inlined into it.
  if target.first() == Some(&b'/') && method != b"CONNECT" && is_target(target) {
    return Ok(TargetForm::Origin);
  }
  other_target_form(method, target)
}

#[inline(never)]
fn other_target_form(method: &[u8], target: &[u8]) -> Result<TargetForm, Reject> {
  if !is_target(target) {
    return Err(BAD_TARGET_BYTE);
  }
  if method == b"CONNECT" {
    return match host_and_port(target) {
      Some((host, Some(_))) if !host.is_empty() => Ok(TargetForm::Authority),
      _ => Err(Reject::bad_request("CONNECT needs an authority-form target")),
    };
  }
  match target {
    [b'/', ..] => Ok(TargetForm::Origin),
    b"*" if method == b"OPTIONS" => Ok(TargetForm::Asterisk),
    b"*" => Err(Reject::bad_request("asterisk-form target outside OPTIONS")),
    _ if is_http_uri(target) => Ok(TargetForm::Absolute),
    _ => Err(Reject::bad_request("invalid request target")),
  }
}

const BAD_TARGET_BYTE: Reject = Reject::bad_request("request target byte outside RFC 3986");

/// Every byte may stand in a request target. Written without an early exit:
/// targets are short and nearly always valid.
fn is_target(bytes: &[u8]) -> bool {
  bytes.iter().fold(true, |all, &b| all & TARGET_BYTE[usize::from(b)])
}

/// Visible ASCII (0x21–0x7E) but `"`, `#`, `<`, `>` and `\`, which RFC 3986
/// has no place for and no browser sends unencoded (a `#` starts a fragment,
/// never sent; `\` reads as `/` in some URL parsers and not in others).
/// `{ } | ^ [ ] \`` stay: also outside RFC 3986, but browsers send them raw
/// in query strings (the WHATWG URL query percent-encode set leaves them).
static TARGET_BYTE: [bool; 256] = {
  let mut table = [false; 256];
  let mut b = 0x21;
  while b < 0x7f {
    table[b] = !matches!(b as u8, b'"' | b'#' | b'<' | b'>' | b'\\');
    b += 1;
  }
  table
};

/// `http://authority...` or `https://authority...` (scheme case-insensitive)
/// with a valid, non-empty authority (RFC 9110 §4.2).
fn is_http_uri(target: &[u8]) -> bool {
  let rest = match target.iter().position(|&b| b == b':') {
    Some(4) if target[..4].eq_ignore_ascii_case(b"http") => &target[5..],
    Some(5) if target[..5].eq_ignore_ascii_case(b"https") => &target[6..],
    _ => return false,
  };
  let Some(rest) = rest.strip_prefix(b"//") else {
    return false;
  };
  let authority_end = rest
    .iter()
    .position(|&b| matches!(b, b'/' | b'?' | b'#'))
    .unwrap_or(rest.len());
  matches!(host_and_port(&rest[..authority_end]), Some((host, _)) if !host.is_empty())
}

/// Splits `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2), or
/// `None` when the bytes are not of that shape: userinfo (`user@host`), a
/// path, whitespace, a comma (a list of hosts) are all refused.
///
/// ```text
/// uri-host    = IP-literal / IPv4address / reg-name
/// IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
/// reg-name    = *( unreserved / pct-encoded / sub-delims )
/// unreserved  = ALPHA / DIGIT / "-" / "." / "_" / "~"
/// sub-delims  = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / ";" / "="
///               (and ",", which we refuse: it reads as a list)
/// port        = *DIGIT
/// ```
fn host_and_port(value: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
  let host_end = if value.first() == Some(&b'[') {
    let close = value.iter().position(|&b| b == b']')?;
    let literal = &value[1..close];
    // IPv6address / IPvFuture: hex digits, ":", ".", "v" and the characters
    // an IPvFuture may add; its exact grammar is not a framing question.
    if literal.is_empty() || !literal.iter().all(|&b| b == b':' || REG_NAME[usize::from(b)]) {
      return None;
    }
    close + 1
  } else {
    reg_name_len(value)?
  };
  let (host, after_host) = value.split_at(host_end);
  match after_host {
    [] => Some((host, None)),
    [b':', port @ ..] if port.iter().all(u8::is_ascii_digit) => Some((host, Some(port))),
    _ => None,
  }
}

/// The length of the `reg-name` (or IPv4address) at the start of `host`,
/// up to a ":" or the end; `None` at a byte a reg-name cannot hold.
fn reg_name_len(host: &[u8]) -> Option<usize> {
  let mut i = 0;
  while i < host.len() {
    let b = host[i];
    if REG_NAME[usize::from(b)] {
      i += 1;
    } else if b == b':' {
      return Some(i);
    } else if b == b'%'
      && host
        .get(i + 1..i + 3)
        .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    {
      i += 3;
    } else {
      return None;
    }
  }
  Some(i)
}

/// unreserved / sub-delims (RFC 3986 §2.2–2.3) but ",", which we refuse as
/// it reads as a list of hosts.
static REG_NAME: [bool; 256] = {
  let mut table = [false; 256];
  let allowed = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+;=";
  let mut i = 0;
  while i < allowed.len() {
    table[allowed[i] as usize] = true;
    i += 1;
  }
  table
};

/// Accumulates the header fields that decide framing and connection reuse.
struct HeadSemantics {
  minor_version: u8,
  target_form: TargetForm,
  host_count: u32,
  /// A Host field was present with an empty `uri-host`.
  host_empty: bool,
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
  fn new(minor_version: u8, target_form: TargetForm) -> Self {
    HeadSemantics {
      minor_version,
      target_form,
      host_count: 0,
      host_empty: false,
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
      match host_and_port(value) {
        Some((host, _)) => self.host_empty |= host.is_empty(),
        None => return Err(Reject::bad_request("invalid Host header")),
      }
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
    // RFC 9110 §7.2: Host is empty only when the target has no authority,
    // and an origin-form target never carries one itself.
    if self.host_empty && self.target_form != TargetForm::Absolute {
      return Err(Reject::bad_request("empty Host header"));
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
    // After a CONNECT nothing is read as a request again: its connection
    // becomes a tunnel (a takeover) or closes after the answer.
    let keep_alive = if self.target_form == TargetForm::Authority {
      false
    } else if self.minor_version >= 1 {
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

/// What the bytes of a head received so far show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadScan {
  /// No blank line yet, and nothing the line scan refuses.
  Incomplete,
  /// The head ends (its blank line included) at this offset.
  Complete(usize),
  Invalid(Reject),
}

/// Finds where a head ends ("\r\n\r\n"), scanning the line feeds from
/// `from`, and refuses the first LF not preceded by CR.
///
/// RFC 9112 §2.2 lets a recipient take a bare LF as a line end; we do not
/// (like llhttp's strict mode, Go and hyper): a front end that splits on
/// CRLF only would read `Dummy: x\nContent-Length: 5` as one field, and the
/// two would frame the body differently (CVE-2022-32214). Lets the reactor
/// skip a full parse while a head is still arriving in small pieces.
pub fn scan_head(buf: &[u8], from: usize) -> HeadScan {
  // SIMD search for line feeds; there are few per head.
  for lf in memchr::memchr_iter(b'\n', &buf[from.min(buf.len())..]).map(|offset| from + offset) {
    if lf == 0 || buf[lf - 1] != b'\r' {
      return HeadScan::Invalid(BARE_LF);
    }
    match (buf.get(lf + 1), buf.get(lf + 2)) {
      (Some(b'\r'), Some(b'\n')) => return HeadScan::Complete(lf + 3),
      // A blank line may still follow: "\r" with its "\n" to come.
      _ => continue,
    }
  }
  HeadScan::Incomplete
}

const BARE_LF: Reject = Reject::bad_request("bare LF line ending");

/// Whether an incomplete head already holds bytes no valid request can hold
/// where they are (a bad method character, a control byte in a field name,
/// a bare CR, a bad version, a target byte outside RFC 3986): then it
/// is refused now, not after the rest of the head or the request deadline.
/// httparse checks each byte as far as the bytes go, so a partial parse
/// finds all of these but the target's bytes, which httparse lets through.
#[inline(never)]
pub fn refuse_early(buf: &[u8]) -> Option<Reject> {
  // One httparse call site (parse_head's) keeps it inlined on the hot path.
  let mut table = [MaybeUninit::uninit(); MAX_HEADERS];
  if let HeadStatus::Invalid(reject) = parse_head(buf, &mut table) {
    return Some(reject);
  }
  // The target so far: after the method's space, up to the next space.
  let line = &buf[..memchr(b'\r', buf).unwrap_or(buf.len())];
  let target_start = line.iter().position(|&b| b == b' ')? + 1;
  let target = &line[target_start..];
  let target = &target[..target.iter().position(|&b| b == b' ').unwrap_or(target.len())];
  (!is_target(target)).then_some(BAD_TARGET_BYTE)
}

#[cfg(test)]
mod tests;
