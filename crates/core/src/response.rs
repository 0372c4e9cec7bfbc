//! Answers from the embedder, and the responses the engine writes itself.
//!
//! The embedder sends all answers of one JavaScript tick in ONE buffer of
//! records, laid out as `wire` says (`RECORD_HEADER_LEN`, `KIND_*`).

use crate::batch::RequestId;
use crate::wire::{FILE_META_LEN, KIND_EXTERNAL, RECORD_HEADER_LEN};

/// The file part of a `KIND_FILE` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
  /// The embedder's open descriptor (the engine duplicates it).
  pub fd: i32,
  /// Where in the file the body starts.
  pub offset: u64,
  /// How many bytes of the file the body is.
  pub length: u64,
}

impl FileMeta {
  /// Splits a `KIND_FILE` payload into its file description and head.
  pub fn split(payload: &[u8]) -> Option<(FileMeta, &[u8])> {
    if payload.len() < FILE_META_LEN {
      return None;
    }
    let fd = i32::from_le_bytes(payload[0..4].try_into().unwrap());
    let offset = u64::from_le_bytes(payload[4..12].try_into().unwrap());
    let length = u64::from_le_bytes(payload[12..20].try_into().unwrap());
    Some((FileMeta { fd, offset, length }, &payload[FILE_META_LEN..]))
  }

  /// The payload of a `KIND_FILE` answer.
  pub fn payload(&self, head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FILE_META_LEN + head.len());
    out.extend_from_slice(&self.fd.to_le_bytes());
    out.extend_from_slice(&self.offset.to_le_bytes());
    out.extend_from_slice(&self.length.to_le_bytes());
    out.extend_from_slice(head);
    out
  }
}

/// One answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer<'a> {
  pub id: RequestId,
  pub kind: u32,
  pub bytes: &'a [u8],
}

/// Walks the records of an answer buffer; a truncated record ends the walk.
pub fn answers(records: &[u8]) -> impl Iterator<Item = Answer<'_>> {
  answers_with_externals(records, &[])
}

/// Walks records whose payload may live outside the buffer: a record with
/// `KIND_EXTERNAL` is a header alone, its `len` bytes are the next of
/// `externals` (large bodies the embedder did not copy into `records`). The
/// answers it yields have the `EXTERNAL` bit cleared. A truncated or
/// inconsistent record ends the walk.
pub fn answers_with_externals<'a>(
  mut records: &'a [u8],
  externals: &'a [&'a [u8]],
) -> impl Iterator<Item = Answer<'a>> {
  let mut externals = externals.iter();
  std::iter::from_fn(move || {
    if records.len() < RECORD_HEADER_LEN {
      return None;
    }
    let word = |i: usize| u32::from_le_bytes(records[i * 4..i * 4 + 4].try_into().unwrap());
    let id = RequestId {
      conn: word(0),
      generation: word(1),
      seq: word(2),
    };
    let kind = word(3);
    let len = word(4) as usize;
    let rest = &records[RECORD_HEADER_LEN..];
    if kind & KIND_EXTERNAL != 0 {
      match externals.next() {
        Some(bytes) if bytes.len() == len => {
          records = rest;
          return Some(Answer {
            id,
            kind: kind & !KIND_EXTERNAL,
            bytes,
          });
        }
        _ => {
          records = &[];
          return None;
        }
      }
    }
    if rest.len() < len {
      records = &[];
      return None;
    }
    let answer = Answer {
      id,
      kind,
      bytes: &rest[..len],
    };
    records = &rest[padded_len(len).min(rest.len())..];
    Some(answer)
  })
}

/// Bytes at the start of `records` that form whole records.
pub fn whole_records_len(records: &[u8]) -> usize {
  answers(records)
    .map(|answer| record_len(answer.bytes.len()))
    .sum::<usize>()
    .min(records.len())
}

/// Appends one answer record (the embedder's side of the format; used by
/// tests and by embedders written in Rust).
pub fn push_answer(records: &mut Vec<u8>, id: RequestId, kind: u32, bytes: &[u8]) {
  for word in [id.conn, id.generation, id.seq, kind, bytes.len() as u32] {
    records.extend_from_slice(&word.to_le_bytes());
  }
  records.extend_from_slice(bytes);
  records.resize(records.len() + padded_len(bytes.len()) - bytes.len(), 0);
}

/// A record's payload length rounded up to the 4-byte alignment.
pub fn padded_len(len: usize) -> usize {
  (len + 3) & !3
}

/// Bytes one record with a payload of `len` takes in the buffer.
pub fn record_len(len: usize) -> usize {
  RECORD_HEADER_LEN + padded_len(len)
}

