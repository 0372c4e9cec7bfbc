// What the benchmark drivers (run.ts, hono.ts) share to write their reports:
// number formats, the median, what was measured (versions, commit), where
// the report goes, and when a run counts as disturbed.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** Above this share of the server's CPU taken by other work, a run is marked disturbed. */
export const DISTURBED_PCT = 15

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
export const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '–')
export const ms = (n: number): string => (!Number.isFinite(n) ? '–' : n < 10 ? `${n.toFixed(2)} ms` : `${n.toFixed(1)} ms`)

/** The installed version of package `name`, or '?'. */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version
  } catch {
    try {
      // packages whose `exports` hide package.json
      let dir = path.dirname(require.resolve(name))
      while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir)
      return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version
    } catch {
      return '?'
    }
  }
}

/** The commit measured, marked when the tree has local changes. */
export function gitCommit(): string {
  const root = path.join(__dirname, '..', '..')
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' })
  if (head.status !== 0) return '?'
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' })
  return `${head.stdout.trim()}${dirty.stdout?.trim() ? ' (with local changes)' : ''}`
}

/**
 * Where the report goes: `explicit`, else `benchmark/results/<date>[-tag].md`
 * (`-2`, `-3`, … when that exists).
 */
export function resultsFile(explicit: string | undefined, tag?: string): string {
  if (explicit) return path.resolve(explicit)
  const dir = path.join(__dirname, '..', 'results')
  fs.mkdirSync(dir, { recursive: true })
  const d = new Date()
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
  const name = tag === undefined ? date : `${date}-${tag}`
  let file = path.join(dir, `${name}.md`)
  for (let n = 2; fs.existsSync(file); n++) file = path.join(dir, `${name}-${n}.md`)
  return file
}

/** This package's own version. */
export function fasthttpVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version
}
