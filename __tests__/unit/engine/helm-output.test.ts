import { describe, expect, it } from 'vitest'
import { parseMetadata } from '../../../src/engine/helm-output.ts'

describe('helm get metadata, read', () => {
  it.each<[string, string, ReturnType<typeof parseMetadata>]>([
    [
      'Helm 4: revision, chart version and apply method',
      JSON.stringify({ name: 'web', version: '1.2.3', revision: 2, applyMethod: 'ssa' }),
      { revision: 2, chartVersion: '1.2.3', applyMethod: 'ssa' }
    ],
    [
      'Helm 3: no apply method',
      JSON.stringify({ name: 'web', version: '0.1.0', revision: 5, status: 'deployed' }),
      { revision: 5, chartVersion: '0.1.0' }
    ],
    ['fields of another type', JSON.stringify({ revision: '2', version: 1 }), { revision: null }],
    ['not JSON', 'Error: unknown command "metadata"', { revision: null }]
  ])('%s', (_name, stdout, expected) => {
    expect(parseMetadata(stdout)).toEqual(expected)
  })
})
