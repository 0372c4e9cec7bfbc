//! The RFC 9112 case table: raw request bytes → the status the client must
//! get and what the handler may see. Every case runs three ways: in one
//! write, one byte per write, and with a second request appended (which must
//! never reach the handler after a rejection).

mod common;

use std::time::Duration;

use common::{exchange, statuses, TestServer};
use fasthttp_core::EngineConfig;

struct Case {
  name: &'static str,
  bytes: &'static [u8],
  /// The status of the (first) response.
  status: u16,
}

const fn case(name: &'static str, bytes: &'static [u8], status: u16) -> Case {
  Case { name, bytes, status }
}

/// A request appended after each case; it must only be served after an
/// accepted keep-alive request.
const FOLLOW_UP: &[u8] = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

const CASES: &[Case] = &[
  // Accepted.
  case("simple GET", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
  case("leading empty line", b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
  case(
    "absolute-form target",
    b"GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n",
    200,
  ),
  case("asterisk OPTIONS", b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 200),
  case(
    "content-length body",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    200,
  ),
  case(
    "repeated equal content-length",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    200,
  ),
  case(
    "chunked body",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    200,
  ),
  case(
    "chunked with extension and trailer",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nT: v\r\n\r\n",
    200,
  ),
  case(
    "gzip then chunked",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    200,
  ),
  case("custom method token", b"PURGE / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
  case(
    "empty header value",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n",
    200,
  ),
  case(
    "tab in header value",
    b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n",
    200,
  ),
  case("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n", 200),
  // The body came with the head: no interim 100 is needed.
  case(
    "expect 100-continue, body sent",
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
    200,
  ),
  // Request line.
  case("bad method character", b"G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case("method with slash", b"GE/T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case("space in target", b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case("control in target", b"GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case("missing version", b"GET /\r\nHost: a\r\n\r\n", 400),
  case("lowercase version", b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
  case("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
  case("HTTP/9.9", b"GET / HTTP/9.9\r\nHost: a\r\n\r\n", 505),
  case("HTTP/1.2", b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
  case("bare CR in request line", b"GET / HTTP/1.1\rHost: a\r\n\r\n", 400),
  // Header fields.
  case("missing Host on 1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
  case("two Host headers", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
  case(
    "space before colon",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n",
    400,
  ),
  case("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400),
  case(
    "NUL in header value",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n",
    400,
  ),
  case(
    "bare CR in header value",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n",
    400,
  ),
  case(
    "header without colon",
    b"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
    400,
  ),
  case("empty header name", b"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 400),
  case(
    "unknown expectation",
    b"GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n",
    417,
  ),
  // Body framing (smuggling).
  case(
    "CL and TE",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    400,
  ),
  case(
    "TE and CL",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    400,
  ),
  case(
    "differing content-lengths",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    400,
  ),
  case(
    "content-length list differing",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!",
    400,
  ),
  case(
    "negative content-length",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
    400,
  ),
  case(
    "plus content-length",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
    400,
  ),
  case(
    "hex content-length",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello",
    400,
  ),
  case(
    "overflowing content-length",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    400,
  ),
  case(
    "TE not ending in chunked",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    400,
  ),
  case(
    "TE identity",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
    400,
  ),
  case(
    "TE chunked twice",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    400,
  ),
  case(
    "TE on HTTP/1.0",
    b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    400,
  ),
  case(
    "chunk-size overflow",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
    400,
  ),
  case(
    "chunk-size not hex",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    400,
  ),
  case(
    "chunk-size with 0x",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
    400,
  ),
  case(
    "chunk data without CRLF",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
    400,
  ),
  case(
    "chunk-size bare LF",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
    400,
  ),
  case(
    "chunk-size empty",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n",
    400,
  ),
  // Bare LF is no line end anywhere (RFC 9112 §2.2 lets us refuse it).
  case(
    "bare LF ends a field line (desync)",
    b"GET / HTTP/1.1\r\nHost: x\r\nDummy: x\nContent-Length: 5\r\n\r\nhello",
    400,
  ),
  case("bare LF ends the request line", b"GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
  case("bare LF blank line", b"GET / HTTP/1.1\r\nHost: a\r\n\n", 400),
  case("bare LF leading line", b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case(
    "bare LF in trailers",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: v\n\r\n",
    400,
  ),
  case(
    "bare LF after chunk data",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",
    400,
  ),
  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )
  case(
    "chunk-size then whitespace only",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
    400,
  ),
  case(
    "chunk-ext without a name",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n",
    400,
  ),
  case(
    "chunk-ext unterminated quoted string",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n",
    400,
  ),
  case(
    "chunk-ext BWS before ;",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n",
    200,
  ),
  case(
    "chunk-ext quoted value with space",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b c\"\r\nhello\r\n0\r\n\r\n",
    200,
  ),
  // The request target is visible ASCII; field values may carry obs-text.
  case(
    "UTF-8 bytes in the target",
    b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
    400,
  ),
  case("DEL in the target", b"GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case(
    "obs-text in a field value",
    b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n",
    200,
  ),
  // Host = uri-host [ ":" port ]; each target form only with its method.
  case("Host with userinfo", b"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400),
  case("Host with a path", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
  case("Host with a space", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
  case("Host list", b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400),
  case("empty Host, origin-form", b"GET / HTTP/1.1\r\nHost:\r\n\r\n", 400),
  case(
    "Host IPv6 literal with port",
    b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    200,
  ),
  case(
    "empty Host, absolute-form",
    b"GET http://a/ HTTP/1.1\r\nHost:\r\n\r\n",
    200,
  ),
  case("asterisk-form with GET", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
  case(
    "authority-form with GET",
    b"GET a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
    400,
  ),
  case(
    "CONNECT is not implemented",
    b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
    501,
  ),
  case(
    "CONNECT with origin-form",
    b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n",
    400,
  ),
  case("relative target", b"GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400),
];

#[test]
fn expect_100_continue_waits_for_the_interim_answer() {
  let server = TestServer::start(config());
  let mut stream = server.connect();
  let head = b"POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  let (interim, _) = exchange(&mut stream, &[head], Duration::ZERO, Duration::from_millis(300));
  assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
  let (final_answer, _) = exchange(&mut stream, &[b"hi"], Duration::ZERO, Duration::from_millis(300));
  assert_eq!(statuses(&final_answer), vec![200]);
  assert!(final_answer.ends_with(b"POST /e hi"));
}

#[test]
fn expect_100_continue_with_a_too_large_body_gets_413_not_100() {
  let server = TestServer::start(EngineConfig {
    max_body_size: 10,
    ..config()
  });
  let mut stream = server.connect();
  let head = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n";
  let (answer, closed) = exchange(&mut stream, &[head], Duration::ZERO, Duration::from_millis(300));
  assert_eq!(statuses(&answer), vec![413]);
  assert!(closed);
}

#[test]
fn an_impossible_byte_is_refused_before_the_head_ends() {
  let server = TestServer::start(EngineConfig {
    request_timeout: Duration::from_secs(30),
    ..config()
  });
  for partial in [
    &b"GET / HTTP/1.1\r\nHo\x01st"[..],
    b"G(T / HTTP/1.1\r\n",
    b"GET / HTTP/1.1\r\nHost: a\rX",
    b"GET / HTTX/1.1\r\n",
    b"GET /caf\xc3\xa9",
    b"GET / HTTP/1.1\r\nHost: a\nX: y",
  ] {
    let mut stream = server.connect();
    // The socket stays open and the head unfinished: only the bytes so far
    // can have decided the answer, long before the 30 s deadline.
    let (answer, closed) = exchange(&mut stream, &[partial], Duration::ZERO, Duration::from_secs(2));
    assert_eq!(statuses(&answer), vec![400], "{:?}", String::from_utf8_lossy(partial));
    assert!(closed, "closed after refusing {:?}", String::from_utf8_lossy(partial));
  }
}

#[test]
fn expect_100_continue_in_any_case_gets_the_interim_answer() {
  let server = TestServer::start(config());
  let mut stream = server.connect();
  let head = b"POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n";
  let (interim, _) = exchange(&mut stream, &[head], Duration::ZERO, Duration::from_millis(300));
  assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
}

fn config() -> EngineConfig {
  EngineConfig {
    max_body_size: 1 << 20,
    ..EngineConfig::default()
  }
}

/// Sends the chunks and reads until `want` responses are in, the server
/// closes, or it stays quiet for 2 s (generous for a loaded CI machine; the
/// common outcomes end early).
fn run(server: &TestServer, chunks: &[&[u8]], want: usize) -> (Vec<u16>, bool) {
  let mut stream = server.connect();
  for chunk in chunks {
    use std::io::Write;
    if stream.write_all(chunk).is_err() {
      break;
    }
  }
  let (bytes, closed) = common::read_until(&mut stream, Duration::from_secs(2), want);
  // An interim 100 Continue may come first when the body of an
  // `Expect: 100-continue` request arrives after its head: not an answer.
  let finals = statuses(&bytes).into_iter().filter(|&status| status != 100).collect();
  (finals, closed)
}

#[test]
fn case_table_in_one_write() {
  let server = TestServer::start(config());
  for case in CASES {
    let (got, _) = run(&server, &[case.bytes], 1);
    assert_eq!(got.first().copied(), Some(case.status), "{}: got {got:?}", case.name);
  }
}

#[test]
fn case_table_one_byte_per_write() {
  let server = TestServer::start(config());
  for case in CASES {
    let bytes: Vec<&[u8]> = case.bytes.chunks(1).collect();
    let (got, _) = run(&server, &bytes, 1);
    assert_eq!(
      got.first().copied(),
      Some(case.status),
      "{} byte by byte: got {got:?}",
      case.name
    );
  }
}

#[test]
fn case_table_with_a_request_appended() {
  let server = TestServer::start(config());
  for case in CASES {
    let mut bytes = case.bytes.to_vec();
    bytes.extend_from_slice(FOLLOW_UP);
    let before = server.seen().iter().filter(|s| s.path == "/smuggled").count();
    let (got, closed) = run(&server, &[&bytes], if case.status >= 400 { 1 } else { 2 });
    let smuggled = server.seen().iter().filter(|s| s.path == "/smuggled").count() - before;
    if case.status >= 400 {
      assert_eq!(got, vec![case.status], "{}: a rejection is the only answer", case.name);
      assert_eq!(
        smuggled, 0,
        "{}: bytes after a rejection reached the handler",
        case.name
      );
      assert!(closed, "{}: the connection closes after a rejection", case.name);
    } else if case.name == "HTTP/1.0 without Host" {
      assert_eq!(got, vec![200], "{}: 1.0 closes after one response", case.name);
      assert_eq!(smuggled, 0, "{}", case.name);
    } else {
      let last = got.last().copied();
      assert_eq!(
        last,
        Some(200),
        "{}: the appended request is served too: {got:?}",
        case.name
      );
      assert_eq!(
        smuggled, 1,
        "{}: the appended request reached the handler once",
        case.name
      );
    }
  }
}

#[test]
fn decoded_bodies_reach_the_handler() {
  let server = TestServer::start(config());
  let (got, _) = run(
    &server,
    &[b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nT: 1\r\n\r\n"],
    1,
  );
  assert_eq!(got, vec![200]);
  let seen = server.seen();
  assert_eq!(seen.last().unwrap().body, b"abcdefg");
}

#[test]
fn a_request_followed_by_fin_is_answered_then_closed() {
  let server = TestServer::start(config());
  for request in [
    &b"GET /half HTTP/1.1\r\nHost: a\r\n\r\n"[..],
    b"GET /partial HTTP/1.1\r\nHost: a\r\n",
  ] {
    let mut stream = server.connect();
    use std::io::Write;
    stream.write_all(request).unwrap();
    common::half_close(&stream);
    let (bytes, closed) = common::read_until_quiet(&mut stream, Duration::from_millis(1500));
    assert!(
      closed,
      "{:?}: the server closes after the peer's FIN",
      String::from_utf8_lossy(request)
    );
    let expected: Vec<u16> = if request.ends_with(b"\r\n\r\n") {
      vec![200]
    } else {
      vec![]
    };
    assert_eq!(statuses(&bytes), expected);
  }
}
