import type { Result } from '../types/results.ts'
import type { DeploymentsGranularity } from '../types/config.ts'
import type { DeploymentRecord } from '../types/fleet.ts'
import type { DeploymentState, GitHubApi } from './api.ts'
import { errorMessage } from '../error-message.ts'
import { stoppedByWave } from '../waves/gate.ts'

// GitHub Deployments of a deploy run: one per affected setup, per wave or per
// run (each costs two or three content-creating API calls, and GitHub allows a few
// hundred an hour), to an environment named by the template, `in_progress` while
// the engine runs, then `success` or `failure` with a link to the run, or `error`
// when the run was cancelled, stopped before it could tell, or never ran the
// group's plans. The API failing is told, never fatal: the clusters are what counts.

/** How the run ended, as far as Deployments are concerned. */
export type RunEnd =
  | { readonly kind: 'finished'; readonly results: readonly Result[]; readonly cancelled: boolean }
  | { readonly kind: 'stopped' }

/** One Deployment: what it is called and the setups it stands for. */
export interface DeploymentGroup {
  /** `{setup}` in the template: the setup, `wave-<n>` or `all-setups`. */
  readonly name: string
  readonly environment: string
  readonly setups: readonly string[]
}

/** Pure: the Deployments a run records, by granularity; setups in the order given. */
export function deploymentGroups(
  setups: readonly string[],
  granularity: Exclude<DeploymentsGranularity, 'none'>,
  template: string,
  waveOf: (setup: string) => number = () => 1
): DeploymentGroup[] {
  const group = (name: string, members: readonly string[]): DeploymentGroup => ({
    name,
    environment: environmentOf(template, name),
    setups: members
  })
  if (setups.length === 0) return []
  if (granularity === 'per-setup') return setups.map((s) => group(s, [s]))
  if (granularity === 'per-run') return [group('all-setups', setups)]
  const waves = new Map<number, string[]>()
  for (const setup of setups) waves.set(waveOf(setup), [...(waves.get(waveOf(setup)) ?? []), setup])
  return [...waves.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, members]) => group(`wave-${wave}`, members))
}

/** Pure: a group's final state and its one-line description. */
export function finalStatus(
  end: RunEnd,
  setups: string | readonly string[]
): { state: Exclude<DeploymentState, 'in_progress'>; description: string } {
  if (end.kind === 'stopped')
    return { state: 'error', description: 'the run stopped with an error: see its log' }
  const members = new Set(typeof setups === 'string' ? [setups] : setups)
  const mine = end.results.filter((r) => members.has(r.setup))
  const failed = mine.filter((r) => r.status === 'failed').length
  if (end.cancelled)
    return {
      state: 'error',
      description: `the run was cancelled; ${failed} of ${mine.length} plan(s) failed, the rest may not have run`
    }
  if (failed > 0)
    return { state: 'failure', description: `${failed} of ${mine.length} plan(s) failed` }
  // An earlier wave failed: the group was not touched, which is no success.
  const stopped = mine.map(stoppedByWave).find((note) => note !== undefined)
  if (stopped !== undefined)
    return { state: 'error', description: stopped.replace(/^not run/, 'not deployed') }
  return { state: 'success', description: `${mine.length} plan(s) deployed` }
}

export interface StartedDeployments {
  readonly groups: readonly DeploymentGroup[]
  /** Group name → deployment id. */
  readonly ids: ReadonlyMap<string, number>
  readonly problems: readonly string[]
  /** The state each Deployment got at its start. */
  readonly startState: 'in_progress' | null
}

export function environmentOf(template: string, setup: string): string {
  return template.replace(/\{setup\}/g, setup)
}

const what = (group: DeploymentGroup): string =>
  group.setups.length === 1 && group.setups[0] === group.name
    ? `setup ${group.name}`
    : `${group.name} (${group.setups.length} setup(s))`

export async function startDeployments(
  api: GitHubApi,
  input: {
    readonly groups: readonly DeploymentGroup[]
    readonly sha: string
    readonly logUrl: string | undefined
    /** False when the outcome is already known (a fleet's report): the final status follows at once. */
    readonly inProgress?: boolean
  }
): Promise<StartedDeployments> {
  const ids = new Map<string, number>()
  const problems: string[] = []
  for (const group of input.groups) {
    try {
      const id = await api.createDeployment(
        input.sha,
        group.environment,
        `gitops-action: ${what(group)}`
      )
      ids.set(group.name, id)
      if (input.inProgress !== false)
        await api.deploymentStatus(id, 'in_progress', input.logUrl, 'deploying')
    } catch (error) {
      problems.push(`${what(group)}: ${errorMessage(error)}`)
    }
  }
  return {
    groups: input.groups,
    ids,
    problems,
    startState: input.inProgress === false ? null : 'in_progress'
  }
}

export async function finishDeployments(
  api: GitHubApi,
  started: StartedDeployments,
  end: RunEnd,
  logUrl: string | undefined
): Promise<{ problems: string[]; records: DeploymentRecord[] }> {
  const problems: string[] = []
  const records: DeploymentRecord[] = []
  for (const group of started.groups) {
    const id = started.ids.get(group.name)
    const record = { environment: group.environment, setups: group.setups, id: id ?? null }
    if (id === undefined) {
      records.push({ ...record, state: null })
      continue
    }
    const { state, description } = finalStatus(end, group.setups)
    try {
      await api.deploymentStatus(id, state, logUrl, description)
      records.push({ ...record, state })
    } catch (error) {
      problems.push(`${what(group)}: ${errorMessage(error)}`)
      records.push({ ...record, state: started.startState })
    }
  }
  return { problems, records }
}
