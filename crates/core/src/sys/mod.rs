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
