import { Agent, request } from 'undici'
import { addSecret } from '../secrets/masking.ts'
import { runExecPlugin } from './exec-credential.ts'
import { clusterAccess, type ClusterAccess } from './kubeconfig-access.ts'

// A small Kubernetes API client for what helm cannot tell us in one call:
// reads (a LIST too), merge patches and server-side applies by path, authenticated as
// the kubeconfig says.

export class KubeApiError extends Error {
  readonly statusCode: number
  constructor(message: string, statusCode: number) {
    super(message)
    this.statusCode = statusCode
  }
}

const REQUEST_TIMEOUT_MS = 30_000

export interface KubeClient {
  readonly server: string
  get<T>(path: string, accept?: string): Promise<T>
  mergePatch(path: string, patch: unknown): Promise<void>
  /** Server-side apply as `fieldManager`, taking over fields other managers set (force); the object as stored. */
  apply<T>(path: string, object: unknown, fieldManager: string): Promise<T>
  close(): Promise<void>
}

export async function connectCluster(
  kubeconfigText: string,
  kubeconfigPath: string,
  signal: AbortSignal
): Promise<KubeClient> {
  const access = clusterAccess(kubeconfigText, kubeconfigPath)
  const exec = access.exec ? await runExecPlugin(access.exec, access.server, signal) : undefined
  const cert = exec?.cert ?? access.cert
  const key = exec?.key ?? access.key
  const token = exec?.token ?? access.token
  return createClient(access, { cert, key, token }, signal)
}

function createClient(
  access: ClusterAccess,
  auth: { cert?: string; key?: string; token?: string },
  signal: AbortSignal
): KubeClient {
  const agent = new Agent({
    connect: {
      ...(access.ca ? { ca: access.ca } : {}),
      ...(auth.cert && auth.key ? { cert: auth.cert, key: auth.key } : {}),
      rejectUnauthorized: !access.insecure
    },
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS
  })
  const headers: Record<string, string> = {}
  if (auth.token) headers.authorization = `Bearer ${auth.token}`
  else if (access.username && access.password) {
    const basic = Buffer.from(`${access.username}:${access.password}`).toString('base64')
    addSecret(basic, `the kubeconfig's username and password for ${access.server}`)
    headers.authorization = `Basic ${basic}`
  }
  const call = async (
    method: 'GET' | 'PATCH',
    path: string,
    extra: Record<string, string>,
    body?: string
  ): Promise<string> => {
    const response = await request(access.server + path, {
      method,
      dispatcher: agent,
      headers: { ...headers, ...extra },
      body,
      signal
    })
    const text = await response.body.text()
    if (response.statusCode >= 300) {
      const message = (() => {
        try {
          return String((JSON.parse(text) as { message?: unknown }).message ?? '')
        } catch {
          return ''
        }
      })()
      throw new KubeApiError(
        `the Kubernetes API answered ${response.statusCode} to ${method} ${path.split('?')[0]}${message ? `: ${message}` : ''}`,
        response.statusCode
      )
    }
    return text
  }
  return {
    server: access.server,
    async get<T>(path: string, accept = 'application/json'): Promise<T> {
      return JSON.parse(await call('GET', path, { accept })) as T
    },
    async mergePatch(path: string, patch: unknown): Promise<void> {
      await call(
        'PATCH',
        path,
        { 'content-type': 'application/merge-patch+json', accept: 'application/json' },
        JSON.stringify(patch)
      )
    },
    async apply<T>(path: string, object: unknown, fieldManager: string): Promise<T> {
      const query = `fieldManager=${encodeURIComponent(fieldManager)}&force=true`
      // JSON is YAML: the apply patch type takes either.
      const text = await call(
        'PATCH',
        `${path}${path.includes('?') ? '&' : '?'}${query}`,
        { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
        JSON.stringify(object)
      )
      return JSON.parse(text) as T
    },
    close: () => agent.close()
  }
}

/** The items of a LIST of a collection (`/api/v1/namespaces/ns/pods`), with label and field selectors. */
export async function listItems(
  client: KubeClient,
  collection: string,
  query: Readonly<Record<string, string>> = {}
): Promise<unknown[]> {
  const search = new URLSearchParams(query).toString()
  const list = await client.get<{ items?: unknown }>(
    search ? `${collection}?${search}` : collection
  )
  return Array.isArray(list.items) ? list.items : []
}
