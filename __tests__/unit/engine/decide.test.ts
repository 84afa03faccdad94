import { describe, expect, it } from 'vitest'
import {
  decide,
  recheck,
  type Decision,
  type DriftInput,
  type Live,
  type LiveRequest
} from '../../../src/engine/decide.ts'
import { ownershipSignature } from '../../../src/engine/ownership.ts'
import { optionsNote } from '../../../src/engine/options-note.ts'
import type { Marker } from '../../../src/engine/marker.ts'
import type { Observation } from '../../../src/engine/observation.ts'
import { DEFAULT_OPTIONS, DEFAULT_REMOVAL } from '../../../src/plan/plan-options.ts'
import type {
  PlannedStep,
  ReleaseOptions,
  Removal,
  RunKindName as RunKind
} from '../../../src/types/plan.ts'
import type { ObjectDrift } from '../../../src/types/results.ts'
import { NO_HOOKS, webSpec } from '../../support/plan-spec.ts'

const target = { plan: 's/a/ns/web.yaml', setup: 's/a', namespace: 'ns', release: 'web' }
const apply = (postHooks = false): PlannedStep => ({
  action: 'apply',
  target,
  reasons: [],
  spec: webSpec(postHooks ? { hooks: { ...NO_HOOKS, 'post-upgrade': ['hook.sh'] } } : {})
})
const uninstall: PlannedStep = {
  action: 'uninstall',
  target,
  reasons: [],
  needs: [],
  removal: DEFAULT_REMOVAL
}

const DIGEST = 'd'.repeat(32)
const NOW = 1_000_000_000
const GRACE = 600_000
const RUN = '42'
const ours = (fields: Partial<Marker> = {}): Marker => ({
  digest: DIGEST,
  commit: 'c'.repeat(40),
  run: '7',
  finished: true,
  ...fields
})
const pending = (
  status: 'pending-install' | 'pending-upgrade' | 'pending-rollback' | 'uninstalling',
  age: number,
  fields: { run?: string; lastGood?: number } = {}
): Observation => ({
  kind: 'pending',
  status,
  revision: 3,
  since: NOW - age,
  marker: ours({ run: fields.run ?? '7' }),
  lastGood: 'lastGood' in fields ? fields.lastGood : 2
})

/** A decision in a few words: what runs, in order. */
function brief(d: Decision | LiveRequest): string {
  switch (d.kind) {
    case 'apply':
      return d.recover ? `${d.recover.kind}→${d.operation}` : d.operation
    case 'unchanged':
      return `unchanged ${d.operation}`
    case 'refuse':
      return `refuse ${d.status}`
    default:
      return d.kind
  }
}

// Every observation, and what a deploy and a re-sync do with an apply step and an uninstall step.
const TABLE: ReadonlyArray<
  readonly [
    string,
    Observation,
    { deploy: string; resync: string; uninstall: string; postHooks?: string }
  ]
