// Builders for the component tests of src/apply on the bed: a scratch ops
// repository (local chart, values, hook scripts), a Config and plans as data.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Helm } from '../../src/apply/helm.ts'
import type { Config } from '../../src/types/config.ts'
import type {
  ChartSource,
  DeploymentPlan,
  HookName,
  PlannedStep,
  PlanSpec,
  PlanTarget,
  Removal,
  RepositoryAlias
} from '../../src/types/plan.ts'
import type { Result } from '../../src/types/results.ts'
import { runEngine } from '../../src/engine/run.ts'
import { DEFAULT_REMOVAL } from '../../src/plan/plan-options.ts'
import { NO_HOOKS, webSpec } from '../support/plan-spec.ts'
import { testbed } from '../support/testbed.ts'
import { testConfig } from '../support/config.ts'

export const bed = testbed()

export const HELMS: ReadonlyArray<readonly [string, Helm]> = [
  ['Helm 4', { path: bed.helm4, version: bed.helm4Version, major: 4 }],
  ['Helm 3', { path: bed.helm3, version: bed.helm3Version, major: 3 }]
]

/** A scratch ops repository: the sample charts under charts/, scripts under hooks/. */
export function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ops-'))
  cpSync(bed.sampleCharts, join(dir, 'charts'), { recursive: true })
  mkdirSync(join(dir, 'hooks'))
  mkdirSync(join(dir, 'values'))
  return dir
}

export function writeFile(repo: string, path: string, text: string, executable = false): string {
  const file = join(repo, path)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, text)
  if (executable) chmodSync(file, 0o755)
  return path
}

/** A hook that appends a line to hooks.log: the operation, the release state as helm sees it, the variables. */
export function recordingHook(repo: string, name: string): string {
  return writeFile(
    repo,
    `hooks/${name}.sh`,
    `state=$("$HELM" status "$GITOPS_RELEASE" -n "$GITOPS_NAMESPACE" -o json 2>/dev/null | grep -o '"status":"[a-z-]*"' | head -1 | cut -d'"' -f4)
echo "${name} \${state:-absent} $GITOPS_OPERATION $GITOPS_SETUP $GITOPS_NAMESPACE $GITOPS_RELEASE $GITOPS_PLAN $GITOPS_SHA $GITOPS_CHART \${GITOPS_VERSION:--} $(test -f "$KUBECONFIG" && echo kubeconfig) $(pwd)" >> hooks.log
`
  )
}

export function hookLog(repo: string): string[] {
  try {
    return readFileSync(join(repo, 'hooks.log'), 'utf8').trim().split('\n')
  } catch {
    return []
  }
}

export function config(workspace: string, overrides: Partial<Config> = {}): Config {
  return testConfig({
    kubeconfigStoreUrl: bed.storeUrl,
    kubeconfigStoreCa: readFileSync(bed.ca, 'utf8'),
    helmVersion: 'system',
    helmDownloadUrl: '',
    hookTimeoutMs: 60_000,
    workspace,
    ...overrides
  })
}

export function target(setup: string, namespace: string, release: string): PlanTarget {
  return { plan: `${setup}/${namespace}/${release}.yaml`, setup, namespace, release }
}

export function localChart(name = 'hello'): ChartSource {
  return { kind: 'local', path: `charts/${name}` }
}

export function spec(
  chart: ChartSource,
  fields: Partial<Omit<PlanSpec, 'chart' | 'hooks'>> & {
    hooks?: Partial<Record<HookName, readonly string[]>>
  } = {}
): PlanSpec {
  const { hooks, ...rest } = fields
  return webSpec({
    chart,
    chartText: chart.kind === 'local' ? `./${chart.path}` : JSON.stringify(chart),
    ...rest,
    hooks: { ...NO_HOOKS, ...hooks }
  })
}

export function applyStep(t: PlanTarget, s: PlanSpec): PlannedStep {
  return { action: 'apply', target: t, spec: s, reasons: [`${t.plan} changed`] }
}

export function uninstallStep(
  t: PlanTarget,
  needs: readonly string[] = [],
  removal: Removal = DEFAULT_REMOVAL
): PlannedStep {
  return { action: 'uninstall', target: t, reasons: [`${t.plan} removed`], needs, removal }
}

export function plan(
  sha: string,
  steps: readonly PlannedStep[],
  repositories: readonly RepositoryAlias[] = [],
  resync = false
): DeploymentPlan {
  const setups = [...new Set(steps.map((s) => s.target.setup))].map((setup) => ({
    setup,
    steps: steps.filter((s) => s.target.setup === setup)
  }))
  return {
    sha,
    setups,
    problems: [],
    waves: [setups.map((s) => s.setup)],
    repositories,
    runKind: { kind: resync ? 'resync' : 'deploy' }
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`
}

export function sha(n: number): string {
  return n.toString(16).padStart(40, 'a')
}

/** Runs the engine as a deploy (or a re-sync when the plan says so) of workflow run `run`. */
export function deploy(
  p: DeploymentPlan,
  c: Config,
  helm: Helm,
  signal: AbortSignal,
  run = '1'
): Promise<Result[]> {
  return runEngine({ plan: p, config: c, helm, run, signal })
}
