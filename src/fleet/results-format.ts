import type { PreviewBase } from '../types/diff-base.ts'
import type { RunKindName } from '../types/plan.ts'
import type { Operation, Result, Status } from '../types/results.ts'
import {
  RESULTS_FORMAT,
  type DeploymentRecord,
  type ResultsFile,
  type ShardRecord
} from '../types/fleet.ts'

// Pure: the results file of a run (schema/results-v1.json), built from what the run
// did, and read back with every field a report relies on checked, so that a file of
// another version, a truncated upload or a hand edit is one error naming the file.

export class ResultsFileError extends Error {}

export interface RunFacts {
  readonly sha: string
  readonly kind: RunKindName
  readonly runId: number | undefined
  readonly runUrl: string | undefined
  readonly cancelled: boolean
  readonly error?: string
  readonly shard: ShardRecord | null
  readonly setups: readonly string[]
  readonly results: readonly Result[]
  readonly deployments: readonly DeploymentRecord[]
  readonly unwritten: readonly string[]
  readonly preview?: { readonly base: PreviewBase | undefined; readonly fullDiffAt: string }
}

/** The document a run writes; `hide` masks every string in it (secrets never reach the file). */
export function resultsDocument(facts: RunFacts, hide: (text: string) => string): ResultsFile {
  const document: ResultsFile = {
    format: RESULTS_FORMAT,
    run: {
      sha: facts.sha,
      kind: facts.kind,
      id: facts.runId ?? null,
      url: facts.runUrl ?? null,
      cancelled: facts.cancelled,
      error: facts.error ?? null
    },
    shard: facts.shard,
    setups: facts.setups,
    results: facts.results,
    deployments: facts.deployments,
    unwritten: facts.unwritten,
    preview: facts.preview
      ? { base: previewBase(facts.preview.base), fullDiffAt: facts.preview.fullDiffAt }
      : null
  }
  return deepMap(document, hide) as ResultsFile
}

/** A preview's base as its heading names it (the commit's files on disk stay out). */
function previewBase(base: PreviewBase | undefined): PreviewBase | null {
  if (!base) return null
  return base.kind === 'commit'
    ? { kind: 'commit', sha: base.sha, reason: base.reason }
    : { kind: 'none', reason: base.reason }
}

function deepMap(value: unknown, hide: (text: string) => string): unknown {
  if (typeof value === 'string') return hide(value)
  if (Array.isArray(value)) return value.map((v) => deepMap(v, hide))
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, deepMap(v, hide)])
    )
  return value
}

const RUN_KINDS: readonly RunKindName[] = [
  'deploy',
  'resync',
  'preview',
  'drift-report',
  'drift-correct'
]
const STATUSES: readonly Status[] = ['succeeded', 'unchanged', 'failed', 'skipped', 'planned']
const OPERATIONS: readonly (Operation | null)[] = [
  'install',
  'upgrade',
  'uninstall',
  'render',
  null
]

type Json = Record<string, unknown>

