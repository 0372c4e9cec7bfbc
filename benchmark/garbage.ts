// JavaScript garbage per request, in the steady state: each server runs in
// its own process under `node --trace-gc-nvp` (V8 prints one line per
// collection with `allocated=<bytes since the previous one>`), pinned to CPU
// 0, under wrk on CPU 1 (keep-alive, 64 connections). After a warm-up, the
// bytes V8 reports allocated during the measured window divided by the
// requests wrk completed is the garbage per request; scavenges (minor GCs)
// are counted per million requests.
//
//   npx tsx benchmark/garbage.ts [--duration S] [--servers fasthttp,fetch,...]
//
// Part of `npm run bench` (its "garbage" section). Bytes outside V8's heap
// (native buffers) are not counted here: they do not make the GC run.

import path from 'node:path'
import { parseFlags, pickByName } from './lib/args'
import { runLoad, wrkVersion } from './lib/loadgen'
import { SERVERS_DIR, runDriver, startServer } from './lib/servers'
import { prepareUws } from './uws-shim/setup'

interface GarbageServer {
  name: string
  label: string
  script: string
  /** The environment the server needs, or why it cannot run here. */
  env?: () => Record<string, string>
}

/** The JavaScript layers whose garbage matters: only Node servers have a V8 heap to trace. */
export const GARBAGE_SERVERS: GarbageServer[] = [
  { name: 'fasthttp', label: 'fasthttp (raw API)', script: 'fasthttp.mjs' },
  { name: 'fasthttp-threaded', label: 'fasthttp (inlineTurns: false)', script: 'fasthttp.mjs', env: () => ({ FASTHTTP_BENCH_INLINE_TURNS: '0' }) },
  { name: 'fetch', label: 'fasthttp/fetch (Hono)', script: 'hono-fasthttp.mjs' },
  { name: 'compat', label: 'fasthttp/node (bare createServer)', script: 'node-compat-app.mjs', env: () => ({ NODE_COMPAT_IMPL: 'fasthttp', NODE_COMPAT_APP: 'bare' }) },
  { name: 'node', label: 'node:http', script: 'node.mjs' },
  {
    name: 'uws',
    label: 'uWebSockets.js',
    script: 'uws.mjs',
    env: () => {
      const setup = prepareUws()
      if (!setup.ok) throw new Error(setup.reason)
      return setup.env
    },
  },
]

export interface GarbageResult {
  label: string
  requests: number
  bytesPerRequest: number
  scavengesPerMillion: number
  markCompacts: number
}

/** Sums what V8's `--trace-gc-nvp` lines report. */
class GcTally {
  allocated = 0
  scavenges = 0
  markCompacts = 0
  private partial = ''

  feed(chunk: string): void {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) {
      const allocated = /\ballocated=(\d+)/.exec(line)
      if (!allocated) continue
      this.allocated += Number(allocated[1])
      if (/\bgc=s\b/.test(line)) this.scavenges++
      else this.markCompacts++
    }
  }
}

export async function measureGarbage(server: GarbageServer, durationS: number, warmupS: number): Promise<GarbageResult> {
  const argv = [process.execPath, '--trace-gc-nvp', path.join(SERVERS_DIR, server.script)]
  const running = await startServer(argv, server.env?.() ?? {}, 0)
  try {
    const load = { port: running.port, path: '/', connections: 64, depth: 1, bodyBytes: 0, close: false }
    await runLoad('wrk', { ...load, durationS: warmupS }, 1)
    const tally = new GcTally()
    const onData = (chunk: string) => tally.feed(chunk)
    running.child.stdout!.on('data', onData)
    const result = await runLoad('wrk', { ...load, durationS }, 1)
    running.child.stdout!.off('data', onData)
    return {
      label: server.label,
      requests: result.requests,
      bytesPerRequest: tally.allocated / Math.max(1, result.requests),
      scavengesPerMillion: (tally.scavenges * 1e6) / Math.max(1, result.requests),
      markCompacts: tally.markCompacts,
    }
  } finally {
    await running.stop()
  }
}

export function garbageTable(results: GarbageResult[]): string {
  const lines = ['| server | requests | JS bytes allocated / request | scavenges / million requests | mark-compacts |', '|---|---:|---:|---:|---:|']
  for (const r of results) {
    lines.push(`| ${r.label} | ${r.requests} | ${r.bytesPerRequest.toFixed(0)} | ${r.scavengesPerMillion.toFixed(0)} | ${r.markCompacts} |`)
  }
  return lines.join('\n')
}

const HELP = `Usage: npx tsx benchmark/garbage.ts [--duration S] [--servers ${GARBAGE_SERVERS.map((s) => s.name).join(',')}]`

async function main(): Promise<void> {
  let durationS = 5
  let servers = GARBAGE_SERVERS.filter((s) => s.name !== 'fasthttp-threaded')
  parseFlags(process.argv.slice(2), HELP, (flag, arg) => {
    if (flag === '--duration') durationS = arg.number(1)
    else if (flag === '--servers') servers = pickByName(GARBAGE_SERVERS, arg.value(), flag)
    else return false
    return true
  })
  if (!wrkVersion()) throw new Error('wrk is required (apt-get install wrk)')
  const results: GarbageResult[] = []
  for (const server of servers) {
    try {
      results.push(await measureGarbage(server, durationS, 1))
    } catch (error) {
      console.error(`${server.label}: ${(error as Error).message}`)
    }
  }
  console.log(garbageTable(results))
}

if (require.main === module) runDriver('garbage bench', main)
