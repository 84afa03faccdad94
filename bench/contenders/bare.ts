import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext } from '../context.ts'
import { timedOk } from '../measure.ts'
import { COMMIT_OF, REPO_ALIAS, type Commit, type OpsRepo } from '../ops-repo.ts'
import { countingHelm, freshHelmHome, repoCredentials, type Contender } from './contender.ts'

// (a) The floor for one process: a shell script doing the same work with one
// `helm upgrade --install` per release, one after another, after one `helm repo add`.
// A re-sync runs the upgrade's script again: helm upgrades every release once more.

export function bareLoop(context: BenchContext, repo: OpsRepo): Contender {
  const helm = countingHelm(context.work, 'bare', context.helm)
  const scripts = new Map<Commit, string>()
  for (const commit of ['install', 'upgrade'] as const) {
    const file = join(context.work, `bare-${commit}.sh`)
    writeFileSync(file, script(context, repo, commit, helm.path))
    scripts.set(commit, file)
  }
  const { password } = repoCredentials(context.chartRepo)
  return {
    name: 'bare',
    resyncUpgrades: true,
    async run(phase) {
      const env = { ...context.env, ...freshHelmHome(context.work), BENCH_REPO_PASSWORD: password }
      helm.reset()
      const result = await timedOk(
        `bare helm loop (${phase})`,
        'bash',
        [scripts.get(COMMIT_OF[phase])!],
        { cwd: repo.dir, env }
      )
      return { ms: result.ms, helmProcesses: helm.calls() }
    }
  }
}

function script(context: BenchContext, repo: OpsRepo, phase: Commit, helm: string): string {
  const { url, username } = repoCredentials(context.chartRepo)
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
  const lines = [
    '#!/usr/bin/env bash',
    `# ${phase}: ${repo.releases.length} releases, one helm process at a time (written by bench/contenders/bare.ts)`,
    'set -euo pipefail',
    `helm=${q(helm)}`,
    `"$helm" repo add ${REPO_ALIAS} ${q(url)} --username ${q(username)} --password-stdin <<<"$BENCH_REPO_PASSWORD" >/dev/null`
  ]
  for (const r of repo.releases) {
    lines.push(
      [
        '"$helm" upgrade --install',
        r.release,
        r.chart,
        '--version',
        r.version[phase],
        '--namespace',
        r.namespace,
        '--create-namespace',
        '-f',
        q(join(repo.dir, r.values)),
        '--kubeconfig',
        q(context.kubeconfigs[r.cluster]!),
        '>/dev/null'
      ].join(' ')
    )
  }
  return `${lines.join('\n')}\n`
}