/** Reads one file's text; `file` names it in every error. */
export function parseResultsFile(text: string, file: string): ResultsFile {
  const fail = (what: string): never => {
    throw new ResultsFileError(`${file}: ${what}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return fail(
      `is not JSON (${(error as Error).message}); a results file is written whole by the action: was the upload cut short?`
    )
  }
  const root = object(parsed, 'the file', fail)
  if (root.format !== RESULTS_FORMAT)
    fail(
      typeof root.format === 'string'
        ? `is a results file of format '${root.format}'; this action reads '${RESULTS_FORMAT}': run the same version of the action in the deploy jobs and the report job`
        : `is no gitops-action results file (no "format": "${RESULTS_FORMAT}")`
    )
  const run = object(root.run, 'run', fail)
  const sha = string(run.sha, 'run.sha', fail)
  if (!/^[0-9a-f]{40}$/.test(sha)) fail(`run.sha '${sha}' is not a commit SHA`)
  const kind = oneOf(run.kind, RUN_KINDS, 'run.kind', fail)
  const shard = root.shard === null ? null : shardOf(root.shard, fail)
  const results = array(root.results, 'results', fail).map((r, i) =>
    resultOf(object(r, `results[${i}]`, fail), `results[${i}]`, fail)
  )
  return {
    format: RESULTS_FORMAT,
    run: {
      sha,
      kind,
      id: nullable(run.id, 'number', 'run.id', fail),
      url: nullable(run.url, 'string', 'run.url', fail),
      cancelled: run.cancelled === true,
      error: nullable(run.error, 'string', 'run.error', fail)
    },
    shard,
    setups: strings(root.setups, 'setups', fail),
    results,
    deployments: array(root.deployments ?? [], 'deployments', fail).map((d, i) =>
      deploymentOf(object(d, `deployments[${i}]`, fail), `deployments[${i}]`, fail)
    ),
    unwritten: strings(root.unwritten ?? [], 'unwritten', fail),
    preview: root.preview == null ? null : previewOf(object(root.preview, 'preview', fail), fail)
  }
}

type Fail = (what: string) => never

function object(value: unknown, where: string, fail: Fail): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(`${where} is not an object`)
  return value as Json
}

function array(value: unknown, where: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${where} is not a list`)
  return value as unknown[]
}

function string(value: unknown, where: string, fail: Fail): string {
  if (typeof value !== 'string') fail(`${where} is not a string`)
  return value as string
}

function strings(value: unknown, where: string, fail: Fail): string[] {
  return array(value, where, fail).map((v, i) => string(v, `${where}[${i}]`, fail))
}

function nullable<T extends 'string' | 'number'>(
  value: unknown,
  type: T,
  where: string,
  fail: Fail
): (T extends 'string' ? string : number) | null {
  if (value === null || value === undefined) return null
  if (typeof value !== type) fail(`${where} is not a ${type} or null`)
  return value as T extends 'string' ? string : number
}

function oneOf<T>(value: unknown, allowed: readonly T[], where: string, fail: Fail): T {
  if (!allowed.includes(value as T))
    fail(`${where} is ${JSON.stringify(value)}, not one of ${allowed.map(String).join(', ')}`)
  return value as T
}

function shardOf(value: unknown, fail: Fail): ShardRecord {
  const shard = object(value, 'shard', fail)
  return {
    id: nullable(shard.id, 'string', 'shard.id', fail),
    setups: strings(shard.setups, 'shard.setups', fail)
  }
}

function resultOf(r: Json, where: string, fail: Fail): Result {
  for (const key of ['setup', 'namespace', 'release', 'plan', 'chart', 'version'])
    string(r[key], `${where}.${key}`, fail)
  if (r.setup === '' || r.plan === '') fail(`${where} has an empty setup or plan`)
  oneOf(r.status, STATUSES, `${where}.status`, fail)
  oneOf(r.operation, OPERATIONS, `${where}.operation`, fail)
  nullable(r.revision, 'number', `${where}.revision`, fail)
  nullable(r.error, 'string', `${where}.error`, fail)
  if (typeof r.durationMs !== 'number') fail(`${where}.durationMs is not a number`)
  strings(r.notes, `${where}.notes`, fail)
  if (r.diff !== undefined)
    array(object(r.diff, `${where}.diff`, fail).objects, `${where}.diff.objects`, fail)
  if (r.drift !== undefined)
    array(object(r.drift, `${where}.drift`, fail).objects, `${where}.drift.objects`, fail)
  return r as unknown as Result
}

function deploymentOf(d: Json, where: string, fail: Fail): DeploymentRecord {
  return {
    environment: string(d.environment, `${where}.environment`, fail),
    setups: strings(d.setups, `${where}.setups`, fail),
    id: nullable(d.id, 'number', `${where}.id`, fail),
    state: nullable(d.state, 'string', `${where}.state`, fail)
  }
}

function previewOf(p: Json, fail: Fail): NonNullable<ResultsFile['preview']> {
  const base = p.base == null ? null : object(p.base, 'preview.base', fail)
  const reason = base ? string(base.reason, 'preview.base.reason', fail) : ''
  return {
    base:
      base === null
        ? null
        : base.kind === 'commit'
          ? { kind: 'commit', sha: string(base.sha, 'preview.base.sha', fail), reason }
          : { kind: 'none', reason },
    fullDiffAt: string(p.fullDiffAt, 'preview.fullDiffAt', fail)
  }
}
