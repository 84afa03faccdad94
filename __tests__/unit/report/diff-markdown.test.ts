import { describe, expect, it } from 'vitest'
import { COMMENT_LIMIT, renderDiffMarkdown } from '../../../src/report/diff-markdown.ts'
import { diffJson } from '../../../src/report/outputs.ts'
import type { DiffBase } from '../../../src/types/diff-base.ts'
import type { ObjectDiff, RenderDiff, Result } from '../../../src/types/results.ts'

const BASE: DiffBase = { kind: 'none', reason: 'test' }

function objectDiff(i: number, lines: number, width = 20): ObjectDiff {
  const body = Array.from({ length: lines }, (_, n) => `+  key${n}: ${'v'.repeat(width)}`)
  return { key: `v1 ConfigMap ns/cm-${i}`, change: 'added', diff: `${body.join('\n')}\n`, cut: 0 }
}

function result(release: string, objects: ObjectDiff[], setup = 'local/a'): Result {
  const diff: RenderDiff = {
    added: objects.length,
    changed: 0,
    removed: 0,
    unchanged: 0,
    objects
  }
  return {
    setup,
    namespace: 'ns',
    release,
    plan: `${setup}/ns/${release}.yaml`,
    chart: './chart',
    version: '',
    operation: 'render',
    status: objects.length ? 'planned' : 'unchanged',
    revision: null,
    durationMs: 0,
    error: null,
    notes: [],
    health: null,
    diff
  }
}

const render = (results: Result[], limit = COMMENT_LIMIT) =>
  renderDiffMarkdown({ results, base: BASE, limit, header: '<!-- m -->', fullDiffAt: 'the log' })

describe('the diff as Markdown', () => {
  it('has a section per setup, a collapsed block per release with its count line', () => {
    const md = render([
      result('web', [objectDiff(1, 2)]),
      result('same', []),
      result('db', [objectDiff(2, 1)], 'local/b')
    ])
    expect(md.split('\n')[0]).toBe('<!-- m -->')
    expect(md).toContain('### `local/a`')
    expect(md).toContain('### `local/b`')
    expect(md).toContain(
      '<details><summary><b><code>ns/web</code></b> (<code>local/a/ns/web.yaml</code>): <code>+1 ~0 -0 objects</code></summary>'
    )
    expect(md).toContain(
      '- <b><code>ns/same</code></b> (<code>local/a/ns/same.yaml</code>): renders the same'
    )
    expect(md).toContain(
      '```diff\n+  key0: vvvvvvvvvvvvvvvvvvvv\n+  key1: vvvvvvvvvvvvvvvvvvvv\n```'
    )
    expect(md).not.toContain('Cut to')
  })

  it("an object's note (a CRD of crds/ under the plan's policy) follows its title as an inert span", () => {
    const crd: ObjectDiff = {
      ...objectDiff(1, 1),
      key: 'apiextensions.k8s.io/v1 CustomResourceDefinition ns/widgets.example.com (crds/)',
      change: 'changed',
      note: 'CRD widgets.example.com (crds/) changed in the chart: ignored (crds: skip)'
    }
    expect(render([result('web', [crd])])).toContain(
      '~ `apiextensions.k8s.io/v1 CustomResourceDefinition ns/widgets.example.com (crds/)`\n\n`CRD widgets.example.com (crds/) changed in the chart: ignored (crds: skip)`\n\n```diff'
    )
  })

  it('a fence inside a diff cannot close the block', () => {
    const sneaky: ObjectDiff = {
      key: 'v1 ConfigMap ns/x',
      change: 'changed',
      diff: '+```\n+</details>\n',
      cut: 0
    }
    expect(render([result('x', [sneaky])])).toContain('````diff\n+```\n+</details>\n````')
  })

  // Sizing: [case, results, what must be left out]
  const sizing: [string, Result[], RegExp | undefined][] = [
    ['small: everything shown', [result('a', [objectDiff(1, 10)])], undefined],
    [
      'one huge object: its first lines, the rest counted',
      [result('a', [objectDiff(1, 20_000)])],
      /Cut to GitHub's size limit: \d+ diff line\(s\) left out\. The full diff is in the log\./
    ],
    [
      'many objects: whole ones while they fit, the rest counted',
      [
        result(
          'a',
          Array.from({ length: 400 }, (_, i) => objectDiff(i, 20))
        )
      ],
      /\d+ object diff\(s\), \d+ diff line\(s\) left out/
    ],
    [
      'thousands of plans: one line each while they fit',
      Array.from({ length: 3_000 }, (_, i) => result(`release-${i}`, [objectDiff(i, 3)])),
      /\d+ plan\(s\), 3000 object diff\(s\) left out/
    ]
  ]
  it.each(sizing)('%s', (_name, results, cut) => {
    const md = render(results)
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    if (cut) expect(md).toMatch(cut)
    else expect(md).not.toContain('Cut to')
    // Every opened block is closed.
    expect(md.split('<details>').length).toBe(md.split('</details>').length)
    expect((md.match(/^```+/gm) ?? []).length % 2).toBe(0)
  })
})

describe('the diff outputs', () => {
  it('diff: the counts per plan compared; plans without a base comparison are left out', () => {
    const compared = result('web', [objectDiff(1, 1)])
    const uncompared: Result = { ...result('other', []), diff: undefined }
    expect(JSON.parse(diffJson([compared, uncompared]))).toEqual({
      'local/a/ns/web.yaml': { added: 1, changed: 0, removed: 0 }
    })
  })
})
