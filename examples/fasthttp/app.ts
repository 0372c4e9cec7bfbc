// V's examples/fasthttp, in TypeScript: a router with controllers.
//   GET  /          → welcome text
//   GET  /user/:id  → the user as JSON (404 if unknown)
//   POST /user      → create a user from {"name": "..."} (201)
//   anything else   → 404
import { newServer, type Server } from '../../index'
import { Router } from './router'
import { home } from './controllers/home'
import { createUser, getUser, type AppState } from './controllers/users'

export function createApp(port: number): Server {
  const state: AppState = { users: new Map([[1, { id: 1, name: 'Alice' }]]), nextId: 2 }
  const router = new Router().get('/', home).get('/user/:id', getUser).post('/user', createUser)
  return newServer({ port, handler: router.handle, userData: state })
}
