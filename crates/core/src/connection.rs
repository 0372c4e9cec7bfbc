//! One client connection: its reusable buffers, the request being framed, the
//! requests handed out and not yet answered (kept in request order), and the
//! bytes waiting to be written.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant};

use bumpalo::Bump;
use mio::net::TcpStream;

use crate::arena::ArenaPool;
use crate::batch::{Batch, RequestId};
use crate::buffer_pool::BufferPool;
use crate::chunked::{ByteSink, ChunkedDecoder, DecodeStep};
use crate::date::HTTP_DATE_LEN;
use crate::file_body::{FileBody, SendStatus};
use crate::framing::{decode_body, frame_request, FrameProgress, FrameStatus, Limits};
use crate::head::{BodyFraming, Reject, RequestHead};
use crate::read_buffer::ReadBuffer;
use crate::response::{
  error_response, raw_response_closes, write_body_head, Answer, BodyGate, ConnectionHeader, FileMeta, CONTINUE_RESPONSE,
};
use crate::sys;
use crate::wire::{
  BODY_WINDOW, CONTENT_TYPES, FLAG_BODY_ABORTED, FLAG_BODY_END, FLAG_STREAM_CLOSED, KIND_BODY, KIND_BODY_CREDIT, KIND_CLOSE,
  KIND_CONTENT_TYPE_SHIFT, KIND_FILE, KIND_MASK, KIND_STREAM, KIND_STREAM_END, KIND_TAKEOVER, KIND_WANT_DRAIN,
  STREAM_LOW_WATER,
};

/// Answers at least this large are written through (see `write_through`)
/// instead of being copied into the write buffer first.
const WRITE_THROUGH_MIN: usize = 16 * 1024;
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

/// An answer that arrived before the answers to earlier requests.
struct EarlyAnswer {
  bytes: Vec<u8>,
  closes: bool,
  file: Option<FileBody>,
  /// The connection is handed over after this answer.
  takeover: bool,
  /// A streamed answer whose last piece has not come yet: more pieces are
  /// appended, and once written the request stays in place.
  open_stream: bool,
}

impl EarlyAnswer {
  /// A whole answer of plain bytes.
  fn complete(bytes: Vec<u8>, closes: bool) -> Self {
    EarlyAnswer {
      bytes,
      closes,
      file: None,
      takeover: false,
      open_stream: false,
    }
  }
}

/// A file body waiting its turn in the output.
struct PendingFile {
  /// Offset in the write buffer the file follows.
  at: usize,
  body: FileBody,
}

/// A request body passed on to the embedder as it arrives (it was longer
/// than `Limits::stream_body_over`).
struct StreamedBody {
  /// The request it belongs to.
  seq: u32,
  framing: StreamedFraming,
  /// Bytes passed on and not yet acknowledged (`KIND_BODY_CREDIT`): reading
  /// stops at `BODY_WINDOW`, so a slow consumer holds back the client.
  unacked: usize,
}

enum StreamedFraming {
  Length { remaining: u64 },
  Chunked(ChunkedDecoder),
}

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
  write_buf: Vec<u8>,
  write_pos: usize,
  /// File bodies to send, each at its offset in `write_buf`.
  files: VecDeque<PendingFile>,
  next_seq: u32,
  in_flight: VecDeque<InFlight>,
  /// The body being streamed to the embedder: while it lasts, the input is
  /// body bytes, not requests.
  streamed_body: Option<StreamedBody>,
}

/// How reading ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
  /// Nothing more to read now (or reading is paused).
  Drained,
  /// The connection is broken: close it without writing.
  Broken,
}

