import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { contentDigest } from '../render/digest.ts'
import type { PlanTarget } from '../types/plan.ts'

// Files a plan needs that are not in the checkout, written into the run's private
// folder: the values of `set:` (a values file, so no key or value can become a flag).

/** `set:` as a JSON values file (JSON is YAML), after the plan's own values files. */
export function writeSetValues(
  scratch: string,
  target: PlanTarget,
  values: Readonly<Record<string, unknown>>
): string {
  const text = JSON.stringify(values)
  const file = join(scratch, 'set', `${contentDigest(`${target.plan}\0${text}`)}.json`)
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writeFileSync(file, text, { mode: 0o600 })
  return file
}

/** The `set:` values file of a plan, if it sets anything: given to helm after the plan's own. */
export function setValuesFiles(
  scratch: string,
  target: PlanTarget,
  values: Readonly<Record<string, unknown>>
): string[] {
  return Object.keys(values).length > 0 ? [writeSetValues(scratch, target, values)] : []
}
