// The multi-route example of examples/fasthttp, written as a Hono application:
// the same `app.fetch` runs on fasthttp (main.ts), @hono/node-server, Bun,
// Deno or Cloudflare Workers.
//   GET  /          → welcome text
//   GET  /user/:id  → the user as JSON (404 if unknown)
//   POST /user      → create a user from {"name": "..."} (201)
//   GET  /clock     → server-sent events: the time, every second, until the client leaves
//   anything else   → 404
// Every response carries `X-Powered-By: fasthttp` (a middleware).
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'

export interface User {
  id: number
  name: string
}

export function createApp(): Hono {
  const users = new Map<number, User>([[1, { id: 1, name: 'Alice' }]])
  let nextId = 2
  const app = new Hono()

  app.use(async (c, next) => {
    await next()
    c.header('X-Powered-By', 'fasthttp')
  })

  app.get('/', (c) => c.text('Welcome to the fasthttp Hono example!\n'))

  app.get('/user/:id', (c) => {
    const id = c.req.param('id')
    const user = users.get(Number(id))
    return user ? c.json(user) : c.json({ error: `user ${id} not found` }, 404)
  })

  app.post('/user', async (c) => {
    let name: unknown
    try {
      name = ((await c.req.json()) as { name?: unknown }).name
    } catch {
      return c.json({ error: 'body must be JSON' }, 400)
    }
    if (typeof name !== 'string' || name.length === 0) return c.json({ error: 'name (a non-empty string) is required' }, 400)
    const user = { id: nextId++, name }
    users.set(user.id, user)
    c.header('Location', `/user/${user.id}`)
    return c.json(user, 201)
  })

  // Streamed as it is written (fasthttp sends each event at once, chunked);
  // when the client goes away the stream is aborted and the loop ends.
  app.get('/clock', (c) =>
    streamSSE(c, async (stream) => {
      for (let id = 1; !stream.aborted; id++) {
        await stream.writeSSE({ event: 'tick', id: String(id), data: new Date().toISOString() })
        await stream.sleep(1000)
      }
    }),
  )

  app.notFound((c) => c.text(`${c.req.path} not found\n`, 404))
  return app
}