/// Whether a verbatim response asks for the connection to close: a
/// `Connection` header in its head (not its body) listing `close`.
pub fn raw_response_closes(response: &[u8]) -> bool {
  let head_end = raw_head_len(response);
  response[..head_end].split(|&b| b == b'\n').skip(1).any(|line| {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(colon) = line.iter().position(|&b| b == b':') else {
      return false;
    };
    line[..colon].eq_ignore_ascii_case(b"connection")
      && line[colon + 1..]
        .split(|&b| b == b',')
        .any(|token| crate::head::trim_ows(token).eq_ignore_ascii_case(b"close"))
  })
}

/// Length of a verbatim response's head, its blank line included (the whole
/// response when no blank line is in it). The embedder's own bytes may end
/// lines with a bare LF; we read them as generously as a client would.
pub fn raw_head_len(response: &[u8]) -> usize {
  let mut gate = HeadEnd::default();
  gate.find(response).unwrap_or(response.len())
}

/// The status code at the start of a verbatim response (`HTTP/1.1 204 …`).
pub fn raw_status(response: &[u8]) -> Option<u16> {
  match response {
    [b'H', b'T', b'T', b'P', b'/', _, b'.', _, b' ', a, b, c, ..]
      if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() =>
    {
      Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
    }
    _ => None,
  }
}

/// The no-body rule, in one place for every answer form (verbatim, framed,
/// file, streamed): the answer to HEAD, and every 1xx, 204 and 304 answer,
/// end with their head (RFC 9110 §6.4.1, §9.3.2; RFC 9112 §6.3). Whatever an
/// embedder puts after such a head is dropped here, so a handler that
/// answers HEAD like GET cannot desync the client. An interim 1xx head may be
/// followed by the next response's head (`103` then `200`), which is let
/// through and judged in turn; after `101 Switching Protocols` the bytes
/// belong to the new protocol and all go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyGate {
  head_request: bool,
  state: GateState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GateState {
  /// Before or inside a response head; `status` once its line was read.
  Head {
    status: Option<u16>,
    started: bool,
    end: HeadEnd,
  },
  Body,
  Dropping,
}

impl BodyGate {
  /// A gate for the answer to a request (`head_request`: its method was HEAD).
  pub fn new(head_request: bool) -> Self {
    BodyGate {
      head_request,
      state: GateState::Head {
        status: None,
        started: false,
        end: HeadEnd::default(),
      },
    }
  }

  /// Whether the rest of the answer is being dropped (a file body then stays
  /// unsent).
  pub fn drops_body(&self) -> bool {
    self.state == GateState::Dropping
  }

  /// How many bytes at the start of `piece`, the next bytes of the answer,
  /// go on the wire (the rest is a body the answer cannot have).
  pub fn admit(&mut self, piece: &[u8]) -> usize {
    let mut at = 0;
    loop {
      match &mut self.state {
        GateState::Body => return piece.len(),
        GateState::Dropping => return at,
        GateState::Head { status, started, end } => {
          if !*started {
            *started = true;
            *status = raw_status(&piece[at..]);
            let may_have_body = !self.head_request && matches!(*status, Some(s) if s >= 200 && s != 204 && s != 304);
            if may_have_body {
              // The common case decides at once: no scan for the head's end.
              self.state = GateState::Body;
              continue;
            }
          }
          let Some(head_len) = end.find(&piece[at..]) else {
            return piece.len();
          };
          at += head_len;
          self.state = match *status {
            Some(101) => GateState::Body,
            Some(100..=199) => BodyGate::new(self.head_request).state,
            Some(204 | 304) => GateState::Dropping,
            _ if self.head_request => GateState::Dropping,
            _ => GateState::Body,
          };
        }
      }
    }
  }
}

/// Finds the blank line that ends a head across pieces: remembers the last
/// bytes seen, so "\r\n" + "\r\n" split over two pieces is found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct HeadEnd {
  /// The last (up to) three bytes before the next piece, oldest first in the
  /// high bytes.
  tail: u32,
}

impl HeadEnd {
  /// The length of `piece` up to and including the head's blank line
  /// ("\r\n\r\n" or "\n\n"), if it is in this piece.
  fn find(&mut self, piece: &[u8]) -> Option<usize> {
    let mut window = self.tail;
    let mut from = 0;
    for lf in memchr::memchr_iter(b'\n', piece) {
      for &b in &piece[from..=lf] {
        window = (window << 8) | u32::from(b);
      }
      from = lf + 1;
      if window == 0x0d0a_0d0a || window & 0xffff == 0x0a0a {
        self.tail = 0;
        return Some(lf + 1);
      }
    }
    for &b in &piece[from..] {
      window = (window << 8) | u32::from(b);
    }
    self.tail = window & 0x00ff_ffff;
    None
  }
}

