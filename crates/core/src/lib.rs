//! The engine of fasthttp: an HTTP/1.1 server core that knows nothing of
//! Node.js. Bytes come in through a `mio` reactor, are framed into requests
//! (`head` + `chunked` + `framing`), handed to an embedder in batches
//! (`batch`), and the embedder's answers are written back in request order
//! (`response`, `connection`). Each request's scratch memory lives in a pooled
//! `bumpalo` arena (`arena`).

pub mod arena;
pub mod batch;
pub mod buffer_pool;
pub mod chunked;
pub mod connection;
pub mod date;
pub mod file_body;
pub mod framing;
pub mod head;
pub mod reactor;
pub mod read_buffer;
pub mod response;
pub mod server;
pub mod span;
pub mod wire;

pub use batch::{Batch, RequestId};
pub use reactor::{Embedder, ShutdownMode};
pub use server::{EngineConfig, Family, ServerHandle};
