import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Phase } from '../ops-repo.ts'

/** One way of doing the benchmark's work: deploy every plan at a phase's commit. */
export interface Contender {
  readonly name: string
  /**
   * Whether a re-sync of unchanged plans upgrades every release again (a new revision):
   * helm and `helmfile sync` do, the action leaves a release that already deploys its plan.
   */
  readonly resyncUpgrades: boolean
  /** Runs one phase against the clusters; the caller has checked out the phase's commit. */
  run(phase: Phase): Promise<PhaseRun>
}

export interface PhaseRun {
  readonly ms: number
  /** Peak resident memory of the contender's own process, where measured. */
  readonly peakRssKb?: number
  /** helm processes the run started, where counted (see countingHelm). */
  readonly helmProcesses?: number
  /** CPU of the contender's own processes, without the helm they started, where measured. */
  readonly ownCpuMs?: number
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

export interface CountingHelm {
  /** Give this instead of helm: it logs the call and execs the real helm (a `sh` start, ~1 ms). */
  readonly path: string
  /** The calls logged since the last reset. */
  calls(): number
  reset(): void
}

/** A helm that counts its starts, for a contender that takes the helm binary as a path. */
export function countingHelm(work: string, name: string, real: string): CountingHelm {
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
  const path = join(work, `${name}-helm`)
  const log = join(work, `${name}-helm-calls.log`)
  writeFileSync(path, `#!/bin/sh\necho "$1" >>${q(log)}\nexec ${q(real)} "$@"\n`)
  chmodSync(path, 0o755)
  writeFileSync(log, '')
  return {
    path,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length,
    reset: () => writeFileSync(log, '')
  }
}
