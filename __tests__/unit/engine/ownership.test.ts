import { describe, expect, it } from 'vitest'
import { ownershipSignature, ownershipVerifies } from '../../../src/engine/ownership.ts'

const KEY = 'f3a9c2d17b4e6a8055c1d9e2b7f4a6c3'
const revision = { namespace: 'ns', release: 'web', revision: 4, digest: 'a'.repeat(32) }

describe('ownershipSignature', () => {
  it('is 32 hex digits, a valid label value, and the same for the same revision', () => {
    const signature = ownershipSignature(KEY, revision)
    expect(signature).toMatch(/^[0-9a-f]{32}$/)
    expect(ownershipSignature(KEY, { ...revision })).toBe(signature)
  })

  it.each([
    ['another key', 'another-key-of-thirty-two-chars!', revision],
    ['another namespace', KEY, { ...revision, namespace: 'ns2' }],
    ['another release', KEY, { ...revision, release: 'web2' }],
    ['another revision', KEY, { ...revision, revision: 5 }],
    ['another digest', KEY, { ...revision, digest: 'b'.repeat(32) }],
    // The fields are separated: moving a character from one to the next is another text.
    ['fields shifted', KEY, { ...revision, namespace: 'nsw', release: 'eb' }]
  ])('%s signs differently', (_, key, other) => {
    expect(ownershipSignature(key, other)).not.toBe(ownershipSignature(KEY, revision))
  })
})

describe('ownershipVerifies', () => {
  const signature = ownershipSignature(KEY, revision)
  it.each([
    ['its own signature', signature, true],
    ['no label', undefined, false],
    ['empty', '', false],
    ['upper case', signature.toUpperCase(), false],
    ['one digit short', signature.slice(0, 31), false],
    ['one digit more', `${signature}0`, false]
  ])('%s → %s', (_, label, expected) => {
    expect(ownershipVerifies(KEY, revision, label)).toBe(expected)
  })
})
