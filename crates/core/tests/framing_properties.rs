//! Property tests of the framer (the fuzz harness that runs in `cargo test`):
//! generated valid requests frame to exactly what was generated however the
//! bytes are split; arbitrary and mutated bytes never panic and frame the
//! same way in one piece as byte by byte.

use fasthttp_core::internals::Reject;
use fasthttp_core::internals::{decode_body, frame_request, FrameProgress, FrameStatus, Limits};
use fasthttp_core::internals::{walk_chunked, ChunkedProgress, ChunkedStatus};
use proptest::prelude::*;

const LIMITS: Limits = Limits {
  max_head: 64 * 1024,
  max_body: 1 << 20,
  stream_body_over: u64::MAX,
  allow_connect: false,
};

/// Frames `buf` in one piece.
fn frame_whole(buf: &[u8]) -> FrameStatus {
  frame_request(buf, LIMITS, &mut FrameProgress::default(), &mut Vec::new())
}

/// Frames `buf` as it arrives in the given pieces, keeping progress between
/// reads like a connection does; returns the first non-partial outcome.
fn frame_in_pieces(buf: &[u8], cuts: &[usize]) -> FrameStatus {
  let mut progress = FrameProgress::default();
  let mut ends: Vec<usize> = cuts.iter().map(|&c| c.min(buf.len())).collect();
  ends.push(buf.len());
  ends.sort_unstable();
  for end in ends {
    let status = frame_request(&buf[..end], LIMITS, &mut progress, &mut Vec::new());
    if status != FrameStatus::Partial {
      return status;
    }
  }
  FrameStatus::Partial
}

/// What a client sees of a framing outcome: a refusal's status, not the
/// reason kept for logs (split reads may meet a different first fault of
/// the same request, e.g. a bad target byte before a later bad field).
fn seen(status: FrameStatus) -> FrameStatus {
  match status {
    FrameStatus::Invalid(reject) => FrameStatus::Invalid(Reject::new(reject.status, "")),
    other => other,
  }
}

#[derive(Debug, Clone)]
struct Generated {
  method: String,
  target: String,
  headers: Vec<(String, String)>,
  body: Vec<u8>,
  chunk_sizes: Option<Vec<usize>>,
}

impl Generated {
  fn encode(&self) -> Vec<u8> {
    let mut out = format!("{} {} HTTP/1.1\r\nHost: example\r\n", self.method, self.target).into_bytes();
    for (name, value) in &self.headers {
      out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    match &self.chunk_sizes {
      None => {
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes());
        out.extend_from_slice(&self.body);
      }
      Some(sizes) => {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        let mut rest = &self.body[..];
        let mut sizes = sizes.iter().cycle();
        while !rest.is_empty() {
          let n = (*sizes.next().unwrap()).clamp(1, rest.len());
          out.extend_from_slice(format!("{n:x};ext=1\r\n").as_bytes());
          out.extend_from_slice(&rest[..n]);
          out.extend_from_slice(b"\r\n");
          rest = &rest[n..];
        }
        out.extend_from_slice(b"0\r\nTrailer: t\r\n\r\n");
      }
    }
    out
  }
}

fn token() -> impl Strategy<Value = String> {
  "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn generated() -> impl Strategy<Value = Generated> {
  (
    prop_oneof![Just("GET".to_string()), Just("POST".to_string()), "[A-Z]{1,10}"],
    "/[A-Za-z0-9/._~%!$&'()*+,;=:@?-]{0,40}",
    prop::collection::vec((token(), "[ -~]{0,30}"), 0..8),
    prop::collection::vec(any::<u8>(), 0..600),
    prop::option::of(prop::collection::vec(1usize..80, 1..6)),
  )
    .prop_map(|(method, target, headers, body, chunk_sizes)| Generated {
      method,
      target,
      headers: headers
        .into_iter()
        // Framing headers are the generator's job, and values must not end in
        // whitespace (the parser trims it).
        .filter(|(name, _)| {
          !["host", "content-length", "transfer-encoding", "expect", "connection"]
            .contains(&name.to_ascii_lowercase().as_str())
        })
        .map(|(name, value)| (name, value.trim().to_string()))
        .collect(),
      body,
      chunk_sizes,
    })
}

/// An accepted request's invariants: its head has no LF without a CR
/// before it, and its chunked body decodes to what a plain reference
/// decoder (written from RFC 9112 §7.1 alone) makes of the same bytes.
fn check_accepted(bytes: &[u8], framed: &fasthttp_core::internals::FramedRequest) {
  let head = &bytes[..framed.head.len];
  for (i, &b) in head.iter().enumerate() {
    assert!(
      b != b'\n' || (i > 0 && head[i - 1] == b'\r'),
      "bare LF at {i} in an accepted head"
    );
  }
  let mut body = Vec::new();
  decode_body(bytes, framed, &mut body);
  if framed.is_chunked() {
    assert_eq!(Some(body), reference_dechunk(framed.body.of_buf(bytes)));
  }
}

/// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; last-chunk; trailers; CRLF.
fn reference_dechunk(mut encoded: &[u8]) -> Option<Vec<u8>> {
  let mut body = Vec::new();
  loop {
    let line_end = encoded.windows(2).position(|w| w == b"\r\n")?;
    let line = &encoded[..line_end];
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let size = usize::from_str_radix(std::str::from_utf8(&line[..digits]).ok()?, 16).ok()?;
    encoded = &encoded[line_end + 2..];
    if size == 0 {
      // Trailer lines up to the empty one.
      loop {
        let end = encoded.windows(2).position(|w| w == b"\r\n")?;
        encoded = &encoded[end + 2..];
        if end == 0 {
          return encoded.is_empty().then_some(body);
        }
      }
    }
    body.extend_from_slice(encoded.get(..size)?);
    if encoded.get(size..size + 2)? != b"\r\n" {
      return None;
    }
    encoded = &encoded[size + 2..];
  }
}

proptest! {
  #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

  #[test]
  fn valid_requests_frame_to_what_was_generated(request in generated(), cuts in prop::collection::vec(0usize..2000, 0..6)) {
    let bytes = request.encode();
    let framed = match frame_whole(&bytes) {
      FrameStatus::Complete(framed) => framed,
      other => panic!("{other:?} for {:?}", String::from_utf8_lossy(&bytes)),
    };
    prop_assert_eq!(framed.len, bytes.len());
    prop_assert_eq!(framed.head.method.of_buf(&bytes), request.method.as_bytes());
    prop_assert_eq!(framed.head.path.of_buf(&bytes), request.target.as_bytes());
    let mut body = Vec::new();
    decode_body(&bytes, &framed, &mut body);
    prop_assert_eq!(&body, &request.body);
    check_accepted(&bytes, &framed);
    // However the bytes were split into reads, the outcome is the same.
    prop_assert_eq!(frame_in_pieces(&bytes, &cuts), FrameStatus::Complete(framed));
  }

  #[test]
  fn arbitrary_bytes_never_panic_and_split_reads_agree(bytes in prop::collection::vec(any::<u8>(), 0..400), cuts in prop::collection::vec(0usize..400, 0..4)) {
    let whole = frame_whole(&bytes);
    if let FrameStatus::Complete(framed) = &whole {
      prop_assert!(framed.len <= bytes.len());
      check_accepted(&bytes, framed);
    }
    prop_assert_eq!(seen(frame_in_pieces(&bytes, &cuts)), seen(whole));
  }

  #[test]
  fn mutated_requests_never_panic_and_split_reads_agree(
    request in generated(),
    position in any::<prop::sample::Index>(),
    replacement in prop::sample::select(vec![b'\r', b'\n', b' ', b'\t', 0u8, b':', b',', 0x7f, 0x80, b'0', b'9', b'a', b'f', b';', b'"', b'=', b'@', b'/', b'*']),
    insert in any::<bool>(),
    cuts in prop::collection::vec(0usize..2000, 0..4),
  ) {
    let mut bytes = request.encode();
    let at = position.index(bytes.len());
    if insert { bytes.insert(at, replacement) } else { bytes[at] = replacement }
    let whole = frame_whole(&bytes);
    if let FrameStatus::Complete(framed) = &whole {
      prop_assert!(framed.len <= bytes.len());
      prop_assert!(framed.body.end() <= bytes.len());
      check_accepted(&bytes, framed);
    }
    prop_assert_eq!(seen(frame_in_pieces(&bytes, &cuts)), seen(whole));
  }

  #[test]
  fn chunked_decoding_resumes_anywhere(body in prop::collection::vec(any::<u8>(), 0..2000), sizes in prop::collection::vec(1usize..300, 1..5), cut in 0usize..4000) {
    let request = Generated { method: "POST".into(), target: "/".into(), headers: vec![], body: body.clone(), chunk_sizes: Some(sizes) };
    let bytes = request.encode();
    let body_start = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let encoded = &bytes[body_start..];
    let cut = cut.min(encoded.len());
    let progress = match walk_chunked(&encoded[..cut], ChunkedProgress::default(), u64::MAX, None) {
      ChunkedStatus::Partial(progress) => progress,
      ChunkedStatus::Complete { .. } => ChunkedProgress::default(),
      ChunkedStatus::Invalid(reject) => panic!("{reject:?}"),
    };
    let status = walk_chunked(encoded, progress, u64::MAX, None);
    prop_assert_eq!(status, ChunkedStatus::Complete { consumed: encoded.len(), body_len: body.len() as u64 });
  }
}
