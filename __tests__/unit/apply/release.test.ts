import { describe, expect, it } from 'vitest'
import {
  NOT_FOUND,
  chartVersionOf,
  lastGoodRevision,
  parseHistory,
  parseRelease,
  recoveryFor
} from '../../../src/apply/release.ts'

const history = (status: string, revision: number) =>
  JSON.stringify([
    { revision: revision - 1, status: 'superseded', chart: 'demo-0.1.0', description: 'old' },
    {
      revision,
      status,
      chart: 'demo-0.1.0',
      app_version: '1',
      description: 'gitops-action abc x.yaml'
    }
  ])

describe('release state from helm history', () => {
  it('an empty answer is absent', () => {
    expect(parseHistory('[]')).toEqual({ kind: 'absent' })
    expect(parseHistory('')).toEqual({ kind: 'absent' })
  })
  it('an uninstalled release kept in history is absent', () => {
    expect(parseHistory(history('uninstalled', 2))).toEqual({ kind: 'absent' })
  })
  it('reads the newest revision: status, revision, chart and description', () => {
    expect(parseHistory(history('deployed', 3))).toEqual({
      kind: 'present',
      status: 'deployed',
      revision: 3,
      chart: 'demo-0.1.0',
      description: 'gitops-action abc x.yaml'
    })
  })
  it("knows helm's not-found answer", () => {
    expect(NOT_FOUND.test('Error: release: not found')).toBe(true)
  })
})

describe('recovery', () => {
  it.each([
    ['deployed', '3', 'none'],
    ['superseded', '3', 'none'],
    ['failed', '2', 'none'],
    ['failed', '1', 'uninstall'],
    ['pending-install', '1', 'uninstall'],
    ['pending-upgrade', '4', 'rollback'],
    ['pending-upgrade', '1', 'uninstall'],
    ['pending-rollback', '5', 'rollback'],
    ['uninstalling', '2', 'uninstall']
  ])('%s at %s → %s', (status, revision, kind) => {
    expect(recoveryFor(parseHistory(history(status, Number(revision)))).kind).toBe(kind)
  })
  it('rolls back to the newest deployed or superseded revision before the pending one', () => {
    const history = JSON.stringify([
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'deployed' },
      { revision: 3, status: 'failed' },
      { revision: 4, status: 'pending-upgrade' }
    ])
    expect(lastGoodRevision(history, 4)).toBe(2)
    expect(lastGoodRevision(JSON.stringify([{ revision: 1, status: 'failed' }]), 2)).toBeUndefined()
  })
})

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
    ).toEqual({
      revision: 2,
      chartVersion: '1.2.3',
      applyMethod: 'ssa'
    })
    expect(parseRelease('not json').revision).toBeNull()
    expect(
      parseRelease('Pulled: 127.0.0.1:5000/charts/hello:0.2.0\nDigest: sha256:abc\n{"version":3}\n')
        .revision
    ).toBe(3)
  })
  it.each([
    ['demo-0.1.0', '0.1.0'],
    ['my-chart-10.2.3-rc.1', '10.2.3-rc.1'],
    ['weird', '']
  ])('%s → %s', (chart, version) => expect(chartVersionOf(chart)).toBe(version))
})
