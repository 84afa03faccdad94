import { unreadable, type Checkout } from '../plan/checkout.ts'
import { DEFAULTS_FILE, NO_DEFAULTS, type Defaults } from '../plan/defaults.ts'
import { classifyPath, type LayoutOptions } from '../plan/layout.ts'
import { chartDirsOf, MAX_PLAN_BYTES, readDefaults } from '../plan/planner.ts'
import type { Config } from '../types/config.ts'
import { releaseKey, type PlanTarget } from '../types/plan.ts'
import type { PromotionRule } from '../types/promotion.ts'
import type { PlanFile, PlansBySetup } from './decide.ts'
import { parsePromotionsFile, PromotionsFileError, PROMOTIONS_FILE } from './file.ts'
import { planValues } from './plan-values.ts'

// The deployed commit as promotion reads it: `.gitops/promotions.yaml`, checked
// against the setups the commit holds, and the plan files of the setups it names.

/** A promotions file is a few entries: a larger one is a mistake. */
const MAX_PROMOTIONS_BYTES = 64 * 1024

export type LayoutInputs = Pick<Config, 'setupNameSize' | 'ignore'>

/** The entries of the file; none when the commit has no such file. Throws PromotionsFileError. */
export function readPromotionRules(
  checkout: Checkout,
  config: LayoutInputs
): readonly PromotionRule[] {
  const files = checkout.listFiles()
  if (!files.includes(PROMOTIONS_FILE)) return []
  const read = checkout.readText(PROMOTIONS_FILE, MAX_PROMOTIONS_BYTES)
  if (!read.ok)
    throw new PromotionsFileError(
      `${PROMOTIONS_FILE} ${unreadable(read, 'it', MAX_PROMOTIONS_BYTES)}`
    )
  const setups = new Set(planTargets(files, config).map((t) => t.setup))
  return parsePromotionsFile(read.text, setups)
}

/** The plan files of the setups the entries name, read and parsed. */
export async function readPlanFiles(
  checkout: Checkout,
  config: LayoutInputs,
  rules: readonly PromotionRule[]
): Promise<PlansBySetup> {
  const named = new Set(rules.flatMap((r) => [r.from, ...r.to]))
  const files = checkout.listFiles()
  const targets = planTargets(files, config).filter((t) => named.has(t.setup))
  const texts = await checkout.committedTexts(
    targets.map((t) => t.plan),
    MAX_PLAN_BYTES
  )
  const defaults: Defaults = files.includes(DEFAULTS_FILE) ? readDefaults(checkout) : NO_DEFAULTS
  const plans = new Map<string, Map<string, PlanFile>>()
  for (const target of targets) {
    const text = texts.get(target.plan)
    if (text === undefined) continue
    const bySetup = plans.get(target.setup) ?? new Map<string, PlanFile>()
    bySetup.set(releaseKey(target), {
      target,
      text,
      values: planValues(target, text, defaults)
    })
    plans.set(target.setup, bySetup)
  }
  return plans
}

/** What a plan file of `setup` says, read like the others (for a branch's own copy of one). */
export function planFileOf(
  target: PlanTarget,
  text: string,
  defaults: Defaults = NO_DEFAULTS
): PlanFile {
  return { target, text, values: planValues(target, text, defaults) }
}

function planTargets(files: readonly string[], config: LayoutInputs): PlanTarget[] {
  const layout: LayoutOptions = {
    setupNameSize: config.setupNameSize,
    ignore: config.ignore,
    chartDirs: chartDirsOf(files)
  }
  return files.flatMap((file) => {
    const shaped = classifyPath(file, layout)
    return shaped.kind === 'plan' ? [shaped.target] : []
  })
}
