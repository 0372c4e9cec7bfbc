//! The request batch: every request one reactor turn framed, handed to the
//! embedder at once as ONE byte buffer plus ONE table of `u32` offsets (no
//! object per request). Crossing into JavaScript costs a wake-up of several
//! microseconds per call but a few nanoseconds per request inside a call, so
//! the engine batches.
//!
//! The table's layout (`REQUEST_FIELDS` words per row, the `FIELD_*` order,
//! the `FLAG_*` bits) is the wire format of `wire`, which `src/wire.ts`
//! reads through the binding.

use crate::chunked::ByteSink;
use crate::framing::{decode_body, FramedRequest};
use crate::head::RequestHead;
use crate::span::Span;
use crate::wire::{
  FIELD_CONN, FIELD_DATA_LEN, FIELD_DATA_START, FIELD_FD, FIELD_FLAGS, FIELD_GENERATION, FIELD_REMOTE_PORT,
  FIELD_RESERVED, FIELD_SEQ, FLAG_BODY_PIECE, FLAG_BODY_STREAMED, FLAG_CHUNKED, FLAG_HEAD_METHOD, FLAG_HTTP_1_0,
  FLAG_KEEP_ALIVE, FLAG_TAKEN_OVER, REQUEST_FIELDS,
};

/// Identity of one request, as the embedder echoes it back in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId {
  /// The connection's slot in its I/O thread.
  pub conn: u32,
  /// Which use of that slot (a slot is reused after a close).
  pub generation: u32,
  /// The request's number on its connection (answers leave in this order).
  pub seq: u32,
}

/// A batch under construction, then handed over whole.
#[derive(Debug, Default)]
pub struct Batch {
  /// `REQUEST_FIELDS` words per row (see `wire`).
  pub table: Vec<u32>,
  /// The rows' bytes (heads, then bodies).
  pub data: Vec<u8>,
}

impl Batch {
  /// The number of rows.
  pub fn len(&self) -> usize {
    self.table.len() / REQUEST_FIELDS
  }

  /// Whether there are no rows.
  pub fn is_empty(&self) -> bool {
    self.table.is_empty()
  }

  /// Appends one framed request found at the start of `buf`. `decoded_body`
  /// is the decoded body of a chunked request (from the request arena); a
  /// Content-Length body is copied straight from `buf`.
  pub fn push(
    &mut self,
    id: RequestId,
    fd: i32,
    remote_port: u16,
    buf: &[u8],
    request: &FramedRequest,
    decoded_body: Option<&[u8]>,
  ) {
    let head = &request.head;
    let base = head.start;
    let data_start = self.data.len();
    self.data.extend_from_slice(&buf[head.start..head.len]);
    let body_start = self.data.len() - data_start;
    match decoded_body {
      Some(body) => self.data.extend_from_slice(body),
      None => decode_body(buf, request, &mut self.data as &mut dyn ByteSink),
    }
    let body_len = self.data.len() - data_start - body_start;
    let mut row_flags = 0;
    if head.keep_alive {
      row_flags |= FLAG_KEEP_ALIVE;
    }
    if head.is_head_method {
      row_flags |= FLAG_HEAD_METHOD;
    }
    if request.is_chunked() {
      row_flags |= FLAG_CHUNKED;
    }
    if head.minor_version == 0 {
      row_flags |= FLAG_HTTP_1_0;
    }
    let method = head.method.rebase(base);
    let path = head.path.rebase(base);
    let version = head.version.rebase(base);
    let headers = head.header_fields.rebase(base);
    self.table.extend_from_slice(&[
      id.conn,
      id.generation,
      id.seq,
      fd as u32,
      row_flags,
      data_start as u32,
      (self.data.len() - data_start) as u32,
      method.start as u32,
      method.len as u32,
      path.start as u32,
      path.len as u32,
      version.start as u32,
      version.len as u32,
      headers.start as u32,
      headers.len as u32,
      body_start as u32,
      body_len as u32,
      u32::from(remote_port),
      0,
    ]);
  }

