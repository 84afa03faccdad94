// run() in process, with typed fakes of @actions/core and @actions/github (the way
// GitHub's typescript-action template tests an action), beside the end-to-end runs
// of dist/ on the test bed: what the step is given, what it writes, whether it fails.
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SEED_ENV } from '../../../src/config.ts'
import { run } from '../../../src/main.ts'
import { resetSecrets } from '../../../src/secrets/masking.ts'
import * as core from '../../support/fakes/core.ts'
import * as github from '../../support/fakes/github.ts'
import {
  pullRequestPayload,
  pushPayload,
  runnerEnv,
  ZERO,
  type Payload
} from '../../support/events.ts'
import { git, removeTempDirs, tempDir } from '../../support/git-repo.ts'
import { onPath } from '../../../src/tools/path.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
vi.mock('@actions/github', () => import('../../support/fakes/github.ts'))

const BEFORE = 'b'.repeat(40)
/** The workspace's commit: the checkout must be at the event's commit. */
let AFTER = ''
const TOKEN = 'ghs_inprocesstoken42'

let workspace: string

/** The runner's environment for this event, and an empty ops checkout as the workspace. */
async function step(name: string, payloadOf: () => Payload): Promise<void> {
  await git(workspace, 'add', '-A')
  await git(workspace, 'commit', '-q', '--allow-empty', '-m', 'ops')
  AFTER = (await git(workspace, 'rev-parse', 'HEAD')).trim()
  const payload = payloadOf()
  const env = await runnerEnv({ name, payload, sha: AFTER, runNumber: 7 })
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
  vi.stubEnv('GITHUB_WORKSPACE', workspace)
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(workspace, '..', 'summary.md'))
  core.inputs.set('github-token', TOKEN)
}

/** The compare API's answer: `files` changed between BEFORE and AFTER. */
function compareAnswers(files: readonly string[]): void {
  github.rest.actions.listWorkflowRuns.mockResolvedValue({
    data: { workflow_runs: [{ id: 41, run_number: 6, head_sha: BEFORE, conclusion: 'success' }] }
  })
  github.rest.repos.compareCommitsWithBasehead.mockResolvedValue({
    data: {
      status: 'ahead',
      merge_base_commit: { sha: BEFORE },
      files: files.map((filename) => ({ filename, status: 'added' })),
      commits: [{ sha: AFTER }],
      total_commits: 1
    }
  })
}

function outputs(): Record<string, unknown> {
  return Object.fromEntries([...core.outputs].map(([name, value]) => [name, JSON.parse(value)]))
}

beforeEach(async () => {
  core.resetCore()
  github.resetGithub()
  resetSecrets()
  for (const name of Object.values(SEED_ENV)) vi.stubEnv(name, '')
  workspace = join(await tempDir('gitops-run-'), 'ops')
  await mkdir(workspace)
  await git(workspace, 'init', '-q')
  await git(workspace, 'config', 'user.email', 'ops@example.com')
  await git(workspace, 'config', 'user.name', 'ops')
})
afterEach(() => vi.unstubAllEnvs())
afterAll(removeTempDirs)

/** The outputs of a run that deployed nothing, and of a run that failed as a whole. */
const NOTHING_DEPLOYED = {
  setups: [],
  waves: [],
  results: [],
  failed: 0,
  diff: {},
  changed: 0,
  drifted: 0,
  orphans: 0,
  promotions: []
}
const RUN_FAILED = {
  results: [],
  failed: 1,
  diff: {},
  changed: 0,
  drifted: 0,
  orphans: 0,
  promotions: []
}

