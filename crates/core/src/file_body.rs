//! File bodies: a response whose body is (part of) a file is sent from the
//! file straight to the socket — `sendfile(2)` on Linux, a small read/write
//! loop elsewhere — so a 100 MB download never passes through a buffer of
//! ours. The embedder opens the file; the engine keeps its own duplicate of
//! the descriptor, closed when the body is sent or the connection goes away.

use std::fs::File;
use std::io;

use mio::net::TcpStream;

use crate::sys;

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
  pub fn from_borrowed_fd(fd: i32, offset: u64, length: u64) -> io::Result<FileBody> {
    Ok(FileBody {
      file: sys::duplicate_file(fd)?,
      offset,
      remaining: length,
    })
  }

  /// Takes ownership of a descriptor made by `into_raw_fd`.
  ///
  /// # Safety
  /// `fd` must be an open file descriptor that nothing else owns.
  pub unsafe fn from_raw_fd(fd: i32, offset: u64, length: u64) -> FileBody {
    FileBody {
      file: sys::file_from_raw(fd),
      offset,
      remaining: length,
    }
  }

  /// Gives up ownership of the descriptor (it travels through the inbox).
  pub fn into_raw_fd(self) -> i32 {
    sys::file_into_raw(self.file)
  }

  /// Sends as much as the socket takes.
  pub fn send_to(&mut self, socket: &mut TcpStream) -> io::Result<SendStatus> {
    while self.remaining > 0 {
      let chunk = self.remaining.min(SENDFILE_CHUNK as u64) as usize;
      match sys::send_file_chunk(socket, &self.file, self.offset, chunk) {
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
}
