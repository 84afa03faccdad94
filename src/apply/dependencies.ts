import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CORE_SCHEMA, load } from 'js-yaml'
import { errorMessage } from '../error-message.ts'

// A local chart's `dependencies:` (its Chart.yaml): which of them its `charts/`
// folder lacks, and which chart repositories `helm dependency build` needs set up
// to get them.

export type DependencyRepository =
  /** `@stable` or `alias:stable`: a repository name in helm's config. */
  | { readonly kind: 'alias'; readonly name: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'oci'; readonly url: string }

export interface Dependency {
  readonly name: string
  readonly version: string
  readonly repository: string
}

export class DependencyError extends Error {}

/** Pure: undefined when the Chart.yaml declares no dependencies, else each as it declares it. */
export function chartDependencies(chartYaml: string): Dependency[] | undefined {
  let chart: unknown
  try {
    chart = load(chartYaml, { schema: CORE_SCHEMA })
  } catch (error) {
    throw new DependencyError(`its Chart.yaml is not valid YAML: ${errorMessage(error)}`)
  }
  const dependencies = (chart as { dependencies?: unknown } | null)?.dependencies
  if (dependencies === undefined || dependencies === null) return undefined
  if (!Array.isArray(dependencies))
    throw new DependencyError("its Chart.yaml 'dependencies' must be a list")
  return (dependencies as unknown[]).map((dependency) => {
    const field = (key: string): string =>
      String((dependency as Record<string, unknown> | null)?.[key] ?? '').trim()
    return { name: field('name'), version: field('version'), repository: field('repository') }
  })
}

/**
 * Pure: the dependencies `charts/` does not hold, whose absence makes helm refuse to
 * install (it asks for every one, whatever its `condition` or `tags`). A dependency
 * is there as a folder of its name or an archive `<name>-<version>.tgz`, as
 * `helm dependency build` writes them; `entries` are the names in `charts/`.
 */
export function missingDependencies(
  dependencies: readonly Dependency[],
  entries: readonly string[]
): Dependency[] {
  return dependencies.filter(
    ({ name }) =>
      !entries.some(
        (entry) =>
          entry === name ||
          (entry.startsWith(`${name}-`) && /^\d[^/]*\.tgz$/.test(entry.slice(name.length + 1)))
      )
  )
}

/** Pure: the repositories dependencies come from (none for `file://` or vendored ones), each once. */
export function dependencyRepositories(
  dependencies: readonly Dependency[]
): DependencyRepository[] {
  const repositories = new Map<string, DependencyRepository>()
  for (const { repository } of dependencies) {
    if (repository === '' || repository.startsWith('file://')) continue
    const alias = /^(?:@|alias:)(.+)$/.exec(repository)
    const found: DependencyRepository = alias
      ? { kind: 'alias', name: alias[1] as string }
      : repository.startsWith('oci://')
        ? { kind: 'oci', url: repository }
        : { kind: 'url', url: repository }
    repositories.set(JSON.stringify(found), found)
  }
  return [...repositories.values()]
}

/** A chart folder's Chart.yaml text, if it has one. */
export function chartYamlOf(chartDir: string): string | undefined {
  const file = join(chartDir, 'Chart.yaml')
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined
}

/** The names in a chart folder's `charts/` (none when it has no such folder). */
export function vendoredEntries(chartDir: string): string[] {
  const dir = join(chartDir, 'charts')
  return existsSync(dir) ? readdirSync(dir) : []
}
