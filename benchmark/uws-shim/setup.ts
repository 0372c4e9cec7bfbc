// Makes the prebuilt uWebSockets.js binary loadable on an older glibc, for the
// benchmark only (never for the package): the binary of
// @btc-vision/uwebsockets.js needs GLIBC_2.38 for three C23 aliases
// (__isoc23_sscanf, __isoc23_strtol, __isoc23_strtoul). On Debian 12
// (glibc 2.36) we
//   1. copy the .node into a temp directory and mark its version need on
//      GLIBC_2.38 (and any other libc version newer than the running one)
//      weak (VER_FLG_WEAK in .gnu.version_r), after checking that only the
//      three aliases use it;
//   2. compile isoc23.c (beside this file) with `cc` into a tiny shared
//      object forwarding the three to vsscanf/strtol/strtoul;
//   3. start the uWS server with LD_PRELOAD=<shim> and
//      FASTHTTP_BENCH_UWS_NODE=<patched copy>.
// Where the stock binary loads as is, nothing is patched or compiled.

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export type UwsSetup =
  | { ok: true; env: Record<string, string>; note: string }
  | { ok: false; reason: string }

/** The symbols isoc23.c provides. */
const SHIM_SYMBOLS = new Set(['__isoc23_sscanf', '__isoc23_strtol', '__isoc23_strtoul'])

const SHT_DYNSYM = 11
const SHT_GNU_VERNEED = 0x6ffffffe
const SHT_GNU_VERSYM = 0x6fffffff
const VER_FLG_WEAK = 0x2

interface Section {
  type: number
  offset: number
  size: number
  link: number
  info: number
  entsize: number
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at)
  return buf.toString('latin1', at, end === -1 ? buf.length : end)
}

function sections(elf: Buffer): Section[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file')
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error('only 64-bit little-endian ELF is handled')
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const shentsize = elf.readUInt16LE(0x3a)
  const shnum = elf.readUInt16LE(0x3c)
  const out: Section[] = []
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize
    out.push({
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      size: Number(elf.readBigUInt64LE(at + 32)),
      link: elf.readUInt32LE(at + 40),
      info: elf.readUInt32LE(at + 44),
      entsize: Number(elf.readBigUInt64LE(at + 56)),
    })
  }
  return out
}

/** "2.38" > "2.36"? */
function newerThan(version: string, runtime: string): boolean {
  const a = version.split('.').map(Number)
  const b = runtime.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x > y
  }
  return false
}

/**
 * Marks every libc version need newer than `runtimeGlibc` weak, in place.
 * Returns the versions weakened and the symbols bound to them; throws if a
 * symbol other than the shim's three depends on them.
 */
export function weakenNewGlibcNeeds(elf: Buffer, runtimeGlibc: string): { versions: string[]; symbols: string[] } {
  const all = sections(elf)
  const verneed = all.find((s) => s.type === SHT_GNU_VERNEED)
  const dynsym = all.find((s) => s.type === SHT_DYNSYM)
  const versym = all.find((s) => s.type === SHT_GNU_VERSYM)
  if (!verneed || !dynsym || !versym) throw new Error('no symbol versioning sections')
  const strtab = all[verneed.link]
  const weakened = new Map<number, string>() // version index -> name
  let need = verneed.offset
  for (let n = 0; n < verneed.info; n++) {
    const cnt = elf.readUInt16LE(need + 2)
    const file = cString(elf, strtab.offset + elf.readUInt32LE(need + 4))
    let aux = need + elf.readUInt32LE(need + 8)
    for (let k = 0; k < cnt; k++) {
      const name = cString(elf, strtab.offset + elf.readUInt32LE(aux + 8))
      const match = /^GLIBC_(\d+(?:\.\d+)*)$/.exec(name)
      if (file.startsWith('libc.so') && match && newerThan(match[1], runtimeGlibc)) {
        elf.writeUInt16LE(elf.readUInt16LE(aux + 4) | VER_FLG_WEAK, aux + 4)
        weakened.set(elf.readUInt16LE(aux + 6) & 0x7fff, name)
      }
      aux += elf.readUInt32LE(aux + 12)
    }
    need += elf.readUInt32LE(need + 12)
  }
  const symstr = all[dynsym.link]
  const count = dynsym.size / (dynsym.entsize || 24)
  const symbols: string[] = []
  for (let i = 1; i < count; i++) {
    const index = elf.readUInt16LE(versym.offset + i * 2) & 0x7fff
    if (!weakened.has(index)) continue
    const name = cString(elf, symstr.offset + elf.readUInt32LE(dynsym.offset + i * (dynsym.entsize || 24)))
    if (!SHIM_SYMBOLS.has(name)) throw new Error(`${name}@${weakened.get(index)} is needed and the shim does not provide it`)
    symbols.push(name)
  }
  return { versions: [...new Set(weakened.values())], symbols }
}

