import { describe, expect, it } from 'vitest'
import { parseRelease } from '../../../src/engine/helm-output.ts'

describe('helm JSON output', () => {
  it('reads revision, chart version and apply method', () => {
    expect(
      parseRelease(
        JSON.stringify({
          version: 2,
          chart: { metadata: { version: '1.2.3' } },
          apply_method: 'ssa'
        })
      )
    ).toEqual({ revision: 2, chartVersion: '1.2.3', applyMethod: 'ssa' })
    expect(parseRelease('not json').revision).toBeNull()
    expect(
      parseRelease('Pulled: 127.0.0.1:5000/charts/hello:0.2.0\nDigest: sha256:abc\n{"version":3}\n')
        .revision
    ).toBe(3)
  })
  it('reads the manifest helm applied, when it printed one', () => {
    const manifest = '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n'
    expect(parseRelease(JSON.stringify({ version: 2, manifest })).manifest).toBe(manifest)
    expect(parseRelease(JSON.stringify({ version: 2 }))).not.toHaveProperty('manifest')
  })
})
