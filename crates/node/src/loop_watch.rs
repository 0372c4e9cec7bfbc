//! Watching the engine from Node's own event loop. While JavaScript runs
//! the engine's turns (inline turns), a libuv poll handle on a duplicate of
//! the engine's poll descriptor calls JavaScript's pull when events come, so
//! a quiet pull costs nothing: no `setImmediate` per turn, no 100 µs `ppoll`
//! linger, and Node's thread sleeps in its own `epoll_wait` between requests
//! like any Node server's. A libuv timer gives the turns back to the I/O
//! thread after `IDLE_GIVE_BACK_MS` without events (it then blocks in its
//! poll and keeps the timeouts).
//!
//! libuv is not part of Node-API: its functions are looked up at run time
//! (`dlsym`), and a runtime without them (Bun, Deno; JavaScript does not ask
//! there either) keeps the Node-API-only path (`QuietPull::Linger`).

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::os::fd::{AsRawFd, OwnedFd};
use std::ptr;
use std::sync::{OnceLock, Weak};

use fasthttp_core::ServerHandle;
use napi::sys;

/// How long Node's thread keeps the turns without events before the I/O
/// thread takes them back: far longer than the gaps between a busy
/// server's requests, short next to any timeout the engine keeps.
const IDLE_GIVE_BACK_MS: u64 = 10;

// libuv's stable ABI (1.x): `uv_handle_type` values and `uv_poll_event`.
const UV_POLL: c_int = 8;
const UV_TIMER: c_int = 13;
const UV_READABLE: c_int = 1;

type PollCallback = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
type HandleCallback = unsafe extern "C" fn(handle: *mut c_void);
type AsyncCleanupHook = unsafe extern "C" fn(remove_handle: *mut c_void, arg: *mut c_void);

type HandleSize = unsafe extern "C" fn(kind: c_int) -> usize;
type PollInit = unsafe extern "C" fn(event_loop: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
type PollStart = unsafe extern "C" fn(handle: *mut c_void, events: c_int, callback: PollCallback) -> c_int;
type HandleStop = unsafe extern "C" fn(handle: *mut c_void) -> c_int;
type TimerInit = unsafe extern "C" fn(event_loop: *mut c_void, handle: *mut c_void) -> c_int;
type TimerStart =
  unsafe extern "C" fn(handle: *mut c_void, callback: HandleCallback, timeout: u64, repeat: u64) -> c_int;
type Close = unsafe extern "C" fn(handle: *mut c_void, callback: HandleCallback);
type Unref = unsafe extern "C" fn(handle: *mut c_void);
type AddAsyncCleanupHook = unsafe extern "C" fn(
  env: sys::napi_env,
  hook: AsyncCleanupHook,
  arg: *mut c_void,
  remove_handle: *mut *mut c_void,
) -> sys::napi_status;
type RemoveAsyncCleanupHook = unsafe extern "C" fn(remove_handle: *mut c_void) -> sys::napi_status;

/// The libuv functions used here, found in the running process.
struct Uv {
  handle_size: HandleSize,
  poll_init: PollInit,
  poll_start: PollStart,
  poll_stop: HandleStop,
  timer_init: TimerInit,
  timer_start: TimerStart,
  timer_stop: HandleStop,
  close: Close,
  unref: Unref,
  // Node-API 8, looked up like libuv so the addon still loads where it is
  // missing: the environment waits for the handles to close before it
  // closes its loop (a worker's teardown aborts on open handles).
  add_async_cleanup_hook: AddAsyncCleanupHook,
  remove_async_cleanup_hook: RemoveAsyncCleanupHook,
}

fn uv() -> Option<&'static Uv> {
  static UV: OnceLock<Option<Uv>> = OnceLock::new();
  UV.get_or_init(|| {
    macro_rules! find {
      ($name:literal as $signature:ty) => {{
        // SAFETY: a NUL-terminated name; the symbol, when present, is the
        // function of that name, whose signature is declared above.
        let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, concat!($name, "\0").as_ptr().cast()) };
        if found.is_null() {
          return None;
        }
        unsafe { std::mem::transmute::<*mut c_void, $signature>(found) }
      }};
    }
    Some(Uv {
      handle_size: find!("uv_handle_size" as HandleSize),
      poll_init: find!("uv_poll_init" as PollInit),
      poll_start: find!("uv_poll_start" as PollStart),
      poll_stop: find!("uv_poll_stop" as HandleStop),
      timer_init: find!("uv_timer_init" as TimerInit),
      timer_start: find!("uv_timer_start" as TimerStart),
      timer_stop: find!("uv_timer_stop" as HandleStop),
      close: find!("uv_close" as Close),
      unref: find!("uv_unref" as Unref),
      add_async_cleanup_hook: find!("napi_add_async_cleanup_hook" as AddAsyncCleanupHook),
      remove_async_cleanup_hook: find!("napi_remove_async_cleanup_hook" as RemoveAsyncCleanupHook),
    })
  })
  .as_ref()
}

