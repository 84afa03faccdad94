import type { KubeClient } from '../cluster/client.ts'
import type { PlanTarget } from '../types/plan.ts'
import { parseMetadata } from './helm-output.ts'
import { listRevisions, secretDriver } from './observe.ts'
import type { HelmCall, HelmPort } from './ports.ts'

// What an install or upgrade made, read the cheap way: helm printing the whole
// release (every manifest and value, megabytes for a large chart) to tell two
// fields is what this replaces. The newest revision comes from the release
// Secrets' labels (one metadata-only list); its chart version from
// `helm get metadata` of that one revision (without a revision, helm reads them all).

export interface Made {
  /** null: neither the Secrets nor helm could tell. */
  readonly revision: number | null
  /** Undefined when helm could not tell: the result keeps the plan's version. */
  readonly chartVersion?: string
}

export async function readMade(
  target: PlanTarget,
  helm: HelmPort,
  client: KubeClient | undefined,
  call: HelmCall
): Promise<Made> {
  const labelled = client && secretDriver(call.env) ? await newest(client, target) : undefined
  try {
    const read = parseMetadata(await helm.metadata(target, labelled, call))
    return {
      revision: labelled ?? read.revision,
      ...(read.chartVersion !== undefined && { chartVersion: read.chartVersion })
    }
  } catch {
    // The deploy succeeded: an unreadable answer costs the result its details only.
    return { revision: labelled ?? null }
  }
}

async function newest(client: KubeClient, target: PlanTarget): Promise<number | undefined> {
  try {
    const revisions = await listRevisions(client, target.namespace, target.release)
    const numbers = revisions.filter((r) => r.release === target.release).map((r) => r.revision)
    return numbers.length > 0 ? Math.max(...numbers) : undefined
  } catch {
    // Not allowed to list, or unreachable: helm is asked for the newest instead.
    return undefined
  }
}
