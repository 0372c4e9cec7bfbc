// `npm start`: serves the multi-route example on port 3000 (or $PORT).
import { createApp } from './app'

const server = createApp(Number(process.env.PORT ?? 3000))
server
  .run()
  .then(() => console.log('Server stopped'))
  .catch((err) => {
    console.error(`error: ${err instanceof Error ? err.message : err}`)
    process.exit(1)
  })
console.log(`Server listening on http://localhost:${server.port}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.handle().shutdown({ timeoutMs: 5000 }).catch(() => process.exit(1))
  })
}
