// Small HTTP servers on 127.0.0.1 that inject the faults a real nginx cannot:
// 5xx then success, a hang, a reset connection, flapping, 403. Each request is
// answered by a per-path script of replies (the last one repeats), and recorded.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type Reply =
  /** 200 with this body. */
  | { readonly kind: 'body'; readonly body: string }
  /** 200 with a file's bytes, read at request time. */
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'status'; readonly status: number }
  /** Accepts the request and never answers. */
  | { readonly kind: 'hang' }
  /** Drops the connection without an answer (a crashing or restarting server). */
  | { readonly kind: 'reset' }

export const body = (text: string): Reply => ({ kind: 'body', body: text })
export const file = (path: string): Reply => ({ kind: 'file', path })
export const status = (code: number): Reply => ({ kind: 'status', status: code })
export const hang: Reply = { kind: 'hang' }
export const reset: Reply = { kind: 'reset' }

export interface SeenRequest {
  readonly path: string
  readonly authorization: string | undefined
  readonly reply: Reply['kind']
  readonly status?: number
}

export interface FaultServer {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly requests: SeenRequest[]
  /** Requests seen for one path. */
  count(path: string): number
  /** Replaces the script of a path (its request count starts again). */
  script(path: string, replies: readonly Reply[]): void
  close(): Promise<void>
}

/**
 * Starts a server answering `scripts[path][n]` to the n-th request for that path
 * (the last reply repeats); other paths get the script of `*`, if any, else 404.
 */
export async function startFaultServer(
  scripts: Readonly<Record<string, readonly Reply[]>>
): Promise<FaultServer> {
  const table = new Map<string, readonly Reply[]>(Object.entries(scripts))
  const counts = new Map<string, number>()
  const requests: SeenRequest[] = []
  const sockets = new Set<Socket>()

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const n = counts.get(path) ?? 0
    counts.set(path, n + 1)
    const replies = table.get(path) ?? table.get('*')
    const reply: Reply = replies ? (replies[Math.min(n, replies.length - 1)] as Reply) : status(404)
    const seen = { path, authorization: req.headers.authorization, reply: reply.kind }
    switch (reply.kind) {
      case 'hang':
        requests.push(seen)
        return
      case 'reset':
        requests.push(seen)
        req.socket.destroy()
        return
      case 'status':
        requests.push({ ...seen, status: reply.status })
        res
          .writeHead(reply.status, { 'content-type': 'text/plain' })
          .end(`fault server: ${reply.status}\n`)
        return
      case 'body':
      case 'file': {
        requests.push({ ...seen, status: 200 })
        // bytes as they are: a file may be a binary (a release download)
        const content = reply.kind === 'body' ? reply.body : readFileSync(reply.path)
        res.writeHead(200, { 'content-type': 'application/yaml' }).end(content)
        return
      }
    }
  }

  const server = createServer(answer)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (path) => counts.get(path) ?? 0,
    script(path, replies) {
      table.set(path, replies)
      counts.delete(path)
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** A free loopback port with nothing listening on it (a server that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