  /// Appends the head of a request whose body is streamed (`FLAG_BODY_STREAMED`).
  pub fn push_streamed_head(&mut self, id: RequestId, fd: i32, remote_port: u16, buf: &[u8], head: &RequestHead) {
    let request = FramedRequest {
      head: *head,
      body: Span {
        start: head.len,
        len: 0,
      },
      len: head.len,
    };
    self.push(id, fd, remote_port, buf, &request, Some(&[]));
    let row = self.table.len() - REQUEST_FIELDS;
    self.table[row + FIELD_FLAGS] |= FLAG_BODY_STREAMED;
  }

  /// Appends a `FLAG_BODY_PIECE` row for the bytes appended to `data`
  /// since `data_start` (`piece_flags`: `BODY_END`, `BODY_ABORTED`).
  pub fn push_body_piece(&mut self, id: RequestId, data_start: usize, piece_flags: u32, status: u16) {
    let mut row = [0u32; REQUEST_FIELDS];
    row[FIELD_CONN] = id.conn;
    row[FIELD_GENERATION] = id.generation;
    row[FIELD_SEQ] = id.seq;
    row[FIELD_FLAGS] = FLAG_BODY_PIECE | piece_flags;
    row[FIELD_DATA_START] = data_start as u32;
    row[FIELD_DATA_LEN] = (self.data.len() - data_start) as u32;
    row[FIELD_RESERVED] = u32::from(status);
    self.table.extend_from_slice(&row);
  }

  /// Appends the notice that the connection of request `id` now belongs to
  /// the embedder, with the bytes it sent after that request.
  pub fn push_takeover(&mut self, id: RequestId, fd: i32, remote_port: u16, leftover: &[u8]) {
    let data_start = self.data.len();
    self.data.extend_from_slice(leftover);
    let mut row = [0u32; REQUEST_FIELDS];
    row[FIELD_CONN] = id.conn;
    row[FIELD_GENERATION] = id.generation;
    row[FIELD_SEQ] = id.seq;
    row[FIELD_FD] = fd as u32;
    row[FIELD_FLAGS] = FLAG_TAKEN_OVER;
    row[FIELD_DATA_START] = data_start as u32;
    row[FIELD_DATA_LEN] = leftover.len() as u32;
    row[FIELD_REMOTE_PORT] = u32::from(remote_port);
    self.table.extend_from_slice(&row);
  }

  /// Appends a notice about a streamed answer (`FLAG_DRAINED` or
  /// `FLAG_STREAM_CLOSED`).
  pub fn push_stream_notice(&mut self, id: RequestId, notice: u32) {
    let mut row = [0u32; REQUEST_FIELDS];
    row[FIELD_CONN] = id.conn;
    row[FIELD_GENERATION] = id.generation;
    row[FIELD_SEQ] = id.seq;
    row[FIELD_FLAGS] = notice;
    row[FIELD_DATA_START] = self.data.len() as u32;
    self.table.extend_from_slice(&row);
  }

  /// Hands the batch over and leaves an empty one in its place.
  pub fn take(&mut self) -> Batch {
    std::mem::take(self)
  }

  /// Where row `row`'s bytes start in `data`.
  fn row_data_start(&self, row: usize) -> usize {
    self.table[row * REQUEST_FIELDS + FIELD_DATA_START] as usize
  }

  /// Where row `row`'s bytes end in `data`.
  fn row_data_end(&self, row: usize) -> usize {
    self.row_data_start(row) + self.table[row * REQUEST_FIELDS + FIELD_DATA_LEN] as usize
  }

