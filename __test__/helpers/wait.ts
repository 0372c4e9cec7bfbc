// Waiting, bounded: every wait in a test has a deadline.

/** Rejects with `label` if `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` every `everyMs` until it is true or `ms` pass; returns its last value. */
export async function waitUntil(check: () => boolean, ms: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() >= deadline) return false
    await sleep(everyMs)
  }
  return true
}

/** Polls `done` every `everyMs` until it is true; rejects with `label` after `ms`. */
export async function until(done: () => boolean, ms: number, label: string, everyMs = 5): Promise<void> {
  await within(
    (async () => {
      while (!done()) await sleep(everyMs)
    })(),
    ms,
    label,
  )
}
