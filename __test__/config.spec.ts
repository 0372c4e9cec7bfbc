// Config defaults are written once, in `DEFAULTS` (src/config.ts). The README
// table, the doc comments of `ServerConfig`, what `newServer` fills in and
// the engine's own `EngineConfig::default` are checked against it here.
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { engineDefaults } from '../binding.cjs'
import { newServer } from '../index'
import { DEFAULTS } from '../src/config'

const root = path.join(__dirname, '..')
const defaults = DEFAULTS as Record<string, unknown>

/** A default as the docs write it: a literal in backticks, or `never` (no limit: undefined). */
function literal(text: string): unknown {
  if (text === 'never') return undefined
  const code = /^`([^`]*)`/.exec(text)?.[1]
  if (code === undefined) throw new Error(`not a default: ${JSON.stringify(text)}`)
  if (code === 'undefined' || code === 'never') return undefined
  if (code === 'true' || code === 'false') return code === 'true'
  if (/^'[^']*'$/.test(code)) return code.slice(1, -1)
  if (/^\d+$/.test(code)) return Number(code)
  return code // a name, such as console.error
}

test('the README config table says every default DEFAULTS holds', (t) => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
  const table = readme.slice(readme.indexOf('| field | default | meaning |'))
  const rows = [...table.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].slice(0, Object.keys(DEFAULTS).length + 2)
  const seen = new Set<string>()
  for (const [, name, cell] of rows) {
    seen.add(name)
    if (name === 'handler') t.is(cell.trim(), 'required')
    else if (name === 'onError') t.is(literal(cell.trim()), 'console.error')
    else t.deepEqual(literal(cell.trim()), defaults[name], `README: ${name}`)
  }
  t.deepEqual([...seen].sort(), [...Object.keys(DEFAULTS), 'handler', 'onError'].sort())
})

test('the doc comment of every ServerConfig field says its default from DEFAULTS', (t) => {
  const source = fs.readFileSync(path.join(root, 'src', 'config.ts'), 'utf8')
  const body = source.slice(source.indexOf('export interface ServerConfig {'))
  const fields = [...body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\??:/g)].slice(0, Object.keys(DEFAULTS).length + 2)
  const seen = new Set<string>()
  for (const [, doc, name] of fields) {
    seen.add(name)
    const text = doc.replace(/\s*\n\s*\*\s*/g, ' ')
    if (name === 'handler') {
      t.regex(text, /Required/)
      continue
    }
    const stated = /Default (`[^`]*`|never)/.exec(text)?.[1]
    t.truthy(stated, `${name}'s doc comment names its default`)
    if (name === 'onError') t.is(literal(stated!), 'console.error')
    else t.deepEqual(literal(stated!), defaults[name], `doc comment: ${name}`)
  }
  t.deepEqual([...seen].sort(), [...Object.keys(DEFAULTS), 'handler', 'onError'].sort())
})

test('newServer fills in DEFAULTS', (t) => {
  const config = newServer({ handler: () => '' }).config as unknown as Record<string, unknown>
  for (const [name, value] of Object.entries(DEFAULTS)) t.deepEqual(config[name], value, name)
  t.is(typeof config.onError, 'function')
})

test("the engine's own defaults (EngineConfig::default) agree with DEFAULTS", (t) => {
  const engine = engineDefaults()
  t.like(engine, {
    host: DEFAULTS.host,
    port: DEFAULTS.port,
    family: DEFAULTS.family,
    maxRequestBufferSize: DEFAULTS.maxRequestBufferSize,
    maxBodySize: DEFAULTS.maxBodySize,
    requestTimeoutMs: DEFAULTS.timeoutInSeconds * 1000,
    idleTimeoutMs: DEFAULTS.idleTimeoutInSeconds * 1000,
    handlerTimeoutMs: DEFAULTS.handlerTimeoutInSeconds * 1000,
    maxConnections: DEFAULTS.maxConnections,
    reusePort: DEFAULTS.reusePort,
    ioThreads: DEFAULTS.ioThreads,
    prealloc: DEFAULTS.prealloc,
    inlineTurns: DEFAULTS.inlineTurns,
    allowConnect: DEFAULTS.allowConnect,
  })
  t.is(engine.streamBodyOver ?? undefined, DEFAULTS.streamBodiesOver)
})
