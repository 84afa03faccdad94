// Bad `health` options on the bed, through the built action: in a plan file, each
// broken plan fails alone with the line of its problem (a CEL expression that does
// not compile: the compiler's message and the expression's line) and nothing of it
// reaches the cluster, while a plan with good health options deploys; in
// `.gitops/defaults.yaml`, the run stops with one error naming the file and line and
// nothing is applied. State is read back from the API server.
import { describe, expect } from 'vitest'
import { clusterA, faultCase, SETUP_A } from './action.ts'
import { faultSuite, opsRepo, planYaml } from './ops.ts'
import { expectFailed, expectSucceeded, resultOf, stepErrors } from './outcomes.ts'

const { ns } = faultSuite()

/** The sample chart without its Deployment (a ConfigMap only): fast, and current at once. */
const quiet = (health: string): string =>
  `${planYaml()}set:\n  deployment.enabled: false\nhealth:\n${health}`

/** A health expression for the `Widget` kind, with `field: text` lines of its own. */
const widget = (...fields: string[]): string =>
  ['  exprs:', '    - apiVersion: example.com/v1', '      kind: Widget', ...fields, ''].join('\n')

describe('health options', () => {
  faultCase(
    'bad health options in plan files',
    'each plan fails with the line of its problem; nothing of them reaches the cluster; the plan with good health options deploys',
    async () => {
      const space = ns('badhealth')
      const p = (name: string): string => `${SETUP_A}/${space}/${name}.yaml`
      const ops = await opsRepo()
      // The chart's lines (planYaml, set) come first: `health:` is on line 4.
      const head = await ops.commit({
        [p('good')]: quiet(
          `${widget(
            '      current: |',
            '        status.conditions.exists(c, c.type == "Ready" && c.status == "True")',
            '      failed: has(status.phase) && status.phase == "Failed"'
          )}  ignore: [Service/edge-lb]\n`
        ),
        [p('unknown')]: quiet('  enable: true\n  retries: 3\n'),
        [p('syntax')]: quiet(widget('      current: status.ready ==')),
        [p('function')]: quiet(
          widget(
            '      current: "true"',
            '      inProgress: |',
            '        has(status.pending) &&',
            '          status.pending.exist(p, p)'
          )
        ),
        [p('nocurrent')]: quiet(widget('      failed: status.failed')),
        [p('ignore')]: quiet('  ignore: [Service]\n')
      })
      const run = await ops.push(head)
      expectSucceeded(run, p('good'), 'install', 1)
      expect(resultOf(run, p('good')).error).toBeNull()
      const cases: [string, number, string][] = [
        [
          'unknown',
          6,
          "line 6: unknown key 'retries' in 'health'; allowed keys: enable, exprs, ignore"
        ],
        [
          'syntax',
          8,
          "line 8: 'health' 'exprs' item 1 'current' does not compile: found = but expecting end of input (column 14)"
        ],
        [
          'function',
          11,
          "line 11: 'health' 'exprs' item 1 'inProgress' does not compile: unknown function 'exist'"
        ],
        [
          'nocurrent',
          6,
          "line 6: 'health' 'exprs' item 1 has no 'current': the CEL expression that is true once the object is healthy"
        ],
        [
          'ignore',
          5,
          "line 5: 'health' 'ignore' item 1 must be Kind/name, such as Service/edge-lb, not 'Service'"
        ]
      ]
      for (const [name, line, error] of cases) {
        expectFailed(run, p(name), `${p(name)}: ${error}`, { line, operation: null })
        expect(await clusterA.releaseSecrets(space, name)).toEqual([])
      }
    }
  )

  faultCase(
    'a health expression in .gitops/defaults.yaml that does not compile',
    'the run stops with one error naming the file and the line of the expression; no plan is applied',
    async () => {
      const space = ns('defhealth')
      const ops = await opsRepo()
      const head = await ops.commit({
        '.gitops/defaults.yaml': [
          'all:',
          '  health:',
          '    exprs:',
          '      - apiVersion: example.com/v1',
          '        kind: Widget',
          '        current: status.ready &&',
          ''
        ].join('\n'),
        [`${SETUP_A}/${space}/app.yaml`]: quiet('  enable: true\n')
      })
      const run = await ops.push(head)
      expect(run.code).toBe(1)
      expect(stepErrors(run)).toEqual([
        expect.stringContaining(
          ".gitops/defaults.yaml line 6: all: 'health' 'exprs' item 1 'current' does not compile: found & but expecting end of input (column 14)"
        )
      ])
      expect(run.results).toEqual([])
      expect(await clusterA.releaseSecrets(space, 'app')).toEqual([])
    }
  )
})
