//! Windows: sockets are not descriptors Node.js can adopt, and there is no
//! sendfile to a mio socket; file answers are read and written in pieces.

use std::fs::File;
use std::io;
use std::os::windows::io::AsRawSocket;
use std::time::Duration;

use mio::net::TcpStream;
use mio::Poll;
use socket2::Socket;

/// Each accepted socket sets `TCP_NODELAY` itself.
pub const ACCEPTED_NODELAY: bool = false;

/// mio's Windows backend must be told before a socket closes.
pub const CLOSE_LEAVES_POLL: bool = false;

/// A socket's handle, as a number for the embedder's logs.
pub fn raw_fd(socket: &TcpStream) -> i32 {
  socket.as_raw_socket() as i32
}

/// Sockets are not shared with the embedder here: nothing to borrow.
pub fn borrow_tcp_stream(_fd: i32) -> Option<std::mem::ManuallyDrop<std::net::TcpStream>> {
  None
}

/// Takeovers hand over nothing here: the socket closes.
pub fn into_embedder_fd(socket: TcpStream) -> Option<i32> {
  drop(socket);
  None
}

/// The embedder reads files itself where descriptors cannot be shared.
pub fn duplicate_file(_fd: i32) -> io::Result<File> {
  Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Never called: file answers are not queued where descriptors cannot be shared.
pub fn file_into_raw(_file: File) -> i32 {
  -1
}

/// Never called, see `file_into_raw`.
///
/// # Safety
/// Unreachable.
pub unsafe fn file_from_raw(_fd: i32) -> File {
  unreachable!("file answers are never queued where descriptors cannot be shared")
}

/// Reads a piece at the offset and writes what the socket takes.
pub fn send_file_chunk(socket: &mut TcpStream, file: &File, offset: u64, chunk: usize) -> io::Result<usize> {
  super::send_read_piece(socket, chunk, |buf| {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
  })
}

/// No sub-millisecond wait here: a quiet pull gives the turns back at once.
pub fn wait_for_events(_poll: &Poll, _limit: Duration) -> bool {
  false
}

/// No `SO_REUSEADDR` on Windows (it lets another process steal the port),
/// no `SO_REUSEPORT`, no `TCP_DEFER_ACCEPT`.
pub fn set_listener_options(_socket: &Socket, _reuse_port: bool, _defer_accept: bool) -> io::Result<()> {
  Ok(())
}
