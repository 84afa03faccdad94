// Shards: at most shard-size setups a job, a function of the setup names and the
// fleet alone, and stable: adding or removing a setup moves only the setups of the
// one range its hash falls into.
import { describe, expect, it } from 'vitest'
import { MAX_MATRIX_JOBS, shardKeys, shardsOf, ShardingError } from '../../../src/fleet/shards.ts'

/** A fleet named the way ops repositories name clusters. */
const fleetOf = (n: number, seed = 0): string[] =>
  Array.from({ length: n }, (_, i) => `region-${(i + seed) % 7}/cluster-${i + seed}`)

/** The setups whose range changes between two fleets (present in both). */
function moved(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before.keys()].filter((s) => after.has(s) && after.get(s) !== before.get(s))
}

/** The range of the smaller fleet that `setup`'s hash falls into: a prefix of its key in the larger. */
function rangeOf(smaller: Map<string, string>, key: string): string[] {
  return [...smaller.entries()].filter(([, bits]) => key.startsWith(bits)).map(([s]) => s)
}

describe('shardsOf', () => {
  it.each([
    [1, 40],
    [3, 40],
    [10, 300],
    [256, 300]
  ])(
    'shard-size %i, %i setups: every setup in one shard, none larger than shard-size',
    (size, n) => {
      const fleet = fleetOf(n)
      const [wave] = shardsOf([fleet], fleet, size)
      const shards = wave?.matrix.include ?? []
      const setups = shards.flatMap((s) => s.setups.split(','))
      expect(setups.sort()).toEqual([...fleet].sort())
      expect(Math.max(...shards.map((s) => s.setups.split(',').length))).toBeLessThanOrEqual(size)
      expect(new Set(shards.map((s) => s.shard)).size).toBe(shards.length)
      for (const { shard } of shards) expect(shard).toMatch(/^1-[01]+$/)
    }
  )

  it('is a function of the names and the fleet: the order they come in changes nothing', () => {
    const fleet = fleetOf(50)
    const affected = fleet.filter((_, i) => i % 3 === 0)
    const reversed = [...affected].reverse()
    expect(shardsOf([reversed], [...fleet].reverse(), 4)).toEqual(shardsOf([affected], fleet, 4))
  })

  it("a setup's shard does not depend on which other setups a push affects", () => {
    const fleet = fleetOf(60)
    const idOf = (affected: readonly string[], setup: string) =>
      shardsOf([affected], fleet, 5)[0]?.matrix.include.find((s) =>
        s.setups.split(',').includes(setup)
      )?.shard
    const target = fleet[17] as string
    const alone = idOf([target], target)
    for (const others of [fleet, fleet.slice(0, 30), fleet.filter((_, i) => i % 2 === 1)])
      expect(idOf([...new Set([target, ...others])], target)).toBe(alone)
  })

  it('one matrix a wave, in wave order: the n-th entry is wave n, as the waves output counts', () => {
    const fleet = fleetOf(20)
    const shards = shardsOf([fleet.slice(0, 3), [], fleet.slice(3, 10)], fleet, 2)
    expect(shards.map((w) => w.wave)).toEqual([1, 2])
    expect(shards[1]?.matrix.include.every((s) => s.shard.startsWith('2-'))).toBe(true)
  })

  it('a fleet that fits one shard is one job, `<wave>-0`', () => {
    expect(shardsOf([['b/1', 'a/1']], ['a/1', 'b/1', 'c/1'], 3)).toEqual([
      { wave: 1, matrix: { include: [{ shard: '1-0', setups: 'a/1,b/1' }] } }
    ])
  })

  it('a setup whose plans were all removed (not in the fleet any more) still gets its shard', () => {
    const [wave] = shardsOf([['gone/x']], fleetOf(10), 1)
    expect(wave?.matrix.include.map((s) => s.setups)).toEqual(['gone/x'])
  })

  it(`more than ${MAX_MATRIX_JOBS} shards in one wave: an error naming the wave and shard-size`, () => {
    const fleet = fleetOf(300)
    expect(() => shardsOf([fleet], fleet, 1)).toThrow(ShardingError)
    expect(() => shardsOf([fleet], fleet, 1)).toThrow(
      /^wave 1 needs 300 shards for its 300 setups, and a matrix runs at most 256 jobs: raise shard-size \(now 1\)/
    )
    expect(() => shardsOf([fleet], fleet, 2)).not.toThrow()
  })
})

describe('shardKeys: stable under added and removed setups', () => {
  const cases = [1, 2, 5, 10].flatMap((size) => [8, 60, 300].map((n) => [size, n] as const))

  it.each(cases)(
    'shard-size %i, a fleet of %i: adding a setup moves only setups of the range it falls into',
    (size, n) => {
      const fleet = fleetOf(n)
      const before = shardKeys(fleet, size)
      for (let k = 0; k < 25; k++) {
        const added = `new-${k}/cluster-${n + k}`
        const after = shardKeys([...fleet, added], size)
        const range = rangeOf(before, after.get(added) as string)
        for (const setup of moved(before, after)) expect(range).toContain(setup)
        // The range it joins holds at most shard-size setups before: nothing else can move.
        expect(moved(before, after).length).toBeLessThanOrEqual(size)
      }
    }
  )

  it.each(cases)(
    'shard-size %i, a fleet of %i: removing a setup moves only setups of the range it leaves',
    (size, n) => {
      const fleet = fleetOf(n)
      const before = shardKeys(fleet, size)
      for (const removed of fleet.filter((_, i) => i % Math.max(1, Math.floor(n / 25)) === 0)) {
        const after = shardKeys(
          fleet.filter((s) => s !== removed),
          size
        )
        const range = rangeOf(after, before.get(removed) as string)
        for (const setup of moved(before, after)) expect(range).toContain(setup)
        expect(moved(before, after).length).toBeLessThanOrEqual(size)
      }
    }
  )
})
