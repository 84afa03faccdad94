// Smoke test of the test bed: on each cluster, with each built helm, install a sample chart
// from each kind of source, read the objects back through the Kubernetes API (not helm),
// uninstall, and check they are gone.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chartRepoUrl,
  clusters,
  eventually,
  sampleChartVersions,
  testbed,
  type Cluster
} from '../support/testbed.ts'

const run = promisify(execFile)
const bed = testbed()
const versions = sampleChartVersions(bed)

const helms = [
  { major: 4, bin: bed.helm4, version: bed.helm4Version },
  { major: 3, bin: bed.helm3, version: bed.helm3Version }
]

interface Source {
  kind: 'repo alias' | 'repository URL' | 'oci' | 'local path'
  chart: 'hello' | 'greeter'
  version: string
  /** helm install arguments naming the chart */
  args: () => string[]
}

const pick = (chart: string, i: number): string => {
  const v = versions[chart]?.[i]
  if (!v) throw new Error(`sample chart ${chart} has no version #${i} in versions.json`)
  return v
}

const repoAuth = [
  '--username',
  bed.chartRepoUser,
  '--password',
  bed.chartRepoPassword,
  '--ca-file',
  bed.ca
]
const ociRef = (chart: string): string => {
  const path = bed.ociCharts.find((p) => p.endsWith(`/${chart}`))
  if (!path)
    throw new Error(`chart ${chart} is not in the OCI registry (${bed.ociCharts.join(' ')})`)
  return `oci://${bed.oci}/${path}`
}

const sources: Source[] = [
  {
    kind: 'repo alias',
    chart: 'hello',
    version: pick('hello', 0),
    args: () => ['bed/hello', '--version', pick('hello', 0)]
  },
  {
    kind: 'repository URL',
    chart: 'greeter',
    version: pick('greeter', 1),
    args: () => [
      'greeter',
      '--repo',
      chartRepoUrl(bed),
      ...repoAuth,
      '--version',
      pick('greeter', 1)
    ]
  },
  {
    kind: 'oci',
    chart: 'hello',
    version: pick('hello', 1),
    args: () => [ociRef('hello'), '--version', pick('hello', 1), '--ca-file', bed.ca]
  },
  // the chart folder as kept in the repository: its Chart.yaml version
  {
    kind: 'local path',
    chart: 'greeter',
    version: '1.0.0',
    args: () => [join(bed.sampleCharts, 'greeter')]
  }
]

/** helm with its own config/cache/data folders, so helm 3 and 4 never share repositories. */
function helmRunner(bin: string, home: string, kubeconfig: string) {
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: kubeconfig
  }
  return async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(bin, args, { env, timeout: 120_000 })
      return stdout
    } catch (err) {
      const e = err as { stderr?: string; message: string }
      throw new Error(`helm ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err })
    }
  }
}

const kubes = clusters(bed)
const runId = Date.now().toString(36)

describe.each(kubes.map((k) => [k.setup, k] as [string, Cluster]))('cluster %s', (setup, kube) => {
  describe.each(helms.map((h) => [`helm ${h.version}`, h] as [string, (typeof helms)[number]]))(
    '%s',
    (_name, h) => {
      let home: string
      let helm: ReturnType<typeof helmRunner>

      beforeAll(async () => {
        home = mkdtempSync(join(tmpdir(), `bed-smoke-h${h.major}-`))
        helm = helmRunner(h.bin, home, bed.kubeconfigs[bed.setups.indexOf(setup)] ?? '')
        expect(await helm('version', '--template', '{{.Version}}')).toBe(h.version)
        await helm('repo', 'add', 'bed', chartRepoUrl(bed), ...repoAuth)
        await helm(
          'registry',
          'login',
          bed.oci,
          '--username',
          bed.ociUser,
          '--password',
          bed.ociPassword,
          '--ca-file',
          bed.ca
        )
      })
      afterAll(() => rmSync(home, { recursive: true, force: true }))

      it.each(sources.map((s) => [s.kind, s] as [string, Source]))(
        'installs %s, reads it back and uninstalls it',
        async (kind, source) => {
          // unique per run: a namespace left by an interrupted run is still terminating
          const namespace = `smoke-h${h.major}-${kind.toLowerCase().replaceAll(' ', '-')}-${runId}`
          const release = 'smoke'
          const objectName = `${release}-${source.chart}`
          await helm(
            'install',
            release,
            ...source.args(),
            '--namespace',
            namespace,
            '--create-namespace',
            '--wait',
            '--timeout',
            '90s'
          )

          const cm = await kube.configMap(namespace, objectName)
          expect(cm?.data?.chartVersion).toBe(source.version)
          if (source.chart === 'hello') {
            expect(cm?.data?.message).toBe('hello from the test bed')
            // kwok fakes the node and the pod's readiness: the Deployment really becomes Available
            expect(await kube.deploymentAvailable(namespace, objectName)).toBe(true)
          } else {
            expect(cm?.data?.greeting).toBe('Hello, world!')
            if (bed.kubeVersion) expect(cm?.data?.kubeVersion).toBe(bed.kubeVersion)
          }
          expect(await kube.releaseStatus(namespace, release)).toBe('deployed')

          await helm('uninstall', release, '--namespace', namespace, '--wait')
          await eventually(
            `${objectName} to be gone`,
            async () =>
              (await kube.configMap(namespace, objectName)) === undefined &&
              (await kube.deployment(namespace, objectName)) === undefined
          )
          expect(await kube.releaseSecrets(namespace, release)).toEqual([])
          await kube.deleteNamespace(namespace)
        }
      )
    }
  )
})

describe('kubeconfig store and helm mirror', () => {
  const basic = `Basic ${Buffer.from(`${bed.storeUser}:${bed.storePassword}`).toString('base64')}`
  const storeBase = (() => {
    const u = new URL(bed.storeUrl)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  })()

  it.each(bed.setups.map((s) => [s]))(
    'serves the kubeconfig of %s only with Basic auth',
    async (setup) => {
      const { stdout: withAuth } = await run('curl', [
        '-sS',
        '--cacert',
        bed.ca,
        '-H',
        `Authorization: ${basic}`,
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `${storeBase}/${setup}/kubeconfig.yaml`
      ])
      const { stdout: without } = await run('curl', [
        '-sS',
        '--cacert',
        bed.ca,
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `${storeBase}/${setup}/kubeconfig.yaml`
      ])
      expect([withAuth, without]).toEqual(['200', '401'])
    }
  )

  it('mirrors helm tarballs with good checksums, and bad ones beside', async () => {
    for (const version of [bed.helm4Version, bed.helm3Version]) {
      const file = `helm-${version}-linux-amd64.tar.gz`
      const dir = mkdtempSync(join(tmpdir(), 'bed-mirror-'))
      try {
        for (const [base, out] of [
          [bed.helmMirror, 'good'],
          [bed.helmMirrorBad, 'bad']
        ] as const) {
          await run('curl', ['-fsS', '--cacert', bed.ca, '-o', join(dir, file), `${base}/${file}`])
          await run('curl', [
            '-fsS',
            '--cacert',
            bed.ca,
            '-o',
            join(dir, `${out}.sha256sum`),
            `${base}/${file}.sha256sum`
          ])
        }
        await expect(
          run('sha256sum', ['-c', 'good.sha256sum'], { cwd: dir })
        ).resolves.toBeDefined()
        await expect(run('sha256sum', ['-c', 'bad.sha256sum'], { cwd: dir })).rejects.toThrow()
        const { stdout } = await run('tar', ['-tzf', join(dir, file)])
        expect(stdout.split('\n')).toContain('linux-amd64/helm')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  })
})
