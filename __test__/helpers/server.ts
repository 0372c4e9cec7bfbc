// Servers for tests: started on a free port of 127.0.0.1, stopped at teardown.
import type { ExecutionContext } from 'ava'
import { newServer, type Server, type ServerConfig } from '../../index'
import { within } from './wait'

export async function startServer(config: Omit<ServerConfig, 'port'> & { port?: number }): Promise<{ server: Server; port: number; stopped: Promise<void> }> {
  const server = newServer({ port: 0, host: '127.0.0.1', ...config })
  const stopped = server.run()
  await server.handle().waitTillRunning()
  return { server, port: server.port, stopped }
}

/** Stops `server` when the test ends, whatever happened (bounded). */
export function stopAtTeardown(t: ExecutionContext, server: Server, stopped?: Promise<void>): void {
  t.teardown(async () => {
    await within(server.handle().shutdown({ timeoutMs: 2000 }), 4000, 'teardown shutdown').catch(() => {})
    if (stopped) await within(stopped, 4000, 'teardown run()').catch(() => {})
  })
}

/** startServer + teardown registration. */
export async function serve(t: ExecutionContext, config: Omit<ServerConfig, 'port'> & { port?: number }) {
  const started = await startServer(config)
  stopAtTeardown(t, started.server, started.stopped)
  return started
}

/** Runs an already created server (e.g. from an example), registers teardown, waits until it listens. */
export async function runCreated(t: ExecutionContext, server: Server): Promise<{ port: number; stopped: Promise<void> }> {
  const stopped = server.run()
  stopped.catch(() => {})
  stopAtTeardown(t, server, stopped)
  await server.handle().waitTillRunning()
  return { port: server.port, stopped }
}
