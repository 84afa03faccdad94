import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CORE_SCHEMA, load } from 'js-yaml'
import { errorMessage } from '../error-message.ts'

// A local chart's `dependencies:` (its Chart.yaml): which chart repositories
// `helm dependency build` needs set up first.

export type DependencyRepository =
  /** `@stable` or `alias:stable`: a repository name in helm's config. */
  | { readonly kind: 'alias'; readonly name: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'oci'; readonly url: string }

export class DependencyError extends Error {}

/**
 * Pure: undefined when the Chart.yaml declares no dependencies, else the repositories
 * they come from (none for `file://` or vendored ones).
 */
export function dependencyRepositories(chartYaml: string): DependencyRepository[] | undefined {
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
  const repositories = new Map<string, DependencyRepository>()
  for (const dependency of dependencies as unknown[]) {
    const repository = String((dependency as { repository?: unknown })?.repository ?? '').trim()
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
