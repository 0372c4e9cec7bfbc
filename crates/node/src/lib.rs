//! Node-API binding of `fasthttp-core`: one `NativeServer` class and the
//! wire format's constants. The TypeScript layer (`index.ts`, `src/`) owns
//! the API users see; this file only moves batches in and answers out (one
//! synchronous `respond` per JavaScript tick). Batches come two ways, both
//! copied into JavaScript's pull slabs so no buffer or typed array is made
//! per batch: a batch an I/O thread framed is queued and announced by a
//! ThreadsafeFunction call carrying no bytes (JavaScript then `take`s it),
//! and while JavaScript runs the I/O thread's turns inline it `pull`s them.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fasthttp_core::{
  http_date, wire, Batch, Embedder, EngineConfig, Family, QuietPull, ServerHandle, ShutdownMode, REASON_PHRASES,
};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

#[cfg(unix)]
mod loop_watch;
#[cfg(unix)]
use loop_watch::LoopWatch;
/// Elsewhere there is no watch: quiet pulls linger (`QuietPull::Linger`).
#[cfg(not(unix))]
struct LoopWatch;
#[cfg(not(unix))]
impl LoopWatch {
  fn arm(&self) {}
  fn disarm(&self) {}
  fn close(self) {}
}

/// Exports each constant of the wire format (`fasthttp_core::wire`) to
/// JavaScript under its own name, so `src/wire.ts` never writes one down.
macro_rules! export_wire {
  ($($name:ident),* $(,)?) => {
    $(
      #[napi]
      pub const $name: u32 = wire::$name as u32;
    )*
  };
}

fasthttp_core::with_wire_constants!(export_wire);

/// The engine's reason phrases (`REASON_PHRASES`), one `"<code> <phrase>"`
/// per entry: `src/response-head.ts` reads them once, at load.
#[napi]
pub fn reason_phrases() -> Vec<String> {
  REASON_PHRASES
    .iter()
    .map(|(code, phrase)| format!("{code} {phrase}"))
    .collect()
}

/// The `Date` header value for now, formatted by the engine's one formatter
/// (`src/response-head.ts` asks at most once a second).
#[napi]
pub fn http_date_now() -> String {
  String::from_utf8_lossy(&http_date(std::time::SystemTime::now())).into_owned()
}

/// The engine settings, already validated by `src/config.ts`.
#[napi(object)]
pub struct NativeConfig {
  pub host: String,
  pub port: u32,
  /// 'ip6' (dual stack) or 'ip'.
  pub family: String,
  pub max_request_buffer_size: u32,
  pub max_body_size: f64,
  /// Bodies longer than this are streamed to JS in pieces; absent: never.
  pub stream_body_over: Option<f64>,
  /// Let CONNECT reach JavaScript (only a takeover can accept it); absent: 501.
  pub allow_connect: Option<bool>,
  pub request_timeout_ms: u32,
  pub idle_timeout_ms: u32,
  /// 0: handlers are never timed out.
  pub handler_timeout_ms: u32,
  pub max_connections: u32,
  pub reuse_port: bool,
  /// `TCP_DEFER_ACCEPT` on Linux (default true).
  pub defer_accept: Option<bool>,
  pub io_threads: u32,
  pub prealloc: bool,
  pub arena_trace: bool,
  /// Run the I/O thread's turns on the JavaScript thread while it is busy
  /// (default true): JavaScript must then `pull` whenever `respond` says so.
  pub inline_turns: Option<bool>,
}

impl From<EngineConfig> for NativeConfig {
  fn from(engine: EngineConfig) -> Self {
    let millis = |duration: Duration| duration.as_millis() as u32;
    NativeConfig {
      host: engine.host,
      port: u32::from(engine.port),
      family: match engine.family {
        Family::Ip => "ip",
        Family::Ip6 => "ip6",
      }
      .to_string(),
      max_request_buffer_size: engine.max_request_buffer_size as u32,
      max_body_size: engine.max_body_size as f64,
      stream_body_over: (engine.stream_body_over != u64::MAX).then_some(engine.stream_body_over as f64),
      allow_connect: Some(engine.allow_connect),
      request_timeout_ms: millis(engine.request_timeout),
      idle_timeout_ms: millis(engine.idle_timeout),
      handler_timeout_ms: engine.handler_timeout.map_or(0, millis),
      max_connections: engine.max_connections as u32,
      reuse_port: engine.reuse_port,
      defer_accept: Some(engine.defer_accept),
      io_threads: engine.io_threads as u32,
      prealloc: engine.prealloc,
      arena_trace: engine.arena_trace,
      inline_turns: Some(engine.inline_turns),
    }
  }
}

