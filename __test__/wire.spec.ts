// The wire format is defined once, in crates/core/src/wire.rs; the binding
// exports each constant under the same name and src/wire.ts reads them. This
// fails when the two sides differ: a constant missing, renamed or changed on
// either side.
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import * as binding from '../binding.cjs'
import * as wire from '../src/wire'

/** `pub const NAME: usize|u32 = value;` of wire.rs, evaluated. */
function rustConstants(): Map<string, number> {
  const source = fs.readFileSync(path.join(__dirname, '..', 'crates', 'core', 'src', 'wire.rs'), 'utf8')
  const constants = new Map<string, number>()
  for (const [, name, value] of source.matchAll(/^pub const ([A-Z0-9_]+): (?:usize|u32) = ([^;]+);/gm)) {
    // Only literals, `*` and `<<` (checked, so nothing else is evaluated).
    if (!/^[0-9a-fx_ *<]+$/i.test(value)) throw new Error(`wire.rs: ${name} = ${value} is not a plain number`)
    constants.set(name, Function(`return ${value.replaceAll('_', '')}`)() as number)
  }
  return constants
}

test('every wire.rs constant is exported by the binding and src/wire.ts, with the same name and value', (t) => {
  const rust = rustConstants()
  t.true(rust.size >= 50, `${rust.size} constants found in wire.rs`)
  const exported = binding as unknown as Record<string, unknown>
  const typescript = wire as unknown as Record<string, unknown>
  for (const [name, value] of rust) {
    t.is(exported[name], value, `binding.${name}`)
    t.is(typescript[name], value, `src/wire.ts ${name}`)
  }
  // And nothing more: no constant that only one side knows.
  t.deepEqual(Object.keys(typescript).sort(), [...rust.keys()].sort())
  const bindingConstants = Object.keys(exported).filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name) && typeof exported[name] === 'number')
  t.deepEqual(bindingConstants.sort(), [...rust.keys()].sort())
})

test('no other file writes the wire format down as literals', (t) => {
  // The TypeScript that used to copy it (index.ts, benchmark/micro.ts,
  // __test__/native.spec.ts) now imports the names.
  const root = path.join(__dirname, '..')
  const files = ['index.ts', 'fetch.ts', ...['src', 'benchmark', '__test__', 'examples'].flatMap((dir) =>
    (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[]).map((file) => path.join(dir, file)),
  )].filter((file) => /\.(?:ts|mjs|cjs)$/.test(file) && !file.endsWith('.d.ts') && !file.includes('node_modules'))
  t.true(files.length > 40, `${files.length} files read`)
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8')
    t.notRegex(text, /\bconst (?:REQUEST_FIELDS|F_[A-Z_]+|FIELD_[A-Z_]+|FLAG_[A-Z_0-9]+|KIND_[A-Z_]+|RECORD_HEADER_LEN) = \d/, file)
  }
})
