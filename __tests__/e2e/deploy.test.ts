// End to end on the test bed: the built action (dist/index.js, then dist/post.js)
// runs as a child process the way the runner runs it, on real git checkouts and
// real webhook payloads; the clusters are checked through their API servers.
import { spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAction, type ActionRun, type ResultJson } from '../support/action-runner.ts'
import {
  dispatchPayload,
  pullRequestPayload,
  pushPayload,
  runnerEnv,
  ZERO
} from '../support/events.ts'
import { cloneAt, GitRepo, removeTempDirs } from '../support/git-repo.ts'
import {
  chartRepoUrl,
  Cluster,
  clusters,
  eventually,
  kubeconfigOf,
  mirrorUrl,
  ociRegistryUrl,
  testbed,
  UNSCHEDULABLE_DEPLOYMENT
} from '../support/testbed.ts'

const bed = testbed()
const [setupA, setupB] = bed.setups as [string, string]
let clusterA: Cluster
let clusterB: Cluster
// Each test's own (see arrange): no test depends on what one before it left behind.
let ns: string
let toolCache: string
let repo: GitRepo
let origin: string
let commits: string[]
const namespaces: string[] = []

const plan = (setup: string, release: string): string => `${setup}/${ns}/${release}.yaml`

const inputs = {
  'kubeconfig-store-url': bed.storeUrl,
  'kubeconfig-store-ca': bed.ca,
  'helm-version': bed.helm4Version,
  'helm-download-url': mirrorUrl(bed.helmMirror),
  // The registry asks for credentials: the alias's login serves the plan's oci:// chart too.
  'helm-repositories': `bed ${bed.chartRepo}\nbedoci ${ociRegistryUrl(bed)}`,
  'hook-timeout': '60',
  parallel: '2'
}

interface Deploy {
  readonly run: ActionRun
  readonly workspace: string
}

async function act(
  name: string,
  payload: Record<string, unknown>,
  sha: string,
  extra: {
    inputs?: Record<string, string>
    env?: Record<string, string>
    toolCache?: string
    cancelWhen?: RegExp
    beforePost?: (state: Readonly<Record<string, string>>) => void
  } = {}
): Promise<Deploy> {
  const workspace = await cloneAt(origin, sha, 0)
  const env = await runnerEnv({ name, payload, sha })
  const run = await runAction({
    workspace,
    eventName: name,
    event: payload,
    inputs: { ...inputs, ...extra.inputs },
    // A runner with a private CA: Node (the helm download) and helm (charts, registry) trust it.
    env: { ...env, NODE_EXTRA_CA_CERTS: bed.ca, SSL_CERT_FILE: bed.ca, ...extra.env },
    ...(extra.cancelWhen ? { cancelWhen: extra.cancelWhen } : {}),
    toolCache: extra.toolCache ?? toolCache,
    ...(extra.beforePost ? { beforePost: extra.beforePost } : {})
  })
  return { run, workspace }
}

function push(before: string, after: string): Promise<Deploy> {
  return act('push', pushPayload({ before, after }), after)
}

function byPlan(run: ActionRun): Record<string, ResultJson> {
  return Object.fromEntries(run.results.map((r) => [r.plan, r]))
}

function hookLines(workspace: string): string[] {
  const file = join(workspace, 'hooks.log')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
}

/** The summary's table row for a result, as the report renders it. */
function summaryRow(r: ResultJson): string {
  const icon = {
    succeeded: '✅ succeeded',
    unchanged: '🟰 unchanged',
    failed: '❌ failed',
    skipped: '⏭️ skipped',
    planned: '📝 planned'
  }[r.status]
  const chart = r.chart ? (r.version ? `${r.chart}@${r.version}` : r.chart) : ''
  const code = (text: string) => (text ? `\`${text}\`` : '')
  return `| ${code(r.setup)} | ${code(r.namespace)} | ${code(r.release)} | ${code(chart)} | ${r.operation ?? ''} | ${icon} | ${r.revision ?? ''} |`
}