/// The engine's own defaults (`EngineConfig::default`), as the settings the
/// constructor takes: the config test checks they agree with `DEFAULTS`.
#[napi]
pub fn engine_defaults() -> NativeConfig {
  EngineConfig::default().into()
}

/// A batch too big for the room left in a pull slab, handed out whole.
#[napi(object)]
pub struct PulledBatch {
  pub table: Uint32Array,
  pub data: Buffer,
}

impl From<Batch> for PulledBatch {
  fn from(batch: Batch) -> Self {
    PulledBatch {
      table: Uint32Array::new(batch.table),
      data: Buffer::from(batch.data),
    }
  }
}

/// Batches the I/O threads delivered and JavaScript has not taken yet, one
/// queue per thread in the order they were announced (one
/// ThreadsafeFunction call each, so a thread's calls and its queue stay in
/// step whatever order the threads' calls arrive in).
type DeliveredQueues = Arc<Vec<Mutex<VecDeque<Batch>>>>;

/// Forwards engine events to JavaScript through the server's single
/// ThreadsafeFunction: `(thread, stopped, stopError)`. A batch is queued and
/// announced with `stopped` false; JavaScript then `take`s it.
struct JsEmbedder {
  on_event: EventCallback,
  delivered: DeliveredQueues,
}

/// `(thread, stopped, stopError) => void`, called without an error
/// argument. (Written out in `start`'s signature: an alias there would leak
/// into the generated `.d.ts`.)
type EventCallback =
  ThreadsafeFunction<FnArgs<(u32, bool, Option<String>)>, (), FnArgs<(u32, bool, Option<String>)>, Status, false>;

impl Embedder for JsEmbedder {
  fn deliver(&self, thread: u32, batch: Batch) {
    let Some(queue) = self.delivered.get(thread as usize) else {
      return;
    };
    queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(batch);
    self.on_event.call(
      FnArgs::from((thread, false, None)),
      ThreadsafeFunctionCallMode::NonBlocking,
    );
  }

  fn stopped(&self, thread: u32, error: Option<String>) {
    self.on_event.call(
      FnArgs::from((thread, true, error)),
      ThreadsafeFunctionCallMode::NonBlocking,
    );
  }
}

/// Rows of a batch not handed out yet: the batch, the first such row, and
/// whether its buffers go back to the engine when done (pulled batches; a
/// delivered batch's I/O thread may be busy in its turn, so it is dropped).
type Leftover = (Batch, usize, bool);

/// A server engine: bound and serving after `start`, until `shutdown`.
#[napi]
pub struct NativeServer {
  config: EngineConfig,
  started: bool,
  handle: Option<Arc<ServerHandle>>,
  delivered: DeliveredQueues,
  /// The rows of a batch that did not fit in the slab yet: `take` and
  /// `pull` hand them out before anything else.
  leftover: RefCell<Option<Leftover>>,
  /// Node's event loop watches the engine while JavaScript runs the turns
  /// (`watchLoop`); absent, quiet pulls linger and give the turns back.
  loop_watch: RefCell<Option<LoopWatch>>,
}

