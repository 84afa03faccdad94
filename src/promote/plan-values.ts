import { optionsFor, type Defaults } from '../plan/defaults.ts'
import { parsePlanFile } from '../plan/plan-file.ts'
import type { PlanTarget } from '../types/plan.ts'
import type { PromotionKey } from '../types/promotion.ts'

// Pure: what a plan file says for the keys a promotion carries, read as the planner
// reads it (so `set: {image.tag: v2}` equals `set: {image: {tag: v2}}`), each as a
// text that compares equal exactly when the planner would deploy the same.

export interface PlanValues {
  /** Per key: the value to compare, and to show; absent when the file leaves the key out. */
  readonly keys: Readonly<Partial<Record<PromotionKey, string>>>
  /** `suspend: true` (the file's or its defaults'): its release is left as it is. */
  readonly suspend: boolean
}

/** undefined when the file is no valid plan (its own run reports why). */
export function planValues(
  target: PlanTarget,
  text: string,
  defaults: Defaults
): PlanValues | undefined {
  const parsed = parsePlanFile(target.plan, text)
  if (!parsed.ok) return undefined
  const { chart, repository, version, options } = parsed.plan
  const keys: Partial<Record<PromotionKey, string>> = {
    chart: repository
      ? `${chart.text} (repository ${withoutUserInfo(repository.text)})`
      : chart.text
  }
  if (version) keys.version = version.text
  if (options.set) keys.set = canonical(options.set)
  return { keys, suspend: optionsFor(defaults, target, options).suspend ?? false }
}

/** A repository URL as it may be shown: credentials committed in it stay out of a pull request. */
function withoutUserInfo(url: string): string {
  if (!URL.canParse(url)) return url
  const parsed = new URL(url)
  if (!parsed.username && !parsed.password) return url
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

/** JSON with every mapping's keys in order: equal values, equal texts. */
function canonical(value: unknown): string {
  return JSON.stringify(sorted(value))
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])])
  )
}
