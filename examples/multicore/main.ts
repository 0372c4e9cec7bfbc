// Using every core: one fasthttp server per worker thread, all on one port
// (reusePort: the kernel spreads connections over them), each with its own
// state — the counterpart of V's per-thread `make_state`.
//
//   npx tsx examples/multicore/main.ts            (PORT=3000, WORKERS=cores)
import os from 'node:os'
import path from 'node:path'
import { Worker, isMainThread, threadId, workerData, parentPort } from 'node:worker_threads'
import { newServer } from '../../index'

/** Per-worker state: built once in each worker, never shared. */
interface WorkerState {
  worker: number
  served: number
}

export function startWorkerServer(port: number) {
  const state: WorkerState = { worker: threadId, served: 0 }
  const server = newServer({
    port,
    reusePort: true,
    userData: state,
    handler: (req) => {
      const s = req.userData as WorkerState
      s.served += 1
      return `worker ${s.worker} served ${s.served} requests (${req.url})\n`
    },
  })
  return server
}

/** Starts `count` workers serving `port`; resolves once all listen. */
export async function startWorkers(port: number, count: number): Promise<Worker[]> {
  const entry = path.join(__dirname, 'worker.cjs')
  const workers = Array.from({ length: count }, () => new Worker(entry, { workerData: { port } }))
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', (message) => (message === 'listening' ? resolve() : reject(new Error(String(message)))))
          worker.once('error', reject)
        }),
    ),
  )
  return workers
}

if (!isMainThread && workerData?.port !== undefined) {
  const server = startWorkerServer(workerData.port)
  server.run().catch((error) => parentPort?.postMessage(`error: ${error.message}`))
  parentPort?.postMessage('listening')
  // The main thread asks every worker to stop gracefully.
  parentPort?.on('message', (message) => {
    if (message === 'shutdown') void server.handle().shutdown().then(() => parentPort?.close())
  })
} else if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000)
  const count = Number(process.env.WORKERS ?? os.availableParallelism())
  startWorkers(port, count).then((workers) => {
    console.log(`${workers.length} workers listening on http://localhost:${port}`)
    process.once('SIGINT', () => workers.forEach((worker) => worker.postMessage('shutdown')))
  })
}
