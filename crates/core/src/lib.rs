//! The engine of fasthttp: an HTTP/1.1 server core that knows nothing of
//! Node.js. Bytes come in through a `mio` reactor, are framed into requests
//! (`head` + `chunked` + `framing`), handed to an embedder in batches
//! (`batch`), and the embedder's answers are written back in request order
//! (`response`, `connection`). Each request's scratch memory lives in a pooled
//! `bumpalo` arena (`arena`). Platform-specific code lives in `sys`.
//!
//! The surface is what an embedder needs: start a [`ServerHandle`] with an
//! [`EngineConfig`] and an [`Embedder`] that receives [`Batch`]es, answer in
//! records of the [`wire`] format. Everything else is private; benches and
//! property tests reach the parser through [`internals`].
#![deny(missing_docs)]

mod arena;
mod batch;
mod buffer_pool;
mod chunked;
mod connection;
mod date;
mod file_body;
mod framing;
mod head;
mod reactor;
mod read_buffer;
mod response;
mod server;
mod span;
mod sys;
pub mod wire;

pub use batch::{Batch, RequestId};
pub use date::http_date;
pub use reactor::{Embedder, QuietPull, ShutdownMode};
pub use response::REASON_PHRASES;
pub use server::{EngineConfig, Family, ServerHandle};
pub use sys::{connection_addresses, peer_closed};

/// The parser, framer and answer records, for the crate's own benches and
/// property tests (httparse's way of testing internals from outside). Not
/// a stable API.
#[doc(hidden)]
pub mod internals {
  pub use crate::chunked::{walk_chunked, ChunkedProgress, ChunkedStatus};
  pub use crate::framing::{decode_body, frame_request, FrameProgress, FrameStatus, FramedRequest, Limits};
  pub use crate::head::Reject;
  pub use crate::response::{answers, push_answer, write_body_head, ConnectionHeader, FileMeta};
}
