//! Starting and stopping a server: bind the listening sockets, run one
//! reactor per I/O thread, route answers to the thread that owns the
//! connection, shut down gracefully or at once, and join the threads.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::batch::Batch;
use crate::file_body::FileBody;
use crate::framing::Limits;
#[cfg(unix)]
use crate::reactor::watch_descriptor;
use crate::reactor::{
  answer_now, pull, recycle, run_io_thread, work_left, write_answers, Embedder, QuietPull, Reactor, ReactorCell,
  ReactorSettings, ShutdownMode, ThreadShared, THREAD_SHIFT,
};
use crate::response::{answers_with_externals, error_response, push_answer, Answer, FileMeta};
use crate::wire::{KIND_CLOSE, KIND_FILE, KIND_MASK, KIND_RAW};

/// Which addresses an empty `host` listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
  /// IPv6 and IPv4 (a dual-stack `[::]` socket), V's default.
  Ip6,
  /// IPv4 only.
  Ip,
}

/// Everything the engine needs to know; validated by the embedder.
#[derive(Debug, Clone)]
pub struct EngineConfig {
  /// The interface to bind ('' = every interface of `family`).
  pub host: String,
  /// The port (0: a free one, see `ServerHandle::local_addr`).
  pub port: u16,
  /// IPv4 only, or IPv6 dual-stack.
  pub family: Family,
  /// The longest request head; longer is answered 431.
  pub max_request_buffer_size: usize,
  /// The longest body, decoded; longer is answered 413.
  pub max_body_size: u64,
  /// Bodies longer than this reach the embedder in pieces as they arrive.
  pub stream_body_over: u64,
  /// Let CONNECT requests reach the embedder (a takeover answer accepts
  /// one); otherwise the engine answers them 501.
  pub allow_connect: bool,
  /// A request not complete this long after its first byte gets 408.
  pub request_timeout: Duration,
  /// An idle keep-alive connection closes after this long.
  pub idle_timeout: Duration,
  /// A request whose embedder has not answered by then gets 503 (None: never).
  pub handler_timeout: Option<Duration>,
  /// Accepting pauses while this many connections are open.
  pub max_connections: usize,
  /// `SO_REUSEPORT`: several servers (processes, threads) on one port.
  pub reuse_port: bool,
  /// `TCP_DEFER_ACCEPT` where there is one (Linux): a connection is
  /// accepted once its first bytes have come (or after about a second).
  pub defer_accept: bool,
  /// I/O threads, each with its own poll and connections.
  pub io_threads: usize,
  /// Per-request `bumpalo` arenas (false: the global allocator).
  pub prealloc: bool,
  /// One line per request on stderr with its arena's use.
  pub arena_trace: bool,
  /// The listen backlog.
  pub backlog: i32,
  /// With one I/O thread: let the embedder's thread run turns itself while
  /// it is busy (`ServerHandle::pull`), so that under load requests do not
  /// cross threads.
  pub inline_turns: bool,
}

/// The defaults users are told (the README's config table, `DEFAULTS` in
/// `src/config.ts`); `__test__/config.spec.ts` checks, through the binding's
/// `engineDefaults()`, that these agree with them.
impl Default for EngineConfig {
  fn default() -> Self {
    EngineConfig {
      host: String::new(),
      port: 3000,
      family: Family::Ip6,
      max_request_buffer_size: 8192,
      max_body_size: 10 * 1024 * 1024,
      stream_body_over: u64::MAX,
      allow_connect: false,
      request_timeout: Duration::from_secs(30),
      idle_timeout: Duration::from_secs(75),
      handler_timeout: Some(Duration::from_secs(60)),
      max_connections: 65_536,
      reuse_port: false,
      defer_accept: true,
      io_threads: 1,
      prealloc: true,
      arena_trace: false,
      backlog: 1024,
      inline_turns: true,
    }
  }
}

