//! The wire format between the engine and its embedder, defined once: the
//! batch table that carries requests in (row fields and flags) and the answer
//! records that carry responses out (kinds and lengths). The Node binding
//! exports every constant here under the same name (`#[napi] pub const`),
//! and `src/wire.ts` reads them from it; `__test__/wire.spec.ts` fails if the
//! two sides differ.
//!
//! **Batch table** (`batch`): `REQUEST_FIELDS` little-endian `u32` words per
//! row, in the order of the `FIELD_*` constants. Spans (`*_START`/`*_LEN`)
//! are relative to the request's own bytes, which are
//! `data[DATA_START .. DATA_START + DATA_LEN]`: the head (from the request
//! line to the blank line) followed by the body, decoded when it was chunked.
//! A row is a request unless its flags say it is a notice (`FLAG_TAKEN_OVER`,
//! `FLAG_DRAINED`, `FLAG_STREAM_CLOSED`, `FLAG_BODY_PIECE`).
//!
//! **Answer records** (`response`): all answers of one JavaScript tick in
//! ONE buffer, each a `RECORD_HEADER_LEN`-byte little-endian header (`conn`,
//! `generation`, `seq`, `kind`, `len`) followed by `len` bytes, padded to a
//! multiple of 4 so that every header is 4-byte aligned (JavaScript writes it
//! through a `Uint32Array`). The low 4 bits of `kind` are one of the `KIND_*`
//! answer kinds; the bits above are the `KIND_*` modifiers.

// --- the batch table: one row per request (or notice) --------------------

/// Words per row of the batch table.
pub const REQUEST_FIELDS: usize = 19;

/// Connection id: I/O thread index in the top 8 bits, slot below.
pub const FIELD_CONN: usize = 0;
/// Generation of the slot, so a late answer never reaches a reused slot.
pub const FIELD_GENERATION: usize = 1;
/// Sequence number of the request on its connection.
pub const FIELD_SEQ: usize = 2;
/// The socket's file descriptor (V's `client_conn_fd`).
pub const FIELD_FD: usize = 3;
/// `FLAG_*` bits.
pub const FIELD_FLAGS: usize = 4;
/// Where the request's bytes start in the batch's data.
pub const FIELD_DATA_START: usize = 5;
/// How many bytes the request has in the batch's data (head and body).
pub const FIELD_DATA_LEN: usize = 6;
/// The method, e.g. `GET`.
pub const FIELD_METHOD_START: usize = 7;
/// See `FIELD_METHOD_START`.
pub const FIELD_METHOD_LEN: usize = 8;
/// The request target, e.g. `/user/1?x=2`.
pub const FIELD_PATH_START: usize = 9;
/// See `FIELD_PATH_START`.
pub const FIELD_PATH_LEN: usize = 10;
/// `HTTP/1.1` or `HTTP/1.0`.
pub const FIELD_VERSION_START: usize = 11;
/// See `FIELD_VERSION_START`.
pub const FIELD_VERSION_LEN: usize = 12;
/// Every header line, from the first field name to the end of the last line.
pub const FIELD_HEADERS_START: usize = 13;
/// See `FIELD_HEADERS_START`.
pub const FIELD_HEADERS_LEN: usize = 14;
/// The body (empty when there is none, or when it is streamed).
pub const FIELD_BODY_START: usize = 15;
/// See `FIELD_BODY_START`.
pub const FIELD_BODY_LEN: usize = 16;
/// The client's port (the address is left to `clientConnFd`).
pub const FIELD_REMOTE_PORT: usize = 17;
/// Zero, except for `FLAG_BODY_ABORTED` rows (see there).
pub const FIELD_RESERVED: usize = 18;

