//! The event loop of one I/O thread: a `mio` poll over its listener, its
//! connections and a waker, read top to bottom once per turn:
//!
//! 1. wait for events (at most until the next once-a-second sweep);
//! 2. accept, read and frame whatever is ready into this turn's batch;
//! 3. take the embedder's answers from the inbox and queue them in order;
//! 4. write each touched connection once; close the finished ones;
//! 5. hand the batch to the embedder, unless an earlier one is still queued.
//!
//! Inline turns (the embedder's thread running turns while it is busy) and
//! the inbox other threads post to are in `handoff`.

mod handoff;

use handoff::adopt_file;
#[cfg(unix)]
pub use handoff::watch_descriptor;
pub use handoff::{
  answer_now, pull, recycle, run_io_thread, work_left, write_answers, QuietPull, ReactorCell, ThreadShared,
};

use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use crate::arena::ArenaPool;
use crate::batch::{Batch, RequestId};
use crate::buffer_pool::BufferPool;
use crate::connection::{interrupted, would_block, Connection, Phase, ReadOutcome, TurnContext};
use crate::date::http_date;
use crate::file_body::FileBody;
use crate::framing::Limits;
use crate::head::Reject;
use crate::response::{answers, Answer};
use crate::wire::{FLAG_BODY_ABORTED, FLAG_DRAINED, FLAG_STREAM_CLOSED};

const LISTENER: Token = Token(usize::MAX - 1);
const WAKER: Token = Token(usize::MAX - 2);

/// Connection ids carry the I/O thread's index in their top bits so that an
/// answer finds its thread without a lookup.
pub const THREAD_SHIFT: u32 = 24;
const SLOT_MASK: u32 = (1 << THREAD_SHIFT) - 1;

/// How long a closing connection waits for the peer to go away.
pub const LINGER: Duration = Duration::from_secs(2);
/// Timeouts are checked this often.
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);

/// What the embedder (the Node binding) receives from an I/O thread.
pub trait Embedder: Send + Sync + 'static {
  /// A batch of requests. Called on the I/O thread; must not block.
  fn deliver(&self, thread: u32, batch: Batch);
  /// The thread has stopped (`error` if it died of a panic or an I/O error).
  fn stopped(&self, thread: u32, error: Option<String>);
}

/// Settings an I/O thread runs with.
#[derive(Debug, Clone, Copy)]
pub struct ReactorSettings {
  pub limits: Limits,
  pub request_timeout: Duration,
  pub idle_timeout: Duration,
  /// A request whose handler has not answered by then gets 503 (None: never).
  pub handler_timeout: Option<Duration>,
  pub max_connections: usize,
  pub prealloc: bool,
  pub arena_trace: bool,
  /// Let the embedder's thread run turns while it is busy (see the top).
  pub inline_turns: bool,
}

/// How a server stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownMode {
  /// Stop accepting, finish what is owed, then stop.
  Graceful,
  /// Close every connection now and stop.
  Immediate,
}

/// Who asks for a turn, and so where its batch goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TurnMode {
  /// The I/O thread: waits for events, hands batches to `Embedder::deliver`.
  Io,
  /// The embedder's thread (`pull`): never waits, takes the batch itself.
  Pull,
}

/// How a turn ended.
pub enum TurnEnd {
  /// Nothing (or nothing more) for the embedder this turn.
  Quiet,
  /// A batch went to `Embedder::deliver`.
  Delivered,
  /// A batch for the caller of `pull`.
  Pulled(Batch),
  /// Shut down, every connection closed: the thread ends.
  Finished,
}

