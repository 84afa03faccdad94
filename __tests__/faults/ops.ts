// Ops repositories made with git, and the fixture of a fault file: each case's namespace
// and repository, its change and the push that deploys it, all dropped after the file.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { GitRepo, removeTempDirs } from '../support/git-repo.ts'
import { act, bed, clusterA, clusterB, SETUP_A, type ActOptions, type Trigger } from './action.ts'

// ── ops repositories ────────────────────────────────────────────────────────

export const HELLO_CHART = join(bed.sampleCharts, 'hello')

export interface PlanFields {
  readonly chart?: string
  readonly version?: string
  readonly values?: string | readonly string[]
  readonly hooks?: Readonly<Record<string, readonly string[]>>
}

/** A plan file's YAML; `chart` defaults to the repository's local copy of the sample chart. */
export function planYaml(fields: PlanFields = {}): string {
  const lines = [`chart: ${fields.chart ?? './charts/hello'}`]
  if (fields.version) lines.push(`version: ${fields.version}`)
  const values = typeof fields.values === 'string' ? [fields.values] : fields.values
  if (values?.length) lines.push('values:', ...values.map((v) => `  - ${JSON.stringify(v)}`))
  if (fields.hooks) {
    lines.push('hooks:')
    for (const [name, scripts] of Object.entries(fields.hooks)) {
      lines.push(`  ${name}:`, ...scripts.map((s) => `    - ${JSON.stringify(s)}`))
    }
  }
  return lines.join('\n') + '\n'
}

/** A values file for the sample chart: its message shows in the ConfigMap; no Deployment (fast). */
export function valuesYaml(message: string): string {
  return `message: ${JSON.stringify(message)}\ndeployment:\n  enabled: false\n`
}

export interface Ops {
  readonly repo: GitRepo
  /** The commit before the case's files (README and chart only). */
  readonly base: string
  readonly origin: string
  commit(files: Readonly<Record<string, string>>, remove?: readonly string[]): Promise<string>
  /** Runs the action on the push from the base commit to `head`. */
  push(head: string, options?: ActOptions): Promise<ActionRun>
}

/** A real repository: a base commit with the sample chart, then `files` in a second commit. */
export async function opsRepo(): Promise<Ops> {
  const repo = await GitRepo.create()
  await repo.write({ 'README.md': '# ops\n' })
  cpSync(HELLO_CHART, join(repo.dir, 'charts', 'hello'), { recursive: true })
  const base = await repo.commit('base')
  const origin = await repo.bareOrigin()
  return {
    repo,
    base,
    origin,
    async commit(files, remove = []) {
      await repo.write(files)
      if (remove.length) await repo.remove(...remove)
      const sha = await repo.commit('change')
      await repo.push()
      return sha
    },
    push: (head, options) => act(repo.dir, { push: { before: base, after: head } }, options)
  }
}

/** A namespace of one case; every case has its own so cases stay independent. */
export function namespace(name: string): string {
  return `f-${name}-${Math.random().toString(36).slice(2, 7)}`
}

export async function dropNamespaces(...names: string[]): Promise<void> {
  for (const ns of names) for (const c of [clusterA, clusterB]) await c.deleteNamespace(ns)
}

// ── kubeconfig stores ─────────────────────────────────────────────────────

/** What an earlier step (a cloud CLI after an OIDC login) would leave: `<dir>/<setup>/kubeconfig.yaml`. */
export function writeStore(dir: string, kubeconfigs: Readonly<Record<string, string>>): string {
  for (const [setup, text] of Object.entries(kubeconfigs)) {
    mkdirSync(join(dir, ...setup.split('/')), { recursive: true })
    writeFileSync(join(dir, ...setup.split('/'), 'kubeconfig.yaml'), text, { mode: 0o600 })
  }
  return `file://${dir}`
}

// ── the arrange and teardown of a fault file ───────────────────────────────

/** A case's change: its namespace, its ops repository with the change committed at `head`. */
export interface Change {
  readonly ns: string
  readonly ops: Ops
  readonly head: string
  /** The push from the base commit to `head`. */
  readonly trigger: Trigger
  /** The sample chart's plan of the case in a setup: `<setup>/<ns>/app.yaml`. */
  readonly planIn: (setup: string) => string
  /** Runs the action on the push. */
  push(options?: ActOptions): Promise<ActionRun>
}

export interface OnePlan extends Change {
  /** The plan in setup A. */
  readonly plan: string
}

export interface FaultSuite {
  /** A namespace of its own for a case; dropped on both clusters after the file. */
  ns(name: string): string
  /** A namespace and a fresh ops repository with `files(ns)` committed on the base. */
  change(name: string, files: (ns: string) => Readonly<Record<string, string>>): Promise<Change>
  /** The sample chart as `app` in each setup, all with one values file of message `name`. */
  plans(name: string, setups: readonly string[]): Promise<Change>
  /** One plan in setup A: by default the sample chart with a values file of message `name`. */
  onePlan(
    name: string,
    files?: (ns: string, plan: string) => Readonly<Record<string, string>>
  ): Promise<OnePlan>
}

/** The fixture of a fault file: call once at its top; namespaces and temp dirs go after the file. */
export function faultSuite(): FaultSuite {
  const namespaces: string[] = []
  afterAll(async () => {
    await dropNamespaces(...namespaces)
    await removeTempDirs()
  })
  const ns = (name: string): string => {
    const made = namespace(name)
    namespaces.push(made)
    return made
  }
  const change: FaultSuite['change'] = async (name, files) => {
    const space = ns(name)
    const ops = await opsRepo()
    const head = await ops.commit(files(space))
    return {
      ns: space,
      ops,
      head,
      trigger: { push: { before: ops.base, after: head } },
      planIn: (setup) => appPlan(setup, space),
      push: (options) => ops.push(head, options)
    }
  }
  const withValues = (name: string, plans: readonly string[]): Record<string, string> => ({
    'values/app.yaml': valuesYaml(name),
    ...Object.fromEntries(plans.map((p) => [p, planYaml({ values: 'values/app.yaml' })]))
  })
  return {
    ns,
    change,
    plans: (name, setups) =>
      change(name, (space) =>
        withValues(
          name,
          setups.map((s) => appPlan(s, space))
        )
      ),
    async onePlan(name, files = (_, plan) => withValues(name, [plan])) {
      const made = await change(name, (space) => files(space, appPlan(SETUP_A, space)))
      return { ...made, plan: made.planIn(SETUP_A) }
    }
  }
}

const appPlan = (setup: string, ns: string): string => `${setup}/${ns}/app.yaml`
