import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { contextName, writeMergedKubeconfig } from '../cluster.ts'
import type { BenchContext } from '../context.ts'
import { timedOk } from '../measure.ts'
import { REPO_ALIAS, type OpsRepo, type Phase } from '../ops-repo.ts'
import { freshHelmHome, repoCredentials, type Contender } from './contender.ts'

// (b) `helmfile sync` with its default concurrency over an equivalent helmfile:
// the same releases, charts, versions and values files, one kubeContext per cluster.

export function helmfileSync(context: BenchContext, repo: OpsRepo, helmfile: string): Contender {
  const kubeconfig = join(context.work, 'helmfile-kubeconfig.yaml')
  writeMergedKubeconfig(context.kubeconfigs, kubeconfig)
  const files = new Map<Phase, string>()
  for (const phase of ['install', 'upgrade'] as const) {
    const file = join(context.work, `helmfile-${phase}.yaml`)
    // JSON is YAML: no templating, nothing for helmfile to interpret but the releases.
    writeFileSync(file, JSON.stringify(helmfileOf(context, repo, phase), null, 2), { mode: 0o600 })
    files.set(phase, file)
  }
  return {
    name: 'helmfile',
    async run(phase) {
      const env = { ...context.env, ...freshHelmHome(context.work), KUBECONFIG: kubeconfig }
      const result = await timedOk(
        `helmfile sync (${phase})`,
        helmfile,
        ['--file', files.get(phase)!, '--helm-binary', context.helm, 'sync'],
        { cwd: repo.dir, env, sampleMemory: true }
      )
      return { ms: result.ms, peakRssKb: result.peakRssKb }
    }
  }
}

function helmfileOf(context: BenchContext, repo: OpsRepo, phase: Phase): object {
  const { url, username, password } = repoCredentials(context.chartRepo)
  return {
    repositories: [{ name: REPO_ALIAS, url, username, password }],
    releases: repo.releases.map((r) => ({
      name: r.release,
      namespace: r.namespace,
      kubeContext: contextName(r.cluster),
      chart: r.chart,
      version: r.version[phase],
      values: [join(repo.dir, r.values)]
    }))
  }
}
