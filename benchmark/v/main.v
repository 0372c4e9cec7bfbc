// V `fasthttp` (vlib/fasthttp, epoll) as an opt-in peer for `npm run bench`.
// It answers like benchmark/servers/*.mjs (see benchmark/servers/common.mjs):
//   GET  /       -> 200, text/plain, the 13-byte body `Hello, World!`
//   POST /post   -> the whole request body is read (fasthttp frames it by
//                   Content-Length before calling the handler), same answer
//   GET  /64k    -> 200, text/plain, a 65,536-byte body
//   GET  /async  -> the same 13-byte answer (V has no async handlers: sync)
// It listens on 127.0.0.1 (BENCH_HOST overrides) on the port given as the
// first argument or in PORT; 0 or unset picks a free port. It prints
// `port=<n>` on stdout once the listeners are bound.
// Build: v -prod -cc gcc -o vpeer . (see README.md)
module main

import fasthttp
import net
import os

const text_plain = 'text/plain; charset=utf-8'
const hello = 'Hello, World!'

fn response(body string, close bool) []u8 {
	conn := if close { 'Connection: close\r\n' } else { '' }
	return 'HTTP/1.1 200 OK\r\nContent-Type: ${text_plain}\r\nContent-Length: ${body.len}\r\n${conn}\r\n${body}'.bytes()
}

fn not_found(close bool) []u8 {
	conn := if close { 'Connection: close\r\n' } else { '' }
	return 'HTTP/1.1 404 Not Found\r\nContent-Type: ${text_plain}\r\nContent-Length: 9\r\n${conn}\r\nnot found'.bytes()
}

const hello_keep = response(hello, false)
const hello_close = response(hello, true)
const big_keep = response('x'.repeat(64 * 1024), false)
const big_close = response('x'.repeat(64 * 1024), true)
const missing_keep = not_found(false)
const missing_close = not_found(true)

// slice_is compares a request slice with a literal, without allocating.
@[inline]
fn slice_is(buf []u8, s fasthttp.Slice, lit string) bool {
	return s.len == lit.len && unsafe { vmemcmp(&buf[s.start], lit.str, lit.len) } == 0
}

// lower_at: whether buf[i..] starts with the lowercase ASCII `lit`, case-insensitively.
@[direct_array_access]
fn lower_at(buf []u8, i int, end int, lit string) bool {
	if end - i < lit.len {
		return false
	}
	for k in 0 .. lit.len {
		if buf[i + k] | 0x20 != lit[k] {
			return false
		}
	}
	return true
}

// wants_close: HTTP/1.1 `Connection: close`, or any HTTP/1.0 request.
// fasthttp itself does not look at the Connection header.
@[direct_array_access]
fn wants_close(req fasthttp.HttpRequest) bool {
	if slice_is(req.buffer, req.version, 'HTTP/1.0') {
		return true
	}
	buf := req.buffer
	end := req.header_fields.start + req.header_fields.len
	mut i := req.header_fields.start
	for i < end {
		mut eol := i
		for eol < end && buf[eol] != `\n` {
			eol++
		}
		if lower_at(buf, i, eol, 'connection:') {
			for j := i + 11; j < eol; j++ {
				if lower_at(buf, j, eol, 'close') {
					return true
				}
			}
		}
		i = eol + 1
	}
	return false
}

fn handle(req fasthttp.HttpRequest, mut out []u8, _ voidptr, mut _ fasthttp.ResponseControl) fasthttp.Step {
	close := wants_close(req)
	buf := req.buffer
	if slice_is(buf, req.path, '/') || slice_is(buf, req.path, '/post')
		|| slice_is(buf, req.path, '/async') {
		out << if close { hello_close } else { hello_keep }
	} else if slice_is(buf, req.path, '/64k') {
		out << if close { big_close } else { big_keep }
	} else {
		out << if close { missing_close } else { missing_keep }
	}
	return if close { .close } else { .done }
}

// free_port asks the kernel for a free port: each fasthttp worker binds its own
// SO_REUSEPORT socket, so port 0 would give every worker a different port.
fn free_port(host string) !int {
	mut l := net.listen_tcp(.ip, '${host}:0')!
	addr := l.addr()!
	port := addr.port()!
	l.close()!
	return int(port)
}

fn serve(mut server fasthttp.Server) {
	server.run() or {
		eprintln('vpeer: ${err}')
		exit(1)
	}
}

fn main() {
	port_arg := if os.args.len > 1 { os.args[1] } else { os.getenv('PORT') }
	host := os.getenv_opt('BENCH_HOST') or { '127.0.0.1' }
	mut port := port_arg.int()
	if port == 0 {
		port = free_port(host) or {
			eprintln('vpeer: no free port on ${host}: ${err}')
			exit(1)
		}
	}
	mut server := fasthttp.new_server(fasthttp.ServerConfig{
		family:         .ip
		host:           host
		port:           port
		append_handler: handle
	}) or {
		eprintln('vpeer: ${err}')
		exit(1)
	}
	h := server.handle()
	worker := spawn serve(mut server)
	h.wait_till_running(max_retries: 1000) or {
		eprintln('vpeer: not listening: ${err}')
		exit(1)
	}
	println('port=${port}')
	flush_stdout()
	worker.wait()
}
