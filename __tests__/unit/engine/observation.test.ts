import { describe, expect, it } from 'vitest'
import {
  observe,
  revisionsFromHistory,
  revisionsFromSecrets
} from '../../../src/engine/observation.ts'

const marker = {
  'gitops-action/managed': 'true',
  'gitops-action/digest': 'a'.repeat(32),
  'gitops-action/commit': 'c'.repeat(40),
  'gitops-action/run': '7'
}
const secret = (
  name: string,
  version: number,
  status: string,
  ours = true,
  created = '2026-12-02T01:00:00Z'
) => ({
  name: `sh.helm.release.v1.${name}.v${version}`,
  creationTimestamp: created,
  labels: {
    name,
    owner: 'helm',
    status,
    version: String(version),
    ...(ours ? { ...marker, 'gitops-action/finished': String(version) } : {})
  }
})

describe('observation from release Secrets', () => {
  it('no revision is absent; an uninstalled one kept in history too', () => {
    expect(observe([])).toEqual({ kind: 'absent' })
    expect(observe(revisionsFromSecrets([secret('web', 1, 'uninstalled')]))).toEqual({
      kind: 'absent'
    })
  })
  it('the newest revision decides, whatever the list order', () => {
    const revisions = revisionsFromSecrets([
      secret('web', 2, 'deployed'),
      secret('web', 1, 'superseded')
    ])
    expect(observe(revisions)).toEqual({
      kind: 'deployed',
      revision: 2,
      marker: { digest: 'a'.repeat(32), commit: 'c'.repeat(40), run: '7', finished: true }
    })
  })
  it('no marker on the newest revision: foreign, even if an older one was ours', () => {
    const revisions = revisionsFromSecrets([
      secret('web', 1, 'superseded'),
      secret('web', 2, 'deployed', false)
    ])
    expect(observe(revisions)).toEqual({ kind: 'foreign', revision: 2, status: 'deployed' })
  })
  it('pending: since when, and the last good revision to roll back to', () => {
    const revisions = revisionsFromSecrets([
      secret('web', 1, 'superseded'),
      secret('web', 2, 'failed'),
      secret('web', 3, 'pending-upgrade', true, '2026-12-02T01:30:00Z')
    ])
    expect(observe(revisions)).toMatchObject({
      kind: 'pending',
      status: 'pending-upgrade',
      revision: 3,
      since: Date.parse('2026-12-02T01:30:00Z'),
      lastGood: 1
    })
  })
  it('failed without a good revision before it', () => {
    expect(observe(revisionsFromSecrets([secret('web', 1, 'failed')]))).toMatchObject({
      kind: 'failed',
      revision: 1,
      lastGood: undefined
    })
  })
  it('Secrets that are not helm release records are ignored', () => {
    expect(revisionsFromSecrets([{ name: 'x', labels: { owner: 'helm' } }, {}])).toEqual([])
  })
})

describe('observation from helm history (other drivers, older markers)', () => {
  it('reads the marker from the description, hooks unknown', () => {
    const history = JSON.stringify([
      { revision: 1, status: 'superseded', description: 'Install complete' },
      {
        revision: 2,
        status: 'deployed',
        updated: '2026-12-02T01:00:00Z',
        description: `gitops-action ${'c'.repeat(40)} s/a/ns/web.yaml`
      }
    ])
    expect(observe(revisionsFromHistory('web', history))).toEqual({
      kind: 'deployed',
      revision: 2,
      marker: { commit: 'c'.repeat(40), digest: undefined, finished: undefined }
    })
  })
  it("a hand-written description is foreign; today's description carries the digest", () => {
    const [foreign, ours] = [
      'Upgrade complete',
      `gitops-action ${'c'.repeat(40)} s/a/ns/web.yaml digest=${'b'.repeat(32)}`
    ].map((description) =>
      observe(
        revisionsFromHistory(
          'web',
          JSON.stringify([{ revision: 1, status: 'deployed', description }])
        )
      )
    )
    expect(foreign).toEqual({ kind: 'foreign', revision: 1, status: 'deployed' })
    expect(ours).toMatchObject({ kind: 'deployed', marker: { digest: 'b'.repeat(32) } })
  })
})
