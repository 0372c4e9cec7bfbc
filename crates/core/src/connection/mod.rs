//! One client connection, split by role the way hyper's `proto/h1` is:
//!
//! - this file: the `Connection` state, its phases and its lifecycle (made,
//!   idle, done, lingering, taken apart);
//! - `input`: reading the socket, framing requests into the batch, request
//!   bodies streamed to the embedder, error answers to bad requests;
//! - `answers`: the embedder's answers, kept in request order (early answers
//!   wait), streamed answers, takeover hand-over, handler timeouts;
//! - `output`: the bytes and file bodies waiting to be written, written once
//!   per turn (large answers written through).

mod answers;
mod input;
mod output;

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::Shutdown;
use std::time::Instant;

use bumpalo::Bump;
use mio::net::TcpStream;

use crate::arena::ArenaPool;
use crate::batch::{Batch, RequestId};
use crate::buffer_pool::BufferPool;
use crate::date::HTTP_DATE_LEN;
use crate::framing::{FrameProgress, Limits};
use crate::read_buffer::ReadBuffer;
use crate::response::BodyGate;
use crate::sys;

use answers::EarlyAnswer;
pub use input::ReadOutcome;
use input::StreamedBody;
use output::Output;

/// Requests of one connection handed out and not yet answered; past this the
/// connection is not read until answers come back (pipelining backpressure).
pub const MAX_IN_FLIGHT_PER_CONNECTION: usize = 256;
/// Output queued for a peer that does not read; past this no more of its
/// requests are framed until the output drains.
pub const MAX_PENDING_WRITE: usize = 4 * 1024 * 1024;

/// What the connection is still willing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
  /// Reading and serving requests.
  Open,
  /// No new requests (close requested, error sent, server draining): finish
  /// what is owed, then close.
  Finishing,
  /// A takeover answer was queued: once everything before and in it is
  /// written, the socket leaves the engine (`request` is its request).
  HandingOver { request: RequestId },
  /// Everything owed was written and our side is shut: the peer's remaining
  /// bytes are read and dropped until it closes or `until` passes, so that
  /// it reads our last response instead of a reset.
  Lingering { until: Instant },
}

/// What every connection of one I/O thread shares while it frames and
/// answers: the limits, the arena pool, the batch being filled, the cached
/// `Date` value and the time of the current turn.
pub struct TurnContext {
  pub limits: Limits,
  pub arenas: ArenaPool,
  pub read_buffers: BufferPool,
  pub write_buffers: BufferPool,
  pub batch: Batch,
  pub date: [u8; HTTP_DATE_LEN],
  pub now: Instant,
}

impl TurnContext {
  pub fn batch_has_room(&self) -> bool {
    self.batch.len() < MAX_BATCH_REQUESTS && self.batch.data.len() < MAX_BATCH_BYTES
  }
}

/// Past this many requests (or bytes) in the batch waiting for the embedder,
/// reading pauses until JS catches up, so a stalled JS thread never makes
/// memory grow without bound.
pub const MAX_BATCH_REQUESTS: usize = 4096;
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// A request handed out and not yet written back.
struct InFlight {
  seq: u32,
  /// When the request was handed out (for the handler timeout).
  dispatched: Instant,
  arena: Option<Bump>,
  keep_alive: bool,
  /// The no-body rule for this request's answer (knows whether it was HEAD).
  answer_gate: BodyGate,
  http_1_0: bool,
  /// An answer that came back before the answers to earlier requests.
  early_answer: Option<EarlyAnswer>,
  /// Pieces of a streamed answer have started going out (no handler
  /// timeout then: the handler did answer).
  streaming: bool,
  /// The streamed answer asked for the close (its head, or its last piece).
  stream_closes: bool,
  /// "METHOD path" for the arena trace; only kept while tracing.
  trace_label: Option<String>,
}

pub struct Connection {
  pub socket: TcpStream,
  pub fd: i32,
  pub remote_port: u16,
  pub id: u32,
  pub generation: u32,
  pub phase: Phase,
  /// Edge-triggered readiness: the socket may hold unread bytes.
  pub readable: bool,
  /// The poll reported that the peer shut its sending side (EPOLLRDHUP).
  pub read_closed_hint: bool,
  /// A streamed answer asked to hear when the output drains.
  drain_wanted: Option<RequestId>,
  /// Registered for writable events too (only while output is stuck).
  pub write_interest: bool,
  /// The peer shut its sending side (read returned 0).
  pub peer_closed: bool,
  /// The peer pipelined past `MAX_PENDING_WRITE` of unread output: close it.
  pub overrun: bool,
  /// An error response was sent: the peer may still be sending (a body we
  /// refused), so the close lingers to let it read the error first.
  pub rejected: bool,
  input: ReadBuffer,
  progress: FrameProgress,
  continue_sent: bool,
  reading_arena: Option<Bump>,
  /// When the first byte of the request being read arrived (a total deadline).
  pub request_started: Option<Instant>,
  /// When the connection last had nothing to do.
  pub idle_since: Instant,
  /// When output was last queued on an empty buffer or partly written.
  pub last_write_progress: Instant,
  /// What waits to be written.
  out: Output,
  next_seq: u32,
  in_flight: VecDeque<InFlight>,
  /// The body being streamed to the embedder: while it lasts, the input is
  /// body bytes, not requests.
  streamed_body: Option<StreamedBody>,
}

