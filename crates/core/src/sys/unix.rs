//! Unix: descriptors are plain integers the embedder can share; Linux adds
//! `sendfile(2)` and `ppoll(2)`.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd};
use std::time::Duration;

use mio::net::TcpStream;
use mio::Poll;
use socket2::Socket;

/// The embedder's view of a connection's socket `fd` as a std TCP stream,
/// for queries only: `ManuallyDrop` never closes the descriptor, which stays
/// the engine's. `None` for a negative `fd`.
pub fn borrow_tcp_stream(fd: i32) -> Option<std::mem::ManuallyDrop<std::net::TcpStream>> {
  if fd < 0 {
    return None;
  }
  // SAFETY: the stream is never dropped (so never closes `fd`), and callers
  // only query it (addresses, a non-blocking peek).
  Some(std::mem::ManuallyDrop::new(unsafe {
    std::net::TcpStream::from_raw_fd(fd)
  }))
}

/// Whether accepted sockets come with the listener's `TCP_NODELAY` (checked
/// on Linux; elsewhere each accepted socket sets it itself).
pub const ACCEPTED_NODELAY: bool = cfg!(target_os = "linux");

/// Closing a socket removes it from epoll and kqueue (the engine's sockets
/// are never duplicated while registered), so a closing connection skips
/// the explicit deregistration.
pub const CLOSE_LEAVES_POLL: bool = true;

/// A socket's descriptor, as the embedder sees it.
pub fn raw_fd(socket: &TcpStream) -> i32 {
  socket.as_raw_fd()
}

/// Gives the socket's descriptor to the embedder (a takeover); `None` where
/// that is impossible.
pub fn into_embedder_fd(socket: TcpStream) -> Option<i32> {
  Some(socket.into_raw_fd())
}

/// A duplicate of the embedder's file descriptor `fd`, ours to close.
pub fn duplicate_file(fd: i32) -> io::Result<File> {
  if fd < 0 {
    return Err(io::Error::from(io::ErrorKind::InvalidInput));
  }
  // SAFETY: the embedder keeps `fd` open for the duration of this call (it
  // closes its handle only after `respond` returns); we only borrow it to
  // duplicate it.
  let owned = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned()?;
  Ok(File::from(owned))
}

/// A file's descriptor, to travel through the inbox as a number.
pub fn file_into_raw(file: File) -> i32 {
  file.into_raw_fd()
}

/// Takes back a descriptor made by `file_into_raw`.
///
/// # Safety
/// `fd` must be an open file descriptor that nothing else owns.
pub unsafe fn file_from_raw(fd: i32) -> File {
  File::from_raw_fd(fd)
}

/// Sends up to `chunk` bytes of `file` from `offset` to `socket`: one
/// `sendfile(2)` on Linux (the bytes never enter this process).
#[cfg(target_os = "linux")]
pub fn send_file_chunk(socket: &mut TcpStream, file: &File, offset: u64, chunk: usize) -> io::Result<usize> {
  let mut offset = offset as libc::off_t;
  // SAFETY: both descriptors are open for the call; `offset` is a valid
  // pointer to a local.
  let sent = unsafe { libc::sendfile(socket.as_raw_fd(), file.as_raw_fd(), &mut offset, chunk) };
  if sent < 0 {
    Err(io::Error::last_os_error())
  } else {
    Ok(sent as usize)
  }
}

/// The portable path: read a piece at the offset, write what the socket
/// takes (what it does not take is read again next time).
#[cfg(not(target_os = "linux"))]
pub fn send_file_chunk(socket: &mut TcpStream, file: &File, offset: u64, chunk: usize) -> io::Result<usize> {
  super::send_read_piece(socket, chunk, |buf| {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
  })
}

/// Sleeps until the poll has events or `limit` passes, without taking the
/// events (the poll's own descriptor is readable while it has some).
#[cfg(target_os = "linux")]
pub fn wait_for_events(poll: &Poll, limit: Duration) -> bool {
  let mut fds = libc::pollfd {
    fd: poll.as_raw_fd(),
    events: libc::POLLIN,
    revents: 0,
  };
  let timeout = libc::timespec {
    tv_sec: 0,
    tv_nsec: limit.subsec_nanos() as libc::c_long,
  };
  // SAFETY: one valid pollfd, a valid timespec, no signal mask.
  unsafe { libc::ppoll(&mut fds, 1, &timeout, std::ptr::null()) > 0 }
}

/// Elsewhere `poll(2)` counts milliseconds, far too long to block the
/// embedder's thread: a quiet pull gives the turns back at once.
#[cfg(not(target_os = "linux"))]
pub fn wait_for_events(_poll: &Poll, _limit: Duration) -> bool {
  false
}

/// Listener options: `SO_REUSEADDR` (a restarted server binds at once),
/// `SO_REUSEPORT` when asked (several processes or threads on one port), and
/// `TCP_DEFER_ACCEPT` when asked (see `set_defer_accept`).
pub fn set_listener_options(socket: &Socket, reuse_port: bool, defer_accept: bool) -> io::Result<()> {
  socket.set_reuse_address(true)?;
  // Accepted sockets inherit it on Linux (`ACCEPTED_NODELAY`): answers are
  // written whole, so Nagle would only delay streamed pieces.
  socket.set_tcp_nodelay(true)?;
  #[cfg(not(any(target_os = "solaris", target_os = "illumos")))]
  if reuse_port {
    socket.set_reuse_port(true)?;
  }
  if defer_accept {
    set_defer_accept(socket)?;
  }
  Ok(())
}

/// How long the kernel holds a connection that has sent nothing before
/// `accept` sees it anyway (`TCP_DEFER_ACCEPT`, in seconds).
#[cfg(any(target_os = "linux", target_os = "android"))]
const DEFER_ACCEPT_SECONDS: libc::c_int = 1;

/// `TCP_DEFER_ACCEPT`: a connection reaches `accept` once its first bytes
/// have arrived (or after about a second without any), so accepting it and
/// reading its request take one wake-up instead of two.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_defer_accept(socket: &Socket) -> io::Result<()> {
  use std::os::fd::AsRawFd;
  let seconds = DEFER_ACCEPT_SECONDS;
  // SAFETY: a valid socket, an int option of the right size.
  let rc = unsafe {
    libc::setsockopt(
      socket.as_raw_fd(),
      libc::IPPROTO_TCP,
      libc::TCP_DEFER_ACCEPT,
      (&seconds as *const libc::c_int).cast(),
      std::mem::size_of::<libc::c_int>() as libc::socklen_t,
    )
  };
  if rc == 0 {
    Ok(())
  } else {
    Err(io::Error::last_os_error())
  }
}

/// Elsewhere there is no such option: connections are accepted as they come.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_defer_accept(_socket: &Socket) -> io::Result<()> {
  Ok(())
}
