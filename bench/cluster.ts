import { readFileSync, writeFileSync } from 'node:fs'
import { load } from 'js-yaml'
import { COMMIT_OF, type BenchRelease, type Phase } from './ops-repo.ts'
import { timedOk } from './measure.ts'

// Untimed work on the test bed's clusters between measurements: checking that a
// contender really deployed what it should, and removing the releases again so
// every contender starts each round from the same empty namespaces.

export interface Clusters {
  readonly helm: string
  /** Kubeconfig path of each cluster of the test bed, by index. */
  readonly kubeconfigs: readonly string[]
  /** Environment for helm: private helm folders, the bed's CA. */
  readonly env: NodeJS.ProcessEnv
}

/** Releases grouped by their cluster and namespace. */
function byNamespace(releases: readonly BenchRelease[]): Map<string, BenchRelease[]> {
  const groups = new Map<string, BenchRelease[]>()
  for (const r of releases) {
    const key = `${r.cluster} ${r.namespace}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return groups
}

interface ListedRelease {
  name: string
  revision: string | number
  status: string
  chart: string
}

async function listNamespace(
  clusters: Clusters,
  cluster: number,
  namespace: string
): Promise<ListedRelease[]> {
  const listed = await timedOk(
    `helm list -n ${namespace}`,
    clusters.helm,
    [
      // Every state (Helm 4 has no --all): a failed or pending leftover must show too.
      'list',
      '--deployed',
      '--failed',
      '--pending',
      '--superseded',
      '--uninstalling',
      '--namespace',
      namespace,
      '--output',
      'json',
      '--kubeconfig',
      clusters.kubeconfigs[cluster]!
    ],
    { env: clusters.env }
  )
  return JSON.parse(listed.stdout || '[]') as ListedRelease[]
}

/**
 * Checks every release is deployed with the phase's chart version, at revision 1 (install),
 * 2 (upgrade), and after the re-sync 3 where the contender upgrades unchanged releases, else 2.
 */
export async function verifyPhase(
  clusters: Clusters,
  releases: readonly BenchRelease[],
  phase: Phase,
  contender: { readonly name: string; readonly resyncUpgrades: boolean }
): Promise<void> {
  const revision = { install: 1, upgrade: 2, noop: contender.resyncUpgrades ? 3 : 2 }[phase]
  const problems: string[] = []
  await Promise.all(
    [...byNamespace(releases).values()].map(async (group) => {
      const first = group[0]!
      const listed = await listNamespace(clusters, first.cluster, first.namespace)
      for (const r of group) {
        const found = listed.find((l) => l.name === r.release)
        const chart = `${r.chart.split('/')[1]}-${r.version[COMMIT_OF[phase]]}`
        if (!found) problems.push(`${r.namespace}/${r.release}: absent`)
        else if (
          found.status !== 'deployed' ||
          found.chart !== chart ||
          Number(found.revision) !== revision
        ) {
          problems.push(
            `${r.namespace}/${r.release}: ${found.status} ${found.chart} revision ${found.revision}, expected deployed ${chart} revision ${revision}`
          )
        }
      }
    })
  )
  if (problems.length > 0) {
    throw new Error(
      `bench: after the ${phase} of ${contender.name} the clusters do not hold what they should:\n  ${problems.join('\n  ')}`
    )
  }
}

/** Uninstalls the releases (absent ones are fine) and checks that none is left. */
export async function clean(clusters: Clusters, releases: readonly BenchRelease[]): Promise<void> {
  await Promise.all(
    [...byNamespace(releases).values()].map(async (group) => {
      const first = group[0]!
      const kubeconfig = clusters.kubeconfigs[first.cluster]!
      await timedOk(
        `helm uninstall in ${first.namespace}`,
        clusters.helm,
        [
          'uninstall',
          ...group.map((r) => r.release),
          '--namespace',
          first.namespace,
          '--ignore-not-found',
          '--kubeconfig',
          kubeconfig
        ],
        { env: clusters.env }
      )
      const left = (await listNamespace(clusters, first.cluster, first.namespace)).filter((l) =>
        group.some((r) => r.release === l.name)
      )
      if (left.length > 0) {
        throw new Error(
          `bench: releases left in ${first.namespace} after cleaning: ${left.map((l) => l.name).join(', ')}`
        )
      }
    })
  )
}

interface Kubeconfig {
  clusters: { name: string; cluster: unknown }[]
  users: { name: string; user: unknown }[]
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[]
  'current-context'?: string
}

export function contextName(cluster: number): string {
  return `bench-cluster-${cluster}`
}

/**
 * One kubeconfig holding every cluster of the bed, a context per cluster
 * (`bench-cluster-<i>`): helmfile picks a cluster per release by `kubeContext`.
 */
export function writeMergedKubeconfig(kubeconfigs: readonly string[], file: string): void {
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [] }
  kubeconfigs.forEach((path, index) => {
    const config = load(readFileSync(path, 'utf8')) as Kubeconfig
    const current =
      config.contexts.find((c) => c.name === config['current-context']) ?? config.contexts[0]
    if (!current) throw new Error(`bench: kubeconfig ${path} has no context`)
    const cluster = config.clusters.find((c) => c.name === current.context.cluster)
    const user = config.users.find((u) => u.name === current.context.user)
    if (!cluster || !user)
      throw new Error(
        `bench: kubeconfig ${path}: context ${current.name} names a missing cluster or user`
      )
    const name = contextName(index)
    merged.clusters.push({ name, cluster: cluster.cluster })
    merged.users.push({ name, user: user.user })
    merged.contexts.push({ name, context: { cluster: name, user: name } })
  })
  merged['current-context'] = contextName(0)
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Config', ...merged }, null, 2), {
    mode: 0o600
  })
}
