// A Hono application on fasthttp: `tsx examples/hono/main.ts` serves it on
// port 3000 (or $PORT).
import { serve } from '../../fetch'
import { createApp } from './app'

const app = createApp()
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`Server listening on http://localhost:${info.port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.handle().shutdown({ timeoutMs: 5000 }).catch(() => process.exit(1))
  })
}
