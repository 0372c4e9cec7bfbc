//! Streams through the engine, both ways, driven by a test embedder that
//! plays JavaScript's part by hand: request bodies passed on in pieces with a
//! bounded window of unacknowledged bytes, and answers written in pieces
//! with drain notices.

mod common;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::read_until;
use fasthttp_core::internals::push_answer;
use fasthttp_core::wire::*;
use fasthttp_core::{Batch, Embedder, EngineConfig, RequestId, ServerHandle, ShutdownMode};

struct Forward(Mutex<Sender<Batch>>);

impl Embedder for Forward {
  fn deliver(&self, _thread: u32, batch: Batch) {
    let _ = self.0.lock().unwrap().send(batch);
  }
  fn stopped(&self, _thread: u32, _error: Option<String>) {}
}

/// One row of a batch, copied out.
#[derive(Debug, Clone)]
struct Row {
  id: RequestId,
  flags: u32,
  data: Vec<u8>,
  status: u32,
}

/// The engine plus the embedder's side of it, driven step by step.
struct Harness {
  handle: ServerHandle,
  batches: Receiver<Batch>,
  /// Batches pulled while the test had the turns (inline turns), in order.
  pulled: RefCell<VecDeque<Batch>>,
}

impl Harness {
  fn start(stream_body_over: u64, max_body_size: u64) -> Harness {
    let (tx, batches) = channel();
    let config = EngineConfig {
      host: "127.0.0.1".into(),
      port: 0,
      stream_body_over,
      max_body_size,
      ..EngineConfig::default()
    };
    let handle = ServerHandle::start(&config, Arc::new(Forward(Mutex::new(tx)))).expect("server starts");
    Harness {
      handle,
      batches,
      pulled: RefCell::default(),
    }
  }

  fn connect(&self) -> TcpStream {
    let stream = TcpStream::connect(self.handle.local_addr()).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
  }