> = [
  [
    'absent',
    { kind: 'absent' },
    { deploy: 'install', resync: 'install', uninstall: 'unchanged uninstall' }
  ],
  [
    'foreign, deployed',
    { kind: 'foreign', revision: 1, status: 'deployed' },
    { deploy: 'refuse failed', resync: 'refuse failed', uninstall: 'refuse skipped' }
  ],
  [
    'foreign, pending',
    { kind: 'foreign', revision: 2, status: 'pending-upgrade' },
    { deploy: 'refuse failed', resync: 'refuse failed', uninstall: 'refuse skipped' }
  ],
  [
    'ours, same digest, finished',
    { kind: 'deployed', revision: 2, marker: ours() },
    {
      deploy: 'unchanged upgrade',
      resync: 'upgrade',
      uninstall: 'uninstall',
      postHooks: 'unchanged upgrade'
    }
  ],
  [
    'ours, same digest, not finished (a post-hook failed, or a revision made by hand)',
    { kind: 'deployed', revision: 2, marker: ours({ finished: false }) },
    { deploy: 'upgrade', resync: 'upgrade', uninstall: 'uninstall', postHooks: 'upgrade' }
  ],
  [
    'ours, same digest, finished unknown (read from the description)',
    { kind: 'deployed', revision: 2, marker: ours({ finished: undefined }) },
    { deploy: 'unchanged upgrade', resync: 'upgrade', uninstall: 'uninstall', postHooks: 'upgrade' }
  ],
  [
    'ours, other digest',
    { kind: 'deployed', revision: 2, marker: ours({ digest: 'e'.repeat(32) }) },
    { deploy: 'upgrade', resync: 'upgrade', uninstall: 'uninstall' }
  ],
  [
    'ours, by an older action (description marker, no digest)',
    { kind: 'deployed', revision: 2, marker: { commit: 'c'.repeat(40), finished: undefined } },
    { deploy: 'upgrade', resync: 'upgrade', uninstall: 'uninstall' }
  ],
  [
    'ours, failed, never deployed',
    { kind: 'failed', revision: 1, marker: ours(), lastGood: undefined },
    { deploy: 'uninstall→install', resync: 'uninstall→install', uninstall: 'uninstall' }
  ],
  [
    'ours, failed after a good revision',
    { kind: 'failed', revision: 3, marker: ours(), lastGood: 2 },
    { deploy: 'upgrade', resync: 'upgrade', uninstall: 'uninstall' }
  ],
  [
    'ours, pending-upgrade by another run inside the grace',
    pending('pending-upgrade', GRACE - 1),
    { deploy: 'refuse failed', resync: 'refuse failed', uninstall: 'refuse failed' }
  ],
  [
    'ours, pending-install by another run inside the grace',
    pending('pending-install', 1000),
    { deploy: 'refuse failed', resync: 'refuse failed', uninstall: 'refuse failed' }
  ],
  [
    'ours, pending-upgrade by an earlier attempt of this run',
    pending('pending-upgrade', 1000, { run: RUN }),
    { deploy: 'rollback→upgrade', resync: 'rollback→upgrade', uninstall: 'uninstall' }
  ],
  [
    'ours, pending-upgrade older than the grace',
    pending('pending-upgrade', GRACE + 1),
    { deploy: 'rollback→upgrade', resync: 'rollback→upgrade', uninstall: 'uninstall' }
  ],
  [
    'ours, pending-rollback older than the grace',
    pending('pending-rollback', GRACE + 1),
    { deploy: 'rollback→upgrade', resync: 'rollback→upgrade', uninstall: 'uninstall' }
  ],
  [
    'ours, pending-upgrade older than the grace, no good revision',
    pending('pending-upgrade', GRACE + 1, { lastGood: undefined }),
    { deploy: 'uninstall→install', resync: 'uninstall→install', uninstall: 'uninstall' }
  ],
  [
    'ours, pending-install older than the grace',
    pending('pending-install', GRACE + 1),
    { deploy: 'uninstall→install', resync: 'uninstall→install', uninstall: 'uninstall' }
  ],
  [
    'ours, uninstalling older than the grace',
    pending('uninstalling', GRACE + 1),
    { deploy: 'uninstall→install', resync: 'uninstall→install', uninstall: 'uninstall' }
  ]
]

function decided(
  step: PlannedStep,
  observation: Observation | undefined,
  runKind: RunKind
): Decision | LiveRequest {
  return decide({
    step,
    observation,
    runKind,
    digest: step.action === 'apply' && runKind !== 'preview' ? DIGEST : undefined,
    now: NOW,
    pendingGraceMs: GRACE,
    run: RUN
  })
}