#[napi]
impl NativeServer {
  #[napi(constructor)]
  pub fn new(config: NativeConfig) -> Result<Self> {
    let family = match config.family.as_str() {
      "ip" => Family::Ip,
      _ => Family::Ip6,
    };
    let engine = EngineConfig {
      host: config.host,
      port: config.port as u16,
      family,
      max_request_buffer_size: config.max_request_buffer_size as usize,
      max_body_size: config.max_body_size as u64,
      stream_body_over: config.stream_body_over.map_or(u64::MAX, |bytes| bytes as u64),
      allow_connect: config.allow_connect.unwrap_or(false),
      request_timeout: Duration::from_millis(u64::from(config.request_timeout_ms)),
      idle_timeout: Duration::from_millis(u64::from(config.idle_timeout_ms)),
      handler_timeout: (config.handler_timeout_ms > 0)
        .then(|| Duration::from_millis(u64::from(config.handler_timeout_ms))),
      max_connections: config.max_connections as usize,
      reuse_port: config.reuse_port,
      defer_accept: config.defer_accept.unwrap_or(true),
      io_threads: config.io_threads as usize,
      prealloc: config.prealloc,
      arena_trace: config.arena_trace,
      inline_turns: config.inline_turns.unwrap_or(true),
      ..EngineConfig::default()
    };
    let threads = engine.io_threads.max(1);
    Ok(NativeServer {
      config: engine,
      started: false,
      handle: None,
      delivered: Arc::new((0..threads).map(|_| Mutex::default()).collect()),
      leftover: RefCell::new(None),
      loop_watch: RefCell::new(None),
    })
  }

  /// Binds and starts the I/O threads; returns the bound port. Throws on a
  /// bind error (address in use, permission, unknown host). `onEvent` is
  /// made a ThreadsafeFunction only here, so a server that is never started
  /// does not keep the process alive.
  #[napi]
  #[allow(clippy::type_complexity)]
  pub fn start(
    &mut self,
    env: Env,
    on_event: ThreadsafeFunction<
      FnArgs<(u32, bool, Option<String>)>,
      (),
      FnArgs<(u32, bool, Option<String>)>,
      Status,
      false,
    >,
  ) -> Result<u32> {
    if self.started {
      return Err(Error::from_reason("server already started"));
    }
    self.started = true;
    let embedder: Arc<dyn Embedder> = Arc::new(JsEmbedder {
      on_event,
      delivered: self.delivered.clone(),
    });
    let config = self.config.clone();
    let started = catch_unwind(AssertUnwindSafe(|| ServerHandle::start(&config, embedder)))
      .map_err(|_| Error::from_reason("fasthttp: panic while starting the server"))?;
    let handle = Arc::new(started.map_err(|err| {
      let address = if config.host.is_empty() {
        "*".to_string()
      } else {
        config.host.clone()
      };
      Error::new(
        Status::GenericFailure,
        format!("listen {}:{} failed: {err}", address, config.port),
      )
    })?);
    // If the environment goes away (worker terminated, process exiting)
    // while serving, stop and join the I/O threads first.
    let for_cleanup = Arc::downgrade(&handle);
    env.add_env_cleanup_hook(for_cleanup, |handle| {
      if let Some(handle) = handle.upgrade() {
        handle.shutdown(ShutdownMode::Immediate);
        handle.join();
      }
    })?;
    let port = u32::from(handle.local_addr().port());
    self.handle = Some(handle);
    Ok(port)
  }

  /// The number of I/O threads (each reports its own stop).
  #[napi]
  pub fn thread_count(&self) -> u32 {
    self.handle.as_ref().map_or(0, |h| h.thread_count() as u32)
  }

  /// Queues the answer records of one tick. `batchDoneThread` (or -1) says
  /// which thread's batch has been fully handed to handlers. `externals`
  /// holds the payloads of records marked external (large bodies JS did not
  /// copy into `records`), in order. Returns whether JavaScript runs the
  /// turns now: it should then `pull` soon (after other pending I/O).
  /// `recordsLen`, when given, is how much of `records` is filled (so the
  /// caller passes its reusable buffer without making a view of it).
  #[napi]
  pub fn respond(
    &self,
    records: &[u8],
    batch_done_thread: i32,
    externals: Option<Vec<Uint8Array>>,
    records_len: Option<u32>,
  ) -> bool {
    let Some(handle) = self.handle.as_ref() else {
      return false;
    };
    let records = &records[..records_len.map_or(records.len(), |len| (len as usize).min(records.len()))];
    let done = u32::try_from(batch_done_thread).ok();
    let externals = externals.unwrap_or_default();
    let slices: Vec<&[u8]> = externals.iter().map(|buffer| &buffer[..]).collect();
    let ours = catch_unwind(AssertUnwindSafe(|| handle.respond(records, &slices, done))).unwrap_or(false);
    match self.loop_watch.borrow().as_ref() {
      // The watch calls the next pull; JavaScript schedules one only for
      // work the poll will not report.
      Some(watch) if ours => {
        watch.arm();
        handle.work_left()
      }
      _ => ours,
    }
  }

