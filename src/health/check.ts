import type { KubeClient } from '../cluster/client.ts'
import type { Health, HealthCheck } from '../types/health.ts'

// A release's health read from its API server (placeholder until the health read lands).

export interface HealthInput {
  readonly client: KubeClient
  /** The release's manifest as helm stored it. */
  readonly manifest: string
  /** The release's namespace: where namespaced objects without one live. */
  readonly namespace: string
  readonly check: HealthCheck
  /** How long to wait for every object to be current; 0: read once (a soak's re-check). */
  readonly timeoutMs: number
  readonly signal: AbortSignal
}

export interface HealthReport {
  readonly health: Health
  /** For each object that is not current: `Kind/name: reason`, and its newest Warning events. */
  readonly notes: readonly string[]
}

export async function checkHealth(input: HealthInput): Promise<HealthReport> {
  void input
  return Promise.resolve({ health: 'healthy', notes: [] })
}
