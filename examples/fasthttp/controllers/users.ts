// User controllers: an in-memory store kept in the server's userData.
import type { HttpRequest, StructuredResponse } from '../../../index'
import type { Params } from '../router'

export interface User {
  id: number
  name: string
}

export interface AppState {
  users: Map<number, User>
  nextId: number
}

export function getUser(req: HttpRequest, params: Params): StructuredResponse {
  const state = req.userData as AppState
  const id = Number(params.id)
  const user = Number.isInteger(id) ? state.users.get(id) : undefined
  if (!user) return { status: 404, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: `user ${params.id} not found` }) }
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(user) }
}

export function createUser(req: HttpRequest): StructuredResponse {
  const state = req.userData as AppState
  let name: unknown
  try {
    name = (req.bodyJson() as { name?: unknown }).name
  } catch {
    return { status: 400, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'body must be JSON' }) }
  }
  if (typeof name !== 'string' || name.length === 0) {
    return { status: 400, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'name (a non-empty string) is required' }) }
  }
  const user = { id: state.nextId++, name }
  state.users.set(user.id, user)
  return { status: 201, headers: { 'Content-Type': 'application/json', Location: `/user/${user.id}` }, body: JSON.stringify(user) }
}