function expectNoSecrets(run: ActionRun): void {
  const kubeToken =
    /token: (\S+)/.exec(readFileSync(kubeconfigOf(setupB), 'utf8'))?.[1] ?? 'missing'
  const keyData =
    /client-key-data: (\S+)/.exec(readFileSync(kubeconfigOf(setupA), 'utf8'))?.[1] ?? 'missing'
  const visible = [
    run.log,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.annotations),
    run.post?.stdout ?? ''
  ]
  for (const secret of [bed.storePassword, bed.chartRepoPassword, kubeToken, keyData]) {
    for (const text of visible)
      expect(text.includes(secret), `a secret leaked into: ${text.slice(0, 200)}`).toBe(false)
  }
}

const hooks = {
  'hooks/pre.sh': `state=$("$HELM" status "$GITOPS_RELEASE" -n "$GITOPS_NAMESPACE" -o json 2>/dev/null | grep -o '"status":"[a-z-]*"' | head -1 | cut -d'"' -f4)
echo "pre $GITOPS_OPERATION $GITOPS_RELEASE \${state:-absent}" >> hooks.log
`,
  'hooks/post.sh': `state=$("$HELM" status "$GITOPS_RELEASE" -n "$GITOPS_NAMESPACE" -o json 2>/dev/null | grep -o '"status":"[a-z-]*"' | head -1 | cut -d'"' -f4)
echo "post $GITOPS_OPERATION $GITOPS_RELEASE \${state:-absent}" >> hooks.log
`,
  'hooks/slow.sh': `echo "slow $GITOPS_SETUP start $(date +%s%N)" >> hooks.log
sleep 2
echo "slow $GITOPS_SETUP end $(date +%s%N)" >> hooks.log
`
}

/** The ops repository's history after the initial plans; the tests below make these changes too. */
const change = {
  async v2(): Promise<void> {
    await repo.write({ 'values/common.yaml': 'message: v2\ndeployment: {enabled: false}\n' })
    await repo.move(plan(setupA, 'alias'), plan(setupA, 'alias2'))
    await repo.remove(plan(setupB, 'repo'))
    commits.push(await repo.commit('v2'))
    await repo.push()
  },
  async broken(): Promise<void> {
    await repo.write({
      [plan(setupA, 'broken')]: 'chart: ./charts/hello\nchrat: oops\n',
      [plan(setupA, 'alias2')]: 'chart: bed/greeter\nversion: 1.1.0\n'
    })
    commits.push(await repo.commit('broken'))
    await repo.push()
  }
}
const HISTORY = ['initial', 'v2', 'broken'] as const
type Stage = (typeof HISTORY)[number]

/**
 * A namespace, an ops repository and a tool cache of the test's own, with the history up
 * to `deployed` committed and deployed through the action, one push a stage.
 */
async function arrange(deployed: Stage | 'nothing'): Promise<void> {
  ns = `e2e-${Date.now().toString(36)}-${namespaces.length}`
  namespaces.push(ns)
  toolCache = mkdtempSync(join(tmpdir(), 'e2e-tool-cache-'))
  commits = []
  repo = await GitRepo.create()
  cpSync(join(bed.sampleCharts, 'hello'), join(repo.dir, 'charts', 'hello'), { recursive: true })
  await repo.write({
    ...hooks,
    'values/common.yaml': 'message: v1\ndeployment: {enabled: false}\n',
    [plan(setupA, 'web')]: `chart: ./charts/hello
values: values/common.yaml
hooks:
  pre-install: [hooks/pre.sh, hooks/slow.sh]
  post-install: [hooks/post.sh]
  pre-upgrade: [hooks/pre.sh]
`,
    [plan(setupA, 'alias')]: 'chart: bed/greeter\nversion: 1.0.0\n',
    [plan(setupB, 'repo')]:
      `chart: greeter\nrepository: ${chartRepoUrl()}\nversion: 1.1.0\nhooks:\n  pre-install: [hooks/slow.sh]\n`,
    [plan(setupB, 'oci')]:
      `chart: oci://${bed.oci}/${bed.ociCharts.find((c) => c.endsWith('/hello'))}\nversion: 0.2.0\nvalues: [values/common.yaml]\n`
  })
  commits.push(await repo.commit('initial plans'))
  origin = await repo.bareOrigin()
  for (const stage of HISTORY.slice(0, HISTORY.indexOf(deployed as Stage) + 1)) {
    if (stage !== 'initial') await change[stage]()
    const { run } = await push(commits.at(-2) ?? ZERO, commits.at(-1) as string)
    // The broken stage's broken plan fails by design; the others deploy.
    expect(run.code, `arranging ${stage}: ${run.log}`).toBe(stage === 'broken' ? 1 : 0)
  }
}

