//! Tests of `chunked`.

use super::*;

fn decode(encoded: &[u8]) -> Result<(usize, Vec<u8>), u16> {
  let mut body = Vec::new();
  match walk_chunked(encoded, ChunkedProgress::default(), u64::MAX, Some(&mut body)) {
    ChunkedStatus::Complete { consumed, body_len } => {
      assert_eq!(body_len as usize, body.len());
      Ok((consumed, body))
    }
    ChunkedStatus::Partial(_) => Err(0),
    ChunkedStatus::Invalid(reject) => Err(reject.status),
  }
}

const BODY: &[u8] = b"5\r\nHello\r\n7;ext=1\r\n, World\r\n0\r\nX-Trailer: t\r\n\r\n";

#[test]
fn decodes_chunks_and_skips_extensions_and_trailers() {
  assert_eq!(decode(BODY), Ok((BODY.len(), b"Hello, World".to_vec())));
  let mut with_next = BODY.to_vec();
  with_next.extend_from_slice(b"GET / HTTP/1.1\r\n");
  assert_eq!(decode(&with_next), Ok((BODY.len(), b"Hello, World".to_vec())));
}

#[test]
fn every_prefix_is_partial() {
  for end in 0..BODY.len() {
    assert_eq!(decode(&BODY[..end]), Err(0), "prefix of {end} bytes");
  }
}

#[test]
fn resumes_from_progress() {
  let mut progress = ChunkedProgress::default();
  for end in 0..BODY.len() {
    match walk_chunked(&BODY[..end], progress, u64::MAX, None) {
      ChunkedStatus::Partial(next) => {
        assert!(next.offset >= progress.offset);
        progress = next;
      }
      other => panic!("prefix {end}: {other:?}"),
    }
  }
  assert_eq!(
    walk_chunked(BODY, progress, u64::MAX, None),
    ChunkedStatus::Complete {
      consumed: BODY.len(),
      body_len: 12
    }
  );
}

#[test]
fn rejects_malformed_framing() {
  assert_eq!(decode(b"5\r\nHelloXX0\r\n\r\n"), Err(400), "data not followed by CRLF");
  assert_eq!(decode(b"5\nHello\r\n0\r\n\r\n"), Err(400), "bare LF after size");
  assert_eq!(decode(b"5\rHello\r\n0\r\n\r\n"), Err(400), "bare CR after size");
  assert_eq!(decode(b"x\r\n"), Err(400), "not hex");
  assert_eq!(decode(b"-5\r\n"), Err(400), "negative");
  assert_eq!(decode(b"0x5\r\n"), Err(400), "0x prefix");
  assert_eq!(decode(b"1ffffffffffffffff\r\n"), Err(400), "overflow");
  assert_eq!(decode(b"0\r\nbad trailer\r\n\r\n"), Err(400), "trailer without colon");
  assert_eq!(decode(b"5 a\r\nhello\r\n0\r\n\r\n"), Err(400), "text after the size");
  assert_eq!(
    decode(b"5 ;a\r\nhello\r\n0\r\n\r\n").map(|(_, b)| b),
    Ok(b"hello".to_vec()),
    "BWS before ;"
  );
  let long_extension = [&b"5;a="[..], &[b'x'; 5000], b"\r\nhello\r\n0\r\n\r\n"].concat();
  assert_eq!(decode(&long_extension), Err(400), "chunk line past 4 KiB");
  assert_eq!(decode(b"0\r\nX : y\r\n\r\n"), Err(400), "space before a trailer colon");
  assert_eq!(decode(b"0\r\n: y\r\n\r\n"), Err(400), "empty trailer name");
  assert_eq!(decode(b"0\r\nX: y\n\r\n"), Err(400), "bare LF in trailers");
}

