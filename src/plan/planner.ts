import { posix } from 'node:path'
import type { ChangedPath, Changes, Scope } from '../types/changes.ts'
import type { Config } from '../types/config.ts'
import type {
  DeploymentPlan,
  FileProblem,
  PlannedStep,
  PlanProblem,
  PlanSpec,
  PlanTarget,
  RunKind,
  SetupPlan
} from '../types/plan.ts'
import { setupReleaseKey } from '../types/plan.ts'
import { unreadable } from './checkout.ts'
import type { Checkout, CommitFiles, FileText } from './checkout.ts'
import {
  DEFAULTS_FILE,
  DefaultsFileError,
  NO_DEFAULTS,
  optionsFor,
  parseDefaultsFile
} from './defaults.ts'
import { removals, type Removed } from './removal.ts'
import type { Defaults } from './defaults.ts'
import { classifyPath, matchesAny } from './layout.ts'
import type { LayoutOptions } from './layout.ts'
import { needsProblems } from './needs.ts'
import { parsePlanFile, type RawPlan } from './plan-file.ts'
import { settleOptions } from './plan-options.ts'
import { loadRepositories } from './repositories.ts'
import { normalizeRepoPath, resolvePlan } from './resolve-plan.ts'
import type { PlanReferences } from './resolve-plan.ts'
import { errorMessage } from '../error-message.ts'
import { checkWaveLines, groupWaves, namedByWaves } from '../waves/group.ts'

// From the scope and the changed paths to the steps per setup:
// which plans are affected, why, and in what order. Reads the checkout, writes nothing.

export interface PlanningInput {
  readonly config: Config
  readonly scope: Scope
  readonly changes: Changes | undefined
  /** Opened only when some plan is in scope: a branch deletion has no commit to check out. */
  readonly openCheckout: () => Promise<Checkout>
  readonly sha: string
  readonly runKind: RunKind
}

/** A plan-shaped file at head, read and checked. */
interface Candidate {
  readonly target: PlanTarget
  readonly spec: PlanSpec | undefined
  readonly problem: FileProblem | undefined
  readonly references: PlanReferences | undefined
}

export const MAX_PLAN_BYTES = 64 * 1024
/** Problems of one file shown in its error; the rest are counted. */
const MAX_PROBLEMS_SHOWN = 10

export async function planDeployment(input: PlanningInput): Promise<DeploymentPlan> {
  const { config, scope, changes, sha } = input
  if (scope.kind === 'none')
    return {
      sha,
      setups: [],
      problems: [],
      waves: [],
      repositories: config.helmRepositories,
      runKind: input.runKind
    }
  if (scope.kind === 'diff' && !changes)
    throw new Error('planDeployment: a diff scope needs the changed paths')

  const checkout = await input.openCheckout()
  const files = checkout.listFiles()
  const repositories = loadRepositories(checkout, config.helmRepositories, files)
  const aliases = new Set(repositories.map((r) => r.name))
  const layout: LayoutOptions = {
    setupNameSize: config.setupNameSize,
    ignore: config.ignore,
    chartDirs: chartDirsOf(files)
  }

  // The base commit is read by git while the head's plans are parsed: only a push that
  // removes a plan-shaped path needs it, to tell whether that path was a plan.
  const base =
    scope.kind === 'diff' &&
    (changes as Changes).paths.some(
      (p) => p.status === 'removed' && classifyPath(p.path, layout).kind === 'plan'
    )
      ? readBase(checkout, (changes as Changes).base, config)
      : undefined
  // Awaited only when some removed path could be a plan; a failure is reported there.
  base?.catch(() => undefined)
  const defaults = files.includes(DEFAULTS_FILE) ? readDefaults(checkout) : NO_DEFAULTS
  const candidates = await readCandidates(files, layout, checkout, aliases, defaults)
  const index = indexPlans(candidates)
  const affected =
    scope.kind === 'all'
      ? allPlans(index, scope.reason)
      : changedPlans(index, (changes as Changes).paths, layout)
  const removals =
    base === undefined
      ? { uninstalls: [], problems: [] }
      : await removedPlans(affected.uninstalls, base, (changes as Changes).base)

  // A bad line stops the run before any cluster is touched. A setup whose last plan this
  // commit removes still counts: its uninstalls run in the wave that names it.
  checkWaveLines(config.waves, [
    ...candidates.map((c) => c.target.setup),
    ...removals.uninstalls.map((u) => u.target.setup)
  ])
  const selected = (target: PlanTarget): boolean =>
    config.plans.length === 0 || matchesAny(target.plan, config.plans)
  const steps: PlannedStep[] = []
  const problems: PlanProblem[] = []
  for (const [path, reasons] of affected.applies) {
    const plan = index.plans.get(path) as Candidate
    if (!selected(plan.target)) continue
    if (plan.problem) problems.push({ target: plan.target, problem: plan.problem })
    else {
      const spec = withWaveHealth(plan.spec as PlanSpec, plan.target, config)
      steps.push({ action: 'apply', target: plan.target, spec, reasons })
    }
  }
  for (const { target, reasons, removal, needs } of removals.uninstalls) {
    if (selected(target)) steps.push({ action: 'uninstall', target, reasons, removal, needs })
  }
  for (const problem of removals.problems) if (selected(problem.target)) problems.push(problem)
  problems.sort((a, b) => compare(a.target.plan, b.target.plan))
  const setups = bySetup(steps)
  const affectedSetups = [...setups.map((s) => s.setup), ...problems.map((p) => p.target.setup)]
  return {
    sha,
    setups,
    problems,
    waves: groupWaves(config.waves, affectedSetups),
    repositories,
    runKind: input.runKind
  }
}

