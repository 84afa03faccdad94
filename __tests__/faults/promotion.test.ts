// Promotion by pull request on the bed: a version deployed in setup A is proposed to
// setup B as branch gitops/promote/<B> in the bare origin, with one pull request on a
// local GitHub API checked against GitHub's published description. Read back: the
// branch's commits and files in origin, the pull requests the API holds, B's releases.
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { cloneAt, git } from '../support/git-repo.ts'
import {
  pullRequestHandlers,
  repositoryHandlers,
  type FakePullRequest,
  type FakeRun,
  type GitHubApiServer,
  type PullState,
  writeHandlers
} from '../support/github-api-server.ts'
import { act, clusterA, clusterB, faultCase, SETUP_A, SETUP_B, type Trigger } from './action.ts'
import { githubApi } from './github.ts'
import { faultSuite, opsRepo, type Ops } from './ops.ts'
import { expectFailed, expectSucceeded, history, resultOf, stepErrors } from './outcomes.ts'

const suite = faultSuite()
const github = githubApi(suite)

const BRANCH = `gitops/promote/${SETUP_B}`
const PROMOTIONS = `promotions:\n  - from: ${SETUP_A}\n    to: ${SETUP_B}\n`

/** A's plan: the bed chart at `version`, without its Deployment (fast). */
const source = (version: string): string =>
  `chart: bed/hello\nversion: ${version}\nset:\n  deployment.enabled: false\n`

/** B's plan, with comments, quoting and order that a promotion must keep. */
const target = (version: string): string =>
  [
    '# prod: reviewed by the platform team',
    'chart: bed/hello   # from the bed repository',
    `version: "${version}" # bumped by promotion`,
    '',
    'set:',
    '  deployment.enabled: false # no Deployment: fast',
    ''
  ].join('\n')

/** What B's plan is once A's version 0.2.0 is promoted into it: that one value, nothing else. */
const promoted = target('0.1.0').replace('"0.1.0"', '0.2.0')

interface Fixture {
  readonly ns: string
  readonly ops: Ops
  /** The first commit, deployed in both setups. */
  readonly first: string
  readonly plan: (setup: string, release: string) => string
}

/** A fresh ops repository with `files` committed and deployed (no API: nothing to promote yet). */
async function deployed(
  name: string,
  files: (plan: Fixture['plan']) => Record<string, string>
): Promise<Fixture> {
  const ns = suite.ns(name)
  const plan = (setup: string, release: string) => `${setup}/${ns}/${release}.yaml`
  const ops = await opsRepo()
  const first = await ops.commit(files(plan))
  const run = await act(ops.repo.dir, { push: { before: ops.base, after: first } })
  expect(run.code, run.log).toBe(0)
  return { ns, ops, first, plan }
}

/** The two setups with `web` (and `api`) at 0.1.0, and promotions from A to B. */
const twoSetups = (name: string, withFile = true) =>
  deployed(name, (plan) => ({
    ...(withFile ? { '.gitops/promotions.yaml': PROMOTIONS } : {}),
    [plan(SETUP_A, 'web')]: source('0.1.0'),
    [plan(SETUP_A, 'api')]: source('0.1.0'),
    [plan(SETUP_B, 'web')]: target('0.1.0'),
    [plan(SETUP_B, 'api')]: target('0.1.0')
  }))

/** The runs list says these commits were deployed by successful runs, oldest first. */
const successful = (...shas: string[]): FakeRun[] =>
  shas.map((sha, i) => ({ id: 100 + i, runNumber: 1 + i, headSha: sha, conclusion: 'success' }))

/** The case's API: runs and compare from origin, pull requests in `pulls`, a preview's comment. */
async function serve(ops: Ops, pulls: PullState, runs: readonly FakeRun[] = []) {
  return github.serve({
    ...repositoryHandlers({ origin: ops.origin, runs }),
    ...writeHandlers({ comments: [], deployments: [] }),
    ...pullRequestHandlers(pulls)
  })
}

