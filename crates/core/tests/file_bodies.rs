#![cfg(target_os = "linux")]
//! File answers: the body goes from the file to the socket (sendfile on
//! Linux); HEAD gets the head only; pipelined requests behind a file are
//! answered in order; no descriptor is leaked.

mod common;

use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{read_until, statuses, Seen, TestServer};
use fasthttp_core::internals::FileMeta;
use fasthttp_core::wire::{KIND_BODY, KIND_FILE};
use fasthttp_core::EngineConfig;

/// Files the test handler opened; they stay open until the test ends, as a
/// JS handle stays open until `respond` returns.
static OPEN: Mutex<Vec<File>> = Mutex::new(Vec::new());

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
  let path = std::env::temp_dir().join(format!("fasthttp-file-test-{}-{name}", std::process::id()));
  File::create(&path).unwrap().write_all(bytes).unwrap();
  path
}

#[cfg(unix)]
fn file_answer(path: &std::path::Path, offset: u64, length: u64) -> (u32, Vec<u8>) {
  use std::os::fd::AsRawFd;
  let file = File::open(path).unwrap();
  let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n");
  let payload = FileMeta {
    fd: file.as_raw_fd(),
    offset,
    length,
  }
  .payload(head.as_bytes());
  OPEN.lock().unwrap().push(file);
  (KIND_FILE, payload)
}

fn open_fds() -> usize {
  std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn body_after_head(bytes: &[u8]) -> &[u8] {
  let at = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
  &bytes[at..]
}

#[cfg(target_os = "linux")]
#[test]
fn file_bodies_arrive_whole_in_order_and_leak_nothing() {
  let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
  let big = temp_file("big", &content);
  let empty = temp_file("empty", b"");
  let (big_path, empty_path) = (big.clone(), empty.clone());
  let answerer = Arc::new(move |seen: &Seen| {
    Some(match seen.path.as_str() {
      "/big" => file_answer(&big_path, 0, 3_000_000),
      "/range" => file_answer(&big_path, 1000, 5000),
      "/empty" => file_answer(&empty_path, 0, 0),
      _ => (KIND_BODY, b"after".to_vec()),
    })
  });
  let fds_before = open_fds();
  {
    let server = TestServer::start_with(EngineConfig::default(), answerer);
    let mut stream = server.connect();
    // A file, a range of it, an empty file and a plain answer, pipelined.
    stream
      .write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET /range HTTP/1.1\r\nHost: a\r\n\r\nGET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n")
      .unwrap();
    let (bytes, _) = read_until(&mut stream, Duration::from_secs(5), 4);
    assert_eq!(statuses(&bytes), vec![200, 200, 200, 200]);
    let big_head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(
      &bytes[big_head_end..big_head_end + 3_000_000],
      &content[..],
      "the file arrives byte-identical"
    );
    let rest = &bytes[big_head_end + 3_000_000..];
    assert_eq!(
      &body_after_head(rest)[..5000],
      &content[1000..6000],
      "a range of the file"
    );
    assert!(
      rest.ends_with(b"after"),
      "the request pipelined behind the files is answered last"
    );

    // HEAD: the head alone.
    let mut stream = server.connect();
    stream
      .write_all(b"HEAD /big HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n")
      .unwrap();
    let (bytes, _) = read_until(&mut stream, Duration::from_secs(2), 1);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("Content-Length: 3000000"));
    assert!(bytes.len() < 1000, "no file bytes after a HEAD head");

    // A client that vanishes in the middle of a file.
    let mut stream = server.connect();
    stream.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    drop(stream);
    std::thread::sleep(Duration::from_millis(200));
  }
  OPEN.lock().unwrap().clear();
  assert_eq!(
    open_fds(),
    fds_before,
    "every descriptor (sockets, files, duplicates) is closed"
  );
  let _ = std::fs::remove_file(big);
  let _ = std::fs::remove_file(empty);
}