describe('decide: every observation × run kind', () => {
  describe.each(TABLE)('%s', (_name, observation, expected) => {
    it(`deploy: apply → ${expected.deploy}`, () =>
      expect(brief(decided(apply(), observation, 'deploy'))).toBe(expected.deploy))
    it(`deploy with post-hooks: apply → ${expected.postHooks ?? expected.deploy}`, () =>
      expect(brief(decided(apply(true), observation, 'deploy'))).toBe(
        expected.postHooks ?? expected.deploy
      ))
    it(`resync: apply → ${expected.resync}`, () =>
      expect(brief(decided(apply(), observation, 'resync'))).toBe(expected.resync))
    it.each(['deploy', 'resync'] as const)(`%s: uninstall → ${expected.uninstall}`, (kind) =>
      expect(brief(decided(uninstall, observation, kind))).toBe(expected.uninstall)
    )
    it('preview: render, or a planned uninstall, whatever the cluster holds', () => {
      expect(brief(decided(apply(), observation, 'preview'))).toBe('render')
      expect(brief(decided(uninstall, observation, 'preview'))).toBe('plan-uninstall')
    })
  })
  it('a preview never needs an observation', () => {
    expect(brief(decided(apply(), undefined, 'preview'))).toBe('render')
    expect(brief(decided(uninstall, undefined, 'preview'))).toBe('plan-uninstall')
  })
})

describe('decide: what it says', () => {
  it('a foreign release: how to hand it over', () => {
    const d = decided(apply(), { kind: 'foreign', revision: 4, status: 'deployed' }, 'deploy')
    expect(d).toMatchObject({ kind: 'refuse', operation: 'upgrade' })
    expect(d.kind === 'refuse' && d.reason).toContain(
      'kubectl label secret -n ns sh.helm.release.v1.web.v4 gitops-action/managed=true'
    )
  })
  it('a pending release inside the grace: who holds it and since when', () => {
    const d = decided(apply(), pending('pending-upgrade', 1000, { run: '99' }), 'deploy')
    expect(d.kind === 'refuse' && d.reason).toBe(
      `another run is deploying ns/web: revision 3 is pending-upgrade since ${new Date(NOW - 1000).toISOString()} by run 99; it is recovered once older than pending-grace (600 s)`
    )
  })
  it('recovery says why it was allowed', () => {
    const mine = decided(apply(), pending('pending-upgrade', 1000, { run: RUN }), 'deploy')
    expect(mine.kind === 'apply' && mine.recover).toEqual({
      kind: 'rollback',
      to: 2,
      reason: 'release was left pending-upgrade at revision 3 by an earlier attempt of this run'
    })
    const old = decided(apply(), pending('pending-install', GRACE + 1), 'deploy')
    expect(old.kind === 'apply' && old.recover).toEqual({
      kind: 'uninstall',
      reason: 'release was left pending-install at revision 3 more than pending-grace (600 s) ago'
    })
  })
  it('an unchanged release names its revision and commit', () => {
    expect(decided(apply(), { kind: 'deployed', revision: 5, marker: ours() }, 'deploy')).toEqual({
      kind: 'unchanged',
      operation: 'upgrade',
      revision: 5,
      note: 'unchanged: revision 5 already deploys this plan (commit cccccccccccc)'
    })
  })
  it('a revision the action did not finish is upgraded again, and the notes say so', () => {
    const d = decided(
      apply(true),
      { kind: 'deployed', revision: 5, marker: ours({ finished: false }) },
      'deploy'
    )
    expect(d).toEqual({
      kind: 'apply',
      operation: 'upgrade',
      lastDeployed: 5,
      notes: [
        'revision 5 was not finished by gitops-action (a post-hook failed, or it was changed by hand): upgrading again'
      ]
    })
  })
})

