//! Framing: where one request ends and the next begins in the bytes a
//! connection has received, whatever way they were split into reads.
//!
//! A pure function of the bytes so far plus a small `FrameProgress` that lets
//! it resume without rescanning (V's framing is tested the same way: feed
//! every prefix, expect "incomplete" until the last byte).

use std::mem::MaybeUninit;

use crate::chunked::{walk_chunked, ByteSink, ChunkedProgress, ChunkedStatus};
use crate::head::{
  parse_head, refuse_early, scan_head, BodyFraming, HeadScan, HeadStatus, Reject, RequestHead, MAX_HEADERS,
  TOO_MANY_HEADERS,
};
use crate::span::Span;

/// The limits framing enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
  /// Longest request head (request line + fields), V's `max_request_buffer_size`.
  pub max_head: usize,
  /// Longest body, decoded.
  pub max_body: u64,
  /// Bodies longer than this are streamed to the embedder as they arrive
  /// instead of being buffered whole (`u64::MAX`: never).
  pub stream_body_over: u64,
  /// Let CONNECT reach the embedder (only a takeover can then accept it);
  /// otherwise it is answered 501: a 2xx to CONNECT makes the connection a
  /// tunnel (RFC 9110 §9.3.6), which no other answer form can honour.
  pub allow_connect: bool,
}

/// What framing learned about the request at the front of the buffer, kept
/// between reads.
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameProgress {
  /// Bytes already searched for the end of the head.
  head_scanned: usize,
  /// The head, once complete.
  pub head: Option<RequestHead>,
  chunked: ChunkedProgress,
}

/// The outcome of framing the bytes at the front of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameStatus {
  /// Read more. `head` says whether the head is already complete (for
  /// `Expect: 100-continue`).
  Partial,
  /// One whole request: its head and its (still encoded) body.
  Complete(FramedRequest),
  /// A head whose body is too large to buffer (`Limits::stream_body_over`):
  /// the body follows the head's `len` bytes and is streamed.
  StreamBody(RequestHead),
  /// The bytes can never become an acceptable request: refuse with this.
  Invalid(Reject),
}

/// One whole request found in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramedRequest {
  /// Its parsed head.
  pub head: RequestHead,
  /// The body as it sits in the buffer (chunked encoding included).
  pub body: Span,
  /// Bytes this request occupies in the buffer, leading empty lines included.
  pub len: usize,
}

impl FramedRequest {
  /// Whether the body is chunked (it is then decoded by `decode_body`).
  pub fn is_chunked(&self) -> bool {
    self.head.body == BodyFraming::Chunked
  }
}

/// Scratch space for the header index, handed out per parse attempt: the
/// request arena, or the heap when the arena is off. Uninitialised: httparse
/// writes the slots it fills (clearing 32 slots per request was 7% of the
/// CPU under pipelined load).
pub trait HeaderTables<'b> {
  /// Room for `len` headers.
  fn table(&mut self, len: usize) -> &mut [MaybeUninit<httparse::Header<'b>>];
}

impl<'b> HeaderTables<'b> for &bumpalo::Bump {
  #[inline]
  fn table(&mut self, len: usize) -> &mut [MaybeUninit<httparse::Header<'b>>] {
    // Filling with `uninit()` writes nothing: only the bump pointer moves.
    self.alloc_slice_fill_copy(len, MaybeUninit::uninit())
  }
}

impl<'b> HeaderTables<'b> for Vec<MaybeUninit<httparse::Header<'b>>> {
  fn table(&mut self, len: usize) -> &mut [MaybeUninit<httparse::Header<'b>>] {
    if self.len() < len {
      self.resize(len, MaybeUninit::uninit());
    }
    &mut self[..len]
  }
}

/// Header slots tried first: enough for nearly every real request (browsers
/// send about 15) while taking a third of `MAX_HEADERS`' arena room. More
/// fields parse again with `MAX_HEADERS` slots.
pub const FEW_HEADERS: usize = 32;

