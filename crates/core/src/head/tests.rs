//! Tests of `head`.

use super::*;

/// A head as framing sees it: line ends scanned, then parsed.
fn parse(bytes: &[u8]) -> HeadStatus {
  if let HeadScan::Invalid(reject) = scan_head(bytes, 0) {
    return HeadStatus::Invalid(reject);
  }
  let mut table = [std::mem::MaybeUninit::uninit(); MAX_HEADERS];
  parse_head(bytes, &mut table)
}

fn complete(bytes: &[u8]) -> RequestHead {
  match parse(bytes) {
    HeadStatus::Complete(head) => head,
    other => panic!("expected a complete head, got {other:?}"),
  }
}

fn rejected(bytes: &[u8]) -> u16 {
  match parse(bytes) {
    HeadStatus::Invalid(reject) => reject.status,
    other => panic!("expected a rejection, got {other:?}"),
  }
}

#[test]
fn spans_point_into_the_buffer() {
  let raw = b"GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n";
  let head = complete(raw);
  assert_eq!(head.method.of_buf(raw), b"GET");
  assert_eq!(head.path.of_buf(raw), b"/hello?x=1");
  assert_eq!(head.version.of_buf(raw), b"HTTP/1.1");
  assert_eq!(head.header_fields.of_buf(raw), b"Host: a\r\nX-Y: z\r\n");
  assert_eq!(head.len, raw.len());
  assert!(head.keep_alive);
  assert_eq!(head.body, BodyFraming::None);
}

#[test]
fn every_prefix_is_partial() {
  let raw = b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
  for end in 0..raw.len() {
    assert_eq!(parse(&raw[..end]), HeadStatus::Partial, "prefix of {end} bytes");
  }
  assert_eq!(complete(raw).body, BodyFraming::Length(3));
}

#[test]
fn leading_empty_lines_are_skipped() {
  let raw = b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  let head = complete(raw);
  assert_eq!(head.start, 4);
  assert_eq!(head.method.of_buf(raw), b"GET");
}

#[test]
fn keep_alive_rules() {
  assert!(!complete(b"GET / HTTP/1.0\r\n\r\n").keep_alive);
  assert!(complete(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  assert!(!complete(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
  assert!(!complete(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n").keep_alive);
}

#[test]
fn framing_rules() {
  assert_eq!(
    complete(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").body,
    BodyFraming::Chunked
  );
  assert_eq!(
    complete(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").body,
    BodyFraming::Length(5)
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
    400
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
    400
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"),
    400
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
    400
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
    400
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
    400
  );
  assert_eq!(rejected(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
    400
  );
  assert_eq!(
    rejected(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked ;x\r\n\r\n"),
    400
  );
}

#[test]
fn grammar_and_host_rules() {
  assert_eq!(rejected(b"GET / HTTP/1.1\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);
  assert_eq!(rejected(b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET / HTTP/9.9\r\nHost: a\r\n\r\n"), 505);
  assert_eq!(rejected(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
}

#[test]
fn head_end_is_found_from_any_offset() {
  let raw = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
  assert_eq!(scan_head(raw, 0), HeadScan::Complete(raw.len() - 4));
  assert_eq!(scan_head(raw, 10), HeadScan::Complete(raw.len() - 4));
  assert_eq!(scan_head(b"GET / HTTP/1.1\r\nHost: a\r\n", 0), HeadScan::Incomplete);
  assert_eq!(scan_head(b"GET / HTTP/1.1\r\nHost: a\r\n\r", 0), HeadScan::Incomplete);
}

#[test]
fn bare_lf_is_refused_everywhere() {
  for raw in [
    &b"GET / HTTP/1.0\n\n"[..],
    b"GET / HTTP/1.1\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n\n",
    b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nDummy: x\nContent-Length: 5\r\n\r\nhello",
  ] {
    assert_eq!(rejected(raw), 400, "{:?}", String::from_utf8_lossy(raw));
    let scanned = (0..raw.len()).find_map(|end| match scan_head(&raw[..end + 1], 0) {
      HeadScan::Invalid(reject) => Some(reject.status),
      _ => None,
    });
    assert_eq!(scanned, Some(400), "scan of {:?}", String::from_utf8_lossy(raw));
  }
}

#[test]
fn target_forms_and_methods() {
  assert_eq!(complete(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").path.len, 1);
  assert_eq!(rejected(b"GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  // CONNECT parses (whether it is served is the framer's `allow_connect`);
  // nothing after it is a request, and it has no content.
  let connect = complete(b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n");
  assert!(connect.is_connect && !connect.keep_alive);
  assert!(!complete(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").is_connect);
  assert_eq!(rejected(b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  complete(b"GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n");
  complete(b"GET HTTPS://a.example:8443 HTTP/1.1\r\nHost: \r\n\r\n");
  assert_eq!(rejected(b"GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert_eq!(rejected(b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  for bad in ["/a\\b", "/a\"b", "/<script>", "/p#frag"] {
    assert_eq!(
      rejected(format!("GET {bad} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes()),
      400,
      "{bad}"
    );
  }
  complete(b"GET /q?f={a|b}^[c]`d HTTP/1.1\r\nHost: a\r\n\r\n");
  complete(b"GET /caf%C3%A9 HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n");
}

#[test]
fn host_must_be_a_host() {
  for host in [
    "a",
    "a.example:8080",
    "[::1]:80",
    "127.0.0.1",
    "xn--bcher-kva.example",
    "a%2Db",
    "a:",
  ] {
    complete(format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
  }
  for host in ["user@a", "a/b", "a b", "a, b", "", "[::1", "a:8x", "a%zz", ":80", "[]"] {
    assert_eq!(
      rejected(format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()),
      400,
      "Host: {host}"
    );
  }
  complete(b"GET / HTTP/1.0\r\n\r\n");
}

#[test]
fn impossible_bytes_are_refused_before_the_head_ends() {
  for partial in [
    &b"G(T"[..],
    b"GET / HTTP/1.1\r\nHo\x01st",
    b"GET / HTTP/1.1\r\nHost: a\rb",
    b"GET / HTTX",
    b"GET /caf\xc3",
    b"GET /a\x7f",
  ] {
    assert_eq!(
      refuse_early(partial).map(|reject| reject.status),
      Some(400),
      "{:?}",
      String::from_utf8_lossy(partial)
    );
  }
  let valid = b"POST /p?q HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
  for end in 0..valid.len() {
    assert_eq!(refuse_early(&valid[..end]), None, "prefix of {end} bytes");
  }
}
