//! Everything that differs between operating systems, chosen once here (mio's
//! `sys` layout): the rest of the engine calls these functions and carries no
//! `cfg` of its own. Unix (Linux, macOS, FreeBSD) shares descriptors with the
//! embedder; Windows sockets cannot be handed to Node.js or used with
//! sendfile, so there the embedder serves files itself and takeovers are not
//! offered.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// The portable way to send a piece of a file where there is no sendfile:
/// read it with `read_at` (a positional read at the body's offset), write
/// what the socket takes (what it does not take is read again next time).
#[cfg(not(target_os = "linux"))]
fn send_read_piece(
  socket: &mut mio::net::TcpStream,
  chunk: usize,
  read_at: impl FnOnce(&mut [u8]) -> std::io::Result<usize>,
) -> std::io::Result<usize> {
  use std::io::Write;
  let mut buf = vec![0u8; chunk.min(64 * 1024)];
  let read = read_at(&mut buf)?;
  if read == 0 {
    return Ok(0);
  }
  socket.write(&buf[..read])
}
