// The multi-core recipe (examples/multicore): one server per worker thread on
// one port, each with its own state.
import test from 'ava'
import net from 'node:net'
import { startWorkers } from '../examples/multicore/main'

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => probe.once('listening', resolve))
  const port = (probe.address() as net.AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return port
}

test('two worker threads share one port, each counting in its own state', async (t) => {
  const port = await freePort()
  const workers = await startWorkers(port, 2)
  t.teardown(async () => {
    await Promise.all(
      workers.map((worker) => new Promise((resolve) => {
        worker.once('exit', resolve)
        worker.postMessage('shutdown')
      })),
    )
  })
  const counts = new Map<string, number>()
  for (let i = 0; i < 200; i++) {
    // A new connection each time, so the kernel picks a worker each time.
    const res = await fetch(`http://127.0.0.1:${port}/r${i}`, { headers: { connection: 'close' } })
    const match = /^worker (\d+) served (\d+) requests/.exec(await res.text())
    t.truthy(match)
    const [, worker, served] = match!
    t.is(Number(served), (counts.get(worker) ?? 0) + 1, 'each worker counts only its own requests')
    counts.set(worker, Number(served))
  }
  t.is(counts.size, 2, `both workers answered: ${JSON.stringify([...counts])}`)
})
