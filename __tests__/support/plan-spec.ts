import { DEFAULT_OPTIONS } from '../../src/plan/plan-options.ts'
import type { HookName, PlanSpec } from '../../src/types/plan.ts'

/** A plan's hooks when its file names none, as the plan file reader gives them. */
export const NO_HOOKS: Readonly<Record<HookName, readonly string[]>> = {
  'pre-install': [],
  'post-install': [],
  'pre-upgrade': [],
  'post-upgrade': [],
  'pre-uninstall': [],
  'post-uninstall': []
}

/** The spec of a plan that names `stable/web` and nothing else; override what a case needs. */
export function webSpec(overrides: Partial<PlanSpec> = {}): PlanSpec {
  return {
    chart: { kind: 'alias', alias: 'stable', name: 'web' },
    chartText: 'stable/web',
    values: [],
    hooks: NO_HOOKS,
    needs: [],
    driftIgnore: [],
    options: DEFAULT_OPTIONS,
    ...overrides
  }
}
