//! Reusable byte buffers for one I/O thread. A connection holds a read or
//! write buffer only while it has bytes in it; an idle keep-alive connection
//! holds none, so ten thousand idle connections cost sockets, not buffers.

/// Buffers kept for reuse.
const POOL_MAX_BUFFERS: usize = 1024;
/// Buffers that grew past this (a large body) are freed, not pooled.
const POOL_MAX_CAPACITY: usize = 256 * 1024;

#[derive(Debug, Default)]
pub struct BufferPool {
  free: Vec<Vec<u8>>,
}

impl BufferPool {
  /// A buffer from the pool, or a new empty one. Its length is whatever it
  /// had: read buffers keep their initialized length, write buffers come back
  /// cleared.
  pub fn take(&mut self) -> Vec<u8> {
    self.free.pop().unwrap_or_default()
  }

  pub fn give(&mut self, buffer: Vec<u8>) {
    if buffer.capacity() > 0 && buffer.capacity() <= POOL_MAX_CAPACITY && self.free.len() < POOL_MAX_BUFFERS {
      self.free.push(buffer);
    }
  }
}
