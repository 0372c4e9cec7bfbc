// The wire format between the engine and this layer: the batch table's row
// fields and flags (requests in), the answer records' kinds and lengths
// (answers out). Defined once, in `crates/core/src/wire.rs` (which says what
// each one means); the binding exports every constant under the same name,
// and they are read here once, at load, into plain module constants.
// `__test__/wire.spec.ts` checks that both sides have the same names and values.

import { binding } from './binding'

// The batch table: one row per request (or notice).
export const REQUEST_FIELDS: number = binding.REQUEST_FIELDS
export const FIELD_CONN: number = binding.FIELD_CONN
export const FIELD_GENERATION: number = binding.FIELD_GENERATION
export const FIELD_SEQ: number = binding.FIELD_SEQ
export const FIELD_FD: number = binding.FIELD_FD
export const FIELD_FLAGS: number = binding.FIELD_FLAGS
export const FIELD_DATA_START: number = binding.FIELD_DATA_START
export const FIELD_DATA_LEN: number = binding.FIELD_DATA_LEN
export const FIELD_METHOD_START: number = binding.FIELD_METHOD_START
export const FIELD_METHOD_LEN: number = binding.FIELD_METHOD_LEN
export const FIELD_PATH_START: number = binding.FIELD_PATH_START
export const FIELD_PATH_LEN: number = binding.FIELD_PATH_LEN
export const FIELD_VERSION_START: number = binding.FIELD_VERSION_START
export const FIELD_VERSION_LEN: number = binding.FIELD_VERSION_LEN
export const FIELD_HEADERS_START: number = binding.FIELD_HEADERS_START
export const FIELD_HEADERS_LEN: number = binding.FIELD_HEADERS_LEN
export const FIELD_BODY_START: number = binding.FIELD_BODY_START
export const FIELD_BODY_LEN: number = binding.FIELD_BODY_LEN
export const FIELD_REMOTE_PORT: number = binding.FIELD_REMOTE_PORT
export const FIELD_RESERVED: number = binding.FIELD_RESERVED
export const FLAG_KEEP_ALIVE: number = binding.FLAG_KEEP_ALIVE
export const FLAG_HEAD_METHOD: number = binding.FLAG_HEAD_METHOD
export const FLAG_CHUNKED: number = binding.FLAG_CHUNKED
export const FLAG_HTTP_1_0: number = binding.FLAG_HTTP_1_0
export const FLAG_BODY_STREAMED: number = binding.FLAG_BODY_STREAMED
export const FLAG_TAKEN_OVER: number = binding.FLAG_TAKEN_OVER
export const FLAG_DRAINED: number = binding.FLAG_DRAINED
export const FLAG_STREAM_CLOSED: number = binding.FLAG_STREAM_CLOSED
export const FLAG_BODY_PIECE: number = binding.FLAG_BODY_PIECE
export const FLAG_BODY_END: number = binding.FLAG_BODY_END
export const FLAG_BODY_ABORTED: number = binding.FLAG_BODY_ABORTED
export const BODY_WINDOW: number = binding.BODY_WINDOW

// Answer records: one per answer (or acknowledgement).
export const RECORD_HEADER_LEN: number = binding.RECORD_HEADER_LEN
export const KIND_RAW: number = binding.KIND_RAW
export const KIND_BODY: number = binding.KIND_BODY
export const KIND_FILE: number = binding.KIND_FILE
export const KIND_TAKEOVER: number = binding.KIND_TAKEOVER
export const KIND_STREAM: number = binding.KIND_STREAM
export const KIND_BODY_CREDIT: number = binding.KIND_BODY_CREDIT
export const KIND_CLOSE: number = binding.KIND_CLOSE
export const KIND_EXTERNAL: number = binding.KIND_EXTERNAL
export const KIND_STREAM_END: number = binding.KIND_STREAM_END
export const KIND_WANT_DRAIN: number = binding.KIND_WANT_DRAIN
export const KIND_CONTENT_TYPE_SHIFT: number = binding.KIND_CONTENT_TYPE_SHIFT
export const KIND_MASK: number = binding.KIND_MASK
export const STREAM_LOW_WATER: number = binding.STREAM_LOW_WATER
export const FILE_META_LEN: number = binding.FILE_META_LEN
export const CONTENT_TYPE_TEXT: number = binding.CONTENT_TYPE_TEXT
export const CONTENT_TYPE_HTML: number = binding.CONTENT_TYPE_HTML
export const CONTENT_TYPE_JSON: number = binding.CONTENT_TYPE_JSON
export const CONTENT_TYPE_OCTET_STREAM: number = binding.CONTENT_TYPE_OCTET_STREAM
