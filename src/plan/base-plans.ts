import { type Config } from '../types/config.ts'
import { type BasePlan } from '../types/diff-base.ts'
import { setupReleaseKey, type FileProblem, type PlanTarget } from '../types/plan.ts'
import type { Checkout } from './checkout.ts'
import { classifyPath } from './layout.ts'
import { parsePlanFile } from './plan-file.ts'
import { loadRepositories } from './repositories.ts'
import { resolvePlan } from './resolve-plan.ts'
import { chartDirsOf, MAX_PLAN_BYTES, readDefaults } from './planner.ts'
import {
  DEFAULTS_FILE,
  DefaultsFileError,
  NO_DEFAULTS,
  optionsFor,
  type Defaults
} from './defaults.ts'
import { settleOptions } from './plan-options.ts'

// The diff base's side of a preview: how each affected release stood at the base
// commit, read from that commit's own plan files, values and repositories file,
// with the same checks as head. A release is looked up by setup, namespace and
// name, so a plan moved to another file compares with its old file.

export interface BasePlans {
  readonly repositories: Config['helmRepositories']
  readonly plans: ReadonlyMap<string, BasePlan>
}

export function readBasePlans(
  checkout: Checkout,
  config: Pick<Config, 'helmRepositories' | 'setupNameSize' | 'ignore'>,
  targets: readonly PlanTarget[]
): BasePlans {
  const files = checkout.listFiles()
  const repositories = loadRepositories(checkout, config.helmRepositories, files)
  const aliases = new Set(repositories.map((r) => r.name))
  const wanted = new Set(targets.map(setupReleaseKey))
  const layout = {
    setupNameSize: config.setupNameSize,
    ignore: config.ignore,
    chartDirs: chartDirsOf(files)
  }
  // A base whose defaults file is bad cannot say how its plans were deployed: no diff.
  let defaults: Defaults = NO_DEFAULTS
  let defaultsProblem: string | undefined
  try {
    if (files.includes(DEFAULTS_FILE)) defaults = readDefaults(checkout)
  } catch (error) {
    if (!(error instanceof DefaultsFileError)) throw error
    defaultsProblem = error.message
  }
  const plans = new Map<string, BasePlan>()
  for (const file of files) {
    const shaped = classifyPath(file, layout)
    if (shaped.kind !== 'plan' || !wanted.has(setupReleaseKey(shaped.target))) continue
    const key = setupReleaseKey(shaped.target)
    const problem = (problems: readonly FileProblem[]): BasePlan => ({
      kind: 'problem',
      plan: file,
      message: problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('; ')
    })
    if (plans.has(key)) {
      plans.set(key, problem([{ file, message: 'two plan files define this release at base' }]))
      continue
    }
    const read = checkout.readText(file, MAX_PLAN_BYTES)
    if (!read.ok) {
      plans.set(key, problem([{ file, message: 'the plan file cannot be read at base' }]))
      continue
    }
    const parsed = parsePlanFile(file, read.text)
    if (!parsed.ok) {
      plans.set(key, problem(parsed.problems))
      continue
    }
    if (defaultsProblem) {
      plans.set(key, problem([{ file, message: defaultsProblem }]))
      continue
    }
    const options = settleOptions(optionsFor(defaults, shaped.target, parsed.plan.options))
    const resolved = resolvePlan(file, parsed.plan, checkout, aliases, options)
    plans.set(
      key,
      resolved.ok ? { kind: 'plan', plan: file, spec: resolved.spec } : problem(resolved.problems)
    )
  }
  return { repositories, plans }
}