/// Appends the head of a `200 OK` around a body of `body_len` bytes.
pub fn write_body_head(
  out: &mut Vec<u8>,
  date: &[u8],
  content_type: &str,
  body_len: usize,
  connection: ConnectionHeader,
) {
  out.extend_from_slice(b"HTTP/1.1 200 OK\r\nDate: ");
  out.extend_from_slice(date);
  out.extend_from_slice(b"\r\nContent-Type: ");
  out.extend_from_slice(content_type.as_bytes());
  out.extend_from_slice(b"\r\nContent-Length: ");
  push_decimal(out, body_len);
  out.extend_from_slice(match connection {
    ConnectionHeader::None => b"\r\n\r\n".as_slice(),
    ConnectionHeader::Close => b"\r\nConnection: close\r\n\r\n",
    ConnectionHeader::KeepAlive => b"\r\nConnection: keep-alive\r\n\r\n",
  });
}

/// Which `Connection` header a framed response needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionHeader {
  /// HTTP/1.1 default: stays open.
  None,
  /// `Connection: close`: the connection closes after this response.
  Close,
  /// An HTTP/1.0 client that asked to keep the connection open.
  KeepAlive,
}

/// A complete error response the engine sends on its own.
pub fn error_response(status: u16, detail: &str, date: &[u8], close: bool) -> Vec<u8> {
  let reason = reason_phrase(status);
  let body = format!("{status} {reason}: {detail}\n");
  let mut out = Vec::with_capacity(160 + body.len());
  out.extend_from_slice(format!("HTTP/1.1 {status} {reason}\r\nDate: ").as_bytes());
  out.extend_from_slice(date);
  out.extend_from_slice(b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
  push_decimal(&mut out, body.len());
  out.extend_from_slice(if close {
    b"\r\nConnection: close\r\n\r\n".as_slice()
  } else {
    b"\r\n\r\n"
  });
  out.extend_from_slice(body.as_bytes());
  out
}

/// `100 Continue`, the interim answer to `Expect: 100-continue`.
pub const CONTINUE_RESPONSE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// The reason phrase of every status code either side frames, the one table
/// of them: the engine's error answers read it here, and the TypeScript layer
/// reads it once through the binding (`reasonPhrases`) for the heads it frames.
/// Sorted by code.
pub const REASON_PHRASES: &[(u16, &str)] = &[
  (100, "Continue"),
  (101, "Switching Protocols"),
  (103, "Early Hints"),
  (200, "OK"),
  (201, "Created"),
  (202, "Accepted"),
  (204, "No Content"),
  (206, "Partial Content"),
  (301, "Moved Permanently"),
  (302, "Found"),
  (303, "See Other"),
  (304, "Not Modified"),
  (307, "Temporary Redirect"),
  (308, "Permanent Redirect"),
  (400, "Bad Request"),
  (401, "Unauthorized"),
  (403, "Forbidden"),
  (404, "Not Found"),
  (405, "Method Not Allowed"),
  (408, "Request Timeout"),
  (409, "Conflict"),
  (410, "Gone"),
  (413, "Content Too Large"),
  (415, "Unsupported Media Type"),
  (416, "Range Not Satisfiable"),
  (417, "Expectation Failed"),
  (422, "Unprocessable Content"),
  (429, "Too Many Requests"),
  (431, "Request Header Fields Too Large"),
  (500, "Internal Server Error"),
  (501, "Not Implemented"),
  (502, "Bad Gateway"),
  (503, "Service Unavailable"),
  (504, "Gateway Timeout"),
  (505, "HTTP Version Not Supported"),
];

/// The reason phrase for `status`; a code the table lacks gets `Status`
/// (clients ignore the phrase, RFC 9112 §4).
pub fn reason_phrase(status: u16) -> &'static str {
  REASON_PHRASES
    .binary_search_by_key(&status, |&(code, _)| code)
    .map_or("Status", |i| REASON_PHRASES[i].1)
}

