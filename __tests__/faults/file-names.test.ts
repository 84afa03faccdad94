// Nasty file names: spaces, quotes, $(...), backticks, semicolons, newlines and
// non-ASCII characters in plan, values and hook paths. Nothing but a hook script
// runs through a shell, so the commands they spell never run: the canary file they
// would create never appears.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { act, clusterA, faultCase } from './action.ts'
import { faultSuite, opsRepo, planYaml, valuesYaml } from './ops.ts'
import { expectFailed, expectSucceeded, expectUnchanged, history, message } from './outcomes.ts'

const ns = faultSuite().ns('names')
const CANARY = 'INJECTED'
const inject = `$(touch ${CANARY}) \`touch ${CANARY}\`; touch ${CANARY} #`
const valuesPath = `values/it's a "${inject}", ü.yaml`
const newlineValues = 'values/new\nline.yaml'
const hookPath = `hooks/${inject} 'q' ü.sh`
const LABEL = "lowercase letters, digits and '-', starting and ending with a letter or digit"

const injectingNames = [
  `$(touch ${CANARY}).yaml`,
  `a;touch ${CANARY}.yaml`,
  `\`touch ${CANARY}\`.yaml`
]
const oddNames = ['with space.yaml', `it's "quoted".yaml`, 'new\nline.yaml', 'ünïcödé.yaml']
const badNamespace = `$(touch ${CANARY})`

let workspace: string
let first: ActionRun
let again: ActionRun

beforeAll(async () => {
  const ops = await opsRepo()
  workspace = ops.repo.dir
  const files: Record<string, string> = {
    [valuesPath]: valuesYaml('odd names are data'),
    [newlineValues]: valuesYaml('never read'),
    [`local/a/${ns}/newline-values.yaml`]: planYaml({ values: newlineValues }),
    [hookPath]: 'echo "$GITOPS_RELEASE" >> hook-ran.txt\n',
    [`local/a/${ns}/names.yaml`]: planYaml({
      values: valuesPath,
      hooks: { 'pre-install': [hookPath] }
    }),
    [`local/a/${badNamespace}/demo.yaml`]: planYaml()
  }
  for (const name of [...injectingNames, ...oddNames]) files[`local/a/${ns}/${name}`] = planYaml()
  const head = await ops.commit(files)
  const trigger = { push: { before: ops.base, after: head } }
  first = await act(workspace, trigger)
  again = await act(workspace, trigger)
}, 180_000)

/** No file named like the canary anywhere in the checkout, nor where the tests run. */
function expectNoCanary(): void {
  const found = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some(
      (e) => e.name === CANARY || (e.isDirectory() && e.name !== '.git' && found(join(dir, e.name)))
    )
  expect(found(workspace)).toBe(false)
  expect(existsSync(join(process.cwd(), CANARY))).toBe(false)
}

function invalidRelease(run: ActionRun, name: string): void {
  const plan = `local/a/${ns}/${name}`
  const release = name.replace(/\.yaml$/, '')
  expectFailed(
    run,
    plan,
    `${plan}: release name '${release}' (the file name without extension) must be a DNS-1123 label: ${LABEL}, at most 53 characters`
  )
}

describe('file names', () => {
  faultCase(
    'values and hook paths holding $(...), backticks, ;, quotes, a comma, ü',
    'installs with that values file; the hook (run by path, as an argument) runs once; no canary',
    async () => {
      expectSucceeded(first, `local/a/${ns}/names.yaml`, 'install', 1)
      expect(await message(clusterA, ns, 'names')).toBe('odd names are data')
      expect(readFileSync(join(workspace, 'hook-ran.txt'), 'utf8')).toBe('names\n')
      expectNoCanary()
    }
  )

  faultCase(
    'a values path holding a newline',
    'error at its line: helm cannot read such a path (it parses it as a URL), rename the file',
    async () => {
      for (const run of [first, again]) {
        expectFailed(
          run,
          `local/a/${ns}/newline-values.yaml`,
          `local/a/${ns}/newline-values.yaml: line 3: values file '${newlineValues}' has a control character (such as a line break) in its path, which helm cannot read; rename the file`,
          { line: 3 }
        )
      }
      expect(await history(clusterA, ns, 'newline-values')).toEqual([])
    }
  )

  faultCase(
    'plan file names with $(...), backticks and ;',
    'each: an invalid release name error annotated on exactly that file; no canary',
    async () => {
      for (const name of injectingNames) invalidRelease(first, name)
      expectFailed(
        first,
        `local/a/${badNamespace}/demo.yaml`,
        `local/a/${badNamespace}/demo.yaml: namespace '${badNamespace}' (the folder name) must be a DNS-1123 label: ${LABEL}, at most 63 characters`
      )
      expectNoCanary()
    }
  )

  faultCase(
    'plan file names with spaces, quotes, a newline, non-ASCII',
    'each: an invalid release name error; the annotation names the file exactly (escaped in the workflow command)',
    async () => {
      for (const name of oddNames) invalidRelease(first, name)
      // The newline travels escaped: one workflow command a line, none broken in two.
      expect(first.stdout).toContain(`file=local/a/${ns}/new%0Aline.yaml`)
      expectNoCanary()
    }
  )

  faultCase(
    're-run of the same push',
    'same errors, the release stays at revision 1, the hook does not run again, no canary',
    async () => {
      expectUnchanged(again, `local/a/${ns}/names.yaml`, 1)
      for (const name of [...injectingNames, ...oddNames]) invalidRelease(again, name)
      expect(await history(clusterA, ns, 'names')).toEqual(['1:deployed'])
      expect(readFileSync(join(workspace, 'hook-ran.txt'), 'utf8')).toBe('names\n')
      expectNoCanary()
    }
  )
})