/// One I/O thread's state.
pub struct Reactor {
  index: u32,
  poll: Poll,
  listener: Option<TcpListener>,
  shared: Arc<ThreadShared>,
  embedder: Arc<dyn Embedder>,
  settings: ReactorSettings,
  connections: Vec<Option<Connection>>,
  generations: Vec<u32>,
  free_slots: Vec<usize>,
  open_connections: usize,
  accept_paused: bool,
  /// State every connection shares during a turn (arenas, batch, date).
  turn: TurnContext,
  /// Connections to service again this turn (answers came, pause lifted).
  touched: Vec<usize>,
  /// Connections that stopped reading because the batch was full.
  waiting_for_batch_room: Vec<usize>,
  answers_scratch: Vec<u8>,
  draining: bool,
  next_sweep: Instant,
  events: Events,
}

impl Reactor {
  pub fn new(
    index: u32,
    listener: TcpListener,
    embedder: Arc<dyn Embedder>,
    settings: ReactorSettings,
  ) -> io::Result<(Reactor, Arc<ThreadShared>)> {
    let poll = Poll::new()?;
    let waker = Waker::new(poll.registry(), WAKER)?;
    let shared = Arc::new(ThreadShared::new(waker, settings.inline_turns));
    let mut listener = listener;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    let reactor = Reactor {
      index,
      poll,
      listener: Some(listener),
      shared: shared.clone(),
      embedder,
      settings,
      connections: Vec::new(),
      generations: Vec::new(),
      free_slots: Vec::new(),
      open_connections: 0,
      accept_paused: false,
      turn: TurnContext {
        limits: settings.limits,
        arenas: ArenaPool::new(settings.prealloc, settings.arena_trace),
        read_buffers: BufferPool::default(),
        write_buffers: BufferPool::default(),
        batch: Batch::default(),
        date: http_date(SystemTime::now()),
        now: Instant::now(),
      },
      touched: Vec::new(),
      waiting_for_batch_room: Vec::new(),
      answers_scratch: Vec::new(),
      draining: false,
      next_sweep: Instant::now() + SWEEP_INTERVAL,
      events: Events::with_capacity(1024),
    };
    Ok((reactor, shared))
  }

  /// One turn of the loop (see the top of this file).
  fn turn(&mut self, mode: TurnMode) -> io::Result<TurnEnd> {
    let timeout = if mode == TurnMode::Pull || !self.touched.is_empty() {
      Duration::ZERO // never block the embedder; or: work left from the last turn
    } else {
      self.next_sweep.saturating_duration_since(Instant::now())
    };
    let mut events = std::mem::replace(&mut self.events, Events::with_capacity(0));
    let polled = self.poll.poll(&mut events, Some(timeout));
    let polled = match polled {
      Err(err) if interrupted(&err) => Ok(()),
      other => other,
    };
    if let Err(err) = polled {
      self.events = events;
      return Err(err);
    }
    let now = Instant::now();
    self.turn.now = now;
    for event in events.iter() {
      match event.token() {
        LISTENER => self.accept(now),
        WAKER => {}
        Token(slot) => {
          if let Some(conn) = self.connections.get_mut(slot).and_then(Option::as_mut) {
            if event.is_readable() || event.is_read_closed() || event.is_error() {
              conn.readable = true;
            }
            if event.is_read_closed() || event.is_error() {
              conn.read_closed_hint = true;
            }
            self.touched.push(slot);
          }
        }
      }
    }
    self.events = events;
    self.take_inbox();
    if self.turn.batch_has_room() && !self.waiting_for_batch_room.is_empty() {
      self.touched.append(&mut self.waiting_for_batch_room);
    }
    self.service_touched();
    if now >= self.next_sweep {
      self.sweep(now);
    }
    if self.draining && self.open_connections == 0 {
      // The last notices (streams closed, bodies cut short) still go out,
      // whether or not an earlier batch is unconsumed.
      if !self.turn.batch.is_empty() {
        self.embedder.deliver(self.index, self.turn.batch.take());
      }
      return Ok(TurnEnd::Finished);
    }
    Ok(self.hand_over_batch(mode))
  }

