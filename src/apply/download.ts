import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { EnvHttpProxyAgent, request } from 'undici'

// One file over HTTP(S) into RUNNER_TEMP, for the helm tarball. The tool cache's
// own downloader cannot be stopped: a hanging mirror would outlive a cancelled run.

const ATTEMPTS = 3
const BACKOFF_MS = 1_000
/** Without a byte for this long, the attempt is given up. */
const IDLE_TIMEOUT_MS = 60_000

export interface DownloadOptions {
  /** An Authorization header value. */
  readonly auth?: string
  readonly signal?: AbortSignal
}

export class DownloadError extends Error {}

/** Downloads url to a new file and returns its path; 5xx, 429 and network errors are retried. */
export async function downloadFile(url: string, options: DownloadOptions = {}): Promise<string> {
  const dest = join(process.env.RUNNER_TEMP || tmpdir(), randomUUID())
  // The proxy variables (https_proxy, no_proxy) are honoured, as the tool cache does.
  const agent = new EnvHttpProxyAgent({
    headersTimeout: IDLE_TIMEOUT_MS,
    bodyTimeout: IDLE_TIMEOUT_MS
  })
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
          throw new DownloadError(status)
        transient = status
      } catch (error) {
        await rm(dest, { force: true })
        if (options.signal?.aborted) throw new DownloadError('stopped: the run was cancelled')
        if (error instanceof DownloadError) throw error
        transient = reason(error)
      }
      if (attempt >= ATTEMPTS)
        throw new DownloadError(`${transient} (gave up after ${ATTEMPTS} attempts)`)
      await sleep(BACKOFF_MS * attempt, options.signal)
    }
  } finally {
    await agent.close().catch(() => undefined)
  }
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string } }
  const code = e.code ?? e.cause?.code
  const message = e.message ?? String(error)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
}