describe('decide: what the plan asks for its release', () => {
  const withOptions = (options: Partial<ReleaseOptions>): PlannedStep => {
    const step = apply()
    if (step.action !== 'apply') throw new Error('apply step')
    return { ...step, spec: { ...step.spec, options: { ...DEFAULT_OPTIONS, ...options } } }
  }
  const removed = (removal: Partial<Removal>): PlannedStep => ({
    ...uninstall,
    action: 'uninstall',
    removal: { ...DEFAULT_REMOVAL, ...removal }
  })
  const deployed: Observation = { kind: 'deployed', revision: 2, marker: ours({ digest: 'old' }) }
  const base = { digest: DIGEST, now: NOW, pendingGraceMs: GRACE, run: RUN }

  it.each<[string, PlannedStep, Observation | undefined, RunKind, Decision | LiveRequest]>([
    [
      'a suspended plan is left alone, even when it changed',
      withOptions({ suspend: true }),
      deployed,
      'deploy',
      { kind: 'leave', note: 'suspended: release ns/web is left as it is (suspend: true)' }
    ],
    [
      'a suspended plan is left alone in a re-sync',
      withOptions({ suspend: true }),
      { kind: 'absent' },
      'resync',
      { kind: 'leave', note: 'suspended: release ns/web is left as it is (suspend: true)' }
    ],
    [
      'a suspended plan is not rendered in a preview either',
      withOptions({ suspend: true }),
      undefined,
      'preview',
      { kind: 'leave', note: 'suspended: release ns/web is left as it is (suspend: true)' }
    ],
    [
      'a plan removed while suspended is not uninstalled',
      removed({ suspend: true }),
      deployed,
      'deploy',
      {
        kind: 'leave',
        note: 'suspended: the plan was removed while suspend: true, so release ns/web is not uninstalled'
      }
    ],
    [
      'a plan removed with keep is orphaned, not uninstalled',
      removed({ keep: true }),
      deployed,
      'deploy',
      {
        kind: 'leave',
        note: 'orphaned: the plan was removed with keep: true, so release ns/web stays in the cluster; uninstall it by hand when it is no longer needed'
      }
    ],
    [
      'keep says nothing while the plan exists',
      withOptions({ keep: true }),
      deployed,
      'deploy',
      { kind: 'apply', operation: 'upgrade', lastDeployed: 2, notes: [] }
    ],
    [
      'a revision whose post-install hooks failed: only the hooks run again',
      apply(),
      {
        kind: 'deployed',
        revision: 1,
        marker: ours({ finished: false, postHooksFailed: 'install' })
      },
      'deploy',
      {
        kind: 'retry-hooks',
        operation: 'install',
        revision: 1,
        note: 'post-install hooks of revision 1 failed in an earlier run: running them again (helm is not run)'
      }
    ],
    [
      'post-upgrade hooks that failed: the same',
      apply(true),
      {
        kind: 'deployed',
        revision: 4,
        marker: ours({ finished: false, postHooksFailed: 'upgrade' })
      },
      'deploy',
      {
        kind: 'retry-hooks',
        operation: 'upgrade',
        revision: 4,
        note: 'post-upgrade hooks of revision 4 failed in an earlier run: running them again (helm is not run)'
      }
    ],
    [
      'failed hooks, but the plan changed since: upgraded',
      apply(),
      {
        kind: 'deployed',
        revision: 1,
        marker: ours({ digest: 'old', finished: false, postHooksFailed: 'install' })
      },
      'deploy',
      { kind: 'apply', operation: 'upgrade', lastDeployed: 1, notes: [] }
    ],
    [
      'a failed release rolls a failed test back to its last good revision',
      apply(),
      { kind: 'failed', revision: 5, marker: ours(), lastGood: 3 },
      'deploy',
      { kind: 'apply', operation: 'upgrade', lastDeployed: 3, notes: [] }
    ]
  ])('%s', (_name, step, observation, runKind, expected) => {
    expect(decide({ ...base, step, observation, runKind })).toEqual(expected)
  })
})

describe('the options note (summary, results, preview)', () => {
  it.each<[Partial<ReleaseOptions>, string | undefined]>([
    [{}, undefined],
    [{ suspend: true }, undefined],
    [
      {
        atomic: true,
        wait: false,
        timeout: '5m',
        set: { b: 1, a: { c: 2 } },
        test: { rollbackOnFailure: true },
        keep: true
      },
      'release options: atomic on, wait off, timeout 5m, set a, b, helm test (rollback on failure), keep on removal'
    ],
    [{ test: { rollbackOnFailure: false } }, 'release options: helm test'],
    [{ health: { ...DEFAULT_OPTIONS.health, enable: true } }, 'release options: health-checked'],
    [{ crds: 'create' }, undefined],
    [
      { crds: 'create-replace', keep: true },
      'release options: keep on removal, crds create-replace'
    ]
  ])('%j → %s', (options, expected) => {
    expect(optionsNote({ ...DEFAULT_OPTIONS, ...options })).toBe(expected)
  })
})

