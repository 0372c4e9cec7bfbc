// The same Hono application as hono-fasthttp.mjs, on @hono/node-server
// (node:http underneath, with its default light Request/Response objects).
//   node benchmark/servers/hono-node.mjs    (prints port=<n>)
import { serve } from '@hono/node-server'
import { announce, listenHost } from './common.mjs'
import { app } from './hono-app.mjs'

serve({ fetch: app.fetch, port: 0, hostname: listenHost() }, (info) => announce(info.port))
