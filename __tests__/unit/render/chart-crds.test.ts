import { loadAll } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { splitCrds } from '../../../src/render/chart-crds.ts'

// `helm template --include-crds` cut by the `# Source:` lines helm writes: the
// documents of crds/ folders apart from those of the templates.

const names = (manifest: string): string[] =>
  (loadAll(manifest) as Array<{ metadata?: { name?: string } } | null>)
    .filter((d) => d !== null)
    .map((d) => d.metadata?.name ?? '?')

const doc = (source: string | undefined, name: string, comment = ''): string =>
  `---\n${source ? `# Source: ${source}\n` : ''}${comment}kind: X\nmetadata:\n  name: ${name}\n`

describe('splitCrds', () => {
  it.each<[string, string, string[], string[]]>([
    [
      "a chart's crds/ (a file of two documents: the second has no Source line) and its templates",
      doc('web/crds/a.yaml', 'a1', '# a comment of the file\n') +
        doc(undefined, 'a2') +
        doc('web/templates/cm.yaml', 'cm'),
      ['a1', 'a2'],
      ['cm']
    ],
    [
      "a subchart's crds/ (a chart of that name too)",
      doc('web/charts/sub/crds/b.yaml', 'b') + doc('web/charts/sub/templates/d.yaml', 'd'),
      ['b'],
      ['d']
    ],
    ['a subchart of a subchart', doc('web/charts/a/charts/b/crds/c.yaml', 'c'), ['c'], []],
    [
      'CRDs among the templates are templates: helm upgrades them',
      doc('web/templates/crds/e.yaml', 'e') + doc('web/templates/crds.yaml', 'f'),
      [],
      ['e', 'f']
    ],
    [
      'a template after a crds/ file is no CRD: its Source line says so',
      doc('web/crds/a.yaml', 'a') + doc('web/templates/x.yaml', 'x') + doc(undefined, 'x2'),
      ['a'],
      ['x', 'x2']
    ],
    ['nothing rendered', '', [], []]
  ])('%s', (_name, manifest, crds, templates) => {
    const split = splitCrds(manifest)
    expect(names(split.crds)).toEqual(crds)
    expect(names(split.templates)).toEqual(templates)
  })

  it('a separator with a comment after it still separates; a "---" inside a block scalar does not', () => {
    const manifest = `--- # start\n# Source: web/crds/a.yaml\nkind: X\nmetadata:\n  name: a\n  annotations:\n    doc: |\n      ---\n      text\n---\n# Source: web/templates/b.yaml\nkind: X\nmetadata:\n  name: b\n`
    const split = splitCrds(manifest)
    expect(names(split.crds)).toEqual(['a'])
    expect(names(split.templates)).toEqual(['b'])
  })
})
