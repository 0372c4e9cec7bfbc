//! The chunked transfer coding (RFC 9112 §7.1), as a pure function of the
//! bytes received so far.
//!
//! ```text
//! chunked-body   = *chunk last-chunk trailer-section CRLF
//! chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-size     = 1*HEXDIG
//! last-chunk     = 1*("0") [ chunk-ext ] CRLF
//! chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! trailer-section = *( field-line CRLF )
//! ```
//!
//! The walk can resume from the last complete chunk it saw (`ChunkedProgress`),
//! so a large body arriving in many reads is scanned once, not once per read.
//! Line endings must be CRLF: a lenient chunk parser is a classic smuggling
//! vector, so bare LF and bare CR are refused.

use crate::head::Reject;

/// Where a previous walk stopped: always at the start of a chunk-size line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChunkedProgress {
  /// Offset in the body bytes of the next chunk-size line.
  pub offset: usize,
  /// Decoded body bytes before that offset.
  pub body_len: u64,
}

/// The outcome of walking a chunked body.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkedStatus {
  /// More bytes are needed; resume from here next time.
  Partial(ChunkedProgress),
  /// The body is complete: `consumed` encoded bytes, `body_len` decoded bytes.
  Complete {
    /// Encoded bytes, the trailer section's blank line included.
    consumed: usize,
    /// Decoded bytes.
    body_len: u64,
  },
  /// Malformed: refuse with this.
  Invalid(Reject),
}

/// Where decoded body bytes go: the request arena or a heap vector.
pub trait ByteSink {
  fn put(&mut self, bytes: &[u8]);
}

impl ByteSink for Vec<u8> {
  fn put(&mut self, bytes: &[u8]) {
    self.extend_from_slice(bytes);
  }
}

impl ByteSink for bumpalo::collections::Vec<'_, u8> {
  fn put(&mut self, bytes: &[u8]) {
    self.extend_from_slice(bytes);
  }
}

/// Longest chunk-size line, extensions included, and longest trailer section
/// we accept: both are metadata, never payload.
const MAX_CHUNK_LINE: usize = 4096;
const MAX_TRAILER_SECTION: usize = 8192;

/// Walks a chunked body in `encoded` from `from`. With a `sink`, the chunk
/// data is written to it (call it once, on a body known to be complete).
/// `max_body` bounds the decoded size: past it the answer is 413.
pub fn walk_chunked(
  encoded: &[u8],
  from: ChunkedProgress,
  max_body: u64,
  mut sink: Option<&mut dyn ByteSink>,
) -> ChunkedStatus {
  let mut progress = from;
  loop {
    let line_start = progress.offset;
    let (size, data_start) = match chunk_size_line(&encoded[line_start..]) {
      LineStatus::Partial => return ChunkedStatus::Partial(progress),
      LineStatus::Invalid(reject) => return ChunkedStatus::Invalid(reject),
      LineStatus::Complete { size, len } => (size, line_start + len),
    };
    if size == 0 {
      return match trailer_section(&encoded[data_start..]) {
        LineStatus::Partial => ChunkedStatus::Partial(progress),
        LineStatus::Invalid(reject) => ChunkedStatus::Invalid(reject),
        LineStatus::Complete { len, .. } => ChunkedStatus::Complete {
          consumed: data_start + len,
          body_len: progress.body_len,
        },
      };
    }
    let body_len = match progress.body_len.checked_add(size) {
      Some(total) if total <= max_body => total,
      _ => return ChunkedStatus::Invalid(Reject::new(413, "chunked body exceeds maxBodySize")),
    };
    let data_end = match usize::try_from(size).ok().and_then(|s| data_start.checked_add(s)) {
      Some(end) => end,
      None => return ChunkedStatus::Invalid(Reject::new(413, "chunk too large")),
    };
    if encoded.len() < data_end + 2 {
      // Even when the data is there, the CRLF after it must be seen before
      // the chunk counts; check what has arrived of it already.
      if encoded.len() > data_end && encoded[data_end] != b'\r'
        || encoded.len() > data_end + 1 && encoded[data_end + 1] != b'\n'
      {
        return ChunkedStatus::Invalid(Reject::bad_request("chunk data not followed by CRLF"));
      }
      return ChunkedStatus::Partial(progress);
    }
    if &encoded[data_end..data_end + 2] != b"\r\n" {
      return ChunkedStatus::Invalid(Reject::bad_request("chunk data not followed by CRLF"));
    }
    if let Some(sink) = sink.as_deref_mut() {
      sink.put(&encoded[data_start..data_end]);
    }
    progress = ChunkedProgress {
      offset: data_end + 2,
      body_len,
    };
  }
}

/// A chunked body decoded as it arrives, for bodies streamed to the
/// embedder: unlike `walk_chunked`, chunk data is passed on before the whole
/// chunk is in, so a single huge chunk never has to fit in memory.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChunkedDecoder {
  state: DecoderState,
  /// Decoded bytes so far.
  pub body_len: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum DecoderState {
  #[default]
  SizeLine,
  Data {
    remaining: u64,
  },
  DataEnd,
  Trailers,
  Done,
}