  /// While JavaScript runs the turns, let Node's event loop call `onReady`
  /// (which pulls) when the engine has events, instead of JavaScript
  /// polling with `setImmediate` (see `loop_watch`). Unix under Node.js
  /// with one I/O thread only; returns whether the watch runs. Call after
  /// `start`.
  #[napi(ts_args_type = "onReady: () => void")]
  pub fn watch_loop(&self, env: Env, on_ready: Unknown<'_>) -> bool {
    #[cfg(unix)]
    {
      let Some(handle) = self.handle.as_ref() else {
        return false;
      };
      if self.loop_watch.borrow().is_some() {
        return false;
      }
      // None without inline turns (or with several I/O threads).
      let Some(Ok(descriptor)) = handle.watch_descriptor() else {
        return false;
      };
      let watch = LoopWatch::new(env.raw(), on_ready.raw(), Arc::downgrade(handle), descriptor);
      let watching = watch.is_some();
      if let Some(watch) = watch {
        if handle.embedder_has_turns() {
          watch.arm();
        }
        *self.loop_watch.borrow_mut() = Some(watch);
      }
      watching
    }
    #[cfg(not(unix))]
    {
      let _ = (env, on_ready);
      false
    }
  }

  /// Stops the watch (the server has stopped; also safe before `start`).
  #[napi]
  pub fn close_watch(&self) {
    if let Some(watch) = self.loop_watch.borrow_mut().take() {
      watch.close();
    }
  }

  /// The batch an `onEvent(thread, false)` call announced (from `thread`'s
  /// queue), copied into the
  /// pull slab like `pull`'s (rows left over come with the next calls, see
  /// `pullPending`); null when none is queued.
  #[napi]
  pub fn take(
    &self,
    thread: u32,
    mut data: Uint8ArraySlice<'_>,
    data_at: u32,
    mut table: Uint32ArraySlice<'_>,
    table_at: u32,
  ) -> Option<Either<u32, PulledBatch>> {
    // SAFETY: as in `pull`.
    let (data, table) = unsafe { (data.as_mut(), table.as_mut()) };
    let next = self.leftover.borrow_mut().take().or_else(|| {
      let queue = self.delivered.get(thread as usize)?;
      let batch = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front()?;
      Some((batch, 0, false))
    })?;
    Some(self.hand_out(next, data, data_at as usize, table, table_at as usize))
  }

  /// While JavaScript runs the turns: one non-blocking turn of the engine on
  /// this thread (answers written, new requests read) and its batch; null
  /// when none came (the turns then went back to the I/O thread).
  ///
  /// Pull slabs: the batch's rows are copied into `data` from byte `dataAt`
  /// and into `table` from word `tableAt` (row offsets made absolute in
  /// `data`), as many as fit, and their number is returned: no buffer, no
  /// finalizer and no allocation per batch. The rows that did not fit wait
  /// for the next calls (`pullPending`), which take them before another
  /// turn. A row too big for the room left comes as a batch of its own.
  #[napi]
  pub fn pull(
    &self,
    mut data: Uint8ArraySlice<'_>,
    data_at: u32,
    mut table: Uint32ArraySlice<'_>,
    table_at: u32,
  ) -> Option<Either<u32, PulledBatch>> {
    let handle = self.handle.as_ref()?;
    // SAFETY: the slabs are plain JS typed arrays, written only here, during
    // this synchronous call on the JavaScript thread (nothing else runs).
    let (data, table) = unsafe { (data.as_mut(), table.as_mut()) };
    let next = match self.leftover.borrow_mut().take() {
      Some(rest) => rest,
      None => match catch_unwind(AssertUnwindSafe(|| handle.pull(self.quiet_pull()))) {
        Ok(Some(batch)) => (batch, 0, true),
        Ok(None) => {
          if !handle.embedder_has_turns() {
            if let Some(watch) = self.loop_watch.borrow().as_ref() {
              watch.disarm();
            }
          }
          return None;
        }
        Err(_) => {
          // Never leave the engine without a thread to run it.
          handle.return_turns();
          handle.shutdown(ShutdownMode::Immediate);
          return None;
        }
      },
    };
    Some(self.hand_out(next, data, data_at as usize, table, table_at as usize))
  }

