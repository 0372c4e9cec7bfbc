// What every peer server answers, so the comparison is like for like:
//   GET  /       -> 200, text/plain, the 13-byte body `Hello, World!`
//   POST /post   -> reads the whole request body, then the same 13-byte answer
//   GET  /64k    -> 200, text/plain, a 65,536-byte body
//   GET  /async  -> the 13-byte answer from an async handler (one await)
// Every server listens on 127.0.0.1, port 0 (a free one), and prints
// `port=<n>` on stdout once it is listening; the runner reads that line.
export const HELLO = 'Hello, World!'
export const BIG = Buffer.alloc(64 * 1024, 'x')
export const TEXT_PLAIN = 'text/plain; charset=utf-8'

/** For the fairness scenario: `GET /slow5` answers after a 5 ms wait. */
export const SLOW_MS = 5
export const slow = () => new Promise((resolve) => setTimeout(resolve, SLOW_MS))

export function announce(port) {
  process.stdout.write(`port=${port}\n`)
}

export function listenHost() {
  return process.env.BENCH_HOST || '127.0.0.1'
}
