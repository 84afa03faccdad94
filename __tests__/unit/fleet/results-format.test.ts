// The results file: what a run writes is what schema/results-v1.json says, reads back
// as it was written, and anything else is refused with the file's name.
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  parseResultsFile,
  resultsDocument,
  ResultsFileError,
  type RunFacts
} from '../../../src/fleet/results-format.ts'
import { writeResultsFile } from '../../../src/report/results-file.ts'
import { addSecret, resetSecrets } from '../../../src/secrets/masking.ts'
import { RESULTS_FORMAT } from '../../../src/types/fleet.ts'
import type { Result } from '../../../src/types/results.ts'
import * as core from '../../support/fakes/core.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

const schema = JSON.parse(
  readFileSync(new URL('../../../schema/results-v1.json', import.meta.url), 'utf8')
) as object
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema)

const SHA = 'c'.repeat(40)
const upgraded: Result = {
  setup: 'aws/eu',
  namespace: 'web',
  release: 'shop',
  plan: 'aws/eu/web/shop.yaml',
  chart: 'stable/shop',
  version: '1.2.3',
  operation: 'upgrade',
  status: 'succeeded',
  revision: 4,
  durationMs: 1234,
  error: null,
  notes: ['recovered a pending-upgrade release'],
  health: null
}
const failed: Result = {
  ...upgraded,
  setup: 'aws/us',
  plan: 'aws/us/web/shop.yaml',
  operation: null,
  status: 'failed',
  revision: null,
  error: 'aws/us/web/shop.yaml: line 3: unknown key',
  notes: [],
  line: 3
}
const previewed: Result = {
  ...upgraded,
  operation: 'render',
  status: 'planned',
  revision: null,
  diff: {
    added: 1,
    changed: 0,
    removed: 0,
    unchanged: 2,
    objects: [{ key: 'v1 ConfigMap web/shop', change: 'added', diff: '+a: b', cut: 0 }]
  }
}
const drifted: Result = {
  ...upgraded,
  operation: null,
  status: 'unchanged',
  drift: {
    state: 'drifted',
    corrected: false,
    objects: [
      {
        object: 'Deployment/web/shop',
        state: 'drifted',
        fields: [
          { path: '/spec/replicas', want: '2', have: '5' },
          { path: '/metadata/labels/x', want: undefined, have: 'y' }
        ]
      }
    ]
  }
}

const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  sha: SHA,
  kind: 'deploy',
  runId: 77,
  runUrl: 'https://github.com/o/r/actions/runs/77',
  cancelled: false,
  shard: { id: '1-01', setups: ['aws/eu', 'aws/us'] },
  setups: ['aws/eu', 'aws/us'],
  results: [upgraded, failed],
  deployments: [{ environment: 'aws/eu', setups: ['aws/eu'], id: 5, state: 'success' }],
  unwritten: ['setting deployment 6 to failure: HTTP 403'],
  ...over
})

const same = (text: string): string => text

beforeEach(() => {
  core.resetCore()
  resetSecrets()
})
afterEach(() => vi.unstubAllEnvs())

