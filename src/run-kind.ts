import type { EventName } from './github/event.ts'
import type { Scope } from './types/changes.ts'
import type { Config } from './types/config.ts'
import type { RunKind } from './types/plan.ts'

// The one place a run's kind is decided, from the event, the inputs and the scope;
// it goes into the plan, and every later stage reads it there.

/** What of the event the kind depends on: a pull request's number gets its comment. */
export type RunEvent =
  | { readonly name: 'pull_request'; readonly number: number }
  | { readonly name: Exclude<EventName, 'pull_request'> }

export type RunInputs = Pick<
  Config,
  'dryRun' | 'mode' | 'drift' | 'failOnDrift' | 'prune' | 'ownershipKey' | 'driftIssues'
>

/** Pure: what this run does. */
export function runKindOf(event: RunEvent, config: RunInputs, scope: Pick<Scope, 'kind'>): RunKind {
  if (event.name === 'pull_request') return { kind: 'preview', pullRequest: event.number }
  // A drift check reads the cluster: a dry run stays a render.
  if (config.dryRun) return { kind: 'preview', pullRequest: undefined }
  if (event.name === 'schedule' || (event.name === 'workflow_dispatch' && config.mode === 'drift'))
    return {
      kind: config.drift === 'correct' ? 'drift-correct' : 'drift-report',
      failOnDrift: config.failOnDrift,
      pruneWithoutKey: config.prune && config.ownershipKey === undefined,
      issues: config.driftIssues
    }
  return { kind: scope.kind === 'all' ? 'resync' : 'deploy' }
}