/// The connection stays open after this request (HTTP keep-alive rules).
pub const FLAG_KEEP_ALIVE: u32 = 1;
/// The method is HEAD: the response has no body.
pub const FLAG_HEAD_METHOD: u32 = 2;
/// The body came chunked (it is in the row decoded).
pub const FLAG_CHUNKED: u32 = 4;
/// The request is HTTP/1.0.
pub const FLAG_HTTP_1_0: u32 = 8;
/// The request's body is not in the row: it follows in `FLAG_BODY_PIECE`
/// rows as it arrives (it was longer than `Limits::stream_body_over`).
pub const FLAG_BODY_STREAMED: u32 = 0x10;
/// Not a request: the connection of request `SEQ` was handed over. `FD` is
/// its socket, now the embedder's; `DATA_*` the bytes it sent after that
/// request, already read by the engine.
pub const FLAG_TAKEN_OVER: u32 = 0x100;
/// Not a request: the streamed answer to request `SEQ` may go on (its
/// connection's output drained below `STREAM_LOW_WATER`).
pub const FLAG_DRAINED: u32 = 0x200;
/// Not a request: the connection of the streamed answer to request `SEQ`
/// closed; stop producing it.
pub const FLAG_STREAM_CLOSED: u32 = 0x400;
/// Not a request: a piece of the streamed body of request `SEQ`, in
/// `DATA_*`. The embedder acknowledges what it consumed (`KIND_BODY_CREDIT`)
/// before more than `BODY_WINDOW` bytes are sent.
pub const FLAG_BODY_PIECE: u32 = 0x800;
/// With `FLAG_BODY_PIECE`: the last piece.
pub const FLAG_BODY_END: u32 = 0x1000;
/// With `FLAG_BODY_PIECE`: the body ends here unfinished. `RESERVED` holds
/// the status the request deserves (400 malformed chunk, 413 too large) or 0
/// when the client closed the connection.
pub const FLAG_BODY_ABORTED: u32 = 0x2000;

/// Streamed request-body bytes the embedder may hold unacknowledged: the
/// memory bound of one upload, whatever its size.
pub const BODY_WINDOW: usize = 256 * 1024;

// --- answer records: one per answer (or acknowledgement) -----------------

/// Bytes of a record's header: `conn`, `generation`, `seq`, `kind`, `len`.
pub const RECORD_HEADER_LEN: usize = 20;

/// The bytes are a whole HTTP response, sent verbatim.
pub const KIND_RAW: u32 = 0;
/// The bytes are a body: the engine frames a `200 OK` around them.
pub const KIND_BODY: u32 = 1;
/// The bytes are `FILE_META_LEN` bytes of file description (see
/// `response::FileMeta`) followed by a whole response head; the body is sent
/// from the file.
pub const KIND_FILE: u32 = 2;
/// The bytes are sent verbatim, then the connection leaves the engine and is
/// handed to the embedder (V's `takeover_mode: manual`): WebSocket,
/// server-sent events, proxies.
pub const KIND_TAKEOVER: u32 = 3;
/// A piece of a streamed answer: the bytes go out as they are (the head,
/// then body pieces the embedder framed). The request stays in place, and
/// later answers wait, until a piece with `KIND_STREAM_END`.
pub const KIND_STREAM: u32 = 4;
/// Not an answer: the embedder consumed this many bytes (a little-endian
/// `u32` payload) of the streamed body of the request; more may come.
pub const KIND_BODY_CREDIT: u32 = 5;
/// The bits of `kind` that hold the answer kind (the rest are modifiers).
pub const KIND_MASK: u32 = 0xf;
/// Close the connection once this response is written.
pub const KIND_CLOSE: u32 = 0x10;
/// The payload is not in the record buffer but the next external buffer
/// passed with it (see `response::answers_with_externals`).
pub const KIND_EXTERNAL: u32 = 0x20;
/// For `KIND_STREAM`: the last piece of the answer.
pub const KIND_STREAM_END: u32 = 0x40;
/// For `KIND_STREAM`: tell the embedder (a `FLAG_DRAINED` row) once the
/// connection's unwritten output falls below `STREAM_LOW_WATER`.
pub const KIND_WANT_DRAIN: u32 = 0x80;
/// For `KIND_BODY`: the content type is
/// `CONTENT_TYPES[(kind >> KIND_CONTENT_TYPE_SHIFT) & 0xff]`.
pub const KIND_CONTENT_TYPE_SHIFT: u32 = 8;

/// Unwritten output of a streaming connection below which a waiting
/// embedder is told to go on writing.
pub const STREAM_LOW_WATER: usize = 64 * 1024;

/// Bytes of file description at the start of a `KIND_FILE` payload:
/// descriptor (`i32`), offset (`u64`), length (`u64`), little-endian.
pub const FILE_META_LEN: usize = 20;

/// `CONTENT_TYPES` index: `text/plain; charset=utf-8`.
pub const CONTENT_TYPE_TEXT: u32 = 0;
/// `CONTENT_TYPES` index: `text/html; charset=utf-8`.
pub const CONTENT_TYPE_HTML: u32 = 1;
/// `CONTENT_TYPES` index: `application/json`.
pub const CONTENT_TYPE_JSON: u32 = 2;
/// `CONTENT_TYPES` index: `application/octet-stream`.
pub const CONTENT_TYPE_OCTET_STREAM: u32 = 3;