#[test]
fn chunk_extensions_follow_the_grammar() {
  for accepted in [
    &b"5;a=b"[..],
    b"5 ;a=b",
    b"5;a=\"b c\"",
    b"5;a",
    b"5;a;b=c",
    b"5 ; a = b ; c",
    b"5;a=\"q\\\"x\"",
    b"5;a=\"\"",
    b"5\t;a=b",
  ] {
    let encoded = [accepted, b"\r\nhello\r\n0\r\n\r\n"].concat();
    assert_eq!(
      decode(&encoded).map(|(_, body)| body),
      Ok(b"hello".to_vec()),
      "{:?}",
      String::from_utf8_lossy(accepted)
    );
  }
  for refused in [
    &b"5 "[..],
    b"5;",
    b"5; ",
    b"5;=b",
    b"5;a=",
    b"5;a=\"b",
    b"5;a=b ",
    b"5;a ",
    b"5;a=\"b\rc\"",
    b"5;a=\"b\nc\"",
    b"5;a=b c",
    b"5;a@=b",
    b"5;a=\"b\x00\"",
    b"5\n",
  ] {
    let encoded = [refused, b"\r\nhello\r\n0\r\n\r\n"].concat();
    assert_eq!(decode(&encoded), Err(400), "{:?}", String::from_utf8_lossy(refused));
  }
}

#[test]
fn enforces_the_body_limit() {
  let status = walk_chunked(b"10\r\n", ChunkedProgress::default(), 15, None);
  assert_eq!(
    status,
    ChunkedStatus::Invalid(Reject::new(413, "chunked body exceeds maxBodySize"))
  );
}

/// Feeds `encoded` to a streaming decoder in pieces of `step` bytes with
/// at most `room` data bytes per call, as a connection would.
fn stream_decode(encoded: &[u8], step: usize, room: usize) -> Result<(usize, Vec<u8>), u16> {
  let mut decoder = ChunkedDecoder::default();
  let mut body = Vec::new();
  let (mut start, mut end) = (0, 0);
  loop {
    match decoder.decode(&encoded[start..end], room, u64::MAX, &mut body) {
      DecodeStep::Invalid(reject) => return Err(reject.status),
      DecodeStep::Progress { consumed, done } => {
        start += consumed;
        if done {
          assert_eq!(decoder.body_len as usize, body.len());
          return Ok((start, body));
        }
        if consumed == 0 {
          if end == encoded.len() {
            return Err(0);
          }
          end = (end + step).min(encoded.len());
        }
      }
    }
  }
}

#[test]
fn the_streaming_decoder_agrees_with_the_whole_body_walk() {
  let mut inputs: Vec<Vec<u8>> = vec![BODY.to_vec(), [BODY, b"GET / HTTP/1.1\r\n"].concat()];
  for bad in [
    &b"5\r\nHelloXX0\r\n\r\n"[..],
    b"5\nHello\r\n",
    b"x\r\n",
    b"0\r\nbad trailer\r\n\r\n",
    b"5 a\r\n",
  ] {
    inputs.push(bad.to_vec());
  }
  for encoded in &inputs {
    for step in [1, 2, 3, 7, 64] {
      for room in [1, 4, usize::MAX] {
        assert_eq!(
          stream_decode(encoded, step, room),
          decode(encoded),
          "step {step} room {room} {encoded:?}"
        );
      }
    }
  }
  // A huge chunk streams through in small pieces.
  let mut decoder = ChunkedDecoder::default();
  let mut body = Vec::new();
  let step = decoder.decode(b"100000\r\nabc", 2, u64::MAX, &mut body);
  assert_eq!(
    step,
    DecodeStep::Progress {
      consumed: 10,
      done: false
    }
  );
  assert_eq!(body, b"ab");
  let mut decoder = ChunkedDecoder::default();
  assert_eq!(
    decoder.decode(b"10\r\n", usize::MAX, 15, &mut body),
    DecodeStep::Invalid(Reject::new(413, "chunked body exceeds maxBodySize"))
  );
}
