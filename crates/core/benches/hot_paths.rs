//! Micro-benchmarks of the engine's hot paths, without Node: framing and
//! parsing a request head (small, and with 2 KiB of headers), chunked
//! decoding, building the batch for JavaScript, reading answer records and
//! framing a body-only answer. `cargo bench -p fasthttp-core --bench
//! hot_paths` prints one line per path (ns per operation, best of 5 runs);
//! `npm run bench` includes it. Plain `std` timing keeps the dependency list
//! short; the figures are for comparing changes, not absolute claims.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fasthttp_core::internals::{answers, push_answer, write_body_head, ConnectionHeader};
use fasthttp_core::internals::{decode_body, frame_request, FrameProgress, FrameStatus, Limits};
use fasthttp_core::wire::CONTENT_TYPES;
use fasthttp_core::{Batch, RequestId};

const LIMITS: Limits = Limits {
  max_head: 64 * 1024,
  max_body: 1 << 20,
  stream_body_over: u64::MAX,
  allow_connect: false,
};

/// Runs `op` repeatedly for about `budget`, five times; returns the best
/// nanoseconds per call.
fn measure(budget: Duration, mut op: impl FnMut()) -> f64 {
  let mut best = f64::MAX;
  for _ in 0..5 {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < budget / 5 {
      for _ in 0..64 {
        op();
      }
      calls += 64;
    }
    best = best.min(start.elapsed().as_nanos() as f64 / calls as f64);
  }
  best
}

fn frame(bytes: &[u8]) -> fasthttp_core::internals::FramedRequest {
  let arena = bumpalo::Bump::new();
  match frame_request(bytes, LIMITS, &mut FrameProgress::default(), &mut &arena) {
    FrameStatus::Complete(request) => request,
    other => panic!("{other:?}"),
  }
}

fn main() {
  let budget = Duration::from_millis(
    std::env::var("MICRO_MS")
      .ok()
      .and_then(|v| v.parse().ok())
      .unwrap_or(500),
  );
  let small = b"GET /hello?x=1 HTTP/1.1\r\nHost: localhost:3000\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n".to_vec();
  let mut large = b"GET /api/items HTTP/1.1\r\nHost: example.com\r\n".to_vec();
  while large.len() < 2048 {
    let n = large.len();
    large.extend_from_slice(format!("X-Header-{n}: some-value-{n}-with-some-length\r\n").as_bytes());
  }
  large.extend_from_slice(b"\r\n");
  let mut chunked = b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
  for _ in 0..64 {
    chunked.extend_from_slice(b"40\r\n");
    chunked.extend_from_slice(&[b'x'; 64]);
    chunked.extend_from_slice(b"\r\n");
  }
  chunked.extend_from_slice(b"0\r\n\r\n");

  let mut arena = bumpalo::Bump::new();
  let mut rows: Vec<(&str, f64)> = Vec::new();
  for (name, bytes) in [
    ("frame + parse a small head (4 fields)", &small),
    ("frame + parse a 2 KiB head", &large),
  ] {
    rows.push((
      name,
      measure(budget, || {
        arena.reset();
        black_box(frame_request(
          black_box(bytes),
          LIMITS,
          &mut FrameProgress::default(),
          &mut &arena,
        ));
      }),
    ));
  }
  let chunked_request = frame(&chunked);
  rows.push((
    "frame + decode a 4 KiB chunked body (64 chunks)",
    measure(budget, || {
      arena.reset();
      black_box(frame_request(
        black_box(&chunked),
        LIMITS,
        &mut FrameProgress::default(),
        &mut &arena,
      ));
      let mut body = bumpalo::collections::Vec::new_in(&arena);
      decode_body(&chunked, &chunked_request, &mut body);
      black_box(body.len());
    }),
  ));
  let small_request = frame(&small);
  let mut batch = Batch::default();
  rows.push((
    "add a small request to the batch",
    measure(budget, || {
      if batch.len() >= 4096 {
        batch = Batch::default();
      }
      batch.push(
        RequestId {
          conn: 1,
          generation: 0,
          seq: 0,
        },
        7,
        4000,
        &small,
        &small_request,
        None,
      );
    }),
  ));
  let mut records = Vec::new();
  for seq in 0..32 {
    push_answer(
      &mut records,
      RequestId {
        conn: seq,
        generation: 0,
        seq,
      },
      1,
      b"Hello, World!",
    );
  }
  let per_batch = measure(budget, || {
    black_box(answers(black_box(&records)).count());
  });
  rows.push(("read an answer record (of 32)", per_batch / 32.0));
  let mut out = Vec::with_capacity(256);
  rows.push((
    "frame a body-only 200 head",
    measure(budget, || {
      out.clear();
      write_body_head(
        &mut out,
        b"Wed, 25 Nov 2026 02:00:00 GMT",
        CONTENT_TYPES[0],
        13,
        ConnectionHeader::None,
      );
      black_box(out.len());
    }),
  ));
  println!("| Rust hot path | ns/op |");
  println!("|---|---:|");
  for (name, ns) in rows {
    println!("| {name} | {ns:.0} |");
  }
}
