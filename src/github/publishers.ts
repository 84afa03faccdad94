import { type Config } from '../types/config.ts'
import { isDriftCheck, type DeploymentPlan } from '../types/plan.ts'
import { type Result } from '../types/results.ts'
import { errorMessage } from '../error-message.ts'
import { diffCommentBody, type PreviewReport } from '../report/report.ts'
import { allResults } from '../report/results.ts'
import { setupDrifts } from '../report/drift-summary.ts'
import { runNotice, runWarning } from '../report/run-warning.ts'
import { printUntrusted } from '../report/untrusted-text.ts'
import type { GitHubApi } from './api.ts'
import type { WorkflowIdentity } from './event.ts'
import {
  deploymentGroups,
  finishDeployments,
  startDeployments,
  type StartedDeployments
} from './deployments.ts'
import { syncDriftIssues } from './drift-issues.ts'
import { commentMarker, commitThread, upsertComment } from './pr-comment.ts'
import type { DeploymentRecord } from '../types/fleet.ts'
import { mask } from '../secrets/masking.ts'
import { COMMENT_LIMIT } from '../report/diff-markdown.ts'

// What the run tells GitHub beside the step's own report, each from the typed
// outcomes: the Deployments of a deploy, a preview's pull request comment, a drift
// check's issues. The clusters are what counts: a publisher that fails is a
// warning, never the step's failure.

/** How the run ended: with the engine's results and the report written, or stopped by an error. */
export type RunOutcome =
  | {
      readonly kind: 'finished'
      readonly plan: DeploymentPlan
      /** The engine's results (the plan's problems are not among them). */
      readonly results: readonly Result[]
      readonly cancelled: boolean
      /** A preview's diff base and where its full text is. */
      readonly preview: PreviewReport | undefined
    }
  | { readonly kind: 'stopped' }

interface Publisher {
  /** The warning's opening words when it fails. */
  readonly failure: string
  /** Before the engine runs. */
  start?(): Promise<void>
  finish(outcome: RunOutcome): Promise<void>
}

export interface Publishers {
  start(): Promise<void>
  finish(outcome: RunOutcome): Promise<void>
  /** The Deployments recorded, once finished. */
  deployments(): readonly DeploymentRecord[]
}

export interface PublishingInput {
  readonly plan: DeploymentPlan
  readonly config: Pick<Config, 'deployments' | 'deploymentEnvironment' | 'publish'>
  readonly api: GitHubApi
  readonly workflow: WorkflowIdentity
  /**
   * A fleet's report: the jobs have finished, so Deployments get their final status at
   * once, and the summary goes to the commit as a comment when there is no pull request's.
   */
  readonly report?: { readonly summary: string }
}

/** The publishers the plan's run kind asks for, in the order they finish; none with publish: false. */
export function publishersOf(input: PublishingInput): Publishers {
  const { plan, config } = input
  const { runKind } = plan
  const pullRequest = runKind.kind === 'preview' ? runKind.pullRequest : undefined
  const deployments =
    config.deployments !== 'none' && runKind.kind !== 'preview' && plan.setups.length > 0
      ? deploymentsPublisher(input, config.deployments)
      : undefined
  const all = config.publish
    ? [
        pullRequest !== undefined ? commentPublisher(input, pullRequest) : undefined,
        pullRequest === undefined && input.report
          ? commitCommentPublisher(input, input.report.summary)
          : undefined,
        deployments,
        isDriftCheck(runKind) && runKind.issues ? driftIssuesPublisher(input) : undefined
      ].filter((p): p is Publisher => p !== undefined)
    : []
  const guarded = async (p: Publisher, call: () => Promise<void>): Promise<void> => {
    try {
      await call()
    } catch (error) {
      runWarning(`${p.failure}: ${errorMessage(error)}`)
    }
  }
  return {
    start: async () => {
      for (const p of all) if (p.start) await guarded(p, p.start)
    },
    finish: async (outcome) => {
      for (const p of all) await guarded(p, () => p.finish(outcome))
    },
    deployments: () => (config.publish ? (deployments?.records ?? []) : [])
  }
}

