import { mkdirSync } from 'node:fs'
import type { Testbed } from '../__tests__/support/testbed.ts'

/** What every part of the benchmark shares: the test bed's pieces and a work folder. */
export interface BenchContext {
  readonly bed: Testbed
  /** The helm binary every contender uses (the bed's Helm 4). */
  readonly helm: string
  /** Kubeconfig path of each of the bed's clusters. */
  readonly kubeconfigs: readonly string[]
  /** https URL of the bed's chart repository, with credentials. */
  readonly chartRepo: string
  /** Scratch folder of this benchmark run. */
  readonly work: string
  /** Base environment of every contender: the bed's CA trusted by helm (Go reads SSL_CERT_FILE). */
  readonly env: NodeJS.ProcessEnv
}

/** `kubeconfigs`: how the contenders reach the clusters (through the latency proxies). */
export function benchContext(
  bed: Testbed,
  work: string,
  kubeconfigs: readonly string[] = bed.kubeconfigs
): BenchContext {
  mkdirSync(work, { recursive: true })
  return {
    bed,
    helm: bed.helm4,
    kubeconfigs,
    chartRepo: bed.chartRepo,
    work,
    env: { ...neutralEnv(), SSL_CERT_FILE: bed.ca }
  }
}

/** This process's environment without what would steer helm, kubectl or the action from outside. */
function neutralEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(HELM_|GITHUB_|INPUT_|RUNNER_|STATE_|KUBECONFIG$)/.test(key)
    )
  )
}