/// A running server.
pub struct ServerHandle {
  local_addr: SocketAddr,
  threads: Vec<Arc<ThreadShared>>,
  reactors: Vec<Arc<ReactorCell>>,
  joins: Mutex<Vec<JoinHandle<()>>>,
  /// A duplicate of the single I/O thread's poll descriptor when its turns
  /// may run inline (see `watch_descriptor`), taken before the thread runs:
  /// the thread holds its reactor's lock while it blocks in the poll.
  #[cfg(unix)]
  watch_fd: Option<std::os::fd::OwnedFd>,
}

impl ServerHandle {
  /// Binds and starts the I/O threads. Errors (address in use, permission,
  /// unknown host) come back here, before anything runs.
  pub fn start(config: &EngineConfig, embedder: Arc<dyn Embedder>) -> io::Result<ServerHandle> {
    let io_threads = if cfg!(unix) { config.io_threads.max(1) } else { 1 };
    let reuse_port = config.reuse_port || io_threads > 1;
    let first = bind(config, config.port, reuse_port)?;
    let local_addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..io_threads {
      // Every further thread gets its own socket on the same port: the kernel
      // spreads connections over them (SO_REUSEPORT).
      listeners.push(bind(config, local_addr.port(), true)?);
    }
    let settings = ReactorSettings {
      limits: Limits {
        max_head: config.max_request_buffer_size,
        max_body: config.max_body_size,
        stream_body_over: config.stream_body_over,
        allow_connect: config.allow_connect,
      },
      request_timeout: config.request_timeout,
      idle_timeout: config.idle_timeout,
      handler_timeout: config.handler_timeout,
      max_connections: config.max_connections,
      prealloc: config.prealloc,
      arena_trace: config.arena_trace,
      inline_turns: config.inline_turns && io_threads == 1,
    };
    let mut threads = Vec::new();
    let mut reactors = Vec::new();
    for (index, listener) in listeners.into_iter().enumerate() {
      let (reactor, shared) = Reactor::new(index as u32, listener, embedder.clone(), settings)?;
      threads.push(shared);
      reactors.push(reactor);
    }
    let reactors: Vec<Arc<ReactorCell>> = reactors.into_iter().map(|r| Arc::new(Mutex::new(Some(r)))).collect();
    #[cfg(unix)]
    let watch_fd = match (settings.inline_turns, reactors.first()) {
      (true, Some(cell)) => watch_descriptor(cell).transpose()?,
      _ => None,
    };
    let mut joins = Vec::new();
    for (index, reactor) in reactors.iter().enumerate() {
      let embedder = embedder.clone();
      let reactor = reactor.clone();
      let shared = threads[index].clone();
      let join = std::thread::Builder::new()
        .name(format!("fasthttp-io-{index}"))
        .spawn(move || {
          // A panic must never unwind into the embedder: report it instead.
          // (The reactor, and with it every socket, is gone before the stop is reported.)
          let error = match catch_unwind(AssertUnwindSafe(|| run_io_thread(&reactor, &shared))) {
            Ok(Ok(())) => None,
            Ok(Err(err)) => Some(format!("I/O thread {index} failed: {err}")),
            Err(panic) => Some(format!("I/O thread {index} panicked: {}", panic_message(&panic))),
          };
          embedder.stopped(index as u32, error);
        })?;
      joins.push(join);
    }
    Ok(ServerHandle {
      local_addr,
      threads,
      reactors,
      joins: Mutex::new(joins),
      #[cfg(unix)]
      watch_fd,
    })
  }

  /// The bound address (the port the OS picked for port 0).
  pub fn local_addr(&self) -> SocketAddr {
    self.local_addr
  }

  /// How many I/O threads serve (each reports its own stop).
  pub fn thread_count(&self) -> usize {
    self.threads.len()
  }

