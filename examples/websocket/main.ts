// A WebSocket echo server on fasthttp: the upgrade request is taken over
// (takeoverMode: 'manual') and handed to the `ws` package's handleUpgrade.
//   npx tsx examples/websocket/main.ts    then connect to ws://localhost:3000/echo
import type net from 'node:net'
import { WebSocketServer } from 'ws'
import { newServer, type HttpRequest } from '../../index'

export function createEchoServer(port: number) {
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })))

  // `ws` reads the method, url and lower-cased headers of the upgrade request.
  function upgradeRequest(req: HttpRequest) {
    const headers: Record<string, string> = {}
    for (const [name, value] of req.headerEntries()) headers[name.toLowerCase()] = value
    return { method: req.methodName, url: req.url, headers }
  }

  return newServer({
    port,
    handler: (req) => {
      if (req.pathname !== '/echo' || req.header('upgrade')?.toLowerCase() !== 'websocket') {
        return { status: 426, headers: { Upgrade: 'websocket' }, body: 'WebSocket only at /echo\n' }
      }
      const request = upgradeRequest(req)
      return {
        takeoverMode: 'manual',
        onTakeover: (socket: net.Socket, head: Buffer) => {
          // `ws` writes the 101 answer itself.
          wss.handleUpgrade(request as never, socket, head, (ws) => wss.emit('connection', ws, request))
        },
      }
    },
  })
}

if (require.main === module) {
  const server = createEchoServer(Number(process.env.PORT ?? 3000))
  server.run().catch((err) => console.error(`error: ${err}`))
  console.log(`WebSocket echo on ws://localhost:${server.port}/echo`)
}
