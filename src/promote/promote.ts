import { GitError, type Checkout as Git } from '../changes/git.ts'
import {
  branchFiles,
  commitFiles,
  isNewer,
  pushBranch,
  remoteTip
} from '../changes/promotion-branch.ts'
import { errorMessage } from '../error-message.ts'
import { ApiError, type GitHubApi, type PullRequest, type PullRequestText } from '../github/api.ts'
import { branchOf, type WorkflowIdentity } from '../github/event.ts'
import { LAST_SUCCESSFUL_RUN } from '../github/scope.ts'
import type { Checkout } from '../plan/checkout.ts'
import { matchesAny } from '../plan/layout.ts'
import { MAX_PLAN_BYTES } from '../plan/planner.ts'
import { mask } from '../secrets/masking.ts'
import type { Scope } from '../types/changes.ts'
import type { Config } from '../types/config.ts'
import type { DeploymentPlan } from '../types/plan.ts'
import {
  NO_PROMOTIONS,
  PROMOTION_KEYS,
  type Promotion,
  type PromotionReport,
  type PromotionRule
} from '../types/promotion.ts'
import type { Result } from '../types/results.ts'
import {
  bodyOf,
  commitMessage,
  fingerprintIn,
  fingerprintOf,
  promotedPlans,
  titleOf,
  type BodyInput
} from './body.ts'
import { promotionBranch } from './branch-name.ts'
import {
  keysOf,
  proposals as proposalsOf,
  withBranch,
  type Branch,
  type BranchEdit,
  type PlanFile,
  type PlansBySetup,
  type Proposal,
  type Standing
} from './decide.ts'
import { carryKeys, PlanEditError } from './edit.ts'
import { planFileOf, readPlanFiles } from './read.ts'
import { standingOf } from './standing.ts'

// After a deploy: each target setup's promotions pushed as its branch and proposed
// as one pull request (opened, or the open one updated). Nothing here fails the
// run: a refused push or API call is a warning, and the deploy's result stands.

export interface PromotionRun {
  readonly rules: readonly PromotionRule[]
  readonly plan: DeploymentPlan
  readonly results: readonly Result[]
  readonly scope: Scope
  readonly cancelled: boolean
  readonly config: Pick<Config, 'workspace' | 'plans' | 'setupNameSize' | 'ignore'>
  readonly ref: string
  readonly workflow: Pick<WorkflowIdentity, 'runUrl'>
  readonly api: GitHubApi
  readonly checkout: () => Promise<Checkout>
  readonly signal: AbortSignal
}

/** What promotion did, and notes for the results of the `from` plans this run deployed. */
export interface Promoted extends PromotionReport {
  readonly planNotes: ReadonlyMap<string, readonly string[]>
}

const NOTHING: Promoted = { ...NO_PROMOTIONS, planNotes: new Map() }

/** Only runs that apply what git says promote: a deploy or a re-sync, not cancelled. */
export function promotes(run: Pick<PromotionRun, 'rules' | 'plan' | 'cancelled'>): boolean {
  const { kind } = run.plan.runKind
  return run.rules.length > 0 && !run.cancelled && (kind === 'deploy' || kind === 'resync')
}

/** Never throws: whatever goes wrong is a warning, and the deploy's result stands. */
export async function promote(run: PromotionRun): Promise<Promoted> {
  if (!promotes(run)) return NOTHING
  try {
    return await promoteAll(run)
  } catch (error) {
    return { ...NOTHING, warnings: [`Nothing promoted: ${errorMessage(error)}.`] }
  }
}

