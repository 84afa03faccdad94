// What the action writes for people to read (the job summary, the pull request
// comment, drift issues and the `results` output) when the text comes from a fork's
// chart or from a cluster: SOPS plaintext and masked values in a drift report, Secret
// values a word list could find, Markdown in object names, diffs of 100k lines.
// Each case ran against the action before its fix and failed there.
import { createHash } from 'node:crypto'
import * as k8s from '@kubernetes/client-node'
import { afterAll, afterEach, describe, expect } from 'vitest'
import type { ActionRun, ResultJson } from '../support/action-runner.ts'
import { cloneAt, removeTempDirs } from '../support/git-repo.ts'
import {
  issueHandlers,
  repositoryHandlers,
  startGitHubApiServer,
  writeHandlers,
  type FakeIssue,
  type GitHubApiServer,
  type WriteState
} from '../support/github-api-server.ts'
import { encrypt, sopsKit } from '../support/sops.ts'
import {
  act,
  bed,
  clusterA,
  dropNamespaces,
  expectSucceeded,
  faultCase,
  GITHUB_TOKEN,
  namespace,
  opsRepo,
  planYaml,
  resultOf,
  secret,
  SETUP_A,
  valuesYaml,
  type Ops
} from './harness.ts'

const kit = sopsKit()
secret(kit.ageKey)
const namespaces: string[] = []
let server: GitHubApiServer | undefined

afterEach(async () => {
  expect(server?.violations ?? []).toEqual([])
  await server?.close()
  server = undefined
})
afterAll(async () => {
  await dropNamespaces(...namespaces)
  await removeTempDirs()
})

function ns(name: string): string {
  const made = namespace(name)
  namespaces.push(made)
  return made
}

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
const KEYED = /^<secret hmac:[0-9a-f]{12}>$/

/** A merge patch of an object of the release, as someone with kubectl would. */
async function patch(kind: 'ConfigMap' | 'Secret', space: string, name: string, body: object) {
  const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
  if (kind === 'ConfigMap')
    await clusterA.core.patchNamespacedConfigMap({ namespace: space, name, body }, options)
  else await clusterA.core.patchNamespacedSecret({ namespace: space, name, body }, options)
}

/** A drift check of `plan` that also keeps a drift issue, through the local GitHub API. */
async function driftCheck(ops: Ops, sha: string, plan: string, issues: FakeIssue[]) {
  server = await startGitHubApiServer(issueHandlers(issues))
  return act(ops.repo.dir, schedule(sha), {
    inputs: { 'drift-issues': 'true', plans: plan },
    env: { GITHUB_API_URL: server.url }
  })
}

