// The fault suite's bed and runs: one case = one vitest test with the outcome it asserts
// in `meta.expected` (the table), the built action run as the runner runs it, and a
// credential scan of everything each run printed.
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { expect, test } from 'vitest'
import { load } from 'js-yaml'
import { kubeconfigSecrets } from '../../src/cluster/kubeconfig.ts'
import { runAction, type ActionOptions, type ActionRun } from '../support/action-runner.ts'
import {
  dispatchPayload,
  pullRequestPayload,
  pushPayload,
  type PayloadCommitPatch
} from '../support/events.ts'
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

function resultsFileOf(run: ActionRun): string {
  const path = run.outputs['results-file']
  return path && existsSync(path) ? readFileSync(path, 'utf8') : ''
}

/** Where each credential shows in what a run printed or wrote: [] when nothing leaked. */
export function leaks(run: ActionRun): string[] {
  const places: Record<string, string> = {
    log: run.log,
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    annotations: JSON.stringify(run.annotations),
    'post step': `${run.post?.stdout ?? ''}\n${run.post?.stderr ?? ''}`,
    // Uploaded as an artifact for a fleet's report: masked like the log.
    'results file': resultsFileOf(run)
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