  /// Routes the answer records of one tick to the threads owning their
  /// connections, and marks `batch_done_thread`'s batch consumed.
  /// `externals` are the payloads of `KIND_EXTERNAL` records, in order.
  /// Returns whether the caller runs the turns now (it should `pull` soon).
  pub fn respond(&self, records: &[u8], externals: &[&[u8]], batch_done_thread: Option<u32>) -> bool {
    // Direct answers: while the embedder runs the turns, its answers go to
    // their connections without a stop in the inbox. (File answers take the
    // inbox path, which owns a duplicate of each descriptor.)
    if self.threads.len() == 1 && !answers_with_externals(records, externals).any(is_file_answer) {
      let answers = answers_with_externals(records, externals).map(|answer| (answer, None));
      if answer_now(
        &self.reactors[0],
        &self.threads[0],
        answers,
        batch_done_thread == Some(0),
      ) {
        return self.embedder_has_turns();
      }
    }
    self.post(records, externals, batch_done_thread);
    if self.threads.len() == 1 {
      write_answers(&self.reactors[0], &self.threads[0]);
    }
    self.embedder_has_turns()
  }

  /// Whether the embedder's thread runs the (single) I/O thread's turns now.
  pub fn embedder_has_turns(&self) -> bool {
    self.threads.len() == 1 && self.threads[0].embedder_has_turns()
  }

  /// While the embedder has the turns: runs one non-blocking turn on the
  /// calling thread (answers written, new requests read and framed) and
  /// returns its batch; `quiet` says what a turn that finds nothing does
  /// with the turns (see `reactor::pull`).
  pub fn pull(&self, quiet: QuietPull) -> Option<Batch> {
    if self.threads.len() != 1 {
      return None;
    }
    pull(&self.reactors[0], &self.threads[0], quiet)
  }

  /// Whether the last turn left work its poll will not report again: an
  /// embedder that pulls only when `watch_descriptor` is readable should
  /// pull once more anyway.
  pub fn work_left(&self) -> bool {
    self.threads.len() == 1 && work_left(&self.reactors[0])
  }

  /// A descriptor that is readable whenever the (single) I/O thread's poll
  /// has events, for an embedder whose own event loop watches it while it
  /// runs the turns (`QuietPull::KeepTurns`). A duplicate the caller owns:
  /// it stays valid (and quiet) after the engine has stopped. None with
  /// several I/O threads or without inline turns.
  #[cfg(unix)]
  pub fn watch_descriptor(&self) -> Option<io::Result<std::os::fd::OwnedFd>> {
    self.watch_fd.as_ref().map(|fd| fd.try_clone())
  }

  /// Hands back a pulled batch the embedder has copied out, so its buffers
  /// serve the next batch instead of new allocations.
  pub fn recycle(&self, batch: Batch) {
    if self.threads.len() == 1 {
      recycle(&self.reactors[0], batch);
    }
  }

  /// Gives the turns back to the I/O thread (the embedder cannot pull).
  pub fn return_turns(&self) {
    for shared in &self.threads {
      shared.return_turns();
    }
  }

  fn post(&self, records: &[u8], externals: &[&[u8]], batch_done_thread: Option<u32>) {
    let has_files = answers_with_externals(records, externals).any(is_file_answer);
    if self.threads.len() == 1 && externals.is_empty() && !has_files {
      // Only whole records go into the inbox: a truncated one must not
      // swallow the records a later call appends behind it.
      let whole = &records[..crate::response::whole_records_len(records)];
      self.threads[0].post_answers(whole, batch_done_thread == Some(0));
      return;
    }
    if self.threads.len() == 1 {
      // Copy each payload once, straight into the inbox.
      self.threads[0].post_answers_with(batch_done_thread == Some(0), |inbox| {
        for answer in answers_with_externals(records, externals) {
          push_owned_answer(inbox, &answer);
        }
      });
      return;
    }
    // Rebuild one self-contained record stream per thread.
    let mut per_thread: Vec<Vec<u8>> = vec![Vec::new(); self.threads.len()];
    for answer in answers_with_externals(records, externals) {
      let thread = (answer.id.conn >> THREAD_SHIFT) as usize;
      if let Some(out) = per_thread.get_mut(thread) {
        push_owned_answer(out, &answer);
      }
    }
    for (index, shared) in self.threads.iter().enumerate() {
      let done = batch_done_thread == Some(index as u32);
      if !per_thread[index].is_empty() || done {
        shared.post_answers(&per_thread[index], done);
      }
    }
  }

