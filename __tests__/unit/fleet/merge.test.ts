// Merging a fleet's results files: what a report job may trust, what it refuses
// (naming the file), and the gate each wave passes or fails.
import { describe, expect, it } from 'vitest'
import { waveVerdicts } from '../../../src/fleet/gate.ts'
import { FleetReportError, mergeResults, type ReadResultsFile } from '../../../src/fleet/merge.ts'
import { resultsDocument } from '../../../src/fleet/results-format.ts'
import type { WaveShards } from '../../../src/types/fleet.ts'
import type { Result } from '../../../src/types/results.ts'

const SHA = 'a'.repeat(40)

const result = (setup: string, status: Result['status'] = 'succeeded', plan = 'web'): Result => ({
  setup,
  namespace: 'ns',
  release: plan,
  plan: `${setup}/ns/${plan}.yaml`,
  chart: 'c',
  version: '1',
  operation: status === 'failed' ? null : 'upgrade',
  status,
  revision: status === 'failed' ? null : 2,
  durationMs: 5,
  error: status === 'failed' ? `${setup}/ns/${plan}.yaml: boom` : null,
  notes: [],
  health: null
})

/** A shard's file: its id, its setups input, its results. */
const file = (
  name: string,
  shard: { id: string | null; setups: string[] } | null,
  results: Result[],
  over: { sha?: string; kind?: 'deploy' | 'preview'; error?: string } = {}
): ReadResultsFile => ({
  file: name,
  doc: resultsDocument(
    {
      sha: over.sha ?? SHA,
      kind: over.kind ?? 'deploy',
      runId: 1,
      runUrl: undefined,
      cancelled: false,
      error: over.error,
      shard,
      setups: [...new Set(results.map((r) => r.setup))],
      results,
      deployments: [],
      unwritten: []
    },
    (t) => t
  )
})

const SHARDS: WaveShards[] = [
  { wave: 1, matrix: { include: [{ shard: '1-0', setups: 'eu/a' }] } },
  {
    wave: 2,
    matrix: {
      include: [
        { shard: '2-0', setups: 'us/a,us/b' },
        { shard: '2-1', setups: 'us/c' }
      ]
    }
  }
]

