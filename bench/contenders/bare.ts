import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext } from '../context.ts'
import { timedOk } from '../measure.ts'
import { REPO_ALIAS, type OpsRepo, type Phase } from '../ops-repo.ts'
import { freshHelmHome, repoCredentials, type Contender } from './contender.ts'

// (a) The floor for one process: a shell script doing the same work with one
// `helm upgrade --install` per release, one after another, after one `helm repo add`.

export function bareLoop(context: BenchContext, repo: OpsRepo): Contender {
  const scripts = new Map<Phase, string>()
  for (const phase of ['install', 'upgrade'] as const) {
    const file = join(context.work, `bare-${phase}.sh`)
    writeFileSync(file, script(context, repo, phase))
    scripts.set(phase, file)
  }
  const { password } = repoCredentials(context.chartRepo)
  return {
    name: 'bare',
    async run(phase) {
      const env = { ...context.env, ...freshHelmHome(context.work), BENCH_REPO_PASSWORD: password }
      const result = await timedOk(`bare helm loop (${phase})`, 'bash', [scripts.get(phase)!], {
        cwd: repo.dir,
        env
      })
      return { ms: result.ms }
    }
  }
}

function script(context: BenchContext, repo: OpsRepo, phase: Phase): string {
  const { url, username } = repoCredentials(context.chartRepo)
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
  const lines = [
    '#!/usr/bin/env bash',
    `# ${phase}: ${repo.releases.length} releases, one helm process at a time (written by bench/contenders/bare.ts)`,
    'set -euo pipefail',
    `helm=${q(context.helm)}`,
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
