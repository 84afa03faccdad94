// Events the action must refuse or treat with care: unsupported ones, tag pushes,
// branch deletions, missing or unreadable payloads, a zero `before`, and a base
// commit that neither the shallow clone nor its remote has.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { example, ZERO } from '../support/events.ts'
import { cloneAt, tempDir } from '../support/git-repo.ts'
import { act, clusterA, faultCase } from './action.ts'
import { faultSuite, opsRepo, planYaml, type Ops } from './ops.ts'
import { expectSucceeded, history, stepErrors } from './outcomes.ts'

const suite = faultSuite()

interface TwoPlans {
  readonly ops: Ops
  readonly head: string
  readonly ns: string
  readonly planA: string
  readonly planB: string
}

/** A repository with two plans in one namespace of its own. */
async function twoPlans(): Promise<TwoPlans> {
  const ns = suite.ns('events')
  const ops = await opsRepo()
  const planA = `local/a/${ns}/app.yaml`
  const planB = `local/a/${ns}/other.yaml`
  const head = await ops.commit({ [planA]: planYaml(), [planB]: planYaml() })
  return { ops, head, ns, planA, planB }
}

/** Both plans of `c` installed by `run`. */
function expectBothInstalled(run: ActionRun, c: TwoPlans): void {
  for (const plan of [c.planA, c.planB]) expectSucceeded(run, plan, 'install', 1)
}

let shared: TwoPlans
let ops: Ops
let head: string

beforeAll(async () => {
  shared = await twoPlans()
  ;({ ops, head } = shared)
})

const notices = (run: ActionRun): string[] =>
  run.annotations.filter((a) => a.level === 'notice').map((a) => a.message)
const warnings = (run: ActionRun): string[] =>
  run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)

/** Nothing reached the cluster for the repository's plans. */
async function untouched(): Promise<void> {
  expect(await history(clusterA, shared.ns, 'app')).toEqual([])
  expect(await history(clusterA, shared.ns, 'other')).toEqual([])
}

/** A step error before anything ran: exit 1, that one error, no results. */
async function refused(run: ActionRun, error: string | RegExp): Promise<void> {
  expect(run.code).toBe(1)
  const errors = stepErrors(run)
  expect(errors).toHaveLength(1)
  if (typeof error === 'string') expect(errors[0]).toBe(error)
  else expect(errors[0]).toMatch(error)
  expect(run.results).toEqual([])
  await untouched()
}

/** Nothing to do: exit 0, one notice saying why, empty outputs. */
async function nothing(run: ActionRun, notice: string): Promise<void> {
  expect(run.code).toBe(0)
  expect(notices(run)).toEqual([notice])
  expect(stepErrors(run)).toEqual([])
  expect(run.outputs).toMatchObject({ results: '[]', setups: '[]', failed: '0' })
  await untouched()
}

