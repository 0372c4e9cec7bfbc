// Server-side resource use from /proc (Linux): CPU time (utime + stime of all
// threads, /proc/<pid>/stat) and peak RSS (VmHWM, /proc/<pid>/status).

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'

let clockTicks: number | undefined

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
    const n = Number(r.stdout?.trim())
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100
  }
  return clockTicks
}

/** CPU seconds the process has used so far (user + system), or NaN without /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1')
    // Fields after the command name, which sits in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / clkTck()
  } catch {
    return Number.NaN
  }
}

/** Peak resident set size in MiB (VmHWM), or NaN without /proc. */
export function peakRssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1')
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)
    return match ? Number(match[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

function cpuTotals(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0] // "cpu  user nice system idle iowait irq softirq steal ..."
  const n = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = n.reduce((a, b) => a + b, 0)
  return { busy: total - n[3] - n[4], total }
}

/** Share (0..1) of all CPUs busy over the next `ms`, from /proc/stat: to warn when other processes run. */
export async function machineBusy(ms: number): Promise<number> {
  try {
    const a = cpuTotals()
    await new Promise((resolve) => setTimeout(resolve, ms))
    const b = cpuTotals()
    return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0
  } catch {
    return 0
  }
}

/** Busy and total ticks of one CPU so far (`cpuN` in /proc/stat), or undefined. */
export function cpuTicks(cpu: number): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'latin1').split('\n').find((l) => l.startsWith(`cpu${cpu} `))
    if (!line) return undefined
    const n = line.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = n.reduce((a, b) => a + b, 0)
    return { busy: total - n[3] - n[4], total }
  } catch {
    return undefined
  }
}

/**
 * What else ran on a CPU between two `cpuTicks` readings (other processes,
 * or interrupts), in % of that CPU: its busy time minus the `serverCpuS`
 * seconds the server itself used. NaN when the CPU could not be read.
 */
export function othersPct(
  before: { busy: number; total: number } | undefined,
  after: { busy: number; total: number } | undefined,
  serverCpuS: number,
): number {
  if (!before || !after || after.total <= before.total) return Number.NaN
  return Math.max(0, ((after.busy - before.busy) / clkTck() - serverCpuS) / ((after.total - before.total) / clkTck())) * 100
}
