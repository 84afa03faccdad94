import { CORE_SCHEMA, load } from 'js-yaml'
import type { PlanSpec } from '../types/plan.ts'

// Pure: the chart version an install or upgrade will report, when the plan tells it
// beforehand; then helm need not print the whole release to say it.

/** A version `--version` can only match itself (a range, `1.2` or `v1.2.3` could match others). */
const EXACT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/

/**
 * A chart folder's version is its Chart.yaml's (helm takes no `--version` for a
 * folder); a repository or registry chart's, the plan's exact `version:`; an archive
 * URL's or a registry reference with a tag of its own, unknown beforehand.
 */
export function knownChartVersion(
  spec: Pick<PlanSpec, 'chart' | 'version'>,
  chartYaml: string | undefined
): string | undefined {
  switch (spec.chart.kind) {
    case 'local':
      return chartYaml === undefined ? undefined : chartYamlVersion(chartYaml)
    case 'url':
      return undefined
    case 'oci':
      if (/[:@]/.test(spec.chart.ref.slice(spec.chart.ref.lastIndexOf('/') + 1))) return undefined
  }
  return spec.version !== undefined && EXACT.test(spec.version) ? spec.version : undefined
}

function chartYamlVersion(chartYaml: string): string | undefined {
  try {
    const version = (load(chartYaml, { schema: CORE_SCHEMA }) as { version?: unknown } | null)
      ?.version
    return typeof version === 'string' && version.trim() !== '' ? version : undefined
  } catch {
    return undefined
  }
}
