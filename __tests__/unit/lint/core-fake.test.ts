// The unit tests' fake of @actions/core types what it has against the real module; this
// holds it to what src/ calls, so code that starts calling another function of the
// module fails here rather than in whichever test first reaches it.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import * as core from '../../support/fakes/core.ts'

const src = join(import.meta.dirname, '..', '..', '..', 'src')

it('the fake of @actions/core has every function src/ calls of it', async () => {
  const used = new Set<string>()
  for (const file of await readdir(src, { recursive: true })) {
    if (!file.endsWith('.ts')) continue
    const text = await readFile(join(src, file), 'utf8')
    if (!text.includes("'@actions/core'")) continue
    for (const [, name] of text.matchAll(/\bcore\.(\w+)/g)) used.add(name!)
    for (const [, names] of text.matchAll(/import \{([^}]*)\} from '@actions\/core'/g))
      for (const name of names!.split(',')) used.add(name.trim().split(/\s/)[0]!)
  }
  expect(used).toContain('getInput')
  expect(Object.keys(core)).toEqual(expect.arrayContaining([...used]))
})