impl Connection {
  /// A connection just accepted from `remote_port` (the port `accept` gave).
  pub fn new(socket: TcpStream, remote_port: u16, id: u32, generation: u32, now: Instant) -> Self {
    let fd = sys::raw_fd(&socket);
    Connection {
      socket,
      fd,
      remote_port,
      id,
      generation,
      phase: Phase::Open,
      readable: false,
      write_interest: false,
      drain_wanted: None,
      read_closed_hint: false,
      peer_closed: false,
      overrun: false,
      rejected: false,
      input: ReadBuffer::default(),
      progress: FrameProgress::default(),
      continue_sent: false,
      reading_arena: None,
      request_started: None,
      idle_since: now,
      last_write_progress: now,
      out: Output::default(),
      next_seq: 0,
      in_flight: VecDeque::new(),
      streamed_body: None,
    }
  }

  /// Gives up the socket for a takeover (its descriptor is the caller's
  /// now, where the platform allows); the reusable parts go back to the
  /// pools.
  pub fn take_socket(self, ctx: &mut TurnContext) -> Option<i32> {
    sys::into_embedder_fd(self.dismantle(ctx))
  }

  /// Gives back the reusable parts (buffers, arenas) to the pools and
  /// returns the socket (dropping it closes the connection).
  pub fn dismantle(self, ctx: &mut TurnContext) -> TcpStream {
    let Connection {
      socket,
      input,
      out,
      reading_arena,
      in_flight,
      ..
    } = self;
    if let Some(arena) = reading_arena {
      ctx.arenas.give_back_untraced(arena);
    }
    abandon(in_flight, &mut ctx.arenas);
    ctx.read_buffers.give(input.into_storage());
    out.give_back(ctx);
    socket
  }

  pub fn in_flight_count(&self) -> usize {
    self.in_flight.len()
  }

  /// Whether nothing is owed and nothing is arriving.
  pub fn is_idle(&self) -> bool {
    self.in_flight.is_empty() && !self.has_unwritten_output() && !self.has_partial_request()
  }

  /// Whether the connection has nothing more to do and should now begin its
  /// (lingering) close.
  pub fn is_done(&self) -> bool {
    self.phase == Phase::Finishing && self.in_flight.is_empty() && !self.has_unwritten_output()
  }

  /// Whether the peer has sent nothing we have not read (one non-blocking
  /// read: "would block" means its data all arrived and was consumed). A
  /// close with unread input would send a reset that can destroy our last
  /// response before the peer reads it.
  pub fn nothing_pending_from_peer(&mut self) -> bool {
    if self.has_partial_request() {
      return false;
    }
    let mut probe = [0u8; 1];
    match self.socket.read(&mut probe) {
      Ok(0) => {
        self.peer_closed = true;
        true
      }
      Ok(_) => false,
      Err(ref err) => would_block(err),
    }
  }

  /// Shuts our sending side; the peer's leftovers are drained until `until`.
  pub fn start_lingering(&mut self, until: Instant) {
    let _ = self.socket.shutdown(Shutdown::Write);
    self.phase = Phase::Lingering { until };
    self.readable = true;
  }

  /// Stops taking requests (graceful shutdown); what is owed is still sent.
  pub fn stop_taking_requests(&mut self) {
    if self.phase == Phase::Open {
      self.phase = Phase::Finishing;
      if self.streamed_body.is_none() {
        self.input.discard_all();
      }
      self.request_started = None;
    }
  }
}

/// Requests that will never be answered: their arenas go back untraced.
fn abandon(requests: impl IntoIterator<Item = InFlight>, arenas: &mut ArenaPool) {
  for request in requests {
    if let Some(arena) = request.arena {
      arenas.give_back_untraced(arena);
    }
  }
}

pub fn would_block(err: &io::Error) -> bool {
  err.kind() == io::ErrorKind::WouldBlock
}

pub fn interrupted(err: &io::Error) -> bool {
  err.kind() == io::ErrorKind::Interrupted
}
