import { networkErrorReason, sleep } from './network-error.ts'
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import * as core from '@actions/core'
import { request } from 'undici'
import { addSecret, addUrlSecrets } from '../secrets/masking.ts'
import { dispatcherFor, printableProxy, proxyFor } from './proxy.ts'
import { errorMessage } from '../error-message.ts'

// Release files over HTTP(S) into RUNNER_TEMP (helm, sops), refused unless their SHA-256
// matches the published one. The tool cache's own downloader cannot be stopped: a
// hanging mirror would outlive a cancelled run.

const ATTEMPTS = 3
const BACKOFF_MS = 1_000
/** Without a byte for this long, the attempt is given up. */
const IDLE_TIMEOUT_MS = 60_000

export interface DownloadOptions {
  /** An Authorization header value. */
  readonly auth?: string
  readonly signal?: AbortSignal
}

export class DownloadError extends Error {
  /** The HTTP status that refused the download, if one did. */
  readonly status: number | undefined
  constructor(message: string, status?: number) {
    super(message)
    this.status = status
  }
}

/** Downloads url to a new file and returns its path; 5xx, 429 and network errors are retried. */
export async function downloadFile(url: string, options: DownloadOptions = {}): Promise<string> {
  const dest = join(process.env.RUNNER_TEMP || tmpdir(), randomUUID())
  const proxy = proxyFor(url)
  if (proxy) addUrlSecrets(proxy)
  const via = proxy ? ` (through the proxy ${printableProxy(proxy)})` : ''
  const agent = dispatcherFor(url, { timeoutMs: IDLE_TIMEOUT_MS })
  try {
    for (let attempt = 1; ; attempt++) {
      let transient: string
      try {
        const response = await request(url, {
          method: 'GET',
          headers: options.auth ? { authorization: options.auth } : {},
          dispatcher: agent,
          maxRedirections: 5,
          signal: options.signal
        })
        if (response.statusCode === 200) {
          await pipeline(response.body, createWriteStream(dest, { mode: 0o600 }), {
            signal: options.signal
          })
          return dest
        }
        await response.body.dump()
        const status = `Unexpected HTTP response: ${response.statusCode}`
        if (response.statusCode < 500 && response.statusCode !== 429)
          throw new DownloadError(status, response.statusCode)
        transient = status
      } catch (error) {
        await rm(dest, { force: true })
        if (options.signal?.aborted) throw new DownloadError('stopped: the run was cancelled')
        if (error instanceof DownloadError) throw error
        transient = networkErrorReason(error)
      }
      if (attempt >= ATTEMPTS)
        throw new DownloadError(`${transient}${via} (gave up after ${ATTEMPTS} attempts)`)
      await sleep(BACKOFF_MS * attempt, options.signal)
    }
  } finally {
    await agent.close().catch(() => undefined)
  }
}

export interface VerifiedDownload {
  /** The release file, e.g. a helm tarball or the sops binary; may hold user info. */
  readonly url: string
  /** Checksum files tried in order; a 404 moves on to the next. */
  readonly checksumUrls: readonly string[]
  /** What it is, for messages: `helm v4.3.1`. */
  readonly what: string
  /** What the file is, for messages: `the tarball`. */
  readonly kind: string
  /** The inputs of the version and the URL template: `helm-version`, `helm-download-url`. */
  readonly versionInput: string
  readonly urlInput: string
  readonly signal?: AbortSignal
}

/** Downloads a release file and its checksum; returns the file's path once the SHA-256 matches. */
export async function downloadVerified(d: VerifiedDownload): Promise<string> {
  const safeUrl = addUrlSecrets(d.url)
  const { plainUrl, auth } = splitCredentials(d.url)
  const failed = (kind: string, from: string, error: unknown): Error =>
    new Error(
      `could not download ${kind} of ${d.what} from ${from}: ${errorMessage(error)} ` +
        `(check ${d.versionInput} and ${d.urlInput})`
    )
  const file = await downloadFile(plainUrl, { auth, signal: d.signal }).catch((e: unknown) => {
    throw failed(d.kind, safeUrl, e)
  })
  const name = basename(new URL(plainUrl).pathname)
  let expected: string | undefined
  let source = ''
  for (const [index, checksumUrl] of d.checksumUrls.entries()) {
    source = addUrlSecrets(checksumUrl)
    const split = splitCredentials(checksumUrl)
    try {
      const sums = await downloadFile(split.plainUrl, { auth: split.auth, signal: d.signal })
      expected = parseChecksum(await readFile(sums, 'utf8'), name)
      await rm(sums, { force: true })
      break
    } catch (error) {
      const last = index === d.checksumUrls.length - 1
      if (!last && error instanceof DownloadError && error.status === 404) continue
      throw failed('checksum', source, error)
    }
  }
  if (!expected)
    throw new Error(`${source} holds no SHA-256 digest of ${name}; refusing to use ${d.what}`)
  const actual = await sha256(file)
  if (actual !== expected) {
    throw new Error(
      `${d.what} from ${safeUrl} does not match its published checksum ` +
        `(SHA-256 ${actual}, expected ${expected} from ${source}); refusing to use it. ` +
        `Check that ${d.urlInput} points at an unaltered mirror.`
    )
  }
  core.info(`${d.what}: SHA-256 ${actual} matches ${source}`)
  return file
}

/**
 * The digest of `name` in a checksum file: its line in a list of `<hex>  <name>` lines
 * (`*<name>` in binary mode), else the only digest of a one-file `.sha256sum`.
 */
export function parseChecksum(text: string, name?: string): string | undefined {
  const digests: string[] = []
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([0-9a-fA-F]{64})\b(?:\s+\*?(\S.*?))?\s*$/.exec(line)
    if (!match?.[1]) continue
    const digest = match[1].toLowerCase()
    if (name !== undefined && match[2] !== undefined && basename(match[2]) === name) return digest
    digests.push(digest)
  }
  if (digests.length === 1) return digests[0]
  // An unnamed digest as the first hex word anywhere (a `.sha256sum` of another shape).
  if (digests.length === 0 && name === undefined)
    return /\b([0-9a-fA-F]{64})\b/.exec(text)?.[1]?.toLowerCase()
  return undefined
}

/** HTTP clients drop user info in a URL: it becomes an Authorization header. */
function splitCredentials(url: string): { plainUrl: string; auth: string | undefined } {
  const parsed = new URL(url)
  if (!parsed.username && !parsed.password) return { plainUrl: url, auth: undefined }
  const user = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  addSecret(auth, `the Authorization header for ${parsed.toString()}`)
  return { plainUrl: parsed.toString(), auth }
}

export function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}