async function promoteAll(run: PromotionRun): Promise<Promoted> {
  const branch = branchOf(run.ref)
  if (branch === undefined)
    return { ...NOTHING, notes: [`Nothing promoted: ${run.ref} is no branch to propose to.`] }
  const checkout = await run.checkout()
  const plans = await readPlanFiles(checkout, run.config, run.rules)
  const evidence = {
    results: new Map(run.results.map((r) => [r.plan, r])),
    problems: new Set(run.plan.problems.map((p) => p.target.plan)),
    deployedBase: deployedBase(run.scope, run.plan),
    selected: (plan: string) => run.config.plans.length === 0 || matchesAny(plan, run.config.plans)
  }
  const standing = (plan: PlanFile): Standing => standingOf(evidence, plan)
  const own = proposalsOf(run.rules, plans, standing)
  const report: Report = {
    promotions: [],
    notes: [],
    warnings: [],
    planNotes: new Map([...own.notes].map(([plan, notes]) => [plan, [...notes]]))
  }
  const setups = [...new Set(run.rules.flatMap((r) => r.to))]
  for (const setup of setups) {
    const mine = own.bySetup.get(setup) ?? []
    // A target is proposed to after a run that proved something new for it; the rest waits.
    if (!mine.some((p) => p.proof.kind === 'run')) continue
    const context: SetupContext = {
      run,
      setup,
      deployedBranch: branch,
      own: mine,
      plans,
      standing,
      git: { workspace: run.config.workspace, signal: run.signal },
      report
    }
    try {
      await promoteSetup(context)
    } catch (error) {
      const hint =
        error instanceof GitError
          ? ' (the push uses the credentials actions/checkout keeps in the checkout: leave persist-credentials on, with a token that may push)'
          : ''
      report.warnings.push(`Nothing promoted to ${setup}: ${errorMessage(error)}${hint}.`)
    }
  }
  return report
}

interface Report {
  promotions: Promotion[]
  notes: string[]
  warnings: string[]
  planNotes: Map<string, string[]>
}

interface SetupContext {
  readonly run: PromotionRun
  readonly setup: string
  readonly deployedBranch: string
  readonly own: readonly Proposal[]
  readonly plans: PlansBySetup
  readonly standing: (plan: PlanFile) => Standing
  readonly git: Git
  readonly report: Report
}

/** Attempts at the push: the second is built on what a concurrent run pushed meanwhile. */
const PUSH_ATTEMPTS = 2

