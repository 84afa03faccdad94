// The fleet workflow's shape (fleet-shape.yml: plan, two waves of shard matrices, a
// gate, a report) run by nektos/act in host mode against the test bed's two clusters,
// on the built action (dist/). Opt-in: GITOPS_ACT=1 adds the `act` project
// (vitest.config.ts); act is built from the Go module proxy by scripts/act.sh.
//   npm run build && GITOPS_ACT=1 TESTBED_SKIP_BUILD=1 npx vitest run --project act
// About 15 s on a running bed once act is built (a few minutes, the first time).
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseResultsFile } from '../../src/fleet/results-format.ts'
import { pushPayload } from '../support/events.ts'
import { git, removeTempDirs, tempDir } from '../support/git-repo.ts'
import { clusters, testbed, type Cluster } from '../support/testbed.ts'

const root = resolve(import.meta.dirname, '..', '..')
const bed = testbed()
const [setupA, setupB] = bed.setups as [string, string]
const [clusterA, clusterB] = clusters(bed) as [Cluster, Cluster]
const ns = `fleet-act-${process.pid}`

let act: string
let origin: string
const commits: string[] = []

async function write(dir: string, path: string, text: string): Promise<void> {
  mkdirSync(dirname(join(dir, path)), { recursive: true })
  writeFileSync(join(dir, path), text)
}

/** A plan of the bed's hello chart (its ConfigMap only), with a message and maybe a hook. */
const plan = (message: string, hook?: string): string =>
  `chart: ./charts/hello\nset:\n  message: ${message}\n  deployment: {enabled: false}\n` +
  (hook ? `hooks:\n  post-upgrade: [${hook}]\n` : '')

async function commit(work: string, message: string): Promise<string> {
  await git(work, 'add', '-A')
  await git(work, 'commit', '-q', '-m', message)
  await git(work, 'push', '-q', 'origin', 'HEAD:main')
  return (await git(work, 'rev-parse', 'HEAD')).trim()
}

interface ActRun {
  readonly code: number | null
  readonly log: string
  readonly results: string
  /** Job → its last line saying how it ended (`🏁  Job succeeded`, `Job failed`), or undefined if it never ran. */
  readonly jobs: ReadonlyMap<string, string>
}

/** act on a push from `before` to `after`. */
async function runAct(before: string, after: string): Promise<ActRun> {
  const results = await tempDir('gitops-act-results-')
  const event = join(results, 'event.json')
  writeFileSync(event, JSON.stringify(pushPayload({ before, after })))
  const workflows = await tempDir('gitops-act-wf-')
  cpSync(join(import.meta.dirname, 'fleet-shape.yml'), join(workflows, 'fleet-shape.yml'))
  const env: Record<string, string> = {
    OPS_ORIGIN: origin,
    ACTION_DIR: root,
    FLEET_RESULTS: results,
    WAVES: setupA,
    KUBECONFIG_STORE_CA: bed.ca
  }
  const args = [
    'push',
    '--workflows',
    workflows,
    '--eventpath',
    event,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--container-daemon-socket',
    '-',
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    '--secret',
    `KUBECONFIG_STORE_URL=${bed.storeUrl}`
  ]
  // act runs the jobs on this host: node 24 (the action's runtime) and helm first on PATH.
  const path = [dirname(process.execPath), dirname(bed.helm4), process.env.PATH].join(':')
  const repo = await tempDir('gitops-act-repo-')
  await git(repo, 'clone', '-q', origin, '.')
  await git(repo, 'checkout', '-q', after)
  // act names the repository after the remote (GITHUB_REPOSITORY); the jobs clone OPS_ORIGIN.
  await git(repo, 'remote', 'set-url', 'origin', 'https://github.com/octo-org/ops.git')
  const { code, log } = await new Promise<{ code: number | null; log: string }>((done) => {
    const child = spawn(act, args, { cwd: repo, env: { ...process.env, PATH: path } })
    let text = ''
    child.stdout.on('data', (c: Buffer) => (text += c.toString()))
    child.stderr.on('data', (c: Buffer) => (text += c.toString()))
    child.on('close', (exit) => done({ code: exit, log: text }))
  })
  // `[<workflow>/<job>-<matrix leg>]`; a failed leg fails the job.
  const jobs = new Map<string, string>()
  for (const line of log.split('\n')) {
    const m = /^\[[^/]+\/(plan|wave-1|gate-1|wave-2|report)(?:-\d+)?\s*\]\s+🏁\s+(.*)$/.exec(line)
    if (m?.[1] && m[2] && jobs.get(m[1]) !== 'Job failed') jobs.set(m[1], m[2].trim())
  }
  // GITOPS_ACT_LOG=/tmp/act keeps act's whole log of each run (/tmp/act-<before>.log).
  if (process.env.GITOPS_ACT_LOG)
    writeFileSync(`${process.env.GITOPS_ACT_LOG}-${before.slice(0, 7)}.log`, log)
  return { code, log, results, jobs }
}