/// Content types the embedder can pick for `KIND_BODY` answers, by index.
pub const CONTENT_TYPES: [&str; 4] = [
  "text/plain; charset=utf-8",
  "text/html; charset=utf-8",
  "application/json",
  "application/octet-stream",
];

/// Calls the macro `$callback` with the name of every integer constant of
/// the wire format: the binding exports them with it, and the tests below
/// check them by their prefix.
#[macro_export]
macro_rules! with_wire_constants {
  ($callback:ident) => {
    $callback! {
      REQUEST_FIELDS,
      FIELD_CONN,
      FIELD_GENERATION,
      FIELD_SEQ,
      FIELD_FD,
      FIELD_FLAGS,
      FIELD_DATA_START,
      FIELD_DATA_LEN,
      FIELD_METHOD_START,
      FIELD_METHOD_LEN,
      FIELD_PATH_START,
      FIELD_PATH_LEN,
      FIELD_VERSION_START,
      FIELD_VERSION_LEN,
      FIELD_HEADERS_START,
      FIELD_HEADERS_LEN,
      FIELD_BODY_START,
      FIELD_BODY_LEN,
      FIELD_REMOTE_PORT,
      FIELD_RESERVED,
      FLAG_KEEP_ALIVE,
      FLAG_HEAD_METHOD,
      FLAG_CHUNKED,
      FLAG_HTTP_1_0,
      FLAG_BODY_STREAMED,
      FLAG_TAKEN_OVER,
      FLAG_DRAINED,
      FLAG_STREAM_CLOSED,
      FLAG_BODY_PIECE,
      FLAG_BODY_END,
      FLAG_BODY_ABORTED,
      BODY_WINDOW,
      RECORD_HEADER_LEN,
      KIND_RAW,
      KIND_BODY,
      KIND_FILE,
      KIND_TAKEOVER,
      KIND_STREAM,
      KIND_BODY_CREDIT,
      KIND_MASK,
      KIND_CLOSE,
      KIND_EXTERNAL,
      KIND_STREAM_END,
      KIND_WANT_DRAIN,
      KIND_CONTENT_TYPE_SHIFT,
      STREAM_LOW_WATER,
      FILE_META_LEN,
      CONTENT_TYPE_TEXT,
      CONTENT_TYPE_HTML,
      CONTENT_TYPE_JSON,
      CONTENT_TYPE_OCTET_STREAM
    }
  };
}

#[cfg(test)]
mod tests {
  use super::*;

  /// Every constant as (name, value).
  macro_rules! named {
    ($($name:ident),* $(,)?) => {
      [$((stringify!($name), $name as u64)),*]
    };
  }
  const ALL: &[(&str, u64)] = &crate::with_wire_constants!(named);

  fn with_prefix(prefix: &str) -> Vec<u64> {
    ALL
      .iter()
      .filter(|(name, _)| name.starts_with(prefix))
      .map(|&(_, value)| value)
      .collect()
  }

  #[test]
  fn row_fields_are_the_words_of_a_row() {
    let mut fields = with_prefix("FIELD_");
    fields.sort_unstable();
    assert_eq!(fields, (0..REQUEST_FIELDS as u64).collect::<Vec<_>>());
  }

  #[test]
  fn flags_are_distinct_bits() {
    let flags = with_prefix("FLAG_");
    assert!(flags.iter().all(|flag| flag.count_ones() == 1));
    let all = flags.iter().fold(0, |all, flag| all | flag);
    assert_eq!(all.count_ones() as usize, flags.len());
  }

  #[test]
  fn kinds_fit_the_mask_and_modifiers_lie_above_it() {
    let kinds = [
      KIND_RAW,
      KIND_BODY,
      KIND_FILE,
      KIND_TAKEOVER,
      KIND_STREAM,
      KIND_BODY_CREDIT,
    ];
    assert!(kinds.iter().all(|&kind| kind & !KIND_MASK == 0));
    let modifiers = [KIND_CLOSE, KIND_EXTERNAL, KIND_STREAM_END, KIND_WANT_DRAIN];
    assert!(modifiers
      .iter()
      .all(|&bit| bit & KIND_MASK == 0 && bit < 1 << KIND_CONTENT_TYPE_SHIFT));
    assert_eq!(with_prefix("CONTENT_TYPE_").len(), CONTENT_TYPES.len());
  }
}
