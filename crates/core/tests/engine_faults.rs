//! Faults inside the engine's own threads: they are reported, never lost and
//! never unwound into the embedder.

mod common;

use std::io::Write;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{read_until, statuses, TestServer};
use fasthttp_core::internals::push_answer;
use fasthttp_core::wire::{KIND_BODY, KIND_RAW};
use fasthttp_core::{Batch, Embedder, EngineConfig, RequestId, ServerHandle};

/// An embedder whose `deliver` panics, as a buggy binding would.
struct PanickingEmbedder {
  stopped: Mutex<Sender<Option<String>>>,
}

impl Embedder for PanickingEmbedder {
  fn deliver(&self, _thread: u32, _batch: Batch) {
    panic!("embedder bug");
  }
  fn stopped(&self, _thread: u32, error: Option<String>) {
    let _ = self.stopped.lock().unwrap().send(error);
  }
}

#[test]
fn a_panic_on_the_io_thread_is_reported_as_a_stop_with_the_message() {
  let (tx, rx) = channel();
  let config = EngineConfig {
    host: "127.0.0.1".into(),
    port: 0,
    ..EngineConfig::default()
  };
  let handle = ServerHandle::start(
    &config,
    Arc::new(PanickingEmbedder {
      stopped: Mutex::new(tx),
    }),
  )
  .unwrap();
  let mut stream = std::net::TcpStream::connect(handle.local_addr()).unwrap();
  stream.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
  let error = rx
    .recv_timeout(Duration::from_secs(5))
    .expect("the thread reports its stop");
  let message = error.expect("a panic is reported as an error");
  assert!(
    message.contains("panicked") && message.contains("embedder bug"),
    "{message}"
  );
  handle.join();
}

#[test]
fn garbage_answer_records_are_ignored_and_the_server_keeps_serving() {
  let server = TestServer::start(EngineConfig::default());
  // Random words, truncated records, ids of connections that never existed.
  let mut garbage: Vec<u8> = (0..4096u32)
    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
    .collect();
  push_answer(
    &mut garbage,
    RequestId {
      conn: 0xffff_ffff,
      generation: 7,
      seq: 9,
    },
    KIND_RAW,
    b"HTTP/1.1 200 OK\r\n\r\n",
  );
  server.handle.respond(&garbage, &[], None);
  server.handle.respond(&garbage[..37], &[], Some(3));
  let mut stream = server.connect();
  stream.write_all(b"GET /still HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
  let (bytes, _) = read_until(&mut stream, Duration::from_secs(2), 1);
  assert_eq!(statuses(&bytes), vec![200]);
  assert!(bytes.ends_with(b"GET /still "));
}

#[test]
fn a_truncated_record_never_swallows_answers_posted_after_it() {
  // A record header announcing more bytes than follow, posted right before
  // every real answer: the real answers must all still arrive.
  let mut junk = Vec::new();
  for word in [0u32, 0, 0, KIND_RAW, 1000] {
    junk.extend_from_slice(&word.to_le_bytes());
  }
  junk.extend_from_slice(b"HTTP/1.1 200 OK");
  let answerer = Arc::new(|seen: &common::Seen| Some((KIND_BODY, common::echo_body(seen))));
  let server = TestServer::start_with_junk(EngineConfig::default(), answerer, junk);
  for round in 0..50 {
    let mut stream = server.connect();
    let request = format!("GET /{round} HTTP/1.1\r\nHost: a\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let (bytes, _) = read_until(&mut stream, Duration::from_secs(2), 1);
    assert_eq!(statuses(&bytes), vec![200], "round {round}");
  }
}