describe('the results file', () => {
  it.each<[string, Partial<RunFacts>]>([
    ['a deploy shard with a Deployment and a write it could not make', {}],
    ['a run that failed as a whole', { error: 'input parallel must be…', results: [] }],
    ['a run not restricted to a shard', { shard: null }],
    [
      'a preview with its object diff',
      {
        kind: 'preview',
        results: [previewed],
        deployments: [],
        preview: {
          base: { kind: 'commit', sha: SHA, reason: 'pull request #3 base' },
          fullDiffAt: 'the log'
        }
      }
    ],
    ['a drift check', { kind: 'drift-report', results: [drifted], deployments: [] }]
  ])('%s: follows the schema and reads back as written', async (_name, over) => {
    vi.stubEnv('RUNNER_TEMP', await mkdtemp(join(tmpdir(), 'gitops-results-test-')))
    const path = await writeResultsFile(facts(over))
    expect(core.outputs.get('results-file')).toBe(path)
    expect(path).toMatch(/gitops-results-[^/]+\/gitops-results(-1-01)?\.json$/)
    const text = readFileSync(path, 'utf8')
    const written: unknown = JSON.parse(text)
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true)
    const read = parseResultsFile(text, path)
    // What JSON drops (undefined fields) is all that changes.
    expect(read).toEqual(JSON.parse(JSON.stringify(resultsDocument(facts(over), same))))
    expect(read.results).toEqual(facts(over).results)
  })

  it('never holds a secret: every string is masked before it is written', async () => {
    vi.stubEnv('RUNNER_TEMP', await mkdtemp(join(tmpdir(), 'gitops-results-test-')))
    addSecret('hunter2-secret', 'test')
    const leaky = { ...failed, error: 'helm said: password "hunter2-secret" refused' }
    const text = readFileSync(await writeResultsFile(facts({ results: [leaky] })), 'utf8')
    expect(text).not.toContain('hunter2-secret')
    expect(parseResultsFile(text, 'f.json').results[0]?.error).toBe(
      'helm said: password "***" refused'
    )
  })
})

describe('reading a results file', () => {
  const good = resultsDocument(facts(), same)
  const variant = (change: (doc: Record<string, unknown>) => void): string => {
    const doc = JSON.parse(JSON.stringify(good)) as Record<string, unknown>
    change(doc)
    return JSON.stringify(doc)
  }
  const at = (doc: Record<string, unknown>, key: string) => doc[key] as Record<string, unknown>
  const firstResult = (doc: Record<string, unknown>) =>
    (doc.results as Record<string, unknown>[])[0] as Record<string, unknown>

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"format": "gitops-action/res', /^shard-3\.json: is not JSON/],
    ['no format', variant((d) => delete d.format), /is no gitops-action results file/],
    [
      'a newer format version',
      variant((d) => (d.format = 'gitops-action/results@2')),
      /^shard-3\.json: is a results file of format 'gitops-action\/results@2'; this action reads 'gitops-action\/results@1'/
    ],
    ['another tool', '{"format": "other"}', /format 'other'/],
    ['a list', '[]', /the file is not an object/],
    ['no run', variant((d) => delete d.run), /run is not an object/],
    [
      'a short SHA',
      variant((d) => (at(d, 'run').sha = 'abc')),
      /run\.sha 'abc' is not a commit SHA/
    ],
    ['an unknown run kind', variant((d) => (at(d, 'run').kind = 'apply')), /run\.kind is "apply"/],
    ['no results', variant((d) => delete d.results), /results is not a list/],
    [
      'a result without a setup',
      variant((d) => delete firstResult(d).setup),
      /results\[0\]\.setup is not a string/
    ],
    [
      'an unknown status',
      variant((d) => (firstResult(d).status = 'ok')),
      /results\[0\]\.status is "ok"/
    ],
    [
      'an unknown operation',
      variant((d) => (firstResult(d).operation = 'delete')),
      /results\[0\]\.operation/
    ],
    ['setups not a list', variant((d) => (d.setups = 'aws/eu')), /setups is not a list/],
    [
      'a shard without setups',
      variant((d) => (d.shard = { id: 'x' })),
      /shard\.setups is not a list/
    ]
  ])('%s: one error naming the file', (_name, text, message) => {
    expect(() => parseResultsFile(text, 'shard-3.json')).toThrow(ResultsFileError)
    expect(() => parseResultsFile(text, 'shard-3.json')).toThrow(message)
    // The schema refuses each of them too (the text that is JSON at all).
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return
    }
    expect(validate(json)).toBe(false)
  })

  it('reads the format it writes', () => {
    expect(good.format).toBe(RESULTS_FORMAT)
    expect(parseResultsFile(JSON.stringify(good), 'f.json').run).toEqual(good.run)
  })
})
