//! A test embedder: runs the engine on 127.0.0.1 with a Rust "handler" that
//! answers every request with a body describing what it saw, so tests can
//! drive the real reactor through real sockets without Node.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fasthttp_core::internals::push_answer;
use fasthttp_core::wire::*;
use fasthttp_core::{Batch, Embedder, EngineConfig, RequestId, ServerHandle};

/// What the handler saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
  pub method: String,
  pub path: String,
  pub body: Vec<u8>,
}

enum Event {
  Batch(u32, Batch),
  Stopped,
}

struct ChannelEmbedder {
  events: Mutex<Sender<Event>>,
}

impl Embedder for ChannelEmbedder {
  fn deliver(&self, thread: u32, batch: Batch) {
    let _ = self.events.lock().unwrap().send(Event::Batch(thread, batch));
  }
  fn stopped(&self, _thread: u32, _error: Option<String>) {
    let _ = self.events.lock().unwrap().send(Event::Stopped);
  }
}

/// How the test handler answers: `(kind, bytes)`, or `None` to never answer.
pub type Answerer = dyn Fn(&Seen) -> Option<(u32, Vec<u8>)> + Send + Sync;

pub struct TestServer {
  pub handle: Arc<ServerHandle>,
  pub seen: Arc<Mutex<Vec<Seen>>>,
  responder: Option<JoinHandle<()>>,
}

impl TestServer {
  pub fn start(config: EngineConfig) -> TestServer {
    TestServer::start_with(config, Arc::new(|seen: &Seen| Some((KIND_BODY, echo_body(seen)))))
  }

  pub fn start_with(config: EngineConfig, answerer: Arc<Answerer>) -> TestServer {
    TestServer::start_with_junk(config, answerer, Vec::new())
  }