describe('drift reports', () => {
  faultCase(
    'a drift check of a release deployed from SOPS-encrypted values, its value edited by hand',
    'the check (which never decrypts) reports /data/message by keyed digests only (`<secret hmac:…>` both sides); the plaintext is in no log, summary, output or issue',
    async () => {
      const space = ns('sopsdrift')
      const plaintext = secret(`s3cret-drift-${Math.random().toString(36).slice(2)}`)
      const ops = await opsRepo()
      const plan = `${SETUP_A}/${space}/app.yaml`
      const head = await ops.commit({
        'values/secret.yaml': encrypt(kit, 'secret.yaml', valuesYaml(plaintext)),
        [plan]: planYaml({ values: 'values/secret.yaml' })
      })
      const deployed = await act(
        ops.repo.dir,
        { push: { before: ops.base, after: head } },
        {
          inputs: {
            'sops-version': kit.version,
            'sops-download-url': `${bed.helmMirror.replace(/\/$/, '')}/sops-{version}.{os}.{arch}`,
            'sops-age-key': kit.ageKey
          },
          env: { NODE_EXTRA_CA_CERTS: bed.ca }
        }
      )
      expectSucceeded(deployed, plan, 'install', 1)
      await patch('ConfigMap', space, 'app-hello', { data: { message: 'set by hand' } })
      const issues: FakeIssue[] = []
      const run = await driftCheck(ops, head, plan, issues)
      expect(run.code, run.log).toBe(0)
      const fields = fieldsOf(run, plan)
      expect(fields).toEqual([
        {
          path: '/data/message',
          want: expect.stringMatching(KEYED),
          have: expect.stringMatching(KEYED)
        }
      ])
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
      const space = ns('maskdrift')
      const ops = await opsRepo()
      const plan = `${SETUP_A}/${space}/app.yaml`
      const head = await ops.commit({
        'values/app.yaml': valuesYaml('from git'),
        [plan]: planYaml({ values: 'values/app.yaml' })
      })
      expectSucceeded(
        await act(ops.repo.dir, { push: { before: ops.base, after: head } }),
        plan,
        'install',
        1
      )
      await patch('ConfigMap', space, 'app-hello', { data: { message: `token ${GITHUB_TOKEN}` } })
      const issues: FakeIssue[] = []
      const run = await driftCheck(ops, head, plan, issues)
      expect(run.code, run.log).toBe(0)
      expect(fieldsOf(run, plan)).toEqual([
        {
          path: '/data/message',
          want: expect.stringMatching(KEYED),
          have: expect.stringMatching(KEYED)
        }
      ])
      expect(run.summary).not.toContain('***')
      expect(issues[0]?.body).not.toContain('***')
    }
  )

  faultCase(
    "a Secret's short password edited by hand",
    "both values are keyed digests (`<secret hmac:…>`, the preview's own), never a plain SHA-256 prefix a word list could reverse",
    async () => {
      const space = ns('secretdrift')
      const ops = await opsRepo()
      await ops.repo.write({
        'charts/vault/Chart.yaml': 'apiVersion: v2\nname: vault\nversion: 1.0.0\n',
        'charts/vault/templates/secret.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata:\n  name: vault\nstringData:\n  password: {{ .Values.password | quote }}\n'
      })
      const plan = `${SETUP_A}/${space}/vault.yaml`
      const head = await ops.commit({
        'values/vault.yaml': 'password: pw1\n',
        [plan]: 'chart: ./charts/vault\nvalues:\n  - values/vault.yaml\n'
      })
      expectSucceeded(
        await act(ops.repo.dir, { push: { before: ops.base, after: head } }),
        plan,
        'install',
        1
      )
      await patch('Secret', space, 'vault', {
        data: { password: Buffer.from('pw2').toString('base64') }
      })
      const issues: FakeIssue[] = []
      const run = await driftCheck(ops, head, plan, issues)
      expect(run.code, run.log).toBe(0)
      const fields = fieldsOf(run, plan)
      expect(fields).toEqual([
        {
          path: '/data/password',
          want: expect.stringMatching(KEYED),
          have: expect.stringMatching(KEYED)
        }
      ])
      for (const word of ['pw1', 'pw2']) {
        const plain = createHash('sha256').update(word).digest('hex').slice(0, 12)
        for (const text of [run.summary, JSON.stringify(run.outputs), issues[0]?.body ?? ''])
          expect(text).not.toContain(plain)
      }
    }
  )
})

/** A pull request from `before` (committed first, the base) to `after`, against the local API. */
async function pullRequest(
  name: string,
  before: (space: string) => Record<string, string>,
  after: (space: string) => Record<string, string>,
  charts: Record<string, string>
) {
  const space = ns(name)
  const ops = await opsRepo()
  await ops.repo.write(charts)
  const base = await ops.commit(before(space))
  const head = await ops.commit(after(space))
  const state: WriteState = { comments: [], deployments: [] }
  server = await startGitHubApiServer({
    ...repositoryHandlers({ origin: ops.origin }),
    ...writeHandlers(state)
  })
  const workspace = await cloneAt(ops.origin, head)
  const run = await act(
    workspace,
    { pullRequest: { base, head } },
    { env: { GITHUB_API_URL: server.url } }
  )
  return { run, space, comment: state.comments[0]?.body ?? '' }
}

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
      const { run, space, comment } = await pullRequest(
        'mdname',
        () => ({}),
        (space) => ({
          'values/named.yaml': `name: ${JSON.stringify(name)}\n`,
          [`${SETUP_A}/${space}/named.yaml`]:
            'chart: ./charts/named\nvalues:\n  - values/named.yaml\n'
        }),
        NAMED_CHART
      )
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
      const { run, space, comment } = await pullRequest(
        'bigdiff',
        (space) => ({
          'values/big.yaml': 'v: a\n',
          [plan(space)]: 'chart: ./charts/big\nvalues:\n  - values/big.yaml\n'
        }),
        () => ({ 'values/big.yaml': 'v: b\n' }),
        chart
      )
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
