// Where everything of the test bed lives: built binaries under .cache/ (keyed by
// version, made by build.sh), runtime state under .testbed/ (or $TESTBED_DIR).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const bedSrc = dirname(dirname(fileURLToPath(import.meta.url)))
export const repoRoot = resolve(bedSrc, '..', '..')
export const cacheDir = process.env.TESTBED_CACHE ?? join(repoRoot, '.cache')
export const stateDir = process.env.TESTBED_DIR ?? join(repoRoot, '.testbed')

const DEFAULT_VERSIONS = {
  HELM4_VERSION: 'v4.3.1',
  HELM3_VERSION: 'v3.22.0',
  ETCD_VERSION: 'v3.6.16',
  KUBE_VERSION: 'v1.37.2',
  KWOK_VERSION: 'v0.8.0',
  SOPS_VERSION: 'v3.13.3',
  AGE_VERSION: 'v1.3.1'
}

/** Versions the last build.sh run used (its versions.env), else the defaults. */
export function versions() {
  const file = join(cacheDir, 'versions.env')
  const v = { ...DEFAULT_VERSIONS }
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
      if (m) v[m[1]] = m[2]
    }
  }
  return v
}

export function binaries(v = versions()) {
  const kube = join(cacheDir, 'kube', v.KUBE_VERSION)
  return {
    helm4: join(cacheDir, 'helm', v.HELM4_VERSION, 'linux-amd64', 'helm'),
    helm3: join(cacheDir, 'helm', v.HELM3_VERSION, 'linux-amd64', 'helm'),
    etcd: join(cacheDir, 'etcd', v.ETCD_VERSION, 'etcd'),
    kubeApiserver: join(kube, 'kube-apiserver'),
    kubeControllerManager: join(kube, 'kube-controller-manager'),
    kubeScheduler: join(kube, 'kube-scheduler'),
    kwok: join(cacheDir, 'kwok', v.KWOK_VERSION, 'kwok'),
    kwokStages: join(cacheDir, 'kwok', v.KWOK_VERSION, 'stages.yaml'),
    sops: join(cacheDir, 'sops', v.SOPS_VERSION, 'sops'),
    age: join(cacheDir, 'age', v.AGE_VERSION, 'age'),
    ageKeygen: join(cacheDir, 'age', v.AGE_VERSION, 'age-keygen'),
    // also serves sops-<v>.linux.amd64 (+ .sha256sum), the sops release layout
    helmMirror: join(cacheDir, 'helm-mirror'),
    helmMirrorBad: join(cacheDir, 'helm-mirror-bad'),
    nginx: '/usr/sbin/nginx',
    registry: '/usr/bin/docker-registry',
    // bcrypt for the registry's htpasswd (apache2-utils)
    htpasswd: '/usr/bin/htpasswd'
  }
}

/** The two clusters: name (directory) and setup (path in the kubeconfig store). */
export const CLUSTERS = [
  { name: 'a', setup: 'local/a', credential: 'client-certificate' },
  { name: 'b', setup: 'local/b', credential: 'token' }
]

export const stateFile = join(stateDir, 'state.json')
export const envFile = join(stateDir, 'env')
