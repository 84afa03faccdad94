import * as core from '@actions/core'
import type { GitHubApi } from '../github/api.ts'
import { printUntrusted } from '../report/untrusted-text.ts'
import type { GitHubEvent } from '../github/event.ts'
import type { ChangedPath, Changes, ChangeSource, Scope } from '../types/changes.ts'
import { apiChanges } from './compare.ts'
import { gitChanges } from './git.ts'
import { foldCommits } from './payload.ts'
import { runWarning } from '../report/run-warning.ts'
import { errorMessage } from '../error-message.ts'

// What changed between the scope's base and head: git first, then the API, then
// the push payload. Which source and base answered is logged.

type DiffScope = Extract<Scope, { kind: 'diff' }>

interface Source {
  readonly name: ChangeSource
  readonly paths: (base: string) => Promise<ChangedPath[]>
}

export class ChangesError extends Error {}

export async function detectChanges(
  scope: DiffScope,
  event: GitHubEvent,
  workspace: string,
  api: GitHubApi,
  signal?: AbortSignal
): Promise<Changes> {
  const head = scope.head
  // A pull request shows what its branch changes; a push deploys the tree as it now is.
  const sinceMergeBase = event.name === 'pull_request'
  const git: Source = {
    name: 'git',
    paths: (base) => gitChanges(workspace, base, head, sinceMergeBase, signal)
  }
  // A pinned base is compared exactly, by git alone (which fetches what a shallow clone lacks).
  const sources: Source[] = scope.pinned
    ? [git]
    : [
        git,
        { name: 'compare-api', paths: (base) => apiChanges(api, base, head, sinceMergeBase) },
        { name: 'payload', paths: (base) => payloadChanges(event, base) }
      ]
  const bases = [scope.base]
  if (event.name === 'push' && event.before !== scope.base && !scope.pinned)
    bases.push(event.before)

  const failures: string[] = []
  for (const base of bases) {
    if (base !== scope.base) {
      runWarning(
        `No source could compare ${scope.base} (${scope.baseReason}) with ${head}; falling back to the push's before ${base}.`
      )
    }
    for (const source of sources) {
      try {
        const paths = await source.paths(base)
        core.info(`Changed paths from ${source.name}: ${paths.length} between ${base} and ${head}.`)
        if (source.name === 'payload')
          runWarning(
            'Changed paths come from the push payload, which GitHub may cap: a plan may be missed. Give the job a checkout with git or a token that can read the repository.'
          )
        return { base, head, source: source.name, paths }
      } catch (error) {
        const message = `${source.name} (base ${base.slice(0, 12)}): ${errorMessage(error)}`
        failures.push(message)
        // The message carries git's or the API's own words.
        printUntrusted(`Could not get changed paths from ${message}`)
      }
    }
  }
  if (scope.pinned)
    throw new ChangesError(
      `Could not compare the base input ${scope.base} with ${head}: ${failures.join('; ')}. The plan job found that base; check out the ops repository with its history (actions/checkout with fetch-depth: 0), or make sure origin still has the commit.`
    )
  throw new ChangesError(
    `Could not tell which paths changed up to ${head}: ${failures.join('; ')}. Re-run the job, or run the workflow with workflow_dispatch for a full re-sync.`
  )
}

async function payloadChanges(event: GitHubEvent, base: string): Promise<ChangedPath[]> {
  if (event.name !== 'push')
    throw new ChangesError(`a ${event.name} payload lists no changed files`)
  if (base !== event.before)
    throw new ChangesError(
      'the payload only covers the push itself, not the base of the last successful run'
    )
  if (event.forced)
    throw new ChangesError('a force push payload does not list what the old head had')
  return foldCommits(event.commits)
}
