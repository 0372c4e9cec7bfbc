// Clients that leave while their answer is pending. The engine says so only
// for a streamed answer; for one still being prepared (an async handler, a
// long poll) each pending request's socket is looked at now and then with a
// non-blocking peek (`socketPeerClosed`, which takes nothing from the engine).
//
// The pending sockets form an intrusive doubly linked list (fields on the
// socket itself): adding and removing allocate nothing. A Set here cost an
// async answer ~5 µs (its rehashing and the identity hashes it gives each
// socket kept the collector busy: 45% of the time in a micro-benchmark).

export interface Watched {
  /** Whether the client has gone (a peek), or undefined when that cannot be told. */
  _peerGone(): boolean | undefined
  /** The client has gone. */
  _clientLeft(): void
  _watchPrev: Watched | null
  _watchNext: Watched | null
  _watched: boolean
}

/** How often pending answers look at their client. */
const EVERY_MS = 250

let head: Watched | null = null
let timer: ReturnType<typeof setInterval> | undefined

export function watch(socket: Watched): void {
  if (socket._watched) return
  socket._watched = true
  socket._watchPrev = null
  socket._watchNext = head
  if (head !== null) head._watchPrev = socket
  head = socket
  if (timer === undefined) {
    timer = setInterval(sweep, EVERY_MS)
    timer.unref()
  }
}

export function unwatch(socket: Watched): void {
  if (!socket._watched) return
  socket._watched = false
  const prev = socket._watchPrev
  const next = socket._watchNext
  if (prev !== null) prev._watchNext = next
  else head = next
  if (next !== null) next._watchPrev = prev
  socket._watchPrev = null
  socket._watchNext = null
}

function sweep(): void {
  let socket = head
  while (socket !== null) {
    const next = socket._watchNext
    if (socket._peerGone() === true) {
      unwatch(socket)
      socket._clientLeft()
    }
    socket = next
  }
  if (head === null && timer !== undefined) {
    clearInterval(timer)
    timer = undefined
  }
}
