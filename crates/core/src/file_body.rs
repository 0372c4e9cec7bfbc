//! File bodies: a response whose body is (part of) a file is sent from the
//! file straight to the socket — `sendfile(2)` on Linux, a small read/write
//! loop elsewhere — so a 100 MB download never passes through a buffer of
//! ours. The embedder opens the file; the engine keeps its own duplicate of
//! the descriptor, closed when the body is sent or the connection goes away.

use std::fs::File;
use std::io::{self, Write};

/// Bytes asked of one `sendfile` call: large enough to amortize the call,
/// small enough that one slow connection does not hog a turn.
const SENDFILE_CHUNK: usize = 1 << 20;

/// The part of a file still to send.
#[derive(Debug)]
pub struct FileBody {
  pub file: File,
  pub offset: u64,
  pub remaining: u64,
}

/// How far sending got.
#[derive(Debug, PartialEq, Eq)]
pub enum SendStatus {
  /// Everything was sent.
  Done,
  /// The socket is full: wait for it to become writable.
  WouldBlock,
}

impl FileBody {
  /// Duplicates the embedder's descriptor `fd` (the embedder closes its own).
  #[cfg(unix)]
  pub fn from_borrowed_fd(fd: i32, offset: u64, length: u64) -> io::Result<FileBody> {
    use std::os::fd::BorrowedFd;
    if fd < 0 {
      return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    // SAFETY: the embedder keeps `fd` open for the duration of this call
    // (it closes its handle only after `respond` returns); we only borrow it
    // to duplicate it.
    let owned = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned()?;
    Ok(FileBody {
      file: File::from(owned),
      offset,
      remaining: length,
    })
  }

  /// Takes ownership of a descriptor made by `into_raw_fd`.
  ///
  /// # Safety
  /// `fd` must be an open file descriptor that nothing else owns.
  #[cfg(unix)]
  pub unsafe fn from_raw_fd(fd: i32, offset: u64, length: u64) -> FileBody {
    use std::os::fd::FromRawFd;
    FileBody {
      file: File::from_raw_fd(fd),
      offset,
      remaining: length,
    }
  }

  /// Gives up ownership of the descriptor (it travels through the inbox).
  #[cfg(unix)]
  pub fn into_raw_fd(self) -> i32 {
    std::os::fd::IntoRawFd::into_raw_fd(self.file)
  }

  #[cfg(not(unix))]
  pub unsafe fn from_raw_fd(_fd: i32, _offset: u64, _length: u64) -> FileBody {
    unreachable!("file answers are never queued where descriptors cannot be shared")
  }

  #[cfg(not(unix))]
  pub fn into_raw_fd(self) -> i32 {
    -1
  }

  #[cfg(not(unix))]
  pub fn from_borrowed_fd(_fd: i32, _offset: u64, _length: u64) -> io::Result<FileBody> {
    // The embedder reads files itself where descriptors cannot be shared.
    Err(io::Error::from(io::ErrorKind::Unsupported))
  }

  /// Sends as much as the socket takes.
  pub fn send_to<S: Write + SocketFd>(&mut self, socket: &mut S) -> io::Result<SendStatus> {
    while self.remaining > 0 {
      let chunk = self.remaining.min(SENDFILE_CHUNK as u64) as usize;
      match self.send_chunk(socket, chunk) {
        Ok(0) => {
          return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file is shorter than announced",
          ))
        }
        Ok(n) => {
          self.offset += n as u64;
          self.remaining -= n as u64;
        }
        Err(ref err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(SendStatus::WouldBlock),
        Err(ref err) if err.kind() == io::ErrorKind::Interrupted => {}
        Err(err) => return Err(err),
      }
    }
    Ok(SendStatus::Done)
  }

  #[cfg(target_os = "linux")]
  fn send_chunk<S: Write + SocketFd>(&mut self, socket: &mut S, chunk: usize) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let mut offset = self.offset as libc::off_t;
    // SAFETY: both descriptors are open for the call; `offset` is a valid
    // pointer to a local.
    let sent = unsafe { libc::sendfile(socket.socket_fd(), self.file.as_raw_fd(), &mut offset, chunk) };
    if sent < 0 {
      Err(io::Error::last_os_error())
    } else {
      Ok(sent as usize)
    }
  }

  /// The portable path: read a piece at the offset, write what the socket
  /// takes (what it does not take is read again next time).
  #[cfg(not(target_os = "linux"))]
  fn send_chunk<S: Write + SocketFd>(&mut self, socket: &mut S, chunk: usize) -> io::Result<usize> {
    let mut buf = vec![0u8; chunk.min(64 * 1024)];
    let read = read_at(&self.file, &mut buf, self.offset)?;
    if read == 0 {
      return Ok(0);
    }
    socket.write(&buf[..read])
  }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
  std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
  std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// The raw descriptor of a socket, for `sendfile`.
pub trait SocketFd {
  fn socket_fd(&self) -> i32;
}

#[cfg(unix)]
impl SocketFd for mio::net::TcpStream {
  fn socket_fd(&self) -> i32 {
    std::os::fd::AsRawFd::as_raw_fd(self)
  }
}

#[cfg(windows)]
impl SocketFd for mio::net::TcpStream {
  fn socket_fd(&self) -> i32 {
    std::os::windows::io::AsRawSocket::as_raw_socket(self) as i32
  }
}
