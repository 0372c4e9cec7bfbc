// Clients that leave while their answer is pending. The engine says so only
// for a streamed answer; for one still being prepared (an async handler, a
// long poll) each pending request's socket is looked at now and then with a
// non-blocking peek (`socketPeerClosed`, which takes nothing from the engine).

interface Watched {
  /** Whether the client has gone (a peek), or undefined when that cannot be told. */
  _peerGone(): boolean | undefined
  /** The client has gone. */
  _clientLeft(): void
}

/** How often pending answers look at their client. */
const EVERY_MS = 250

const pending = new Set<Watched>()
let timer: ReturnType<typeof setInterval> | undefined

export function watch(socket: Watched): void {
  pending.add(socket)
  if (timer === undefined) {
    timer = setInterval(sweep, EVERY_MS)
    timer.unref()
  }
}

export function unwatch(socket: Watched): void {
  pending.delete(socket)
}

function sweep(): void {
  for (const socket of pending) {
    if (socket._peerGone() === true) {
      pending.delete(socket)
      socket._clientLeft()
    }
  }
  if (pending.size === 0 && timer !== undefined) {
    clearInterval(timer)
    timer = undefined
  }
}