impl Connection {
  pub fn new(socket: TcpStream, id: u32, generation: u32, now: Instant) -> Self {
    let fd = sys::raw_fd(&socket);
    let remote_port = socket.peer_addr().map(|a| a.port()).unwrap_or(0);
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
      write_buf: Vec::new(),
      write_pos: 0,
      files: VecDeque::new(),
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
      mut write_buf,
      reading_arena,
      in_flight,
      ..
    } = self;
    if let Some(arena) = reading_arena {
      ctx.arenas.give_back_untraced(arena);
    }
    abandon(in_flight, &mut ctx.arenas);
    ctx.read_buffers.give(input.into_storage());
    write_buf.clear();
    ctx.write_buffers.give(write_buf);
    socket
  }

  pub fn has_unwritten_output(&self) -> bool {
    self.write_pos < self.write_buf.len() || !self.files.is_empty()
  }

  pub fn has_partial_request(&self) -> bool {
    self.input.has_unframed()
  }

  pub fn in_flight_count(&self) -> usize {
    self.in_flight.len()
  }

  /// Whether nothing is owed and nothing is arriving.
  pub fn is_idle(&self) -> bool {
    self.in_flight.is_empty() && !self.has_unwritten_output() && !self.has_partial_request()
  }

  /// Whether more requests may be framed now (else: backpressure).
  fn may_take_requests(&self) -> bool {
    self.phase == Phase::Open
      && self.in_flight.len() < MAX_IN_FLIGHT_PER_CONNECTION
      && self.write_buf.len() - self.write_pos < MAX_PENDING_WRITE
  }

  /// Whether more input is wanted: body bytes while a body streams (up to
  /// the window), else requests.
  fn may_take_input(&self) -> bool {
    match &self.streamed_body {
      Some(body) => body.unacked < BODY_WINDOW,
      None => self.may_take_requests(),
    }
  }

  /// Whether the reactor should read (and frame) now.
  pub fn wants_read(&self, batch_has_room: bool) -> bool {
    self.readable
      && !self.peer_closed
      && (matches!(self.phase, Phase::Lingering { .. }) || (self.may_take_input() && batch_has_room))
  }

  /// Reads what the socket holds and frames every complete request into the
  /// batch. Stops at `WouldBlock` (the socket is drained), at EOF, or when
  /// backpressure says no more requests for now.
  pub fn read_and_frame(&mut self, ctx: &mut TurnContext) -> ReadOutcome {
    // Requests left in the buffer by an earlier pause come first.
    self.frame_requests(ctx);
    while self.wants_read(ctx.batch_has_room()) {
      if let Phase::Lingering { .. } = self.phase {
        // Discard: our side is done, we only wait for the peer's close.
        self.input.discard_all();
      }
      if self.input.capacity() == 0 {
        self.input = ReadBuffer::from_storage(ctx.read_buffers.take());
      }
      let space = self.input.space();
      let asked = space.len();
      match self.socket.read(space) {
        Ok(0) => {
          // EOF: the peer will send nothing more. What it sent already is
          // still answered (a half-closed client waits for its responses).
          self.peer_closed = true;
          self.readable = false;
          if self.streamed_body.is_some() {
            self.abort_body(0, ctx);
          }
        }
        Ok(n) => {
          self.input.filled(n);
          // A short read emptied the socket: skip the read that would only
          // say "would block" (the next edge reports new data). Not when
          // the peer's FIN came with the data: its edge is spent, so only
          // reading on finds the end of the stream.
          if n < asked && !self.read_closed_hint {
            self.readable = false;
          }
          if self.request_started.is_none() && self.phase == Phase::Open && self.streamed_body.is_none() {
            self.request_started = Some(ctx.now);
          }
          self.frame_requests(ctx);
        }
        // Would block "errors" are the OS's way of saying that the
        // connection is not actually ready to perform this I/O operation.
        Err(ref err) if would_block(err) => self.readable = false,
        Err(ref err) if interrupted(err) => {}
        Err(_) => return ReadOutcome::Broken,
      }
    }
    if !self.input.has_unframed() && self.input.capacity() > 0 {
      // Nothing waits to be framed: the buffer goes back to the pool.
      ctx.read_buffers.give(std::mem::take(&mut self.input).into_storage());
    }
    ReadOutcome::Drained
  }

  /// Frames every complete request at the front of the unframed bytes.
  fn frame_requests(&mut self, ctx: &mut TurnContext) {
    if self.phase == Phase::Open
      && self.write_buf.len() - self.write_pos >= MAX_PENDING_WRITE
      && self.has_partial_request()
    {
      // The peer keeps sending requests but does not read the answers: cut it off.
      self.overrun = true;
      return;
    }
    loop {
      if self.streamed_body.is_some() {
        self.feed_body(ctx);
        if self.streamed_body.is_some() {
          return; // waiting for body bytes or for credit
        }
      }
      if !(self.may_take_requests() && self.input.has_unframed()) {
        return;
      }
      if self.reading_arena.is_none() {
        self.reading_arena = ctx.arenas.take();
      }
      let Connection {
        input,
        progress,
        reading_arena,
        ..
      } = self;
      let pending = input.unframed();
      let status = match reading_arena.as_ref() {
        Some(arena) => frame_request(pending, ctx.limits, progress, &mut &*arena),
        None => frame_request(pending, ctx.limits, progress, &mut Vec::new()),
      };
      match status {
        FrameStatus::Partial => {
          self.on_partial_request(ctx);
          return;
        }
        FrameStatus::Invalid(reject) => {
          self.reject(reject, ctx);
          return;
        }
        FrameStatus::StreamBody(head) => self.dispatch_streamed(head, ctx),
        FrameStatus::Complete(request) => {
          // The arena (header index, decoded body) now belongs to this
          // request until its response is written.
          let arena = self.reading_arena.take();
          let pending = self.input.unframed();
          let id = RequestId {
            conn: self.id,
            generation: self.generation,
            seq: self.next_seq,
          };
          if request.is_chunked() {
            match arena.as_ref() {
              Some(arena) => {
                let mut body = bumpalo::collections::Vec::new_in(arena);
                decode_body(pending, &request, &mut body as &mut dyn ByteSink);
                // Kept in the arena (not freed on drop) until the reset, so the
                // arena trace shows what the request really used.
                let body: &[u8] = body.into_bump_slice();
                ctx
                  .batch
                  .push(id, self.fd, self.remote_port, pending, &request, Some(body));
              }
              None => {
                let mut body = Vec::new();
                decode_body(pending, &request, &mut body as &mut dyn ByteSink);
                ctx
                  .batch
                  .push(id, self.fd, self.remote_port, pending, &request, Some(&body));
              }
            }
          } else {
            ctx.batch.push(id, self.fd, self.remote_port, pending, &request, None);
          }
          self.begin_request(&request.head, arena, request.len, ctx);
        }
      }
    }
  }

  /// Records a request just put in the batch as in flight and drops its
  /// `consumed` bytes from the input.
  fn begin_request(&mut self, head: &RequestHead, arena: Option<Bump>, consumed: usize, ctx: &mut TurnContext) {
    let pending = self.input.unframed();
    let trace_label = ctx.arenas.is_tracing().then(|| {
      format!(
        "{} {}",
        String::from_utf8_lossy(head.method.of_buf(pending)),
        String::from_utf8_lossy(head.path.of_buf(pending))
      )
    });
    self.in_flight.push_back(InFlight {
      seq: self.next_seq,
      dispatched: ctx.now,
      arena,
      keep_alive: head.keep_alive,
      answer_gate: BodyGate::new(head.is_head_method),
      http_1_0: head.minor_version == 0,
      early_answer: None,
      streaming: false,
      stream_closes: false,
      trace_label,
    });
    self.next_seq = self.next_seq.wrapping_add(1);
    self.input.consume(consumed);
    self.progress = FrameProgress::default();
    self.continue_sent = false;
    self.request_started = if self.input.has_unframed() { Some(ctx.now) } else { None };
    if !head.keep_alive {
      // Nothing after a closing request is ever served.
      self.phase = Phase::Finishing;
    }
  }

  /// Hands out a request whose body is too large to buffer: the head now,
  /// the body in pieces as it arrives (`feed_body`).
  fn dispatch_streamed(&mut self, head: RequestHead, ctx: &mut TurnContext) {
    let id = RequestId {
      conn: self.id,
      generation: self.generation,
      seq: self.next_seq,
    };
    let nothing_owed = self.in_flight.is_empty();
    ctx
      .batch
      .push_streamed_head(id, self.fd, self.remote_port, self.input.unframed(), &head);
    let arena = self.reading_arena.take();
    self.begin_request(&head, arena, head.len, ctx);
    // The body is not a partial request: no 408 deadline while it streams
    // (the handler timeout watches it instead).
    self.request_started = None;
    let framing = match head.body {
      BodyFraming::Chunked => StreamedFraming::Chunked(ChunkedDecoder::default()),
      BodyFraming::Length(length) => StreamedFraming::Length { remaining: length },
      BodyFraming::None => StreamedFraming::Length { remaining: 0 },
    };
    self.streamed_body = Some(StreamedBody {
      seq: id.seq,
      framing,
      unacked: 0,
    });
    if head.expect_continue && head.minor_version == 1 && nothing_owed {
      self.output(ctx).extend_from_slice(CONTINUE_RESPONSE);
    }
  }

  /// Passes on the streamed body's bytes that have arrived, as far as the
  /// window and the batch allow; ends or aborts the body.
  fn feed_body(&mut self, ctx: &mut TurnContext) {
    let max_body = ctx.limits.max_body;
    while let Some(body) = self.streamed_body.as_mut() {
      if body.unacked >= BODY_WINDOW || !ctx.batch_has_room() {
        return;
      }
      let id = RequestId {
        conn: self.id,
        generation: self.generation,
        seq: body.seq,
      };
      let pending = self.input.unframed();
      let room = BODY_WINDOW - body.unacked;
      let data = &mut ctx.batch.data;
      let data_start = data.len();
      let (consumed, done) = match &mut body.framing {
        StreamedFraming::Length { remaining } => {
          let n = (*remaining).min(pending.len() as u64).min(room as u64) as usize;
          data.extend_from_slice(&pending[..n]);
          *remaining -= n as u64;
          (n, *remaining == 0)
        }
        StreamedFraming::Chunked(decoder) => match decoder.decode(pending, room, max_body, data) {
          DecodeStep::Progress { consumed, done } => (consumed, done),
          DecodeStep::Invalid(reject) => {
            self.abort_body(reject.status, ctx);
            return;
          }
        },
      };
      let delivered = ctx.batch.data.len() - data_start;
      if consumed == 0 && !done {
        return; // wait for more bytes
      }
      self.input.consume(consumed);
      body.unacked += delivered;
      let seq = body.seq;
      if delivered > 0 || done {
        let piece_flags = if done { FLAG_BODY_END } else { 0 };
        ctx.batch.push_body_piece(id, data_start, piece_flags, 0);
        // The handler is making progress: its timeout counts from here.
        if let Some(request) = self.in_flight.iter_mut().rev().find(|r| r.seq == seq) {
          request.dispatched = ctx.now;
        }
      }
      if done {
        self.streamed_body = None;
        self.request_started = if self.input.has_unframed() { Some(ctx.now) } else { None };
      }
    }
  }

  /// The streamed body cannot complete (malformed, too large, client gone):
  /// the handler hears so with the status the request deserves (0: the
  /// client left), and the connection closes after its answer.
  fn abort_body(&mut self, status: u16, ctx: &mut TurnContext) {
    let Some(body) = self.streamed_body.take() else { return };
    let id = RequestId {
      conn: self.id,
      generation: self.generation,
      seq: body.seq,
    };
    let data_start = ctx.batch.data.len();
    ctx.batch.push_body_piece(id, data_start, FLAG_BODY_ABORTED, status);
    self.phase = Phase::Finishing;
    self.rejected = true;
    self.input.discard_all();
  }

  /// The embedder consumed `answer`'s count of streamed body bytes.
  fn credit_body(&mut self, answer: &Answer) {
    let Some(body) = self.streamed_body.as_mut() else {
      return;
    };
    if body.seq != answer.id.seq {
      return;
    }
    if let Ok(bytes) = <[u8; 4]>::try_from(answer.bytes.get(..4).unwrap_or_default()) {
      body.unacked = body.unacked.saturating_sub(u32::from_le_bytes(bytes) as usize);
    }
  }

  /// The request whose body is still streaming, if any (its handler is told
  /// when the connection closes).
  pub fn streaming_body(&self) -> Option<RequestId> {
    self.streamed_body.as_ref().map(|body| RequestId {
      conn: self.id,
      generation: self.generation,
      seq: body.seq,
    })
  }

  fn on_partial_request(&mut self, ctx: &mut TurnContext) {
    if let Some(arena) = self.reading_arena.as_mut() {
      // Only the header index lived there; it is rebuilt on the next try.
      arena.reset();
    }
    // `Expect: 100-continue`: once the head is in and nothing is owed before
    // it, tell the client to send the body.
    if let Some(head) = self.progress.head {
      if head.expect_continue && !self.continue_sent && head.minor_version == 1 && self.in_flight.is_empty() {
        self.continue_sent = true;
        self.output(ctx).extend_from_slice(CONTINUE_RESPONSE);
      }
    }
  }

  /// Answers an unacceptable request with its error status after everything
  /// owed before it, and serves nothing more on this connection.
  pub fn reject(&mut self, reject: Reject, ctx: &mut TurnContext) {
    let response = error_response(reject.status, reject.reason, &ctx.date, true);
    self.rejected = true;
    self.phase = Phase::Finishing;
    self.input.discard_all();
    self.request_started = None;
    if let Some(arena) = self.reading_arena.take() {
      ctx.arenas.give_back_untraced(arena);
    }
    if self.in_flight.is_empty() {
      self.output(ctx).extend_from_slice(&response);
    } else {
      self.in_flight.push_back(InFlight {
        seq: self.next_seq,
        dispatched: ctx.now,
        arena: None,
        keep_alive: false,
        answer_gate: BodyGate::new(false),
        http_1_0: false,
        streaming: false,
        stream_closes: false,
        early_answer: Some(EarlyAnswer::complete(response, true)),
        trace_label: None,
      });
      self.next_seq = self.next_seq.wrapping_add(1);
    }
  }

  /// Takes the embedder's answer to one of this connection's requests.
  /// Answers are written strictly in request order; an early one waits.
  pub fn accept_answer(&mut self, answer: &Answer, file: Option<FileBody>, ctx: &mut TurnContext) {
    if answer.kind & KIND_MASK == KIND_BODY_CREDIT {
      self.credit_body(answer);
      return;
    }
    let Some(front) = self.in_flight.front() else { return };
    let index = answer.id.seq.wrapping_sub(front.seq) as usize;
    if index >= self.in_flight.len() {
      return; // stale: the request is gone
    }
    if answer.kind & KIND_MASK == KIND_STREAM {
      self.accept_stream_piece(index, answer, ctx);
      return;
    }
    if self.in_flight[index].early_answer.is_some() || self.in_flight[index].streaming {
      return; // duplicate: already answered
    }
    if answer.kind & KIND_MASK == KIND_TAKEOVER {
      if index == 0 {
        let request = self.in_flight.pop_front().unwrap();
        self.output(ctx).extend_from_slice(answer.bytes);
        self.begin_handover(request, ctx);
      } else {
        let takeover = EarlyAnswer {
          takeover: true,
          ..EarlyAnswer::complete(answer.bytes.to_vec(), false)
        };
        self.in_flight[index].early_answer = Some(takeover);
      }
    } else if answer.kind & KIND_MASK == KIND_FILE {
      let Some((_, head)) = FileMeta::split(answer.bytes) else {
        return;
      };
      let closes = self.in_flight[index].closes_after(answer.kind, head);
      // HEAD, 304: the head alone (the file closes when `file` drops).
      let mut gate = self.in_flight[index].answer_gate;
      let head = &head[..gate.admit(head)];
      let file = if gate.drops_body() { None } else { file };
      if index == 0 {
        let request = self.in_flight.pop_front().unwrap();
        self.output(ctx).extend_from_slice(head);
        self.queue_file(file);
        self.finish_request(request, closes, ctx);
      } else {
        self.in_flight[index].early_answer = Some(EarlyAnswer {
          file,
          ..EarlyAnswer::complete(head.to_vec(), closes)
        });
      }
    } else if index == 0 {
      let request = self.in_flight.pop_front().unwrap();
      let closes = if answer.bytes.len() >= WRITE_THROUGH_MIN && self.files.is_empty() {
        // A large answer is written straight from the embedder's buffer
        // (together with what is queued before it, in one vectored write);
        // only what the socket does not take is copied.
        let mut head = Vec::new();
        let (closes, body) = encode_answer_head(&mut head, answer, &request, &ctx.date);
        self.write_through(&head, body, ctx);
        closes
      } else {
        encode_answer(self.output(ctx), answer, &request, &ctx.date)
      };
      self.finish_request(request, closes, ctx);
    } else {
      let mut bytes = Vec::with_capacity(answer.bytes.len() + 160);
      let closes = encode_answer(&mut bytes, answer, &self.in_flight[index], &ctx.date);
      self.in_flight[index].early_answer = Some(EarlyAnswer::complete(bytes, closes));
    }
    self.write_early_answers(ctx);
  }

  /// Writes answers that arrived early and are now next in line.
  fn write_early_answers(&mut self, ctx: &mut TurnContext) {
    while let Some(early) = self.in_flight.front_mut().and_then(|r| r.early_answer.take()) {
      if early.open_stream {
        // A stream still in progress: out with what came so far; its next
        // pieces go straight out.
        self.in_flight.front_mut().unwrap().streaming = true;
        self.output(ctx).extend_from_slice(&early.bytes);
        return;
      }
      let request = self.in_flight.pop_front().unwrap();
      self.output(ctx).extend_from_slice(&early.bytes);
      if early.takeover {
        self.begin_handover(request, ctx);
        return;
      }
      self.queue_file(early.file);
      self.finish_request(request, early.closes, ctx);
    }
  }

  /// One piece of a streamed answer to the request at `index`.
  fn accept_stream_piece(&mut self, index: usize, answer: &Answer, ctx: &mut TurnContext) {
    let mut end = answer.kind & KIND_STREAM_END != 0;
    if answer.kind & KIND_WANT_DRAIN != 0 {
      self.drain_wanted = Some(answer.id);
    }
    let request = &mut self.in_flight[index];
    if request.early_answer.as_ref().is_some_and(|early| !early.open_stream) {
      return; // a complete answer was given already
    }
    let first_piece = !request.streaming && request.early_answer.is_none();
    // The head (the first piece) may ask for the close, like a verbatim answer's.
    request.stream_closes |= answer.kind & KIND_CLOSE != 0 || (first_piece && raw_response_closes(answer.bytes));
    let piece = &answer.bytes[..request.answer_gate.admit(answer.bytes)];
    if !end && request.answer_gate.drops_body() {
      // The answer may not have a body (HEAD, 204, 304): it ends with its
      // head, and its producer hears the stream closed, as if the client left.
      end = true;
      ctx.batch.push_stream_notice(answer.id, FLAG_STREAM_CLOSED);
    }
    let closes = !request.keep_alive || request.stream_closes;
    if index > 0 || request.early_answer.is_some() {
      // Earlier answers are still owed: keep the pieces until it is our turn.
      let early = request.early_answer.get_or_insert_with(|| EarlyAnswer {
        open_stream: true,
        ..EarlyAnswer::complete(Vec::new(), false)
      });
      early.bytes.extend_from_slice(piece);
      if end {
        early.open_stream = false;
        early.closes = closes;
      }
      return;
    }
    request.streaming = true;
    self.output(ctx).extend_from_slice(piece);
    if end {
      let request = self.in_flight.pop_front().unwrap();
      self.drain_wanted = None;
      self.finish_request(request, closes, ctx);
      self.write_early_answers(ctx);
    }
  }

  /// The streamed answer waiting for a drain notice, if the output is now
  /// low enough for it to go on.
  pub fn take_due_drain(&mut self) -> Option<RequestId> {
    if self.write_buf.len() - self.write_pos < STREAM_LOW_WATER {
      self.drain_wanted.take()
    } else {
      None
    }
  }

  /// The streamed answer in progress at the front, if any (its producer is
  /// told when the connection closes).
  pub fn open_stream(&self) -> Option<RequestId> {
    let front = self.in_flight.front()?;
    let streaming = front.streaming || front.early_answer.as_ref().is_some_and(|e| e.open_stream);
    streaming.then_some(RequestId {
      conn: self.id,
      generation: self.generation,
      seq: front.seq,
    })
  }

  /// After a takeover answer: nothing more is framed or answered here; once
  /// the output is written the reactor hands the socket over.
  fn begin_handover(&mut self, request: InFlight, ctx: &mut TurnContext) {
    let id = RequestId {
      conn: self.id,
      generation: self.generation,
      seq: request.seq,
    };
    if let Some(arena) = request.arena {
      ctx.arenas.give_back(arena, request.trace_label.as_deref());
    }
    abandon(self.in_flight.drain(..), &mut ctx.arenas);
    if self.streamed_body.is_some() {
      self.abort_body(0, ctx);
    }
    self.phase = Phase::HandingOver { request: id };
    self.request_started = None;
  }

  /// Whether a takeover is due: the answer before it is written.
  pub fn handover_ready(&self) -> Option<RequestId> {
    match self.phase {
      Phase::HandingOver { request } if !self.has_unwritten_output() => Some(request),
      _ => None,
    }
  }

  /// The bytes the peer sent after the taken-over request (not framed).
  pub fn leftover_input(&self) -> &[u8] {
    self.input.unframed()
  }

  /// Queues a file body to go out right after the bytes queued so far.
  fn queue_file(&mut self, file: Option<FileBody>) {
    if let Some(body) = file {
      if body.remaining > 0 {
        self.files.push_back(PendingFile {
          at: self.write_buf.len(),
          body,
        });
      }
    }
  }

  fn finish_request(&mut self, request: InFlight, closes: bool, ctx: &mut TurnContext) {
    if let Some(arena) = request.arena {
      ctx.arenas.give_back(arena, request.trace_label.as_deref());
    }
    let mut closes = closes;
    if self.streamed_body.as_ref().is_some_and(|body| body.seq == request.seq) {
      // Answered before its body ended: the rest of the body is never read,
      // so the connection cannot carry another request. Close after this
      // answer, lingering so the client reads it rather than a reset.
      self.streamed_body = None;
      self.rejected = true;
      closes = true;
    } else if closes && self.streamed_body.is_some() {
      // A later request's body was streaming: its handler hears it ends here.
      self.abort_body(0, ctx);
    }
    if closes {
      self.phase = Phase::Finishing;
      // Requests pipelined behind a closing response are never answered.
      abandon(self.in_flight.drain(..), &mut ctx.arenas);
    }
    if self.in_flight.is_empty() && !self.has_partial_request() {
      self.idle_since = ctx.now;
    }
  }

  /// Writes queued output, then `head` and `body`, in one vectored write as
  /// far as the socket takes them; the rest is queued. A write error is left
  /// for the next `flush` to report.
  fn write_through(&mut self, head: &[u8], body: &[u8], ctx: &mut TurnContext) {
    let queued = &self.write_buf[self.write_pos..];
    let parts = [IoSlice::new(queued), IoSlice::new(head), IoSlice::new(body)];
    let mut written = loop {
      match self.socket.write_vectored(&parts) {
        Ok(n) => break n,
        Err(ref err) if interrupted(err) => {}
        Err(_) => break 0,
      }
    };
    if written > 0 {
      self.last_write_progress = ctx.now;
    }
    let from_queue = written.min(queued.len());
    self.write_pos += from_queue;
    written -= from_queue;
    if self.write_pos == self.write_buf.len() {
      self.write_pos = 0;
      self.write_buf.clear();
    }
    for part in [head, body] {
      let from_part = written.min(part.len());
      written -= from_part;
      if from_part < part.len() {
        self.output(ctx).extend_from_slice(&part[from_part..]);
      }
    }
  }

  /// The write buffer, taken from the pool when the connection has none.
  fn output(&mut self, ctx: &mut TurnContext) -> &mut Vec<u8> {
    if self.write_buf.capacity() == 0 {
      self.write_buf = ctx.write_buffers.take();
    }
    &mut self.write_buf
  }

  /// Writes queued output (bytes, and file bodies at their places) until
  /// done or the socket is full.
  pub fn flush(&mut self, ctx: &mut TurnContext) -> io::Result<()> {
    if self.write_pos == 0 && !self.write_buf.is_empty() {
      // Fresh output: the stall clock starts now, not at the last write.
      self.last_write_progress = Instant::now();
    }
    loop {
      // Bytes up to the next file (or all of them).
      let limit = self.files.front().map_or(self.write_buf.len(), |file| file.at);
      while self.write_pos < limit {
        match self.socket.write(&self.write_buf[self.write_pos..limit]) {
          Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
          Ok(n) => {
            self.write_pos += n;
            self.last_write_progress = Instant::now();
          }
          Err(ref err) if would_block(err) => return Ok(()),
          Err(ref err) if interrupted(err) => {}
          Err(err) => return Err(err),
        }
      }
      let Some(file) = self.files.front_mut() else { break };
      let before = file.body.remaining;
      let status = file.body.send_to(&mut self.socket)?;
      if file.body.remaining < before {
        self.last_write_progress = Instant::now();
      }
      if status == SendStatus::WouldBlock {
        return Ok(());
      }
      self.files.pop_front();
    }
    self.write_pos = 0;
    self.write_buf.clear();
    // Everything is out: the buffer goes back to the pool until next time.
    ctx.write_buffers.give(std::mem::take(&mut self.write_buf));
    Ok(())
  }

  /// Whether the connection has nothing more to do and should now begin its
  /// (lingering) close.
  pub fn is_done(&self) -> bool {
    self.phase == Phase::Finishing && self.in_flight.is_empty() && !self.has_unwritten_output()
  }

  /// Answers with 503 every request whose handler has run past `limit`, in
  /// order from the oldest; their late answers are then dropped as stale.
  /// Returns whether anything was answered.
  pub fn answer_overdue_handlers(&mut self, limit: Duration, ctx: &mut TurnContext) -> bool {
    let mut answered = false;
    while let Some(front) = self.in_flight.front() {
      if front.early_answer.is_some() || front.streaming || ctx.now.duration_since(front.dispatched) < limit {
        break;
      }
      let request = self.in_flight.pop_front().unwrap();
      let response = error_response(
        503,
        "the handler did not answer in time",
        &ctx.date,
        !request.keep_alive,
      );
      self.output(ctx).extend_from_slice(&response);
      self.finish_request(request, false, ctx);
      answered = true;
      self.write_early_answers(ctx);
    }
    answered
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

impl InFlight {
  /// Whether the connection closes after answering this request with a
  /// verbatim head `head` of kind `answer_kind`.
  fn closes_after(&self, answer_kind: u32, head: &[u8]) -> bool {
    !self.keep_alive || answer_kind & KIND_CLOSE != 0 || raw_response_closes(head)
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

/// Encodes one answer into `out`; returns whether the connection closes
/// after it.
fn encode_answer(out: &mut Vec<u8>, answer: &Answer, request: &InFlight, date: &[u8]) -> bool {
  let (closes, body) = encode_answer_head(out, answer, request, date);
  out.extend_from_slice(body);
  closes
}

/// Appends what the engine frames around an answer (the head of a body-only
/// answer; nothing for a verbatim one) and returns whether the connection
/// closes after it and the bytes that follow the head on the wire.
fn encode_answer_head<'a>(out: &mut Vec<u8>, answer: &Answer<'a>, request: &InFlight, date: &[u8]) -> (bool, &'a [u8]) {
  let head_start = out.len();
  let mut closes = !request.keep_alive || answer.kind & KIND_CLOSE != 0;
  match answer.kind & KIND_MASK {
    KIND_BODY => {
      let content_type = CONTENT_TYPES
        .get(((answer.kind >> KIND_CONTENT_TYPE_SHIFT) & 0xff) as usize)
        .copied()
        .unwrap_or(CONTENT_TYPES[0]);
      let connection = if closes {
        ConnectionHeader::Close
      } else if request.http_1_0 {
        ConnectionHeader::KeepAlive
      } else {
        ConnectionHeader::None
      };
      write_body_head(out, date, content_type, answer.bytes.len(), connection);
      let mut gate = request.answer_gate;
      gate.admit(&out[head_start..]);
      (closes, if gate.drops_body() { &[] } else { answer.bytes })
    }
    _ => {
      closes |= raw_response_closes(answer.bytes);
      let mut gate = request.answer_gate;
      (closes, &answer.bytes[..gate.admit(answer.bytes)])
    }
  }
}

pub fn would_block(err: &io::Error) -> bool {
  err.kind() == io::ErrorKind::WouldBlock
}

pub fn interrupted(err: &io::Error) -> bool {
  err.kind() == io::ErrorKind::Interrupted
}
