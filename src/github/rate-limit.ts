// Pure: what to do when GitHub refuses a request for its rate limits, the way its
// REST documentation asks: wait `retry-after` seconds when it says so; when
// `x-ratelimit-remaining` is 0, until `x-ratelimit-reset`; for a secondary limit
// without either, a minute, doubling on each further refusal. A wait longer than a
// job should sit idle, or past the run's budget, gives up: the caller reports what
// it could not write, and the clusters are what counts.

/** A refused answer, as far as rate limits are concerned. */
export interface Refusal {
  readonly status: number | undefined
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly message: string
}

export type Backoff =
  | { readonly kind: 'retry'; readonly waitMs: number }
  | { readonly kind: 'give-up'; readonly why: string }
  /** Not a rate limit: the caller fails as it would have. */
  | { readonly kind: 'not-limited' }

/** Tries of one request, the first included. */
export const MAX_ATTEMPTS = 4
/** The longest one wait may be: a secondary limit's minute, doubled twice, fits. */
export const MAX_WAIT_MS = 5 * 60_000
/** GitHub's advice for a secondary limit that names no wait. */
const SECONDARY_WAIT_MS = 60_000

const SECONDARY = /secondary rate limit|abuse/i
const PRIMARY = /rate limit/i

export function isRateLimited(refusal: Refusal): boolean {
  const { status, headers, message } = refusal
  if (status === 429) return true
  if (status !== 403) return false
  return (
    headers['retry-after'] !== undefined ||
    headers['x-ratelimit-remaining'] === '0' ||
    SECONDARY.test(message) ||
    PRIMARY.test(message)
  )
}

/**
 * After the `attempt`th refusal (1-based), at `nowMs`, with `budgetMs` of waiting
 * left for the whole run: wait and try again, or give up saying why.
 */
export function backoff(
  refusal: Refusal,
  attempt: number,
  nowMs: number,
  budgetMs: number
): Backoff {
  if (!isRateLimited(refusal)) return { kind: 'not-limited' }
  const waitMs = waitOf(refusal, attempt, nowMs)
  if (attempt >= MAX_ATTEMPTS)
    return { kind: 'give-up', why: `rate limited ${attempt} times in a row` }
  if (waitMs > MAX_WAIT_MS)
    return {
      kind: 'give-up',
      why: `rate limited until ${new Date(nowMs + waitMs).toISOString()}, longer than a job waits`
    }
  if (waitMs > budgetMs)
    return { kind: 'give-up', why: 'rate limited, and the run has waited out its backoff budget' }
  return { kind: 'retry', waitMs }
}

function waitOf(refusal: Refusal, attempt: number, nowMs: number): number {
  const { headers } = refusal
  const retryAfter = headers['retry-after']
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()))
    return Number(retryAfter.trim()) * 1000
  if (retryAfter !== undefined) {
    // An HTTP date is allowed too.
    const at = Date.parse(retryAfter)
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs)
  }
  const reset = headers['x-ratelimit-reset']
  if (headers['x-ratelimit-remaining'] === '0' && reset !== undefined && /^\d+$/.test(reset))
    // One second more: the reset is rounded down to the second.
    return Math.max(0, Number(reset) * 1000 - nowMs) + 1000
  return SECONDARY_WAIT_MS * 2 ** (attempt - 1)
}