/// Frames the request at the start of `buf`. `tables` gives the scratch space
/// of the header index, only when a complete head is to be parsed.
pub fn frame_request<'b>(
  buf: &'b [u8],
  limits: Limits,
  progress: &mut FrameProgress,
  tables: &mut dyn HeaderTables<'b>,
) -> FrameStatus {
  let head = match progress.head {
    Some(head) => head,
    None => {
      // Look for the blank line first: a head trickling in byte by byte
      // is then parsed once, not once per read.
      let from = progress.head_scanned.saturating_sub(3);
      match scan_head(buf, from) {
        HeadScan::Complete(_) => {}
        HeadScan::Invalid(reject) => return FrameStatus::Invalid(reject),
        HeadScan::Incomplete => {
          progress.head_scanned = buf.len();
          if let Some(reject) = refuse_early(buf) {
            return FrameStatus::Invalid(reject);
          }
          return if buf.len() > limits.max_head {
            FrameStatus::Invalid(Reject::new(431, "request head exceeds maxRequestBufferSize"))
          } else {
            FrameStatus::Partial
          };
        }
      }
      let mut status = parse_head(buf, tables.table(FEW_HEADERS));
      if matches!(status, HeadStatus::Invalid(reject) if reject == TOO_MANY_HEADERS) {
        status = parse_head(buf, tables.table(MAX_HEADERS));
      }
      match status {
        HeadStatus::Partial => {
          progress.head_scanned = buf.len();
          return if buf.len() > limits.max_head {
            FrameStatus::Invalid(Reject::new(431, "request head exceeds maxRequestBufferSize"))
          } else {
            FrameStatus::Partial
          };
        }
        HeadStatus::Invalid(reject) => return FrameStatus::Invalid(reject),
        HeadStatus::Complete(head) => {
          if head.len - head.start > limits.max_head {
            return FrameStatus::Invalid(Reject::new(431, "request head exceeds maxRequestBufferSize"));
          }
          if head.is_connect {
            if !limits.allow_connect {
              return FrameStatus::Invalid(Reject::new(501, "CONNECT is not supported"));
            }
            if head.body != BodyFraming::None {
              // RFC 9110 §9.3.6: a CONNECT request has no content; what
              // follows its head is the tunnel's.
              return FrameStatus::Invalid(Reject::bad_request("CONNECT request with content"));
            }
          }
          progress.head = Some(head);
          head
        }
      }
    }
  };
  let body_start = head.len;
  match head.body {
    BodyFraming::None => complete(
      head,
      Span {
        start: body_start,
        len: 0,
      },
    ),
    BodyFraming::Length(length) => {
      if length > limits.max_body {
        return FrameStatus::Invalid(Reject::new(413, "Content-Length exceeds maxBodySize"));
      }
      if length > limits.stream_body_over {
        return FrameStatus::StreamBody(head);
      }
      let length = length as usize;
      if buf.len() - body_start < length {
        FrameStatus::Partial
      } else {
        complete(
          head,
          Span {
            start: body_start,
            len: length,
          },
        )
      }
    }
    BodyFraming::Chunked => match walk_chunked(&buf[body_start..], progress.chunked, limits.max_body, None) {
      ChunkedStatus::Partial(next) => {
        progress.chunked = next;
        if (buf.len() - body_start) as u64 > limits.stream_body_over {
          // Already more than is buffered whole: stream the rest.
          return FrameStatus::StreamBody(head);
        }
        // Chunk metadata (sizes, extensions, trailers) is not body, so the
        // decoded-size limit alone would let a peer buffer unbounded bytes
        // of it: bound the encoded size too.
        if (buf.len() - body_start) as u64 > max_encoded_chunked(limits.max_body) {
          FrameStatus::Invalid(Reject::new(413, "chunked encoding overhead too large"))
        } else {
          FrameStatus::Partial
        }
      }
      ChunkedStatus::Invalid(reject) => FrameStatus::Invalid(reject),
      ChunkedStatus::Complete { consumed, .. } => complete(
        head,
        Span {
          start: body_start,
          len: consumed,
        },
      ),
    },
  }
}

