//! A connection's input buffer: bytes received and not yet framed.
//!
//! The storage is zeroed once when it grows and then reused as it is, so a
//! `read` never pays for clearing the space it is about to overwrite.

/// Least free space offered to one `read`.
const MIN_READ_SPACE: usize = 4 * 1024;
/// Size of a fresh buffer.
pub const INITIAL_CAPACITY: usize = 16 * 1024;

#[derive(Debug, Default)]
pub struct ReadBuffer {
  /// Always fully initialized: `storage.len()` is the capacity in use.
  storage: Vec<u8>,
  /// `storage[start..end]` holds the unframed bytes.
  start: usize,
  end: usize,
}

impl ReadBuffer {
  /// Wraps (pooled) storage; its contents are irrelevant.
  pub fn from_storage(storage: Vec<u8>) -> Self {
    ReadBuffer {
      storage,
      start: 0,
      end: 0,
    }
  }

  pub fn into_storage(self) -> Vec<u8> {
    self.storage
  }

  pub fn capacity(&self) -> usize {
    self.storage.len()
  }

  /// The bytes received and not framed yet.
  pub fn unframed(&self) -> &[u8] {
    &self.storage[self.start..self.end]
  }

  pub fn has_unframed(&self) -> bool {
    self.start < self.end
  }

  /// Marks `n` unframed bytes as framed.
  pub fn consume(&mut self, n: usize) {
    self.start += n;
    debug_assert!(self.start <= self.end);
    if self.start == self.end {
      self.start = 0;
      self.end = 0;
    }
  }

  /// Drops every unframed byte (after a rejection, or while lingering).
  pub fn discard_all(&mut self) {
    self.start = 0;
    self.end = 0;
  }

  /// Free space to read into, making room first: unframed bytes move to the
  /// front, and the storage doubles when they fill it.
  pub fn space(&mut self) -> &mut [u8] {
    if self.storage.len() - self.end < MIN_READ_SPACE {
      if self.start > 0 {
        self.storage.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
      }
      if self.storage.len() - self.end < MIN_READ_SPACE {
        let grown = (self.storage.len() * 2).max(INITIAL_CAPACITY);
        self.storage.resize(grown, 0);
      }
    }
    &mut self.storage[self.end..]
  }

  /// Records that `n` bytes were read into `space()`.
  pub fn filled(&mut self, n: usize) {
    self.end += n;
    debug_assert!(self.end <= self.storage.len());
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn keeps_unframed_bytes_across_compaction_and_growth() {
    let mut buf = ReadBuffer::default();
    let space = buf.space();
    assert!(space.len() >= MIN_READ_SPACE);
    let n = space.len();
    space.fill(b'a');
    buf.filled(n);
    buf.consume(n - 3); // three bytes left unframed at the end
    let space = buf.space();
    assert!(space.len() >= MIN_READ_SPACE);
    assert_eq!(buf.unframed(), b"aaa");
    buf.space()[..2].copy_from_slice(b"bc");
    buf.filled(2);
    assert_eq!(buf.unframed(), b"aaabc");
    buf.consume(5);
    assert!(!buf.has_unframed());
  }
}
