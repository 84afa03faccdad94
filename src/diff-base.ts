import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { diffBaseCommit } from './changes/git.ts'
import type { GitHubApi } from './github/api.ts'
import { readBasePlans } from './plan/base-plans.ts'
import { openCommitCheckout } from './plan/checkout.ts'
import type { Changes, Scope } from './types/changes.ts'
import type { Config } from './types/config.ts'
import type { DiffBase } from './types/diff-base.ts'
import type { DeploymentPlan } from './types/plan.ts'
import { errorMessage } from './error-message.ts'

// The commit a preview diffs against, opened: a pull request compares with
// where it forked off its base branch; a dry run of a push with the diff base of
// the push; a dry-run workflow_dispatch with the last deployed commit (the head
// of the last successful push run of this workflow on the branch). Its files go
// into a private folder, removed by `dispose`.

export interface OpenedBase {
  readonly base: DiffBase
  dispose(): Promise<void>
}

interface BaseInput {
  readonly scope: Scope
  readonly changes: Changes | undefined
  readonly plan: DeploymentPlan
  readonly config: Config
  readonly api: GitHubApi
  readonly signal: AbortSignal
}

async function baseCommit(
  input: BaseInput
): Promise<{ sha: string; reason: string } | { none: string }> {
  const { changes, config, plan } = input
  if (changes) {
    const pr = plan.runKind.kind === 'preview' && plan.runKind.pullRequest !== undefined
    const sha = await diffBaseCommit(config.workspace, changes.base, changes.head, pr, input.signal)
    return {
      sha,
      reason:
        pr && input.scope.kind === 'diff'
          ? `where the branch forked off the ${input.scope.baseReason}`
          : input.scope.kind === 'diff'
            ? input.scope.baseReason
            : 'the diff base'
    }
  }
  const run = await input.api.lastSuccessfulRun()
  if (!run)
    return {
      none: 'no successful push run of this workflow on this branch to compare with, so every object is shown as rendered'
    }
  // A shallow checkout lacks it: fetched like a push's diff base.
  const sha = await diffBaseCommit(config.workspace, run.headSha, plan.sha, false, input.signal)
  return { sha, reason: `last deployed commit, run ${run.id}` }
}

export async function openDiffBase(input: BaseInput): Promise<OpenedBase> {
  const none = (reason: string): OpenedBase => ({
    base: { kind: 'none', reason },
    dispose: async () => {}
  })
  const targets = input.plan.setups.flatMap((s) => s.steps.map((step) => step.target))
  if (targets.length === 0) return none('no plan is affected')
  let found: Awaited<ReturnType<typeof baseCommit>>
  try {
    found = await baseCommit(input)
  } catch (error) {
    return none(`the diff base cannot be found: ${errorMessage(error)}`)
  }
  if ('none' in found) return none(found.none)
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'gitops-base-'))
  const dispose = () => rm(dir, { recursive: true, force: true })
  try {
    const checkout = await openCommitCheckout(input.config.workspace, found.sha, dir)
    const { repositories, plans } = readBasePlans(checkout, input.config, targets)
    core.info(`Diff base: ${found.sha} (${found.reason}), ${plans.size} affected plan(s) there.`)
    return {
      base: {
        kind: 'commit',
        sha: found.sha,
        reason: found.reason,
        root: checkout.root,
        repositories,
        plans
      },
      dispose
    }
  } catch (error) {
    await dispose()
    return none(
      `the files of ${found.sha.slice(0, 12)} (${found.reason}) cannot be read: ${errorMessage(error)}`
    )
  }
}