describe('decide: a drift check (the same dispatcher)', () => {
  const SHA = 'a'.repeat(40)
  const drifted = { object: 'ConfigMap/ns/a', state: 'drifted' as const, fields: [] }
  const gone = { object: 'ConfigMap/ns/b', state: 'missing' as const, fields: [] }
  const unknown = { object: 'Widget/ns/w', state: 'unknown-kind' as const, fields: [] }
  const suspended = (): PlannedStep => {
    const step = apply()
    if (step.action !== 'apply') throw new Error('apply step')
    return {
      ...step,
      spec: { ...step.spec, options: { ...DEFAULT_OPTIONS, suspend: true } }
    }
  }
  const drift = (
    step: PlannedStep,
    observation: Observation | undefined,
    runKind: 'drift-report' | 'drift-correct',
    live?: Live,
    fields: Partial<DriftInput> = {}
  ) =>
    decide({
      step,
      observation,
      runKind,
      digest: undefined,
      now: NOW,
      pendingGraceMs: GRACE,
      run: RUN,
      drift: {
        commit: SHA,
        prune: false,
        ownershipKey: undefined,
        ...fields,
        ...(live && { live })
      }
    })
  /** What the check does, and the drift state its result carries. */
  const said = (d: Decision | LiveRequest): string => {
    switch (d.kind) {
      case 'observe-live':
        return `observe ${d.what}`
      case 'apply':
        return `${d.operation}${d.reclaim ? ' reclaiming' : ''} (${d.drift?.state ?? '-'})`
      case 'report':
      case 'leave':
      case 'uninstall':
        return `${d.kind} (${d.drift?.state ?? '-'})`
      default:
        return d.kind
    }
  }
  const deployed: Observation = { kind: 'deployed', revision: 3, marker: ours() }
  const failedRelease: Observation = { kind: 'failed', revision: 4, marker: ours(), lastGood: 3 }
  const objects = (...found: ObjectDrift[]): Live => ({ kind: 'objects', objects: found })

  // [case, step, observation, live objects read, report, correct]
  it.each<[string, PlannedStep, Observation | undefined, Live | undefined, string, string]>([
    [
      'no release',
      apply(),
      { kind: 'absent' },
      undefined,
      'report (release-missing)',
      'install reclaiming (release-missing)'
    ],
    [
      'no observation (read as absent)',
      apply(),
      undefined,
      undefined,
      'report (release-missing)',
      'install reclaiming (release-missing)'
    ],
    [
      'a release of another tool',
      apply(),
      { kind: 'foreign', revision: 1, status: 'deployed' },
      undefined,
      'leave (-)',
      'leave (-)'
    ],
    [
      'a release another run is deploying',
      apply(),
      pending('pending-upgrade', GRACE + 1),
      undefined,
      'leave (-)',
      'leave (-)'
    ],
    [
      'ours, live objects not read yet',
      apply(),
      deployed,
      undefined,
      'observe objects',
      'observe objects'
    ],
    [
      'ours, failed, live objects not read yet',
      apply(),
      failedRelease,
      undefined,
      'observe objects',
      'observe objects'
    ],
    ['ours, in sync', apply(), deployed, objects(), 'report (in-sync)', 'report (in-sync)'],
    [
      'ours, a field changed',
      apply(),
      deployed,
      objects(drifted),
      'report (drifted)',
      'upgrade reclaiming (drifted)'
    ],
    [
      'ours, an object deleted',
      apply(),
      failedRelease,
      objects(gone),
      'report (drifted)',
      'upgrade reclaiming (drifted)'
    ],
    [
      'ours, only a kind the server does not serve',
      apply(),
      deployed,
      objects(unknown),
      'report (drifted)',
      'report (drifted)'
    ],
    [
      'ours, an unknown kind and a drifted one',
      apply(),
      deployed,
      objects(unknown, drifted),
      'report (drifted)',
      'upgrade reclaiming (drifted)'
    ],
    [
      'suspended, absent',
      suspended(),
      { kind: 'absent' },
      undefined,
      'leave (suspended)',
      'leave (suspended)'
    ],
    [
      'suspended, drifted',
      suspended(),
      deployed,
      objects(drifted),
      'leave (suspended)',
      'leave (suspended)'
    ]
  ])('%s → report: %s, correct: %s', (_name, step, observation, live, report, correct) => {
    expect(said(drift(step, observation, 'drift-report', live))).toBe(report)
    expect(said(drift(step, observation, 'drift-correct', live))).toBe(correct)
  })

  it('what it says', () => {
    expect(drift(apply(), { kind: 'absent' }, 'drift-report')).toEqual({
      kind: 'report',
      revision: null,
      line: 'release ns/web is missing',
      notes: ['release missing'],
      drift: { state: 'release-missing', objects: [] }
    })
    expect(drift(apply(), failedRelease, 'drift-report')).toEqual({
      kind: 'observe-live',
      what: 'objects',
      notes: ["its newest revision 4 failed: compared with that revision's manifest"]
    })
    expect(drift(apply(), deployed, 'drift-report', objects(drifted, gone))).toEqual({
      kind: 'report',
      revision: 3,
      notes: ['drifted: 2 object(s), 0 field(s), 1 missing'],
      drift: { state: 'drifted', objects: [drifted, gone] }
    })
    expect(drift(apply(), deployed, 'drift-correct', objects(drifted))).toEqual({
      kind: 'apply',
      operation: 'upgrade',
      lastDeployed: 3,
      notes: ['corrected: re-applied as aaaaaaaaaaaa says'],
      reclaim: true,
      drift: { state: 'drifted', objects: [drifted] }
    })
    expect(
      drift(apply(), { kind: 'foreign', revision: 1, status: 'deployed' }, 'drift-correct')
    ).toEqual({
      kind: 'leave',
      note: 'release ns/web (revision 1) was not deployed by gitops-action: not checked, never corrected'
    })
  })

  describe('an orphan (an uninstall step of a drift check)', () => {
    const KEY = 'k'.repeat(32)
    const why = 'orphan: no plan declares ns/web (deployed by cccccccccccc, revision 3)'
    const orphan: PlannedStep = { ...uninstall, reasons: [why] }
    const signedMarker = (key: string) =>
      ours({
        signature: ownershipSignature(key, {
          namespace: 'ns',
          release: 'web',
          revision: 3,
          digest: DIGEST
        })
      })
    const signed: Observation = { kind: 'deployed', revision: 3, marker: signedMarker(KEY) }
    const byHand = 'uninstall it by hand if it is no longer needed'
    const report = (reason: string): Decision => ({
      kind: 'report',
      revision: 3,
      line: reason,
      notes: [why, reason],
      drift: { state: 'orphan', objects: [] }
    })
    const inside: Live = { kind: 'scope', outside: [] }
    it.each<[string, Observation, Partial<DriftInput>, Live | undefined, Decision | LiveRequest]>([
      ['prune not asked', signed, {}, undefined, report('prune: true uninstalls it')],
      [
        'no ownership key',
        signed,
        { prune: true },
        undefined,
        report(
          'not uninstalled: prune needs the ownership-key input to tell the releases this action deployed'
        )
      ],
      [
        'unsigned',
        deployed,
        { prune: true, ownershipKey: KEY },
        undefined,
        report(
          `not uninstalled: revision 3 carries no ownership signature (deployed before ownership-key was set, or its deploy did not finish); ${byHand}`
        )
      ],
      [
        'forged (signed with another key), even when it stays in its namespace',
        { kind: 'deployed', revision: 3, marker: signedMarker('o'.repeat(32)) },
        { prune: true, ownershipKey: KEY },
        inside,
        report(
          `not uninstalled: the ownership signature on revision 3 does not verify (copied from another release, forged, or made with another key); ${byHand}`
        )
      ],
      [
        'verified, its scope not read yet',
        signed,
        { prune: true, ownershipKey: KEY },
        undefined,
        { kind: 'observe-live', what: 'scope', notes: [] }
      ],
      [
        'verified but holding objects outside its namespace',
        signed,
        { prune: true, ownershipKey: KEY },
        { kind: 'scope', outside: ['ClusterRole/admin', 'ConfigMap/kube-system/a'] },
        report(
          `not uninstalled: its release holds objects outside namespace ns (ClusterRole/admin, ConfigMap/kube-system/a), which prune never deletes; ${byHand}`
        )
      ],
      [
        'verified, failed, all in its namespace: uninstalled',
        { kind: 'failed', revision: 3, marker: signedMarker(KEY), lastGood: undefined },
        { prune: true, ownershipKey: KEY },
        inside,
        { kind: 'uninstall', notes: [why], drift: { state: 'orphan', objects: [] } }
      ]
    ])('%s', (_name, observation, fields, live, expected) => {
      expect(drift(orphan, observation, 'drift-correct', live, fields)).toEqual(expected)
      expect(drift(orphan, observation, 'drift-report', live, fields)).toEqual(expected)
    })
    it('is only ever a release this action deployed', () => {
      expect(() => drift(orphan, pending('pending-upgrade', 1), 'drift-report')).toThrow(
        'an orphan is a release this action deployed'
      )
    })
  })

  it('needs its input', () => {
    expect(() =>
      decide({
        step: apply(),
        observation: deployed,
        runKind: 'drift-report',
        digest: undefined,
        now: NOW,
        pendingGraceMs: GRACE,
        run: RUN
      })
    ).toThrow('a drift check decided without its input')
  })
})

