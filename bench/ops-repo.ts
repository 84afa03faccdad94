import { git, write } from './git-files.ts'
import { mkdirSync } from 'node:fs'

// The benchmark's ops repository: S setups × P plans over the test bed's chart
// repository, as three commits. `base` has no plan; `install` adds every plan
// (a push of it installs S×P releases); `upgrade` modifies every plan (a newer
// chart version and changed values: a push of it upgrades every release). The no-op
// re-sync delivers the upgrade's commit again: nothing has changed since.

/** The bed's sample charts and the two versions each has (test/bed/charts/versions.json). */
const CHARTS = [
  { name: 'hello', versions: ['0.1.0', '0.2.0'] },
  { name: 'greeter', versions: ['1.0.0', '1.1.0'] }
] as const

export const REPO_ALIAS = 'bench'
/** A commit of the ops repository that deploys something. */
export type Commit = 'install' | 'upgrade'
/** The pushes every contender makes, in order: install, upgrade, and a re-sync of the unchanged upgrade. */
export type Phase = Commit | 'noop'
export const PHASES: readonly Phase[] = ['install', 'upgrade', 'noop']
/** The commit whose state each phase leaves on the clusters. */
export const COMMIT_OF: Readonly<Record<Phase, Commit>> = {
  install: 'install',
  upgrade: 'upgrade',
  noop: 'upgrade'
}

/** One release, as every contender deploys it. */
export interface BenchRelease {
  readonly setup: string
  /** Index into the test bed's clusters (setup i → cluster i mod clusters). */
  readonly cluster: number
  readonly namespace: string
  readonly release: string
  /** Repository-relative path of its plan file. */
  readonly plan: string
  /** `bench/<chart>`: the chart through the repository alias. */
  readonly chart: string
  /** The chart version at each commit. */
  readonly version: Readonly<Record<Commit, string>>
  /** Repository-relative path of its values file (content differs per phase). */
  readonly values: string
}

export interface OpsRepo {
  readonly dir: string
  readonly setups: readonly string[]
  readonly releases: readonly BenchRelease[]
  /** The commit before the first push and the one each deploying push delivers. */
  readonly commits: { readonly base: string } & Readonly<Record<Commit, string>>
}

export interface OpsRepoOptions {
  readonly dir: string
  readonly setups: number
  readonly plans: number
  readonly clusters: number
}

export function setupName(index: number): string {
  return `bench/s${index}`
}

export function generateOpsRepo(options: OpsRepoOptions): OpsRepo {
  const { dir } = options
  const releases: BenchRelease[] = []
  for (let s = 0; s < options.setups; s++) {
    for (let p = 0; p < options.plans; p++) {
      const chart = CHARTS[(s + p) % CHARTS.length]!
      const setup = setupName(s)
      const namespace = `bench-${s}`
      const release = `app-${p}`
      releases.push({
        setup,
        cluster: s % options.clusters,
        namespace,
        release,
        plan: `${setup}/${namespace}/${release}.yaml`,
        chart: `${REPO_ALIAS}/${chart.name}`,
        version: { install: chart.versions[0], upgrade: chart.versions[1] },
        values: `values/s${s}/${release}.yaml`
      })
    }
  }

  mkdirSync(dir, { recursive: true })
  const inRepo = (...args: string[]): string => git(dir, ...args)
  inRepo('init', '--quiet', '--initial-branch=main')
  write(
    dir,
    'README.md',
    `Benchmark ops repository: ${options.setups} setups × ${options.plans} plans.\n`
  )
  inRepo('add', '-A')
  inRepo('commit', '--quiet', '-m', 'base: no plan yet')
  const base = inRepo('rev-parse', 'HEAD')

  const commitPhase = (phase: Commit): string => {
    for (const r of releases) {
      write(dir, r.plan, planText(r, phase))
      write(dir, r.values, valuesText(r, phase))
    }
    inRepo('add', '-A')
    inRepo('commit', '--quiet', '-m', `${phase}: every plan`)
    return inRepo('rev-parse', 'HEAD')
  }
  const install = commitPhase('install')
  const upgrade = commitPhase('upgrade')
  return {
    dir,
    setups: [...new Set(releases.map((r) => r.setup))],
    releases,
    commits: { base, install, upgrade }
  }
}

function planText(r: BenchRelease, phase: Commit): string {
  return `chart: ${r.chart}\nversion: ${r.version[phase]}\nvalues: ${r.values}\n`
}

/** Small values that show on the ConfigMap; `hello` runs without its Deployment. */
function valuesText(r: BenchRelease, phase: Commit): string {
  const stamp = `${r.namespace}/${r.release} ${phase}`
  return r.chart.endsWith('/hello')
    ? `message: "${stamp}"\ndeployment:\n  enabled: false\n`
    : `name: "${stamp}"\n`
}

/** Puts the work tree at a commit, as a runner's checkout step would. */
export function checkout(repo: OpsRepo, commit: string): void {
  git(repo.dir, 'checkout', '--quiet', '--detach', commit)
}
