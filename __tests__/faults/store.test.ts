// The kubeconfig store misbehaving: refusals (401 from the real nginx, 403, 404),
// 5xx then success, a hang, an unknown CA (the real nginx without its CA), an
// invalid kubeconfig, a kubeconfig whose cluster is down. Each failure stays on its
// setup's plans with a clear error naming the setup and the URL without credentials;
// the other setup deploys; a re-run once the store is fixed converges.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import {
  closedPort,
  file,
  hang,
  startFaultServer,
  status,
  body,
  type FaultServer,
  type Reply
} from '../support/fault-servers.ts'
import { bed, clusterA, clusterB, faultCase, secret, SETUP_A, SETUP_B } from './action.ts'
import { faultSuite } from './ops.ts'
import { expectFailed, expectSucceeded, expectUnchanged, message, resultOf } from './outcomes.ts'

const STORE_USER = 'store'
const STORE_PASSWORD = secret(`fault-store-${Math.random().toString(36).slice(2)}`)
const KUBE_A = bed.kubeconfigs[0] as string
const KUBE_B = bed.kubeconfigs[1] as string
const nginxBase = new URL(bed.storeUrl)
nginxBase.username = ''
nginxBase.password = ''
const nginxStore = nginxBase.toString().replace(/\/$/, '')

let server: FaultServer
const suite = faultSuite()

beforeAll(async () => {
  server = await startFaultServer({})
})

afterAll(async () => {
  await server.close()
})

const storePath = (setup: string): string => `/store/${setup}/kubeconfig.yaml`
const faultStore = (): string =>
  `http://${STORE_USER}:${STORE_PASSWORD}@127.0.0.1:${new URL(server.url).port}/store`
const safeFault = (setup: string): string => `${server.url}${storePath(setup)}`

/** Both setups' scripts on the fault store. */
function script(a: readonly Reply[], b: readonly Reply[] = [file(KUBE_B)]): void {
  server.script(storePath(SETUP_A), a)
  server.script(storePath(SETUP_B), b)
}

interface Case {
  readonly name: string
  readonly ns: string
  readonly planA: string
  readonly planB: string
  push(inputs?: Record<string, string>): Promise<ActionRun>
}

/** A repository with one plan in each setup, pushed; the values' message is the case's name. */
async function twoSetups(name: string, setupA = SETUP_A): Promise<Case> {
  const c = await suite.plans(name, [setupA, SETUP_B])
  return {
    name,
    ns: c.ns,
    planA: c.planIn(setupA),
    planB: c.planIn(SETUP_B),
    push: (inputs = {}) => c.push({ inputs })
  }
}

const useFaultStore = (): Record<string, string> => ({ 'kubeconfig-store-url': faultStore() })

/** The re-run installed setup A's plan, and both clusters show the case's values. */
async function expectRecovered(rerun: ActionRun, c: Case): Promise<void> {
  expectSucceeded(rerun, c.planA, 'install', 1)
  await expectDeployed(c, 'both', c.name)
}

/** Setup A's kubeconfig served by the fault store again: the re-run recovers. */
async function storeFixed(c: Case): Promise<ActionRun> {
  script([file(KUBE_A)])
  const rerun = await c.push(useFaultStore())
  await expectRecovered(rerun, c)
  return rerun
}

/** After both setups failed on the real store: a re-run as configured installs both. */
async function rerunInstallsBoth(c: Case): Promise<void> {
  const rerun = await c.push()
  await expectRecovered(rerun, c)
  expectSucceeded(rerun, c.planB, 'install', 1)
}

async function expectDeployed(c: Case, which: 'a' | 'b' | 'both', text: string): Promise<void> {
  if (which !== 'b') expect(await message(clusterA, c.ns, 'app')).toBe(text)
  if (which !== 'a') expect(await message(clusterB, c.ns, 'app')).toBe(text)
}

