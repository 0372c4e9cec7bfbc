// fasthttp in worker_threads and node:cluster: several servers sharing one port
// with reusePort, a worker terminated without shutdown, the addon loaded and
// unloaded by workers in turn. Workers run the compiled package (index.js)
// through the fixtures in __test__/fixtures/worker-*.cjs.
import test, { type ExecutionContext } from 'ava'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { newServer } from '../index'
import { RawClient, connectError, rawExchange, serve, sleep, splitResponses, within } from './helpers'

const WORKER_FIXTURE = path.join(__dirname, 'fixtures', 'worker-server.cjs')
const CLUSTER_FIXTURE = path.join(__dirname, 'fixtures', 'worker-cluster-primary.cjs')

type WorkerMessage =
  | { type: 'listening'; port: number; threadId: number }
  | { type: 'error'; message: string }
  | { type: 'stopped'; served: number }

interface RunningWorker {
  worker: Worker
  port: number
  threadId: number
  /** Resolves with the exit code. */
  exited: Promise<number>
  /** Every message the worker posted, in order. */
  messages: WorkerMessage[]
  /** Asks the fixture to shut its server down; resolves once it reports 'stopped'. */
  shutdown(): Promise<void>
}

/** Starts the fixture server in a worker thread and waits until it listens. Terminated at teardown if still alive. */
async function startWorker(
  t: ExecutionContext,
  workerData: { port: number; label: string; reusePort?: boolean; ioThreads?: number },
): Promise<RunningWorker> {
  // execArgv: [] keeps tsx (ava's --import) out of the worker: it runs plain CJS.
  const worker = new Worker(WORKER_FIXTURE, { workerData, execArgv: [] })
  let exitCode: number | undefined
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => resolve((exitCode = code))))
  const errors: unknown[] = []
  worker.on('error', (error) => errors.push(error))
  t.teardown(async () => {
    if (exitCode === undefined) await within(worker.terminate(), 5000, 'terminate at teardown').catch(() => {})
  })
  const messages: WorkerMessage[] = []
  const waiters: Array<(m: WorkerMessage) => void> = []
  worker.on('message', (message: WorkerMessage) => {
    messages.push(message)
    for (const w of waiters.splice(0)) w(message)
  })
  const next = (type: WorkerMessage['type'], label: string) =>
    within(
      new Promise<WorkerMessage>((resolve, reject) => {
        const found = messages.find((m) => m.type === type || m.type === 'error')
        const settle = (m: WorkerMessage) => (m.type === 'error' ? reject(new Error(`worker ${workerData.label}: ${m.message}`)) : resolve(m))
        if (found) return settle(found)
        const wait = (m: WorkerMessage) => (m.type === type || m.type === 'error' ? settle(m) : waiters.push(wait))
        waiters.push(wait)
        exited.then((code) => reject(new Error(`worker ${workerData.label} exited (${code}) before '${type}': ${errors.map(String).join('; ')}`)))
      }),
      10_000,
      `worker ${workerData.label}: ${label}`,
    )
  const listening = (await next('listening', 'listening')) as Extract<WorkerMessage, { type: 'listening' }>
  return {
    worker,
    port: listening.port,
    threadId: listening.threadId,
    exited,
    messages,
    shutdown: async () => {
      worker.postMessage('shutdown')
      await next('stopped', 'stopped after shutdown')
    },
  }
}

/** One request on a fresh connection (Connection: close); resolves the body. */
async function getOnce(port: number, target = '/'): Promise<string> {
  const { data } = await within(rawExchange(port, [`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`], { idleMs: 3000 }), 5000, `GET ${target}`)
  const responses = splitResponses(data)
  if (responses.length !== 1 || responses[0].status !== 200) throw new Error(`unexpected answer: ${JSON.stringify(data)}`)
  return responses[0].body
}

