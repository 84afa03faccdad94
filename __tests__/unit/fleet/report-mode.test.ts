// mode: report, run() in process: the files a fleet's jobs left, laid down the way
// actions/download-artifact does (a folder an artifact), merged into one summary,
// the outputs, a gate a wave, and the one comment and Deployments a fleet writes.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SEED_ENV } from '../../../src/config.ts'
import { resultsDocument } from '../../../src/fleet/results-format.ts'
import { run } from '../../../src/main.ts'
import { resetSecrets } from '../../../src/secrets/masking.ts'
import type { WaveShards } from '../../../src/types/fleet.ts'
import type { Result } from '../../../src/types/results.ts'
import * as core from '../../support/fakes/core.ts'
import * as github from '../../support/fakes/github.ts'
import { pullRequestPayload, pushPayload, runnerEnv, type Payload } from '../../support/events.ts'
import { removeTempDirs, tempDir } from '../../support/git-repo.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
vi.mock('@actions/github', () => import('../../support/fakes/github.ts'))

const SHA = 'c'.repeat(40)
let downloads: string

const result = (setup: string, status: Result['status'] = 'succeeded'): Result => ({
  setup,
  namespace: 'web',
  release: 'shop',
  plan: `${setup}/web/shop.yaml`,
  chart: 'stable/shop',
  version: '1.0.0',
  operation: status === 'failed' ? null : 'upgrade',
  status,
  revision: status === 'failed' ? null : 3,
  durationMs: 10,
  error: status === 'failed' ? `${setup}/web/shop.yaml: helm upgrade failed` : null,
  notes: [],
  health: null
})

const SHARDS: WaveShards[] = [
  { wave: 1, matrix: { include: [{ shard: '1-0', setups: 'eu/a' }] } },
  { wave: 2, matrix: { include: [{ shard: '2-0', setups: 'us/a,us/b' }] } }
]

/** A shard job's results file, in the artifact's own folder. */
async function shardFile(shard: string, setups: string[], results: Result[], text?: string) {
  const dir = join(downloads, `results-${shard}`)
  await mkdir(dir, { recursive: true })
  const preview = results.some((r) => r.status === 'planned')
  const doc = resultsDocument(
    {
      sha: SHA,
      kind: preview ? 'preview' : 'deploy',
      ...(preview && {
        preview: {
          base: { kind: 'commit', sha: 'b'.repeat(40), reason: 'pull request #12 base' },
          fullDiffAt: `the log of shard ${shard}`
        }
      }),
      runId: 5,
      runUrl: undefined,
      cancelled: false,
      shard: { id: shard, setups },
      setups,
      results,
      deployments: [],
      unwritten: shard === '2-0' ? ['setting deployment 9 to success failed (HTTP 403)'] : []
    },
    (t) => t
  )
  await writeFile(join(dir, `gitops-results-${shard}.json`), text ?? JSON.stringify(doc))
}

async function step(name: string, payload: Payload, inputs: Record<string, string>) {
  const env = await runnerEnv({ name, payload, sha: SHA, runNumber: 7 })
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
  vi.stubEnv('GITHUB_WORKSPACE', downloads)
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(downloads, '..', 'summary.md'))
  core.inputs.set('github-token', 'ghs_token')
  core.inputs.set('mode', 'report')
  for (const [key, value] of Object.entries(inputs)) core.inputs.set(key, value)
}

const push = () => pushPayload({ before: 'b'.repeat(40), after: SHA })

beforeEach(async () => {
  core.resetCore()
  github.resetGithub()
  resetSecrets()
  for (const name of Object.values(SEED_ENV)) vi.stubEnv(name, '')
  downloads = await tempDir('gitops-report-')
})
afterEach(() => vi.unstubAllEnvs())
afterAll(removeTempDirs)