  /// Like `start_with`, but every answer is preceded by a separate
  /// `respond` call carrying `junk` (malformed records).
  pub fn start_with_junk(mut config: EngineConfig, answerer: Arc<Answerer>, junk: Vec<u8>) -> TestServer {
    config.host = "127.0.0.1".into();
    config.port = 0;
    let (tx, rx) = channel();
    let embedder = Arc::new(ChannelEmbedder { events: Mutex::new(tx) });
    let handle = Arc::new(ServerHandle::start(&config, embedder).expect("server starts"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let responder = {
      let handle = Arc::downgrade(&handle);
      let seen = seen.clone();
      std::thread::spawn(move || respond_loop(rx, handle, seen, answerer, junk))
    };
    TestServer {
      handle,
      seen,
      responder: Some(responder),
    }
  }

  pub fn port(&self) -> u16 {
    self.handle.local_addr().port()
  }

  pub fn connect(&self) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", self.port())).expect("connects");
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
  }

  pub fn seen(&self) -> Vec<Seen> {
    self.seen.lock().unwrap().clone()
  }
}

impl Drop for TestServer {
  fn drop(&mut self) {
    self.handle.shutdown(fasthttp_core::ShutdownMode::Immediate);
    self.handle.join();
    if let Some(responder) = self.responder.take() {
      let _ = responder.join();
    }
  }
}

pub fn echo_body(seen: &Seen) -> Vec<u8> {
  let mut body = format!("{} {} ", seen.method, seen.path).into_bytes();
  body.extend_from_slice(&seen.body);
  body
}

fn respond_loop(
  rx: Receiver<Event>,
  handle: std::sync::Weak<ServerHandle>,
  seen: Arc<Mutex<Vec<Seen>>>,
  answerer: Arc<Answerer>,
  junk: Vec<u8>,
) {
  // Batches the engine delivers, and the ones pulled while this thread has
  // the turns (inline turns: after answering, pull until a turn is quiet).
  let mut pulled: Option<Batch> = None;
  loop {
    let (thread, batch) = match pulled.take() {
      Some(batch) => (0, batch),
      None => match rx.recv() {
        Ok(Event::Batch(thread, batch)) => (thread, batch),
        _ => break,
      },
    };
    let mut records = Vec::new();
    for row in batch.table.chunks(REQUEST_FIELDS) {
      let data = &batch.data[row[FIELD_DATA_START] as usize..][..row[FIELD_DATA_LEN] as usize];
      let text = |start: usize, len: usize| {
        String::from_utf8_lossy(&data[row[start] as usize..][..row[len] as usize]).into_owned()
      };
      let request = Seen {
        method: text(FIELD_METHOD_START, FIELD_METHOD_LEN),
        path: text(FIELD_PATH_START, FIELD_PATH_LEN),
        body: data[row[FIELD_BODY_START] as usize..][..row[FIELD_BODY_LEN] as usize].to_vec(),
      };
      seen.lock().unwrap().push(request.clone());
      if let Some((answer_kind, bytes)) = answerer(&request) {
        let id = RequestId {
          conn: row[FIELD_CONN],
          generation: row[FIELD_GENERATION],
          seq: row[FIELD_SEQ],
        };
        push_answer(&mut records, id, answer_kind, &bytes);
      }
    }
    match handle.upgrade() {
      Some(handle) => {
        if !junk.is_empty() {
          handle.respond(&junk, &[], None);
        }
        if handle.respond(&records, &[], Some(thread)) {
          pulled = handle.pull(fasthttp_core::QuietPull::Linger);
        }
      }
      None => break,
    }
  }
}

/// Sends `chunks` with `gap` between writes, then reads until the server
/// closes or nothing arrives for `quiet`. Returns (bytes, closed by server).
pub fn exchange(stream: &mut TcpStream, chunks: &[&[u8]], gap: Duration, quiet: Duration) -> (Vec<u8>, bool) {
  for chunk in chunks {
    if stream.write_all(chunk).is_err() {
      break;
    }
    if !gap.is_zero() {
      std::thread::sleep(gap);
    }
  }
  read_until_quiet(stream, quiet)
}

pub fn read_until_quiet(stream: &mut TcpStream, quiet: Duration) -> (Vec<u8>, bool) {
  read_until(stream, quiet, usize::MAX)
}

/// Reads until the server closes, `want` complete responses are in (then
/// a short grace for anything unexpected after them), or nothing arrives
/// for `quiet`.
pub fn read_until(stream: &mut TcpStream, quiet: Duration, want: usize) -> (Vec<u8>, bool) {
  stream.set_read_timeout(Some(quiet)).unwrap();
  let mut received = Vec::new();
  let mut buf = [0u8; 65536];
  let deadline = Instant::now() + Duration::from_secs(10);
  while Instant::now() < deadline {
    if complete_responses(&received) >= want {
      stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    }
    match stream.read(&mut buf) {
      Ok(0) => return (received, true),
      Ok(n) => received.extend_from_slice(&buf[..n]),
      Err(err)
        if matches!(
          err.kind(),
          std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) =>
      {
        return (received, false)
      }
      // A reset after our last response counts as closed.
      Err(_) => return (received, true),
    }
  }
  (received, false)
}

/// How many whole final responses (head and Content-Length body) `bytes`
/// holds; interim `100 Continue` heads do not count.
pub fn complete_responses(bytes: &[u8]) -> usize {
  let mut count = 0;
  let mut rest = bytes;
  while let Some(head_end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
    let head = String::from_utf8_lossy(&rest[..head_end]).to_ascii_lowercase();
    let length = content_length(&head);
    if rest.len() < head_end + 4 + length {
      break;
    }
    if !head.starts_with("http/1.1 100") {
      count += 1;
    }
    rest = &rest[head_end + 4 + length..];
  }
  count
}

/// The Content-Length of a lower-cased response head (0 when absent).
fn content_length(head: &str) -> usize {
  head
    .split("\r\n")
    .find_map(|line| {
      line
        .strip_prefix("content-length:")
        .map(|v| v.trim().parse().unwrap_or(0))
    })
    .unwrap_or(0)
}

/// The status codes of every response in `bytes`, in order.
pub fn statuses(bytes: &[u8]) -> Vec<u16> {
  let text = String::from_utf8_lossy(bytes);
  let mut out = Vec::new();
  let mut rest: &str = &text;
  while let Some(at) = rest.find("HTTP/1.1 ") {
    let code = &rest[at + 9..(at + 12).min(rest.len())];
    if let Ok(code) = code.parse() {
      out.push(code);
    }
    rest = &rest[at + 12.min(rest.len() - at)..];
    // Skip the body, when the head says how long it is.
    if let Some(head_end) = rest.find("\r\n\r\n") {
      let head = &rest[..head_end].to_ascii_lowercase();
      let length = content_length(head);
      rest = &rest[(head_end + 4 + length).min(rest.len())..];
    }
  }
  out
}

pub fn half_close(stream: &TcpStream) {
  let _ = stream.shutdown(Shutdown::Write);
}
