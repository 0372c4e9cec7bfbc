//! A connection's answers: each is queued in request order (one that comes
//! back early waits in its request's slot), streamed answers go out piece by
//! piece, a takeover answer starts the hand-over, and a handler that runs
//! past its time is answered 503.

use std::time::Duration;

use super::{abandon, Connection, InFlight, Phase, TurnContext};
use crate::batch::RequestId;
use crate::file_body::FileBody;
use crate::response::{error_response, raw_response_closes, write_body_head, Answer, ConnectionHeader, FileMeta};
use crate::wire::{
  CONTENT_TYPES, FLAG_STREAM_CLOSED, KIND_BODY, KIND_BODY_CREDIT, KIND_CLOSE, KIND_CONTENT_TYPE_SHIFT, KIND_FILE,
  KIND_MASK, KIND_STREAM, KIND_STREAM_END, KIND_TAKEOVER, KIND_WANT_DRAIN, STREAM_LOW_WATER,
};

/// Answers at least this large are written through (see `write_through`)
/// instead of being copied into the write buffer first.
const WRITE_THROUGH_MIN: usize = 16 * 1024;

/// An answer that arrived before the answers to earlier requests.
pub(super) struct EarlyAnswer {
  pub(super) bytes: Vec<u8>,
  pub(super) closes: bool,
  pub(super) file: Option<FileBody>,
  /// The connection is handed over after this answer.
  pub(super) takeover: bool,
  /// A streamed answer whose last piece has not come yet: more pieces are
  /// appended, and once written the request stays in place.
  pub(super) open_stream: bool,
}

impl EarlyAnswer {
  /// A whole answer of plain bytes.
  pub(super) fn complete(bytes: Vec<u8>, closes: bool) -> Self {
    EarlyAnswer {
      bytes,
      closes,
      file: None,
      takeover: false,
      open_stream: false,
    }
  }
}

impl Connection {
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
      let closes = if answer.bytes.len() >= WRITE_THROUGH_MIN && self.out.files.is_empty() {
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
  pub(super) fn write_early_answers(&mut self, ctx: &mut TurnContext) {
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
  pub(super) fn accept_stream_piece(&mut self, index: usize, answer: &Answer, ctx: &mut TurnContext) {
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
    if self.out.unwritten_len() < STREAM_LOW_WATER {
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
  pub(super) fn begin_handover(&mut self, request: InFlight, ctx: &mut TurnContext) {
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

  pub(super) fn finish_request(&mut self, request: InFlight, closes: bool, ctx: &mut TurnContext) {
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
}

impl InFlight {
  /// Whether the connection closes after answering this request with a
  /// verbatim head `head` of kind `answer_kind`.
  fn closes_after(&self, answer_kind: u32, head: &[u8]) -> bool {
    !self.keep_alive || answer_kind & KIND_CLOSE != 0 || raw_response_closes(head)
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
