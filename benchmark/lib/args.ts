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

/** One flag's value, read on demand: `--flag value` or `--flag=value`. */
export interface FlagValue {
  value(): string
  number(min: number): number
}

/**
 * Walks `argv`, calling `on(flag, arg)` for each flag; `on` returns false for
 * a flag it does not know (an error). `--help` prints `help` and exits.
 */
export function parseFlags(argv: string[], help: string, on: (flag: string, arg: FlagValue) => boolean): void {
  for (let i = 0; i < argv.length; i++) {
    const given = argv[i]
    const [flag, inline] = given.split('=', 2) as [string, string | undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`${flag} needs a value`)
      return v
    }
    if (flag === '--help' || flag === '-h') {
      console.log(help)
      process.exit(0)
    }
    if (!on(flag, { value, number: (min) => numberArg(value(), flag, min) })) throw new Error(`unknown option ${given}\n\n${help}`)
  }
}

/** The options both drivers take. */
export interface LoadOptions {
  durationS: number
  warmupS: number
  rounds: number
  loadgen: LoadGenName | undefined
  pin: boolean
  out: string | undefined
}

export const LOAD_DEFAULTS: LoadOptions = { durationS: 5, warmupS: 1, rounds: 2, loadgen: undefined, pin: true, out: undefined }

/** Reads one of the `LoadOptions` flags into `opts`; false for any other flag. */
export function loadFlag(opts: LoadOptions, flag: string, arg: FlagValue): boolean {
  switch (flag) {
    case '--duration': opts.durationS = arg.number(1); break
    case '--warmup': opts.warmupS = arg.number(0); break
    case '--rounds': opts.rounds = Math.round(arg.number(1)); break
    case '--loadgen': opts.loadgen = loadGenArg(arg.value()); break
    case '--no-pin': opts.pin = false; break
    case '--out': opts.out = arg.value(); break
    default: return false
  }
  return true
}