/// What one `ChunkedDecoder::decode` step did.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeStep {
  /// `consumed` encoded bytes were used (the caller drops them); `done`
  /// once the last chunk and the trailer section are through.
  Progress {
    consumed: usize,
    done: bool,
  },
  Invalid(Reject),
}

impl ChunkedDecoder {
  pub fn is_done(&self) -> bool {
    self.state == DecoderState::Done
  }

  /// Decodes from `encoded` (the bytes after those consumed so far), writing
  /// at most `room` data bytes to `sink`. `max_body` bounds the decoded size.
  pub fn decode(&mut self, encoded: &[u8], room: usize, max_body: u64, sink: &mut dyn ByteSink) -> DecodeStep {
    let mut at = 0;
    let mut room = room;
    loop {
      let rest = &encoded[at..];
      match self.state {
        DecoderState::Done => break,
        DecoderState::SizeLine => match chunk_size_line(rest) {
          LineStatus::Partial => break,
          LineStatus::Invalid(reject) => return DecodeStep::Invalid(reject),
          LineStatus::Complete { size, len } => {
            at += len;
            if size == 0 {
              self.state = DecoderState::Trailers;
            } else if self.body_len.checked_add(size).is_none_or(|total| total > max_body) {
              return DecodeStep::Invalid(Reject::new(413, "chunked body exceeds maxBodySize"));
            } else {
              self.state = DecoderState::Data { remaining: size };
            }
          }
        },
        DecoderState::Data { remaining } => {
          let n = (remaining.min(rest.len() as u64) as usize).min(room);
          if n == 0 {
            break;
          }
          sink.put(&rest[..n]);
          at += n;
          room -= n;
          self.body_len += n as u64;
          self.state = if remaining == n as u64 {
            DecoderState::DataEnd
          } else {
            DecoderState::Data {
              remaining: remaining - n as u64,
            }
          };
        }
        DecoderState::DataEnd => {
          if rest.len() < 2 {
            if rest.first().is_some_and(|&b| b != b'\r') {
              return DecodeStep::Invalid(Reject::bad_request("chunk data not followed by CRLF"));
            }
            break;
          }
          if &rest[..2] != b"\r\n" {
            return DecodeStep::Invalid(Reject::bad_request("chunk data not followed by CRLF"));
          }
          at += 2;
          self.state = DecoderState::SizeLine;
        }
        DecoderState::Trailers => match trailer_section(rest) {
          LineStatus::Partial => break,
          LineStatus::Invalid(reject) => return DecodeStep::Invalid(reject),
          LineStatus::Complete { len, .. } => {
            at += len;
            self.state = DecoderState::Done;
          }
        },
      }
    }
    DecodeStep::Progress {
      consumed: at,
      done: self.is_done(),
    }
  }
}

enum LineStatus {
  Partial,
  Complete { size: u64, len: usize },
  Invalid(Reject),
}

/// `chunk-size [ chunk-ext ] CRLF`: the size in hex, extensions ignored but
/// checked for characters that have no business in them.
fn chunk_size_line(bytes: &[u8]) -> LineStatus {
  let mut size: u64 = 0;
  let mut digits = 0;
  let mut i = 0;
  while i < bytes.len() {
    let b = bytes[i];
    let digit = match b {
      b'0'..=b'9' => b - b'0',
      b'a'..=b'f' => b - b'a' + 10,
      b'A'..=b'F' => b - b'A' + 10,
      _ => break,
    };
    // Shifting in one more hex digit would lose the top bits.
    if size > (u64::MAX >> 4) {
      return LineStatus::Invalid(Reject::bad_request("chunk size overflows"));
    }
    size = (size << 4) | u64::from(digit);
    digits += 1;
    i += 1;
  }
  if i == bytes.len() {
    return partial_or_too_long(i);
  }
  if digits == 0 {
    return LineStatus::Invalid(Reject::bad_request("invalid chunk size"));
  }
  // After the size, exactly RFC 9112 §7.1.1 (BWS only where the grammar has
  // it, so "5 " and "5;" and "5 a" are not chunk lines), then CRLF.
  let i = match chunk_extensions(bytes, i) {
    Ok(end) if end > MAX_CHUNK_LINE => return too_long(),
    Ok(end) => end,
    Err(status) => return status,
  };
  match bytes.get(i + 1) {
    None => partial_or_too_long(i),
    Some(b'\n') => LineStatus::Complete { size, len: i + 2 },
    Some(_) => LineStatus::Invalid(Reject::bad_request("bare CR in chunk line")),
  }
}

