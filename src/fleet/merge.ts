import { matchesGlob } from 'node:path'
import { ZERO_SHA } from '../types/changes.ts'
import type { RunKindName } from '../types/plan.ts'
import type { Result } from '../types/results.ts'
import type { DeploymentRecord, ResultsFile, WaveShards } from '../types/fleet.ts'

// Pure: the results files of a fleet's jobs merged into one run, as a report job
// tells it. Every file is checked against the others and against the plan's shards:
// a file must stay inside its shard, a setup is reported once, all files are of one
// commit and one kind of run. A shard that left no file, or whose run failed as a
// whole, is not lost: its setups count as failed, with why.

export class FleetReportError extends Error {}

export interface ReadResultsFile {
  /** Where it was found, for errors. */
  readonly file: string
  readonly doc: ResultsFile
}

/** Setups no plan result speaks for: a shard without a file, or a run that failed as a whole. */
export interface Unreported {
  readonly wave: number
  /** The shard's id, when known. */
  readonly shard: string | undefined
  readonly setups: readonly string[]
  readonly why: string
}

export interface MergedFleet {
  readonly sha: string
  readonly kind: RunKindName
  readonly cancelled: boolean
  /** Every file's results, by setup then plan. */
  readonly results: readonly Result[]
  /** Setups with results, and setups of shards that did not report. */
  readonly setups: readonly string[]
  /** The wave of each setup (1 when nothing says otherwise). */
  readonly waves: ReadonlyMap<string, number>
  readonly unreported: readonly Unreported[]
  readonly deployments: readonly DeploymentRecord[]
  /** GitHub writes the jobs could not make, each with its file. */
  readonly unwritten: readonly string[]
  readonly preview: ResultsFile['preview']
  /** How many files were merged. */
  readonly files: number
}

/** A shard's `setups` as the plan writes it: comma-separated. */
export function shardSetups(setups: string): string[] {
  return setups
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The waves and their shards the plan job made, by shard id. */
interface PlannedShard {
  readonly wave: number
  readonly setups: readonly string[]
}

function plannedShards(shards: readonly WaveShards[]): Map<string, PlannedShard> {
  const planned = new Map<string, PlannedShard>()
  for (const { wave, matrix } of shards)
    for (const { shard, setups } of matrix.include)
      planned.set(shard, { wave, setups: shardSetups(setups) })
  return planned
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort(compare).every((x, i) => x === [...b].sort(compare)[i])

/**
 * Merges the files; `shards` is the plan job's output when the report was given it
 * (then every planned shard must report, and every file must be one of them).
 */
export function mergeResults(
  files: readonly ReadResultsFile[],
  shards: readonly WaveShards[] | undefined
): MergedFleet {
  const planned = shards ? plannedShards(shards) : undefined
  const bad = (file: string, what: string): never => {
    throw new FleetReportError(`${file}: ${what}`)
  }
  const reported = new Map<string, string>()
  const shardFiles = new Map<string, string>()
  const waves = new Map<string, number>()
  const unreported: Unreported[] = []
  const results: Result[] = []
  const first = files.find((f) => f.doc.run.sha !== ZERO_SHA) ?? files[0]
  for (const { file, doc } of files) {
    const { run, shard } = doc
    if (first && run.sha !== ZERO_SHA && run.sha !== first.doc.run.sha)
      bad(
        file,
        `holds results of commit ${run.sha}, ${first.file} of ${first.doc.run.sha}: results-path mixes the files of two runs; download only this run's artifacts`
      )
    if (
      first &&
      run.error === null &&
      first.doc.run.error === null &&
      run.kind !== first.doc.run.kind
    )
      bad(
        file,
        `is a ${run.kind} run's, ${first.file} a ${first.doc.run.kind} run's: one report merges one kind of run`
      )
    const plan = shard?.id != null ? planned?.get(shard.id) : undefined
    if (planned) {
      if (shard?.id == null)
        bad(
          file,
          "names no shard, but the report was given the plan's shards: give each deploy job its matrix entry's shard and setups inputs"
        )
      if (!plan) bad(file, `claims shard '${shard?.id}', which the plan's shards do not hold`)
      if (!sameList(shard?.setups ?? [], plan?.setups ?? []))
        bad(
          file,
          `claims shard '${shard?.id}' with setups ${(shard?.setups ?? []).join(', ') || 'none'}, but the plan's shard '${shard?.id}' holds ${plan?.setups.join(', ')}: a deploy job's setups input must be its matrix entry's setups`
        )
    }
    if (shard?.id != null) {
      const other = shardFiles.get(shard.id)
      if (other)
        bad(
          file,
          `reports shard '${shard.id}', which ${other} reports too: download each shard's artifact once`
        )
      shardFiles.set(shard.id, file)
    }
    const plans = new Set<string>()
    for (const result of doc.results) {
      if (plans.has(result.plan)) bad(file, `reports plan ${result.plan} twice`)
      plans.add(result.plan)
      if (shard && !shard.setups.some((glob) => matchesGlob(result.setup, glob)))
        bad(
          file,
          `reports setup '${result.setup}', outside its shard${shard.id ? ` '${shard.id}'` : ''} (${shard.setups.join(', ')}): a shard reports only its own setups; the file was changed after the action wrote it`
        )
      const owner = reported.get(result.setup)
      if (owner !== undefined && owner !== file)
        bad(
          file,
          `reports setup '${result.setup}', which ${owner} reports too: a setup belongs to one shard`
        )
      reported.set(result.setup, file)
      results.push(result)
      waves.set(result.setup, plan?.wave ?? waveOfResult(result))
    }
    if (run.error !== null)
      unreported.push({
        wave: plan?.wave ?? 1,
        shard: shard?.id ?? undefined,
        setups: plan?.setups ?? shard?.setups ?? [],
        why: `its run failed as a whole: ${run.error}`
      })
  }
  for (const [id, { wave, setups }] of planned ?? [])
    if (!shardFiles.has(id))
      unreported.push({
        wave,
        shard: id,
        setups,
        why: "no results file: its job did not run (an earlier wave's gate failed, or the run was cancelled) or failed before writing one, or its artifact was not downloaded"
      })
  for (const u of unreported) for (const s of u.setups) if (!waves.has(s)) waves.set(s, u.wave)
  const kindFile = files.find((f) => f.doc.run.error === null) ?? first
  return {
    sha: first?.doc.run.sha ?? ZERO_SHA,
    kind: kindFile?.doc.run.kind ?? 'deploy',
    cancelled: files.some((f) => f.doc.run.cancelled),
    results: results.sort((a, b) => compare(a.setup, b.setup) || compare(a.plan, b.plan)),
    setups: [...waves.keys()].sort(compare),
    waves,
    unreported,
    deployments: files.flatMap((f) => f.doc.deployments),
    unwritten: files.flatMap((f) => f.doc.unwritten.map((line) => `${f.file}: ${line}`)),
    preview: files.find((f) => f.doc.preview)?.doc.preview ?? null,
    files: files.length
  }
}

/** A result's wave, where the run that wrote it had waves. */
function waveOfResult(result: Result): number {
  return result.wave !== undefined && result.wave >= 1 ? result.wave : 1
}
