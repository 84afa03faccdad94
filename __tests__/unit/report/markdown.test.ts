import { describe, expect, it } from 'vitest'
import { code, codeCell, codeHtml, fenced, oneLine } from '../../../src/report/markdown.ts'

describe('untrusted text as one inert span', () => {
  // [text, code span]
  const spans: [string, string][] = [
    ['web', '`web`'],
    ['', ''],
    ['a\n# heading', '`a\\n# heading`'],
    ['x\r\n![i](https://e.invalid/p.png)', '`x\\r\\n![i](https://e.invalid/p.png)`'],
    ['tab\there\u001b[31m', '`tab\\there\\u001b[31m`'],
    ['line\u2028sep', '`line\\u2028sep`'],
    ['bidi \u202eevil', '`bidi \\u202eevil`'],
    ['a `b` c', '``a `b` c``'],
    ['``` fence', '```` ``` fence ````'],
    ['`edge`', '`` `edge` ``'],
    [' spaced ', '`  spaced  `'],
    ['@octocat <img src=x>', '`@octocat <img src=x>`']
  ]
  it.each(spans)('%j → %s', (text, span) => expect(code(text)).toBe(span))

  it('keeps every span on one line', () => {
    for (const [text] of spans) expect(code(text)).not.toMatch(/[\n\r\u2028\u2029]/)
  })

  it('escapes pipes in a table cell, even inside code', () =>
    expect(codeCell('a|b\nc')).toBe('`a\\|b\\nc`'))

  it('inside raw HTML: a <code> element, escaped', () =>
    expect(codeHtml('x\n</summary><img src=x onerror="a()"> & @team')).toBe(
      '<code>x\\n&lt;/summary&gt;&lt;img src=x onerror=&quot;a()&quot;&gt; &amp; @team</code>'
    ))

  it('names control characters visibly', () =>
    expect(oneLine('a\u0000b\u007fc\u0085')).toBe('a\\u0000b\\u007fc\\u0085'))

  it('fences a block with more backticks than any run in it', () => {
    expect(fenced('diff', '+a\n')).toBe('```diff\n+a\n```')
    expect(fenced('diff', '+````\n+x')).toBe('`````diff\n+````\n+x\n`````')
  })
})
