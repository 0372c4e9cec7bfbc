// The autocannon fallback, run as its own process (pinned like wrk) by
// benchmark/run.ts. argv[2] is a JSON object of autocannon options; prints one
// `AUTOCANNON_RESULT {...}` line.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')

const options = JSON.parse(process.argv[2])
autocannon(options, (error, result) => {
  if (error) {
    console.error(error)
    process.exit(1)
  }
  const out = {
    requests: result.requests.total,
    duration_s: result.duration,
    bytes: result.throughput.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
  }
  process.stdout.write(`AUTOCANNON_RESULT ${JSON.stringify(out)}\n`)
})
