// A Hono application on fasthttp through the fetch adapter (fetch.ts), the
// same app as hono-node.mjs serves on @hono/node-server.
//   node benchmark/servers/hono-fasthttp.mjs    (prints port=<n>)
// Uses the built fetch.js when there is one, else compiles fetch.ts with tsx.
import { createRequire } from 'node:module'
import { announce, listenHost } from './common.mjs'
import { app } from './hono-app.mjs'

const require = createRequire(import.meta.url)

function loadAdapter() {
  try {
    return require('../../fetch.js')
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error
    return require('tsx/cjs/api').require('../../fetch.ts', import.meta.url)
  }
}
const { serve } = loadAdapter()

const server = serve({ fetch: app.fetch, port: 0, hostname: listenHost(), family: 'ip' }, (info) => announce(info.port))
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.shutdown({ timeoutMs: 2000 }).catch(() => process.exit(1)))