async function promoteSetup(context: SetupContext): Promise<void> {
  const { run, setup, report } = context
  const branch = promotionBranch(setup)
  let requests: PullRequest[]
  try {
    requests = await run.api.pullRequests(branch)
  } catch (error) {
    report.warnings.push(
      `Nothing promoted to ${setup}: its pull requests could not be listed (${errorMessage(error)}); the token needs pull-requests: write.`
    )
    return
  }
  const open = requests.find((r) => r.open)
  let proposed: Proposal[]
  for (let attempt = 1; ; attempt++) {
    const tip = await remoteTip(context.git, branch)
    const onBranch = tip === undefined ? undefined : await readBranch(context, tip)
    const built = build(
      context,
      onBranch
        ? withBranch(setup, context.own, onBranch, run.rules, context.plans, context.standing)
        : context.own
    )
    proposed = built.proposals
    if (built.texts.size === 0) return
    const fingerprint = fingerprintOf(proposed)
    const closed = requests.find(
      (r) => !r.open && !r.merged && fingerprintIn(r.body) === fingerprint
    )
    if (!open && closed) {
      report.notes.push(
        `Not proposed to ${setup} again: pull request #${closed.number} proposed the same values and was closed without merging.`
      )
      return
    }
    if (
      open &&
      onBranch &&
      fingerprintIn(open.body) === fingerprint &&
      sameTexts(onBranch.texts, built.texts)
    ) {
      record(context, branch, open, proposed)
      return
    }
    const body = bodyInput(context, branch, proposed)
    const commit = await commitFiles(context.git, run.plan.sha, built.texts, commitMessage(body))
    const pushed = await pushBranch(context.git, commit, branch, tip)
    if (pushed.kind === 'pushed') break
    if (attempt >= PUSH_ATTEMPTS) {
      report.warnings.push(
        `Nothing promoted to ${setup}: the push of ${branch} was rejected ${PUSH_ATTEMPTS} times, each time after another run had updated it (${pushed.reason}); the next promotion to ${setup} tries again.`
      )
      return
    }
  }
  const text = {
    title: mask(titleOf(setup, proposed)),
    body: mask(bodyOf(bodyInput(context, branch, proposed))),
    base: context.deployedBranch
  }
  try {
    const request = open
      ? await run.api.updatePullRequest(open.number, text)
      : await openOrUpdate(run.api, branch, text)
    record(context, branch, request, proposed)
  } catch (error) {
    report.warnings.push(
      `${branch} was pushed, but its pull request could not be ${open ? `updated (#${open.number})` : 'opened'}: ${errorMessage(error)}. The token needs pull-requests: write; open it by hand, or the next promotion tries again.`
    )
    report.promotions.push({
      setup,
      branch,
      number: null,
      url: null,
      plans: promotedPlans(proposed)
    })
  }
}

/**
 * Opens the branch's pull request; when a concurrent run opened it first (GitHub
 * refuses a second one for the same head with 422), updates that one instead.
 */
export async function openOrUpdate(
  api: GitHubApi,
  branch: string,
  text: PullRequestText
): Promise<PullRequest> {
  try {
    return await api.createPullRequest(branch, text)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error
    const open = (await api.pullRequests(branch)).find((r) => r.open)
    if (!open) throw error
    return api.updatePullRequest(open.number, text)
  }
}

function record(
  context: SetupContext,
  branch: string,
  request: PullRequest,
  proposed: readonly Proposal[]
): void {
  const { report, setup } = context
  report.promotions.push({
    setup,
    branch,
    number: request.number,
    url: request.url,
    plans: promotedPlans(proposed)
  })
  for (const p of proposed) {
    if (p.proof.kind !== 'run') continue
    const notes = report.planNotes.get(p.from) ?? []
    const note = `promoted to ${setup}: pull request #${request.number}`
    if (!notes.includes(note)) notes.push(note)
    report.planNotes.set(p.from, notes)
  }
}

/** The target files with every proposal written in; a file that cannot be edited is left out, with a note. */
function build(
  context: SetupContext,
  proposals: readonly Proposal[]
): { texts: Map<string, string>; proposals: Proposal[] } {
  const texts = new Map<string, string>()
  const kept: Proposal[] = []
  for (const p of proposals) {
    const path = p.target.target.plan
    try {
      texts.set(path, carryKeys(texts.get(path) ?? p.target.text, p.source, keysOf(p)))
      kept.push(p)
    } catch (error) {
      if (!(error instanceof PlanEditError)) throw error
      context.report.notes.push(`Not promoted to ${path}: ${error.message}.`)
    }
  }
  for (const [path, text] of texts) {
    const unchanged = kept.find((p) => p.target.target.plan === path)?.target.text === text
    if (unchanged) texts.delete(path)
  }
  return { texts, proposals: kept.filter((p) => texts.has(p.target.target.plan)) }
}

async function readBranch(
  context: SetupContext,
  tip: string
): Promise<Branch & { texts: ReadonlyMap<string, string> }> {
  const targets = [...(context.plans.get(context.setup)?.values() ?? [])]
  const files = await branchFiles(
    context.git,
    tip,
    targets.map((t) => t.target.plan),
    MAX_PLAN_BYTES
  )
  const edits: BranchEdit[] = []
  for (const target of targets) {
    const before = files.before.get(target.target.plan)
    const text = files.texts.get(target.target.plan)
    if (before === undefined || text === undefined) continue
    const values = planFileOf(target.target, text).values
    const was = planFileOf(target.target, before).values
    if (!values) continue
    const keys = PROMOTION_KEYS.filter(
      (k) => values.keys[k] !== undefined && values.keys[k] !== was?.keys[k]
    )
    if (keys.length > 0) edits.push({ plan: target.target.plan, text, values, keys })
  }
  const newer =
    files.parent !== undefined && (await isNewer(context.git, files.parent, context.run.plan.sha))
  return { commit: tip, edits, newer, texts: files.texts }
}

function sameTexts(
  onBranch: ReadonlyMap<string, string>,
  built: ReadonlyMap<string, string>
): boolean {
  return [...built].every(([path, text]) => onBranch.get(path) === text)
}

function bodyInput(
  context: SetupContext,
  branch: string,
  proposals: readonly Proposal[]
): BodyInput {
  return {
    setup: context.setup,
    branch,
    proposals,
    commit: context.run.plan.sha,
    runUrl: context.run.workflow.runUrl
  }
}

/**
 * The commit whose plans the last successful run deployed, when this deploy's diff
 * starts there: a plan the diff leaves alone is still deployed as it says.
 */
function deployedBase(scope: Scope, plan: DeploymentPlan): string | undefined {
  return plan.runKind.kind === 'deploy' &&
    scope.kind === 'diff' &&
    scope.baseReason.startsWith(LAST_SUCCESSFUL_RUN)
    ? scope.base
    : undefined
}

/** This run's results with what promotion has to tell about each `from` plan it deployed. */
export function withPromotionNotes(
  results: readonly Result[],
  promoted: Pick<Promoted, 'planNotes'>
): Result[] {
  return results.map((r) => {
    const notes = promoted.planNotes.get(r.plan)
    return notes && notes.length > 0 ? { ...r, notes: [...r.notes, ...notes] } : r
  })
}