function tryLoad(file: string, env: NodeJS.ProcessEnv): { ok: boolean; error: string } {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)}).App()`], { env, encoding: 'utf8', timeout: 20_000 })
  return { ok: r.status === 0, error: (r.stderr || r.error?.message || '').trim() }
}

function glibcRuntime(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
  return report?.header?.glibcVersionRuntime
}

export function prepareUws(): UwsSetup {
  let entry: string
  try {
    entry = require.resolve('@btc-vision/uwebsockets.js')
  } catch {
    return { ok: false, reason: '@btc-vision/uwebsockets.js is not installed (npm install --save-dev @btc-vision/uwebsockets.js)' }
  }
  const binary = path.join(path.dirname(entry), `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`)
  if (!fs.existsSync(binary)) return { ok: false, reason: `no prebuilt binary ${path.basename(binary)} for this Node.js` }
  const stock = tryLoad(binary, process.env)
  if (stock.ok) return { ok: true, env: {}, note: 'stock binary' }
  const runtime = glibcRuntime()
  if (process.platform !== 'linux' || !/GLIBC_[\d.]+' not found/.test(stock.error) || !runtime) {
    return { ok: false, reason: `the binary does not load: ${stock.error.split('\n').find((l) => l.includes('Error')) ?? stock.error}` }
  }

  const elf = fs.readFileSync(binary)
  const dir = path.join(os.tmpdir(), 'fasthttp-bench-uws', createHash('sha256').update(elf).digest('hex').slice(0, 16))
  fs.mkdirSync(dir, { recursive: true })
  let weakened: { versions: string[]; symbols: string[] }
  try {
    weakened = weakenNewGlibcNeeds(elf, runtime)
  } catch (error) {
    return { ok: false, reason: `cannot patch for glibc ${runtime}: ${(error as Error).message}` }
  }
  const patched = path.join(dir, 'uws.node')
  fs.writeFileSync(patched, elf)

  const shim = path.join(dir, 'libisoc23.so')
  const cc = process.env.CC || 'cc'
  const build = spawnSync(cc, ['-std=c99', '-O2', '-shared', '-fPIC', '-o', shim, path.join(__dirname, 'isoc23.c')], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (build.status !== 0) {
    return { ok: false, reason: `cannot compile the glibc shim with ${cc}: ${(build.stderr || build.error?.message || '').trim()}` }
  }
  const env = {
    FASTHTTP_BENCH_UWS_NODE: patched,
    LD_PRELOAD: [shim, process.env.LD_PRELOAD].filter(Boolean).join(' '),
  }
  const check = tryLoad(patched, { ...process.env, ...env })
  if (!check.ok) return { ok: false, reason: `the patched binary does not load: ${check.error}` }
  return {
    ok: true,
    env,
    note: `glibc ${runtime}: ${weakened.versions.join(', ')} marked weak in a copy, shim preloaded for ${weakened.symbols.join(', ')}`,
  }
}

if (require.main === module) {
  const result = prepareUws()
  console.log(JSON.stringify(result, null, 2))
  process.exit(result.ok ? 0 : 1)
}
