// The rules of the house as eslint.config.mjs enforces them: each row is a line of
// code in a file of some folder, and whether the lint lets it through.
import { resolve } from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..', '..', '..')

// The type-checked rules need files the TypeScript project knows; these rows are not files.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/await-thenable': 'off'
    }
  }
})

const CORE = "import * as core from '@actions/core'\n"
const HOUSE_RULES = [
  'no-restricted-imports',
  'no-restricted-syntax',
  'no-restricted-globals',
  'no-restricted-properties'
]

/** The house rules' messages for `code` as if it were `file`. */
async function houseErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {}\n`, { filePath: resolve(root, file) })
  return result!.messages.filter((m) => HOUSE_RULES.includes(m.ruleId ?? '')).map((m) => m.message)
}

// Loading the config and the TypeScript parser takes seconds on a busy machine.
beforeAll(() => houseErrors('src/main.ts', ''), 60_000)

describe('eslint.config.mjs: the rules of the house', () => {
  it.each([
    // only config.ts reads inputs
    ['src/apply/helm.ts', `${CORE}core.getInput('shell')`, 'Only src/config.ts reads inputs'],
    [
      'src/engine/act.ts',
      "import { getBooleanInput } from '@actions/core'",
      'Only src/config.ts reads inputs'
    ],
    [
      'src/engine/act.ts',
      'console.log(process.env.INPUT_SHELL)',
      'Only src/config.ts reads inputs'
    ],
    [
      'src/cluster/observe.ts',
      "console.log(process.env['INPUT_GITHUB-TOKEN'])",
      'Only src/config.ts reads inputs'
    ],
    [
      'src/tools/helm.ts',
      `${CORE}core.getMultilineInput('plans')`,
      'Only src/config.ts reads inputs'
    ],
    // only report/ writes outputs, the summary and annotations
    ['src/engine/act.ts', `${CORE}core.setOutput('failed', '1')`, 'Only src/report/ writes'],
    [
      'src/cluster/observe.ts',
      `${CORE}void core.summary.addRaw('x').write()`,
      'Only src/report/ writes'
    ],
    ['src/changes/detect.ts', `${CORE}core.warning('x')`, 'Only src/report/ writes'],
    ['src/main.ts', `${CORE}core.notice('x')`, 'Only src/report/ writes'],
    ['src/secrets/masking.ts', `${CORE}core.error('x')`, 'Only src/report/ writes'],
    // git only in changes/, processes only through process.ts
    [
      'src/engine/act.ts',
      "import { run } from '../process.ts'\nvoid run('git', ['status'])",
      'git runs only in src/changes/'
    ],
    [
      'src/changes/git.ts',
      "import { spawn } from 'node:child_process'\nspawn('git')",
      'Start processes through src/process.ts'
    ],
    [
      'src/apply/hooks.ts',
      "import { exec } from '@actions/exec'\nvoid exec",
      'Start processes through src/process.ts'
    ],
    // plan/ is pure: no runner, no processes, no engine, no clusters, no network
    ['src/plan/planner.ts', CORE, 'src/plan/ is pure'],
    ['src/plan/planner.ts', "import { request } from 'undici'\nvoid request", 'src/plan/ is pure'],
    ['src/plan/planner.ts', "import { run } from '../process.ts'\nvoid run", 'start processes'],
    ['src/plan/planner.ts', "import { x } from '../engine/decide.ts'\nvoid x", 'Only the engine'],
    [
      'src/plan/sub/x.ts',
      "import { x } from '../../cluster/observe.ts'\nvoid x",
      'Only the engine'
    ],
    ['src/plan/planner.ts', "import { x } from '../changes/git.ts'\nvoid x", 'src/plan/ is pure'],
    [
      'src/plan/planner.ts',
      "import { x } from '../report/summary.ts'\nvoid x",
      'report/ prints it'
    ],
    // changes/ and github/ stay clear of the engine; the data path flows one way
    ['src/changes/detect.ts', "import { x } from '../apply/helm.ts'\nvoid x", 'Only the engine'],
    ['src/changes/detect.ts', "import { x } from '../plan/planner.ts'\nvoid x", 'before the plan'],
    ['src/github/api.ts', "import { x } from '../changes/git.ts'\nvoid x", 'comes first'],
    ['src/github/api.ts', "import { run } from '../process.ts'\nvoid run", 'start processes'],
    [
      'src/engine/act.ts',
      "import { x } from '../github/api.ts'\nvoid x",
      'gets the plan as a value'
    ],
    ['src/report/summary.ts', "import { x } from '../plan/planner.ts'\nvoid x", 'typed values'],
    ['src/report/summary.ts', "import { x } from '../engine/act.ts'\nvoid x", 'Only the engine'],
    ['src/config.ts', "import { x } from './apply/helm.ts'\nvoid x", 'Only the engine'],
    [
      'src/plan/planner.ts',
      "import { addUrlSecrets } from '../secrets/masking.ts'\nvoid addUrlSecrets",
      'returns leaked credentials'
    ],
    // masking is a leaf
    ['src/secrets/masking.ts', "import { x } from '../report/summary.ts'\nvoid x", 'is a leaf'],
    // @actions/core only as `core`, so the rules above, which match that name, hold
    [
      'src/engine/act.ts',
      "import * as actionsCore from '@actions/core'\nactionsCore.getInput('x')",
      'know @actions/core by its name'
    ],
    [
      'src/report/outputs.ts',
      "import * as c from '@actions/core'\nc.info('x')",
      'know @actions/core by its name'
    ],
    [
      'src/engine/act.ts',
      "import core from '@actions/core'\ncore.setOutput('x', 'y')",
      'know @actions/core by its name'
    ],
    [
      'src/engine/act.ts',
      "import * as c from '@actions/core/lib/core.js'\nc.warning('x')",
      'know @actions/core by its name'
    ],
    [
      'src/engine/act.ts',
      "const c = await import('@actions/core')\nc.summary.addRaw('x')",
      'know @actions/core by its name'
    ],
    ['src/engine/act.ts', "export * from '@actions/core'", 'know @actions/core by its name'],
    [
      'src/engine/act.ts',
      "export { getInput as read } from '@actions/core'",
      'know @actions/core by its name'
    ],
    [
      'src/engine/act.ts',
      `${CORE}const c = core\nc.setOutput('x', 'y')`,
      'know @actions/core by its name'
    ],
    [
      'src/engine/act.ts',
      `${CORE}const { getInput } = core\ngetInput('x')`,
      'know @actions/core by its name'
    ],
    ['src/engine/act.ts', `${CORE}core['setOutput']('x', 'y')`, 'know @actions/core by its name'],
    [
      'src/engine/act.ts',
      "import { getInput as read } from '@actions/core'\nread('x')",
      'Only src/config.ts reads inputs'
    ],
    [
      'src/engine/act.ts',
      "import { summary as s } from '@actions/core'\nvoid s",
      'Only src/report/ writes'
    ],
    ['src/engine/run.ts', `${CORE}core.setFailed('x')`, 'Only src/report/ writes'],
    // text reaches the log through @actions/core, untrusted text through untrusted-text.ts
    ['src/engine/act.ts', "console.log('::warning::x')", 'bypass masking'],
    ['src/report/summary.ts', "console.error('x')", 'bypass masking'],
    ['src/engine/act.ts', 'const c = console\nc.log("x")', 'bypass masking'],
    ['src/engine/act.ts', "globalThis.console.log('x')", 'bypass masking'],
    ['src/report/outputs.ts', "process.stdout.write('::set-output::x')", 'bypass masking'],
    ['src/engine/act.ts', "process.stderr.write('x')", 'bypass masking'],
    ['src/engine/act.ts', "const { stdout } = process\nstdout.write('x')", 'bypass masking'],
    [
      'src/engine/act.ts',
      "import { stdout } from 'node:process'\nstdout.write('x')",
      'bypass masking'
    ],
    ['src/apply/cleanup.ts', "process.stdout.write('x')", 'bypass masking'],
    // git only in changes/, however the program name is spelled
    [
      'src/engine/act.ts',
      "import { run } from '../process.ts'\nconst GIT = 'git'\nvoid run(GIT, ['status'])",
      'git runs only in src/changes/'
    ],
    [
      'src/apply/hooks.ts',
      "import { run } from '../process.ts'\nvoid run(`git`, ['status'])",
      'git runs only in src/changes/'
    ],
    ['src/plan/planner.ts', "const program = '/usr/bin/git'\nvoid program", 'git runs only'],
    ['src/github/api.ts', "const GIT = 'git.exe'\nvoid GIT", 'git runs only in src/changes/'],
    // render/ is pure building blocks; types.ts is the shared vocabulary
    ['src/render/objects.ts', "import { x } from '../engine/act.ts'\nvoid x", 'Only the engine'],
    [
      'src/render/objects.ts',
      "import { x } from '../github/api.ts'\nvoid x",
      'src/render/ is pure'
    ],
    [
      'src/render/objects.ts',
      "import { x } from '../plan/planner.ts'\nvoid x",
      'src/render/ is pure'
    ],
    ['src/render/objects.ts', CORE, 'src/render/ is pure'],
    ['src/render/objects.ts', "import { run } from '../process.ts'\nvoid run", 'start processes'],
    [
      'src/types/plan.ts',
      "import { x } from '../engine/act.ts'\nvoid x",
      'imports nothing of src/'
    ],
    [
      'src/types/results.ts',
      "import type { X } from '../apply/helm.ts'\nexport type Y = X",
      'imports nothing of src/'
    ],
    [
      'src/types/config.ts',
      "import { x } from '../github/api.ts'\nvoid x",
      'imports nothing of src/'
    ],
    ['src/types/changes.ts', CORE, 'src/types/ is pure'],
    // the other folders' one-way imports and process rules
    ['src/config.ts', "import { run } from './process.ts'\nvoid run", 'start processes'],
    ['src/report/summary.ts', "import { run } from '../process.ts'\nvoid run", 'start processes'],
    ['src/secrets/masking.ts', "import { run } from '../process.ts'\nvoid run", 'start processes'],
    ['src/report/summary.ts', "import { x } from '../github/api.ts'\nvoid x", 'typed values'],
    ['src/changes/detect.ts', "import { x } from '../engine/act.ts'\nvoid x", 'Only the engine'],
    ['src/github/api.ts', "import { x } from '../cluster/client.ts'\nvoid x", 'Only the engine'],
    ['src/github/api.ts', "import { x } from '../plan/planner.ts'\nvoid x", 'comes first'],
    ['src/cluster/client.ts', "import { x } from '../changes/git.ts'\nvoid x", 'gets the plan'],
    ['src/process.ts', `${CORE}core.getInput('x')`, 'Only src/config.ts reads inputs'],
    ['src/config.ts', `${CORE}core.setOutput('x', 'y')`, 'Only src/report/ writes'],
    ['src/preflight.ts', `${CORE}core.summary.addRaw('x')`, 'Only src/report/ writes'],
    // unit tests see @actions/core only through its typed fake
    [
      '__tests__/unit/engine/x.test.ts',
      "import { vi } from 'vitest'\nvi.mock('@actions/core', () => ({ info: vi.fn() }))",
      'Mock @actions/core with its typed fake'
    ],
    ['__tests__/unit/engine/x.test.ts', CORE, 'Read what the step wrote from the fake']
  ])('%s: %j is refused', async (file, code, message) => {
    expect(await houseErrors(file, code)).toContainEqual(expect.stringContaining(message))
  })

  it.each([
    ['src/config.ts', `${CORE}core.getInput('shell')`],
    ['src/report/outputs.ts', `${CORE}core.setOutput('failed', '1')\ncore.warning('x')`],
    ['src/main.ts', `${CORE}core.setFailed('x')`],
    ['src/changes/git.ts', "import { run } from '../process.ts'\nvoid run('git', ['diff'])"],
    ['src/engine/act.ts', "import { run } from '../process.ts'\nvoid run('helm', ['version'])"],
    ['src/secrets/masking.ts', `${CORE}core.setSecret('x')`],
    [
      'src/changes/detect.ts',
      "import { runWarning } from '../report/run-warning.ts'\nvoid runWarning"
    ],
    ['src/changes/git.ts', "const GIT = 'git'\nvoid GIT"],
    ['src/types/changes.ts', "export type ChangeSource = 'git' | 'payload'"],
    [
      'src/types/results.ts',
      "import type { PlanTarget } from './plan.ts'\nexport type Y = PlanTarget"
    ],
    ['src/report/summary.ts', "const text = 'run git fetch first'\nvoid text"],
    ['src/apply/cleanup.ts', "console.log('Removed the folder')"],
    ['src/plan/planner.ts', "import { listTree } from '../changes/tree.ts'\nvoid listTree"],
    ['src/render/objects.ts', "import type { X } from '../types/results.ts'\nexport type Y = X"],
    ['src/engine/act.ts', `${CORE}core.info('x')`],
    ['src/process.ts', "import { spawn } from 'node:child_process'\nvoid spawn"],
    ['src/engine/act.ts', "import { env } from 'node:process'\nvoid env"],
    [
      '__tests__/unit/engine/x.test.ts',
      "import { vi } from 'vitest'\nvi.mock('@actions/core', () => import('../../support/fakes/core.ts'))"
    ]
  ])('%s: %j is allowed', async (file, code) => {
    expect(await houseErrors(file, code)).toEqual([])
  })
})
