//! The hand-off between an I/O thread and the other threads: the inbox the
//! embedder posts answers (and the shutdown) to, and inline turns: once a
//! batch is handed over, the embedder's own thread may run the following
//! turns itself (`pull`, non-blocking polls) while it has work, writing its
//! answers at once (`write_answers`, `answer_now`), and gives them back to
//! the I/O thread (`return_turns`) when a turn finds nothing. Under load the
//! requests then never cross a thread: no wake-up, no context switch per
//! batch. The I/O thread waits meanwhile (`run_io_thread`) and blocks in the
//! poll only while the embedder is idle.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use mio::Waker;

use super::{Reactor, ShutdownMode, TurnEnd, TurnMode};
use crate::batch::Batch;
use crate::file_body::FileBody;
use crate::response::{answers, Answer, FileMeta};
use crate::sys;
use crate::wire::{KIND_FILE, KIND_MASK};

/// Commands from other threads to one I/O thread.
#[derive(Default)]
pub struct Inbox {
  /// Answer records (see `response`), appended by `respond`.
  pub answers: Vec<u8>,
  pub shutdown: Option<ShutdownMode>,
}

impl Drop for Inbox {
  /// Answers never taken (the thread stopped first) still close their files.
  fn drop(&mut self) {
    for answer in answers(&self.answers) {
      drop(adopt_file(&answer));
    }
  }
}

/// The file of a `KIND_FILE` answer queued by `ServerHandle::respond`,
/// which made the inbox the owner of its descriptor.
pub fn adopt_file(answer: &Answer) -> Option<FileBody> {
  if answer.kind & KIND_MASK != KIND_FILE {
    return None;
  }
  let (meta, _) = FileMeta::split(answer.bytes)?;
  // SAFETY: `respond` duplicated this descriptor for the inbox, and each
  // record is adopted exactly once (here, when the inbox is drained or dropped).
  Some(unsafe { FileBody::from_raw_fd(meta.fd, meta.offset, meta.length) })
}

/// The part of an I/O thread other threads talk to.
pub struct ThreadShared {
  pub inbox: Mutex<Inbox>,
  pub waker: Waker,
  /// A batch was handed to the embedder and not yet consumed.
  pub batch_in_flight: AtomicBool,
  /// Whether the embedder may run turns inline (`ReactorSettings::inline_turns`).
  inline_turns: bool,
  /// The embedder's thread runs the turns now (inline turns); the I/O
  /// thread waits on `turns_returned` meanwhile.
  embedder_turns: AtomicBool,
  turns_lock: Mutex<()>,
  turns_returned: Condvar,
}

impl ThreadShared {
  /// The shared part of a new I/O thread woken through `waker`.
  pub fn new(waker: Waker, inline_turns: bool) -> Self {
    ThreadShared {
      inbox: Mutex::new(Inbox::default()),
      waker,
      batch_in_flight: AtomicBool::new(false),
      inline_turns,
      embedder_turns: AtomicBool::new(false),
      turns_lock: Mutex::new(()),
      turns_returned: Condvar::new(),
    }
  }

  /// Before a delivery: with inline turns, the embedder runs the next turns
  /// (it must see this before it answers the batch).
  pub(super) fn offer_turns_to_embedder(&self) {
    if self.inline_turns {
      self.embedder_turns.store(true, Ordering::Release);
    }
  }

  /// Queues answers (and, with `batch_done`, says the last batch was
  /// consumed), then wakes the thread once.
  pub fn post_answers(&self, records: &[u8], batch_done: bool) {
    if !records.is_empty() {
      self
        .inbox
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .answers
        .extend_from_slice(records);
    }
    if batch_done {
      self.batch_in_flight.store(false, Ordering::Release);
    }
    self.wake_unless_embedder_turns();
  }

  /// Like `post_answers`, with `write` appending records to the inbox
  /// under its lock.
  pub fn post_answers_with(&self, batch_done: bool, write: impl FnOnce(&mut Vec<u8>)) {
    write(&mut self.inbox.lock().unwrap_or_else(|e| e.into_inner()).answers);
    if batch_done {
      self.batch_in_flight.store(false, Ordering::Release);
    }
    self.wake_unless_embedder_turns();
  }