describe('mode: report', () => {
  it('a gate: merges the files, fails when a wave has more failed setups than max-failures, writes nothing to GitHub', async () => {
    await shardFile('1-0', ['eu/a'], [result('eu/a', 'failed')])
    await shardFile('2-0', ['us/a', 'us/b'], [result('us/a'), result('us/b')])
    await step('push', push(), {
      'results-path': '.',
      shards: JSON.stringify(SHARDS),
      publish: 'false',
      deployments: 'per-wave'
    })
    await run()
    expect(core.failed).toEqual(['wave 1: 1 of 1 setup(s) failed (eu/a), more than max-failures 0'])
    expect(JSON.parse(core.outputs.get('results') ?? '')).toHaveLength(3)
    expect(core.outputs.get('failed')).toBe('1')
    expect(JSON.parse(core.outputs.get('setups') ?? '')).toEqual(['eu/a', 'us/a', 'us/b'])
    const [summary] = core.summaries
    expect(core.summaries).toHaveLength(1)
    expect(summary).toContain('## gitops-action: fleet report of `cccccccccccc`')
    expect(summary).toContain('Merged 2 results file(s): 3 setup(s) in 2 wave(s).')
    expect(summary).toContain('| 1 | 1 | 1: `eu/a` | ❌ failed |')
    expect(summary).toContain('| 2 | 2 | 0 | ✅ passed |')
    // The run's own summary, the one renderer, below it.
    expect(summary).toContain('3 plan(s): 2 succeeded, 1 failed.')
    expect(summary).toContain('- `eu/a/web/shop.yaml`: `eu/a/web/shop.yaml: helm upgrade failed`')
    expect(summary).toContain('### GitHub writes the jobs could not make')
    expect(github.getOctokit).not.toHaveBeenCalled()
    expect(core.outputs.has('results-file')).toBe(false)
  })

  it('the report after the waves: a shard that never ran fails its setups; one commit comment, one Deployment a wave', async () => {
    await shardFile('1-0', ['eu/a'], [result('eu/a')])
    await step('push', push(), {
      'results-path': '*/gitops-results-*.json',
      shards: JSON.stringify(SHARDS),
      deployments: 'per-wave',
      'deployment-environment': 'prod-{setup}'
    })
    github.graphql.mockResolvedValue({ viewer: { login: 'github-actions[bot]' } })
    github.rest.repos.listCommentsForCommit.mockResolvedValue({ data: [] })
    github.rest.repos.createCommitComment.mockResolvedValue({
      data: { id: 1, body: '', user: { login: 'github-actions[bot]' } }
    })
    github.rest.repos.createDeployment.mockResolvedValue({ status: 201, data: { id: 41 } })
    github.rest.repos.createDeploymentStatus.mockResolvedValue({ data: {} })
    await run()
    expect(core.failed).toEqual([
      'wave 2: 2 of 2 setup(s) failed (us/a, us/b), more than max-failures 0'
    ])
    expect(core.outputs.get('failed')).toBe('2')
    expect(core.summaries[0]).toContain('### Setups without results')
    expect(core.summaries[0]).toContain('- wave 2, shard `2-0` (`us/a`, `us/b`): `no results file')
    expect(github.rest.repos.createCommitComment).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({
        commit_sha: SHA,
        body: expect.stringMatching(
          /^<!-- gitops-action report deploy\.yml -->\n## gitops-action: fleet report/
        )
      })
    )
    // Only the setups that reported have a Deployment: wave 1's, straight to its end.
    expect(
      github.rest.repos.createDeployment.mock.calls.map(([p]) => [p?.environment, p?.ref])
    ).toEqual([['prod-wave-1', SHA]])
    expect(
      github.rest.repos.createDeploymentStatus.mock.calls.map(([p]) => [p?.state, p?.description])
    ).toEqual([['success', '1 plan(s) deployed']])
  })

  it("a pull request's preview merged from its shards: one sticky comment with every shard's diff", async () => {
    const planned = (setup: string): Result => ({
      ...result(setup),
      operation: 'render',
      status: 'planned',
      revision: null,
      diff: {
        added: 0,
        changed: 1,
        removed: 0,
        unchanged: 0,
        objects: [
          { key: `v1 ConfigMap web/${setup}`, change: 'changed', diff: '-a: 1\n+a: 2', cut: 0 }
        ]
      }
    })
    await shardFile('1-0', ['eu/a'], [planned('eu/a')])
    await shardFile('2-0', ['us/a', 'us/b'], [planned('us/a'), planned('us/b')])
    await step(
      'pull_request',
      pullRequestPayload({ baseSha: 'b'.repeat(40), headSha: SHA, number: 12 }),
      {
        'results-path': '.'
      }
    )
    github.graphql.mockResolvedValue({ viewer: { login: 'github-actions[bot]' } })
    github.rest.issues.listComments.mockResolvedValue({ data: [] })
    github.rest.issues.createComment.mockResolvedValue({
      data: { id: 99, body: '', user: { login: 'github-actions[bot]' } }
    })
    await run()
    expect(core.failed).toEqual([])
    const body = github.rest.issues.createComment.mock.calls[0]?.[0]?.body ?? ''
    expect(body).toMatch(/^<!-- gitops-action diff deploy\.yml -->/)
    for (const setup of ['eu/a', 'us/a', 'us/b'])
      expect(body).toContain(`v1 ConfigMap web/${setup}`)
    expect(github.rest.repos.createCommitComment).not.toHaveBeenCalled()
  })

  it.each<[string, () => Promise<void>, string, RegExp]>([
    [
      'no results files',
      async () => {},
      '.',
      /^results-path '\.' holds no results file \(\*\.json\)/
    ],
    [
      'a file of another format version',
      () => shardFile('1-0', ['eu/a'], [], JSON.stringify({ format: 'gitops-action/results@2' })),
      '.',
      /results-1-0\/gitops-results-1-0\.json: is a results file of format 'gitops-action\/results@2'/
    ],
    [
      'a tampered file',
      async () => {
        await shardFile('1-0', ['eu/a'], [result('eu/a'), result('us/a')])
      },
      '.',
      /results-1-0\/gitops-results-1-0\.json: reports setup 'us\/a', outside its shard '1-0'/
    ],
    ['no results-path', async () => {}, '', /^mode: report needs the results-path input/]
  ])('%s: the step fails with one error naming it', async (_name, lay, path, message) => {
    await lay()
    await step('push', push(), { 'results-path': path })
    await run()
    expect(core.failed).toHaveLength(1)
    expect(core.failed[0]).toMatch(message)
    expect(core.summaries.join('')).toContain('the run failed before any plan ran')
    expect(github.getOctokit).not.toHaveBeenCalled()
  })
})