/// Memory for one libuv handle of `kind` (pointer-aligned, zeroed).
fn handle_memory(uv: &Uv, kind: c_int) -> Box<[u64]> {
  // SAFETY: a plain query of libuv's handle sizes.
  let bytes = unsafe { (uv.handle_size)(kind) };
  vec![0u64; bytes.div_ceil(8)].into_boxed_slice()
}

/// What the libuv callbacks reach through their handles' `data` field.
struct WatchState {
  uv: &'static Uv,
  env: sys::napi_env,
  on_ready: sys::napi_ref,
  async_context: sys::napi_async_context,
  server: Weak<ServerHandle>,
  poll: Box<[u64]>,
  timer: Box<[u64]>,
  /// The duplicate of the engine's poll descriptor the poll handle watches:
  /// closed only with the state, after libuv has let go of it.
  _descriptor: OwnedFd,
  polling: Cell<bool>,
  closing: Cell<bool>,
  open_handles: Cell<u8>,
  /// The environment's wait for this watch to close (see `Uv`).
  cleanup_hook: Cell<*mut c_void>,
}

impl WatchState {
  fn poll_handle(&self) -> *mut c_void {
    self.poll.as_ptr() as *mut c_void
  }

  fn timer_handle(&self) -> *mut c_void {
    self.timer.as_ptr() as *mut c_void
  }

  /// Watches the descriptor (if not yet) and restarts the idle countdown.
  fn arm(&self) {
    if self.closing.get() {
      return;
    }
    // SAFETY: both handles were initialised on this loop and are not closed.
    unsafe {
      if !self.polling.get() && (self.uv.poll_start)(self.poll_handle(), UV_READABLE, on_readable) == 0 {
        self.polling.set(true);
      }
      (self.uv.timer_start)(self.timer_handle(), on_idle, IDLE_GIVE_BACK_MS, 0);
    }
  }

  fn disarm(&self) {
    if self.closing.get() {
      return;
    }
    // SAFETY: as in `arm`.
    unsafe {
      if self.polling.replace(false) {
        (self.uv.poll_stop)(self.poll_handle());
      }
      (self.uv.timer_stop)(self.timer_handle());
    }
  }

  /// Stops watching and gives the turns back to the I/O thread.
  fn give_back(&self) {
    self.disarm();
    if let Some(server) = self.server.upgrade() {
      server.return_turns();
    }
  }

  /// Closes both handles (once); the state is freed when libuv is done.
  fn close(&self) {
    if self.closing.get() {
      return;
    }
    self.disarm();
    self.closing.set(true);
    // SAFETY: both handles are open (`closing` was false) on this loop.
    unsafe {
      (self.uv.close)(self.poll_handle(), on_closed);
      (self.uv.close)(self.timer_handle(), on_closed);
    }
  }

  /// Calls JavaScript's pull like Node calls any I/O callback (its
  /// `nextTick` queue and microtasks run after it).
  fn call_on_ready(&self) {
    let env = self.env;
    // SAFETY: on the JavaScript thread of `env`, from a libuv callback (no
    // JavaScript on the stack); every value lives in the handle scope.
    unsafe {
      let mut scope = ptr::null_mut();
      if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
        return;
      }
      let mut function = ptr::null_mut();
      let mut global = ptr::null_mut();
      let mut result = ptr::null_mut();
      if sys::napi_get_reference_value(env, self.on_ready, &mut function) == sys::Status::napi_ok
        && !function.is_null()
        && sys::napi_get_global(env, &mut global) == sys::Status::napi_ok
      {
        let status = sys::napi_make_callback(env, self.async_context, global, function, 0, ptr::null(), &mut result);
        if status == sys::Status::napi_pending_exception {
          // The pull catches what handlers throw: this is a bug of ours,
          // reported like an uncaught exception of any Node callback.
          let mut error = ptr::null_mut();
          sys::napi_get_and_clear_last_exception(env, &mut error);
          sys::napi_fatal_exception(env, error);
        }
      }
      sys::napi_close_handle_scope(env, scope);
    }
  }
}

/// The descriptor has events: pull them (and count it as activity).
unsafe extern "C" fn on_readable(handle: *mut c_void, status: c_int, _events: c_int) {
  // SAFETY: `data` (a handle's first field) points at the live state.
  let state = unsafe { &*(*(handle as *mut *const WatchState)) };
  if status < 0 {
    // The descriptor cannot be watched: the I/O thread takes the turns.
    state.give_back();
    return;
  }
  state.arm();
  state.call_on_ready();
}

/// No events for `IDLE_GIVE_BACK_MS`: the I/O thread takes the turns back.
unsafe extern "C" fn on_idle(handle: *mut c_void) {
  // SAFETY: as in `on_readable`.
  let state = unsafe { &*(*(handle as *mut *const WatchState)) };
  state.give_back();
}

