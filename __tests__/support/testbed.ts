// The test bed as tests see it: a typed reader of `.testbed/env` (written by
// test/bed/up.mjs) and Kubernetes-client helpers that read objects back from a cluster
// without going through helm.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as k8s from '@kubernetes/client-node'

export interface Testbed {
  /** .testbed path (runtime state, logs) */
  dir: string
  helm4: string
  helm3: string
  helm4Version: string
  helm3Version: string
  /** base URL of the tarball mirror: `${helmMirror}/helm-{version}-{os}-{arch}.tar.gz` (+ `.sha256sum`) */
  helmMirror: string
  /** same tarballs, but their `.sha256sum` files do not match */
  helmMirrorBad: string
  /** CA file that signed nginx's and the registry's certificates */
  ca: string
  /** https URL of the kubeconfig store, with user:password */
  storeUrl: string
  storeUser: string
  storePassword: string
  setups: string[]
  /** kubeconfig paths, in the order of `setups` */
  kubeconfigs: string[]
  /** https URL of the classic chart repository, with user:password */
  chartRepo: string
  chartRepoUser: string
  chartRepoPassword: string
  chartRepoCharts: string[]
  /** registry host:port; charts are at oci://<oci>/<ociCharts[i]> */
  oci: string
  ociCharts: string[]
  /** the registry's htpasswd user and password ('' on a bed started before it had auth) */
  ociUser: string
  ociPassword: string
  /** folder of the sample charts (a local-path chart source), versions in versions.json */
  sampleCharts: string
  /** Kubernetes version of the local clusters ('' for external ones) */
  kubeVersion: string
  /** true when the clusters are external (TESTBED_EXTERNAL_KUBECONFIGS) */
  external: boolean
}

const repoRoot = resolve(import.meta.dirname, '..', '..')
export const testbedDir = process.env.TESTBED_DIR ?? join(repoRoot, '.testbed')
export const testbedEnvFile = join(testbedDir, 'env')

/** KEY=value pairs of an env file written by up.mjs (single-quoted values). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line)
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2].replaceAll("'\\''", "'")
  }
  return out
}

/** The raw TESTBED_* values: from `.testbed/env`, overridden by the process environment. */
export function testbedValues(): Record<string, string> {
  const fromFile = existsSync(testbedEnvFile)
    ? parseEnvFile(readFileSync(testbedEnvFile, 'utf8'))
    : {}
  const fromEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('TESTBED_') && e[1] !== undefined
    )
  )
  return { ...fromFile, ...fromEnv }
}

let cached: Testbed | undefined

/** The running test bed; throws (saying what to run) when there is none. */
export function testbed(): Testbed {
  if (cached) return cached
  const v = testbedValues()
  const get = (key: string): string => {
    const value = v[key]
    if (value === undefined) {
      throw new Error(
        `${key} is not set: no test bed environment in ${testbedEnvFile} (run \`npm run testbed:up\`)`
      )
    }
    return value
  }
  const list = (key: string): string[] => get(key).split(' ').filter(Boolean)
  cached = {
    dir: get('TESTBED_DIR'),
    helm4: get('TESTBED_HELM4'),
    helm3: get('TESTBED_HELM3'),
    helm4Version: get('TESTBED_HELM4_VERSION'),
    helm3Version: get('TESTBED_HELM3_VERSION'),
    helmMirror: get('TESTBED_HELM_MIRROR'),
    helmMirrorBad: get('TESTBED_HELM_MIRROR_BAD'),
    ca: get('TESTBED_CA'),
    storeUrl: get('TESTBED_STORE_URL'),
    storeUser: get('TESTBED_STORE_USER'),
    storePassword: get('TESTBED_STORE_PASSWORD'),
    setups: list('TESTBED_SETUPS'),
    kubeconfigs: list('TESTBED_KUBECONFIGS'),
    chartRepo: get('TESTBED_CHART_REPO'),
    chartRepoUser: get('TESTBED_CHART_REPO_USER'),
    chartRepoPassword: get('TESTBED_CHART_REPO_PASSWORD'),
    chartRepoCharts: list('TESTBED_CHART_REPO_CHARTS'),
    oci: get('TESTBED_OCI'),
    ociCharts: list('TESTBED_OCI_CHARTS'),
    ociUser: v.TESTBED_OCI_USER ?? '',
    ociPassword: v.TESTBED_OCI_PASSWORD ?? '',
    sampleCharts: get('TESTBED_SAMPLE_CHARTS'),
    kubeVersion: v.TESTBED_KUBE_VERSION ?? '',
    external: v.TESTBED_EXTERNAL === 'true'
  }
  return cached
}

/**
 * A chart template for a Deployment no node can take: `helm --wait` on it never
 * returns, so killing that helm leaves a real pending release behind.
 */