  /// Asks every I/O thread to stop, gracefully or at once; each reports
  /// through `Embedder::stopped`.
  pub fn shutdown(&self, mode: ShutdownMode) {
    for shared in &self.threads {
      shared.post_shutdown(mode);
    }
  }

  /// Waits for the I/O threads to end (after `shutdown`).
  pub fn join(&self) {
    let joins = std::mem::take(&mut *self.joins.lock().unwrap_or_else(|e| e.into_inner()));
    for join in joins {
      let _ = join.join();
    }
  }
}

impl Drop for ServerHandle {
  fn drop(&mut self) {
    self.shutdown(ShutdownMode::Immediate);
    self.join();
  }
}

/// Queues one answer for an I/O thread. A file answer's descriptor belongs
/// to the embedder, which closes it once `respond` returns: it is duplicated
/// here, during the call, and the inbox owns the duplicate. A file that
/// cannot be taken over is answered with 500.
fn is_file_answer(answer: Answer) -> bool {
  answer.kind & KIND_MASK == KIND_FILE
}

fn push_owned_answer(out: &mut Vec<u8>, answer: &Answer) {
  if answer.kind & KIND_MASK != KIND_FILE {
    push_answer(out, answer.id, answer.kind, answer.bytes);
    return;
  }
  let owned = FileMeta::split(answer.bytes).and_then(|(meta, head)| {
    let file = FileBody::from_borrowed_fd(meta.fd, meta.offset, meta.length).ok()?;
    Some(
      FileMeta {
        fd: file.into_raw_fd(),
        ..meta
      }
      .payload(head),
    )
  });
  match owned {
    Some(payload) => push_answer(out, answer.id, answer.kind, &payload),
    None => {
      let response = error_response(500, "the file could not be sent", b"", answer.kind & KIND_CLOSE != 0);
      push_answer(out, answer.id, KIND_RAW | (answer.kind & KIND_CLOSE), &response);
    }
  }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
  if let Some(text) = panic.downcast_ref::<&str>() {
    text.to_string()
  } else if let Some(text) = panic.downcast_ref::<String>() {
    text.clone()
  } else {
    "unknown panic".to_string()
  }
}

/// The address to listen on for `host`/`family`.
fn listen_addresses(config: &EngineConfig, port: u16) -> io::Result<Vec<SocketAddr>> {
  if config.host.is_empty() {
    return Ok(match config.family {
      // Dual stack, falling back to IPv4 where the machine has no IPv6.
      Family::Ip6 => vec![
        SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
      ],
      Family::Ip => vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)],
    });
  }
  let host = config.host.trim_start_matches('[').trim_end_matches(']');
  let mut addresses: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
  if config.family == Family::Ip {
    addresses.retain(SocketAddr::is_ipv4);
  }
  if addresses.is_empty() {
    return Err(io::Error::new(
      io::ErrorKind::AddrNotAvailable,
      format!("host '{}' has no usable address", config.host),
    ));
  }
  Ok(addresses)
}

fn bind(config: &EngineConfig, port: u16, reuse_port: bool) -> io::Result<mio::net::TcpListener> {
  let mut last_error = None;
  for address in listen_addresses(config, port)? {
    match bind_one(address, config, reuse_port) {
      Ok(listener) => return Ok(listener),
      // Address in use or permission denied is the answer; only a missing
      // address family moves on to the next candidate.
      Err(err) if matches!(err.kind(), io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied) => return Err(err),
      Err(err) => last_error = Some(err),
    }
  }
  Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, "no address to listen on")))
}

fn bind_one(address: SocketAddr, config: &EngineConfig, reuse_port: bool) -> io::Result<mio::net::TcpListener> {
  let socket = Socket::new(Domain::for_address(address), Type::STREAM, Some(Protocol::TCP))?;
  if address.is_ipv6() && address.ip().is_unspecified() {
    socket.set_only_v6(false)?;
  }
  crate::sys::set_listener_options(&socket, reuse_port, config.defer_accept)?;
  socket.bind(&address.into())?;
  socket.listen(config.backlog)?;
  socket.set_nonblocking(true)?;
  Ok(mio::net::TcpListener::from_std(socket.into()))
}
