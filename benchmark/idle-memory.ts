// 10,000 idle keep-alive connections: how much memory each server needs to
// hold them (VmRSS after all are answered and idle, minus VmRSS before).
//   npx tsx benchmark/idle-memory.ts [--connections 10000] [--servers fasthttp,node]
// Also run by `npm run bench` (benchmark/run.ts).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { SERVERS, startServer } from './lib/servers'

export interface IdleResult {
  label: string
  rssBeforeMiB: number
  rssHeldMiB: number
  perConnectionKiB: number
  error?: string
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kib / 1024
}

function holdConnections(port: number, count: number): Promise<{ stop: () => void; error?: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'loadgen', 'idle-clients.mjs'), String(port), String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const stop = () => child.kill('SIGKILL')
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ stop, error: 'timed out opening connections' }), 45_000)
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (line: string) => {
      if (line.startsWith('held=')) {
        clearTimeout(timer)
        resolve({ stop })
      } else if (line.startsWith('failed=')) {
        clearTimeout(timer)
        resolve({ stop, error: line.trim() })
      }
    })
  })
}

export async function runIdleMemory(connections: number, names: string[]): Promise<{ results: IdleResult[]; markdown: string }> {
  const results: IdleResult[] = []
  for (const spec of SERVERS.filter((s) => names.includes(s.name))) {
    const prepared = spec.prepare()
    if (!prepared.ok) continue
    const server = await startServer(prepared.argv, prepared.env, undefined)
    try {
      await new Promise((r) => setTimeout(r, 500))
      const before = rssMiB(server.pid)
      const held = await holdConnections(server.port, connections)
      await new Promise((r) => setTimeout(r, 1000))
      const during = rssMiB(server.pid)
      held.stop()
      results.push({
        label: spec.label,
        rssBeforeMiB: before,
        rssHeldMiB: during - before,
        perConnectionKiB: ((during - before) * 1024) / connections,
        error: held.error,
      })
    } finally {
      await server.stop()
    }
  }
  const fast = results.find((r) => r.label === 'fasthttp')
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${r.rssBeforeMiB.toFixed(1)} MiB | ${r.error ? `(${r.error})` : `+${r.rssHeldMiB.toFixed(1)} MiB`} | ${r.perConnectionKiB.toFixed(2)} KiB | ${fast && r !== fast && !r.error ? `${(r.rssHeldMiB / fast.rssHeldMiB).toFixed(2)}×` : '—'} |`,
  )
  const markdown = [
    `| server | RSS before | RSS added by ${connections.toLocaleString('en')} idle keep-alive connections | per connection | peer ÷ fasthttp |`,
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n')
  return { results, markdown }
}

if (require.main === module) {
  const args = process.argv.slice(2)
  const value = (flag: string, fallback: string) => {
    const i = args.indexOf(flag)
    return i >= 0 ? args[i + 1] : fallback
  }
  const connections = Number(value('--connections', '10000'))
  const names = value('--servers', 'fasthttp,node,fastify,uws,bun').split(',')
  runIdleMemory(connections, names).then(({ markdown }) => console.log(markdown))
}
