// mode: plan and the deploy jobs' pinned base, run() in process on a real git
// checkout: the plan job needs no helm, no store and no cluster; a deploy job given
// base and setups asks the API nothing and deploys exactly its part of the diff.
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SEED_ENV } from '../../../src/config.ts'
import { shardsOf } from '../../../src/fleet/shards.ts'
import { run } from '../../../src/main.ts'
import { resetSecrets } from '../../../src/secrets/masking.ts'
import { onPath } from '../../../src/tools/path.ts'
import * as core from '../../support/fakes/core.ts'
import * as github from '../../support/fakes/github.ts'
import { pushPayload, runnerEnv } from '../../support/events.ts'
import { git, removeTempDirs, tempDir } from '../../support/git-repo.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
vi.mock('@actions/github', () => import('../../support/fakes/github.ts'))
vi.setConfig({ testTimeout: 60_000 })

let workspace: string
let base: string
let head: string

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(workspace, path)), { recursive: true })
  await writeFile(join(workspace, path), text)
}

const commit = async (message: string): Promise<string> => {
  await git(workspace, 'add', '-A')
  await git(workspace, 'commit', '-q', '-m', message)
  return (await git(workspace, 'rev-parse', 'HEAD')).trim()
}

/** Six clusters; the push changes two plans and a values file two other clusters share. */
async function fleetRepository(): Promise<void> {
  for (const cluster of ['eu/a', 'eu/b', 'us/a', 'us/b', 'ap/a', 'ap/b']) {
    const values = cluster.startsWith('us/') ? '\nvalues: [shared/us.yaml]' : ''
    await write(
      `${cluster}/web/shop.yaml`,
      `chart: oci://r.example.com/shop\nversion: 1.0.0${values}\n`
    )
  }
  await write('shared/us.yaml', 'replicas: 1\n')
  base = await commit('base')
  await write('eu/a/web/shop.yaml', 'chart: oci://r.example.com/shop\nversion: 1.1.0\n')
  await write('ap/b/web/shop.yaml', 'chart: [broken\n')
  await write('shared/us.yaml', 'replicas: 2\n')
  head = await commit('head')
}

/** helm-version system and no helm on PATH: a run that wanted helm would fail for it. */
async function withoutHelm(): Promise<void> {
  const bin = await tempDir('gitops-bin-')
  await symlink(onPath('git') ?? '/usr/bin/git', join(bin, 'git'))
  vi.stubEnv('PATH', bin)
  core.inputs.set('helm-version', 'system')
}

async function step(inputs: Record<string, string>): Promise<void> {
  const env = await runnerEnv({
    name: 'push',
    payload: pushPayload({ before: base, after: head }),
    sha: head
  })
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
  vi.stubEnv('GITHUB_WORKSPACE', workspace)
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(workspace, '..', 'summary.md'))
  core.inputs.set('github-token', 'ghs_token')
  // A store nobody could reach: a run that fetched a kubeconfig would fail for it.
  core.inputs.set('kubeconfig-store-url', 'https://store.invalid/kube')
  for (const [key, value] of Object.entries(inputs)) core.inputs.set(key, value)
  await withoutHelm()
}

const json = (name: string): unknown => JSON.parse(core.outputs.get(name) ?? 'null')

beforeEach(async () => {
  core.resetCore()
  github.resetGithub()
  resetSecrets()
  for (const name of Object.values(SEED_ENV)) vi.stubEnv(name, '')
  workspace = join(await tempDir('gitops-fleet-'), 'ops')
  await mkdir(workspace)
  await git(workspace, 'init', '-q', '-b', 'main')
  await git(workspace, 'config', 'user.email', 'ops@example.com')
  await git(workspace, 'config', 'user.name', 'ops')
  await fleetRepository()
  // No earlier run: the push's before is the base.
  github.rest.actions.listWorkflowRuns.mockResolvedValue({ data: { workflow_runs: [] } })
})
afterEach(() => vi.unstubAllEnvs())
afterAll(removeTempDirs)

