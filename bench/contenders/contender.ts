import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import type { Phase } from '../ops-repo.ts'

/** One way of doing the benchmark's work: deploy every plan at a phase's commit. */
export interface Contender {
  readonly name: string
  /** Runs one phase against the clusters; the caller has checked out the phase's commit. */
  run(phase: Phase): Promise<PhaseRun>
}

export interface PhaseRun {
  readonly ms: number
  /** Peak resident memory of the contender's own process, where measured. */
  readonly peakRssKb?: number
}

/**
 * Fresh helm folders (config, cache, data) for one run, so no contender profits
 * from a repository index or chart another run downloaded: each starts like a new CI job.
 */
export function freshHelmHome(work: string): Record<string, string> {
  const home = mkdtempSync(join(work, 'helm-home-'))
  return {
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data')
  }
}

/** The chart repository URL split into a credential-free URL and its user info. */
export function repoCredentials(url: string): { url: string; username: string; password: string } {
  const parsed = new URL(url)
  const username = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  return { url: parsed.toString().replace(/\/$/, ''), username, password }
}