const message = async (cluster: Cluster): Promise<string | undefined> =>
  (await cluster.configMap(ns, 'web-hello'))?.data?.message

beforeAll(async () => {
  act = execFileSync('bash', [join(root, 'scripts/act.sh')], { encoding: 'utf8' }).trim()
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('npm run build first')
  origin = await tempDir('gitops-act-origin-')
  await git(origin, 'init', '-q', '--bare', '-b', 'main')
  const work = await tempDir('gitops-act-work-')
  await git(work, 'clone', '-q', origin, '.')
  await git(work, 'config', 'user.email', 'ops@example.com')
  await git(work, 'config', 'user.name', 'ops')
  cpSync(join(bed.sampleCharts, 'hello'), join(work, 'charts', 'hello'), { recursive: true })
  await write(work, 'hooks/fail.sh', 'echo "the smoke test failed" >&2\nexit 1\n')
  commits.push(await commit(work, 'charts and hooks'))
  for (const setup of [setupA, setupB]) await write(work, `${setup}/${ns}/web.yaml`, plan('v1'))
  commits.push(await commit(work, 'web in both setups'))
  await write(work, `${setupA}/${ns}/web.yaml`, plan('v2', 'hooks/fail.sh'))
  await write(work, `${setupB}/${ns}/web.yaml`, plan('v2'))
  commits.push(await commit(work, 'v2, with a failing hook in the first wave'))
}, 600_000)

afterAll(async () => {
  for (const cluster of [clusterA, clusterB]) await cluster.deleteNamespace(ns)
  await removeTempDirs()
})

describe('the fleet workflow under nektos/act', () => {
  it('plan, wave 1, its gate, wave 2, the report: both clusters deployed, one merged summary', async () => {
    const run = await runAct(commits[0] as string, commits[1] as string)
    expect(run.code, run.log.slice(-4000)).toBe(0)
    expect(Object.fromEntries(run.jobs)).toEqual({
      plan: 'Job succeeded',
      'wave-1': 'Job succeeded',
      'gate-1': 'Job succeeded',
      'wave-2': 'Job succeeded',
      report: 'Job succeeded'
    })
    expect(await message(clusterA)).toBe('v1')
    expect(await message(clusterB)).toBe('v1')
    // The shards' files were moved between the jobs; each stayed inside its shard.
    const folders = readdirSync(run.results)
      .filter((f) => f.startsWith('gitops-results-'))
      .sort()
    expect(folders).toEqual([
      expect.stringMatching(/^gitops-results-1-[01]+$/),
      expect.stringMatching(/^gitops-results-2-[01]+$/)
    ])
    const files = folders.map((folder) => {
      const path = join(run.results, folder, `${folder}.json`)
      return parseResultsFile(readFileSync(path, 'utf8'), path)
    })
    expect(files.map((f) => [f.shard?.setups, f.results.map((r) => r.status)])).toEqual([
      [[setupA], ['succeeded']],
      [[setupB], ['succeeded']]
    ])
    expect(JSON.parse(readFileSync(join(run.results, 'report-setups.json'), 'utf8'))).toEqual([
      setupA,
      setupB
    ])
    expect(readFileSync(join(run.results, 'report-failed'), 'utf8')).toBe('0')
    expect(run.log).toContain('Merged 2 results file(s): 2 setup(s) in 2 wave(s).')
  }, 900_000)

  it('a first wave over max-failures: its gate fails, the second wave is skipped, the report says so', async () => {
    const run = await runAct(commits[1] as string, commits[2] as string)
    expect(run.code).not.toBe(0)
    expect(run.jobs.get('wave-1')).toBe('Job failed')
    expect(run.jobs.get('gate-1')).toBe('Job failed')
    expect(run.jobs.has('wave-2')).toBe(false)
    expect(run.jobs.get('report')).toBe('Job failed')
    // Wave 1 applied and failed on its hook; wave 2's cluster was never touched.
    expect(await message(clusterA)).toBe('v2')
    expect(await message(clusterB)).toBe('v1')
    expect(readFileSync(join(run.results, 'report-failed'), 'utf8')).toBe('2')
    expect(run.log).toMatch(
      /wave 1: 1 of 1 setup\(s\) failed \(local\/a\), more than max-failures 0/
    )
    expect(run.log).toMatch(
      /wave 2: 1 of 1 setup\(s\) failed \(local\/b\), more than max-failures 0/
    )
  }, 900_000)
})
