// Opens N keep-alive connections to 127.0.0.1:PORT, sends one GET on each,
// waits for every answer, then holds them all idle and prints `held=<n>`
// (or `failed=<reason>`). Stays until killed (at most 60 s).
import net from 'node:net'

const [port, count] = [Number(process.argv[2]), Number(process.argv[3])]
const sockets = []
let answered = 0
let opened = 0
let failed = false

function fail(reason) {
  if (failed) return
  failed = true
  process.stdout.write(`failed=${reason}\n`)
}

function openOne() {
  const socket = net.connect(port, '127.0.0.1')
  sockets.push(socket)
  socket.on('error', (error) => fail(error.code ?? error.message))
  socket.once('data', () => {
    answered += 1
    if (answered === count) process.stdout.write(`held=${answered}\n`)
  })
  socket.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n')
}

// Open in waves so the accept queue never overflows.
const timer = setInterval(() => {
  for (let i = 0; i < 250 && opened < count; i++, opened++) openOne()
  if (opened >= count) clearInterval(timer)
}, 10)
setTimeout(() => process.exit(0), 60_000)
