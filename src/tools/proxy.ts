import { Agent, ProxyAgent, type Dispatcher } from 'undici'

// HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as curl and the tool cache read them, for the
// helm and sops downloads and the kubeconfig store. The choice is made here (not by
// undici's EnvHttpProxyAgent) so an error can name the proxy a request went through.

type Env = Readonly<Record<string, string | undefined>>

/** The proxy URL a request to url goes through, or undefined for a direct connection. */
export function proxyFor(url: string, env: Env = process.env): string | undefined {
  const target = new URL(url)
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return undefined
  const proxy =
    target.protocol === 'https:'
      ? (env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY)
      : (env.http_proxy ?? env.HTTP_PROXY)
  if (!proxy) return undefined
  return bypassed(target, env.no_proxy ?? env.NO_PROXY ?? '') ? undefined : proxy
}

/** NO_PROXY entries: `*`, a host or domain (`example.com`, `.example.com`, `*.example.com`), optionally `:port`. */
function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return true
    // `host:port`, `[v6]:port`; a bare IPv6 address has colons but no port.
    const match = /^(?:\[(.+)\]|([^:]+))(?::(\d+))?$/.exec(entry)
    const name = (match ? (match[1] ?? match[2] ?? '') : entry).replace(/^\*?\./, '')
    if (match?.[3] && match[3] !== port) continue
    if (host === name || host.endsWith(`.${name}`)) return true
  }
  return false
}

export interface DispatcherOptions {
  /** CAs trusted for the target (not the proxy). */
  readonly ca?: readonly string[]
  readonly timeoutMs: number
}

/** The dispatcher for one origin: through its proxy if the environment names one. */
export function dispatcherFor(url: string, options: DispatcherOptions): Dispatcher {
  const tls = { ...(options.ca ? { ca: [...options.ca] } : {}), timeout: options.timeoutMs }
  const timeouts = { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }
  const proxy = proxyFor(url)
  if (!proxy) return new Agent({ connect: tls, ...timeouts })
  return new ProxyAgent({
    uri: proxy,
    requestTls: tls,
    proxyTls: { timeout: options.timeoutMs },
    ...timeouts
  })
}

/** A proxy URL for messages: without its user info. */
export function printableProxy(proxy: string): string {
  try {
    const parsed = new URL(proxy)
    return `${parsed.protocol}//${parsed.host}`
  } catch {
    return 'the proxy in HTTPS_PROXY'
  }
}