describe('decide: a digest quarantined after a failed health check', () => {
  const FAILED = DIGEST
  /** Revision 3 is the rollback to revision 1 after revision 2 (digest FAILED) was unhealthy. */
  const rolledBack = (quarantined = FAILED): Observation => ({
    kind: 'deployed',
    revision: 3,
    marker: ours({ digest: 'b'.repeat(32), finished: false, quarantined })
  })
  const found: ObjectDrift[] = [{ object: 'ConfigMap/ns/a', state: 'drifted', fields: [] }]
  const drifted: Live = { kind: 'objects', objects: found }
  const inSync: Live = { kind: 'objects', objects: [] }
  const quarantinedNote = (run: string) =>
    `quarantined: plan digest dddddddddddd failed its health check and was rolled back to revision 3; ${run} does not apply it again until the plan changes (push a fix, or run with retry-quarantined: true to apply it anyway)`
  const retryNote =
    'retry-quarantined: applying it again, though plan digest dddddddddddd failed its health check and was rolled back to revision 3'
  const decided = (
    runKind: RunKind,
    observation: Observation,
    fields: { digest?: string; retryQuarantined?: boolean; live?: Live } = {}
  ) =>
    decide({
      step: apply(),
      observation,
      runKind,
      digest: fields.digest ?? FAILED,
      now: NOW,
      pendingGraceMs: GRACE,
      run: RUN,
      ...(fields.retryQuarantined !== undefined && { retryQuarantined: fields.retryQuarantined }),
      ...((runKind === 'drift-report' || runKind === 'drift-correct') && {
        drift: {
          commit: 'a'.repeat(40),
          prune: false,
          ownershipKey: undefined,
          ...(fields.live && { live: fields.live })
        }
      })
    })

  it.each<[string, RunKind, Parameters<typeof decided>[2], Observation, unknown]>([
    [
      'a re-sync of the same digest: skipped, saying why and how to force it',
      'resync',
      {},
      rolledBack(),
      { kind: 'leave', note: quarantinedNote('a re-sync') }
    ],
    [
      'a re-sync with retry-quarantined: applied, saying so',
      'resync',
      { retryQuarantined: true },
      rolledBack(),
      { kind: 'apply', operation: 'upgrade', lastDeployed: 3, notes: [retryNote] }
    ],
    [
      'a re-sync of a changed plan: applied',
      'resync',
      { digest: 'e'.repeat(32) },
      rolledBack(),
      { kind: 'apply', operation: 'upgrade', lastDeployed: 3, notes: [] }
    ],
    [
      'a push of the same digest: applied (a push is a change someone made)',
      'deploy',
      {},
      rolledBack(),
      { kind: 'apply', operation: 'upgrade', lastDeployed: 3, notes: [] }
    ],
    [
      'a drift correction of drifted objects: reported, not corrected',
      'drift-correct',
      { live: drifted },
      rolledBack(),
      {
        kind: 'report',
        revision: 3,
        notes: [
          'drifted: 1 object(s), 0 field(s), 0 missing',
          quarantinedNote('a drift correction')
        ],
        drift: {
          state: 'drifted',
          objects: found
        }
      }
    ],
    [
      'a drift correction with retry-quarantined: corrected, saying so',
      'drift-correct',
      { live: drifted, retryQuarantined: true },
      rolledBack(),
      {
        kind: 'apply',
        operation: 'upgrade',
        lastDeployed: 3,
        notes: [retryNote, 'corrected: re-applied as aaaaaaaaaaaa says'],
        reclaim: true,
        drift: {
          state: 'drifted',
          objects: found
        }
      }
    ],
    [
      'a drift check in sync: nothing to say',
      'drift-correct',
      { live: inSync },
      rolledBack(),
      { kind: 'report', revision: 3, notes: ['in sync'], drift: { state: 'in-sync', objects: [] } }
    ],
    [
      'a drift report never applies: no note',
      'drift-report',
      { live: drifted },
      rolledBack(),
      {
        kind: 'report',
        revision: 3,
        notes: ['drifted: 1 object(s), 0 field(s), 0 missing'],
        drift: {
          state: 'drifted',
          objects: found
        }
      }
    ]
  ])('%s', (_name, runKind, fields, observation, expected) => {
    expect(decided(runKind, observation, fields)).toEqual(expected)
  })
})

