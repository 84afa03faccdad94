import type { Result } from '../types.ts'
import type { GitHubApi } from './api.ts'

// GitHub Deployments of a deploy run: one per affected setup, to an environment
// named after it, `in_progress` while the engine runs, then `success` or
// `failure` with a link to the run. The API failing is told, never fatal: the
// clusters are what counts.

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
      problems.push(`setup ${setup}: ${(error as Error).message}`)
    }
  }
  return { ids, problems }
}

export async function finishDeployments(
  api: GitHubApi,
  started: StartedDeployments,
  results: readonly Result[],
  logUrl: string | undefined
): Promise<string[]> {
  const problems: string[] = []
  for (const [setup, id] of started.ids) {
    const mine = results.filter((r) => r.setup === setup)
    const failed = mine.filter((r) => r.status === 'failed').length
    try {
      await api.deploymentStatus(
        id,
        failed > 0 ? 'failure' : 'success',
        logUrl,
        failed > 0
          ? `${failed} of ${mine.length} plan(s) failed`
          : `${mine.length} plan(s) deployed`
      )
    } catch (error) {
      problems.push(`setup ${setup}: ${(error as Error).message}`)
    }
  }
  return problems
}