/** Every plan of a setup a line of `waves` names is health-checked: the gate reads its health. */
function withWaveHealth(spec: PlanSpec, target: PlanTarget, config: Config): PlanSpec {
  if (spec.options.health.enable || !namedByWaves(config.waves, target.setup)) return spec
  return { ...spec, options: { ...spec.options, health: { ...spec.options.health, enable: true } } }
}

/** Release options are a few lines: a larger defaults file is a mistake. */
const MAX_DEFAULTS_BYTES = 64 * 1024

export function readDefaults(checkout: Checkout): Defaults {
  const read = checkout.readText(DEFAULTS_FILE, MAX_DEFAULTS_BYTES)
  if (!read.ok)
    throw new DefaultsFileError(`${DEFAULTS_FILE} ${unreadable(read, 'it', MAX_DEFAULTS_BYTES)}`)
  return parseDefaultsFile(read.text)
}

async function readCandidates(
  files: readonly string[],
  layout: LayoutOptions,
  checkout: Checkout,
  aliases: ReadonlySet<string>,
  defaults: Defaults
): Promise<Candidate[]> {
  const shaped = files.map((file) => classifyPath(file, layout)).filter((l) => l.kind !== 'other')
  const texts = await checkout.committedTexts(
    shaped.filter((l) => l.kind === 'plan').map((l) => l.target.plan),
    MAX_PLAN_BYTES
  )
  return shaped.map((layout): Candidate => {
    const { target } = layout
    if (layout.kind === 'invalid')
      return candidate(target, undefined, [{ file: target.plan, message: layout.message }])
    const self = checkout.resolve(target.plan)
    if (!self.ok) {
      return candidate(target, undefined, [
        {
          file: target.plan,
          message: 'the plan file is a symlink that leads outside the repository'
        }
      ])
    }
    // A plan file is a few lines: a huge one would only flood the log and the annotation.
    // Symlinked and oversized plans are not among the texts: reading them says why.
    const committed = texts.get(target.plan)
    const read: FileText =
      committed === undefined
        ? checkout.readText(target.plan, MAX_PLAN_BYTES)
        : { ok: true, text: committed }
    if (!read.ok) {
      return candidate(target, undefined, [
        {
          file: target.plan,
          message: `the plan file ${unreadable(read, 'a plan file', MAX_PLAN_BYTES)}`
        }
      ])
    }
    const text = read.text
    const parsed = parsePlanFile(target.plan, text)
    if (!parsed.ok) return candidate(target, undefined, parsed.problems)
    const options = settleOptions(optionsFor(defaults, target, parsed.plan.options))
    const resolved = resolvePlan(target.plan, parsed.plan, checkout, aliases, options)
    return resolved.ok
      ? candidate(target, resolved.references, [], resolved.spec)
      : candidate(target, resolved.references, resolved.problems)
  })
}

/** Several problems of one file become one error, at the line of the first. */
function candidate(
  target: PlanTarget,
  references: PlanReferences | undefined,
  problems: readonly FileProblem[],
  spec?: PlanSpec
): Candidate {
  const [first] = problems
  const shown = problems
    .slice(0, MAX_PROBLEMS_SHOWN)
    .map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message))
  if (problems.length > MAX_PROBLEMS_SHOWN)
    shown.push(`and ${problems.length - MAX_PROBLEMS_SHOWN} more problem(s)`)
  const leakedUrls = problems.flatMap((p) => p.leakedUrls ?? [])
  const problem: FileProblem | undefined = first && {
    file: first.file,
    line: first.line,
    message: shown.join('; '),
    ...(leakedUrls.length > 0 && { leakedUrls })
  }
  return { target, spec, problem, references }
}

