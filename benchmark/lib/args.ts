// Command-line helpers shared by the benchmark scripts (run.ts, hono.ts).

import type { LoadGenName } from './loadgen'

/** The entries of `list` named in `names` (comma-separated), in that order. */
export function pickByName<T extends { name: string }>(list: T[], names: string, flag: string): T[] {
  return names.split(',').map((name) => {
    const found = list.find((x) => x.name === name.trim())
    if (!found) throw new Error(`${flag}: unknown "${name}" (one of ${list.map((x) => x.name).join(', ')})`)
    return found
  })
}

/** `text` as a number of at least `min`. */
export function numberArg(text: string, flag: string, min: number): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < min) throw new Error(`${flag} must be a number >= ${min}`)
  return n
}

export function loadGenArg(text: string): LoadGenName {
  if (text !== 'wrk' && text !== 'autocannon') throw new Error('--loadgen must be wrk or autocannon')
  return text
}
