// Worker entry of examples/multicore: loads main.ts (through tsx when the
// example runs from source), which starts this worker's server.
try {
  require('tsx/cjs/api').register()
} catch {
  // compiled to JavaScript: nothing to register
}
require('./main')