  /// The I/O thread needs waking only when it runs the turns: otherwise
  /// the embedder's next `pull` takes the inbox.
  fn wake_unless_embedder_turns(&self) {
    if !self.embedder_has_turns() {
      let _ = self.waker.wake();
    }
  }

  /// Whether the embedder's thread runs the turns now (it should `pull`).
  pub fn embedder_has_turns(&self) -> bool {
    self.embedder_turns.load(Ordering::Acquire)
  }

  /// Gives the turns back to the I/O thread.
  pub fn return_turns(&self) {
    if self.embedder_turns.swap(false, Ordering::AcqRel) {
      let _lock = self.turns_lock.lock().unwrap_or_else(|e| e.into_inner());
      self.turns_returned.notify_one();
    }
  }

  /// On the I/O thread: waits while the embedder runs the turns.
  pub(super) fn wait_for_turns(&self) {
    let mut lock = self.turns_lock.lock().unwrap_or_else(|e| e.into_inner());
    while self.embedder_has_turns() {
      lock = self.turns_returned.wait(lock).unwrap_or_else(|e| e.into_inner());
    }
  }

  pub fn post_shutdown(&self, mode: ShutdownMode) {
    let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
    if inbox.shutdown != Some(ShutdownMode::Immediate) {
      inbox.shutdown = Some(mode);
    }
    drop(inbox);
    // Shutting down is the I/O thread's work, whoever runs the turns.
    self.return_turns();
    let _ = self.waker.wake();
  }
}

/// An I/O thread's loop: runs turns until the reactor finishes, standing
/// aside while the embedder runs them inline.
/// The reactor is taken out of `cell` (and dropped, closing its sockets)
/// when the loop ends, however it ends.
pub fn run_io_thread(cell: &ReactorCell, shared: &ThreadShared) -> io::Result<()> {
  struct TakeOnExit<'a>(&'a ReactorCell);
  impl Drop for TakeOnExit<'_> {
    fn drop(&mut self) {
      let reactor = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
      drop(reactor);
    }
  }
  let _take_on_exit = TakeOnExit(cell);
  loop {
    shared.wait_for_turns();
    let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
    let Some(reactor) = guard.as_mut() else { return Ok(()) };
    if let TurnEnd::Finished = reactor.turn(TurnMode::Io)? {
      return Ok(());
    }
  }
}

/// A reactor shared by its I/O thread and, for inline turns, the embedder's
/// thread; empty once the I/O thread has ended.
pub type ReactorCell = Mutex<Option<Reactor>>;

/// How long a quiet `pull` waits for the next events before it gives the
/// turns back: the next requests of busy clients come within microseconds
/// of their answers, while handing the turns back and forth costs two
/// thread wake-ups. (The wait sleeps in the kernel, like any event loop's.)
pub const INLINE_LINGER: Duration = Duration::from_micros(100);

/// What a `pull` that finds nothing to do does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuietPull {
  /// Waits up to `INLINE_LINGER` for events, then gives the turns back to
  /// the I/O thread (which blocks in the poll until traffic returns).
  Linger,
  /// Keeps the turns: the embedder's own event loop watches the poll's
  /// descriptor (`ServerHandle::watch_descriptor`) and pulls when it is
  /// readable, and gives the turns back itself once it has been idle.
  KeepTurns,
}

