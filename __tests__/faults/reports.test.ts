// What the action writes for people to read (the job summary, the pull request
// comment, drift issues and the `results` output) when the text comes from a fork's
// chart or from a cluster: SOPS plaintext and masked values in a drift report, Secret
// values a word list could find, Markdown in object names, diffs of 100k lines.
// Each case ran against the action before its fix and failed there.
import { createHash } from 'node:crypto'
import * as k8s from '@kubernetes/client-node'
import { describe, expect } from 'vitest'
import type { ActionRun, ResultJson } from '../support/action-runner.ts'
import { issueHandlers, type FakeIssue, type WriteState } from '../support/github-api-server.ts'
import { encrypt, sopsKit } from '../support/sops.ts'
import { githubApi } from './github.ts'
import {
  act,
  bed,
  clusterA,
  expectSucceeded,
  faultCase,
  faultSuite,
  GITHUB_TOKEN,
  planYaml,
  resultOf,
  secret,
  SETUP_A,
  valuesYaml,
  type OnePlan
} from './harness.ts'

const kit = sopsKit()
secret(kit.ageKey)
const suite = faultSuite()
const github = githubApi(suite)

interface FieldJson {
  path: string
  want?: string
  have?: string
}
const fieldsOf = (run: ActionRun, plan: string): FieldJson[] =>
  (
    resultOf(run, plan) as ResultJson & {
      drift: { objects: Array<{ fields: FieldJson[] }> }
    }
  ).drift.objects.flatMap((o) => o.fields)

const schedule = (sha: string) => ({
  raw: { eventName: 'schedule', payload: { schedule: '*/30 * * * *' }, sha }
})

/** The run's drift of `plan` is the one field `path`, both sides keyed digests. */
function expectKeyedDrift(run: ActionRun, plan: string, path: string): void {
  const keyed = expect.stringMatching(/^<secret hmac:[0-9a-f]{12}>$/)
  expect(fieldsOf(run, plan)).toEqual([{ path, want: keyed, have: keyed }])
}

/** A merge patch of an object of the release, as someone with kubectl would. */
async function patch(kind: 'ConfigMap' | 'Secret', space: string, name: string, body: object) {
  const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
  if (kind === 'ConfigMap')
    await clusterA.core.patchNamespacedConfigMap({ namespace: space, name, body }, options)
  else await clusterA.core.patchNamespacedSecret({ namespace: space, name, body }, options)
}

/** A drift check of `plan` that also keeps a drift issue, through the local GitHub API. */
async function driftCheck({ ops, head, plan }: OnePlan, issues: FakeIssue[]) {
  const server = await github.serve(issueHandlers(issues))
  return act(ops.repo.dir, schedule(head), {
    inputs: { 'drift-issues': 'true', plans: plan },
    env: { GITHUB_API_URL: server.url }
  })
}

const VAULT_CHART = {
  'charts/vault/Chart.yaml': 'apiVersion: v2\nname: vault\nversion: 1.0.0\n',
  'charts/vault/templates/secret.yaml':
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: vault\nstringData:\n  password: {{ .Values.password | quote }}\n'
}

describe('drift reports', () => {
  faultCase(
    'a drift check of a release deployed from SOPS-encrypted values, its value edited by hand',
    'the check (which never decrypts) reports /data/message by keyed digests only (`<secret hmac:…>` both sides); the plaintext is in no log, summary, output or issue',
    async () => {
      const plaintext = secret(`s3cret-drift-${Math.random().toString(36).slice(2)}`)
      const change = await suite.onePlan('sopsdrift', (_, plan) => ({
        'values/secret.yaml': encrypt(kit, 'secret.yaml', valuesYaml(plaintext)),
        [plan]: planYaml({ values: 'values/secret.yaml' })
      }))
      const { ns: space, plan } = change
      const deployed = await change.push({
        inputs: {
          'sops-version': kit.version,
          'sops-download-url': `${bed.helmMirror.replace(/\/$/, '')}/sops-{version}.{os}.{arch}`,
          'sops-age-key': kit.ageKey
        },
        env: { NODE_EXTRA_CA_CERTS: bed.ca }
      })
      expectSucceeded(deployed, plan, 'install', 1)
      await patch('ConfigMap', space, 'app-hello', { data: { message: 'set by hand' } })
      const issues: FakeIssue[] = []
      const run = await driftCheck(change, issues)
      expect(run.code, run.log).toBe(0)
      expectKeyedDrift(run, plan, '/data/message')
      expect(issues).toHaveLength(1)
      expect(issues[0]?.body).toContain('/data/message')
      expect(issues[0]?.body).not.toContain(plaintext)
      expect(run.summary).not.toContain('set by hand')
    }
  )

  faultCase(
    'a field edited by hand to hold a value the action masks (its GitHub token)',
    'the field is reported by keyed digest, never as masked plaintext with `***`',
    async () => {
      const change = await suite.onePlan('maskdrift')
      const { ns: space, plan } = change
      expectSucceeded(await change.push(), plan, 'install', 1)
      await patch('ConfigMap', space, 'app-hello', { data: { message: `token ${GITHUB_TOKEN}` } })
      const issues: FakeIssue[] = []
      const run = await driftCheck(change, issues)
      expect(run.code, run.log).toBe(0)
      expectKeyedDrift(run, plan, '/data/message')
      expect(run.summary).not.toContain('***')
      expect(issues[0]?.body).not.toContain('***')
    }
  )

  faultCase(
    "a Secret's short password edited by hand",
    "both values are keyed digests (`<secret hmac:…>`, the preview's own), never a plain SHA-256 prefix a word list could reverse",
    async () => {
      const change = await suite.onePlan('secretdrift', (_, plan) => ({
        ...VAULT_CHART,
        'values/vault.yaml': 'password: pw1\n',
        [plan]: 'chart: ./charts/vault\nvalues:\n  - values/vault.yaml\n'
      }))
      const { ns: space, plan } = change
      expectSucceeded(await change.push(), plan, 'install', 1)
      await patch('Secret', space, 'vault', {
        data: { password: Buffer.from('pw2').toString('base64') }
      })
      const issues: FakeIssue[] = []
      const run = await driftCheck(change, issues)
      expect(run.code, run.log).toBe(0)
      expectKeyedDrift(run, plan, '/data/password')
      for (const word of ['pw1', 'pw2']) {
        const plain = createHash('sha256').update(word).digest('hex').slice(0, 12)
        for (const text of [run.summary, JSON.stringify(run.outputs), issues[0]?.body ?? ''])
          expect(text).not.toContain(plain)
      }
    }
  )
})

