// A tiny router: method + path pattern (`:name` segments) → controller.
import type { HttpRequest, HandlerResult } from '../../index'

export type Params = Record<string, string>
export type Controller = (req: HttpRequest, params: Params) => HandlerResult | Promise<HandlerResult>

interface Route {
  method: string
  segments: string[]
  controller: Controller
}

export class Router {
  private routes: Route[] = []

  get(pattern: string, controller: Controller): this {
    return this.add('GET', pattern, controller)
  }

  post(pattern: string, controller: Controller): this {
    return this.add('POST', pattern, controller)
  }

  add(method: string, pattern: string, controller: Controller): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), controller })
    return this
  }

  /** The request handler: dispatches to the first matching route, else 404. */
  handle = (req: HttpRequest): HandlerResult | Promise<HandlerResult> => {
    const method = req.methodName
    const parts = req.pathname.split('/').filter(Boolean)
    for (const route of this.routes) {
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue
      const params = match(route.segments, parts)
      if (params === MALFORMED) return { status: 400, body: 'malformed percent-escape in the path\n' }
      if (params) return route.controller(req, params)
    }
    return { status: 404, body: `${req.pathname} not found\n` }
  }
}

/** A path parameter whose percent-escapes are not UTF-8 (`/user/%E0`): the client's fault, so 400. */
const MALFORMED = Symbol('malformed')

function match(segments: string[], parts: string[]): Params | typeof MALFORMED | undefined {
  if (segments.length !== parts.length) return undefined
  const params: Params = {}
  for (let i = 0; i < segments.length; i++) {
    if (segments[i].startsWith(':')) {
      try {
        params[segments[i].slice(1)] = decodeURIComponent(parts[i])
      } catch {
        return MALFORMED
      }
    } else if (segments[i] !== parts[i]) return undefined
  }
  return params
}