  fn accept(&mut self, now: Instant) {
    while !self.accept_paused {
      let Some(listener) = self.listener.as_ref() else { return };
      if self.open_connections >= self.settings.max_connections {
        // `maxConnections`: leave the rest in the kernel's backlog until a
        // connection closes.
        self.accept_paused = true;
        return;
      }
      match listener.accept() {
        Ok((socket, peer)) => self.add_connection(socket, peer.port(), now),
        Err(ref err) if would_block(err) => return,
        Err(ref err) if interrupted(err) => {}
        // ECONNABORTED, EMFILE and friends: this one is lost, the listener
        // is fine. (On EMFILE the next readiness event retries.)
        Err(_) => return,
      }
    }
  }

  fn add_connection(&mut self, mut socket: TcpStream, remote_port: u16, now: Instant) {
    if !crate::sys::ACCEPTED_NODELAY {
      let _ = socket.set_nodelay(true);
    }
    let slot = match self.free_slots.pop() {
      Some(slot) => slot,
      None => {
        self.connections.push(None);
        self.generations.push(0);
        self.connections.len() - 1
      }
    };
    if slot as u32 > SLOT_MASK {
      return; // 16M connections on one thread: refuse (the socket closes)
    }
    if self
      .poll
      .registry()
      .register(&mut socket, Token(slot), Interest::READABLE)
      .is_err()
    {
      self.free_slots.push(slot);
      return;
    }
    let id = (self.index << THREAD_SHIFT) | slot as u32;
    let conn = Connection::new(socket, remote_port, id, self.generations[slot], now);
    self.connections[slot] = Some(conn);
    self.open_connections += 1;
    // Data may already be waiting; the edge for it may have come before
    // registration.
    self.connections[slot].as_mut().unwrap().readable = true;
    self.touched.push(slot);
  }

  fn take_inbox(&mut self) {
    let shutdown = {
      let mut inbox = self.shared.inbox.lock().unwrap_or_else(|e| e.into_inner());
      std::mem::swap(&mut inbox.answers, &mut self.answers_scratch);
      inbox.shutdown.take()
    };
    let records = std::mem::take(&mut self.answers_scratch);
    for answer in answers(&records) {
      // A file answer's descriptor is ours from here on: if the answer finds
      // no connection, dropping it closes the file.
      let file = adopt_file(&answer);
      self.accept_answer(&answer, file);
    }
    self.answers_scratch = records;
    self.answers_scratch.clear();
    match shutdown {
      Some(ShutdownMode::Graceful) => self.begin_drain(),
      Some(ShutdownMode::Immediate) => {
        self.begin_drain();
        for slot in 0..self.connections.len() {
          self.close(slot);
        }
      }
      None => {}
    }
  }

  /// Queues one answer on its connection (if that connection still is the
  /// one the request came on); `file` closes when it finds none.
  fn accept_answer(&mut self, answer: &Answer, file: Option<FileBody>) {
    let slot = (answer.id.conn & SLOT_MASK) as usize;
    if answer.id.conn >> THREAD_SHIFT != self.index {
      return;
    }
    if let Some(conn) = self.connections.get_mut(slot).and_then(Option::as_mut) {
      if conn.generation == answer.id.generation {
        conn.accept_answer(answer, file, &mut self.turn);
        self.touched.push(slot);
      }
    }
  }

  /// Graceful shutdown: no new connections, no new requests; connections
  /// close as soon as they owe nothing.
  fn begin_drain(&mut self) {
    if self.draining {
      return;
    }
    self.draining = true;
    if let Some(mut listener) = self.listener.take() {
      let _ = self.poll.registry().deregister(&mut listener);
    }
    for slot in 0..self.connections.len() {
      if let Some(conn) = self.connections[slot].as_mut() {
        conn.stop_taking_requests();
        self.touched.push(slot);
      }
    }
  }