/// Frees the state once libuv has closed both handles (and lets the
/// environment's teardown go on).
unsafe extern "C" fn on_closed(handle: *mut c_void) {
  let state_ptr = unsafe { *(handle as *mut *mut WatchState) };
  // SAFETY: as in `on_readable`.
  let state = unsafe { &*state_ptr };
  let left = state.open_handles.get() - 1;
  state.open_handles.set(left);
  if left == 0 {
    // SAFETY: the last close: nothing refers to the state any more.
    unsafe {
      sys::napi_delete_reference(state.env, state.on_ready);
      sys::napi_async_destroy(state.env, state.async_context);
      let hook = state.cleanup_hook.get();
      if !hook.is_null() {
        (state.uv.remove_async_cleanup_hook)(hook);
      }
      drop(Box::from_raw(state_ptr));
    }
  }
}

/// The environment goes away (a worker ends) with the watch still open.
unsafe extern "C" fn on_env_teardown(_remove_handle: *mut c_void, arg: *mut c_void) {
  // SAFETY: the hook is removed only when the state is freed.
  let state = unsafe { &*(arg as *const WatchState) };
  state.close();
}

/// A running watch, owned by the `NativeServer` (on the JavaScript thread).
pub struct LoopWatch {
  state: *mut WatchState,
}

impl LoopWatch {
  /// Starts watching `descriptor` on `env`'s event loop; `on_ready` is
  /// called (no arguments) when a pull would find events. None when libuv
  /// is not in this process or refuses.
  pub fn new(
    env: sys::napi_env,
    on_ready: sys::napi_value,
    server: Weak<ServerHandle>,
    descriptor: OwnedFd,
  ) -> Option<LoopWatch> {
    let uv = uv()?;
    // SAFETY: Node-API calls on the JavaScript thread of `env`; the handles'
    // memory is owned by the state, which outlives them (see `on_closed`).
    unsafe {
      let mut event_loop = ptr::null_mut();
      if sys::napi_get_uv_event_loop(env, &mut event_loop) != sys::Status::napi_ok || event_loop.is_null() {
        return None;
      }
      let mut on_ready_ref = ptr::null_mut();
      if sys::napi_create_reference(env, on_ready, 1, &mut on_ready_ref) != sys::Status::napi_ok {
        return None;
      }
      let mut resource = ptr::null_mut();
      let mut name = ptr::null_mut();
      let mut async_context = ptr::null_mut();
      let label = "fasthttp:pull";
      if sys::napi_create_object(env, &mut resource) != sys::Status::napi_ok
        || sys::napi_create_string_utf8(env, label.as_ptr().cast(), label.len() as isize, &mut name)
          != sys::Status::napi_ok
        || sys::napi_async_init(env, resource, name, &mut async_context) != sys::Status::napi_ok
      {
        sys::napi_delete_reference(env, on_ready_ref);
        return None;
      }
      let state = Box::into_raw(Box::new(WatchState {
        uv,
        env,
        on_ready: on_ready_ref,
        async_context,
        server,
        poll: handle_memory(uv, UV_POLL),
        timer: handle_memory(uv, UV_TIMER),
        polling: Cell::new(false),
        closing: Cell::new(false),
        open_handles: Cell::new(0),
        cleanup_hook: Cell::new(ptr::null_mut()),
        _descriptor: descriptor,
      }));
      let watch = LoopWatch { state };
      let s = &*state;
      let event_loop = event_loop.cast::<c_void>();
      if (uv.poll_init)(event_loop, s.poll_handle(), s._descriptor.as_raw_fd()) != 0 {
        sys::napi_delete_reference(env, on_ready_ref);
        sys::napi_async_destroy(env, async_context);
        drop(Box::from_raw(state));
        return None;
      }
      s.open_handles.set(1);
      (uv.timer_init)(event_loop, s.timer_handle());
      s.open_handles.set(2);
      for handle in [s.poll_handle(), s.timer_handle()] {
        // `data`, the first field of every libuv handle.
        *(handle as *mut *mut WatchState) = state;
        // The server's ThreadsafeFunction keeps the process alive, not these.
        (uv.unref)(handle);
      }
      let mut hook = ptr::null_mut();
      if (uv.add_async_cleanup_hook)(env, on_env_teardown, state.cast(), &mut hook) == sys::Status::napi_ok {
        s.cleanup_hook.set(hook);
      }
      Some(watch)
    }
  }

  /// JavaScript runs the turns: pull when the descriptor is readable.
  pub fn arm(&self) {
    // SAFETY: the state lives until `close` (which consumes the watch).
    unsafe { &*self.state }.arm();
  }

  /// The turns went back to the I/O thread: stop watching.
  pub fn disarm(&self) {
    // SAFETY: as in `arm`.
    unsafe { &*self.state }.disarm();
  }

  /// Stops and closes the handles; the state is freed when libuv is done.
  pub fn close(self) {
    // SAFETY: as in `arm`.
    unsafe { &*self.state }.close();
  }
}