export const UNSCHEDULABLE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}-never}
spec:
  selector: {matchLabels: {app: never}}
  template:
    metadata: {labels: {app: never}}
    spec:
      nodeSelector: {gitops-test/never: "true"}
      containers: [{name: c, image: registry.k8s.io/pause:3.10}]
`

/** A `helm-download-url` template for a mirror of the bed (its tarballs and `.sha256sum` files). */
export function mirrorUrl(base: string): string {
  return `${base.replace(/\/$/, '')}/helm-{version}-{os}-{arch}.tar.gz`
}

/** Versions of each sample chart: { hello: ['0.1.0', '0.2.0'], ... }. */
export function sampleChartVersions(bed: Testbed = testbed()): Record<string, string[]> {
  return JSON.parse(readFileSync(join(bed.sampleCharts, 'versions.json'), 'utf8')) as Record<
    string,
    string[]
  >
}

/** The chart repository URL without credentials (helm takes them as --username/--password). */
export function chartRepoUrl(bed: Testbed = testbed()): string {
  const u = new URL(bed.chartRepo)
  u.username = ''
  u.password = ''
  return u.toString().replace(/\/$/, '')
}

/** The kubeconfig path of a setup. */
export function kubeconfigOf(setup: string, bed: Testbed = testbed()): string {
  const i = bed.setups.indexOf(setup)
  const file = bed.kubeconfigs[i]
  if (i < 0 || file === undefined)
    throw new Error(`no setup '${setup}' in the test bed (setups: ${bed.setups.join(' ')})`)
  return file
}

function isNotFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404
}

/** undefined for a 404, the object otherwise (other errors are thrown). */
async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/** Reads objects of one setup's cluster back through the Kubernetes API. */
export class Cluster {
  readonly setup: string
  readonly config: k8s.KubeConfig
  readonly core: k8s.CoreV1Api
  readonly apps: k8s.AppsV1Api

  constructor(setup: string, kubeconfig: string) {
    this.setup = setup
    this.config = new k8s.KubeConfig()
    this.config.loadFromFile(kubeconfig)
    this.core = this.config.makeApiClient(k8s.CoreV1Api)
    this.apps = this.config.makeApiClient(k8s.AppsV1Api)
  }

  configMap(namespace: string, name: string): Promise<k8s.V1ConfigMap | undefined> {
    return orUndefined(this.core.readNamespacedConfigMap({ namespace, name }))
  }

  secret(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
    return orUndefined(this.core.readNamespacedSecret({ namespace, name }))
  }

  deployment(namespace: string, name: string): Promise<k8s.V1Deployment | undefined> {
    return orUndefined(this.apps.readNamespacedDeployment({ namespace, name }))
  }

  namespace(name: string): Promise<k8s.V1Namespace | undefined> {
    return orUndefined(this.core.readNamespace({ name }))
  }

  async createNamespace(name: string): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name } } })
  }

  /** Deletes a namespace and does not wait for it to go (it holds no finalizing workloads here). */
  async deleteNamespace(name: string): Promise<void> {
    await orUndefined(this.core.deleteNamespace({ name }))
  }

  /** helm's release records (Secrets labelled owner=helm), optionally of one release, by revision. */
  async releaseSecrets(namespace: string, release?: string): Promise<k8s.V1Secret[]> {
    const labelSelector = release ? `owner=helm,name=${release}` : 'owner=helm'
    const list = await this.core.listNamespacedSecret({ namespace, labelSelector })
    const revision = (s: k8s.V1Secret) => Number(s.metadata?.labels?.version ?? 0)
    return list.items.sort((a, b) => revision(a) - revision(b))
  }

  /** The latest revision's status of a release ('deployed', 'failed', ...), undefined if none. */
  async releaseStatus(namespace: string, release: string): Promise<string | undefined> {
    const secrets = await this.releaseSecrets(namespace, release)
    return secrets.at(-1)?.metadata?.labels?.status
  }

  /** True once the Deployment reports its desired replicas available. */
  async deploymentAvailable(namespace: string, name: string): Promise<boolean> {
    const d = await this.deployment(namespace, name)
    const want = d?.spec?.replicas ?? 1
    return d !== undefined && (d.status?.availableReplicas ?? 0) >= want
  }
}

/** A Cluster for each setup of the bed, in `setups` order. */
export function clusters(bed: Testbed = testbed()): Cluster[] {
  return bed.setups.map((setup, i) => new Cluster(setup, bed.kubeconfigs[i] ?? ''))
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** An `oci://` alias URL of the bed's registry with its credentials (for `helm-repositories`). */
export function ociRegistryUrl(bed: Testbed): string {
  return `oci://${encodeURIComponent(bed.ociUser)}:${encodeURIComponent(bed.ociPassword)}@${bed.oci}/charts`
}
