import type { PlanTarget } from '../types/plan.ts'
import type { ActContext } from './act.ts'
import { errorMessage } from '../error-message.ts'

// Marks on one revision of a release, written on helm's release Secret beside the
// marker: finished, hooks-failed, the ownership signature, quarantined.

/** A merge patch of labels on one revision's release Secret; the error message when it failed. */
export async function labelRevision(
  target: PlanTarget,
  revision: number,
  labels: Record<string, string>,
  context: Pick<ActContext, 'cluster'>
): Promise<string | undefined> {
  const client = context.cluster?.client
  if (!client) return 'no API access'
  const { namespace, release } = target
  try {
    await client.mergePatch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(`sh.helm.release.v1.${release}.v${revision}`)}`,
      { metadata: { labels } }
    )
    return undefined
  } catch (error) {
    return errorMessage(error)
  }
}