beforeAll(() => {
  ;[clusterA, clusterB] = clusters() as [Cluster, Cluster]
})

afterAll(async () => {
  for (const name of namespaces)
    for (const cluster of [clusterA, clusterB]) await cluster.deleteNamespace(name)
  await removeTempDirs()
})

// A test replays up to three pushes to arrange its own state before the one it checks.
describe('the action on the test bed', { timeout: 480_000 }, () => {
  it('a new branch installs every plan, each in its own cluster, the two setups in parallel, hooks around helm', async () => {
    await arrange('nothing')
    let workdir = ''
    let left = true
    const { run, workspace } = await act(
      'push',
      pushPayload({ before: ZERO, after: commits[0] as string }),
      commits[0] as string,
      {
        beforePost: (state) => {
          workdir = state['gitops-workdir'] ?? ''
          left = existsSync(workdir)
        }
      }
    )
    expect(run.code, run.log + run.stderr).toBe(0)
    expect(run.log).toMatch(new RegExp(`helm ${bed.helm4Version} downloaded from https://`))

    const results = byPlan(run)
    expect(Object.keys(results).sort()).toEqual([
      plan(setupA, 'alias'),
      plan(setupA, 'web'),
      plan(setupB, 'oci'),
      plan(setupB, 'repo')
    ])
    for (const r of run.results)
      expect(r).toMatchObject({
        operation: 'install',
        status: 'succeeded',
        revision: 1,
        error: null
      })
    expect(results[plan(setupA, 'alias')]?.version).toBe('1.0.0')
    expect(results[plan(setupB, 'repo')]?.version).toBe('1.1.0')
    expect(results[plan(setupB, 'oci')]?.version).toBe('0.2.0')

    // Each release in its own cluster, read back through the API server.
    expect((await clusterA.configMap(ns, 'web-hello'))?.data?.message).toBe('v1')
    expect((await clusterA.configMap(ns, 'alias-greeter'))?.data?.chartVersion).toBe('1.0.0')
    expect((await clusterB.configMap(ns, 'repo-greeter'))?.data?.chartVersion).toBe('1.1.0')
    expect((await clusterB.configMap(ns, 'oci-hello'))?.data).toMatchObject({
      message: 'v1',
      chartVersion: '0.2.0'
    })
    expect(await clusterB.configMap(ns, 'web-hello')).toBeUndefined()
    expect(await clusterA.configMap(ns, 'oci-hello')).toBeUndefined()

    // Hooks ran in order around helm: before it the release was absent, after it deployed.
    const lines = hookLines(workspace)
    expect(lines.filter((l) => !l.startsWith('slow'))).toEqual([
      'pre install web absent',
      'post install web deployed'
    ])
    const at = (what: string): number =>
      Number(lines.find((l) => l.startsWith(`slow ${what}`))?.split(' ')[3])
    expect(lines.indexOf('pre install web absent')).toBeLessThan(
      lines.findIndex((l) => l.startsWith(`slow ${setupA} end`))
    )
    // Both setups' two-second hooks overlap: the setups ran in parallel.
    expect(at(`${setupA} start`)).toBeLessThan(at(`${setupB} end`))
    expect(at(`${setupB} start`)).toBeLessThan(at(`${setupA} end`))

    expect(JSON.parse(run.outputs.setups ?? '')).toEqual([setupA, setupB])
    expect(run.outputs.failed).toBe('0')
    for (const r of run.results) expect(run.summary).toContain(summaryRow(r))

    // Kubeconfigs were private to the run, gone when its main step ended.
    expect(workdir.startsWith(run.runnerTemp)).toBe(true)
    expect(left).toBe(false)
    // Nothing is left to clean, so the runner does not start the post step (post-if).
    expect(run.post).toBeUndefined()
    expectNoSecrets(run)
  })

  it('a push that changes values, renames and removes plans upgrades, installs and uninstalls; helm comes from the tool cache', async () => {
    await arrange('initial')
    await change.v2()
    const { run, workspace } = await push(commits[0] as string, commits[1] as string)
    expect(run.code, run.log).toBe(0)
    expect(run.log).toContain(`helm ${bed.helm4Version} from the tool cache`)
    expect(run.log).not.toContain('downloaded from')

    const succeeded = { status: 'succeeded' }
    expect(byPlan(run)).toMatchObject({
      [plan(setupA, 'web')]: { ...succeeded, operation: 'upgrade', revision: 2 },
      [plan(setupB, 'oci')]: { ...succeeded, operation: 'upgrade', revision: 2 },
      [plan(setupA, 'alias')]: { ...succeeded, operation: 'uninstall' },
      [plan(setupA, 'alias2')]: { ...succeeded, operation: 'install', revision: 1 },
      [plan(setupB, 'repo')]: { ...succeeded, operation: 'uninstall' }
    })
    expect(run.results).toHaveLength(5)

    expect((await clusterA.configMap(ns, 'web-hello'))?.data?.message).toBe('v2')
    expect((await clusterB.configMap(ns, 'oci-hello'))?.data?.message).toBe('v2')
    expect(await clusterA.configMap(ns, 'alias-greeter')).toBeUndefined()
    expect(await clusterA.releaseSecrets(ns, 'alias')).toHaveLength(0)
    expect(await clusterA.configMap(ns, 'alias2-greeter')).toBeDefined()
    expect(await clusterB.configMap(ns, 'repo-greeter')).toBeUndefined()
    expect(hookLines(workspace)).toEqual(['pre upgrade web deployed'])
    for (const r of run.results) expect(run.summary).toContain(summaryRow(r))

    expectNoSecrets(run)
  })

  it('a re-run of the same event succeeds and changes nothing it need not', async () => {
    await arrange('v2')
    const { run } = await push(commits[0] as string, commits[1] as string)
    expect(run.code, run.log).toBe(0)
    const results = byPlan(run)
    expect(results[plan(setupA, 'web')]).toMatchObject({
      operation: 'upgrade',
      status: 'unchanged',
      revision: 2
    })
    expect(results[plan(setupA, 'web')]?.notes).toEqual([
      `unchanged: revision 2 already deploys this plan (commit ${(commits[1] as string).slice(0, 12)})`
    ])
    for (const removed of [plan(setupA, 'alias'), plan(setupB, 'repo')])
      expect(results[removed]).toMatchObject({
        operation: 'uninstall',
        status: 'unchanged',
        notes: ['already absent']
      })
    expect(await clusterA.releaseSecrets(ns, 'web')).toHaveLength(2)
    expect(await clusterA.releaseSecrets(ns, 'alias2')).toHaveLength(1)
  })

  it('a broken plan fails with an annotation on its line while the other plans deploy', async () => {
    await arrange('v2')
    await change.broken()
    const { run } = await push(commits[1] as string, commits[2] as string)
    expect(run.code).toBe(1)
    const results = byPlan(run)
    expect(results[plan(setupA, 'alias2')]).toMatchObject({
      operation: 'upgrade',
      status: 'succeeded',
      revision: 2,
      version: '1.1.0'
    })
    expect(results[plan(setupA, 'broken')]).toMatchObject({ status: 'failed' })
    expect(results[plan(setupA, 'broken')]?.error).toMatch(
      new RegExp(`^${plan(setupA, 'broken')}: .*chrat`)
    )
    const annotation = run.annotations.find(
      (a) => a.level === 'error' && a.properties.file === plan(setupA, 'broken')
    )
    expect(annotation?.properties.line).toBe('2')
    expect(run.outputs.failed).toBe('1')
    expect((await clusterA.configMap(ns, 'alias2-greeter'))?.data?.chartVersion).toBe('1.1.0')
    expect(await clusterA.releaseSecrets(ns, 'broken')).toHaveLength(0)
    expectNoSecrets(run)
  })

  it('a release left pending-upgrade by an interrupted run is recovered', async () => {
    await arrange('broken')
    const chart = mkdtempSync(join(tmpdir(), 'never-chart-'))
    cpSync(join(bed.sampleCharts, 'hello'), chart, { recursive: true })
    writeFileSync(join(chart, 'templates', 'never.yaml'), UNSCHEDULABLE_DEPLOYMENT)
    const helm = spawn(
      bed.helm4,
      ['upgrade', 'web', chart, '-n', ns, '--wait', '--timeout', '5m'],
      {
        env: { ...process.env, KUBECONFIG: kubeconfigOf(setupA) },
        stdio: 'ignore'
      }
    )
    await eventually(
      'a pending-upgrade release',
      async () => (await clusterA.releaseStatus(ns, 'web')) === 'pending-upgrade'
    )
    helm.kill('SIGKILL')
    await new Promise((r) => helm.on('close', r))

    const { run } = await act('workflow_dispatch', dispatchPayload(), commits[2] as string, {
      inputs: { plans: plan(setupA, 'web') }
    })
    expect(run.results).toHaveLength(1)
    expect(run.results[0]).toMatchObject({
      plan: plan(setupA, 'web'),
      operation: 'upgrade',
      status: 'succeeded',
      revision: 5
    })
    expect(run.results[0]?.notes).toEqual([
      'recovered: release was left pending-upgrade at revision 3 by an earlier attempt of this run, rolled back to revision 2'
    ])
    expect(run.summary).toContain('recovered: release was left pending-upgrade')
    expect(await clusterA.releaseStatus(ns, 'web')).toBe('deployed')
    expect(await clusterA.deployment(ns, 'web-never')).toBeUndefined()
  })

  it('Helm 3 (downloaded from the mirror) deploys the same plans', async () => {
    await arrange('broken')
    const { run } = await act('workflow_dispatch', dispatchPayload(), commits[2] as string, {
      inputs: { 'helm-version': bed.helm3Version, plans: `${setupB}/**` }
    })
    expect(run.code, run.log).toBe(0)
    expect(run.log).toMatch(new RegExp(`helm ${bed.helm3Version} downloaded from`))
    expect(run.results.map((r) => [r.plan, r.operation, r.status, r.revision])).toEqual([
      [plan(setupB, 'oci'), 'upgrade', 'succeeded', 3]
    ])
    expect((await clusterB.configMap(ns, 'oci-hello'))?.data?.message).toBe('v2')

    expectNoSecrets(run)
  })

  it('refuses a helm whose checksum does not match and touches no cluster', async () => {
    await arrange('initial')
    const before = (await clusterA.releaseSecrets(ns)).length
    const { run } = await act('workflow_dispatch', dispatchPayload(), commits[0] as string, {
      inputs: { 'helm-download-url': mirrorUrl(bed.helmMirrorBad) },
      toolCache: mkdtempSync(join(tmpdir(), 'e2e-empty-cache-'))
    })
    expect(run.code).toBe(1)
    // Every affected plan fails with the reason, on its own file; nothing reached a cluster.
    const refused = run.annotations.filter((a) => a.properties.file)
    expect(refused.length).toBe(4)
    for (const a of refused) {
      const digests = a.message.match(
        /helm v4\.\S+ from https:\/\/\S+ does not match its published checksum \(SHA-256 ([0-9a-f]{64}), expected ([0-9a-f]{64}) from \S+\.sha256sum\); refusing to use it/
      )
      expect(digests, a.message).not.toBeNull()
      expect(digests?.[1]).not.toBe(digests?.[2])
    }
    expect(readdirSync(run.toolCache)).toEqual([])
    expect((await clusterA.releaseSecrets(ns)).length).toBe(before)
  })

  it('a pull request previews with helm template: no kubeconfig, no hook, no cluster write', async () => {
    await arrange('broken')
    await repo.write({ 'values/common.yaml': 'message: v3\ndeployment: {enabled: false}\n' })
    await repo.remove(plan(setupA, 'broken'))
    const head = await repo.commit('v3')
    await repo.push()
    const before = [
      (await clusterA.releaseSecrets(ns)).length,
      (await clusterB.releaseSecrets(ns)).length
    ]
    const { run, workspace } = await act(
      'pull_request',
      pullRequestPayload({ baseSha: commits[2] as string, headSha: head }),
      head,
      {
        inputs: { 'kubeconfig-store-url': 'https://127.0.0.1:9/unreachable' }
      }
    )
    expect(run.code, run.log).toBe(0)
    const results = byPlan(run)
    expect(results[plan(setupA, 'web')]).toMatchObject({ operation: 'render', status: 'planned' })
    // Against the merge base: the values file's message changed (v2 → v3).
    expect(results[plan(setupA, 'web')]?.notes).toEqual(['+0 ~1 -0 objects'])
    expect(results[plan(setupA, 'broken')]).toMatchObject({
      operation: 'uninstall',
      status: 'planned'
    })
    expect(run.summary).toContain('preview (nothing applied)')
    expect(hookLines(workspace)).toEqual([])
    expect([
      (await clusterA.releaseSecrets(ns)).length,
      (await clusterB.releaseSecrets(ns)).length
    ]).toEqual(before)
    expect((await clusterA.configMap(ns, 'web-hello'))?.data?.message).toBe('v2')
    expect(statSync(workspace).isDirectory()).toBe(true)
  })

  it('SIGINT stops the running hook, reports what finished and exits within the grace period; the next run converges', async () => {
    await arrange('nothing')
    await repo.write({
      'hooks/maybe-slow.sh': 'if [ -n "${GITOPS_TEST_SLOW:-}" ]; then sleep 120; fi\n',
      [plan(setupA, 'zz-slow')]:
        'chart: ./charts/hello\nvalues: values/common.yaml\nhooks:\n  pre-install: [hooks/maybe-slow.sh]\n'
    })
    const before = commits.at(-1) as string
    const head = await repo.commit('a plan with a slow hook')
    commits.push(head)
    await repo.push()
    const cancelled = await act('push', pushPayload({ before, after: head }), head, {
      env: { GITOPS_TEST_SLOW: '1' },
      cancelWhen: new RegExp(`▶ ${setupA} ${ns}/zz-slow`)
    })
    expect(cancelled.run.exitAfterSignalMs).toBeLessThan(7_500)
    expect(cancelled.run.code).toBe(1)
    expect(byPlan(cancelled.run)[plan(setupA, 'zz-slow')]).toMatchObject({ status: 'failed' })
    expect(byPlan(cancelled.run)[plan(setupA, 'zz-slow')]?.error).toMatch(/cancelled/)
    expect(cancelled.run.summary).toContain('The run was cancelled')
    expect(await clusterA.releaseSecrets(ns, 'zz-slow')).toHaveLength(0)

    const again = await act('push', pushPayload({ before, after: head }), head)
    expect(again.run.code, again.run.log).toBe(0)
    expect(byPlan(again.run)[plan(setupA, 'zz-slow')]).toMatchObject({
      operation: 'install',
      status: 'succeeded',
      revision: 1
    })
  })
})