  /// What a quiet pull does: with the loop watch, JavaScript keeps the turns.
  fn quiet_pull(&self) -> QuietPull {
    if self.loop_watch.borrow().is_some() {
      QuietPull::KeepTurns
    } else {
      QuietPull::Linger
    }
  }

  /// Copies as many rows of `batch` from `first` as fit into the slab and
  /// returns their number; the rest is kept for the next call. A row too
  /// big for the room left comes as a batch of its own, with the big rows
  /// right after it.
  fn hand_out(
    &self,
    (batch, first, recyclable): Leftover,
    data: &mut [u8],
    data_at: usize,
    table: &mut [u32],
    table_at: usize,
  ) -> Either<u32, PulledBatch> {
    let copied = batch.copy_rows_into(first, data, data_at, table, table_at);
    if copied > 0 || first >= batch.len() {
      self.keep_rest((batch, first + copied, recyclable));
      return Either::A(copied as u32);
    }
    let big = batch.rows_larger_than(first, data.len().saturating_sub(data_at)).max(1);
    if first == 0 && big >= batch.len() {
      return Either::B(batch.into());
    }
    let own = batch.rows(first, first + big);
    self.keep_rest((batch, first + big, recyclable));
    Either::B(own.into())
  }

  /// Keeps the rows of a batch from `next` on for the next call, or, when
  /// none are left, gives a pulled batch's buffers back to the engine.
  fn keep_rest(&self, (batch, next, recyclable): Leftover) {
    if next < batch.len() {
      *self.leftover.borrow_mut() = Some((batch, next, recyclable));
    } else if let (true, Some(handle)) = (recyclable, self.handle.as_ref()) {
      handle.recycle(batch);
    }
  }

  /// Whether rows of a batch still wait for `take` or `pull`.
  #[napi]
  pub fn pull_pending(&self) -> bool {
    self.leftover.borrow().is_some()
  }

  /// Graceful (`immediate` false): stop accepting, finish what is owed, stop.
  /// Immediate: close every connection now.
  #[napi]
  pub fn shutdown(&self, immediate: bool) {
    if let Some(handle) = self.handle.as_ref() {
      handle.shutdown(if immediate {
        ShutdownMode::Immediate
      } else {
        ShutdownMode::Graceful
      });
    }
  }
}

/// The addresses of a connection's socket, `[peerIp, peerPort, localIp,
/// localPort]` (`getpeername`/`getsockname` on the descriptor the engine
/// owns; nothing is taken from it), or null when it is not a connected TCP
/// socket (closed, or another platform). For `fasthttp/node`'s
/// `socket.remoteAddress` and `localAddress`, asked only when read.
#[napi]
pub fn socket_addresses(fd: i32) -> Option<Vec<String>> {
  let (peer, local) = fasthttp_core::connection_addresses(fd)?;
  Some(vec![
    peer.ip().to_string(),
    peer.port().to_string(),
    local.ip().to_string(),
    local.port().to_string(),
  ])
}

/// Whether the peer of a connection has closed it (FIN or reset), seen with
/// a non-blocking `MSG_PEEK` that takes nothing from the engine: true when
/// the socket is at its end or reset, false while it is open (nothing to
/// read, or bytes waiting), null when `fd` is not a connected TCP socket
/// or its peer port is not `remote_port` any more (the descriptor was
/// reused). For `fasthttp/node`: the engine says a client left only while
/// a stream is open, so an answer still pending asks this now and then.
#[napi]
pub fn socket_peer_closed(fd: i32, remote_port: u32) -> Option<bool> {
  fasthttp_core::peer_closed(fd, u16::try_from(remote_port).ok()?)
}
