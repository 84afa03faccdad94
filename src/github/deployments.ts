import type { Result } from '../types/results.ts'
import type { DeploymentState, GitHubApi } from './api.ts'
import { errorMessage } from '../error-message.ts'
import { stoppedByWave } from '../waves/gate.ts'

// GitHub Deployments of a deploy run: one per affected setup, to an environment
// named after it, `in_progress` while the engine runs, then `success` or
// `failure` with a link to the run, or `error` when the run was cancelled or
// stopped before it could tell. The API failing is told, never fatal: the
// clusters are what counts.

/** How the run ended, as far as Deployments are concerned. */
export type RunEnd =
  | { readonly kind: 'finished'; readonly results: readonly Result[]; readonly cancelled: boolean }
  | { readonly kind: 'stopped' }

/** Pure: a setup's final state and its one-line description. */
export function finalStatus(
  end: RunEnd,
  setup: string
): { state: Exclude<DeploymentState, 'in_progress'>; description: string } {
  if (end.kind === 'stopped')
    return { state: 'error', description: 'the run stopped with an error: see its log' }
  const mine = end.results.filter((r) => r.setup === setup)
  const failed = mine.filter((r) => r.status === 'failed').length
  if (end.cancelled)
    return {
      state: 'error',
      description: `the run was cancelled; ${failed} of ${mine.length} plan(s) failed, the rest may not have run`
    }
  // An earlier wave failed: this setup was not touched, which is no success.
  const stopped = mine.map(stoppedByWave).find((note) => note !== undefined)
  if (stopped !== undefined)
    return { state: 'error', description: stopped.replace(/^not run/, 'not deployed') }
  return failed > 0
    ? { state: 'failure', description: `${failed} of ${mine.length} plan(s) failed` }
    : { state: 'success', description: `${mine.length} plan(s) deployed` }
}

export interface StartedDeployments {
  /** Setup → deployment id. */
  readonly ids: ReadonlyMap<string, number>
  readonly problems: readonly string[]
}

export function environmentOf(template: string, setup: string): string {
  return template.replace(/\{setup\}/g, setup)
}

export async function startDeployments(
  api: GitHubApi,
  input: {
    readonly setups: readonly string[]
    readonly sha: string
    readonly template: string
    readonly logUrl: string | undefined
  }
): Promise<StartedDeployments> {
  const ids = new Map<string, number>()
  const problems: string[] = []
  for (const setup of input.setups) {
    try {
      const environment = environmentOf(input.template, setup)
      const id = await api.createDeployment(input.sha, environment, `gitops-action: setup ${setup}`)
      await api.deploymentStatus(id, 'in_progress', input.logUrl, 'deploying')
      ids.set(setup, id)
    } catch (error) {
      problems.push(`setup ${setup}: ${errorMessage(error)}`)
    }
  }
  return { ids, problems }
}

export async function finishDeployments(
  api: GitHubApi,
  started: StartedDeployments,
  end: RunEnd,
  logUrl: string | undefined
): Promise<string[]> {
  const problems: string[] = []
  for (const [setup, id] of started.ids) {
    const { state, description } = finalStatus(end, setup)
    try {
      await api.deploymentStatus(id, state, logUrl, description)
    } catch (error) {
      problems.push(`setup ${setup}: ${errorMessage(error)}`)
    }
  }
  return problems
}
