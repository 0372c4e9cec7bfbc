// This process and others: open descriptors, memory, child processes.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { within } from './wait'

/**
 * Open file descriptors of this process, where the OS lists them
 * (/proc/self/fd on Linux, /dev/fd on macOS and the BSDs).
 */
export function openFdCount(): number {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return fs.readdirSync(dir).length
    } catch {
      // not this OS
    }
  }
  throw new Error('no way to count open descriptors here')
}

/** Tests that need descriptor counting or Unix sockets handed to JS: a visible skip on Windows. */
export const unixTest = process.platform === 'win32' ? test.skip : test

/** Tests of Linux-only socket options (`deferAccept`): a visible skip elsewhere. */
export const linuxTest = process.platform === 'linux' ? test : test.skip

export interface ListeningProcess {
  port: number
  stdout(): string
  stderr(): string
  /** Writes a line to the process's stdin. */
  send(line: string): void
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts `bin args` and waits (up to `timeoutMs`) for `PORT <n>` on its
 * stdout; killed at teardown if still alive.
 */
export async function spawnListening(
  t: ExecutionContext,
  bin: string,
  args: string[],
  { env = {}, cwd, timeoutMs = 10_000 }: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ListeningProcess> {
  const child = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const name = path.basename(bin)
  const port = await within(
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const match = /PORT (\d+)/.exec(stdout)
        if (match) resolve(Number(match[1]))
      }
      check()
      child.stdout.on('data', check)
      child.on('error', reject)
      exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`)))
    }),
    timeoutMs,
    `${name} listening`,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`)
  })
  return { port, stdout: () => stdout, stderr: () => stderr, send: (line) => child.stdin.write(`${line}\n`), exited }
}

/**
 * Runs Node with `args` (a script and its arguments, or `-e` and code) and
 * resolves with the JSON it prints on stdout; rejects with its stderr when it
 * exits with another code than 0. Clients run this way send while the test's
 * own thread is busy serving.
 */
export function jsonFromChild<T>(args: string[], name: string): Promise<T> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let errors = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (errors += d))
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`${name} exited with ${code}: ${errors}`)
    return JSON.parse(output) as T
  })
}

/** This process's resident memory, in bytes. */
export function rss(): number {
  return process.memoryUsage().rss
}

/**
 * Runs `work` while sampling this process's RSS every `everyMs`, and resolves
 * with its result and how far RSS rose above where it started (in MiB).
 */
export async function rssGrowthWhile<T>(work: () => Promise<T>, everyMs = 10): Promise<{ result: T; grewMiB: number }> {
  global.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs)
  try {
    const result = await work()
    return { result, grewMiB: (Math.max(peak, process.memoryUsage().rss) - before) / (1024 * 1024) }
  } finally {
    clearInterval(sampler)
  }
}
