// The wire format between the engine and this layer: the batch table's row
// fields and flags (requests in), the answer records' kinds and lengths
// (answers out). Defined once, in `crates/core/src/wire.rs`; the binding
// exports each constant under the same name.

export const REQUEST_FIELDS = 19
export const FIELD_CONN = 0
export const FIELD_GENERATION = 1
export const FIELD_SEQ = 2
export const FIELD_FD = 3
export const FIELD_FLAGS = 4
export const FIELD_DATA_START = 5
export const FIELD_DATA_LEN = 6
export const FIELD_METHOD_START = 7
export const FIELD_METHOD_LEN = 8
export const FIELD_PATH_START = 9
export const FIELD_PATH_LEN = 10
export const FIELD_VERSION_START = 11
export const FIELD_VERSION_LEN = 12
export const FIELD_HEADERS_START = 13
export const FIELD_HEADERS_LEN = 14
export const FIELD_BODY_START = 15
export const FIELD_BODY_LEN = 16
export const FIELD_REMOTE_PORT = 17
export const FIELD_RESERVED = 18
export const FLAG_KEEP_ALIVE = 1
export const FLAG_HEAD_METHOD = 2
export const FLAG_CHUNKED = 4
export const FLAG_HTTP_1_0 = 8
export const FLAG_BODY_STREAMED = 0x10
export const FLAG_TAKEN_OVER = 0x100
export const FLAG_DRAINED = 0x200
export const FLAG_STREAM_CLOSED = 0x400
export const FLAG_BODY_PIECE = 0x800
export const FLAG_BODY_END = 0x1000
export const FLAG_BODY_ABORTED = 0x2000

export const RECORD_HEADER_LEN = 20
export const KIND_RAW = 0
export const KIND_BODY = 1
export const KIND_FILE = 2
export const KIND_TAKEOVER = 3
export const KIND_STREAM = 4
export const KIND_BODY_CREDIT = 5
export const KIND_CLOSE = 0x10
export const KIND_EXTERNAL = 0x20
export const KIND_STREAM_END = 0x40
export const KIND_WANT_DRAIN = 0x80
export const KIND_CONTENT_TYPE_SHIFT = 8
export const FILE_META_LEN = 20
export const CONTENT_TYPE_TEXT = 0
export const CONTENT_TYPE_HTML = 1
export const CONTENT_TYPE_JSON = 2
