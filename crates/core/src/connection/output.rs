//! A connection's output: the bytes waiting to be written (from a pooled
//! buffer), the file bodies among them, written once per turn; a large answer
//! is written through, straight from the embedder's buffer.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::time::Instant;

use super::{interrupted, would_block, Connection, TurnContext};
use crate::file_body::{FileBody, SendStatus};

/// The bytes waiting to be written (`buf[pos..]`), and the file bodies to
/// send among them.
#[derive(Default)]
pub(super) struct Output {
  pub(super) buf: Vec<u8>,
  pub(super) pos: usize,
  /// File bodies to send, each at its offset in `buf`.
  pub(super) files: VecDeque<PendingFile>,
}

impl Output {
  /// Bytes queued and not yet written.
  pub(super) fn unwritten_len(&self) -> usize {
    self.buf.len() - self.pos
  }

  /// Gives the buffer back to the pool (the connection is going away).
  pub(super) fn give_back(mut self, ctx: &mut TurnContext) {
    self.buf.clear();
    ctx.write_buffers.give(self.buf);
  }
}

/// A file body waiting its turn in the output.
pub(super) struct PendingFile {
  /// Offset in the write buffer the file follows.
  pub(super) at: usize,
  pub(super) body: FileBody,
}

impl Connection {
  pub fn has_unwritten_output(&self) -> bool {
    self.out.pos < self.out.buf.len() || !self.out.files.is_empty()
  }

  /// Queues a file body to go out right after the bytes queued so far.
  pub(super) fn queue_file(&mut self, file: Option<FileBody>) {
    if let Some(body) = file {
      if body.remaining > 0 {
        self.out.files.push_back(PendingFile {
          at: self.out.buf.len(),
          body,
        });
      }
    }
  }

  /// Writes queued output, then `head` and `body`, in one vectored write as
  /// far as the socket takes them; the rest is queued. A write error is left
  /// for the next `flush` to report.
  pub(super) fn write_through(&mut self, head: &[u8], body: &[u8], ctx: &mut TurnContext) {
    let queued = &self.out.buf[self.out.pos..];
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
    self.out.pos += from_queue;
    written -= from_queue;
    if self.out.pos == self.out.buf.len() {
      self.out.pos = 0;
      self.out.buf.clear();
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
  pub(super) fn output(&mut self, ctx: &mut TurnContext) -> &mut Vec<u8> {
    if self.out.buf.capacity() == 0 {
      self.out.buf = ctx.write_buffers.take();
    }
    &mut self.out.buf
  }

  /// Writes queued output (bytes, and file bodies at their places) until
  /// done or the socket is full.
  pub fn flush(&mut self, ctx: &mut TurnContext) -> io::Result<()> {
    if self.out.pos == 0 && !self.out.buf.is_empty() {
      // Fresh output: the stall clock starts now, not at the last write.
      self.last_write_progress = Instant::now();
    }
    loop {
      // Bytes up to the next file (or all of them).
      let limit = self.out.files.front().map_or(self.out.buf.len(), |file| file.at);
      while self.out.pos < limit {
        match self.socket.write(&self.out.buf[self.out.pos..limit]) {
          Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
          Ok(n) => {
            self.out.pos += n;
            self.last_write_progress = Instant::now();
          }
          Err(ref err) if would_block(err) => return Ok(()),
          Err(ref err) if interrupted(err) => {}
          Err(err) => return Err(err),
        }
      }
      let Some(file) = self.out.files.front_mut() else { break };
      let before = file.body.remaining;
      let status = file.body.send_to(&mut self.socket)?;
      if file.body.remaining < before {
        self.last_write_progress = Instant::now();
      }
      if status == SendStatus::WouldBlock {
        return Ok(());
      }
      self.out.files.pop_front();
    }
    self.out.pos = 0;
    self.out.buf.clear();
    // Everything is out: the buffer goes back to the pool until next time.
    ctx.write_buffers.give(std::mem::take(&mut self.out.buf));
    Ok(())
  }
}
