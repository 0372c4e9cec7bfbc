// A Hono application on fasthttp through the fetch adapter (fetch.ts), the
// same app as hono-node.mjs serves on @hono/node-server.
//   node benchmark/servers/hono-fasthttp.mjs    (prints port=<n>)
//   FASTHTTP_OVERRIDE_GLOBALS=0 node benchmark/servers/hono-fasthttp.mjs    (native Response)
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

// FASTHTTP_OVERRIDE_GLOBALS=0: keep Node's own Response (serve's overrideGlobalObjects: false).
const overrideGlobalObjects = process.env.FASTHTTP_OVERRIDE_GLOBALS !== '0'
const server = serve({ fetch: app.fetch, port: 0, hostname: listenHost(), family: 'ip', overrideGlobalObjects }, (info) => announce(info.port))
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.shutdown({ timeoutMs: 2000 }).catch(() => process.exit(1)))
