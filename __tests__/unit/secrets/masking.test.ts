import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { addUrlSecrets, mask, resetSecrets } from '../../../src/secrets/masking.ts'
import * as core from '../../support/fakes/core.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

beforeEach(core.resetCore)
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
    expect(core.secrets).toEqual(expect.arrayContaining(hidden))
  })
})
