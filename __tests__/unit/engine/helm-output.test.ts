import { describe, expect, it } from 'vitest'
import { applyOutput, parseApplied, parseRelease } from '../../../src/engine/helm-output.ts'

describe('helm JSON output', () => {
  it('reads revision, chart version, apply method and manifest', () => {
    expect(
      parseRelease(
        JSON.stringify({
          version: 2,
          chart: { metadata: { version: '1.2.3' } },
          apply_method: 'ssa',
          manifest: '---\nkind: ConfigMap\n'
        })
      )
    ).toEqual({
      revision: 2,
      chartVersion: '1.2.3',
      applyMethod: 'ssa',
      manifest: '---\nkind: ConfigMap\n'
    })
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

describe('applyOutput', () => {
  it.each([
    [false, false, 'table'],
    [true, false, 'json'],
    [false, true, 'json'],
    [true, true, 'json']
  ] as const)(
    'chart version needed %s, manifest needed %s → %s',
    (chartVersion, manifest, output) => {
      expect(applyOutput({ chartVersion, manifest })).toBe(output)
    }
  )
})

// What helm v3.22 and v4.3 print for `--output table`, taken from the bed.
const HELM3_INSTALL = `NAME: web
LAST DEPLOYED: Mon Dec  7 10:31:01 2026
NAMESPACE: ns
STATUS: deployed
REVISION: 1
TEST SUITE: None
`
const HELM4_UPGRADE = `Release "web" has been upgraded. Happy Helming!
NAME: web
LAST DEPLOYED: Mon Dec  7 10:31:02 2026
NAMESPACE: ns
STATUS: deployed
REVISION: 3
DESCRIPTION: gitops-action abc s/a/ns/web.yaml digest=d
TEST SUITE: None
`

describe('parseApplied', () => {
  it.each([
    ['Helm 3 install', HELM3_INSTALL, 1],
    ['Helm 4 upgrade', HELM4_UPGRADE, 3],
    [
      'an OCI chart: pulled first',
      `Pulled: r/hello:0.2.0\nDigest: sha256:abc\n${HELM3_INSTALL}`,
      1
    ],
    ['CRLF line ends', HELM4_UPGRADE.replaceAll('\n', '\r\n'), 3]
  ])('the table of %s: the revision from helm’s own lines', (_name, stdout, revision) => {
    expect(parseApplied(stdout, 'table', 'web')).toEqual({ revision })
  })

  it('never reads the chart’s notes', () => {
    const notes = 'NOTES:\nNAME: web\nREVISION: 99\n'
    // Helm's header without a revision: what the notes say is not taken for one.
    const header = HELM3_INSTALL.replace('REVISION: 1\n', '')
    expect(parseApplied(header + notes, 'table', 'web').revision).toBeNull()
    expect(parseApplied(HELM3_INSTALL + notes, 'table', 'web').revision).toBe(1)
    expect(parseApplied(notes, 'table', 'web').revision).toBeNull()
  })

  it('another release’s table, or none, tells no revision', () => {
    expect(parseApplied(HELM3_INSTALL, 'table', 'api').revision).toBeNull()
    expect(parseApplied('', 'table', 'web').revision).toBeNull()
  })

  it('the JSON asked for is read as JSON', () => {
    expect(
      parseApplied('{"version":4,"chart":{"metadata":{"version":"2.0.0"}}}', 'json', 'web')
    ).toMatchObject({ revision: 4, chartVersion: '2.0.0' })
  })
})
