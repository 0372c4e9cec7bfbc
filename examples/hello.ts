// The first example of V's fasthttp README, translated: the handler builds a
// whole HTTP response (status line, headers, body) and fasthttp sends it as is.
import { newServer, type HttpRequest } from '../index'

function handleRequest(req: HttpRequest): Uint8Array {
  const path = req.buffer.toString('latin1', req.path.start, req.path.start + req.path.len)
  let body: string
  let statusLine: string
  if (path === '/') {
    body = 'Hello, World!\n'
    statusLine = 'HTTP/1.1 200 OK'
  } else {
    body = `${path} not found\n`
    statusLine = 'HTTP/1.1 404 Not Found'
  }
  const headers = [statusLine, 'Content-Type: text/plain', `Content-Length: ${body.length}`, 'Connection: close']
  const headerString = headers.join('\r\n')
  return Buffer.from(`${headerString}\r\n\r\n${body}`)
}

export function createServer(port = Number(process.env.PORT ?? 3000)) {
  return newServer({ port, handler: handleRequest })
}

if (require.main === module) {
  let server
  try {
    server = createServer()
  } catch (err) {
    console.error(`Failed to create server: ${err}`)
    process.exit(1)
  }
  console.log(`Server listening on http://localhost:${server.config.port}`)
  server.run().catch((err) => console.error(`error: ${err}`))
}
