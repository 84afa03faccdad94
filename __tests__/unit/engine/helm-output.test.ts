import { describe, expect, it } from 'vitest'
import { parseRelease, renderedObjects } from '../../../src/engine/helm-output.ts'

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
})

describe('helm template output', () => {
  it('lists rendered objects', () => {
    const manifest = `---
# Source: x/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels: {a: b}
  name: "web"
`
    expect(renderedObjects(manifest)).toEqual(['Service/web', 'Deployment/web'])
    expect(renderedObjects('')).toEqual([])
  })
})
