import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { detectChanges } from '../../../src/changes/detect.ts'
import { readConfig } from '../../../src/config.ts'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import { resolveScope } from '../../../src/github/scope.ts'
import { openCheckout } from '../../../src/plan/checkout.ts'
import { planDeployment } from '../../../src/plan/planner.ts'
import { runKindOf } from '../../../src/run-kind.ts'
import type { DeploymentPlan } from '../../../src/types/plan.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import {
  dispatchPayload,
  pullRequestPayload,
  pushPayload,
  runnerEnv
} from '../../support/events.ts'
import type { RunnerEvent } from '../../support/events.ts'
import * as core from '../../support/fakes/core.ts'
import { GitRepo, cloneAt, removeTempDirs } from '../../support/git-repo.ts'
import { repositoryHandlers } from '../../support/github-api-server.ts'
import type { FakeRun } from '../../support/github-api-server.ts'

// The first half of the action as main.ts runs it: inputs and a real webhook payload
// → scope (last successful run from the OpenAPI-checked server) → changed paths
// (git in a shallow checkout) → the plan.

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

afterAll(removeTempDirs)
vi.setConfig({ testTimeout: 60_000 })

const serve = apiServerPerTest()
beforeEach(core.resetCore)
afterEach(() => vi.unstubAllEnvs())

async function firstHalf(
  event: RunnerEvent,
  workspace: string,
  inputs: Record<string, string> = {}
): Promise<DeploymentPlan> {
  for (const [name, value] of Object.entries({
    'github-token': 'ghs_test',
    'helm-repositories': 'stable https://charts.example.com',
    ...inputs
  }))
    core.inputs.set(name, value)
  for (const [name, value] of Object.entries(await runnerEnv(event))) vi.stubEnv(name, value)
  vi.stubEnv('GITHUB_WORKSPACE', workspace)
  const config = readConfig()
  const read = readEvent()
  const api = createApi(config.githubToken, read)
  const scope = await resolveScope(read, api, config)
  const changes =
    scope.kind === 'diff' ? await detectChanges(scope, read, config.workspace, api) : undefined
  return planDeployment({
    config,
    scope,
    changes,
    openCheckout: () => openCheckout(config.workspace, read.sha),
    sha: read.sha,
    runKind: runKindOf(read, config, scope)
  })
}

const steps = (p: DeploymentPlan): string[] =>
  p.setups.flatMap((s) =>
    s.steps.map((step) => `${step.action} ${step.target.plan} (${step.reasons.join('; ')})`)
  )

/** C0 deployed by run 1; C1 (adds a plan) cancelled in run 2; C2 (edits values) is this run. */
async function history() {
  const repo = await GitRepo.create()
  await repo.write({
    'values/common.yaml': 'a: 1\n',
    'aws/foo/default/app.yaml': 'chart: stable/app\nvalues: values/common.yaml\n',
    'aws/foo/default/other.yaml': 'chart: stable/other\n'
  })
  const c0 = await repo.commit('deployed')
  await repo.write({ 'gcp/bar/web/site.yaml': 'chart: stable/site\n' })
  const c1 = await repo.commit('its run was cancelled')
  await repo.write({ 'values/common.yaml': 'a: 2\n' })
  const c2 = await repo.commit('this push')
  const origin = await repo.bareOrigin()
  await repo.push()
  const runs: FakeRun[] = [
    { id: 1, runNumber: 1, headSha: c0, conclusion: 'success' },
    { id: 2, runNumber: 2, headSha: c1, conclusion: 'cancelled' }
  ]
  return { repo, origin, c0, c1, c2, runs }
}

/** Run 3: the push of C2 onto C1. */
const thisRunsPush = (c1: string, c2: string): RunnerEvent => ({
  name: 'push',
  payload: pushPayload({ before: c1, after: c2 }),
  sha: c2,
  runId: 3,
  runNumber: 3
})

describe('from a GitHub event to a deployment plan', () => {
  it('push after a cancelled run: the base is the last success, so its change is not lost', async () => {
    const { origin, c0, c1, c2, runs } = await history()
    await serve(repositoryHandlers({ origin, runs }))
    const plan = await firstHalf(thisRunsPush(c1, c2), await cloneAt(origin, c2))
    expect(steps(plan)).toEqual([
      'apply aws/foo/default/app.yaml (values file values/common.yaml modified)',
      'apply gcp/bar/web/site.yaml (gcp/bar/web/site.yaml added)'
    ])
    expect(plan.sha).toBe(c2)
    expect(core.info).toHaveBeenCalledWith(
      `Diff base: ${c0} (head of the last successful run 1); head: ${c2}.`
    )
    expect(core.info).toHaveBeenCalledWith(`Changed paths from git: 2 between ${c0} and ${c2}.`)
  })

  it("the same push with the API down: the push's before, with a warning", async () => {
    const { origin, c1, c2 } = await history()
    const server = await serve({})
    await server.close()
    const plan = await firstHalf(thisRunsPush(c1, c2), await cloneAt(origin, c2))
    expect(steps(plan)).toEqual([
      'apply aws/foo/default/app.yaml (values file values/common.yaml modified)'
    ])
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringContaining("Could not find the last successful run, using the push's before")
    )
  })

  it('pull_request: the plan of what the pull request changes, in preview mode', async () => {
    const { repo, c2 } = await history()
    await repo.git('checkout', '-q', '-b', 'feature')
    await repo.remove('aws/foo/default/other.yaml')
    const head = await repo.commit('remove other')
    await repo.git('checkout', '-q', 'main')
    await repo.git('merge', '-q', '--no-ff', '-m', 'merge', 'feature')
    const merge = await repo.head()
    const origin = await repo.bareOrigin()
    const server = await serve(repositoryHandlers({ origin }))
    const plan = await firstHalf(
      {
        name: 'pull_request',
        payload: pullRequestPayload({ baseSha: c2, headSha: head, number: 12 }),
        sha: merge,
        ref: 'refs/pull/12/merge'
      },
      await cloneAt(origin, merge)
    )
    expect(steps(plan)).toEqual([
      'uninstall aws/foo/default/other.yaml (aws/foo/default/other.yaml removed)'
    ])
    expect(server.requests).toEqual([])
  })

  it('workflow_dispatch: every plan the plans input selects', async () => {
    const { origin, c2 } = await history()
    await serve(repositoryHandlers({ origin }))
    const plan = await firstHalf(
      { name: 'workflow_dispatch', payload: dispatchPayload(), sha: c2 },
      await cloneAt(origin, c2),
      { plans: 'aws/**' }
    )
    expect(steps(plan).map((s) => s.split(' (')[0])).toEqual([
      'apply aws/foo/default/app.yaml',
      'apply aws/foo/default/other.yaml'
    ])
  })
})