  /// Reads, frames and writes every connection touched this turn.
  fn service_touched(&mut self) {
    let mut touched = std::mem::take(&mut self.touched);
    touched.sort_unstable();
    touched.dedup();
    for &slot in &touched {
      self.service(slot);
    }
    touched.clear();
    self.touched = touched;
  }

  fn service(&mut self, slot: usize) {
    let Some(conn) = self.connections.get_mut(slot).and_then(Option::as_mut) else {
      return;
    };
    if conn.read_and_frame(&mut self.turn) == ReadOutcome::Broken || conn.overrun {
      self.close(slot);
      return;
    }
    if conn.peer_closed && conn.open_stream().is_some() {
      // The client left during a streamed answer (an event stream between
      // events): its producer hears it now, not at its next write. (Like
      // Node's own server, a half-closed client counts as gone here.)
      self.close(slot);
      return;
    }
    if conn.readable && conn.phase == Phase::Open && !self.turn.batch_has_room() {
      self.waiting_for_batch_room.push(slot);
    }
    if conn.flush(&mut self.turn).is_err() {
      self.close(slot);
      return;
    }
    if let Some(stream) = conn.take_due_drain() {
      self.turn.batch.push_stream_notice(stream, FLAG_DRAINED);
    }
    // Writable events are only wanted while output waits for socket space;
    // otherwise every ACK would wake the loop.
    if conn.has_unwritten_output() != conn.write_interest {
      let interest = if conn.has_unwritten_output() {
        Interest::READABLE | Interest::WRITABLE
      } else {
        Interest::READABLE
      };
      if self
        .poll
        .registry()
        .reregister(&mut conn.socket, Token(slot), interest)
        .is_err()
      {
        self.close(slot);
        return;
      }
      conn.write_interest = conn.has_unwritten_output();
    }
    if let Some(request) = conn.handover_ready() {
      self.hand_over(slot, request);
      return;
    }
    if let Phase::Lingering { .. } = conn.phase {
      if conn.peer_closed {
        self.close(slot);
      }
      return;
    }
    if conn.is_done() {
      if conn.peer_closed || (!conn.rejected && conn.nothing_pending_from_peer()) {
        // A normal close with nothing unread: closing now sends a plain FIN
        // after our last response, so no lingering is needed.
        self.close(slot);
      } else {
        conn.start_lingering(self.turn.now + LINGER);
        // Drain what the peer already sent, and see its EOF if it is there.
        let _ = conn.read_and_frame(&mut self.turn);
        if conn.peer_closed {
          self.close(slot);
        }
      }
    } else if conn.peer_closed && conn.in_flight_count() == 0 && !conn.has_unwritten_output() {
      // The peer is gone and nothing is owed (a partial request at most).
      self.close(slot);
    }
  }

  /// Timeouts, checked twice a second: a request that is not complete by its
  /// deadline gets 408, a handler that does not answer in time gets 503, a
  /// peer that stops reading our output is cut off, idle keep-alive
  /// connections close, lingering ends.
  fn sweep(&mut self, now: Instant) {
    self.next_sweep = now + SWEEP_INTERVAL;
    self.turn.date = http_date(SystemTime::now());
    let settings = self.settings;
    for slot in 0..self.connections.len() {
      let Some(conn) = self.connections[slot].as_mut() else {
        continue;
      };
      let expired = |since: Instant, limit: Duration| now.duration_since(since) >= limit;
      match conn.phase {
        Phase::Lingering { until } if now >= until => self.close(slot),
        Phase::Lingering { .. } => {}
        _ if conn.has_unwritten_output() && expired(conn.last_write_progress, settings.request_timeout) => {
          // The peer has not taken a byte of our output for a whole request
          // timeout: it is gone or hostile.
          self.close(slot)
        }
        _ => {
          if let Some(limit) = settings.handler_timeout {
            if conn.answer_overdue_handlers(limit, &mut self.turn) {
              self.touched.push(slot);
            }
          }
          if let Some(started) = conn.request_started {
            if expired(started, settings.request_timeout) {
              conn.reject(Reject::new(408, "request not received in time"), &mut self.turn);
              self.touched.push(slot);
            }
          } else if conn.is_idle() && expired(conn.idle_since, settings.idle_timeout) {
            self.close(slot);
          }
        }
      }
    }
    self.service_touched();
  }