interface PlanIndex {
  /** Plans at head by path: candidates that no plan uses as values or hook. */
  readonly plans: ReadonlyMap<string, Candidate>
  /** Plan paths by release key, to tell a rename from a removal. */
  readonly byRelease: ReadonlyMap<string, readonly string[]>
  /** Values path → plans using it. */
  readonly byValues: ReadonlyMap<string, readonly string[]>
  /** Local chart folder → plans using it. */
  readonly byChart: ReadonlyMap<string, readonly string[]>
  /** Every path a plan refers to (values, hooks): never plans themselves. */
  readonly referenced: ReadonlySet<string>
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function indexPlans(candidates: readonly Candidate[]): PlanIndex {
  const referenced = new Set<string>()
  for (const c of candidates)
    for (const path of [...(c.references?.values ?? []), ...(c.references?.hooks ?? [])])
      referenced.add(path)

  const plans = new Map<string, Candidate>()
  const byRelease = new Map<string, string[]>()
  const byValues = new Map<string, string[]>()
  const byChart = new Map<string, string[]>()
  for (const c of candidates) {
    if (referenced.has(c.target.plan)) continue
    plans.set(c.target.plan, c)
    push(byRelease, setupReleaseKey(c.target), c.target.plan)
    for (const values of c.references?.values ?? []) push(byValues, values, c.target.plan)
    for (const dir of c.references?.chartDirs ?? []) push(byChart, dir, c.target.plan)
  }
  // Two files for one release (demo.yaml and demo.yml) would fight over it: both fail.
  for (const paths of byRelease.values()) {
    if (paths.length < 2) continue
    for (const path of paths) {
      const c = plans.get(path) as Candidate
      const others = paths.filter((p) => p !== path).join(', ')
      const problem = {
        file: path,
        message: `release '${c.target.release}' in namespace '${c.target.namespace}' of setup '${c.target.setup}' is also defined by ${others}; keep one file`
      }
      plans.set(path, { ...c, spec: undefined, problem })
    }
  }
  // A plan file with problems still counts as the plan others need: its own error says the rest.
  const needing = [...plans.values()].map((c) => ({
    target: c.target,
    needs: c.spec && c.references ? c.references.needs : []
  }))
  for (const [path, problem] of needsProblems(needing)) {
    const c = plans.get(path) as Candidate
    plans.set(path, { ...c, spec: undefined, problem })
  }
  return { plans, byRelease, byValues, byChart, referenced }
}

interface Affected {
  /** Plan path → why it must be applied, in the order found. */
  readonly applies: Map<string, string[]>
  readonly uninstalls: { readonly target: PlanTarget; readonly reasons: string[] }[]
}

type Uninstall = Affected['uninstalls'][number]

function allPlans(index: PlanIndex, reason: string): Affected {
  return {
    applies: new Map([...index.plans.keys()].map((path) => [path, [reason]])),
    uninstalls: []
  }
}

function changedPlans(
  index: PlanIndex,
  paths: readonly ChangedPath[],
  layout: LayoutOptions
): Affected {
  const applies = new Map<string, string[]>()
  const uninstalls: Affected['uninstalls'] = []
  const apply = (plan: string, reason: string): void => {
    const reasons = applies.get(plan)
    if (!reasons) applies.set(plan, [reason])
    else if (!reasons.includes(reason)) reasons.push(reason)
  }

  for (const { path, status } of paths) {
    // The defaults may change any plan's options; an unchanged digest keeps it `unchanged`.
    if (path === DEFAULTS_FILE)
      for (const plan of index.plans.keys()) apply(plan, `${DEFAULTS_FILE} ${status}`)
    if (index.plans.has(path)) apply(path, `${path} ${status}`)
    for (const plan of index.byValues.get(path) ?? []) apply(plan, `values file ${path} ${status}`)
    for (const dir of ancestors(path)) {
      for (const plan of index.byChart.get(dir) ?? [])
        apply(plan, `local chart ${dir}: ${path} ${status}`)
    }
    if (status !== 'removed' || index.plans.has(path) || index.referenced.has(path)) continue
    const gone = classifyPath(path, layout)
    if (gone.kind !== 'plan') continue
    // Moved to another file with the same setup, namespace and release: still deployed, just re-applied.
    const successors = index.byRelease.get(setupReleaseKey(gone.target))
    if (successors)
      for (const plan of successors)
        apply(plan, `${path} removed; the release is now defined by ${plan}`)
    else uninstalls.push({ target: gone.target, reasons: [`${path} removed`] })
  }
  return { applies, uninstalls }
}

/** The base commit's files, which of them are plan-shaped, and their texts. */
interface BaseCommit {
  readonly files: CommitFiles
  readonly layout: LayoutOptions
  readonly shaped: readonly string[]
  readonly texts: ReadonlyMap<string, string>
}

async function readBase(checkout: Checkout, sha: string, config: Config): Promise<BaseCommit> {
  const files = await checkout.commitFiles(sha)
  const layout: LayoutOptions = {
    setupNameSize: config.setupNameSize,
    ignore: config.ignore,
    chartDirs: chartDirsOf(files.files)
  }
  const shaped = files.files.filter((f) => classifyPath(f, layout).kind !== 'other')
  const texts = await files.texts(
    files.files.includes(DEFAULTS_FILE) ? [...shaped, DEFAULTS_FILE] : shaped,
    MAX_PLAN_BYTES
  )
  return { files, layout, shaped, texts }
}

/**
 * Only what was a plan is ever uninstalled: a removed path counts when the base commit
 * held it as a plan, not as a values file or hook of another plan, nor inside a local
 * chart (a folder deleted with its plan takes those along, and they are no releases).
 */
async function removedPlans(
  candidates: readonly Uninstall[],
  reading: Promise<BaseCommit>,
  base: string
): Promise<{
  uninstalls: (Removed & { readonly needs: readonly string[] })[]
  problems: PlanProblem[]
}> {
  if (candidates.length === 0) return { uninstalls: [], problems: [] }
  let baseCommit: BaseCommit
  try {
    baseCommit = await reading
  } catch (error) {
    const message = `removed since ${base.slice(0, 12)}, but that commit's tree cannot be read to tell whether it was a plan (${errorMessage(error)}); nothing is uninstalled: re-run the job with the full history checked out (fetch-depth: 0)`
    return {
      uninstalls: [],
      problems: candidates.map(({ target }) => ({
        target,
        problem: { file: target.plan, message }
      }))
    }
  }
  const { files: baseFiles, layout, shaped, texts } = baseCommit
  const referenced = new Set<string>()
  const parsedPlans = new Map<string, RawPlan>()
  for (const [file, text] of texts) {
    if (file === DEFAULTS_FILE) continue
    const parsed = parsePlanFile(file, text)
    if (!parsed.ok) continue
    parsedPlans.set(file, parsed.plan)
    const { values, hooks } = parsed.plan
    for (const at of [...values, ...Object.values(hooks).flat()]) {
      const path = normalizeRepoPath(at.text)
      if (path !== undefined) referenced.add(path)
    }
  }
  const wasPlan = new Set(shaped)
  const gone = candidates.filter(
    ({ target }) =>
      wasPlan.has(target.plan) &&
      !referenced.has(target.plan) &&
      classifyPath(target.plan, layout).kind === 'plan'
  )
  const removed = await removals(gone, parsedPlans, texts.get(DEFAULTS_FILE), baseFiles, base)
  // The needs the plans had at base: uninstalls run in reverse order of them.
  const needsAtBase = (plan: string): string[] =>
    parsedPlans.get(plan)?.needs.map((n) => n.text) ?? []
  return {
    ...removed,
    uninstalls: removed.uninstalls.map((u) => ({ ...u, needs: needsAtBase(u.target.plan) }))
  }
}

export function chartDirsOf(files: readonly string[]): Set<string> {
  return new Set(
    files.filter((f) => posix.basename(f) === 'Chart.yaml').map((f) => posix.dirname(f))
  )
}

function ancestors(path: string): string[] {
  const dirs: string[] = []
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) dirs.push(path.slice(0, i))
  return dirs
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Per setup: uninstalls first, then applies, each in path order. */
function bySetup(steps: readonly PlannedStep[]): SetupPlan[] {
  const setups = new Map<string, PlannedStep[]>()
  for (const step of steps) push(setups, step.target.setup, step)
  const rank = (s: PlannedStep): number => (s.action === 'uninstall' ? 0 : 1)
  return [...setups.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([setup, list]) => ({
      setup,
      steps: list.sort((a, b) => rank(a) - rank(b) || compare(a.target.plan, b.target.plan))
    }))
}
