// The pull request diff end to end: the built action on real git repositories and
// the real helm, both sides rendered with `helm template`, the sticky comment and the
// Deployments sent to the local GitHub API server (checked against @octokit/openapi).
import { cpSync, mkdtempSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runAction, type ActionRun } from '../support/action-runner.ts'
import { serverPerTest } from '../support/api-server-per-test.ts'
import { dispatchPayload, pullRequestPayload, pushPayload, runnerEnv } from '../support/events.ts'
import { cloneAt, GitRepo, removeTempDirs } from '../support/git-repo.ts'
import {
  repositoryHandlers,
  writeHandlers,
  type FakeRun,
  type WriteState
} from '../support/github-api-server.ts'
import { mirrorUrl, testbed } from '../support/testbed.ts'

const bed = testbed()
const setup = 'local/a'
const ns = `prdiff-${Date.now().toString(36)}`
const toolCache = mkdtempSync(join(tmpdir(), 'e2e-tool-cache-'))
const SECRET_OLD = `old-${randomBytes(9).toString('hex')}`
const SECRET_NEW = `new-${randomBytes(9).toString('hex')}`
const plan = (release: string) => `${setup}/${ns}/${release}.yaml`

const SECRET_CHART = {
  'charts/creds/Chart.yaml': 'apiVersion: v2\nname: creds\nversion: 0.1.0\n',
  'charts/creds/templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-creds
data:
  password: {{ .Values.password | b64enc | quote }}
stringData:
  token: {{ .Values.password | quote }}
`
}

const serve = serverPerTest()
afterAll(removeTempDirs)

async function act(
  name: string,
  payload: Record<string, unknown>,
  sha: string,
  origin: string,
  state: WriteState,
  extra: { runs?: FakeRun[]; inputs?: Record<string, string> } = {}
): Promise<ActionRun> {
  const server = await serve({
    ...repositoryHandlers({ origin, runs: extra.runs ?? [] }),
    ...writeHandlers(state)
  })
  const workspace = await cloneAt(origin, sha, 0)
  const env = await runnerEnv({ name, payload, sha, runId: 4242, runNumber: 9 })
  return runAction({
    workspace,
    eventName: name,
    event: payload,
    inputs: {
      'github-token': 'ghs_testtoken',
      'helm-version': bed.helm4Version,
      'helm-download-url': mirrorUrl(bed.helmMirror),
      'helm-repositories': `bed ${bed.chartRepo}`,
      ...extra.inputs
    },
    env: {
      ...env,
      GITHUB_API_URL: server.url,
      GITHUB_SERVER_URL: 'https://github.example',
      NODE_EXTRA_CA_CERTS: bed.ca,
      SSL_CERT_FILE: bed.ca
    },
    toolCache
  })
}

/** Every place a run shows something: log, summary, outputs, annotations, comments. */
function everythingShown(run: ActionRun, state: WriteState): string[] {
  return [
    run.log,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.annotations),
    ...state.comments.map((c) => c.body)
  ]
}

async function opsRepo(): Promise<{ repo: GitRepo; base: string; origin: string }> {
  const repo = await GitRepo.create()
  cpSync(join(bed.sampleCharts, 'hello'), join(repo.dir, 'charts', 'hello'), { recursive: true })
  await repo.write({
    ...SECRET_CHART,
    'values/web.yaml': 'message: v1\ndeployment: {enabled: false}\n',
    'values/same.yaml': '# first\nmessage: same\ndeployment: {enabled: false}\n',
    'values/creds.yaml': `password: ${SECRET_OLD}\n`,
    [plan('web')]: 'chart: ./charts/hello\nvalues: values/web.yaml\n',
    [plan('same')]: 'chart: ./charts/hello\nvalues: values/same.yaml\n',
    [plan('repo')]: 'chart: bed/hello\nversion: 0.1.0\n',
    [plan('gone')]: 'chart: ./charts/hello\nvalues: values/web.yaml\n',
    [plan('creds')]: 'chart: ./charts/creds\nvalues: values/creds.yaml\n'
  })
  const base = await repo.commit('base')
  const origin = await repo.bareOrigin()
  return { repo, base, origin }
}

/** The base repository and one pushed commit that sets web's message; the API's state, empty. */
async function webChange(message: string) {
  const { repo, base, origin } = await opsRepo()
  await repo.write({ 'values/web.yaml': `message: ${message}\ndeployment: {enabled: false}\n` })
  const head = await repo.commit(message)
  await repo.push()
  const state: WriteState = { comments: [], deployments: [] }
  return { base, origin, head, state }
}

describe('the pull request diff on the test bed', { timeout: 300_000 }, () => {
  it('shows what each plan renders differently, object by object, in the summary, the outputs and one sticky comment', async () => {
    const { repo, base, origin } = await opsRepo()
    await repo.git('checkout', '-q', '-b', 'change')
    await repo.write({
      'values/web.yaml': 'message: v2\ndeployment: {enabled: false}\n',
      'values/same.yaml': '# only a comment changed\nmessage: same\ndeployment: {enabled: false}\n',
      'values/creds.yaml': `password: ${SECRET_NEW}\n`,
      [plan('repo')]: 'chart: bed/hello\nversion: 0.2.0\n',
      [plan('new')]: 'chart: ./charts/hello\nvalues: values/web.yaml\n'
    })
    await repo.remove(plan('gone'))
    const head = await repo.commit('change')
    await repo.push()
    const state: WriteState = { comments: [], deployments: [] }
    const payload = pullRequestPayload({ baseSha: base, headSha: head, number: 12 })
    const run = await act('pull_request', payload, head, origin, state)
    expect(run.code, run.log).toBe(0)

    const results = Object.fromEntries(run.results.map((r) => [r.release, r]))
    expect(results.web).toMatchObject({
      operation: 'render',
      status: 'planned',
      notes: ['+0 ~1 -0 objects']
    })
    expect(results.same).toMatchObject({ operation: 'render', status: 'unchanged' })
    expect(results.repo).toMatchObject({ status: 'planned', notes: ['+0 ~1 -0 objects'] })
    expect(results.new).toMatchObject({
      status: 'planned',
      notes: ['a new plan: +1 ~0 -0 objects']
    })
    expect(results.gone).toMatchObject({
      operation: 'uninstall',
      status: 'planned',
      notes: ['would uninstall the release: +0 ~0 -1 objects']
    })
    expect(results.creds).toMatchObject({ status: 'planned', notes: ['+0 ~1 -0 objects'] })
    expect(JSON.parse(run.outputs.diff ?? '')).toEqual({
      [plan('creds')]: { added: 0, changed: 1, removed: 0 },
      [plan('gone')]: { added: 0, changed: 0, removed: 1 },
      [plan('new')]: { added: 1, changed: 0, removed: 0 },
      [plan('repo')]: { added: 0, changed: 1, removed: 0 },
      [plan('same')]: { added: 0, changed: 0, removed: 0 },
      [plan('web')]: { added: 0, changed: 1, removed: 0 }
    })
    expect(run.outputs.changed).toBe('5')

    // The changed lines, in the summary and the comment alike.
    expect(run.summary).toContain(`### \`${setup}\``)
    expect(run.summary).toContain('-  message: v1\n+  message: v2')
    expect(run.summary).toContain('-  chartVersion: 0.1.0\n+  chartVersion: 0.2.0')
    expect(run.summary).toMatch(/<code>\+0 ~1 -0 objects<\/code>/)
    expect(state.comments).toHaveLength(1)
    const [comment] = state.comments
    expect(comment?.body.split('\n')[0]).toBe('<!-- gitops-action diff deploy.yml -->')
    expect(comment?.body).toContain('-  message: v1\n+  message: v2')
    expect(comment?.body).toMatch(
      /- {2}password: <secret hmac:[0-9a-f]{12}>\n\+ {2}password: <secret hmac:[0-9a-f]{12}>/
    )
    // The full diff is in the log too.
    expect(run.log).toContain('+  message: v2')

    // Nothing of the Secret anywhere: plain, base64 or quoted.
    for (const secret of [SECRET_OLD, SECRET_NEW])
      for (const form of [secret, Buffer.from(secret).toString('base64')])
        for (const text of everythingShown(run, state))
          expect(text.includes(form), `the secret leaked into: ${text.slice(0, 300)}`).toBe(false)

    // A second push edits the same comment.
    await repo.write({ 'values/web.yaml': 'message: v3\ndeployment: {enabled: false}\n' })
    const next = await repo.commit('v3')
    await repo.push()
    const again = await act(
      'pull_request',
      pullRequestPayload({ baseSha: base, headSha: next, number: 12 }),
      next,
      origin,
      state
    )
    expect(again.code, again.log).toBe(0)
    expect(state.comments).toHaveLength(1)
    expect(state.comments[0]?.id).toBe(comment?.id)
    expect(state.comments[0]?.body).toContain('+  message: v3')
  })

  it('a dry-run workflow_dispatch diffs against the last deployed commit', async () => {
    const { base, origin, head, state } = await webChange('dispatched')
    const run = await act('workflow_dispatch', dispatchPayload(), head, origin, state, {
      runs: [{ id: 1, runNumber: 1, headSha: base, conclusion: 'success' }],
      inputs: { 'dry-run': 'true', plans: `${setup}/${ns}/web.yaml` }
    })
    expect(run.code, run.log).toBe(0)
    expect(run.results.map((r) => [r.release, r.status, r.notes])).toEqual([
      ['web', 'planned', ['+0 ~1 -0 objects']]
    ])
    expect(run.summary).toContain('+  message: dispatched')
    expect(run.summary).toContain('last deployed commit, run 1')
    expect(state.comments).toEqual([])
  })
})

describe('GitHub Deployments on a push', { timeout: 300_000 }, () => {
  it('one per affected setup, in_progress then its outcome, with the run link', async () => {
    const { base, origin, head, state } = await webChange('v2')
    // No kubeconfig store: the plans fail, and the Deployment says so.
    const run = await act('push', pushPayload({ before: base, after: head }), head, origin, state, {
      inputs: { deployments: 'true', 'deployment-environment': 'prod-{setup}' }
    })
    expect(run.code).toBe(1)
    expect(
      state.deployments.map((d) => [d.environment, d.ref, d.statuses.map((s) => s.state)])
    ).toEqual([[`prod-${setup}`, head, ['in_progress', 'failure']]])
    expect(state.deployments[0]?.statuses[0]?.log_url).toBe(
      'https://github.example/octo-org/ops/actions/runs/4242'
    )
  })
})
