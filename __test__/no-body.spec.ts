// The no-body rule, applied by the engine to every answer form: the answer to
// HEAD, and 1xx/204/304 answers, end with their head. A handler that answers
// HEAD like GET (or puts bytes after a 204) must not desync the connection:
// the next pipelined answer has to start right where the head ends.
import test from 'ava'
import { serve, rawExchange, waitUntil } from './helpers'

const GET_LIKE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'

test('a raw answer to HEAD goes out as its head only; the next answer is intact', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => (req.pathname === '/next' ? 'next' : GET_LIKE),
  })
  const { data } = await rawExchange(port, ['HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n'])
  const head = GET_LIKE.slice(0, GET_LIKE.indexOf('\r\n\r\n') + 4)
  t.true(data.startsWith(head), JSON.stringify(data))
  const rest = data.slice(head.length)
  t.regex(rest, /^HTTP\/1\.1 200 OK\r\n/, 'the second answer starts right after the first head')
  t.true(rest.endsWith('\r\n\r\nnext'))
  t.false(data.includes('hello'))
})

for (const status of ['204 No Content', '304 Not Modified']) {
  test(`a raw ${status} with body bytes sends its head only`, async (t) => {
    const { port } = await serve(t, {
      handler: (req) => (req.pathname === '/next' ? 'next' : `HTTP/1.1 ${status}\r\nX-A: 1\r\n\r\nsneaky`),
    })
    const { data } = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n'])
    t.true(data.startsWith(`HTTP/1.1 ${status}\r\nX-A: 1\r\n\r\nHTTP/1.1 200 OK\r\n`), JSON.stringify(data))
    t.false(data.includes('sneaky'))
  })
}

test('an interim 103 before the final answer passes; the final answer to HEAD loses its body', async (t) => {
  const answer = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' + GET_LIKE
  const { port } = await serve(t, { handler: () => answer })
  const { data: get } = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: a\r\n\r\n'])
  t.is(get, answer)
  const { data: head } = await rawExchange(port, ['HEAD / HTTP/1.1\r\nHost: a\r\n\r\n'])
  t.is(head, answer.slice(0, -'hello'.length))
})

test('a streamed answer to HEAD and a body-only answer to HEAD send no body', async (t) => {
  const { port } = await serve(t, {
    handler: (req) => {
      if (req.pathname === '/plain') return 'plain body'
      return {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: (async function* () {
          yield 'streamed '
          yield 'body'
        })(),
      }
    },
  })
  for (const path of ['/plain', '/stream']) {
    const { data } = await rawExchange(port, [`HEAD ${path} HTTP/1.1\r\nHost: a\r\n\r\nGET /plain HTTP/1.1\r\nHost: a\r\n\r\n`])
    const first = data.indexOf('\r\n\r\n') + 4
    t.regex(data.slice(first), /^HTTP\/1\.1 200 OK\r\n/, `${path}: the next answer follows the head at once`)
    t.false(data.slice(0, first).includes('body'))
    t.true(data.endsWith('plain body'))
  }
})

test('a streamed answer to HEAD ends at its head and its endless producer is stopped', async (t) => {
  let stopped = false
  const { port } = await serve(t, {
    handler: (req) => {
      if (req.pathname === '/next') return 'next'
      return {
        status: 200,
        body: (async function* () {
          try {
            for (;;) {
              yield 'event\n'
              await new Promise((resolve) => setTimeout(resolve, 5))
            }
          } finally {
            stopped = true
          }
        })(),
      }
    },
  })
  const { data } = await rawExchange(port, ['HEAD /events HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n'])
  const first = data.indexOf('\r\n\r\n') + 4
  t.regex(data.slice(0, first), /^HTTP\/1\.1 200 OK\r\n[^]*Transfer-Encoding: chunked\r\n/, 'the head a GET would get')
  t.regex(data.slice(first), /^HTTP\/1\.1 200 OK\r\n/, 'the next answer follows the head at once')
  t.true(data.endsWith('\r\n\r\nnext'))
  t.false(data.includes('event'))
  t.true(await waitUntil(() => stopped, 2000), 'the producer was stopped')
})

test('a streamed answer whose head says Connection: close closes after it', async (t) => {
  const { port } = await serve(t, {
    handler: () => ({
      status: 200,
      headers: { Connection: 'close' },
      body: (async function* () {
        yield 'once'
      })(),
    }),
  })
  const { data, closed } = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'], { idleMs: 1000 })
  t.true(closed)
  t.is(data.split('HTTP/1.1 200').length, 2, 'one answer, then the close')
})

test('CONNECT is answered 501 by the engine and never reaches the handler', async (t) => {
  let calls = 0
  const { port } = await serve(t, {
    handler: () => {
      calls++
      return 'HTTP/1.1 200 Connection Established\r\n\r\n'
    },
  })
  const { data, closed } = await rawExchange(port, ['CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n'])
  t.regex(data, /^HTTP\/1\.1 501 Not Implemented\r\n/)
  t.true(closed)
  t.is(calls, 0)
})