describe('recheck: a correction counts only when nothing still differs', () => {
  const COMMIT = 'c'.repeat(40)
  const edited: ObjectDrift = {
    object: 'Widget/ns/w',
    state: 'drifted',
    fields: [
      { path: '/spec/size', want: '1', have: '2' },
      { path: '/spec/color', want: 'red', have: 'blue' }
    ]
  }
  const gone: ObjectDrift = { object: 'ConfigMap/ns/web', state: 'missing', fields: [] }
  const HELM3 =
    ': Helm 3 takes back no hand edit of a custom resource (its patch compares the manifests alone); apply the manifest by hand (helm get manifest | kubectl apply -f -) or deploy with Helm 4'
  it.each<[string, ObjectDrift[], 3 | 4, string | undefined]>([
    ['nothing differs: corrected', [], 3, undefined],
    [
      'Helm 4, fields and a missing object named',
      [edited, gone],
      4,
      'not corrected: helm re-applied cccccccccccc, and still differing: Widget/ns/w (/spec/size, /spec/color); ConfigMap/ns/web (missing)'
    ],
    [
      'Helm 3 says why',
      [edited],
      3,
      `not corrected: helm re-applied cccccccccccc, and still differing: Widget/ns/w (/spec/size, /spec/color)${HELM3}`
    ]
  ])('%s', (_name, remaining, major, error) => {
    expect(recheck(remaining, major, COMMIT)).toEqual(
      error === undefined
        ? { corrected: true }
        : { corrected: false, drift: { state: 'drifted', objects: remaining }, error }
    )
  })
})
