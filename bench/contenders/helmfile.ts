import { writeFileSync } from 'node:fs'
import { dump } from 'js-yaml'
import { join } from 'node:path'
import { contextName, writeMergedKubeconfig } from '../cluster.ts'
import type { BenchContext } from '../context.ts'
import { timedOk } from '../measure.ts'
import { COMMIT_OF, REPO_ALIAS, type Commit, type OpsRepo } from '../ops-repo.ts'
import { countingHelm, freshHelmHome, repoCredentials, type Contender } from './contender.ts'

// (b) `helmfile sync` with its default concurrency over an equivalent helmfile:
// the same releases, charts, versions and values files, one kubeContext per cluster.
// A re-sync runs the upgrade's helmfile again: `helmfile sync` upgrades every release
// once more (`helmfile apply` would skip unchanged ones through helm-diff, see bench/README.md).

export function helmfileSync(context: BenchContext, repo: OpsRepo, helmfile: string): Contender {
  const kubeconfig = join(context.work, 'helmfile-kubeconfig.yaml')
  writeMergedKubeconfig(context.kubeconfigs, kubeconfig)
  const helm = countingHelm(context.work, 'helmfile', context.helm)
  const files = new Map<Commit, string>()
  for (const commit of ['install', 'upgrade'] as const) {
    const file = join(context.work, `helmfile-${commit}.yaml`)
    // Plain block YAML: helmfile finds its top-level keys by line (a JSON file has none for it).
    writeFileSync(file, dump(helmfileOf(context, repo, commit)), { mode: 0o600 })
    files.set(commit, file)
  }
  return {
    name: 'helmfile',
    resyncUpgrades: true,
    async run(phase) {
      const env = { ...context.env, ...freshHelmHome(context.work), KUBECONFIG: kubeconfig }
      helm.reset()
      const result = await timedOk(
        `helmfile sync (${phase})`,
        helmfile,
        ['--file', files.get(COMMIT_OF[phase])!, '--helm-binary', helm.path, 'sync'],
        { cwd: repo.dir, env, sampleMemory: true }
      )
      return { ms: result.ms, peakRssKb: result.peakRssKb, helmProcesses: helm.calls() }
    }
  }
}

function helmfileOf(context: BenchContext, repo: OpsRepo, phase: Commit): object {
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