/** The action in a shallow clone of origin at the trigger's commit, as actions/checkout leaves it. */
async function actIn(
  ops: Ops,
  sha: string,
  trigger: Trigger,
  server: GitHubApiServer,
  inputs: Record<string, string> = {}
): Promise<ActionRun> {
  const workspace = await cloneAt(ops.origin, sha)
  return act(workspace, trigger, { inputs, env: { GITHUB_API_URL: server.url } })
}

const tipOf = (ops: Ops): Promise<string | undefined> =>
  git(ops.origin, 'rev-parse', '--verify', '--quiet', `refs/heads/${BRANCH}`).then(
    (sha) => sha || undefined,
    () => undefined
  )

/** The files the branch changes against the commit it was built on. */
const branchChanges = async (ops: Ops, base: string): Promise<string[]> =>
  (await git(ops.origin, 'diff', '--name-only', base, BRANCH)).split('\n').filter(Boolean)

const promotionsOf = (run: ActionRun): unknown => JSON.parse(run.outputs.promotions ?? 'null')

const pullCalls = (server: GitHubApiServer): string[] =>
  server.requests.flatMap((r) => (r.operationId?.startsWith('pulls/') ? [r.operationId] : []))

describe('promotion by pull request', () => {
  faultCase(
    'a version bump deployed in A is proposed to B, then the next promotion updates the same pull request',
    "branch gitops/promote/<B> on the deployed commit changes only B's plan (comments kept byte for byte); one pull request opened, then updated (not a second) with both plans; B's cluster untouched",
    async () => {
      const { ops, first, plan, ns } = await twoSetups('promote')
      const pulls: FakePullRequest[] = []
      const bump = await ops.commit({ [plan(SETUP_A, 'web')]: source('0.2.0') })
      const server = await serve(ops, { pulls }, successful(first))
      const run = await actIn(ops, bump, { push: { before: first, after: bump } }, server)
      expect(run.code, run.log).toBe(0)
      expectSucceeded(run, plan(SETUP_A, 'web'), 'upgrade', 2)
      expect(resultOf(run, plan(SETUP_A, 'web')).notes).toContain(
        `promoted to ${SETUP_B}: pull request #1`
      )
      expect(await git(ops.origin, 'rev-parse', `${BRANCH}^`)).toBe(bump)
      expect(await branchChanges(ops, bump)).toEqual([plan(SETUP_B, 'web')])
      expect(await git(ops.origin, 'show', `${BRANCH}:${plan(SETUP_B, 'web')}`)).toBe(
        promoted.trimEnd()
      )
      expect(await git(ops.origin, 'cat-file', 'blob', `${BRANCH}:${plan(SETUP_B, 'web')}`)).toBe(
        promoted.trimEnd()
      )
      expect(await git(ops.origin, 'log', '-1', '--format=%an', BRANCH)).toBe('github-actions[bot]')
      expect(pulls).toHaveLength(1)
      expect(pulls[0]).toMatchObject({
        number: 1,
        head: BRANCH,
        base: 'main',
        state: 'open',
        title: `Promote ${plan(SETUP_B, 'web').split('/').slice(-2).join('/').replace('.yaml', '')} 0.2.0 to ${SETUP_B}`
      })
      expect(pulls[0]?.body).toContain(
        `| \`${plan(SETUP_B, 'web')}\` | version | \`0.1.0\` | \`0.2.0\` | \`${plan(SETUP_A, 'web')}\` | deployed by this run (revision 2), health not checked |`
      )
      expect(pulls[0]?.body).toContain(`Built on the deployed commit ${bump} by [the run](`)
      expect(run.summary).toContain(
        `| \`${SETUP_B}\` | \`${BRANCH}\` | [#1](https://github.com/octo-org/ops/pull/1) | \`${plan(SETUP_B, 'web')}\` |`
      )
      expect(promotionsOf(run)).toEqual([
        {
          setup: SETUP_B,
          branch: BRANCH,
          number: 1,
          url: 'https://github.com/octo-org/ops/pull/1',
          plans: [
            {
              plan: plan(SETUP_B, 'web'),
              from: plan(SETUP_A, 'web'),
              changes: [{ key: 'version', old: '0.1.0', new: '0.2.0' }]
            }
          ]
        }
      ])

      // The next promotion: the branch is rebuilt on the new deployed commit with both.
      const next = await ops.commit({ [plan(SETUP_A, 'api')]: source('0.2.0') })
      const again = await actIn(ops, next, { push: { before: bump, after: next } }, server)
      expect(again.code, again.log).toBe(0)
      expectSucceeded(again, plan(SETUP_A, 'api'), 'upgrade', 2)
      expect(await git(ops.origin, 'rev-parse', `${BRANCH}^`)).toBe(next)
      expect(await branchChanges(ops, next)).toEqual([plan(SETUP_B, 'api'), plan(SETUP_B, 'web')])
      for (const release of ['api', 'web'])
        expect(await git(ops.origin, 'show', `${BRANCH}:${plan(SETUP_B, release)}`)).toBe(
          promoted.trimEnd()
        )
      expect(pulls).toHaveLength(1)
      expect(pulls[0]?.title).toBe(`Promote 2 plan(s) to ${SETUP_B}`)
      expect(pulls[0]?.body).toContain(`| \`${plan(SETUP_B, 'api')}\` | version |`)
      expect(pulls[0]?.body).toContain(`| \`${plan(SETUP_B, 'web')}\` | version |`)
      expect(pullCalls(server)).toEqual([
        'pulls/list',
        'pulls/create',
        'pulls/list',
        'pulls/update'
      ])
      for (const release of ['api', 'web'])
        expect(await history(clusterB, ns, release)).toEqual(['1:deployed'])
    },
    240_000
  )

  faultCase(
    'a failed deploy, a preview, a dry run and a drift check',
    'none of them promotes anything: no branch, no pull request call, promotions []',
    async () => {
      const { ops, first, plan, ns } = await twoSetups('never')
      const pulls: FakePullRequest[] = []
      const bump = await ops.commit({ [plan(SETUP_A, 'web')]: source('0.2.0') })
      const server = await serve(ops, { pulls }, successful(first))
      const runs: [string, Trigger, Record<string, string>][] = [
        ['preview', { pullRequest: { base: first, head: bump } }, {}],
        ['dry run', { push: { before: first, after: bump } }, { 'dry-run': 'true' }],
        // A drift check that corrects a hand edit upgrades A's release, and still promotes nothing.
        [
          'drift check',
          { raw: { eventName: 'schedule', payload: { schedule: '0 * * * *' }, sha: bump } },
          { drift: 'correct' }
        ]
      ]
      await clusterA.core.patchNamespacedConfigMap(
        { namespace: ns, name: 'web-hello', body: { data: { message: 'edited by hand' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
      )
      for (const [what, trigger, inputs] of runs) {
        const run = await actIn(ops, bump, trigger, server, inputs)
        expect(run.code, `${what}: ${run.log}`).toBe(0)
        expect(promotionsOf(run), what).toEqual([])
      }
      expect(await history(clusterA, ns, 'web')).toEqual(['1:superseded', '2:deployed'])
      const broken = await ops.commit({ [plan(SETUP_A, 'web')]: source('9.9.9') })
      const failed = await actIn(ops, broken, { push: { before: first, after: broken } }, server)
      expectFailed(failed, plan(SETUP_A, 'web'), /9\.9\.9/, { operation: 'upgrade' })
      expect(promotionsOf(failed)).toEqual([])
      expect(pullCalls(server)).toEqual([])
      expect(await tipOf(ops)).toBeUndefined()
      expect(await history(clusterB, ns, 'web')).toEqual(['1:deployed'])
    },
    240_000
  )

  faultCase(
    'the token may not open pull requests (403)',
    'a warning; the branch is pushed, the deploy result stands (exit 0), promotions has number null',
    async () => {
      const { ops, first, plan } = await twoSetups('forbidden')
      const pulls: FakePullRequest[] = []
      const bump = await ops.commit({ [plan(SETUP_A, 'web')]: source('0.2.0') })
      const server = await serve(ops, { pulls, forbidden: true }, successful(first))
      const run = await actIn(ops, bump, { push: { before: first, after: bump } }, server)
      expect(run.code, run.log).toBe(0)
      expectSucceeded(run, plan(SETUP_A, 'web'), 'upgrade', 2)
      expect(run.annotations).toContainEqual(
        expect.objectContaining({
          level: 'warning',
          message: expect.stringMatching(
            new RegExp(
              `^${BRANCH} was pushed, but its pull request could not be opened: opening a pull request from ${BRANCH} failed \\(HTTP 403\\).*pull-requests: write`
            )
          )
        })
      )
      expect(pulls).toEqual([])
      expect(await branchChanges(ops, bump)).toEqual([plan(SETUP_B, 'web')])
      expect(promotionsOf(run)).toMatchObject([
        { setup: SETUP_B, branch: BRANCH, number: null, url: null }
      ])
    }
  )

  faultCase(
    'a pull request a person closed without merging',
    'the next deploy proving the same values opens no new one and pushes nothing (a notice says why); other values open a new one',
    async () => {
      const { ops, first, plan } = await twoSetups('closed')
      const pulls: FakePullRequest[] = []
      const bump = await ops.commit({ [plan(SETUP_A, 'web')]: source('0.2.0') })
      const server = await serve(ops, { pulls }, successful(first))
      const run = await actIn(ops, bump, { push: { before: first, after: bump } }, server)
      expect(pulls).toHaveLength(1)
      const closed = pulls[0] as FakePullRequest
      closed.state = 'closed'
      const tip = await tipOf(ops)
      // A change of A's plan that keeps its version: deployed again, the same values to propose.
      const same = await ops.commit({ [plan(SETUP_A, 'web')]: `# bumped\n${source('0.2.0')}` })
      const again = await actIn(ops, same, { push: { before: bump, after: same } }, server)
      expect(again.code, again.log).toBe(0)
      expect(resultOf(again, plan(SETUP_A, 'web')).status).toMatch(/^(succeeded|unchanged)$/)
      expect(again.annotations).toContainEqual(
        expect.objectContaining({
          level: 'notice',
          message: `Not proposed to ${SETUP_B} again: pull request #1 proposed the same values and was closed without merging.`
        })
      )
      expect(pulls).toHaveLength(1)
      expect(await tipOf(ops)).toBe(tip)
      expect(promotionsOf(again)).toEqual([])
      // Other values are a new proposal: a new pull request.
      const api = await ops.commit({ [plan(SETUP_A, 'api')]: source('0.2.0') })
      const other = await actIn(ops, api, { push: { before: same, after: api } }, server)
      expect(other.code, other.log).toBe(0)
      expect(pulls.map((p) => [p.number, p.state])).toEqual([
        [1, 'closed'],
        [2, 'open']
      ])
      expect(run.code).toBe(0)
    },
    240_000
  )

  faultCase(
    'the target setup has no plan of that release',
    "a note on the source plan's result; nothing is created, no branch, no pull request call",
    async () => {
      const pulls: FakePullRequest[] = []
      const { ops, first, plan, ns } = await deployed('missing', (plan) => ({
        [plan(SETUP_A, 'web')]: source('0.1.0'),
        [plan(SETUP_B, 'other')]: target('0.1.0')
      }))
      const added = await ops.commit({
        '.gitops/promotions.yaml': PROMOTIONS,
        [plan(SETUP_A, 'web')]: source('0.2.0')
      })
      const server = await serve(ops, { pulls }, successful(first))
      const run = await actIn(ops, added, { push: { before: first, after: added } }, server)
      expect(run.code, run.log).toBe(0)
      expect(resultOf(run, plan(SETUP_A, 'web')).notes).toContain(
        `not promoted to ${SETUP_B}: it has no plan for ${ns}/web (a promotion never creates one)`
      )
      expect(pullCalls(server)).toEqual([])
      expect(await tipOf(ops)).toBeUndefined()
      expect(promotionsOf(run)).toEqual([])
    }
  )
})

describe('a push rejected by a concurrent update', () => {
  /**
   * Origin's update hook moves the branch to the next of `others` while a push to it is
   * on its way, as long as there is one: origin refuses that push (its tip is no longer
   * the lease).
   */
  function race(ops: Ops, others: readonly string[]): void {
    const hook = join(ops.origin, 'hooks', 'update')
    writeFileSync(join(ops.origin, 'race-commits'), others.map((c) => `${c}\n`).join(''))
    writeFileSync(
      hook,
      [
        '#!/bin/sh',
        'case "$1" in refs/heads/gitops/promote/*) ;; *) exit 0 ;; esac',
        'n=$(cat "$GIT_DIR/race-count" 2>/dev/null || echo 0)',
        'next=$(sed -n "$((n + 1))p" "$GIT_DIR/race-commits")',
        '[ -n "$next" ] || exit 0',
        'echo $((n + 1)) > "$GIT_DIR/race-count"',
        'env -u GIT_QUARANTINE_PATH git update-ref "$1" "$next"',
        ''
      ].join('\n')
    )
    chmodSync(hook, 0o755)
  }

  /** Another run's promotion on the same commit: B's api at A's api version (0.2.0), with `note`. */
  async function concurrentPromotion(f: Fixture, base: string, note = ''): Promise<string> {
    const { repo } = f.ops
    await repo.git('checkout', '-q', '-B', 'other', base)
    await repo.write({
      [f.plan(SETUP_B, 'api')]: `${target('0.1.0').replace('"0.1.0"', '0.2.0')}${note}`
    })
    const other = await repo.commit('another run promotes api')
    await repo.git('push', '-q', 'origin', `${other}:refs/race/${other}`)
    await repo.git('checkout', '-q', 'main')
    return other
  }

  /** A's api already at 0.2.0 (deployed, before there was a promotions file); then A's web bumped. */
  async function racing(name: string): Promise<{ f: Fixture; bump: string }> {
    const f = await deployed(name, (plan) => ({
      [plan(SETUP_A, 'web')]: source('0.1.0'),
      [plan(SETUP_A, 'api')]: source('0.2.0'),
      [plan(SETUP_B, 'web')]: target('0.1.0'),
      [plan(SETUP_B, 'api')]: target('0.1.0')
    }))
    const bump = await f.ops.commit({
      '.gitops/promotions.yaml': PROMOTIONS,
      [f.plan(SETUP_A, 'web')]: source('0.2.0')
    })
    return { f, bump }
  }

  faultCase(
    'rejected once',
    "retried on the branch the other run pushed: its promotion is kept beside this run's; one pull request",
    async () => {
      const { f, bump } = await racing('race')
      race(f.ops, [await concurrentPromotion(f, bump)])
      const pulls: FakePullRequest[] = []
      // No successful run listed: the api plan is not known to be deployed by this run's evidence.
      const server = await serve(f.ops, { pulls })
      const run = await actIn(f.ops, bump, { push: { before: f.first, after: bump } }, server)
      expect(run.code, run.log).toBe(0)
      expect(
        run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)
      ).not.toContainEqual(expect.stringContaining('Nothing promoted'))
      expect(await git(f.ops.origin, 'rev-parse', `${BRANCH}^`)).toBe(bump)
      expect(await branchChanges(f.ops, bump)).toEqual([
        f.plan(SETUP_B, 'api'),
        f.plan(SETUP_B, 'web')
      ])
      expect(pulls).toHaveLength(1)
      expect(pulls[0]?.body).toMatch(
        new RegExp(
          `\\| \`${f.plan(SETUP_B, 'api')}\` \\| version \\| \`0.1.0\` \\| \`0.2.0\` \\| .* \\| proposed earlier on the branch`
        )
      )
    }
  )

  faultCase(
    'rejected twice',
    'a warning says so; the deploy result stands (exit 0); no pull request; promotions []',
    async () => {
      const { f, bump } = await racing('race2')
      const others = [
        await concurrentPromotion(f, bump),
        await concurrentPromotion(f, bump, '# and again\n')
      ]
      race(f.ops, others)
      const pulls: FakePullRequest[] = []
      const server = await serve(f.ops, { pulls })
      const run = await actIn(f.ops, bump, { push: { before: f.first, after: bump } }, server)
      expect(run.code, run.log).toBe(0)
      expectSucceeded(run, f.plan(SETUP_A, 'web'), 'upgrade', 2)
      expect(run.annotations).toContainEqual(
        expect.objectContaining({
          level: 'warning',
          message: expect.stringMatching(
            `^Nothing promoted to ${SETUP_B}: the push of ${BRANCH} was rejected 2 times, each time after another run had updated it \\(.*\\); the next promotion to ${SETUP_B} tries again\\.$`
          )
        })
      )
      expect(pullCalls(server)).toEqual(['pulls/list'])
      expect(await tipOf(f.ops)).toBe(others[1])
      expect(promotionsOf(run)).toEqual([])
    }
  )
})

describe('a bad .gitops/promotions.yaml', () => {
  const entry = (from: string, to: string, extra = '') =>
    `  - from: ${from}\n    to: ${to}\n${extra}`
  const cases: [string, string, number, string][] = [
    [
      'an unknown key',
      entry(SETUP_A, SETUP_B, '    when: always\n'),
      4,
      "promotion 1: unknown key 'when'; allowed keys: from, to, keys"
    ],
    [
      'a key outside chart, version, set',
      entry(SETUP_A, SETUP_B, '    keys: [version, values]\n'),
      4,
      "promotion 1: 'keys' may hold chart, version, set, not 'values'"
    ],
    [
      'a from naming no setup',
      entry('local/c', SETUP_B),
      2,
      "promotion 1: 'from' 'local/c' is no setup of this repository"
    ],
    [
      'a to naming no setup',
      entry(SETUP_A, `[${SETUP_B}, local/c]`),
      3,
      "promotion 1: 'to' 'local/c' is no setup of this repository"
    ],
    [
      'a setup promoting to itself',
      entry(SETUP_A, SETUP_A),
      3,
      `promotion 1 promotes ${SETUP_A} to itself`
    ],
    [
      'a cycle across entries',
      entry(SETUP_A, SETUP_B) + entry(SETUP_B, SETUP_A),
      4,
      `promoting from ${SETUP_B} to ${SETUP_A} closes a cycle (${SETUP_B} → ${SETUP_A} → ${SETUP_B})`
    ]
  ]
  for (const [name, entries, line, message] of cases)
    faultCase(
      name,
      `the run stops before any cluster: one error naming .gitops/promotions.yaml line ${line}; nothing deployed`,
      async () => {
        const ns = suite.ns('badpromo')
        const ops = await opsRepo()
        const head = await ops.commit({
          '.gitops/promotions.yaml': `promotions:\n${entries}`,
          [`${SETUP_A}/${ns}/web.yaml`]: source('0.1.0'),
          [`${SETUP_B}/${ns}/web.yaml`]: target('0.1.0')
        })
        const run = await ops.push(head)
        expect(run.code).toBe(1)
        expect(stepErrors(run)).toEqual([
          expect.stringMatching(
            new RegExp(`^\\.gitops/promotions\\.yaml line ${line}: ${escape(message)}`)
          )
        ])
        expect(run.results).toEqual([])
        expect(promotionsOf(run)).toEqual([])
        expect(await history(clusterA, ns, 'web')).toEqual([])
        expect(await history(clusterB, ns, 'web')).toEqual([])
      }
    )
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
