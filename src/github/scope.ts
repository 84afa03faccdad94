import * as core from '@actions/core'
import { ZERO_SHA } from '../types/changes.ts'
import { matchesGlob } from 'node:path'
import type { Scope } from '../types/changes.ts'
import type { Config } from '../types/config.ts'
import type { GitHubApi } from './api.ts'
import type { DispatchEvent, GitHubEvent } from './event.ts'
import { branchOf, EventError } from './event.ts'
import { runWarning } from '../report/run-warning.ts'
import { errorMessage } from '../error-message.ts'

// Which plans the event touches, before the repository is read.

export type ScopeOptions = Pick<Config, 'dispatchBranches' | 'dryRun'>

/** How a diff's base reason starts when the base is the head of the last successful run. */
export const LAST_SUCCESSFUL_RUN = 'head of the last successful run'

export async function resolveScope(
  event: GitHubEvent,
  api: GitHubApi,
  options: ScopeOptions
): Promise<Scope> {
  if (event.name === 'workflow_dispatch') checkDispatchBranch(event, options)
  const scope = await scopeOf(event, api)
  if (scope.kind === 'diff')
    core.info(`Diff base: ${scope.base} (${scope.baseReason}); head: ${scope.head}.`)
  else if (scope.kind === 'all') core.info(`Every plan at ${scope.head}: ${scope.reason}.`)
  // The notice itself comes once, from the report.
  else core.info(`Nothing to deploy: ${scope.reason}.`)
  return scope
}

/**
 * A manual run deploys what its ref holds, so a run on any branch would walk around
 * the default branch's protection: only the default branch and the branches the
 * dispatch-branches input names deploy; elsewhere only a dry run is allowed.
 */
export function checkDispatchBranch(event: DispatchEvent, options: ScopeOptions): void {
  if (options.dryRun) return
  const branch = branchOf(event.ref)
  if (branch !== undefined && branch === event.defaultBranch) return
  if (branch !== undefined && options.dispatchBranches.some((glob) => matchesGlob(branch, glob)))
    return
  const where = branch === undefined ? `ref '${event.ref}'` : `branch '${branch}'`
  const allowed = event.defaultBranch
    ? `the default branch '${event.defaultBranch}'`
    : 'the default branch (the payload does not name it)'
  throw new EventError(
    `A workflow_dispatch on ${where} does not deploy: only ${allowed} does, and branches matched by the dispatch-branches input. Run it on the default branch, add the branch to dispatch-branches, or set dry-run: true to only render.`
  )
}

async function scopeOf(event: GitHubEvent, api: GitHubApi): Promise<Scope> {
  switch (event.name) {
    case 'workflow_dispatch':
      return {
        kind: 'all',
        head: event.sha,
        reason: 'workflow_dispatch (a re-sync of the plans the plans input selects)'
      }
    case 'schedule':
      return {
        kind: 'all',
        head: event.sha,
        reason: `schedule${event.cron ? ` '${event.cron}'` : ''} (a drift check of the plans the plans input selects)`
      }
    case 'pull_request':
      return {
        kind: 'diff',
        base: event.baseSha,
        head: event.sha,
        baseReason: `pull request #${event.number} base`
      }
    case 'push': {
      if (event.ref.startsWith('refs/tags/'))
        return { kind: 'none', reason: `${event.ref} is a tag push; plans deploy from branches` }
      if (event.deleted || event.after === ZERO_SHA)
        return { kind: 'none', reason: `${event.ref} was deleted` }
      const branch = branchOf(event.ref)
      if (!branch) return { kind: 'none', reason: `${event.ref} is not a branch` }
      if (event.created || event.before === ZERO_SHA) {
        return { kind: 'all', head: event.sha, reason: `branch ${branch} was created` }
      }
      const run = await lastRun(api)
      if (run) {
        return {
          kind: 'diff',
          base: run.headSha,
          head: event.sha,
          baseReason: `${LAST_SUCCESSFUL_RUN} ${run.id}`
        }
      }
      return {
        kind: 'diff',
        base: event.before,
        head: event.sha,
        baseReason: 'the push event before'
      }
    }
  }
}

async function lastRun(api: GitHubApi) {
  try {
    return await api.lastSuccessfulRun()
  } catch (error) {
    // Missing `actions: read` or a dead API: the event's own range is the next best base.
    runWarning(
      `Could not find the last successful run, using the push's before: ${errorMessage(error)}`
    )
    return undefined
  }
}
