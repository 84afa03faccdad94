import type { PlanLog } from '../report/plan-log.ts'
import type { PlanTarget, ReleaseOptions } from '../types/plan.ts'
import type { HelmCall, HelmPort } from './ports.ts'
import { errorMessage } from '../error-message.ts'

// A plan's `test`: `helm test --logs` after an install or upgrade, its pods' logs in
// the plan's log group; when it fails and the plan asks, a rollback to the release's
// last deployed revision. Both steps are told in the notes.

export type TestOutcome =
  | { readonly ok: true; readonly notes: readonly string[] }
  | { readonly ok: false; readonly notes: readonly string[]; readonly error: string }

export async function releaseTest(
  target: PlanTarget,
  test: NonNullable<ReleaseOptions['test']>,
  lastDeployed: number | undefined,
  helm: HelmPort,
  context: HelmCall,
  log: PlanLog
): Promise<TestOutcome> {
  try {
    // Test pods' logs arrive on stdout: they are log material here.
    await helm.test(target, test.timeout, {
      ...context,
      onLine: log.onLine,
      announce: (command) => log.line(command)
    })
    log.line('helm test passed')
    return { ok: true, notes: ['helm test passed'] }
  } catch (error) {
    const why = errorMessage(error)
    if (!test.rollbackOnFailure)
      return {
        ok: false,
        notes: [],
        error: `${why} (test.rollbackOnFailure is off: the release stays as it is)`
      }
    if (lastDeployed === undefined)
      return {
        ok: false,
        notes: ['not rolled back: the release has no earlier deployed revision'],
        error: why
      }
    log.line(`Rolling back to revision ${lastDeployed}: helm test failed`)
    try {
      await helm.rollback(target, lastDeployed, context)
    } catch (rollback) {
      const also = errorMessage(rollback)
      return {
        ok: false,
        notes: [],
        error: `${why}; the rollback to revision ${lastDeployed} failed too: ${also}`
      }
    }
    return {
      ok: false,
      notes: [`rolled back to revision ${lastDeployed} after the failed test`],
      error: `${why}; rolled back to revision ${lastDeployed}`
    }
  }
}
