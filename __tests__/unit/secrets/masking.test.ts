import { afterEach, describe, expect, it } from 'vitest'
import {
  addSecret,
  addUrlSecrets,
  holdsSecret,
  mask,
  resetSecrets
} from '../../../src/secrets/masking.ts'

afterEach(resetSecrets)

describe('addUrlSecrets', () => {
  it.each([
    ['https://store:pw-1234@host/store', 'https://host/store', ['pw-1234']],
    [
      'https://host/store?sig=sig-0123456789&se=2026',
      'https://host/store?…',
      ['sig-0123456789', '2026']
    ],
    ['https://host/store', 'https://host/store', []]
  ])('%s prints as %s and masks its credentials', (url, printed, hidden) => {
    expect(addUrlSecrets(url)).toBe(printed)
    for (const value of hidden) expect(mask(`x ${value} y`)).toBe('x *** y')
  })
})

describe('holdsSecret', () => {
  it('tells whether mask() would change the text', () => {
    resetSecrets()
    addSecret('s3cret-value')
    for (const text of [
      's3cret-value',
      'x s3cret-value y',
      Buffer.from('s3cret-value').toString('base64')
    ])
      expect([text, holdsSecret(text)]).toEqual([text, mask(text) !== text])
    expect(holdsSecret('s3cret')).toBe(false)
    resetSecrets()
  })
})
