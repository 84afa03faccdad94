// Shared by the fault suite: one case = one vitest test with the outcome it asserts
// in `meta.expected` (the table), ops repositories made with git, the built action run
// as the runner runs it, and a credential scan of everything each run printed.
import { cpSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { expect, test } from 'vitest'
import { load } from 'js-yaml'
import { kubeconfigSecrets } from '../../src/apply/kubeconfig.ts'
import {
  runAction,
  type ActionOptions,
  type ActionRun,
  type ResultJson
} from '../support/action-runner.ts'
import {
  dispatchPayload,
  pullRequestPayload,
  pushPayload,
  type PayloadCommitPatch
} from '../support/events.ts'
import { GitRepo } from '../support/git-repo.ts'
import { Cluster, testbed } from '../support/testbed.ts'

export const bed = testbed()
export const [SETUP_A, SETUP_B] = bed.setups as [string, string]
export const clusterA = new Cluster(SETUP_A, bed.kubeconfigs[0] ?? '')
export const clusterB = new Cluster(SETUP_B, bed.kubeconfigs[1] ?? '')
export const clusterOf = (setup: string): Cluster => (setup === SETUP_B ? clusterB : clusterA)

/** The GitHub token every run gets: searched for like every other credential. */
export const GITHUB_TOKEN = `ghs_faultSuite${Math.random().toString(36).slice(2)}Token`

const extraSecrets = new Set<string>()
/** A credential a case made up (a wrong password, a secret in a kubeconfig): searched for too. */
export function secret(value: string): string {
  extraSecrets.add(value)
  return value
}

/** Every credential of the suite, with the forms a leak could take (URL-encoded, base64, PEM lines). */
export function credentials(): string[] {
  const found = new Set<string>([
    bed.storePassword,
    bed.chartRepoPassword,
    ...(bed.ociPassword ? [bed.ociPassword] : []),
    GITHUB_TOKEN,
    ...extraSecrets
  ])
  for (const file of bed.kubeconfigs) {
    for (const s of kubeconfigSecrets(load(readFileSync(file, 'utf8')) as Record<string, unknown>))
      found.add(s)
  }
  const needles = new Set<string>()
  for (const s of found) {
    for (const line of s.split('\n').map((l) => l.trim())) {
      if (line.length >= 8 && !line.startsWith('-----')) needles.add(line)
    }
    needles.add(encodeURIComponent(s))
    needles.add(Buffer.from(s).toString('base64'))
  }
  return [...needles].filter((n) => n.length >= 8)
}

/** Where each credential shows in what a run printed or wrote: [] when nothing leaked. */
export function leaks(run: ActionRun): string[] {
  const places: Record<string, string> = {
    log: run.log,
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    annotations: JSON.stringify(run.annotations),
    'post step': `${run.post?.stdout ?? ''}\n${run.post?.stderr ?? ''}`
  }
  const hits: string[] = []
  for (const needle of credentials()) {
    for (const [where, text] of Object.entries(places)) {
      if (text.includes(needle)) hits.push(`${needle.slice(0, 4)}… in ${where}`)
    }
  }
  return hits
}

let runs = 0
let scanned = 0
/** How many action runs the credential scan covered (for the security case). */
export const scanCount = (): { runs: number; scanned: number } => ({ runs, scanned })

/** One case of the fault suite: the expected outcome goes to the table. */
export function faultCase(
  name: string,
  expected: string,
  fn: () => Promise<void>,
  timeoutMs = 120_000
): void {
  test(name, { meta: { expected }, timeout: timeoutMs }, fn)
}

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
    }
  }
}

/** A namespace of one case; every case has its own so cases stay independent. */
export function namespace(name: string): string {
  return `f-${name}-${Math.random().toString(36).slice(2, 7)}`
}

export async function dropNamespaces(...names: string[]): Promise<void> {
  for (const ns of names) for (const c of [clusterA, clusterB]) await c.deleteNamespace(ns)
}

// ── running the action ─────────────────────────────────────────────────────

export type Trigger =
  | {
      readonly push: {
        readonly before: string
        readonly after: string
        readonly ref?: string
        readonly forced?: boolean
        readonly commits?: readonly PayloadCommitPatch[]
      }
    }
  | { readonly pullRequest: { readonly base: string; readonly head: string } }
  | { readonly dispatch: string }
  | {
      readonly raw: {
        readonly eventName: string
        readonly payload: unknown
        readonly sha: string
        readonly ref?: string
      }
    }

export const storeInputs = {
  'kubeconfig-store-url': bed.storeUrl,
  'kubeconfig-store-ca': bed.ca
}

export const defaultInputs: Readonly<Record<string, string>> = {
  ...storeInputs,
  'github-token': GITHUB_TOKEN,
  'helm-version': 'system',
  'helm-repositories': `bed ${bed.chartRepo}`,
  'hook-timeout': '30',
  parallel: '2'
}

export interface ActOptions extends Partial<
  Omit<ActionOptions, 'workspace' | 'eventName' | 'event' | 'inputs' | 'env'>
