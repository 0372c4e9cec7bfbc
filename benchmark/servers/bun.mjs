// Bun.serve, run by the `bun` binary of the `bun` npm package. A fetch
// handler (not a static `routes` Response) so that, like every other peer,
// JavaScript runs for each request.
import { HELLO, BIG, TEXT_PLAIN, announce, listenHost, slow } from './common.mjs'

const BIG_HEADERS = { 'Content-Type': TEXT_PLAIN }

async function asyncHello() {
  await null
  return new Response(HELLO)
}

function pathOf(url) {
  const slash = url.indexOf('/', url.indexOf('//') + 2)
  return slash === -1 ? '/' : url.slice(slash)
}

const server = Bun.serve({
  hostname: listenHost(),
  port: 0,
  fetch(req) {
    switch (pathOf(req.url)) {
      case '/':
        return new Response(HELLO) // text/plain;charset=utf-8 for strings
      case '/post':
        return req.arrayBuffer().then(() => new Response(HELLO))
      case '/64k':
        return new Response(BIG, { headers: BIG_HEADERS })
      case '/async':
        return asyncHello()
      case '/slow5':
        return slow().then(() => new Response(HELLO))
      default:
        return new Response('not found', { status: 404 })
    }
  },
})
announce(server.port)
