import type { Health, HealthVerdict } from '../types/health.ts'

// Pure: after a read of every object, whether the health check is done or when it
// reads again. It ends as soon as every object is current or one has failed;
// otherwise it reads every 2 s at first, then less often (up to 5 s), and once more
// at the deadline.

export type PollStep =
  | {
      readonly kind: 'done'
      readonly health: Health
      readonly why: 'current' | 'failed' | 'timeout'
    }
  | { readonly kind: 'wait'; readonly ms: number }

export interface PollState {
  /** Each object's verdict in this read. */
  readonly verdicts: readonly HealthVerdict[]
  /** Since the check started. */
  readonly elapsedMs: number
  /** 0: one read, no waiting (a soak's re-check). */
  readonly timeoutMs: number
  /** Reads done so far, this one included. */
  readonly reads: number
}

export const FIRST_INTERVAL_MS = 2_000
export const LONGEST_INTERVAL_MS = 5_000

export function nextPoll(state: PollState): PollStep {
  if (state.verdicts.every((v) => v === 'current'))
    return { kind: 'done', health: 'healthy', why: 'current' }
  if (state.verdicts.includes('failed')) return { kind: 'done', health: 'unhealthy', why: 'failed' }
  const left = state.timeoutMs - state.elapsedMs
  if (left <= 0) return { kind: 'done', health: 'unhealthy', why: 'timeout' }
  return { kind: 'wait', ms: Math.min(pollInterval(state.reads), left) }
}

/** 2 s after the first two reads, then a second more each read, up to 5 s. */
export function pollInterval(reads: number): number {
  return Math.min(LONGEST_INTERVAL_MS, Math.max(FIRST_INTERVAL_MS, reads * 1_000))
}
