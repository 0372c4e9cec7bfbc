import type { HttpRequest } from '../../../index'

export function home(_req: HttpRequest): string {
  return 'Welcome to the fasthttp example!\n'
}