  /// A client that pipelined `<method> /s` then `GET /n`, and their two rows.
  fn stream_then_next(&self, method: &str) -> (TcpStream, Vec<Row>) {
    let mut client = self.connect();
    client
      .write_all(format!("{method} /s HTTP/1.1\r\nHost: a\r\n\r\nGET /n HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes())
      .unwrap();
    let rows = self.next_rows(SECOND * 5);
    assert_eq!(rows.len(), 2);
    (client, rows)
  }

  /// The rows of the next batch (within `wait`), the batch acknowledged.
  fn next_rows(&self, wait: Duration) -> Vec<Row> {
    let next = self.pulled.borrow_mut().pop_front();
    let Some(batch) = next.or_else(|| self.batches.recv_timeout(wait).ok()) else {
      return Vec::new();
    };
    self.respond(&[], Some(0));
    batch
      .table
      .chunks(REQUEST_FIELDS)
      .map(|row| Row {
        id: RequestId {
          conn: row[FIELD_CONN],
          generation: row[FIELD_GENERATION],
          seq: row[FIELD_SEQ],
        },
        flags: row[FIELD_FLAGS],
        data: batch.data[row[FIELD_DATA_START] as usize..][..row[FIELD_DATA_LEN] as usize].to_vec(),
        status: row[FIELD_RESERVED],
      })
      .collect()
  }

  fn answer(&self, id: RequestId, answer_kind: u32, bytes: &[u8]) {
    let mut records = Vec::new();
    push_answer(&mut records, id, answer_kind, bytes);
    self.respond(&records, None);
  }

  /// Like the JavaScript side: while it has the turns after answering, it
  /// pulls (the batch is kept for `next_rows`) until a turn is quiet.
  fn respond(&self, records: &[u8], batch_done: Option<u32>) {
    if self.handle.respond(records, &[], batch_done) {
      if let Some(batch) = self.handle.pull(fasthttp_core::QuietPull::Linger) {
        self.pulled.borrow_mut().push_back(batch);
      }
    }
  }

  fn credit(&self, id: RequestId, bytes: usize) {
    self.answer(id, KIND_BODY_CREDIT, &(bytes as u32).to_le_bytes());
  }
}

impl Drop for Harness {
  fn drop(&mut self) {
    self.handle.shutdown(ShutdownMode::Immediate);
    // Keep the engine's last deliveries from blocking on a full channel.
    while self.batches.try_recv().is_ok() {}
    self.handle.join();
  }
}

const SECOND: Duration = Duration::from_secs(1);

fn upload_head(length: usize) -> Vec<u8> {
  format!("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {length}\r\n\r\n").into_bytes()
}

fn pattern(len: usize) -> Vec<u8> {
  (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Collects a streamed body, acknowledging each piece at once (or never,
/// with `ack: false`), until its last piece or nothing comes for `quiet`.
/// Returns the body, the most bytes ever held unacknowledged, the last
/// piece's flags, and the rows that were not body pieces.
fn collect_body(h: &Harness, ack: bool, quiet: Duration) -> (Vec<u8>, usize, u32, Vec<Row>) {
  let mut body = Vec::new();
  let mut unacked = 0;
  let mut most_unacked = 0;
  let mut others = Vec::new();
  loop {
    let rows = h.next_rows(quiet);
    if rows.is_empty() {
      return (body, most_unacked, 0, others);
    }
    let mut ended = None;
    for row in rows {
      if row.flags & FLAG_BODY_PIECE == 0 || ended.is_some() {
        others.push(row);
        continue;
      }
      body.extend_from_slice(&row.data);
      unacked += row.data.len();
      most_unacked = most_unacked.max(unacked);
      if ack && !row.data.is_empty() {
        h.credit(row.id, row.data.len());
        unacked -= row.data.len();
      }
      if row.flags & (FLAG_BODY_END | FLAG_BODY_ABORTED) != 0 {
        ended = Some(row.flags | row.status << 16);
      }
    }
    if let Some(last_flags) = ended {
      return (body, most_unacked, last_flags, others);
    }
  }
}

#[test]
fn a_large_body_arrives_in_pieces_within_the_window_and_the_connection_goes_on() {
  let h = Harness::start(64 * 1024, 1 << 30);
  let mut client = h.connect();
  let body = pattern(5 * 1024 * 1024);
  let writer = {
    let mut client = client.try_clone().unwrap();
    let mut bytes = upload_head(body.len());
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    std::thread::spawn(move || client.write_all(&bytes).unwrap())
  };
  let rows = h.next_rows(SECOND * 5);
  let head = &rows[0];
  assert_eq!(head.flags & FLAG_BODY_STREAMED, FLAG_BODY_STREAMED);
  assert!(head.data.starts_with(b"POST /upload HTTP/1.1\r\n") && head.data.ends_with(b"\r\n\r\n"));
  // Pieces that came with the head.
  let mut received: Vec<u8> = rows[1..].iter().flat_map(|r| r.data.clone()).collect();
  for row in &rows[1..] {
    h.credit(row.id, row.data.len());
  }
  let (rest, most_unacked, last_flags, others) = collect_body(&h, true, SECOND * 5);
  received.extend_from_slice(&rest);
  writer.join().unwrap();
  assert_eq!(last_flags & 0xffff, FLAG_BODY_PIECE | FLAG_BODY_END);
  assert!(most_unacked <= BODY_WINDOW, "{most_unacked} bytes unacknowledged");
  assert!(
    received == body,
    "body differs: {} of {} bytes",
    received.len(),
    body.len()
  );
  h.answer(head.id, KIND_BODY, b"stored");
  // The request pipelined behind the body is served too.
  let after = if others.is_empty() {
    h.next_rows(SECOND * 5)
  } else {
    others
  };
  assert!(after[0].data.starts_with(b"GET /after "), "{after:?}");
  h.answer(after[0].id, KIND_BODY, b"after");
  let (bytes, _) = read_until(&mut client, SECOND * 2, 2);
  let text = String::from_utf8_lossy(&bytes);
  assert!(
    text.contains("\r\n\r\nstored") && text.ends_with("\r\n\r\nafter"),
    "{text}"
  );
}

#[test]
fn a_consumer_that_does_not_keep_up_holds_the_client_back() {
  let h = Harness::start(1024, 1 << 30);
  let mut client = h.connect();
  client.set_write_timeout(Some(SECOND / 2)).unwrap();
  let total = 16 * 1024 * 1024;
  client.write_all(&upload_head(total)).unwrap();
  let chunk = pattern(64 * 1024);
  let mut sent = 0;
  let deadline = Instant::now() + SECOND * 5;
  // Write until the socket buffers are full: the engine stopped reading.
  while sent < total && Instant::now() < deadline {
    match client.write(&chunk) {
      Ok(n) => sent += n,
      Err(_) => break,
    }
  }
  let (body, most_unacked, _, _) = collect_body(&h, false, SECOND / 2);
  assert!(sent < total, "the client could send the whole 16 MiB");
  assert_eq!(
    body.len(),
    BODY_WINDOW,
    "exactly one window is passed on unacknowledged"
  );
  assert_eq!(most_unacked, BODY_WINDOW);
}

#[test]
fn a_huge_chunk_streams_through_and_is_decoded() {
  let h = Harness::start(1024, 1 << 30);
  let mut client = h.connect();
  let data = pattern(3 * 1024 * 1024);
  let mut request = b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
  request.extend_from_slice(format!("{:x};ext=1\r\n", data.len()).as_bytes());
  request.extend_from_slice(&data);
  request.extend_from_slice(b"\r\n5\r\nhello\r\n0\r\nTrailer: x\r\n\r\n");
  let writer = {
    let mut client = client.try_clone().unwrap();
    std::thread::spawn(move || client.write_all(&request).unwrap())
  };
  let (body, most_unacked, last_flags, others) = collect_body(&h, true, SECOND * 5);
  writer.join().unwrap();
  let head = others.first().expect("the head came first");
  assert_eq!(head.flags & FLAG_BODY_STREAMED, FLAG_BODY_STREAMED);
  assert_eq!(last_flags & FLAG_BODY_END, FLAG_BODY_END);
  assert!(most_unacked <= BODY_WINDOW);
  assert!(body.len() == data.len() + 5 && body[..data.len()] == data[..] && body.ends_with(b"hello"));
  h.answer(head.id, KIND_BODY, b"ok");
  let (bytes, closed) = read_until(&mut client, SECOND * 2, 1);
  assert!(bytes.ends_with(b"\r\n\r\nok") && !closed);
}

#[test]
fn a_malformed_chunk_mid_body_aborts_it_with_400() {
  let h = Harness::start(16, 1 << 30);
  let mut client = h.connect();
  client
    .write_all(b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n0123456789abcdefghij\r\n")
    .unwrap();
  // Sent whole, the request would be refused before any handler ran.
  std::thread::sleep(SECOND / 10);
  client.write_all(b"zz\r\n").unwrap();
  let (body, _, last_flags, others) = collect_body(&h, true, SECOND * 5);
  assert_eq!(body, b"0123456789abcdefghij");
  assert_eq!(last_flags & 0xffff, FLAG_BODY_PIECE | FLAG_BODY_ABORTED);
  assert_eq!(last_flags >> 16, 400);
  // The handler answers with the status the abort carried; the connection closes.
  h.answer(
    others[0].id,
    KIND_RAW,
    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
  );
  let (bytes, closed) = read_until(&mut client, SECOND * 2, 1);
  assert!(
    bytes.starts_with(b"HTTP/1.1 400"),
    "{}",
    String::from_utf8_lossy(&bytes)
  );
  assert!(closed);
}

#[test]
fn a_chunked_body_past_max_body_size_aborts_with_413() {
  let h = Harness::start(16, 100);
  let mut client = h.connect();
  let mut request = b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
  for _ in 0..2 {
    request.extend_from_slice(b"28\r\n0123456789012345678901234567890123456789\r\n");
  }
  client.write_all(&request).unwrap();
  std::thread::sleep(SECOND / 10);
  client
    .write_all(b"28\r\n0123456789012345678901234567890123456789\r\n")
    .unwrap();
  let (body, _, last_flags, _) = collect_body(&h, true, SECOND * 5);
  assert_eq!(body.len(), 80);
  assert_eq!(
    (last_flags & FLAG_BODY_ABORTED, last_flags >> 16),
    (FLAG_BODY_ABORTED, 413)
  );
}

#[test]
fn a_client_leaving_mid_body_aborts_it() {
  let h = Harness::start(16, 1 << 30);
  let mut client = h.connect();
  client.write_all(&upload_head(1000)).unwrap();
  client.write_all(&[b'x'; 100]).unwrap();
  std::thread::sleep(SECOND / 10);
  drop(client);
  let (body, _, last_flags, _) = collect_body(&h, true, SECOND * 5);
  assert_eq!(body.len(), 100);
  assert_eq!(
    (last_flags & FLAG_BODY_ABORTED, last_flags >> 16),
    (FLAG_BODY_ABORTED, 0)
  );
}

#[test]
fn an_answer_before_the_body_ends_closes_the_connection_after_it() {
  let h = Harness::start(16, 1 << 30);
  let mut client = h.connect();
  client.write_all(&upload_head(1 << 20)).unwrap();
  client.write_all(&[b'x'; 1000]).unwrap();
  let rows = h.next_rows(SECOND * 5);
  assert_eq!(rows[0].flags & FLAG_BODY_STREAMED, FLAG_BODY_STREAMED);
  h.answer(
    rows[0].id,
    KIND_RAW,
    b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n",
  );
  let (bytes, closed) = read_until(&mut client, SECOND * 3, 1);
  assert!(
    bytes.starts_with(b"HTTP/1.1 403"),
    "{}",
    String::from_utf8_lossy(&bytes)
  );
  // Closed (after lingering on the rest of the body): nothing else is read as a request.
  let mut more = Vec::new();
  let _ = client.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  let _ = client.read_to_end(&mut more);
  assert!(
    closed || !more.windows(4).any(|w| w == b"HTTP"),
    "{}",
    String::from_utf8_lossy(&more)
  );
}

#[test]
fn a_streamed_answer_goes_out_in_pieces_with_drain_notices() {
  let h = Harness::start(u64::MAX, 1 << 20);
  let (client, rows) = h.stream_then_next("GET");
  // The second answer comes first and must wait for the stream to end.
  h.answer(rows[1].id, KIND_BODY, b"next");
  h.answer(
    rows[0].id,
    KIND_STREAM,
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
  );
  let piece = vec![b'p'; 300 * 1024];
  let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
  framed.extend_from_slice(&piece);
  framed.extend_from_slice(b"\r\n");
  h.answer(rows[0].id, KIND_STREAM | KIND_WANT_DRAIN, &framed);
  // The client reads; the output drains; the engine says so.
  let reader = {
    let mut client = client.try_clone().unwrap();
    std::thread::spawn(move || read_until(&mut client, SECOND, usize::MAX).0)
  };
  let notice = h.next_rows(SECOND * 5);
  assert!(
    notice.iter().any(|r| r.flags & FLAG_DRAINED != 0 && r.id == rows[0].id),
    "{notice:?}"
  );
  h.answer(rows[0].id, KIND_STREAM | KIND_STREAM_END, b"0\r\n\r\n");
  let bytes = reader.join().unwrap();
  let text = String::from_utf8_lossy(&bytes);
  let head_end = text.find("\r\n\r\n").unwrap() + 4;
  assert!(text[head_end..].starts_with(&format!("{:x}\r\n", piece.len())));
  assert!(
    text.contains("\r\n0\r\n\r\nHTTP/1.1 200 OK"),
    "the pipelined answer follows the stream"
  );
  assert!(text.ends_with("\r\n\r\nnext"));
}

#[test]
fn a_streamed_answer_to_head_ends_at_its_head_and_its_producer_hears_the_stream_closed() {
  let h = Harness::start(u64::MAX, 1 << 20);
  let (mut client, rows) = h.stream_then_next("HEAD");
  h.answer(rows[1].id, KIND_BODY, b"next");
  // Only the head: no end piece comes (the producer runs on until told).
  h.answer(
    rows[0].id,
    KIND_STREAM,
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
  );
  let notice = h.next_rows(SECOND * 5);
  assert!(
    notice
      .iter()
      .any(|r| r.flags & FLAG_STREAM_CLOSED != 0 && r.id == rows[0].id),
    "{notice:?}"
  );
  // Later pieces of the ended answer are dropped as stale.
  h.answer(rows[0].id, KIND_STREAM | KIND_STREAM_END, b"0\r\n\r\n");
  let (bytes, _) = read_until(&mut client, SECOND, usize::MAX);
  let text = String::from_utf8_lossy(&bytes);
  assert!(
    text.starts_with("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n"),
    "{text:?}"
  );
  assert!(text.ends_with("\r\n\r\nnext"), "{text:?}");
  assert!(!text.contains("hello"));
}
