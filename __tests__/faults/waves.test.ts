// Waves on the bed, both clusters (setup A the first wave, setup B the second),
// through the built action: the order and the soak between them timed by the API
// servers themselves (when each release Secret was created), a failed wave that
// leaves the later one untouched, the next push that deploys what was skipped (its
// diff base is the last successful run), a dry run's `waves` output, and every bad
// input refused before any cluster is touched. State is read back from the API servers.
import { describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { repositoryHandlers } from '../support/github-api-server.ts'
import { clusterA, clusterB, faultCase, SETUP_A, SETUP_B } from './action.ts'
import { githubApi } from './github.ts'
import { faultSuite, opsRepo, planYaml, valuesYaml } from './ops.ts'
import { expectFailed, expectSucceeded, history, resultOf, stepErrors } from './outcomes.ts'

const suite = faultSuite()
const github = githubApi(suite)

/** Setup A first, then setup B. */
const WAVES = `${SETUP_A}\n${SETUP_B}`
const SOAK_SECONDS = 6

/** When the API server created a release's first revision, in whole seconds. */
async function createdAt(cluster: typeof clusterA, ns: string): Promise<number> {
  const [first] = await cluster.releaseSecrets(ns, 'app')
  const at = first?.metadata?.creationTimestamp
  if (!at) throw new Error(`no release app in namespace ${ns}`)
  return new Date(at).getTime() / 1000
}

const wavesOutput = (run: ActionRun): unknown => JSON.parse(run.outputs.waves ?? 'null')

describe('waves', () => {
  faultCase(
    'two waves with a soak',
    'A deployed, then (after the soak, as the API servers saw it) B; results wave 1 and 2; output waves [[A], [B]]',
    async () => {
      const change = await suite.plans('waves', [SETUP_A, SETUP_B])
      const run = await change.push({
        inputs: { waves: WAVES, 'wave-soak': `${SOAK_SECONDS}s` }
      })
      expect(run.code, run.log).toBe(0)
      const a = expectSucceeded(run, change.planIn(SETUP_A), 'install', 1)
      const b = expectSucceeded(run, change.planIn(SETUP_B), 'install', 1)
      expect([a.wave, b.wave]).toEqual([1, 2])
      expect(wavesOutput(run)).toEqual([[SETUP_A], [SETUP_B]])
      // creationTimestamp has whole seconds: B came at least the soak (less a second) after A.
      const gap = (await createdAt(clusterB, change.ns)) - (await createdAt(clusterA, change.ns))
      expect(gap).toBeGreaterThanOrEqual(SOAK_SECONDS - 1)
    }
  )

  faultCase(
    'a failed wave, then the next push',
    "A's post-install hook fails: B is skipped (operation null, a note naming wave 1 and A's plan) and has no release; the next push (diff base: the last successful run) deploys both",
    async () => {
      const space = suite.ns('wavefail')
      const ops = await opsRepo()
      const planA = `${SETUP_A}/${space}/app.yaml`
      const planB = `${SETUP_B}/${space}/app.yaml`
      const files = (hook: string): Record<string, string> => ({
        'values/app.yaml': valuesYaml('waves'),
        'hooks/announce.sh': hook,
        [planA]: planYaml({
          values: 'values/app.yaml',
          hooks: { 'post-install': ['hooks/announce.sh'] }
        }),
        [planB]: planYaml({ values: 'values/app.yaml' })
      })
      const broken = await ops.commit(files('echo "announcement service down" >&2\nexit 1\n'))
      const failed = await ops.push(broken, { inputs: { waves: WAVES } })
      expectFailed(failed, planA, /post-install/, { operation: 'install' })
      const skipped = resultOf(failed, planB)
      expect(skipped).toMatchObject({ status: 'skipped', operation: null, wave: 2, error: null })
      expect(skipped.notes).toEqual([
        `not run: wave 1 failed (setup ${SETUP_A}: ${planA} failed); the next run deploys it`
      ])
      expect(await history(clusterB, space, 'app')).toEqual([])
      expect(await clusterB.namespace(space)).toBeUndefined()

      const fixed = await ops.commit(files('echo announced\n'))
      const { run: next } = await github.actInClone(
        ops,
        fixed,
        { push: { before: broken, after: fixed } },
        repositoryHandlers({
          origin: ops.origin,
          runs: [
            { id: 51, runNumber: 5, headSha: ops.base, conclusion: 'success' },
            { id: 52, runNumber: 6, headSha: broken, conclusion: 'failure' }
          ]
        }),
        { inputs: { waves: WAVES } }
      )
      expect(next.code, next.log).toBe(0)
      expect(next.log).toContain('head of the last successful run 51')
      expect(resultOf(next, planA)).toMatchObject({ status: 'succeeded', wave: 1 })
      expectSucceeded(next, planB, 'install', 1)
      expect(await history(clusterB, space, 'app')).toEqual(['1:deployed'])
    }
  )

  faultCase(
    'a dry run',
    'the waves output as a deploy would have it, every plan planned with its wave, nothing applied',
    async () => {
      const change = await suite.plans('wavedry', [SETUP_A, SETUP_B])
      const run = await change.push({ inputs: { waves: `${SETUP_B}`, 'dry-run': 'true' } })
      expect(run.code, run.log).toBe(0)
      expect(wavesOutput(run)).toEqual([[SETUP_B], [SETUP_A]])
      expect(run.results.map((r) => [r.setup, r.status, r.wave])).toEqual([
        [SETUP_A, 'planned', 2],
        [SETUP_B, 'planned', 1]
      ])
      expect(await history(clusterA, change.ns, 'app')).toEqual([])
      expect(await history(clusterB, change.ns, 'app')).toEqual([])
    }
  )
})

const SOAK_RULE =
  'must be a Go duration such as 0s, 90s, 10m or 1h30m, at most 2h (a job on a GitHub-hosted runner ends after 6h; soak longer between jobs of a workflow instead)'

describe('waves: bad input stops the run before any cluster is touched', () => {
  const cases: [string, Record<string, string>, string][] = [
    [
      'an empty line between waves',
      { waves: `${SETUP_A}\n\n${SETUP_B}` },
      "input 'waves' line 2 is empty: each line is a wave of comma-separated setup globs; remove the empty line or name the setups of that wave."
    ],
    [
      'a line that matches no setup',
      { waves: `${SETUP_A}\nlocal/nowhere-*` },
      `input 'waves' line 2 (local/nowhere-*) matches no setup of the repository (its setups are ${[SETUP_A, SETUP_B].sort().join(', ')}); correct the glob or remove the line. Nothing was deployed.`
    ],
    [
      'a soak that is no duration',
      { 'wave-soak': '10' },
      `input 'wave-soak' ${SOAK_RULE} (got '10').`
    ],
    ['a soak above the bound', { 'wave-soak': '3h' }, `input 'wave-soak' ${SOAK_RULE} (got '3h').`]
  ]
  for (const [name, inputs, error] of cases) {
    faultCase(
      name,
      `one step error naming the input: ${error}; no result, no release in either cluster`,
      async () => {
        const change = await suite.plans('wavebad', [SETUP_A, SETUP_B])
        const run = await change.push({ inputs: { waves: WAVES, ...inputs } })
        expect(run.code).toBe(1)
        expect(stepErrors(run)).toEqual([error])
        expect(run.results).toEqual([])
        expect(run.outputs).toMatchObject({ failed: '1', waves: '[]' })
        expect(await history(clusterA, change.ns, 'app')).toEqual([])
        expect(await history(clusterB, change.ns, 'app')).toEqual([])
      }
    )
  }
})