  /// Takes a connection out of the engine and gives its socket (and the
  /// bytes it sent after the takeover request) to the embedder.
  fn hand_over(&mut self, slot: usize, request: RequestId) {
    let Some(conn) = self.release(slot, false) else { return };
    let leftover = conn.leftover_input().to_vec();
    let remote_port = conn.remote_port;
    // Where descriptors cannot be handed over, the socket just closes.
    if let Some(fd) = conn.take_socket(&mut self.turn) {
      self.turn.batch.push_takeover(request, fd, remote_port, &leftover);
    }
    self.resume_accepting();
  }

  fn close(&mut self, slot: usize) {
    let Some(conn) = self.release(slot, true) else { return };
    drop(conn.dismantle(&mut self.turn));
    self.resume_accepting();
  }

  /// Takes a connection out of its slot and the poll; the slot's generation
  /// moves on so late answers to it are dropped. A connection about to be
  /// closed (`closing`) leaves the poll with its descriptor where the OS
  /// does that itself: one system call less per connection.
  fn release(&mut self, slot: usize, closing: bool) -> Option<Connection> {
    let mut conn = self.connections.get_mut(slot).and_then(Option::take)?;
    if let Some(stream) = conn.open_stream() {
      // Whoever produces that answer should stop.
      self.turn.batch.push_stream_notice(stream, FLAG_STREAM_CLOSED);
    }
    if let Some(request) = conn.streaming_body() {
      // Its handler waits for body pieces that will never come.
      let data_start = self.turn.batch.data.len();
      self
        .turn
        .batch
        .push_body_piece(request, data_start, FLAG_BODY_ABORTED, 0);
    }
    if !(closing && crate::sys::CLOSE_LEAVES_POLL) {
      let _ = self.poll.registry().deregister(&mut conn.socket);
    }
    self.generations[slot] = self.generations[slot].wrapping_add(1);
    self.free_slots.push(slot);
    self.open_connections -= 1;
    Some(conn)
  }

  /// `maxConnections`: a closed connection makes room for a waiting one.
  fn resume_accepting(&mut self) {
    if self.accept_paused && self.open_connections < self.settings.max_connections {
      self.accept_paused = false;
      self.accept(Instant::now());
    }
  }

  /// Hands this turn's requests to the embedder: skipped while an earlier
  /// batch is still queued, unless this one has grown large. On `pull` the
  /// caller takes them.
  fn hand_over_batch(&mut self, mode: TurnMode) -> TurnEnd {
    if self.turn.batch.is_empty() {
      return TurnEnd::Quiet;
    }
    let batch_was_in_flight = self.shared.batch_in_flight.swap(true, Ordering::AcqRel);
    // Connections paused on a full batch may go on at once.
    let take = |reactor: &mut Reactor| {
      reactor.touched.append(&mut reactor.waiting_for_batch_room);
      reactor.turn.batch.take()
    };
    match mode {
      // The embedder asked: whatever it has not reported done is done.
      TurnMode::Pull => TurnEnd::Pulled(take(self)),
      // The embedder has not consumed the last batch: keep adding to this
      // one (bounded by `MAX_BATCH_*`, past which reading pauses).
      TurnMode::Io if batch_was_in_flight => TurnEnd::Quiet,
      TurnMode::Io => {
        // Before the delivery: the embedder's answer must see it.
        self.shared.offer_turns_to_embedder();
        let batch = take(self);
        self.embedder.deliver(self.index, batch);
        TurnEnd::Delivered
      }
    }
  }
}