describe('mode: plan', () => {
  it('the affected setups from the diff alone: base, head, waves, shards; no helm, no store', async () => {
    await step({ mode: 'plan', 'shard-size': '2' })
    await run()
    expect(core.failed).toEqual([])
    const affected = ['ap/b', 'eu/a', 'us/a', 'us/b']
    expect(core.outputs.get('base')).toBe(base)
    expect(core.outputs.get('head')).toBe(head)
    expect(json('setups')).toEqual(affected)
    expect(json('waves')).toEqual([affected])
    const fleet = ['ap/a', 'ap/b', 'eu/a', 'eu/b', 'us/a', 'us/b']
    expect(json('shards')).toEqual(shardsOf([affected], fleet, 2))
    const shards = json('shards') as ReturnType<typeof shardsOf>
    expect(shards[0]?.matrix.include.flatMap((s) => s.setups.split(',')).sort()).toEqual(affected)
    // Git told the changes: no compare call; the results and the summary say what was planned.
    expect(github.rest.repos.compareCommitsWithBasehead).not.toHaveBeenCalled()
    expect(core.outputs.has('results-file')).toBe(false)
    expect(core.summaries.join('')).toContain(
      `Changes since \`${base.slice(0, 12)}\`: 4 setup(s) in 1 wave(s)`
    )
    expect(core.summaries.join('')).toContain(
      '1 plan file(s) cannot be read: their shards report them.'
    )
  })

  it('with waves: one matrix a wave, the n-th for wave n, shard ids naming their wave', async () => {
    await step({ mode: 'plan', waves: 'eu/*\nus/*' })
    await run()
    expect(core.failed).toEqual([])
    expect(json('waves')).toEqual([['eu/a'], ['us/a', 'us/b'], ['ap/b']])
    const shards = json('shards') as ReturnType<typeof shardsOf>
    expect(shards.map((w) => [w.wave, w.matrix.include.map((s) => s.setups).sort()])).toEqual([
      [1, ['eu/a']],
      [2, ['us/a', 'us/b']],
      [3, ['ap/b']]
    ])
    for (const { wave, matrix } of shards)
      for (const { shard } of matrix.include) expect(shard.startsWith(`${wave}-`)).toBe(true)
  })

  it('nothing changed (a tag push): empty waves and shards, no base', async () => {
    const env = await runnerEnv({
      name: 'push',
      payload: pushPayload({ before: '0'.repeat(40), after: head, ref: 'refs/tags/v1' }),
      sha: head
    })
    await step({ mode: 'plan' })
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
    await run()
    expect(core.failed).toEqual([])
    expect(json('waves')).toEqual([])
    expect(json('shards')).toEqual([])
    expect(core.outputs.get('base')).toBe('')
  })
})

describe('a deploy job with a pinned base and its shard', () => {
  it('deploys base..head of its setups only, with no run-list or compare call', async () => {
    await step({ base, setups: 'us/*', shard: '1-0' })
    await run()
    expect(github.rest.actions.listWorkflowRuns).not.toHaveBeenCalled()
    expect(github.rest.repos.compareCommitsWithBasehead).not.toHaveBeenCalled()
    const results = json('results') as { plan: string; error: string }[]
    expect(results.map((r) => r.plan)).toEqual(['us/a/web/shop.yaml', 'us/b/web/shop.yaml'])
    // Each failed for want of helm: the plans were reached, nothing else was.
    for (const r of results) expect(r.error).toContain('no helm on PATH')
    expect(json('setups')).toEqual(['us/a', 'us/b'])
    expect(core.infos).toContain(
      `Diff base: ${base} (the base input, as the plan job found it); head: ${head}.`
    )
  })

  it('a base git cannot compare is an error naming the input, not a fallback to the API', async () => {
    await step({ base: 'e'.repeat(40), setups: 'us/a' })
    await run()
    expect(github.rest.repos.compareCommitsWithBasehead).not.toHaveBeenCalled()
    expect(core.failed).toHaveLength(1)
    expect(core.failed[0]).toMatch(
      /^Could not compare the base input e{40} with [0-9a-f]{40}: git [^]*fetch-depth: 0/
    )
  })
})
