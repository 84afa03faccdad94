import { matchesGlob } from 'node:path'
import type { PlanTarget } from '../types/plan.ts'

// Path → setup / namespace / release: `<setup: N parts>/<namespace>/<release>[.yaml|.yml]`.

export type Layout =
  | { readonly kind: 'plan'; readonly target: PlanTarget }
  /** Shaped like a plan, but a name is invalid: an error on that file. */
  | { readonly kind: 'invalid'; readonly target: PlanTarget; readonly message: string }
  | { readonly kind: 'other' }

export interface LayoutOptions {
  readonly setupNameSize: number
  /** Globs over repository paths that are never plans. */
  readonly ignore: readonly string[]
  /** Folders holding a Chart.yaml: nothing inside them is a plan. */
  readonly chartDirs: ReadonlySet<string>
}

const PLAN_EXTENSIONS = ['.yaml', '.yml']
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const SETUP_PART = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/
export const MAX_RELEASE_LENGTH = 53
const MAX_NAMESPACE_LENGTH = 63

const LABEL_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit"

/** Globs match like path.matchesGlob (minimatch rules); '**' spans folders. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matchesGlob(path, glob))
}

export function classifyPath(path: string, options: LayoutOptions): Layout {
  const parts = path.split('/')
  if (parts.length !== options.setupNameSize + 2) return { kind: 'other' }
  if (parts.some((part) => part.startsWith('.'))) return { kind: 'other' }
  const fileName = parts[parts.length - 1] as string
  const dot = fileName.lastIndexOf('.')
  const extension = dot > 0 ? fileName.slice(dot) : ''
  if (extension !== '' && !PLAN_EXTENSIONS.includes(extension)) return { kind: 'other' }
  if (insideChart(parts, options.chartDirs)) return { kind: 'other' }
  if (options.ignore.length > 0 && matchesAny(path, options.ignore)) return { kind: 'other' }

  const target: PlanTarget = {
    plan: path,
    setup: parts.slice(0, options.setupNameSize).join('/'),
    namespace: parts[options.setupNameSize] as string,
    release: extension ? fileName.slice(0, -extension.length) : fileName
  }
  const message = nameProblem(target, parts.slice(0, options.setupNameSize))
  return message ? { kind: 'invalid', target, message } : { kind: 'plan', target }
}

function insideChart(parts: readonly string[], chartDirs: ReadonlySet<string>): boolean {
  if (chartDirs.size === 0) return false
  for (let i = 1; i < parts.length; i++) {
    if (chartDirs.has(parts.slice(0, i).join('/'))) return true
  }
  return false
}

function nameProblem(target: PlanTarget, setupParts: readonly string[]): string | undefined {
  const bad = setupParts.find((part) => !SETUP_PART.test(part))
  if (bad !== undefined) {
    return `setup '${target.setup}' has an invalid part '${bad}': use letters, digits, '.', '_' and '-', starting and ending with a letter or digit`
  }
  if (!DNS_LABEL.test(target.namespace) || target.namespace.length > MAX_NAMESPACE_LENGTH) {
    return `namespace '${target.namespace}' (the folder name) must be a DNS-1123 label: ${LABEL_RULE}, at most ${MAX_NAMESPACE_LENGTH} characters`
  }
  if (!DNS_LABEL.test(target.release) || target.release.length > MAX_RELEASE_LENGTH) {
    return `release name '${target.release}' (the file name without extension) must be a DNS-1123 label: ${LABEL_RULE}, at most ${MAX_RELEASE_LENGTH} characters`
  }
  return undefined
}