  /// Pull slabs: copies whole rows, from `first_row` on, into `data` from
  /// byte `data_at` and into `table` from word `table_at`, as many as fit,
  /// each row's `DATA_START` made absolute in `data`. Returns how many rows
  /// it copied: 0 when the first does not fit. (A row's bytes follow the
  /// bytes of the rows before it, so a run of rows is one run of bytes.)
  pub fn copy_rows_into(
    &self,
    first_row: usize,
    data: &mut [u8],
    data_at: usize,
    table: &mut [u32],
    table_at: usize,
  ) -> usize {
    let rows = self.len();
    if first_row >= rows || data_at > data.len() || table_at > table.len() || data_at > u32::MAX as usize / 2 {
      return 0;
    }
    let data_room = data.len() - data_at;
    let rows_room = (table.len() - table_at) / REQUEST_FIELDS;
    let base = self.row_data_start(first_row);
    let mut end_row = first_row;
    let mut data_end = base;
    while end_row < rows && end_row - first_row < rows_room {
      if self.row_data_start(end_row) < data_end || self.row_data_end(end_row) - base > data_room {
        break;
      }
      data_end = self.row_data_end(end_row);
      end_row += 1;
    }
    data[data_at..data_at + (data_end - base)].copy_from_slice(&self.data[base..data_end]);
    let words = &mut table[table_at..table_at + (end_row - first_row) * REQUEST_FIELDS];
    words.copy_from_slice(&self.table[first_row * REQUEST_FIELDS..end_row * REQUEST_FIELDS]);
    for row in words.chunks_exact_mut(REQUEST_FIELDS) {
      row[FIELD_DATA_START] = (row[FIELD_DATA_START] as usize - base + data_at) as u32;
    }
    end_row - first_row
  }

  /// Rows `first_row .. end_row` as a batch of their own (offsets rebased).
  pub fn rows(&self, first_row: usize, end_row: usize) -> Batch {
    let end_row = end_row.min(self.len());
    if first_row >= end_row {
      return Batch::default();
    }
    let base = self.row_data_start(first_row);
    let data_end = self.row_data_end(end_row - 1).max(base);
    let mut table = self.table[first_row * REQUEST_FIELDS..end_row * REQUEST_FIELDS].to_vec();
    for row in table.chunks_exact_mut(REQUEST_FIELDS) {
      row[FIELD_DATA_START] -= base as u32;
    }
    Batch {
      table,
      data: self.data[base..data_end].to_vec(),
    }
  }

  /// How many rows from `first_row` on are each larger than `room` bytes.
  pub fn rows_larger_than(&self, first_row: usize, room: usize) -> usize {
    (first_row..self.len())
      .take_while(|&row| self.row_data_end(row) - self.row_data_start(row) > room)
      .count()
  }

  /// Takes back the buffers of a batch the embedder has copied out, so the
  /// next batch is framed without allocating. Only while this one is still
  /// empty and unallocated, and never a buffer grown past `RECYCLE_MAX_BYTES`
  /// (one huge batch must not pin its memory for good).
  pub fn recycle(&mut self, mut spare: Batch) {
    let small = spare.data.capacity() <= RECYCLE_MAX_BYTES && spare.table.capacity() * 4 <= RECYCLE_MAX_BYTES;
    if self.is_empty() && self.data.is_empty() && self.table.capacity() == 0 && small {
      spare.table.clear();
      spare.data.clear();
      *self = spare;
    }
  }
}

/// The largest batch buffer `Batch::recycle` keeps.
pub const RECYCLE_MAX_BYTES: usize = 1024 * 1024;

#[cfg(test)]
mod tests {
  use super::*;

  fn used(data_bytes: usize, rows: usize) -> Batch {
    Batch {
      table: vec![7; rows * REQUEST_FIELDS],
      data: vec![1; data_bytes],
    }
  }

  /// A batch of rows whose bytes are `sizes[i]` bytes of the value `i`.
  fn rows_of(sizes: &[usize]) -> Batch {
    let mut batch = Batch::default();
    for (i, &size) in sizes.iter().enumerate() {
      let mut row = [0u32; REQUEST_FIELDS];
      row[FIELD_SEQ] = i as u32;
      row[FIELD_DATA_START] = batch.data.len() as u32;
      row[FIELD_DATA_LEN] = size as u32;
      batch.data.extend(std::iter::repeat_n(i as u8, size));
      batch.table.extend_from_slice(&row);
    }
    batch
  }

