// The second example of V's fasthttp README, translated: the handler returns
// only a body; fasthttp wraps it in a `200 OK` with Content-Length and a
// Content-Type sniffed from the body (text, HTML or JSON).
import { newServer, type HttpRequest } from '../index'

function myHandler(req: HttpRequest): Uint8Array {
  const method = req.buffer.toString('latin1', req.method.start, req.method.start + req.method.len)
  const path = req.buffer.toString('latin1', req.path.start, req.path.start + req.path.len)
  switch (method) {
    case 'GET':
      if (path === '/') return Buffer.from('Home page')
      if (path === '/html') return Buffer.from('</html>')
      if (path === '/json') return Buffer.from('{"message": "success"}')
      break
    case 'POST':
      if (path === '/api/data') return Buffer.from('Data received')
      break
  }
  return Buffer.from('404 Not Found')
}

export function createServer(port = Number(process.env.PORT ?? 3000)) {
  return newServer({ port, handler: myHandler })
}

if (require.main === module) {
  const server = createServer()
  console.log(`Server listening on http://localhost:${server.config.port}`)
  server.run().catch((err) => console.error(`error: ${err}`))
}