/// On the embedder's thread, while it has the turns: one non-blocking turn.
/// Returns the batch it framed; when none comes, `quiet` says what happens
/// to the turns. Call it only after reporting the last batch done.
pub fn pull(cell: &ReactorCell, shared: &ThreadShared, quiet: QuietPull) -> Option<Batch> {
  if !shared.embedder_has_turns() {
    return None;
  }
  if shared.batch_in_flight.load(Ordering::Acquire) {
    // A delivered batch is not consumed yet: a newer one must not overtake
    // it (a body's pieces would arrive out of order). The embedder pulls
    // again once it reports that batch done.
    return None;
  }
  let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
  let Some(reactor) = guard.as_mut() else {
    shared.return_turns();
    return None;
  };
  let mut outcome = reactor.turn(TurnMode::Pull);
  if quiet == QuietPull::Linger
    && matches!(outcome, Ok(TurnEnd::Quiet))
    && sys::wait_for_events(&reactor.poll, INLINE_LINGER)
  {
    outcome = reactor.turn(TurnMode::Pull);
  }
  match outcome {
    Ok(TurnEnd::Pulled(batch)) => Some(batch),
    Ok(TurnEnd::Quiet) if quiet == QuietPull::KeepTurns => None,
    // Quiet (or finished, or an error the I/O thread will meet and report).
    _ => {
      shared.return_turns();
      None
    }
  }
}

/// Whether the reactor holds work its poll will not report again: requests
/// framed outside a turn (answers let a paused connection go on), or
/// connections that paused on a full batch. The embedder should pull soon
/// even if the poll's descriptor stays quiet.
pub fn work_left(cell: &ReactorCell) -> bool {
  let guard = cell.lock().unwrap_or_else(|e| e.into_inner());
  guard.as_ref().is_some_and(|reactor| {
    !(reactor.turn.batch.is_empty() && reactor.touched.is_empty() && reactor.waiting_for_batch_room.is_empty())
  })
}

/// A duplicate of the poll's descriptor (see `ServerHandle::watch_descriptor`);
/// None once the reactor is gone.
#[cfg(unix)]
pub fn watch_descriptor(cell: &ReactorCell) -> Option<io::Result<std::os::fd::OwnedFd>> {
  use std::os::fd::{AsRawFd, BorrowedFd};
  let guard = cell.lock().unwrap_or_else(|e| e.into_inner());
  let reactor = guard.as_ref()?;
  // SAFETY: the poll's descriptor is open while the reactor (held under the
  // lock) lives; the duplicate is made before the lock is released.
  let poll = unsafe { BorrowedFd::borrow_raw(reactor.poll.as_raw_fd()) };
  Some(poll.try_clone_to_owned())
}

/// Gives a pulled batch's buffers back to the reactor once the embedder has
/// copied it out (see `Batch::recycle`).
pub fn recycle(cell: &ReactorCell, batch: Batch) {
  let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
  if let Some(reactor) = guard.as_mut() {
    reactor.turn.batch.recycle(batch);
  }
}

/// On the embedder's thread, while it has the turns: writes the answers it
/// just posted at once, instead of at its next `pull` (a loop iteration
/// later): each response leaves as soon as its handler is done.
pub fn write_answers(cell: &ReactorCell, shared: &ThreadShared) {
  if !shared.embedder_has_turns() {
    return;
  }
  let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
  if let Some(reactor) = guard.as_mut() {
    reactor.turn.now = Instant::now();
    reactor.take_inbox();
    reactor.service_touched();
  }
}

/// On the embedder's thread, while it has the turns: hands `answers` to
/// their connections straight from the embedder's buffers and writes them at
/// once. Nothing is copied into the inbox on the way (a 64 KiB body goes from
/// the JavaScript buffer to the socket). Answers posted earlier go first.
/// Returns false, doing nothing, when the I/O thread has the turns.
pub fn answer_now<'a>(
  cell: &ReactorCell,
  shared: &ThreadShared,
  answers: impl Iterator<Item = (Answer<'a>, Option<FileBody>)>,
  batch_done: bool,
) -> bool {
  if !shared.embedder_has_turns() {
    return false;
  }
  let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
  let Some(reactor) = guard.as_mut() else {
    return false;
  };
  reactor.turn.now = Instant::now();
  reactor.take_inbox();
  for (answer, file) in answers {
    reactor.accept_answer(&answer, file);
  }
  if batch_done {
    shared.batch_in_flight.store(false, Ordering::Release);
  }
  reactor.service_touched();
  true
}
