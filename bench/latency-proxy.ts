import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import http2, {
  type ClientHttp2Session,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders
} from 'node:http2'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { dump, load } from 'js-yaml'

// An API server across a network, on one machine: a reverse proxy in front of one
// kube-apiserver that holds every request `oneWayMs` before forwarding it and every
// response `oneWayMs` before returning it, and a new connection one round trip before
// its TLS handshake. It terminates TLS (its own certificate, trusted by the kubeconfig
// it writes) and talks to the API server with the kubeconfig's own credential, so it
// sees each request: the count and the peak of requests in flight are read here. A TCP
// proxy would delay the bytes as faithfully but could not tell requests apart inside TLS.

export interface LatencyProxy {
  /** A copy of the kubeconfig whose server is this proxy. */
  readonly kubeconfig: string
  /** Requests since the last reset, and the most in flight at once. */
  counts(): { readonly requests: number; readonly peakInFlight: number }
  reset(): void
  close(): Promise<void>
}

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[]
  users: {
    name: string
    user: { token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string }
  }[]
  contexts: { name: string; context: { cluster: string; user: string } }[]
  'current-context': string
}

export interface ProxyCertificate {
  readonly cert: string
  readonly key: string
}

/** A self-signed certificate for 127.0.0.1, made once a benchmark run with openssl. */
export function proxyCertificate(dir: string): ProxyCertificate {
  mkdirSync(dir, { recursive: true })
  const [cert, key] = [join(dir, 'proxy.crt'), join(dir, 'proxy.key')]
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=bench latency proxy',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      key,
      '-out',
      cert
    ],
    { stdio: 'ignore' }
  )
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') }
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
  'te'
])

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.startsWith(':') && !HOP_BY_HOP.has(name))
  )
}

const later = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()

export async function startLatencyProxy(options: {
  readonly kubeconfig: string
  /** Where the proxied kubeconfig is written. */
  readonly out: string
  readonly oneWayMs: number
  readonly certificate: ProxyCertificate
}): Promise<LatencyProxy> {
  const config = load(readFileSync(options.kubeconfig, 'utf8')) as Kubeconfig
  const context = config.contexts.find((c) => c.name === config['current-context'])
  const cluster = config.clusters.find((c) => c.name === context?.context.cluster)
  const user = config.users.find((u) => u.name === context?.context.user)
  if (!cluster || !user)
    throw new Error(`bench: ${options.kubeconfig} has no current cluster and user`)
  const b64 = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : Buffer.from(text, 'base64').toString('utf8')
  const upstreamTls = {
    ca: b64(cluster.cluster['certificate-authority-data']),
    cert: b64(user.user['client-certificate-data']),
    key: b64(user.user['client-key-data'])
  }
  let session: ClientHttp2Session | undefined
  const upstream = (): ClientHttp2Session => {
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(cluster.cluster.server, upstreamTls)
      session.on('error', () => (session = undefined))
    }
    return session
  }

  let requests = 0
  let inFlight = 0
  let peakInFlight = 0
  const forward = async (req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> => {
    requests++
    peakInFlight = Math.max(peakInFlight, ++inFlight)
    res.on('close', () => inFlight--)
    await later(options.oneWayMs)
    const up = upstream().request({
      ':method': req.method,
      ':path': req.url,
      ...forwardable(req.headers)
    })
    req.pipe(up)
    up.on('response', (headers) => {
      void later(options.oneWayMs).then(() => {
        if (res.destroyed) return
        res.writeHead(Number(headers[':status']), forwardable(headers))
        up.pipe(res)
      })
    })
    up.on('error', () => res.destroy())
    res.on('close', () => up.close())
  }
  const tls = http2.createSecureServer(
    { ...options.certificate, allowHTTP1: true },
    (req, res) => void forward(req, res)
  )
  // The handshake pays a round trip, as across a network (TCP's own is not modelled).
  const tcp = createServer((socket: Socket) => {
    socket.pause()
    setTimeout(() => {
      tls.emit('connection', socket)
      socket.resume()
    }, 2 * options.oneWayMs)
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const { port } = tcp.address() as AddressInfo

  const ca = Buffer.from(options.certificate.cert).toString('base64')
  const proxied = {
    ...config,
    clusters: config.clusters.map((c) =>
      c === cluster
        ? {
            ...c,
            cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': ca }
          }
        : c
    )
  }
  writeFileSync(options.out, dump(proxied), { mode: 0o600 })
  return {
    kubeconfig: options.out,
    counts: () => ({ requests, peakInFlight }),
    reset: () => {
      requests = 0
      peakInFlight = inFlight
    },
    close: async () => {
      session?.close()
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
      tls.close()
    }
  }
}
