//! `Span`: a `start`/`len` pair into a buffer, V's `Slice`.

/// A range of bytes inside a buffer, stored as offsets so it outlives borrows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Span {
  pub start: usize,
  pub len: usize,
}

impl Span {
  /// The span that `part` (a sub-slice of `whole`) occupies in `whole`.
  pub fn of(whole: &[u8], part: &[u8]) -> Span {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    debug_assert!(start + part.len() <= whole.len());
    Span { start, len: part.len() }
  }

  pub fn end(&self) -> usize {
    self.start + self.len
  }

  /// The bytes this span covers in `buf`.
  pub fn of_buf<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
    &buf[self.start..self.end()]
  }

  /// The same span seen from a buffer that starts `base` bytes later.
  pub fn rebase(&self, base: usize) -> Span {
    Span {
      start: self.start - base,
      len: self.len,
    }
  }
}