describe('events', () => {
  faultCase(
    'an unsupported event (issues)',
    'step error naming the supported events; exit 1; nothing deployed',
    async () => {
      const run = await act(ops.repo.dir, {
        raw: { eventName: 'issues', payload: example('issues'), sha: head }
      })
      await refused(
        run,
        "The event 'issues' is not supported (supported events: push, pull_request, workflow_dispatch, schedule); add one of them to the workflow's 'on:'."
      )
    }
  )

  faultCase(
    'a tag push',
    'one notice "Nothing to deploy: refs/tags/v1 is a tag push; plans deploy from branches"; exit 0; nothing deployed',
    async () => {
      const run = await act(ops.repo.dir, {
        push: { before: ZERO, after: head, ref: 'refs/tags/v1' }
      })
      await nothing(
        run,
        'Nothing to deploy: refs/tags/v1 is a tag push; plans deploy from branches'
      )
    }
  )

  faultCase(
    'a branch deletion',
    'one notice "Nothing to deploy: refs/heads/feature was deleted"; exit 0; nothing uninstalled or deployed',
    async () => {
      const run = await act(ops.repo.dir, {
        push: { before: head, after: ZERO, ref: 'refs/heads/feature' }
      })
      await nothing(run, 'Nothing to deploy: refs/heads/feature was deleted')
    }
  )

  faultCase(
    'a missing event file',
    'step error "Cannot read the event payload <path>: ENOENT ..."; nothing deployed',
    async () => {
      const path = '/nonexistent/gitops/event.json'
      const run = await ops.push(head, { env: { GITHUB_EVENT_PATH: path } })
      await refused(
        run,
        `Cannot read the event payload ${path}: ENOENT: no such file or directory, open '${path}' (the runner writes it for each run; supported events: push, pull_request, workflow_dispatch, schedule).`
      )
    }
  )

  faultCase(
    'an unreadable event file (a folder)',
    'step error "Cannot read the event payload <path>: EISDIR ..."; nothing deployed',
    async () => {
      const dir = join(await tempDir('faults-event-'), 'event.json')
      mkdirSync(dir)
      const run = await ops.push(head, { env: { GITHUB_EVENT_PATH: dir } })
      await refused(
        run,
        `Cannot read the event payload ${dir}: EISDIR: illegal operation on a directory, read (the runner writes it for each run; supported events: push, pull_request, workflow_dispatch, schedule).`
      )
    }
  )

  faultCase(
    'an event file that is not JSON',
    'step error "The event payload <path> is not valid JSON: ..."; nothing deployed',
    async () => {
      const file = join(await tempDir('faults-event-'), 'event.json')
      writeFileSync(file, '{"ref": "refs/heads/main", ')
      const run = await ops.push(head, { env: { GITHUB_EVENT_PATH: file } })
      await refused(run, new RegExp(`^The event payload ${file} is not valid JSON: .+\\.$`))
    }
  )

  faultCase(
    'a zero before (a new branch)',
    'every plan at after is installed; the log says the branch was created',
    async () => {
      const c = await twoPlans()
      const run = await act(c.ops.repo.dir, { push: { before: ZERO, after: c.head } })
      expect(run.log).toContain(`Every plan at ${c.head}: branch main was created.`)
      expectBothInstalled(run, c)
    }
  )

  faultCase(
    'a force push whose base is in neither the shallow clone nor the remote',
    'step error "Could not tell which paths changed ... Re-run ..., or run the workflow with workflow_dispatch for a full re-sync", nothing deployed; that workflow_dispatch then installs every plan',
    async () => {
      const c = await twoPlans()
      const workspace = await cloneAt(c.ops.origin, c.head, 1)
      const lost = 'dead'.repeat(10)
      const run = await act(workspace, { push: { before: lost, after: c.head, forced: true } })
      expect(run.code).toBe(1)
      expect(run.results).toEqual([])
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
      expect(stepErrors(run)).toHaveLength(1)
      expect(stepErrors(run)[0]).toMatch(
        new RegExp(
          `^Could not tell which paths changed up to ${c.head}: git \\(base ${lost.slice(0, 12)}\\): commit ${lost} is not in the checkout and could not be fetched from origin: [^;]+; ` +
            `compare-api \\(base ${lost.slice(0, 12)}\\): [^;]+; payload \\(base ${lost.slice(0, 12)}\\): a force push payload does not list what the old head had\\. ` +
            'Re-run the job, or run the workflow with workflow_dispatch for a full re-sync\\.$'
        )
      )
      const resync = await act(workspace, { dispatch: c.head })
      expectBothInstalled(resync, c)
    }
  )

  faultCase(
    'a push whose base is in neither the shallow clone nor the remote',
    "falls back to the payload's commits with a warning that they may be capped: deploys exactly the plan they list, not a silent partial deploy",
    async () => {
      const c = await twoPlans()
      const workspace = await cloneAt(c.ops.origin, c.head, 1)
      const lost = 'beef'.repeat(10)
      const run = await act(workspace, {
        push: { before: lost, after: c.head, commits: [{ id: c.head, added: [c.planA] }] }
      })
      expect(run.code).toBe(0)
      expect(warnings(run)).toContain(
        'Changed paths come from the push payload, which GitHub may cap: a plan may be missed. Give the job a checkout with git or a token that can read the repository.'
      )
      expect(run.results.map((r) => r.plan)).toEqual([c.planA])
      expectSucceeded(run, c.planA, 'install', 1)
      expect(await history(clusterA, c.ns, 'other')).toEqual([])
    }
  )
})