/** The lines of Markdown that are not inside a fenced code block (where nothing renders). */
function outsideFences(markdown: string): string[] {
  const out: string[] = []
  let fence: string | undefined
  for (const line of markdown.split('\n')) {
    const run = /^(`{3,})/.exec(line)?.[1]
    if (fence === undefined && run) fence = run
    else if (fence !== undefined && run && run.length >= fence.length && line.trim() === run)
      fence = undefined
    else if (fence === undefined) out.push(line)
  }
  return out
}

const NAMED_CHART = {
  'charts/named/Chart.yaml': 'apiVersion: v2\nname: named\nversion: 1.0.0\n',
  'charts/named/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | quote }}\ndata:\n  a: "1"\n'
}

describe('preview text', () => {
  faultCase(
    "a fork's chart renders an object name with line breaks, a heading, an image, a mention and HTML",
    'the summary and the comment show the name as one inert code span on one line (`\\n` shown as text): no heading, image, mention or HTML comes out of it',
    async () => {
      const name =
        'x\n# Injected heading\n![pixel](https://example.invalid/p.png) @octocat <img src=x>\n```\n'
      const state: WriteState = { comments: [], deployments: [] }
      const { run, ns: space } = await github.pullRequest(
        'mdname',
        () => ({}),
        (space) => ({
          'values/named.yaml': `name: ${JSON.stringify(name)}\n`,
          [`${SETUP_A}/${space}/named.yaml`]:
            'chart: ./charts/named\nvalues:\n  - values/named.yaml\n'
        }),
        state,
        NAMED_CHART
      )
      const comment = state.comments[0]?.body ?? ''
      expect(run.code, run.log).toBe(0)
      expect(resultOf(run, `${SETUP_A}/${space}/named.yaml`).status).toBe('planned')
      for (const [where, text] of [
        ['summary', run.summary],
        ['comment', comment]
      ] as const) {
        const lines = outsideFences(text)
        expect(
          lines.filter((l) => /Injected heading/.test(l)),
          where
        ).not.toEqual([])
        for (const line of lines.filter((l) => /Injected heading|octocat|<img/.test(l))) {
          // Inside one code span (Markdown) or one <code> element (a <summary>), on the line of its key.
          expect(line, where).toMatch(
            /x\\n# Injected heading\\n!\[pixel\]\(https:\/\/example\.invalid\/p\.png\) @octocat (<img src=x>|&lt;img src=x&gt;)\\n```\\n/
          )
          expect(line, where).toMatch(
            /(`+) ?[^`]*x\\n# Injected[^]*\1|<code>[^<]*x\\n# Injected[^<]*<\/code>/
          )
        }
      }
    }
  )

  faultCase(
    'a chart renders a ConfigMap of 100k lines, every line changed, and a 5 MB value',
    'the preview finishes; the diff is cut per object: "diff of v1 ConfigMap … truncated: N lines not shown" in the notes, the log and the summary; no diff line longer than about 1000 characters',
    async () => {
      const chart = {
        'charts/big/Chart.yaml': 'apiVersion: v2\nname: big\nversion: 1.0.0\n',
        'charts/big/templates/cm.yaml': [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: big',
          'data:',
          '  blob: {{ repeat 5000000 .Values.v | quote }}',
          '{{- range $i := until 100000 }}',
          '  k{{ $i }}: {{ $.Values.v | quote }}',
          '{{- end }}',
          ''
        ].join('\n')
      }
      const plan = (space: string) => `${SETUP_A}/${space}/big.yaml`
      const started = Date.now()
      const state: WriteState = { comments: [], deployments: [] }
      const { run, ns: space } = await github.pullRequest(
        'bigdiff',
        (space) => ({
          'values/big.yaml': 'v: a\n',
          [plan(space)]: 'chart: ./charts/big\nvalues:\n  - values/big.yaml\n'
        }),
        () => ({ 'values/big.yaml': 'v: b\n' }),
        state,
        chart
      )
      const comment = state.comments[0]?.body ?? ''
      expect(run.code, run.log).toBe(0)
      expect(Date.now() - started).toBeLessThan(120_000)
      const note = new RegExp(`diff of v1 ConfigMap ${space}/big truncated: \\d+ lines not shown`)
      expect(resultOf(run, plan(space)).notes).toContainEqual(expect.stringMatching(note))
      expect(run.log).toMatch(note)
      expect(run.summary).toMatch(/truncated: \d+ lines not shown/)
      expect(comment).toMatch(/truncated: \d+ lines not shown/)
      const longest = Math.max(...run.summary.split('\n').map((l) => l.length))
      expect(longest).toBeLessThan(2_000)
    },
    240_000
  )
})
