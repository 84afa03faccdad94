import { describe, expect, it } from 'vitest'
import { setupFileName } from '../../../src/apply/workdir.ts'

describe('setupFileName', () => {
  it('maps setups that differ only in / and __ to different names', () => {
    const setups = ['a__b/c', 'a/b__c', 'a/b/c', 'a__b__c', 'a%2Fb/c', 'a/b%2Fc', 'a.b/c']
    const names = setups.map(setupFileName)
    expect(new Set(names).size).toBe(setups.length)
    for (const name of names) expect(name).not.toContain('/')
  })
})