describe('run() in process', () => {
  it('a tag push has nothing in scope: empty outputs, a notice, no API call, success', async () => {
    await step('push', () => pushPayload({ before: ZERO, after: AFTER, ref: 'refs/tags/v1.0.0' }))
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs()).toEqual(NOTHING_DEPLOYED)
    expect(core.log).toContain(
      'notice: Nothing to deploy: refs/tags/v1.0.0 is a tag push; plans deploy from branches'
    )
    expect(github.getOctokit).not.toHaveBeenCalled()
    expect(core.setSecret).toHaveBeenCalledWith(TOKEN)
  })

  it('a branch push that changes no plan: the diff comes from the API, nothing deploys', async () => {
    await step('push', () => pushPayload({ before: BEFORE, after: AFTER }))
    compareAnswers(['README.md', 'docs/intro.md'])
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(github.getOctokit).toHaveBeenCalledWith(TOKEN, expect.anything())
    expect(github.rest.repos.compareCommitsWithBasehead).toHaveBeenCalledWith(
      expect.objectContaining({ owner: 'octo-org', repo: 'ops', basehead: `${BEFORE}...${AFTER}` })
    )
    expect(core.log).toContain('Changed paths: 2, from compare-api')
    expect(outputs()).toEqual(NOTHING_DEPLOYED)
    expect(core.summaries).toHaveLength(1)
  })

  it('a broken plan file fails its plan with the file and line, and the step', async () => {
    await mkdir(join(workspace, 'local', 'a', 'web'), { recursive: true })
    await writeFile(join(workspace, 'local', 'a', 'web', 'shop.yaml'), 'chart: [unclosed\n')
    await step('push', () => pushPayload({ before: BEFORE, after: AFTER }))
    compareAnswers(['local/a/web/shop.yaml'])
    await run()
    const { results, failed } = outputs() as { results: Record<string, unknown>[]; failed: number }
    expect(failed).toBe(1)
    expect(results).toEqual([
      expect.objectContaining({
        setup: 'local/a',
        namespace: 'web',
        release: 'shop',
        plan: 'local/a/web/shop.yaml',
        status: 'failed',
        error: expect.stringMatching(/^local\/a\/web\/shop\.yaml: line \d+: invalid YAML/)
      })
    ])
    expect(core.setFailed).toHaveBeenCalledWith('1 of 1 plan(s) failed: local/a/web/shop.yaml')
  })

  it('a bad input is a run-level error that names the input; the outputs say the run failed', async () => {
    await step('push', () => pushPayload({ before: ZERO, after: AFTER, ref: 'refs/tags/v1.0.0' }))
    core.inputs.set('parallel', '0')
    await run()
    expect(core.setFailed).toHaveBeenCalledExactlyOnceWith(
      "input 'parallel' must be a whole number from 1 to 64 (got '0')."
    )
    expect(outputs()).toEqual(RUN_FAILED)
  })

  it('an event it does not handle is refused with what to do, before any API call', async () => {
    await step('pull_request_target', () => pushPayload({ before: BEFORE, after: AFTER }))
    await run()
    expect(core.setFailed).toHaveBeenCalledExactlyOnceWith(
      "The event 'pull_request_target' is not supported (supported events: push, pull_request, workflow_dispatch, schedule); add one of them to the workflow's 'on:'."
    )
    expect(github.getOctokit).not.toHaveBeenCalled()
    expect(outputs()).toEqual(RUN_FAILED)
  })

  it('never writes the token: not in the log, the outputs or the summary', async () => {
    await step('push', () => pushPayload({ before: BEFORE, after: AFTER }))
    compareAnswers(['README.md'])
    github.rest.actions.listWorkflowRuns.mockRejectedValue(
      Object.assign(new Error(`Bad credentials for ${TOKEN}`), { status: 401 })
    )
    await run()
    const written = [...core.log, ...core.outputs.values(), ...core.summaries].join('\n')
    expect(written).toContain('Could not find the last successful run')
    expect(written).toContain('Bad credentials for ***')
    expect(written).not.toContain(TOKEN)
  })
})

/** A plan of setup local/a the step can read; without helm it fails with helm's reason. */
async function shopPlan(): Promise<void> {
  await mkdir(join(workspace, 'local', 'a', 'web'), { recursive: true })
  await writeFile(
    join(workspace, 'local', 'a', 'web', 'shop.yaml'),
    'chart: oci://registry.example.com/charts/shop\nversion: 1.2.3\n'
  )
}

/** helm-version system with no helm on PATH (git alone there): prepareHelm fails. */
async function withoutHelm(): Promise<void> {
  const bin = await tempDir('gitops-bin-')
  await symlink(onPath('git') ?? '/usr/bin/git', join(bin, 'git'))
  vi.stubEnv('PATH', bin)
  core.inputs.set('helm-version', 'system')
}

const NO_HELM = 'helm-version is "system" but there is no helm on PATH'

