// Pull request diff faults: a base that does not render, a token that may not
// comment (a fork), a diff far beyond GitHub's comment limit, another account's
// comment carrying the action's marker.
import { dirname } from 'node:path'
import { expect } from 'vitest'
import { repositoryHandlers, writeHandlers, type WriteState } from '../support/github-api-server.ts'
import { bed, faultCase, SETUP_A } from './action.ts'
import { githubApi } from './github.ts'
import { faultSuite, planYaml, valuesYaml } from './ops.ts'
import { resultOf } from './outcomes.ts'

const suite = faultSuite()
const github = githubApi(suite)

const planOf = (ns: string) => `${SETUP_A}/${ns}/web.yaml`
/** The sample chart as `web` with one values file of `message`. */
const web = (ns: string, message: string) => ({
  'values/web.yaml': valuesYaml(message),
  [planOf(ns)]: planYaml({ values: 'values/web.yaml' })
})
/** A pull request that changes web's message from v1 to v2. */
const v1ToV2 = (state: WriteState) =>
  github.pullRequest(
    'prdiff',
    (ns) => web(ns, 'v1'),
    () => ({ 'values/web.yaml': valuesYaml('v2') }),
    state
  )

faultCase(
  'the base of a pull request does not render (its chart version is missing)',
  'head still renders; the plan notes why there is no diff; the run succeeds',
  async () => {
    const state: WriteState = { comments: [], deployments: [] }
    const { run, ns } = await github.pullRequest(
      'prdiff',
      (ns) => ({ [planOf(ns)]: planYaml({ chart: 'bed/hello', version: '9.9.9' }) }),
      (ns) => ({ [planOf(ns)]: planYaml({ chart: 'bed/hello', version: '0.2.0' }) }),
      state
    )
    expect(run.code, run.log).toBe(0)
    const result = resultOf(run, planOf(ns))
    expect(result).toMatchObject({ operation: 'render', status: 'planned' })
    expect(result.notes[1]).toMatch(
      /^no diff: .*web\.yaml at base [0-9a-f]{12} .* does not render: .*9\.9\.9/
    )
    expect(state.comments[0]?.body).toContain('no diff')
  }
)

faultCase(
  'the token may not comment (a pull request from a fork: 403)',
  'a notice says why; the diff is in the summary; the run succeeds',
  async () => {
    const state: WriteState = { comments: [], deployments: [], forbidden: true }
    const { run } = await v1ToV2(state)
    expect(run.code, run.log).toBe(0)
    expect(state.comments).toEqual([])
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message: expect.stringMatching(/not posted as a pull request comment.*pull-requests: write/)
      })
    )
    expect(run.summary).toContain('-  message: v1\n+  message: v2')
  }
)

faultCase(
  "another user's comment carries the workflow's marker (and the token could not edit it)",
  'it is left as it was, never edited; the diff goes into a new comment of the token',
  async () => {
    // Anyone may comment on a pull request, and the marker is no secret.
    const marker = '<!-- gitops-action diff deploy.yml -->'
    const foreign = { id: 1, issue: 7, author: 'mallory', body: `${marker}\nLooks good, merge it` }
    const state: WriteState = { comments: [{ ...foreign }], deployments: [] }
    const { run, server } = await v1ToV2(state)
    expect(run.code, run.log).toBe(0)
    expect(server.requests.filter((r) => r.operationId === 'issues/update-comment')).toEqual([])
    expect(state.comments[0]).toEqual(foreign)
    expect(state.comments.slice(1)).toEqual([
      expect.objectContaining({
        author: 'github-actions[bot]',
        body: expect.stringMatching(/^<!-- gitops-action diff deploy\.yml -->\n/)
      })
    ])
    expect(state.comments[1]?.body).toContain('-  message: v1\n+  message: v2')
  }
)