  /// The bytes of each row copied into `data` / `table`, by its `SEQ`.
  fn copied_rows(data: &[u8], table: &[u32]) -> Vec<(u32, Vec<u8>)> {
    table
      .chunks_exact(REQUEST_FIELDS)
      .map(|row| {
        let start = row[FIELD_DATA_START] as usize;
        (
          row[FIELD_SEQ],
          data[start..start + row[FIELD_DATA_LEN] as usize].to_vec(),
        )
      })
      .collect()
  }

  #[test]
  fn copy_rows_into_copies_the_whole_rows_that_fit_then_the_rest() {
    let batch = rows_of(&[100, 300, 50, 400, 10]);
    let mut data = vec![0u8; 1000];
    let mut table = vec![0u32; 10 * REQUEST_FIELDS];
    // From byte 500: rows 0-2 (450 bytes) fit, row 3 does not.
    assert_eq!(batch.copy_rows_into(0, &mut data, 500, &mut table, REQUEST_FIELDS), 3);
    let first = copied_rows(&data, &table[REQUEST_FIELDS..4 * REQUEST_FIELDS]);
    assert_eq!(first, vec![(0, vec![0; 100]), (1, vec![1; 300]), (2, vec![2; 50])]);
    assert_eq!(
      table[REQUEST_FIELDS + FIELD_DATA_START],
      500,
      "offsets are absolute in the slab"
    );
    // The rest, into a fresh slab.
    let mut data = vec![0u8; 1000];
    let mut table = vec![0u32; 10 * REQUEST_FIELDS];
    assert_eq!(batch.copy_rows_into(3, &mut data, 0, &mut table, 0), 2);
    assert_eq!(
      copied_rows(&data, &table[..2 * REQUEST_FIELDS]),
      vec![(3, vec![3; 400]), (4, vec![4; 10])]
    );
  }

  #[test]
  fn copy_rows_into_stops_at_the_table_room_and_copies_nothing_past_the_end() {
    let batch = rows_of(&[10, 10, 10]);
    let mut data = vec![0u8; 100];
    let mut table = vec![0u32; 2 * REQUEST_FIELDS + 3];
    assert_eq!(
      batch.copy_rows_into(0, &mut data, 0, &mut table, 0),
      2,
      "two rows of table room"
    );
    assert_eq!(
      batch.copy_rows_into(3, &mut data, 0, &mut table, 0),
      0,
      "no rows past the end"
    );
    assert_eq!(
      batch.copy_rows_into(0, &mut data, 95, &mut table, 0),
      0,
      "the first row does not fit"
    );
  }

  #[test]
  fn rows_makes_a_rebased_batch_and_counts_big_rows() {
    let batch = rows_of(&[10, 5000, 6000, 20]);
    assert_eq!(batch.rows_larger_than(1, 4096), 2);
    assert_eq!(batch.rows_larger_than(0, 4096), 0);
    let own = batch.rows(1, 3);
    assert_eq!(own.len(), 2);
    assert_eq!(own.data.len(), 11_000);
    assert_eq!(
      copied_rows(&own.data, &own.table),
      vec![(1, vec![1; 5000]), (2, vec![2; 6000])]
    );
  }

  #[test]
  fn recycle_keeps_the_buffers_of_a_small_batch_emptied() {
    let mut batch = Batch::default();
    batch.recycle(used(4096, 10));
    assert!(batch.is_empty() && batch.data.is_empty());
    assert!(batch.data.capacity() >= 4096 && batch.table.capacity() >= 10 * REQUEST_FIELDS);
  }

  #[test]
  fn recycle_drops_a_huge_batch_and_never_replaces_pending_requests() {
    let mut batch = Batch::default();
    batch.recycle(used(RECYCLE_MAX_BYTES + 1, 1));
    assert_eq!(batch.data.capacity(), 0, "a huge buffer is not kept");

    let mut pending = used(10, 1);
    pending.recycle(used(100, 2));
    assert_eq!(pending.len(), 1, "requests framed meanwhile stay");
    assert_eq!(pending.data.len(), 10);
  }
}
