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

/// The addresses of a connection's socket `fd` (the embedder's number for
/// it), `(peer, local)`, or `None` when it is not a connected TCP socket or
/// descriptors are not shared on this platform. Nothing is taken from it.
pub fn connection_addresses(fd: i32) -> Option<(std::net::SocketAddr, std::net::SocketAddr)> {
  let stream = borrow_tcp_stream(fd)?;
  Some((stream.peer_addr().ok()?, stream.local_addr().ok()?))
}

/// Whether the peer of connection `fd` has closed it (FIN or reset), seen
/// with a non-blocking `MSG_PEEK` that takes nothing from the engine: `true`
/// at its end or reset, `false` while open (nothing to read, or bytes
/// waiting), `None` when `fd` is not a connected TCP socket or its peer port
/// is not `remote_port` any more (the descriptor was reused).
pub fn peer_closed(fd: i32, remote_port: u16) -> Option<bool> {
  use std::io::ErrorKind;
  let stream = borrow_tcp_stream(fd)?;
  match stream.peer_addr() {
    Ok(peer) if peer.port() == remote_port => {}
    Ok(_) => return None,
    // Not connected any more: the peer reset it.
    Err(err) if err.kind() == ErrorKind::NotConnected => return Some(true),
    Err(_) => return None,
  }
  // The engine's sockets are non-blocking: peek never waits.
  let mut probe = [0u8; 1];
  match stream.peek(&mut probe) {
    Ok(0) => Some(true),
    Ok(_) => Some(false),
    Err(err) if err.kind() == ErrorKind::WouldBlock => Some(false),
    Err(err)
      if matches!(
        err.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
      ) =>
    {
      Some(true)
    }
    Err(_) => None,
  }
}

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

#[cfg(all(test, unix))]
mod tests {
  #[test]
  fn accepted_sockets_have_nodelay_where_the_engine_counts_on_inheriting_it() {
    let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    super::set_listener_options(&listener, false, false).unwrap();
    listener
      .bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())
      .unwrap();
    listener.listen(8).unwrap();
    let listener: std::net::TcpListener = listener.into();
    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    if super::ACCEPTED_NODELAY {
      assert!(
        accepted.nodelay().unwrap(),
        "the listener's TCP_NODELAY was not inherited"
      );
    }
  }

  use std::net::{TcpListener, TcpStream};
  use std::os::fd::AsRawFd;
  use std::time::{Duration, Instant};

  #[test]
  fn a_connection_is_queried_without_being_taken_and_its_peer_leaving_is_seen() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    server.set_nonblocking(true).unwrap();
    let fd = server.as_raw_fd();

    let (peer, local) = super::connection_addresses(fd).unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(local, listener.local_addr().unwrap());
    assert_eq!(super::peer_closed(fd, peer.port()), Some(false));
    assert_eq!(
      super::peer_closed(fd, peer.port().wrapping_add(1)),
      None,
      "another peer port: a reused descriptor"
    );
    assert_eq!(super::connection_addresses(-1), None);

    drop(client);
    let deadline = Instant::now() + Duration::from_secs(5);
    while super::peer_closed(fd, peer.port()) != Some(true) {
      assert!(Instant::now() < deadline, "the peer's FIN was never seen");
      std::thread::sleep(Duration::from_millis(10));
    }
    // The queries borrowed the descriptor: it is still open and ours.
    assert!(server.local_addr().is_ok());
  }
}
