import { networkErrorReason, sleep } from '../tools/network-error.ts'
import { readFile } from 'node:fs/promises'
import { rootCertificates } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { addSecret, addUrlSecrets } from '../secrets/masking.ts'
import { dispatcherFor, printableProxy, proxyFor } from '../tools/proxy.ts'
import { checkKubeconfig } from './kubeconfig.ts'

// The kubeconfig of a setup: `<store>/<setup>/<filename>` over HTTP(S) (through the
// proxy HTTPS_PROXY / NO_PROXY name, as the helm download) or file://.

export interface StoreOptions {
  readonly storeUrl: string
  /** PEM trusted beside the system CAs. */
  readonly ca?: string
  readonly filename: string
  readonly signal?: AbortSignal
  /** Per attempt. */
  readonly timeoutMs?: number
  readonly attempts?: number
  readonly backoffMs?: number
}

const MAX_BYTES = 1024 * 1024

export class StoreError extends Error {}

/**
 * The store URL of a setup's kubeconfig; setup path parts are URL-encoded and go into
 * the path, before a query the store URL may carry (a signed URL's token).
 */
export function kubeconfigUrl(storeUrl: string, setup: string, filename: string): string {
  const parts = [...setup.split('/'), filename].map(encodeURIComponent).join('/')
  const queryAt = storeUrl.indexOf('?')
  const base = queryAt < 0 ? storeUrl : storeUrl.slice(0, queryAt)
  const query = queryAt < 0 ? '' : storeUrl.slice(queryAt)
  return `${base.replace(/\/+$/, '')}/${parts}${query}`
}

/** Fetches, checks and masks the kubeconfig of one setup; throws a StoreError that names both. */
export async function fetchKubeconfig(setup: string, options: StoreOptions): Promise<string> {
  const url = kubeconfigUrl(options.storeUrl, setup, options.filename)
  const safeUrl = addUrlSecrets(url)
  const text = url.startsWith('file:')
    ? await readLocal(url, setup, safeUrl)
    : await download(url, setup, safeUrl, options)
  const check = checkKubeconfig(text)
  if (!check.ok) {
    throw new StoreError(
      `the kubeconfig of setup ${setup} at ${safeUrl} is not valid: ${check.reason}`
    )
  }
  for (const secret of check.secrets) addSecret(secret, `the kubeconfig of setup ${setup}`)
  return text
}

async function readLocal(url: string, setup: string, safeUrl: string): Promise<string> {
  try {
    return await readFile(fileURLToPath(url), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new StoreError(
      code === 'ENOENT'
        ? `no kubeconfig for setup ${setup} at ${safeUrl} (check kubeconfig-store-url and kubeconfig-filename)`
        : `could not read the kubeconfig of setup ${setup} at ${safeUrl}: ${code ?? String(error)}`
    )
  }
}

const REFUSALS: Readonly<Record<number, string>> = {
  401: 'the store refused the credentials (HTTP 401): check the user info in kubeconfig-store-url',
  403: 'the store forbids access (HTTP 403): check the store permissions for this user',
  404: 'not found (HTTP 404): check the setup folder, kubeconfig-store-url and kubeconfig-filename'
}

async function download(
  url: string,
  setup: string,
  safeUrl: string,
  options: StoreOptions
): Promise<string> {
  const parsed = new URL(url)
  const headers: Record<string, string> = { accept: 'application/yaml, text/plain, */*' }
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username)
    const password = decodeURIComponent(parsed.password)
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    addSecret(headers.authorization, `the Authorization header for ${safeUrl}`)
    parsed.username = ''
    parsed.password = ''
  }
  const timeoutMs = options.timeoutMs ?? 15_000
  const attempts = options.attempts ?? 4
  const backoffMs = options.backoffMs ?? 1_000
  const agent = dispatcherFor(url, {
    ca: options.ca ? [...rootCertificates, options.ca] : undefined,
    timeoutMs
  })
  const proxy = proxyFor(url)
  if (proxy) addUrlSecrets(proxy)
  const via = proxy
    ? ` through the proxy ${printableProxy(proxy)} (HTTPS_PROXY; NO_PROXY lists hosts that bypass it)`
    : ''
  const prefix = `kubeconfig of setup ${setup} at ${safeUrl}`
  try {
    for (let attempt = 1; ; attempt++) {
      let transient: string
      try {
        const signal = options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs)
        const response = await request(parsed, {
          method: 'GET',
          headers,
          dispatcher: agent,
          signal
        })
        if (response.statusCode === 200) return await readBody(response.body, prefix)
        await response.body.dump()
        const refusal = REFUSALS[response.statusCode]
        if (refusal) throw new StoreError(`${prefix}: ${refusal}`)
        if (response.statusCode < 500 && response.statusCode !== 429) {
          throw new StoreError(`${prefix}: unexpected HTTP ${response.statusCode}`)
        }
        transient = `HTTP ${response.statusCode}`
      } catch (error) {
        if (error instanceof StoreError) throw error
        if (options.signal?.aborted) throw new StoreError(`${prefix}: cancelled`)
        const tls = tlsReason(error)
        if (tls)
          throw new StoreError(
            `${prefix}: TLS verification failed (${tls}); give the store's CA in kubeconfig-store-ca`
          )
        transient = networkReason(error, timeoutMs)
      }
      if (attempt >= attempts)
        throw new StoreError(`${prefix}: ${transient}${via} (gave up after ${attempts} attempts)`)
      await sleep(backoffMs * 2 ** (attempt - 1), options.signal)
    }
  } finally {
    await agent.close().catch(() => undefined)
  }
}

async function readBody(body: AsyncIterable<Buffer>, prefix: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > MAX_BYTES)
      throw new StoreError(`${prefix}: larger than ${MAX_BYTES} bytes, not a kubeconfig`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const TLS_CODES = /^(CERT_|ERR_TLS_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_SSL_)/

/** Certificate problems are not transient: retrying them only delays the error. */
function tlsReason(error: unknown): string | undefined {
  const e = error as {
    code?: string
    message?: string
    cause?: { code?: string; message?: string }
  }
  for (const candidate of [e, e.cause]) {
    if (candidate?.code && TLS_CODES.test(candidate.code))
      return `${candidate.code}: ${candidate.message ?? ''}`.trim()
  }
  return undefined
}

function networkReason(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string
    code?: string
    message?: string
    cause?: { code?: string; message?: string }
  }
  if (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `no answer within ${timeoutMs} ms`
  }
  return networkErrorReason(error)
}