/** The run's GitHub Deployments: in progress while the engine runs, then their end. */
function deploymentsPublisher(
  { plan, config, api, workflow, report }: PublishingInput,
  granularity: Exclude<Config['deployments'], 'none'>
): Publisher & { records: DeploymentRecord[] } {
  let started: StartedDeployments | undefined
  const records: DeploymentRecord[] = []
  return {
    failure: 'GitHub Deployments could not be recorded',
    records,
    start: async () => {
      started = await startDeployments(api, {
        groups: deploymentGroups(
          plan.setups.map((s) => s.setup),
          granularity,
          config.deploymentEnvironment,
          waveOfPlan(plan)
        ),
        sha: plan.sha,
        logUrl: workflow.runUrl,
        inProgress: report === undefined
      })
    },
    finish: async (outcome) => {
      if (!started) return
      const end = outcome.kind === 'finished' ? outcome : { kind: 'stopped' as const }
      const finished = await finishDeployments(api, started, end, workflow.runUrl)
      records.push(...finished.records)
      const problems = [...started.problems, ...finished.problems]
      if (problems.length > 0) throw new Error(problems.join('; '))
    }
  }
}

/** A setup's wave as the plan orders them (1-based). */
function waveOfPlan(plan: DeploymentPlan): (setup: string) => number {
  const waves = new Map(plan.waves.flatMap((setups, i) => setups.map((s) => [s, i + 1] as const)))
  return (setup) => waves.get(setup) ?? 1
}

/** The sticky comment of a pull request's preview: its diff. */
function commentPublisher({ api, workflow }: PublishingInput, pullRequest: number): Publisher {
  return {
    failure: 'The diff could not be posted as a pull request comment',
    finish: async (outcome) => {
      if (outcome.kind !== 'finished' || !outcome.preview) return
      const { plan, results, preview } = outcome
      const marker = commentMarker(workflow.file)
      const body = diffCommentBody(plan, results, preview, marker)
      const affected = results.length + plan.problems.length > 0
      const posted = await upsertComment(api, pullRequest, marker, body, affected)
      if (posted.kind === 'skipped') runNotice(posted.reason)
    }
  }
}

/** A fleet report's summary as one comment on the commit it deployed, edited by re-runs. */
function commitCommentPublisher(
  { api, workflow, plan }: PublishingInput,
  summary: string
): Publisher {
  return {
    failure: 'The report could not be posted as a commit comment',
    finish: async (outcome) => {
      if (outcome.kind !== 'finished') return
      const marker = `<!-- gitops-action report ${(workflow.file ?? 'workflow').replace(/--/g, '- -')} -->`
      const limit = COMMENT_LIMIT - marker.length - 200
      const text = mask(summary)
      const body =
        text.length <= limit
          ? `${marker}\n${text}`
          : `${marker}\n${text.slice(0, limit)}\n\n… cut to fit a comment: the whole report is in the job summary${workflow.runUrl ? ` (${workflow.runUrl})` : ''}.`
      const posted = await upsertComment(api, commitThread(api, plan.sha), marker, body)
      if (posted.kind === 'skipped') runNotice(posted.reason)
    }
  }
}

/** One issue a setup, kept up to date with what the drift check found. */
function driftIssuesPublisher({ api }: PublishingInput): Publisher {
  return {
    failure: 'The drift issues could not be kept up to date',
    finish: async (outcome) => {
      if (outcome.kind !== 'finished') return
      const drifts = setupDrifts(outcome.plan.sha, allResults(outcome.plan, outcome.results))
      for (const o of await syncDriftIssues(api, drifts))
        if (o.change !== 'none')
          printUntrusted(`Drift issue of ${o.setup}: #${o.number} ${o.change}`)
    }
  }
}
