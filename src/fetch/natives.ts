// The runtime's own `Request`, `Response` and `Headers` (kept before the
// adapter installs its own globals), and `delegate`, which lets the
// adapter's light classes forward every member they do not define.

// The runtime's own classes, kept once per process (before any override, even
// if this module is loaded twice).
const natives: { Request: typeof Request; Response: typeof Response; Headers: typeof Headers } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('fasthttp.fetch.natives')
] ??= { Request: globalThis.Request, Response: globalThis.Response, Headers: globalThis.Headers }) as never
export const NativeRequest = natives.Request
export const NativeResponse = natives.Response
export const NativeHeaders = natives.Headers

/** Defines on `target` every member of `source` it lacks, forwarded to `inner(this)`. */
export function delegate<T>(source: object, target: object, inner: (self: T) => object): void {
  for (const name of Object.getOwnPropertyNames(source)) {
    if (name === 'constructor' || Object.hasOwn(target, name)) continue
    const descriptor = Object.getOwnPropertyDescriptor(source, name)!
    Object.defineProperty(
      target,
      name,
      typeof descriptor.value === 'function'
        ? { configurable: true, writable: true, value: function (this: T, ...args: unknown[]) { return (inner(this) as any)[name](...args) } }
        : { configurable: true, get(this: T) { return (inner(this) as any)[name] } },
    )
  }
}
