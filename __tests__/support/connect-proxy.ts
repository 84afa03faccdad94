// A small HTTP CONNECT proxy on 127.0.0.1, as a corporate proxy behaves for HTTPS_PROXY:
// it tunnels each CONNECT to its target and remembers the targets it was asked for.
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'

export interface ConnectProxy {
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** `host:port` of every tunnel asked for, in order. */
  readonly tunnels: string[]
  close(): Promise<void>
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = []
  const server: Server = createServer((_req, res) => res.writeHead(405).end())
  server.on('connect', (req, client, head) => {
    const target = req.url ?? ''
    tunnels.push(target)
    const at = target.lastIndexOf(':')
    const upstream = connect(Number(target.slice(at + 1)), target.slice(0, at), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
