// What a case checks after a run: the results and annotations of its plans, and what
// the cluster shows.
import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import type { ActionRun, ResultJson } from '../support/action-runner.ts'
import type { Cluster } from '../support/testbed.ts'

export function resultOf(run: ActionRun, plan: string): ResultJson {
  const found = run.results.find((r) => r.plan === plan)
  if (!found)
    throw new Error(
      `no result for ${plan}; results: ${JSON.stringify(run.results.map((r) => r.plan))}\n${run.log}`
    )
  return found
}

/** The error annotations on a file. */
export function annotationsOn(run: ActionRun, file: string) {
  return run.annotations.filter((a) => a.level === 'error' && a.properties.file === file)
}

/** A failed plan: its result's error, and the one error annotation on the plan file (with its line, if any). */
export function expectFailed(
  run: ActionRun,
  plan: string,
  error: string | RegExp,
  where: { line?: number; operation?: string | null } = {}
): ResultJson {
  const result = resultOf(run, plan)
  expect(result.status, `${plan}: ${result.error}`).toBe('failed')
  if (typeof error === 'string') expect(result.error).toBe(error)
  else expect(result.error).toMatch(error)
  if (where.operation !== undefined) expect(result.operation).toBe(where.operation)
  const notes = annotationsOn(run, plan)
  expect(notes, `annotations on ${plan}`).toHaveLength(1)
  expect(notes[0]?.message).toBe(result.error)
  expect(notes[0]?.properties.line).toBe(where.line === undefined ? undefined : String(where.line))
  expect(run.code).toBe(1)
  return result
}

export function expectSucceeded(
  run: ActionRun,
  plan: string,
  operation: string,
  revision: number
): ResultJson {
  const result = resultOf(run, plan)
  expect(result, JSON.stringify(result)).toMatchObject({
    status: 'succeeded',
    operation,
    revision,
    error: null
  })
  expect(annotationsOn(run, plan)).toEqual([])
  return result
}

/** A plan whose release already deployed it: nothing ran, nothing failed. */
export function expectUnchanged(run: ActionRun, plan: string, revision: number): ResultJson {
  const result = resultOf(run, plan)
  expect(result, JSON.stringify(result)).toMatchObject({
    status: 'unchanged',
    operation: 'upgrade',
    revision,
    error: null
  })
  expect(annotationsOn(run, plan)).toEqual([])
  return result
}

/** The `::error::` annotations that name no file: errors of the whole step (setup, inputs, event). */
export function stepErrors(run: ActionRun): string[] {
  return run.annotations
    .filter((a) => a.level === 'error' && !a.properties.file)
    .map((a) => a.message)
}

/** The sample chart's ConfigMap message of a release, undefined when absent. */
export async function message(
  cluster: Cluster,
  ns: string,
  release: string
): Promise<string | undefined> {
  return (await cluster.configMap(ns, `${release}-hello`))?.data?.message
}

/** helm's release records as `revision:status`, oldest first. */
export async function history(cluster: Cluster, ns: string, release: string): Promise<string[]> {
  const secrets = await cluster.releaseSecrets(ns, release)
  return secrets.map((s) => `${s.metadata?.labels?.version}:${s.metadata?.labels?.status}`)
}

/** A process is gone: no /proc entry, or a zombie waiting for its parent to reap it. */
export function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true
  } catch {
    return true
  }
}