/** `count` requests, each on its own connection, `parallel` at a time; resolves how often each body came back. */
async function spread(port: number, count: number, parallel = 20): Promise<Map<string, number>> {
  const seen = new Map<string, number>()
  let started = 0
  const lane = async () => {
    while (started < count) {
      started += 1
      const body = await getOnce(port)
      seen.set(body, (seen.get(body) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
  return seen
}

/** Binds a plain (no reusePort) server in this thread on `port`, serves one request, stops it. */
async function mainThreadServes(t: ExecutionContext, port: number, label: string): Promise<void> {
  const { server, stopped } = await serve(t, { port, handler: () => label })
  t.is(await getOnce(server.port), label, `the main thread serves on port ${server.port}`)
  await within(server.handle().shutdown(), 3000, 'main-thread shutdown')
  await within(stopped, 3000, 'main-thread run()')
}

// --- reusePort across worker threads -------------------------------------------------------

test('two worker threads with reusePort: true on one port both start, and 200 connections reach both', async (t) => {
  const a = await startWorker(t, { port: 0, label: 'A', reusePort: true })
  const b = await startWorker(t, { port: a.port, label: 'B', reusePort: true })
  t.is(b.port, a.port)
  t.not(a.threadId, b.threadId)

  const seen = await spread(a.port, 200)
  t.deepEqual([...seen.keys()].sort().filter((k) => k !== 'A' && k !== 'B'), [], 'every answer comes from one of the two workers')
  t.is((seen.get('A') ?? 0) + (seen.get('B') ?? 0), 200)
  // The kernel hashes each connection to one socket of the group: with 200
  // connections all landing on one of two is a ~2^-199 event.
  t.true((seen.get('A') ?? 0) >= 1, `worker A answered ${seen.get('A') ?? 0} of 200`)
  t.true((seen.get('B') ?? 0) >= 1, `worker B answered ${seen.get('B') ?? 0} of 200`)
  t.log(`answers: A ${seen.get('A') ?? 0}, B ${seen.get('B') ?? 0}`)

  // When one leaves, the other keeps serving the port alone; then both exit on their own.
  await a.shutdown()
  t.is(await within(a.exited, 5000, 'worker A exits on its own'), 0)
  const after = await spread(a.port, 20, 5)
  t.deepEqual([...after.keys()], ['B'])
  await b.shutdown()
  t.is(await within(b.exited, 5000, 'worker B exits on its own'), 0)
  t.is(await connectError(a.port), 'ECONNREFUSED')
})

test('three workers and the main thread each run a server at the same time', async (t) => {
  const workers = await Promise.all(['W1', 'W2', 'W3'].map((label) => startWorker(t, { port: 0, label })))
  const main = await serve(t, { handler: () => 'MAIN' })
  const ports = new Set([main.port, ...workers.map((w) => w.port)])
  t.is(ports.size, 4, 'four distinct ports')
  const bodies = await Promise.all([main.port, ...workers.map((w) => w.port)].map((port) => getOnce(port)))
  t.deepEqual(bodies, ['MAIN', 'W1', 'W2', 'W3'])
  await Promise.all(workers.map((w) => w.shutdown()))
  const codes = await within(Promise.all(workers.map((w) => w.exited)), 5000, 'workers exit on their own')
  t.deepEqual(codes, [0, 0, 0])
  t.is(await getOnce(main.port), 'MAIN', 'the main-thread server is untouched')
})

// --- worker.terminate() without shutdown --------------------------------------------------------

test('worker.terminate() without shutdown: no crash here, its connections close, the port is freed', async (t) => {
  const w = await startWorker(t, { port: 0, label: 'T' })
  const port = w.port
  t.is(await getOnce(port), 'T')

  // An idle keep-alive connection and one with a request the handler never answers.
  const idle = await RawClient.connect(port)
  const hanging = await RawClient.connect(port)
  t.teardown(() => {
    idle.close()
    hanging.close()
  })
  await idle.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n')
  t.is((await idle.readResponse()).body, 'T')
  await hanging.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n')
  await sleep(100)

  const code = await within(w.worker.terminate(), 5000, 'terminate()')
  t.is(code, 1, 'terminate() reports exit code 1')
  t.is(await within(w.exited, 2000, 'exit event'), 1)
  t.false(w.messages.some((m) => m.type === 'error'), JSON.stringify(w.messages))

  t.true(await idle.waitForEnd(3000), 'the idle keep-alive connection is closed')
  t.true(await hanging.waitForEnd(3000), 'the connection with an unanswered request is closed')
  t.is(hanging.pending, '', 'no response was invented for the unanswered request')
  t.is(await connectError(port), 'ECONNREFUSED', 'nothing listens on the port any more')

  // The port can be bound again (without reusePort) and this process is healthy.
  await mainThreadServes(t, port, 'rebound')
})

test('worker.terminate() while clients hammer its server: no crash here, the port is freed', async (t) => {
  const w = await startWorker(t, { port: 0, label: 'L', ioThreads: 2 })
  const port = w.port
  let stop = false
  let ok = 0
  let failed = 0
  const lane = async () => {
    while (!stop) {
      try {
        const { data } = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { idleMs: 1000 })
        if (data.includes('\r\n\r\nL')) ok += 1
      } catch {
        failed += 1 // ECONNRESET / ECONNREFUSED once the worker is gone
        await sleep(5)
      }
    }
  }
  const lanes = Array.from({ length: 16 }, lane)
  await sleep(300)
  const code = await within(w.worker.terminate(), 5000, 'terminate() under load')
  t.is(code, 1)
  await sleep(200)
  stop = true
  await within(Promise.all(lanes), 10_000, 'client lanes finish')
  t.true(ok > 0, `requests answered before terminate: ${ok}`)
  t.log(`answered ${ok}, failed after terminate ${failed}`)
  t.is(await connectError(port), 'ECONNREFUSED')
  await mainThreadServes(t, port, 'after load')
})

// --- the addon loaded and unloaded by workers in turn ---------------------------------------------

test('five workers in turn each load the addon, serve, shut down and exit on their own; this process stays healthy', async (t) => {
  const ports: number[] = []
  for (let i = 0; i < 5; i++) {
    const label = `seq${i}`
    const w = await startWorker(t, { port: 0, label, ioThreads: 1 + (i % 2) })
    ports.push(w.port)
    t.is(await getOnce(w.port), label)
    t.is(await getOnce(w.port, '/again'), label)
    await w.shutdown()
    t.is(await within(w.exited, 5000, `${label} exits on its own after shutdown`), 0)
    t.is(await connectError(w.port), 'ECONNREFUSED', `${label}'s port is closed`)
  }
  t.log(`ports: ${ports.join(', ')}`)
  // Loaded again after every worker that loaded it is gone:
  await mainThreadServes(t, 0, 'main after workers')
  const reused = newServer({ port: ports[0], host: '127.0.0.1', handler: () => 'first port again' })
  const stopped = reused.run()
  await within(reused.handle().waitTillRunning(), 3000, 'rebind the first worker port')
  t.is(await getOnce(ports[0]), 'first port again')
  await within(reused.handle().shutdown(), 3000, 'shutdown')
  await within(stopped, 3000, 'run()')
})

// --- node:cluster ------------------------------------------------------------------------------

test('node:cluster: two cluster workers serve one port with reusePort, both answer, and all exit on their own', async (t) => {
  const child = spawn(process.execPath, [CLUSTER_FIXTURE], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let workerPids: number[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    for (const pid of workerPids) {
      try {
        process.kill(pid, 0)
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
  const waitFor = (pattern: RegExp, ms: number, label: string) =>
    within(
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout)
          if (match) resolve(match)
          else if (/FAILED/.test(stdout)) reject(new Error(`cluster primary: ${stdout} ${stderr}`))
        }
        check()
        child.stdout.on('data', check)
        exited.then(() => setTimeout(() => (check(), reject(new Error(`primary exited: ${stdout} ${stderr}`))), 50))
      }),
      ms,
      `${label} (stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)})`,
    )

  const ready = await waitFor(/READY (\d+) (\d+),(\d+)/, 15_000, 'cluster ready')
  const port = Number(ready[1])
  workerPids = [Number(ready[2]), Number(ready[3])]
  t.not(workerPids[0], workerPids[1])

  const seen = await spread(port, 200)
  const expected = workerPids.map((pid) => `pid ${pid}`)
  t.deepEqual([...seen.keys()].filter((k) => !expected.includes(k)), [], 'every answer comes from a cluster worker')
  for (const body of expected) t.true((seen.get(body) ?? 0) >= 1, `${body} answered ${seen.get(body) ?? 0} of 200`)
  t.log(`answers: ${expected.map((b) => `${b}: ${seen.get(b) ?? 0}`).join(', ')}`)

  child.stdin.write('stop\n')
  const done = await waitFor(/EXITED (\S+)/, 10_000, 'cluster workers exit')
  t.is(done[1], '0,0', 'both cluster workers exit with code 0 on their own')
  const { code, signal } = await within(exited, 5000, 'cluster primary exits')
  t.is(signal, null)
  t.is(code, 0, stderr)
  t.is(await connectError(port), 'ECONNREFUSED')
})
