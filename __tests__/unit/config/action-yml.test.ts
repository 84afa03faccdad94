// action.yml is the one source of the inputs and their defaults: config.ts reads it
// (action-defaults.ts), and these checks hold config.ts and the README to it.
import { readFileSync } from 'node:fs'
import { load } from 'js-yaml'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { actionDefaults } from '../../../src/action-defaults.ts'
import { readConfig, SEED_ENV } from '../../../src/config.ts'
import * as core from '../../support/fakes/core.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

const root = new URL('../../../', import.meta.url)
const actionYml = load(readFileSync(new URL('action.yml', root), 'utf8')) as {
  inputs: Record<string, { default?: unknown }>
}
const declared = Object.keys(actionYml.inputs)

beforeEach(() => {
  core.resetCore()
  for (const name of Object.values(SEED_ENV)) vi.stubEnv(name, '')
})
afterEach(() => vi.unstubAllEnvs())

describe('action.yml, the one source of the inputs', () => {
  it('gives config.ts every default, except runner expressions, which only the runner evaluates', () => {
    expect(Object.fromEntries(actionDefaults())).toEqual(
      Object.fromEntries(
        declared.map((name) => {
          const given = String(actionYml.inputs[name]?.default ?? '')
          return [name, given.includes('${{') ? '' : given]
        })
      )
    )
    expect(actionDefaults().get('github-token')).toBe('')
  })

  it('declares every input readConfig reads, and readConfig reads every input it declares', () => {
    readConfig()
    const read = core.getInput.mock.calls.map(([name]) => name)
    expect(new Set(read)).toEqual(new Set(declared))
  })

  it("a step given no input gets action.yml's defaults", () => {
    for (const name of declared) core.inputs.set(name, actionDefaults().get(name) ?? '')
    const defaulted = readConfig()
    for (const name of declared) core.inputs.set(name, '')
    expect(readConfig()).toEqual(defaulted)
  })

  it('the documented inputs table lists the same inputs, in the same order, with the same defaults', () => {
    const readme = readFileSync(new URL('docs/inputs-and-outputs.md', root), 'utf8')
    const section = readme.slice(readme.indexOf('\n## Inputs\n'), readme.indexOf('\n## Outputs\n'))
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .map(([, input, fallback]) => [input, fallback])
    expect(rows).toEqual(
      declared.map((name) => {
        const given = String(actionYml.inputs[name]?.default ?? '')
        return [`\`${name}\``, given === '' ? '' : `\`${given}\``]
      })
    )
  })
})