fn push_decimal(out: &mut Vec<u8>, mut value: usize) {
  let mut digits = [0u8; 20];
  let mut i = digits.len();
  loop {
    i -= 1;
    digits[i] = b'0' + (value % 10) as u8;
    value /= 10;
    if value == 0 {
      break;
    }
  }
  out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::wire::{CONTENT_TYPES, KIND_BODY, KIND_CLOSE, KIND_RAW};

  #[test]
  fn records_round_trip() {
    let mut records = Vec::new();
    let a = RequestId {
      conn: 1,
      generation: 2,
      seq: 3,
    };
    let b = RequestId {
      conn: 4,
      generation: 5,
      seq: 6,
    };
    push_answer(&mut records, a, KIND_RAW, b"HTTP/1.1 204 No Content\r\n\r\n");
    push_answer(&mut records, b, KIND_BODY | KIND_CLOSE, b"hi");
    assert_eq!(records.len() % 4, 0, "records stay 4-byte aligned");
    let all: Vec<_> = answers(&records).collect();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, a);
    assert_eq!(all[1].bytes, b"hi");
    assert_eq!(all[1].kind & KIND_CLOSE, KIND_CLOSE);
    // A truncated buffer yields only the whole records.
    assert_eq!(answers(&records[..records.len() - 3]).count(), 1);
    assert_eq!(whole_records_len(&records[..records.len() - 3]), record_len(27));
    assert_eq!(whole_records_len(&records), records.len());
  }

  #[test]
  fn external_payloads_are_taken_in_order() {
    let mut records = Vec::new();
    let a = RequestId {
      conn: 1,
      generation: 0,
      seq: 0,
    };
    for word in [a.conn, a.generation, a.seq, KIND_BODY | KIND_EXTERNAL, 5] {
      records.extend_from_slice(&word.to_le_bytes());
    }
    push_answer(&mut records, a, KIND_RAW, b"inline");
    let all: Vec<_> = answers_with_externals(&records, &[b"large"]).collect();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].kind, all[0].bytes), (KIND_BODY, &b"large"[..]));
    assert_eq!(all[1].bytes, b"inline");
    // A missing or mismatched external ends the walk.
    assert_eq!(answers_with_externals(&records, &[]).count(), 0);
    assert_eq!(answers_with_externals(&records, &[b"lar"]).count(), 0);
  }

  #[test]
  fn connection_close_is_read_from_the_head_only() {
    assert!(raw_response_closes(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"));
    assert!(raw_response_closes(
      b"HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE\r\n\r\nx"
    ));
    assert!(!raw_response_closes(
      b"HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nConnection: close\r\n"
    ));
    assert!(!raw_response_closes(b"HTTP/1.1 200 OK\r\n\r\n"));
  }

  fn on_wire(head_request: bool, pieces: &[&[u8]]) -> Vec<u8> {
    let mut gate = BodyGate::new(head_request);
    pieces
      .iter()
      .flat_map(|piece| piece[..gate.admit(piece)].to_vec())
      .collect()
  }

  #[test]
  fn answers_that_cannot_have_a_body_end_with_their_head() {
    let get = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(on_wire(false, &[get]), get);
    assert_eq!(on_wire(true, &[get]), &get[..get.len() - 5]);
    let no_content = b"HTTP/1.1 204 No Content\r\n\r\nsneaky";
    assert_eq!(on_wire(false, &[no_content]), &no_content[..no_content.len() - 6]);
    let not_modified = b"HTTP/1.1 304 Not Modified\nETag: x\n\nbody";
    assert_eq!(on_wire(false, &[not_modified]), &not_modified[..not_modified.len() - 4]);
    // Split anywhere, the same bytes go out.
    for split in 0..get.len() {
      assert_eq!(
        on_wire(true, &[&get[..split], &get[split..]]),
        &get[..get.len() - 5],
        "split {split}"
      );
    }
    // Interim answers let the final one through, which is judged in turn.
    let hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    assert_eq!(on_wire(false, &[hints]), hints);
    assert_eq!(on_wire(true, &[hints]), &hints[..hints.len() - 2]);
    let upgrade = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nframes";
    assert_eq!(on_wire(true, &[upgrade]), upgrade);
    assert_eq!(raw_status(b"HTTP/1.1 404 Not Found\r\n"), Some(404));
    assert_eq!(raw_status(b"HTTP/1.1 4"), None);
    assert_eq!(raw_head_len(b"HTTP/1.1 200 OK\r\n\r\nbody"), 19);
  }

  #[test]
  fn reason_phrases_are_sorted_and_found() {
    assert!(REASON_PHRASES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
    assert_eq!(reason_phrase(299), "Status");
  }

  #[test]
  fn body_head_has_the_length() {
    let mut out = Vec::new();
    write_body_head(&mut out, b"D", CONTENT_TYPES[0], 1234, ConnectionHeader::Close);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(text.contains("\r\nContent-Length: 1234\r\n"));
    assert!(text.ends_with("Connection: close\r\n\r\n"));
  }
}