faultCase(
  'a diff far beyond the comment limit (a ConfigMap of 6000 changed keys)',
  'the comment stays under 65536 characters and says how much was left out; the log has it all',
  async () => {
    const state: WriteState = { comments: [], deployments: [] }
    const extra = (v: string) =>
      `message: m\ndeployment: {enabled: false}\nextra:\n${Array.from({ length: 6000 }, (_, i) => `  key${i}: ${v}-${i}`).join('\n')}\n`
    const { run } = await github.pullRequest(
      'prdiff',
      (ns) => ({
        'values/big.yaml': extra('old'),
        [planOf(ns)]: planYaml({ values: 'values/big.yaml' })
      }),
      () => ({ 'values/big.yaml': extra('new') }),
      state
    )
    expect(run.code, run.log).toBe(0)
    const body = state.comments[0]?.body ?? ''
    expect(body.length).toBeGreaterThan(50_000)
    expect(body.length).toBeLessThanOrEqual(65_536)
    expect(body).toMatch(
      /Cut to GitHub's size limit: \d+ diff line\(s\) left out\. The full diff is in the log of this run/
    )
    expect(run.log).toContain('+  key5999: new-5999')
  }
)

faultCase(
  'a dry-run workflow_dispatch on a shallow clone (the last deployed commit is not in it)',
  'the last deployed commit is fetched from origin and the diff shown',
  async () => {
    const { ns, ops, head: deployed } = await suite.change('prdiff', (ns) => web(ns, 'deployed'))
    const head = await ops.commit({ 'values/web.yaml': valuesYaml('dispatched') })
    const { run } = await github.actInClone(
      ops,
      head,
      { dispatch: head },
      {
        ...repositoryHandlers({
          origin: ops.origin,
          runs: [{ id: 31, runNumber: 1, headSha: deployed, conclusion: 'success' }]
        }),
        ...writeHandlers({ comments: [], deployments: [] })
      },
      { inputs: { 'dry-run': 'true', plans: planOf(ns) } }
    )
    expect(run.code, run.log).toBe(0)
    expect(resultOf(run, planOf(ns)).notes).toEqual(['+0 ~1 -0 objects'])
    expect(run.summary).toContain('-  message: deployed\n+  message: dispatched')
  }
)

/** A local chart with a hook Job and test Pods, each named anew by every render (as podinfo's tests). */
const HOOKED_CHART = {
  'charts/hooked/Chart.yaml': 'apiVersion: v2\nname: hooked\nversion: 0.1.0\n',
  'charts/hooked/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n',
  'charts/hooked/templates/migrate.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate-{{ randAlphaNum 5 | lower }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox:1
`,
  'charts/hooked/templates/tests.yaml': `{{- range tuple "test" "test-success" }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ $.Release.Name }}-{{ . }}-{{ randAlphaNum 5 | lower }}
  annotations:
    helm.sh/hook: {{ . }}
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: busybox:1
{{- end }}
`
}

for (const [helm, helmBin] of [
  ['Helm 4', bed.helm4],
  ['Helm 3', bed.helm3]
] as const) {
  faultCase(
    `${helm}: a one-line change to a chart whose hooks and tests are named anew by every render`,
    'the preview shows +0 ~1 -0: test hooks (never created by an install or upgrade) are left out, the hook Job is matched by kind and hook, not by its random name',
    async () => {
      const state: WriteState = { comments: [], deployments: [] }
      const { run, ns } = await github.pullRequest(
        'hooked',
        (ns) => ({
          ...HOOKED_CHART,
          'values/web.yaml': 'message: v1\n',
          [planOf(ns)]: planYaml({ chart: './charts/hooked', values: 'values/web.yaml' })
        }),
        () => ({ 'values/web.yaml': 'message: v2\n' }),
        state,
        {},
        { PATH: `${dirname(helmBin)}:${process.env.PATH ?? ''}` }
      )
      expect(run.code, run.log).toBe(0)
      const result = resultOf(run, planOf(ns))
      expect(result, run.log).toMatchObject({ operation: 'render', status: 'planned' })
      expect(result.notes[0]).toBe('+0 ~1 -0 objects')
      expect(result.notes.join('\n')).not.toMatch(/Pod/)
      expect(state.comments[0]?.body).toContain('-  message: v1\n+  message: v2')
    }
  )
}
