import type { PlanProblem, PlanTarget, Removal, UninstallHookName } from '../types/plan.ts'
import { UNINSTALL_HOOK_NAMES } from '../types/plan.ts'
import type { CommitFiles } from './checkout.ts'
import { DefaultsFileError, NO_DEFAULTS, optionsFor, parseDefaultsFile } from './defaults.ts'
import type { RawPlan } from './plan-file.ts'
import { settleOptions } from './plan-options.ts'
import { normalizeRepoPath } from './resolve-plan.ts'

// What a removed plan asked for its own removal (`keep`, `suspend`, uninstall hooks),
// read from the base commit, where the plan still existed. Its hooks run later among
// that commit's files; here each is checked to be a file of it.

/** An uninstall hook larger than this is no script: an error, found before anything runs. */
const MAX_HOOK_BYTES = 1024 * 1024

export interface Gone {
  readonly target: PlanTarget
  readonly reasons: string[]
}

export type Removed = Gone & { readonly removal: Removal }

export async function removals(
  gone: readonly Gone[],
  /** The base commit's plan files that parsed, by path. */
  plans: ReadonlyMap<string, RawPlan>,
  /** The base commit's `.gitops/defaults.yaml`, if it had one. */
  defaultsText: string | undefined,
  baseFiles: CommitFiles,
  base: string
): Promise<{ uninstalls: Removed[]; problems: PlanProblem[] }> {
  // A defaults file the base cannot parse counts as none: it was reported when it was deployed.
  let defaults = NO_DEFAULTS
  if (defaultsText !== undefined) {
    try {
      defaults = parseDefaultsFile(defaultsText)
    } catch (error) {
      if (!(error instanceof DefaultsFileError)) throw error
    }
  }
  const hookPaths = new Set<string>()
  for (const { target } of gone)
    for (const name of UNINSTALL_HOOK_NAMES)
      for (const at of plans.get(target.plan)?.hooks[name] ?? []) {
        const path = normalizeRepoPath(at.text)
        if (path !== undefined) hookPaths.add(path)
      }
  const scripts =
    hookPaths.size > 0
      ? await baseFiles.texts([...hookPaths], MAX_HOOK_BYTES)
      : new Map<string, string>()
  const uninstalls: Removed[] = []
  const problems: PlanProblem[] = []
  for (const removed of gone) {
    const raw = plans.get(removed.target.plan)
    const options = settleOptions(optionsFor(defaults, removed.target, raw?.options ?? {}))
    const hooks: Record<UninstallHookName, string[]> = {
      'pre-uninstall': [],
      'post-uninstall': []
    }
    const missing: string[] = []
    for (const name of UNINSTALL_HOOK_NAMES)
      for (const at of raw?.hooks[name] ?? []) {
        const path = normalizeRepoPath(at.text)
        if (path === undefined || !scripts.has(path)) missing.push(at.text)
        else hooks[name].push(path)
      }
    if (missing.length > 0) {
      problems.push({
        target: removed.target,
        problem: {
          file: removed.target.plan,
          message: `removed, but its uninstall hook(s) ${missing.join(', ')} cannot be read from ${base.slice(0, 12)} (missing, or over ${MAX_HOOK_BYTES} bytes); nothing is uninstalled`
        }
      })
      continue
    }
    const hooked = hooks['pre-uninstall'].length + hooks['post-uninstall'].length > 0
    uninstalls.push({
      ...removed,
      removal: {
        suspend: options.suspend,
        keep: options.keep,
        ...(hooked && { hooks: { commit: base, ...hooks } })
      }
    })
  }
  return { uninstalls, problems }
}