/// The most encoded bytes a chunked body of at most `max_body` decoded bytes
/// may take while it is still arriving: twice the body plus 1 MiB of framing.
pub fn max_encoded_chunked(max_body: u64) -> u64 {
  max_body.saturating_mul(2).saturating_add(1 << 20)
}

fn complete(head: RequestHead, body: Span) -> FrameStatus {
  FrameStatus::Complete(FramedRequest {
    head,
    body,
    len: body.end(),
  })
}

/// Writes the decoded body of a complete request to `sink`.
pub fn decode_body(buf: &[u8], request: &FramedRequest, sink: &mut dyn ByteSink) {
  let encoded = request.body.of_buf(buf);
  if request.is_chunked() {
    let status = walk_chunked(encoded, ChunkedProgress::default(), u64::MAX, Some(sink));
    debug_assert!(matches!(status, ChunkedStatus::Complete { .. }));
  } else {
    sink.put(encoded);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const LIMITS: Limits = Limits {
    max_head: 8192,
    max_body: 1 << 20,
    stream_body_over: u64::MAX,
    allow_connect: false,
  };

  /// Frames `buf` from scratch, as a connection that just received it would.
  fn frame(buf: &[u8]) -> FrameStatus {
    frame_request(buf, LIMITS, &mut FrameProgress::default(), &mut Vec::new())
  }

  /// Frames `buf` as it arrives one byte at a time, keeping progress.
  fn frame_bytewise(buf: &[u8]) -> (usize, FrameStatus) {
    let mut progress = FrameProgress::default();
    for end in 1..=buf.len() {
      let status = frame_request(&buf[..end], LIMITS, &mut progress, &mut Vec::new());
      if status != FrameStatus::Partial {
        return (end, status);
      }
    }
    (buf.len(), FrameStatus::Partial)
  }

  fn body_of(buf: &[u8], status: FrameStatus) -> Vec<u8> {
    match status {
      FrameStatus::Complete(request) => {
        let mut body = Vec::new();
        decode_body(buf, &request, &mut body);
        body
      }
      other => panic!("expected a complete request, got {other:?}"),
    }
  }

  const REQUESTS: [&[u8]; 4] = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello=world",
    b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    b"\r\nGET /old HTTP/1.0\r\n\r\n",
  ];

  #[test]
  fn every_prefix_is_incomplete_until_the_last_byte() {
    for raw in REQUESTS {
      for end in 0..raw.len() {
        assert_eq!(
          frame(&raw[..end]),
          FrameStatus::Partial,
          "{:?} cut at {end}",
          String::from_utf8_lossy(raw)
        );
      }
      match frame(raw) {
        FrameStatus::Complete(request) => assert_eq!(request.len, raw.len()),
        other => panic!("{other:?}"),
      }
      let (end, status) = frame_bytewise(raw);
      assert_eq!(end, raw.len());
      assert!(matches!(status, FrameStatus::Complete(r) if r.len == raw.len()));
    }
  }

  #[test]
  fn connect_is_answered_501_unless_allowed_and_then_ends_the_framing() {
    let tunnel = b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\x16\x03\x01 tls bytes";
    assert!(matches!(frame(tunnel), FrameStatus::Invalid(reject) if reject.status == 501));
    let allowed = Limits {
      allow_connect: true,
      ..LIMITS
    };
    match frame_request(tunnel, allowed, &mut FrameProgress::default(), &mut Vec::new()) {
      // The head alone: the bytes after it are the tunnel's, not a body.
      FrameStatus::Complete(request) => {
        assert_eq!(&tunnel[request.len..], b"\x16\x03\x01 tls bytes");
        assert!(request.head.is_connect && !request.head.keep_alive);
      }
      other => panic!("{other:?}"),
    }
    let with_content = b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\nContent-Length: 5\r\n\r\nhello";
    assert!(matches!(frame(with_content), FrameStatus::Invalid(reject) if reject.status == 501));
    assert!(matches!(
      frame_request(with_content, allowed, &mut FrameProgress::default(), &mut Vec::new()),
      FrameStatus::Invalid(reject) if reject.status == 400
    ));
  }

  #[test]
  fn bodies_are_decoded() {
    assert_eq!(body_of(REQUESTS[1], frame(REQUESTS[1])), b"hello=world");
    assert_eq!(body_of(REQUESTS[2], frame(REQUESTS[2])), b"abcde");
  }

  #[test]
  fn pipelined_requests_split_anywhere() {
    let stream: Vec<u8> = REQUESTS.iter().flat_map(|r| r.iter().copied()).collect();
    // Every way of cutting the stream in two reads yields the same requests.
    for cut in 0..=stream.len() {
      let mut received = Vec::new();
      let mut start = 0;
      let mut progress = FrameProgress::default();
      let mut lens = Vec::new();
      for chunk in [&stream[..cut], &stream[cut..]] {
        received.extend_from_slice(chunk);
        loop {
          match frame_request(&received[start..], LIMITS, &mut progress, &mut Vec::new()) {
            FrameStatus::Complete(request) => {
              lens.push(request.len);
              start += request.len;
              progress = FrameProgress::default();
            }
            FrameStatus::Partial => break,
            FrameStatus::Invalid(reject) => panic!("cut {cut}: {reject:?}"),
            FrameStatus::StreamBody(_) => panic!("cut {cut}: streamed past an infinite threshold"),
          }
        }
      }
      let expected: Vec<usize> = REQUESTS.iter().map(|r| r.len()).collect();
      assert_eq!(lens, expected, "cut at {cut}");
    }
  }

  #[test]
  fn limits_are_enforced() {
    let mut big = b"GET / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
    big.resize(9000, b'a');
    assert!(matches!(frame(&big), FrameStatus::Invalid(Reject { status: 431, .. })));
    let huge = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n";
    assert!(matches!(frame(huge), FrameStatus::Invalid(Reject { status: 413, .. })));
    // Tiny chunks with long extensions: little body, endless framing.
    let mut padded = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = format!("1;{}\r\nx\r\n", "e".repeat(4000));
    while padded.len() as u64 <= max_encoded_chunked(LIMITS.max_body) + 100 {
      padded.extend_from_slice(chunk.as_bytes());
    }
    assert!(matches!(
      frame(&padded),
      FrameStatus::Invalid(Reject { status: 413, .. })
    ));
  }

  #[test]
  fn many_header_fields_parse_with_the_larger_table() {
    let mut raw = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 0..(MAX_HEADERS - 1) {
      raw.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    assert!(matches!(frame(&raw), FrameStatus::Complete(_)));
    let arena = bumpalo::Bump::new();
    let status = frame_request(&raw, LIMITS, &mut FrameProgress::default(), &mut &arena);
    assert!(matches!(status, FrameStatus::Complete(_)));
    let too_many = [&raw[..raw.len() - 2], b"X-last: v\r\n\r\n"].concat();
    assert!(matches!(
      frame(&too_many),
      FrameStatus::Invalid(Reject { status: 431, .. })
    ));
  }

  #[test]
  fn large_bodies_are_streamed_past_the_threshold() {
    let limits = Limits {
      stream_body_over: 8,
      allow_connect: false,
      ..LIMITS
    };
    let frame_with = |buf: &[u8]| frame_request(buf, limits, &mut FrameProgress::default(), &mut Vec::new());
    // Content-Length: decided by the head alone, body or not.
    let long = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n";
    assert!(matches!(frame_with(long), FrameStatus::StreamBody(head) if head.len == long.len()));
    assert!(matches!(frame_with(REQUESTS[1]), FrameStatus::StreamBody(_)));
    let short = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n12345678";
    assert!(matches!(frame_with(short), FrameStatus::Complete(_)));
    // Chunked: a small complete body stays whole, a long unfinished one streams.
    assert!(matches!(frame_with(REQUESTS[2]), FrameStatus::Complete(_)));
    let unfinished = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n";
    assert!(matches!(frame_with(unfinished), FrameStatus::StreamBody(_)));
    // maxBodySize still comes first.
    let huge = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n";
    assert!(matches!(
      frame_with(huge),
      FrameStatus::Invalid(Reject { status: 413, .. })
    ));
  }
}
