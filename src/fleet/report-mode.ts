import { createApi } from '../github/api.ts'
import { readEvent } from '../github/event.ts'
import { publishersOf } from '../github/publishers.ts'
import { reportFleet } from '../report/fleet-report.ts'
import type { Config } from '../types/config.ts'
import type { DeploymentPlan, RunKind } from '../types/plan.ts'
import { waveVerdicts } from './gate.ts'
import { mergeResults, type MergedFleet } from './merge.ts'
import { readResultsFiles } from './results-files.ts'

// `mode: report`: a fleet's jobs wrote one results file each; this reads them all,
// writes one summary and the merged outputs, gates on max-failures a wave, and
// (with publish) writes the one comment and the Deployments the jobs left out.

export async function runReportMode(config: Config, signal: AbortSignal): Promise<void> {
  const files = await readResultsFiles(config.resultsPath, config.workspace)
  const merged = mergeResults(files, config.shards)
  const verdicts = waveVerdicts(merged, config.maxFailures)
  const summary = await reportFleet(
    merged,
    verdicts,
    { maxFailures: config.maxFailures, failOnDrift: config.failOnDrift },
    wavesOf(merged, merged.setups)
  )
  if (!config.publish) return
  const event = readEvent()
  const api = createApi(config.githubToken, event, signal)
  const plan = mergedPlan(merged, runKindOf(merged, config, event))
  const publishers = publishersOf({
    plan,
    config,
    api,
    workflow: event.workflow,
    report: { summary }
  })
  await publishers.start()
  await publishers.finish({
    kind: 'finished',
    plan,
    results: merged.results,
    cancelled: merged.cancelled,
    preview: merged.preview
      ? { base: merged.preview.base ?? undefined, fullDiffAt: merged.preview.fullDiffAt }
      : undefined
  })
}

/** The run the files tell of, as the publishers know a run: by its plan (every plan already a result). */
function mergedPlan(merged: MergedFleet, runKind: RunKind): DeploymentPlan {
  const setups = [...new Set(merged.results.map((r) => r.setup))]
  return {
    sha: merged.sha,
    setups: setups.map((setup) => ({ setup, steps: [] })),
    problems: [],
    waves: wavesOf(merged, setups),
    repositories: [],
    runKind
  }
}

/** The setups in wave order, as the files and the plan's shards tell them. */
export function wavesOf(merged: MergedFleet, setups: readonly string[]): string[][] {
  const waves = new Map<number, string[]>()
  for (const setup of setups) {
    const wave = merged.waves.get(setup) ?? 1
    waves.set(wave, [...(waves.get(wave) ?? []), setup])
  }
  return [...waves.entries()].sort(([a], [b]) => a - b).map(([, members]) => members.sort())
}

function runKindOf(
  merged: MergedFleet,
  config: Pick<Config, 'failOnDrift' | 'driftIssues'>,
  event: ReturnType<typeof readEvent>
): RunKind {
  switch (merged.kind) {
    case 'preview':
      return {
        kind: 'preview',
        pullRequest: event.name === 'pull_request' ? event.number : undefined
      }
    case 'drift-report':
    case 'drift-correct':
      return {
        kind: merged.kind,
        failOnDrift: config.failOnDrift,
        pruneWithoutKey: false,
        issues: config.driftIssues
      }
    default:
      return { kind: merged.kind }
  }
}
