import { describe, expect, it } from 'vitest'
import { MAX_VALUE, parseManifest } from '../../../src/render/objects.ts'
import {
  countLine,
  diffLines,
  diffObjects,
  DIFF_LINES_PER_OBJECT,
  truncationNotes
} from '../../../src/render/object-diff.ts'
import { MAX_EDITS, MAX_LINE, unifiedDiff } from '../../../src/render/line-diff.ts'

const cm = (name: string, value: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: ${value}\n${extra}`
const deploy = (apiVersion: string, kind = 'Deployment') =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: web\nspec:\n  replicas: 1\n`
const hook = (name: string, events: string, image = 'busybox:1') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    helm.sh/hook: ${JSON.stringify(events)}\nspec:\n  image: ${image}\n`
const secret = (value: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: ${Buffer.from(value).toString('base64')}\nstringData:\n  token: ${value}\n`

function diff(base: string, head: string) {
  return diffObjects(parseManifest(base, 'ns'), parseManifest(head, 'ns'))
}

describe('the object diff', () => {
  const table: {
    name: string
    base: string
    head: string
    counts: string
    keys?: string[]
  }[] = [
    {
      name: 'reordered documents are no change',
      base: `---\n${cm('a', '1')}---\n${cm('b', '2')}`,
      head: `---\n# Source: chart/templates/b.yaml\n${cm('b', '2')}---\n${cm('a', '1')}`,
      counts: '+0 ~0 -0 objects'
    },
    {
      name: 'a manifest re-split into a List and keys reordered is no change',
      base: `${cm('a', '1')}---\n${cm('b', '2')}`,
      head: `apiVersion: v1\nkind: List\nitems:\n  - metadata:\n      name: a\n    kind: ConfigMap\n    apiVersion: v1\n    data:\n      key: 1\n  - ${cm('b', '2').split('\n').join('\n    ')}`,
      counts: '+0 ~0 -0 objects'
    },
    {
      name: 'a value changed is one changed object',
      base: `${cm('a', '1')}---\n${cm('b', '2')}`,
      head: `${cm('a', '1')}---\n${cm('b', '3')}`,
      counts: '+0 ~1 -0 objects',
      keys: ['v1 ConfigMap ns/b']
    },
    {
      name: 'a kind renamed is one removed and one added object',
      base: deploy('apps/v1'),
      head: deploy('apps/v1', 'StatefulSet'),
      counts: '+1 ~0 -1 objects',
      keys: ['apps/v1 Deployment ns/web', 'apps/v1 StatefulSet ns/web']
    },
    {
      name: 'an apiVersion moved is one removed and one added object',
      base: deploy('extensions/v1beta1'),
      head: deploy('apps/v1'),
      counts: '+1 ~0 -1 objects'
    },
    {
      name: 'an explicit namespace keys apart from the release namespace',
      base: cm('a', '1'),
      head: cm('a', '1').replace('  name: a', '  name: a\n  namespace: other'),
      counts: '+1 ~0 -1 objects',
      keys: ['v1 ConfigMap ns/a', 'v1 ConfigMap other/a']
    },
    {
      name: 'a Secret changed is one changed object',
      base: secret('hunter2-old'),
      head: secret('hunter2-new'),
      counts: '+0 ~1 -0 objects'
    },
    {
      name: 'test hooks (named anew by each render) are left out: only helm test creates them',
      base: `${cm('a', '1')}---\n${hook('t-x1', 'test')}---\n${hook('s-x1', 'test-success')}---\n${hook('f-x1', 'test-failure')}`,
      head: `${cm('a', '2')}---\n${hook('t-y2', 'test')}---\n${hook('s-y2', 'test-success')}`,
      counts: '+0 ~1 -0 objects',
      keys: ['v1 ConfigMap ns/a']
    },
    {
      name: 'a hook renamed (named anew by each render) is no change',
      base: hook('migrate-x1', 'pre-install,pre-upgrade'),
      head: hook('migrate-y2', 'pre-install,pre-upgrade'),
      counts: '+0 ~0 -0 objects'
    },
    {
      name: 'hooks of the same events pair by content, whatever their names and order',
      base: `${hook('a-x1', 'pre-upgrade', 'one:1')}---\n${hook('b-x1', 'pre-upgrade', 'two:1')}`,
      head: `${hook('b-y2', 'pre-upgrade', 'two:2')}---\n${hook('a-y2', 'pre-upgrade', 'one:1')}`,
      counts: '+0 ~1 -0 objects',
      keys: ['v1 Pod ns/(hook pre-upgrade) #2']
    },
    {
      name: 'a hook added beside objects of its kind is one added object',
      base: hook('web', ''),
      head: `${hook('web', '')}---\n${hook('migrate-y2', 'post-install')}`,
      counts: '+1 ~0 -0 objects',
      keys: ['v1 Pod ns/(hook post-install)']
    },
    {
      name: 'an added plan adds everything',
      base: '',
      head: cm('a', '1'),
      counts: '+1 ~0 -0 objects'
    }
  ]
  it.each(table)('$name', ({ base, head, counts, keys }) => {
    const result = diff(base, head)
    expect(countLine(result)).toBe(counts)
    if (keys) expect(result.objects.map((o) => o.key)).toEqual(keys)
  })

  it('shows the changed line of a changed object', () => {
    const [object] = diff(cm('a', 'old-value'), cm('a', 'new-value')).objects
    expect(object?.diff).toContain('-  key: old-value\n+  key: new-value')
  })

  it('shows a Secret only as digests, which differ when the value does', () => {
    const result = diff(secret('hunter2-old'), secret('hunter2-new'))
    const text = JSON.stringify(result)
    for (const value of ['hunter2', Buffer.from('hunter2-old').toString('base64')])
      expect(text).not.toContain(value)
    expect(result.objects[0]?.diff).toMatch(/- {2}password: <secret hmac:[0-9a-f]{12}>/)
    const same = diff(secret('same'), secret('same'))
    expect(same.objects).toEqual([])
  })

  it('redacts a Secret inside a List and the copy kubectl keeps in an annotation', () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata:
      name: s
      annotations:
        kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'
    data:
      password: aHVudGVyMg==
`
    const [object] = parseManifest(list, 'ns')
    expect(object?.key).toBe('v1 Secret ns/s')
    expect(object?.yaml).not.toContain('aHVudGVyMg==')
    expect(object?.yaml).toMatch(/last-applied-configuration: <secret hmac:[0-9a-f]{12}>/)
  })

  it('refuses YAML it cannot read without quoting it', () => {
    expect(() => parseManifest('kind: Secret\ndata: {password: "hunter2\n', 'ns')).toThrow(
      /not valid YAML \(line \d+\)$/
    )
  })
})

describe('the line diff', () => {
  it('is empty for equal texts and has hunks with context', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n').text).toBe('')
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n')
    const after = before.replace('line 10', 'line ten')
    expect(unifiedDiff(before, after).text).toBe(
      '@@ -8,7 +8,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n line 13\n'
    )
  })

  it('diffs a huge object with a small change quickly and minimally', () => {
    const big = Array.from({ length: 50_000 }, (_, i) => `  k${i}: v${i}`).join('\n')
    const started = performance.now()
    const out = unifiedDiff(big, big.replace('k25000: v25000', 'k25000: changed')).text
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(out.split('\n').filter((l) => /^[-+]/.test(l))).toHaveLength(2)
  })

  it('past its bound shows the old text replaced by the new, still a correct diff', () => {
    const a = Array.from({ length: MAX_EDITS + 10 }, (_, i) => `a${i}`).join('\n')
    const b = Array.from({ length: MAX_EDITS + 10 }, (_, i) => `b${i}`).join('\n')
    const started = performance.now()
    const out = unifiedDiff(a, b).text
    expect(performance.now() - started).toBeLessThan(5_000)
    const lines = out.split('\n')
    expect(lines.filter((l) => l.startsWith('-'))).toHaveLength(MAX_EDITS + 10)
    expect(lines.filter((l) => l.startsWith('+'))).toHaveLength(MAX_EDITS + 10)
    // As many lines on both sides: paired, so each change reads as one.
    expect(lines.slice(1, 5)).toEqual(['-a0', '+b0', '-a1', '+b1'])
    // Otherwise the old lines replaced by the new.
    const uneven = unifiedDiff(a, `${b}\nextra`).text.split('\n')
    expect(uneven.slice(1, 3)).toEqual(['-a0', '-a1'])
  })

  it('finds a minimal script between interleaved texts', () => {
    expect(unifiedDiff('a\nb\nc\n', 'a\nx\nc\nd\n').text).toBe(
      '@@ -1,3 +1,4 @@\n a\n-b\n+x\n c\n+d\n'
    )
  })
})

describe('bounds of the diff', () => {
  const lines = (n: number, v: string) =>
    parseManifest(
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${Array.from({ length: n }, (_, i) => `  k${i}: ${v}`).join('\n')}\n`,
      'ns'
    )
  const [a, b] = [lines(15_000, 'a'), lines(15_000, 'b')]
  const whole = diffLines(unifiedDiff(a[0]!.yaml, b[0]!.yaml).text)

  // [case, lines the run may still keep, lines kept]
  const bounds: [string, number, number][] = [
    ['a huge object keeps its per-object share', 50_000, DIFF_LINES_PER_OBJECT],
    ['the run nearly spent keeps what is left', 50, 50],
    ['the run spent keeps nothing', 0, 0]
  ]
  it.each(bounds)('%s', (_, left, kept) => {
    const d = diffObjects(a, b, left)
    const [object] = d.objects
    expect(diffLines(object!.diff)).toBe(kept)
    expect(object!.cut).toBe(whole - kept)
    expect(truncationNotes(d)).toEqual([
      `diff of v1 ConfigMap ns/big truncated: ${whole - kept} lines not shown`
    ])
  })

  it('a small object is whole, with no note', () => {
    const d = diffObjects(lines(10, 'a'), lines(10, 'b'))
    expect(d.objects[0]!.cut).toBe(0)
    expect(truncationNotes(d)).toEqual([])
  })

  it('keeps a value past MAX_VALUE as its head, length and digest (js-yaml cannot write 5 MB)', () => {
    const object = (v: string) =>
      parseManifest(`${cm('big', 'x')}  blob: ${v.repeat(5_000_000)}\n`, 'ns')
    const [a] = object('a')
    expect(a!.yaml).toMatch(
      new RegExp(`blob: a{1000}… \\(5000000 characters, sha256:[0-9a-f]{16}\\)\n`)
    )
    expect(a!.yaml.length).toBeLessThan(2_000)
    expect(diffObjects(object('a'), object('b')).changed).toBe(1)
    expect(MAX_VALUE).toBeLessThan(4_000_000)
  })

  it('cuts a line past MAX_LINE, saying how much is left out', () => {
    const { text } = unifiedDiff('x'.repeat(5_000), 'y'.repeat(5_000))
    expect(text.split('\n')[1]).toBe(
      `-${'x'.repeat(MAX_LINE - 1)}… (${5_001 - MAX_LINE} more characters)`
    )
  })

  it('diffs 100k changed lines within seconds, keeping its bound', () => {
    const [big, bigger] = [lines(100_000, 'a'), lines(100_000, 'b')]
    const started = performance.now()
    const d = diffObjects(big, bigger)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(diffLines(d.objects[0]!.diff)).toBe(DIFF_LINES_PER_OBJECT)
  })
})
