// `overrideGlobalObjects`: the light Response becomes the global
// `Response`, and the global `Request` a subclass that also accepts the
// adapter's requests as its input (the way `@hono/node-server` does).

import { NativeRequest } from './natives'
import { FetchRequest } from './request'
import { LightResponse } from './response'

/** The global Request when `overrideGlobalObjects` is on: accepts the adapter's requests as input. */
class GlobalRequest extends NativeRequest {
  static [Symbol.hasInstance](value: unknown): boolean {
    return this === GlobalRequest ? value instanceof NativeRequest : Function.prototype[Symbol.hasInstance].call(this, value)
  }

  constructor(input: RequestInfo | URL, init?: RequestInit) {
    if (FetchRequest.is(input)) input = FetchRequest.asInput(input, init?.body != null)
    super(input, init)
  }
}

export function installGlobals(): void {
  if (globalThis.Response === (LightResponse as unknown)) return
  for (const [name, value] of [['Request', GlobalRequest], ['Response', LightResponse]] as const) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false })
  }
}