describe('run() through the publishers', () => {
  it('a deploy with deployments: true records each setup in progress, then its end', async () => {
    await shopPlan()
    await step('push', () => pushPayload({ before: BEFORE, after: AFTER }))
    compareAnswers(['local/a/web/shop.yaml'])
    await withoutHelm()
    core.inputs.set('deployments', 'true')
    github.rest.repos.createDeployment.mockResolvedValue({ status: 201, data: { id: 5 } })
    github.rest.repos.createDeploymentStatus.mockResolvedValue({ data: {} })
    await run()
    expect(github.rest.repos.createDeployment).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ ref: AFTER, environment: 'local/a' })
    )
    expect(
      github.rest.repos.createDeploymentStatus.mock.calls.map(([p]) => [p?.state, p?.description])
    ).toEqual([
      ['in_progress', 'deploying'],
      ['failure', '1 of 1 plan(s) failed']
    ])
    expect(core.failed).toEqual(['1 of 1 plan(s) failed: local/a/web/shop.yaml'])
    expect(outputs().results).toEqual([
      expect.objectContaining({ error: expect.stringContaining(NO_HELM) })
    ])
  })

  it('Deployments the API refuses are a warning: the step ends as its plans say', async () => {
    await shopPlan()
    await step('push', () => pushPayload({ before: BEFORE, after: AFTER }))
    compareAnswers(['local/a/web/shop.yaml'])
    await withoutHelm()
    core.inputs.set('deployments', 'true')
    github.rest.repos.createDeployment.mockRejectedValue(
      Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
    )
    await run()
    expect(core.annotations).toContainEqual({
      kind: 'warning',
      message:
        'GitHub Deployments could not be recorded: setup local/a: creating a deployment to local/a failed (HTTP 403): Resource not accessible by integration'
    })
    expect(github.rest.repos.createDeploymentStatus).not.toHaveBeenCalled()
    expect(core.failed).toEqual(['1 of 1 plan(s) failed: local/a/web/shop.yaml'])
  })

  it('a dry-run deploy previews: no Deployment, no comment', async () => {
    await shopPlan()
    await step('push', () => pushPayload({ before: BEFORE, after: AFTER }))
    compareAnswers(['local/a/web/shop.yaml'])
    await withoutHelm()
    core.inputs.set('deployments', 'true')
    core.inputs.set('dry-run', 'true')
    await run()
    expect(github.rest.repos.createDeployment).not.toHaveBeenCalled()
    expect(github.graphql).not.toHaveBeenCalled()
    expect(core.log).toContain(`Preview of ${AFTER}: 1 plan(s) in 1 setup(s)`)
  })

  it("a pull request's preview is posted as the workflow's sticky comment", async () => {
    await mkdir(join(workspace, 'local', 'a', 'web'), { recursive: true })
    await writeFile(join(workspace, 'local', 'a', 'web', 'shop.yaml'), 'chart: [unclosed\n')
    await step('pull_request', () =>
      pullRequestPayload({ baseSha: BEFORE, headSha: AFTER, number: 12 })
    )
    compareAnswers(['local/a/web/shop.yaml'])
    github.graphql.mockResolvedValue({ viewer: { login: 'github-actions[bot]' } })
    github.rest.issues.listComments.mockResolvedValue({ data: [] })
    github.rest.issues.createComment.mockResolvedValue({
      data: { id: 99, body: '', user: { login: 'github-actions[bot]' } }
    })
    await run()
    expect(github.rest.issues.createComment).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({
        issue_number: 12,
        body: expect.stringMatching(/^<!-- gitops-action diff deploy\.yml -->\n[^]*shop\.yaml/)
      })
    )
    expect(core.failed).toEqual(['1 of 1 plan(s) failed: local/a/web/shop.yaml'])
  })

  it('a comment the token may not write is a notice, and the diff stays in the summary', async () => {
    await step('pull_request', () =>
      pullRequestPayload({ baseSha: BEFORE, headSha: AFTER, number: 12 })
    )
    compareAnswers(['README.md'])
    github.graphql.mockResolvedValue({ viewer: { login: 'github-actions[bot]' } })
    github.rest.issues.listComments.mockRejectedValue(
      Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
    )
    await run()
    expect(core.annotations).toContainEqual({
      kind: 'notice',
      message: expect.stringMatching(
        /^The diff was not posted as a pull request comment: the token may not comment/
      )
    })
    expect(github.rest.issues.createComment).not.toHaveBeenCalled()
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('a drift check that could compare nothing opens no issue and writes a drift check summary', async () => {
    await shopPlan()
    await step('schedule', () => ({
      schedule: '*/30 * * * *',
      repository: pushPayload({ before: BEFORE, after: AFTER }).repository
    }))
    await withoutHelm()
    core.inputs.set('drift-issues', 'true')
    await run()
    expect(github.graphql).not.toHaveBeenCalled()
    expect(github.rest.issues.listForRepo).not.toHaveBeenCalled()
    expect(core.summaries.join('')).toContain('## gitops-action: drift check of')
    expect(core.failed).toEqual(['1 of 1 plan(s) failed: local/a/web/shop.yaml'])
  })
})
