import { createHash } from 'node:crypto'
import type { Shard, WaveShards } from '../types/fleet.ts'

// Pure: which job deploys which setups. A shard is a range of SHA-256 hashes of
// setup names: the fleet (every setup of the repository) is split by the hash's
// bits, one bit deeper wherever a range holds more than `shard-size` setups. So a
// setup's shard depends on its name and the fleet, never on which other setups a
// push happens to change: `concurrency: gitops-shard-<id>` keeps two runs off one
// setup. Adding a setup moves only setups of the range its hash falls into (the
// range splits when it overflows); removing one is the reverse (ranges join):
// every other setup keeps its shard.
//
// A wave's matrix lists the shards holding its affected setups; the id is the wave
// and the range's bits (`2-0110`; the whole fleet in one range is `<wave>-0`).

/** GitHub runs at most this many jobs of one matrix. */
export const MAX_MATRIX_JOBS = 256
/** Bits of SHA-256: two names would have to collide to need more. */
const MAX_DEPTH = 256

export class ShardingError extends Error {}

function bitsOf(name: string): string {
  const digest = createHash('sha256').update(name).digest()
  let bits = ''
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0')
  return bits
}

/**
 * Every setup of the fleet → its range's bits: the shortest prefix of its hash that
 * at most `size` setups of the fleet share.
 */
export function shardKeys(fleet: Iterable<string>, size: number): Map<string, string> {
  const keys = new Map<string, string>()
  const split = (members: readonly [string, string][], depth: number): void => {
    if (members.length <= size || depth >= MAX_DEPTH) {
      for (const [setup, bits] of members) keys.set(setup, bits.slice(0, depth))
      return
    }
    split(
      members.filter(([, bits]) => bits[depth] === '0'),
      depth + 1
    )
    split(
      members.filter(([, bits]) => bits[depth] === '1'),
      depth + 1
    )
  }
  split(
    [...new Set(fleet)].map((setup) => [setup, bitsOf(setup)]),
    0
  )
  return keys
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The `shards` output: per wave (in order), its affected setups grouped by range.
 * `fleet` is every setup the repository holds (an affected setup missing from it,
 * one whose plans were all removed, is added).
 */
export function shardsOf(
  waves: readonly (readonly string[])[],
  fleet: readonly string[],
  size: number
): WaveShards[] {
  const keys = shardKeys([...fleet, ...waves.flat()], size)
  // The n-th entry is wave n, as the waves output numbers them (a wave nothing joined has none).
  return waves
    .filter((setups) => setups.length > 0)
    .map((setups, index) => ({ wave: index + 1, setups }))
    .map(({ wave, setups }) => {
      const ranges = new Map<string, string[]>()
      for (const setup of [...new Set(setups)].sort(compare)) {
        const key = keys.get(setup) as string
        ranges.set(key, [...(ranges.get(key) ?? []), setup])
      }
      if (ranges.size > MAX_MATRIX_JOBS)
        throw new ShardingError(
          `wave ${wave} needs ${ranges.size} shards for its ${setups.length} setups, and a matrix runs at most ${MAX_MATRIX_JOBS} jobs: raise shard-size (now ${size}) or split the wave with the waves input`
        )
      const include: Shard[] = [...ranges.entries()]
        .sort(([a], [b]) => compare(a, b))
        .map(([bits, members]) => ({ shard: `${wave}-${bits || '0'}`, setups: members.join(',') }))
      return { wave, matrix: { include } }
    })
}