> {
  readonly inputs?: Readonly<Record<string, string>>
  readonly env?: Readonly<Record<string, string>>
}

/** Runs the built action (main and post step) on a checkout; fails the case if a credential leaked. */
export async function act(
  workspace: string,
  trigger: Trigger,
  options: ActOptions = {}
): Promise<ActionRun> {
  let eventName: string
  let event: unknown
  let sha: string
  let ref = 'refs/heads/main'
  if ('push' in trigger) {
    eventName = 'push'
    event = pushPayload(trigger.push)
    sha = trigger.push.after
    ref = trigger.push.ref ?? ref
  } else if ('pullRequest' in trigger) {
    eventName = 'pull_request'
    event = pullRequestPayload({
      baseSha: trigger.pullRequest.base,
      headSha: trigger.pullRequest.head
    })
    sha = trigger.pullRequest.head
    ref = 'refs/pull/7/merge'
  } else if ('dispatch' in trigger) {
    eventName = 'workflow_dispatch'
    event = dispatchPayload()
    sha = trigger.dispatch
  } else {
    ;({ eventName, payload: event, sha } = trigger.raw)
    ref = trigger.raw.ref ?? ref
  }
  const { inputs, env, ...rest } = options
  const run = await runAction({
    ...rest,
    workspace,
    eventName,
    event,
    inputs: { ...defaultInputs, ...inputs },
    env: {
      // `helm-version: system` finds the bed's Helm 4 first; helm trusts the bed CA (chart repository).
      PATH: `${dirname(bed.helm4)}:${process.env.PATH ?? ''}`,
      SSL_CERT_FILE: bed.ca,
      GITHUB_SHA: sha,
      GITHUB_REF: ref,
      ...env
    }
  })
  runs++
  const hits = leaks(run)
  scanned++
  expect(hits, 'credentials leaked').toEqual([])
  return run
}

// ── outcomes ───────────────────────────────────────────────────────────────

export function resultOf(run: ActionRun, plan: string): ResultJson {
  const found = run.results.find((r) => r.plan === plan)
  if (!found)
    throw new Error(
      `no result for ${plan}; results: ${JSON.stringify(run.results.map((r) => r.plan))}\n${run.log}`
    )
  return found
}

/** The error annotations on a file. */
export function annotationsOn(run: ActionRun, file: string) {
  return run.annotations.filter((a) => a.level === 'error' && a.properties.file === file)
}

/** A failed plan: its result's error, and the one error annotation on the plan file (with its line, if any). */
export function expectFailed(
  run: ActionRun,
  plan: string,
  error: string | RegExp,
  where: { line?: number; operation?: string | null } = {}
): ResultJson {
  const result = resultOf(run, plan)
  expect(result.status, `${plan}: ${result.error}`).toBe('failed')
  if (typeof error === 'string') expect(result.error).toBe(error)
  else expect(result.error).toMatch(error)
  if (where.operation !== undefined) expect(result.operation).toBe(where.operation)
  const notes = annotationsOn(run, plan)
  expect(notes, `annotations on ${plan}`).toHaveLength(1)
  expect(notes[0]?.message).toBe(result.error)
  expect(notes[0]?.properties.line).toBe(where.line === undefined ? undefined : String(where.line))
  expect(run.code).toBe(1)
  return result
}

export function expectSucceeded(
  run: ActionRun,
  plan: string,
  operation: string,
  revision: number
): ResultJson {
  const result = resultOf(run, plan)
  expect(result, JSON.stringify(result)).toMatchObject({
    status: 'succeeded',
    operation,
    revision,
    error: null
  })
  expect(annotationsOn(run, plan)).toEqual([])
  return result
}

/** A plan whose release already deployed it: nothing ran, nothing failed. */
export function expectUnchanged(run: ActionRun, plan: string, revision: number): ResultJson {
  const result = resultOf(run, plan)
  expect(result, JSON.stringify(result)).toMatchObject({
    status: 'unchanged',
    operation: 'upgrade',
    revision,
    error: null
  })
  expect(annotationsOn(run, plan)).toEqual([])
  return result
}

/** The `::error::` annotations that name no file: errors of the whole step (setup, inputs, event). */
export function stepErrors(run: ActionRun): string[] {
  return run.annotations
    .filter((a) => a.level === 'error' && !a.properties.file)
    .map((a) => a.message)
}

/** The sample chart's ConfigMap message of a release, undefined when absent. */
export async function message(
  cluster: Cluster,
  ns: string,
  release: string
): Promise<string | undefined> {
  return (await cluster.configMap(ns, `${release}-hello`))?.data?.message
}

/** helm's release records as `revision:status`, oldest first. */
export async function history(cluster: Cluster, ns: string, release: string): Promise<string[]> {
  const secrets = await cluster.releaseSecrets(ns, release)
  return secrets.map((s) => `${s.metadata?.labels?.version}:${s.metadata?.labels?.status}`)
}

/** A process is gone: no /proc entry, or a zombie waiting for its parent to reap it. */
export function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true
  } catch {
    return true
  }
}
