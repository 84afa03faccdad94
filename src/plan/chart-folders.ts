import { posix } from 'node:path'
import { CORE_SCHEMA, load } from 'js-yaml'
import type { Checkout } from './checkout.ts'
import { errorMessage } from '../error-message.ts'

// Every folder helm reads for a local chart: the chart's own, each folder a `file://`
// dependency names (`helm dependency build` packages it whole), those of its vendored
// subcharts (charts/<name>/), and each folder a symlink among them leads to. helm
// follows every symlink in them, so each must lie inside the repository, be part of
// the commit, and hold no symlink that leads out.

export type ChartFolders =
  | { readonly ok: true; readonly folders: readonly string[] }
  | { readonly ok: false; readonly problem: string }

/** Where helm reads a chart's dependencies: its files and, for apiVersion v1, requirements; their locks name the repositories helm fetches from. */
const DEPENDENCY_FILE =
  /^(?:charts\/[^/]+\/)*(?:Chart\.yaml|Chart\.lock|requirements\.yaml|requirements\.lock)$/
/** A chart's dependency list is small; anything larger is no chart file. */
const MAX_DEPENDENCY_FILE_BYTES = 1024 * 1024

/** Pure: the `file://` paths of a Chart.yaml, requirements.yaml or lock file, as written. */
export function fileDependencies(text: string): string[] | { readonly error: string } {
  // Nothing but blanks and comments: no document, so no dependencies.
  if (!/^\s*[^#\s]/m.test(text)) return []
  let parsed: unknown
  try {
    parsed = load(text, { schema: CORE_SCHEMA })
  } catch (error) {
    return {
      error: `is not valid YAML (${errorMessage(error)})`
    }
  }
  const dependencies = (parsed as { dependencies?: unknown } | null)?.dependencies
  if (dependencies === undefined || dependencies === null) return []
  if (!Array.isArray(dependencies)) return { error: "has 'dependencies' that is no list" }
  return dependencies
    .map((d: unknown) => String((d as { repository?: unknown } | null)?.repository ?? '').trim())
    .filter((repository) => repository.startsWith('file://'))
    .map((repository) => repository.slice('file://'.length))
}

/**
 * Pure: the repository path of a `file://` dependency of the chart in `chartDir`, as
 * helm joins it (relative to the chart folder; an absolute one stays absolute), or
 * undefined when it leaves the repository by its text.
 */
export function dependencyPath(chartDir: string, written: string): string | undefined {
  if (written.startsWith('/')) return undefined
  const joined = posix.normalize(`${chartDir}/${written}`).replace(/\/$/, '')
  return joined === '..' || joined.startsWith('../') || joined === '.' ? undefined : joined
}

const UNREACHABLE: Readonly<Record<'missing' | 'outside' | 'untracked', string>> = {
  outside: 'resolves outside the repository',
  missing: 'does not exist in the repository',
  untracked: 'is not part of the deployed commit'
}

const LINK_TARGET: Readonly<Record<'outside' | 'untracked', string>> = {
  outside: 'leads outside the repository',
  untracked: 'leads to files that are not part of the deployed commit (such as .git)'
}

const known = new WeakMap<Checkout, Map<string, ChartFolders>>()

/** The folders helm reads for the chart in `chartDir` (a real repository path), or why one may not be read. */
export function chartFolders(checkout: Checkout, chartDir: string): ChartFolders {
  let cache = known.get(checkout)
  if (!cache) {
    cache = new Map()
    known.set(checkout, cache)
  }
  let found = cache.get(chartDir)
  if (!found) {
    found = walk(checkout, chartDir)
    cache.set(chartDir, found)
  }
  return found
}

function walk(checkout: Checkout, chartDir: string): ChartFolders {
  const folders = new Set<string>()
  const queue = [chartDir]
  const files = checkout.listFiles()
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (folders.has(dir)) continue
    folders.add(dir)
    const which = dir === chartDir ? '' : `reads folder '${dir}', which `
    const scan = checkout.symlinksUnder(dir)
    if (!scan.ok)
      return {
        ok: false,
        problem: `${which}has more than ${scan.limit} files; it is not a chart folder`
      }
    for (const link of scan.links) {
      const target = checkout.resolve(link)
      // A dangling link gives helm nothing to read.
      if (!target.ok && target.reason !== 'missing')
        return {
          ok: false,
          problem: `${which}holds a symlink '${link}' that ${LINK_TARGET[target.reason]}, which helm would follow; remove it or point it inside the repository`
        }
      if (target.ok && target.kind === 'directory') queue.push(target.path)
    }
    const prefix = `${dir}/`
    for (const file of files) {
      if (!file.startsWith(prefix) || !DEPENDENCY_FILE.test(file.slice(prefix.length))) continue
      const read = checkout.readText(file, MAX_DEPENDENCY_FILE_BYTES)
      // One missing from the checkout is not read by helm either.
      if (!read.ok && read.reason === 'missing') continue
      if (!read.ok)
        return {
          ok: false,
          problem: `reads ${file}, which is ${read.bytes} bytes; a chart's dependency file may be at most ${MAX_DEPENDENCY_FILE_BYTES} bytes`
        }
      const written = fileDependencies(read.text)
      if (!Array.isArray(written))
        return { ok: false, problem: `reads ${file}, which ${written.error}` }
      const owner = posix.dirname(file)
      for (const path of written) {
        const repoPath = dependencyPath(owner, path)
        const target = repoPath === undefined ? undefined : checkout.resolve(repoPath)
        if (target === undefined || !target.ok)
          return {
            ok: false,
            problem: `has a dependency 'file://${path}' (in ${file}) that ${UNREACHABLE[target?.reason ?? 'outside']}; a file:// dependency must be a chart folder of the repository, relative to the chart that names it`
          }
        if (target.kind === 'directory') queue.push(target.path)
      }
    }
  }
  return { ok: true, folders: [...folders] }
}