describe('mergeResults', () => {
  it('merges the shards of two waves, each setup in its wave', () => {
    const merged = mergeResults(
      [
        file('r/2-1.json', { id: '2-1', setups: ['us/c'] }, [result('us/c')]),
        file('r/1-0.json', { id: '1-0', setups: ['eu/a'] }, [result('eu/a', 'failed')]),
        file('r/2-0.json', { id: '2-0', setups: ['us/a', 'us/b'] }, [
          result('us/b'),
          result('us/a', 'succeeded', 'api'),
          result('us/a')
        ])
      ],
      SHARDS
    )
    expect(merged.results.map((r) => r.plan)).toEqual([
      'eu/a/ns/web.yaml',
      'us/a/ns/api.yaml',
      'us/a/ns/web.yaml',
      'us/b/ns/web.yaml',
      'us/c/ns/web.yaml'
    ])
    expect(merged.setups).toEqual(['eu/a', 'us/a', 'us/b', 'us/c'])
    expect(Object.fromEntries(merged.waves)).toEqual({
      'eu/a': 1,
      'us/a': 2,
      'us/b': 2,
      'us/c': 2
    })
    expect(merged.unreported).toEqual([])
    expect(merged.files).toBe(3)
    expect(waveVerdicts(merged, 0)).toEqual([
      { wave: 1, setups: 1, failed: ['eu/a'], passed: false },
      { wave: 2, setups: 3, failed: [], passed: true }
    ])
    expect(waveVerdicts(merged, 1).every((v) => v.passed)).toBe(true)
  })

  it('a planned shard without a file, and a run that failed as a whole: their setups fail', () => {
    const merged = mergeResults(
      [
        file('r/1-0.json', { id: '1-0', setups: ['eu/a'] }, [result('eu/a')]),
        file('r/2-0.json', { id: '2-0', setups: ['us/a', 'us/b'] }, [], {
          error: "input 'parallel' must be a whole number"
        })
      ],
      SHARDS
    )
    expect(merged.unreported).toEqual([
      {
        wave: 2,
        shard: '2-0',
        setups: ['us/a', 'us/b'],
        why: "its run failed as a whole: input 'parallel' must be a whole number"
      },
      {
        wave: 2,
        shard: '2-1',
        setups: ['us/c'],
        why: expect.stringMatching(/^no results file: its job did not run/)
      }
    ])
    expect(merged.setups).toEqual(['eu/a', 'us/a', 'us/b', 'us/c'])
    expect(waveVerdicts(merged, 2)).toEqual([
      { wave: 1, setups: 1, failed: [], passed: true },
      { wave: 2, setups: 3, failed: ['us/a', 'us/b', 'us/c'], passed: false }
    ])
  })

  it("without the plan's shards: files of runs not restricted to setups merge as they are", () => {
    const merged = mergeResults(
      [
        file('one.json', null, [result('eu/a')]),
        file('two.json', { id: null, setups: ['us/*'] }, [result('us/a', 'failed')])
      ],
      undefined
    )
    expect(merged.setups).toEqual(['eu/a', 'us/a'])
    expect(waveVerdicts(merged, 0)).toEqual([
      { wave: 1, setups: 2, failed: ['us/a'], passed: false }
    ])
  })

  it.each<[string, ReadResultsFile[], WaveShards[] | undefined, RegExp]>([
    [
      'a file claiming a setup outside its shard (tampered)',
      [file('r/1-0.json', { id: '1-0', setups: ['eu/a'] }, [result('eu/a'), result('us/c')])],
      undefined,
      /^r\/1-0\.json: reports setup 'us\/c', outside its shard '1-0' \(eu\/a\)/
    ],
    [
      "a file whose shard is not the plan's shard of that id",
      [file('r/1-0.json', { id: '1-0', setups: ['eu/a', 'us/c'] }, [result('us/c')])],
      SHARDS,
      /^r\/1-0\.json: claims shard '1-0' with setups eu\/a, us\/c, but the plan's shard '1-0' holds eu\/a/
    ],
    [
      'a shard the plan does not hold',
      [file('r/9-9.json', { id: '9-9', setups: ['eu/a'] }, [result('eu/a')])],
      SHARDS,
      /^r\/9-9\.json: claims shard '9-9', which the plan's shards do not hold/
    ],
    [
      "a file without a shard when the plan's shards are given",
      [file('r/x.json', null, [result('eu/a')])],
      SHARDS,
      /^r\/x\.json: names no shard/
    ],
    [
      'a setup two files report',
      [
        file('r/a.json', null, [result('eu/a')]),
        file('r/b.json', null, [result('eu/a', 'succeeded', 'api')])
      ],
      undefined,
      /^r\/b\.json: reports setup 'eu\/a', which r\/a\.json reports too/
    ],
    [
      'a plan one file reports twice',
      [file('r/a.json', null, [result('eu/a'), result('eu/a', 'failed')])],
      undefined,
      /^r\/a\.json: reports plan eu\/a\/ns\/web\.yaml twice/
    ],
    [
      'one shard in two files',
      [
        file('r/1/a.json', { id: '1-0', setups: ['eu/a'] }, [result('eu/a')]),
        file('r/2/a.json', { id: '1-0', setups: ['eu/a'] }, [])
      ],
      SHARDS,
      /^r\/2\/a\.json: reports shard '1-0', which r\/1\/a\.json reports too/
    ],
    [
      'files of two commits',
      [
        file('r/a.json', null, [result('eu/a')]),
        file('r/b.json', null, [result('us/a')], { sha: 'b'.repeat(40) })
      ],
      undefined,
      /^r\/b\.json: holds results of commit b{40}, r\/a\.json of a{40}: results-path mixes the files of two runs/
    ],
    [
      'a preview and a deploy',
      [
        file('r/a.json', null, [result('eu/a')]),
        file('r/b.json', null, [result('us/a')], { kind: 'preview' })
      ],
      undefined,
      /^r\/b\.json: is a preview run's, r\/a\.json a deploy run's/
    ]
  ])('%s: one error naming the file', (_name, files, shards, message) => {
    expect(() => mergeResults(files, shards)).toThrow(FleetReportError)
    expect(() => mergeResults(files, shards)).toThrow(message)
  })
})
