//! Request arenas: each request's scratch memory (the header index, a
//! decoded chunked body) is bump-allocated from one `bumpalo` arena that is
//! reset as a unit once the response no longer needs it, then pooled. This is
//! the counterpart of V's `-prealloc` request scope.

use bumpalo::Bump;

/// What a fresh arena reserves up front: room for the header index
/// (`MAX_HEADERS` entries of 32 bytes) and a small decoded body.
pub const ARENA_INITIAL_CAPACITY: usize = 16 * 1024;
/// Arenas kept for reuse per I/O thread; more than this many idle ones are freed.
pub const ARENA_POOL_MAX: usize = 1024;
/// An arena that grew past this (a huge chunked body) is freed, not pooled.
pub const ARENA_POOL_MAX_CAPACITY: usize = 1024 * 1024;

/// A pool of reusable arenas. `enabled == false` is `prealloc: false`: no
/// arena is handed out and callers fall back to the global allocator.
pub struct ArenaPool {
  enabled: bool,
  trace: bool,
  idle: Vec<Bump>,
}

/// One line of `FASTHTTP_ARENA_TRACE=1` output, measured before the reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArenaUsage {
  /// Bytes handed out by the arena.
  pub allocated: usize,
  /// Chunks the arena holds.
  pub chunks: usize,
  /// Bytes the arena's chunks can hold.
  pub capacity: usize,
}

impl ArenaPool {
  pub fn new(enabled: bool, trace: bool) -> Self {
    ArenaPool {
      enabled,
      trace,
      idle: Vec::new(),
    }
  }

  pub fn is_tracing(&self) -> bool {
    self.trace
  }

  /// An empty arena for the next request, or `None` when arenas are off.
  pub fn take(&mut self) -> Option<Bump> {
    if !self.enabled {
      return None;
    }
    Some(
      self
        .idle
        .pop()
        .unwrap_or_else(|| Bump::with_capacity(ARENA_INITIAL_CAPACITY)),
    )
  }

  /// Ends a request's arena: traces it if asked (`label` is "METHOD path"),
  /// resets it and keeps it for the next request.
  pub fn give_back(&mut self, mut arena: Bump, label: Option<&str>) {
    if self.trace {
      let usage = usage_of(&mut arena);
      eprintln!(
        "fasthttp arena: {} allocated={} chunks={} capacity={}",
        label.unwrap_or("-"),
        usage.allocated,
        usage.chunks,
        usage.capacity
      );
    }
    self.give_back_untraced(arena);
  }

  /// Ends an arena whose request was never answered (a closed connection):
  /// reset and kept, unless it grew too large or enough are kept already.
  pub fn give_back_untraced(&mut self, mut arena: Bump) {
    if arena.allocated_bytes() <= ARENA_POOL_MAX_CAPACITY && self.idle.len() < ARENA_POOL_MAX {
      arena.reset();
      self.idle.push(arena);
    }
  }
}

/// Measures an arena (needs `&mut` to walk its chunks).
pub fn usage_of(arena: &mut Bump) -> ArenaUsage {
  let capacity = arena.allocated_bytes();
  let mut allocated = 0;
  let mut chunks = 0;
  for chunk in arena.iter_allocated_chunks() {
    allocated += chunk.len();
    chunks += 1;
  }
  ArenaUsage {
    allocated,
    chunks,
    capacity,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn arenas_are_reset_and_reused() {
    let mut pool = ArenaPool::new(true, false);
    let mut arena = pool.take().unwrap();
    arena.alloc_slice_fill_copy(1000, 7u8);
    assert!(usage_of(&mut arena).allocated >= 1000);
    pool.give_back(arena, None);
    let mut again = pool.take().unwrap();
    assert_eq!(usage_of(&mut again).allocated, 0, "a pooled arena comes back empty");
    assert!(usage_of(&mut again).capacity >= ARENA_INITIAL_CAPACITY);
  }

  #[test]
  fn disabled_pool_hands_out_nothing() {
    assert!(ArenaPool::new(false, false).take().is_none());
  }
}
