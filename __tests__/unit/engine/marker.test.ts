import { describe, expect, it } from 'vitest'
import {
  hooksFailedLabel,
  markerFromDescription,
  markerFromLabels,
  markerLabels,
  planDigest,
  quarantineLabel,
  releaseDescription
} from '../../../src/engine/marker.ts'
import type { ReleaseOptions } from '../../../src/types/plan.ts'
import { webSpec } from '../../support/plan-spec.ts'

const spec = webSpec({ version: '1.0.0', values: ['v.yaml'] })
const digest = (over: Partial<Parameters<typeof planDigest>[0]> = {}) =>
  planDigest({ spec, files: ['a: 1'], helmArgs: [], sha: 'c'.repeat(40), ...over })

describe('marker labels', () => {
  it('are written as helm --labels takes them, and read back', () => {
    const labels = markerLabels({ digest: 'a'.repeat(32), commit: 'c'.repeat(40), run: '12' })
    expect(labels).toBe(
      `gitops-action/managed=true,gitops-action/digest=${'a'.repeat(32)},gitops-action/commit=${'c'.repeat(40)},gitops-action/run=12`
    )
    const parsed = Object.fromEntries(labels.split(',').map((kv) => kv.split('=')))
    expect(markerFromLabels(parsed)).toEqual({
      digest: 'a'.repeat(32),
      commit: 'c'.repeat(40),
      run: '12',
      finished: false
    })
  })
  it('finished: only when the mark names the revision that carries it (helm copies labels forward)', () => {
    const labels = { 'gitops-action/managed': 'true', version: '3' }
    expect(markerFromLabels({ ...labels, 'gitops-action/finished': '3' })?.finished).toBe(true)
    expect(markerFromLabels({ ...labels, 'gitops-action/finished': '2' })?.finished).toBe(false)
    expect(markerFromLabels(labels)?.finished).toBe(false)
  })
  it('the ownership signature is read as found, verified only by prune', () => {
    const labels = { 'gitops-action/managed': 'true', version: '3' }
    expect(markerFromLabels({ ...labels, 'gitops-action/signature': 'ab' })?.signature).toBe('ab')
    expect(markerFromLabels(labels)).not.toHaveProperty('signature')
  })
  it('a run id that is not a number is not written', () => {
    expect(markerLabels({ digest: 'a', commit: 'c', run: 'x,y=z' })).not.toContain('run')
  })
  it('labels without managed=true are no marker', () => {
    expect(markerFromLabels({ 'gitops-action/digest': 'a' })).toBeUndefined()
  })
  it('the description round-trips', () => {
    expect(
      markerFromDescription(releaseDescription('c'.repeat(40), 'a/b/ns/web.yaml', 'f'.repeat(32)))
    ).toEqual({
      commit: 'c'.repeat(40),
      digest: 'f'.repeat(32),
      finished: undefined
    })
  })
})

describe('plan digest', () => {
  it('is stable, and changes with values, hook or helm-args contents and the spec', () => {
    expect(digest()).toMatch(/^[0-9a-f]{32}$/)
    expect(digest()).toBe(digest())
    expect(digest({ files: ['a: 2'] })).not.toBe(digest())
    expect(digest({ helmArgs: ['--wait'] })).not.toBe(digest())
    expect(digest({ spec: { ...spec, version: '1.0.1' } })).not.toBe(digest())
  })
  it('the commit counts only for local charts (their files are not hashed)', () => {
    expect(digest({ sha: 'd'.repeat(40) })).toBe(digest())
    const local = { ...spec, chart: { kind: 'local' as const, path: 'charts/web' } }
    expect(digest({ spec: local, sha: 'd'.repeat(40) })).not.toBe(digest({ spec: local }))
  })
})

describe('the outcome of post-hooks on a revision', () => {
  const labels = (extra: Record<string, string>) => ({
    'gitops-action/managed': 'true',
    'gitops-action/digest': 'd',
    'gitops-action/commit': 'c',
    version: '3',
    ...extra
  })
  it.each([
    [
      'failed on this revision',
      { 'gitops-action/hooks-failed': hooksFailedLabel('install', 3) },
      'install'
    ],
    ['failed on an upgrade', { 'gitops-action/hooks-failed': 'upgrade.3' }, 'upgrade'],
    [
      'copied by helm from an earlier revision: not this one',
      { 'gitops-action/hooks-failed': 'install.2' },
      undefined
    ],
    ['nothing recorded', {}, undefined],
    ['garbage', { 'gitops-action/hooks-failed': 'x.3' }, undefined]
  ])('%s', (_name, extra, expected) => {
    expect(markerFromLabels(labels(extra))?.postHooksFailed).toBe(expected)
  })

  it.each([
    [
      'the rollback after a failed health check, on this revision',
      { 'gitops-action/quarantined': quarantineLabel('e'.repeat(32), 3) },
      'e'.repeat(32)
    ],
    [
      'copied by helm into a later revision: not this one',
      { 'gitops-action/quarantined': quarantineLabel('e'.repeat(32), 2) },
      undefined
    ],
    ['nothing recorded', {}, undefined],
    ['garbage', { 'gitops-action/quarantined': 'not-a-digest.3' }, undefined]
  ])('quarantined: %s', (_name, extra, expected) => {
    expect(markerFromLabels(labels(extra))?.quarantined).toBe(expected)
  })

  it('options left unset keep the digest a plan had before they existed; set ones change it', () => {
    const before = digest()
    expect(
      digest({ spec: { ...spec, options: { ...spec.options, keep: true, suspend: true } } })
    ).toBe(before)
    expect(digest({ spec: { ...spec, options: { ...spec.options, atomic: true } } })).not.toBe(
      before
    )
    expect(digest({ spec: { ...spec, options: { ...spec.options, set: { a: 1 } } } })).not.toBe(
      before
    )
    expect(digest({ spec: { ...spec, hooks: { ...spec.hooks, 'pre-uninstall': ['x.sh'] } } })).toBe(
      before
    )
  })

  it("crds counts once it is not helm's own create: switching to create-replace deploys again", () => {
    const withCrds = (crds: ReleaseOptions['crds']) =>
      digest({ spec: { ...spec, options: { ...spec.options, crds } } })
    expect(withCrds('create')).toBe(digest())
    expect(withCrds('create-replace')).not.toBe(digest())
    expect(withCrds('skip')).not.toBe(digest())
    expect(withCrds('skip')).not.toBe(withCrds('create-replace'))
  })

  it('leaves the health check out: it decides what is read after helm, not what helm does', () => {
    const health = {
      enable: true,
      expressions: [{ apiVersion: 'example.com/v1', kind: 'Widget', current: 'true' }],
      ignore: ['Service/edge-lb']
    }
    expect(digest({ spec: { ...spec, options: { ...spec.options, health } } })).toBe(digest())
  })
})