/** Both setups' kubeconfigs failed, each plan with `error(setup, plan)`. */
async function expectBothFailed(
  run: ActionRun,
  c: Case,
  error: (setup: string, plan: string) => string | RegExp
): Promise<void> {
  for (const [setup, plan] of [
    [SETUP_A, c.planA],
    [SETUP_B, c.planB]
  ] as const)
    await expectSetupFailed(run, c, error(setup, plan), setup)
}

/** A setup whose kubeconfig failed: its plan failed as `plan: error`, the setup's group says why, nothing on its cluster. */
async function expectSetupFailed(
  run: ActionRun,
  c: Case,
  error: string | RegExp,
  setup = SETUP_A
): Promise<void> {
  const plan = setup === SETUP_B ? c.planB : c.planA
  const result = expectFailed(run, plan, error, { operation: null })
  expect(result.revision).toBeNull()
  expect(run.log).toContain(`::group::setup ${setup}: kubeconfig unavailable`)
  if (setup === SETUP_A || setup === SETUP_B) {
    const cluster = setup === SETUP_A ? clusterA : clusterB
    expect(await cluster.releaseSecrets(c.ns, 'app')).toEqual([])
  }
}

describe('kubeconfig store', () => {
  faultCase(
    '401: wrong password (real nginx)',
    'both setups fail "refused the credentials (HTTP 401)", URL without credentials; re-run with the right password installs both',
    async () => {
      const c = await twoSetups('s401')
      const wrong = new URL(bed.storeUrl)
      wrong.password = secret(`wrong-${Math.random().toString(36).slice(2)}`)
      const run = await c.push({ 'kubeconfig-store-url': wrong.toString() })
      await expectBothFailed(
        run,
        c,
        (setup, plan) =>
          `${plan}: kubeconfig of setup ${setup} at ${nginxStore}/${setup}/kubeconfig.yaml: the store refused the credentials (HTTP 401): check the user info in kubeconfig-store-url`
      )
      expect(run.outputs.failed).toBe('2')
      await rerunInstallsBoth(c)
    }
  )

  faultCase(
    '403',
    'local/a fails "forbids access (HTTP 403)" after one request (no retry), local/b installs; re-run installs local/a',
    async () => {
      const c = await twoSetups('s403')
      script([status(403)])
      const run = await c.push(useFaultStore())
      await expectSetupFailed(
        run,
        c,
        `${c.planA}: kubeconfig of setup ${SETUP_A} at ${safeFault(SETUP_A)}: the store forbids access (HTTP 403): check the store permissions for this user`
      )
      expect(server.count(storePath(SETUP_A))).toBe(1)
      // User info became a Basic header.
      expect(server.requests.at(-1)?.authorization).toBe(
        `Basic ${Buffer.from(`${STORE_USER}:${STORE_PASSWORD}`).toString('base64')}`
      )
      expectSucceeded(run, c.planB, 'install', 1)
      expectUnchanged(await storeFixed(c), c.planB, 1)
    }
  )

  faultCase(
    '404: a setup the store lacks (real nginx)',
    'plan of local/c fails "not found (HTTP 404)"; local/b installs (unchanged on the re-run); the re-run gives the same',
    async () => {
      const c = await twoSetups('s404', 'local/c')
      const runs = [await c.push(), await c.push()]
      for (const [i, run] of runs.entries()) {
        await expectSetupFailed(
          run,
          c,
          `${c.planA}: kubeconfig of setup local/c at ${nginxStore}/local/c/kubeconfig.yaml: not found (HTTP 404): check the setup folder, kubeconfig-store-url and kubeconfig-filename`,
          'local/c'
        )
        // local/b installs, then the re-run finds it already deployed.
        expect(resultOf(run, c.planB).status).toBe(i === 0 ? 'succeeded' : 'unchanged')
      }
      await expectDeployed(c, 'b', 's404')
    }
  )

  faultCase(
    '500, 502, then the kubeconfig',
    'retried with backoff: 3 requests, both setups install, no error',
    async () => {
      const c = await twoSetups('s500')
      script([status(500), status(502), file(KUBE_A)])
      const run = await c.push(useFaultStore())
      expect(server.count(storePath(SETUP_A))).toBe(3)
      expectSucceeded(run, c.planA, 'install', 1)
      expectSucceeded(run, c.planB, 'install', 1)
      expect(run.code).toBe(0)
      await expectDeployed(c, 'both', 's500')
    }
  )

  faultCase(
    'a hanging store',
    'local/a fails "no answer within 15000 ms (gave up after 4 attempts)", local/b installs meanwhile; re-run installs local/a',
    async () => {
      const c = await twoSetups('shang')
      script([hang])
      const run = await c.push(useFaultStore())
      await expectSetupFailed(
        run,
        c,
        `${c.planA}: kubeconfig of setup ${SETUP_A} at ${safeFault(SETUP_A)}: no answer within 15000 ms (gave up after 4 attempts)`
      )
      expect(server.count(storePath(SETUP_A))).toBe(4)
      expectSucceeded(run, c.planB, 'install', 1)
      await storeFixed(c)
    },
    200_000
  )

  faultCase(
    'TLS with an unknown CA (real nginx, no kubeconfig-store-ca)',
    'both setups fail "TLS verification failed", not retried; with kubeconfig-store-ca both install',
    async () => {
      const c = await twoSetups('sca')
      const run = await c.push({ 'kubeconfig-store-ca': '' })
      await expectBothFailed(
        run,
        c,
        (setup, plan) =>
          new RegExp(
            `^${plan}: kubeconfig of setup ${setup} at ${nginxStore}/${setup}/kubeconfig\\.yaml: TLS verification failed \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): [^)]*\\); give the store's CA in kubeconfig-store-ca$`
          )
      )
      expect(run.durationMs).toBeLessThan(10_000)
      await rerunInstallsBoth(c)
    }
  )

  faultCase(
    'an invalid kubeconfig',
    'local/a fails "not valid: it has no clusters"; a YAML error holding a token never quotes it; local/b installs',
    async () => {
      const c = await twoSetups('sbad')
      script([body('apiVersion: v1\nkind: Config\nclusters: []\n')])
      const run = await c.push(useFaultStore())
      await expectSetupFailed(
        run,
        c,
        `${c.planA}: the kubeconfig of setup ${SETUP_A} at ${safeFault(SETUP_A)} is not valid: it has no clusters`
      )
      expectSucceeded(run, c.planB, 'install', 1)
      const token = secret(`tok-${Math.random().toString(36).slice(2)}-in-broken-yaml`)
      script([body(`clusters: [{name: a}]\nusers:\n- user:\n    token: ${token}\n   bad: [\n`)])
      const broken = await c.push(useFaultStore())
      await expectSetupFailed(
        broken,
        c,
        /^local\/a\/[^:]+: the kubeconfig of setup local\/a at \S+ is not valid: YAML error at line \d+: .+$/
      )
      await storeFixed(c)
    }
  )

  faultCase(
    'a kubeconfig pointing at a cluster that is down',
    'local/a fails with helm\'s "cluster unreachable", connection refused; local/b installs; re-run with the live cluster installs',
    async () => {
      const c = await twoSetups('sdown')
      const port = await closedPort()
      const dead = readFileSync(KUBE_A, 'utf8').replace(
        /server: https:\/\/127\.0\.0\.1:\d+/,
        `server: https://127.0.0.1:${port}`
      )
      expect(dead).toContain(`127.0.0.1:${port}`)
      script([body(dead)])
      const run = await c.push(useFaultStore())
      expectFailed(
        run,
        c.planA,
        `${c.planA}: helm history failed: kubernetes cluster unreachable: Get "https://127.0.0.1:${port}/version": dial tcp 127.0.0.1:${port}: connect: connection refused`,
        { operation: null }
      )
      expectSucceeded(run, c.planB, 'install', 1)
      await storeFixed(c)
    }
  )
})
