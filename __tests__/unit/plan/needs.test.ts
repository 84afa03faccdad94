import { describe, expect, it } from 'vitest'
import { needsProblems } from '../../../src/plan/needs.ts'

const plan = (setup: string, name: string, needs: Array<[string, number]> = []) => {
  const [namespace, release] = name.split('/') as [string, string]
  return {
    target: { setup, namespace, release, plan: `${setup}/${name}.yaml` },
    needs: needs.map(([text, line]) => ({ text, line }))
  }
}

describe('needs of a setup', () => {
  it('needs on plans of the same setup are fine', () => {
    expect(
      needsProblems([plan('s', 'ns/app', [['ns/db', 3]]), plan('s', 'ns/db'), plan('t', 'ns/db')])
    ).toEqual(new Map())
  })
  it('a need on a plan the setup does not have is an error on its line', () => {
    const problems = needsProblems([plan('s', 'ns/app', [['ns/db', 4]]), plan('t', 'ns/db')])
    expect(problems.get('s/ns/app.yaml')).toEqual({
      file: 's/ns/app.yaml',
      line: 4,
      message: "needs 'ns/db', but setup 's' has no plan for that namespace/release"
    })
  })
  it('a cycle is an error on every plan in it, at the need that closes it', () => {
    const problems = needsProblems([
      plan('s', 'ns/a', [['ns/b', 2]]),
      plan('s', 'ns/b', [
        ['ns/x', 2],
        ['ns/c', 3]
      ]),
      plan('s', 'ns/c', [['ns/a', 5]]),
      plan('s', 'ns/x'),
      plan('s', 'ns/d', [['ns/a', 2]])
    ])
    expect([...problems.keys()].sort()).toEqual(['s/ns/a.yaml', 's/ns/b.yaml', 's/ns/c.yaml'])
    expect(problems.get('s/ns/b.yaml')).toEqual({
      file: 's/ns/b.yaml',
      line: 3,
      message: 'its needs form a cycle: ns/a → ns/b → ns/c → ns/a'
    })
    expect(problems.get('s/ns/c.yaml')?.line).toBe(5)
  })
  it('a plan that needs itself', () => {
    expect(needsProblems([plan('s', 'ns/a', [['ns/a', 2]])]).get('s/ns/a.yaml')?.message).toBe(
      'its needs form a cycle: ns/a → ns/a'
    )
  })
})