/// Walks `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )` from `i` and
/// returns where the CR that ends the line is.
///
/// ```text
/// ext-name  = token
/// ext-val   = token / quoted-string
/// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
/// qdtext    = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
/// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
/// ```
fn chunk_extensions(bytes: &[u8], mut i: usize) -> Result<usize, LineStatus> {
  let invalid = || LineStatus::Invalid(Reject::bad_request("invalid chunk extension"));
  loop {
    let before_ws = i;
    i = skip_bws(bytes, i)?;
    match bytes[i] {
      b'\r' if i == before_ws => return Ok(i),
      b';' => {}
      _ => return Err(invalid()),
    }
    i = skip_bws(bytes, i + 1)?;
    let name_end = skip_token(bytes, i)?;
    if name_end == i {
      return Err(invalid());
    }
    let after_name = skip_bws(bytes, name_end)?;
    if bytes[after_name] != b'=' {
      // No value: what follows the name is judged by the next round.
      i = name_end;
      continue;
    }
    i = skip_bws(bytes, after_name + 1)?;
    i = if bytes[i] == b'"' {
      quoted_string_end(bytes, i + 1)?
    } else {
      let value_end = skip_token(bytes, i)?;
      if value_end == i {
        return Err(invalid());
      }
      value_end
    };
  }
}

/// The offset of the first byte from `i` that is not SP or HTAB, which
/// must have arrived (else: wait for it).
fn skip_bws(bytes: &[u8], mut i: usize) -> Result<usize, LineStatus> {
  while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
    i += 1;
  }
  present(bytes, i)
}

/// The offset of the first byte from `i` that is not a `tchar`.
fn skip_token(bytes: &[u8], mut i: usize) -> Result<usize, LineStatus> {
  while i < bytes.len() && is_tchar(bytes[i]) {
    i += 1;
  }
  present(bytes, i)
}

/// The offset just past the closing quote of a quoted-string whose opening
/// quote is before `i`.
fn quoted_string_end(bytes: &[u8], mut i: usize) -> Result<usize, LineStatus> {
  loop {
    let b = bytes[present(bytes, i)?];
    match b {
      b'"' => return Ok(i + 1),
      b'\\' => {
        let escaped = bytes[present(bytes, i + 1)?];
        if !(escaped == b'\t' || escaped >= 0x20 && escaped != 0x7f) {
          return Err(LineStatus::Invalid(Reject::bad_request(
            "invalid quoted-pair in chunk extension",
          )));
        }
        i += 2;
      }
      b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff => i += 1,
      _ => {
        return Err(LineStatus::Invalid(Reject::bad_request(
          "invalid byte in a quoted chunk extension",
        )))
      }
    }
  }
}

/// `Ok(i)` when byte `i` has arrived; otherwise wait for more, unless the
/// line is already longer than a chunk line may be.
fn present(bytes: &[u8], i: usize) -> Result<usize, LineStatus> {
  if i < bytes.len() {
    Ok(i)
  } else {
    Err(partial_or_too_long(i))
  }
}

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
///          "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA` (RFC 9110 §5.6.2)
pub(crate) fn is_tchar(b: u8) -> bool {
  b.is_ascii_alphanumeric()
    || matches!(
      b,
      b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
    )
}

/// The line ran out of bytes after `len` of them: wait for more, unless it
/// is already longer than any chunk line may be.
fn partial_or_too_long(len: usize) -> LineStatus {
  if len > MAX_CHUNK_LINE {
    too_long()
  } else {
    LineStatus::Partial
  }
}

fn too_long() -> LineStatus {
  LineStatus::Invalid(Reject::bad_request("chunk line too long"))
}

/// `trailer-section CRLF`: header lines (discarded) and the final blank line.
fn trailer_section(bytes: &[u8]) -> LineStatus {
  let mut line_start = 0;
  loop {
    let mut i = line_start;
    while i < bytes.len() && bytes[i] != b'\r' {
      let b = bytes[i];
      if b == b'\n' || (b < 0x20 && b != b'\t') || b == 0x7f {
        return LineStatus::Invalid(Reject::bad_request("invalid trailer field"));
      }
      i += 1;
    }
    if i > MAX_TRAILER_SECTION {
      return LineStatus::Invalid(Reject::new(431, "trailer section too large"));
    }
    match (bytes.get(i), bytes.get(i + 1)) {
      (None, _) | (Some(_), None) => return LineStatus::Partial,
      (Some(b'\r'), Some(b'\n')) => {}
      _ => return LineStatus::Invalid(Reject::bad_request("bare CR in trailer section")),
    }
    if i == line_start {
      return LineStatus::Complete { size: 0, len: i + 2 };
    }
    // field-line = field-name ":" OWS field-value OWS, field-name = token.
    let line = &bytes[line_start..i];
    let name_len = line.iter().position(|&b| !is_tchar(b)).unwrap_or(line.len());
    if name_len == 0 || line.get(name_len) != Some(&b':') {
      return LineStatus::Invalid(Reject::bad_request("invalid trailer field"));
    }
    line_start = i + 2;
  }
}

#[cfg(test)]
mod tests;
