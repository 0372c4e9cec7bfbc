//! A connection's input: reading the socket, framing each complete request
//! into the batch (pipelining and its backpressure), request bodies passed
//! on to the embedder as they arrive, and the error answer to a request that
//! cannot be served.

use std::io::Read;

use bumpalo::Bump;

use super::answers::EarlyAnswer;
use super::{
  interrupted, would_block, Connection, InFlight, Phase, TurnContext, MAX_IN_FLIGHT_PER_CONNECTION, MAX_PENDING_WRITE,
};
use crate::batch::RequestId;
use crate::chunked::{ByteSink, ChunkedDecoder, DecodeStep};
use crate::framing::{decode_body, frame_request, FrameProgress, FrameStatus};
use crate::head::{BodyFraming, Reject, RequestHead};
use crate::read_buffer::ReadBuffer;
use crate::response::{error_response, Answer, BodyGate, CONTINUE_RESPONSE};
use crate::wire::{BODY_WINDOW, FLAG_BODY_ABORTED, FLAG_BODY_END};

/// How reading ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
  /// Nothing more to read now (or reading is paused).
  Drained,
  /// The connection is broken: close it without writing.
  Broken,
}

/// A request body passed on to the embedder as it arrives (it was longer
/// than `Limits::stream_body_over`).
pub(super) struct StreamedBody {
  /// The request it belongs to.
  pub(super) seq: u32,
  pub(super) framing: StreamedFraming,
  /// Bytes passed on and not yet acknowledged (`KIND_BODY_CREDIT`): reading
  /// stops at `BODY_WINDOW`, so a slow consumer holds back the client.
  pub(super) unacked: usize,
}

pub(super) enum StreamedFraming {
  Length { remaining: u64 },
  Chunked(ChunkedDecoder),
}

impl Connection {
  pub fn has_partial_request(&self) -> bool {
    self.input.has_unframed()
  }

  /// Whether more requests may be framed now (else: backpressure).
  pub(super) fn may_take_requests(&self) -> bool {
    self.phase == Phase::Open
      && self.in_flight.len() < MAX_IN_FLIGHT_PER_CONNECTION
      && self.out.unwritten_len() < MAX_PENDING_WRITE
  }

  /// Whether more input is wanted: body bytes while a body streams (up to
  /// the window), else requests.
  pub(super) fn may_take_input(&self) -> bool {
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
  pub(super) fn frame_requests(&mut self, ctx: &mut TurnContext) {
    if self.phase == Phase::Open && self.out.unwritten_len() >= MAX_PENDING_WRITE && self.has_partial_request() {
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
  pub(super) fn begin_request(
    &mut self,
    head: &RequestHead,
    arena: Option<Bump>,
    consumed: usize,
    ctx: &mut TurnContext,
  ) {
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
  pub(super) fn dispatch_streamed(&mut self, head: RequestHead, ctx: &mut TurnContext) {
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
  pub(super) fn feed_body(&mut self, ctx: &mut TurnContext) {
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
  pub(super) fn abort_body(&mut self, status: u16, ctx: &mut TurnContext) {
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
  pub(super) fn credit_body(&mut self, answer: &Answer) {
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

  pub(super) fn on_partial_request(&mut self, ctx: &mut TurnContext) {
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

  /// The bytes the peer sent after the taken-over request (not framed).
  pub fn leftover_input(&self) -> &[u8] {
    self.input.unframed()
  }
}
