import { describe, expect, it } from 'vitest'
import { runInOrder, type OrderedItem } from '../../../src/engine/order.ts'

type Outcome = { key: string; ok: boolean; why?: string }

/** Runs items that finish after `ms` and fail if listed; records start/end events. */
async function scenario(
  items: ReadonlyArray<readonly [string, readonly string[]]>,
  limit: number,
  failing: readonly string[] = []
) {
  const events: string[] = []
  let running = 0
  let most = 0
  const ordered: OrderedItem<string>[] = items.map(([key, needs]) => ({ key, needs, item: key }))
  const results = await runInOrder<string, Outcome>(ordered, limit, {
    run: async (key) => {
      running++
      most = Math.max(most, running)
      events.push(`start ${key}`)
      await new Promise((r) => setTimeout(r, 5))
      events.push(`end ${key}`)
      running--
      return { key, ok: !failing.includes(key) }
    },
    ok: (r) => r.ok,
    notRun: (key, why) => ({ key, ok: false, why })
  })
  return { events, results, most }
}

describe('plans in order of needs', () => {
  it('runs independent plans together, up to the limit, results in input order', async () => {
    const { results, most } = await scenario(
      [
        ['a', []],
        ['b', []],
        ['c', []],
        ['d', []],
        ['e', []]
      ],
      3
    )
    expect(most).toBe(3)
    expect(results.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })
  it('a plan starts only after what it needs ended', async () => {
    const { events } = await scenario(
      [
        ['app', ['ns/db']],
        ['ns/db', []],
        ['other', []]
      ],
      4
    )
    expect(events.indexOf('start app')).toBeGreaterThan(events.indexOf('end ns/db'))
    expect(events.indexOf('start other')).toBeLessThan(events.indexOf('end ns/db'))
  })
  it('a failed need skips its dependents, transitively, with the reason', async () => {
    const { results, events } = await scenario(
      [
        ['db', []],
        ['app', ['db']],
        ['web', ['app']],
        ['other', []]
      ],
      2,
      ['db']
    )
    expect(results.find((r) => r.key === 'app')?.why).toBe(
      'not run: it needs db, which did not succeed'
    )
    expect(results.find((r) => r.key === 'web')?.why).toBe(
      'not run: it needs app, which did not succeed'
    )
    expect(events).not.toContain('start app')
    expect(results.find((r) => r.key === 'other')?.ok).toBe(true)
  })
  it('needs outside the run are met already', async () => {
    const { results } = await scenario([['app', ['elsewhere/db']]], 1)
    expect(results).toEqual([{ key: 'app', ok: true }])
  })
  it('a cycle never runs (plan files refuse it before)', async () => {
    const { results, events } = await scenario(
      [
        ['a', ['b']],
        ['b', ['a']],
        ['c', []]
      ],
      2
    )
    expect(events).toEqual(['start c', 'end c'])
    expect(
      results.filter((r) => r.why === 'not run: its needs form a cycle').map((r) => r.key)
    ).toEqual(['a', 'b'])
  })
  it('nothing to run is nothing', async () => {
    expect((await scenario([], 2)).results).toEqual([])
  })
})
