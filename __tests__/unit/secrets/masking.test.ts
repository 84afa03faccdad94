import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  addSecret,
  addSecretValues,
  addUrlSecrets,
  holdsSecret,
  mask,
  maskingOf,
  resetSecrets,
  takeSecretWarnings
} from '../../../src/secrets/masking.ts'
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

describe('short secrets', () => {
  it.each([
    ['', 'credential', 'nothing'],
    ['   ', 'value', 'nothing'],
    ['abc', 'credential', 'mask, warn'],
    ['ab', 'credential', 'mask, warn'],
    ['abcd', 'credential', 'mask'],
    ['1', 'value', 'leave, warn'],
    ['no', 'value', 'leave, warn'],
    [' 42 ', 'value', 'leave, warn'],
    ['5432', 'value', 'mask'],
    ['hunter2', 'value', 'mask']
  ] as const)('%j as a %s: %s', (value, kind, masking) => {
    expect(maskingOf(value, kind)).toBe(masking)
  })

  it('a short credential is masked, with a warning naming where it came from, not the value', () => {
    addSecret('xyz', 'the kubeconfig of setup local/a')
    addSecret('xyz', 'the kubeconfig of setup local/a')
    expect(mask('token xyz here')).toBe('token *** here')
    expect(takeSecretWarnings()).toEqual([
      'the kubeconfig of setup local/a is a credential of under 4 characters: it is masked all the same, which hides that string wherever it shows in the log. Use a longer one'
    ])
    expect(takeSecretWarnings()).toEqual([])
  })

  it('short values are left unmasked, one warning naming their keys', () => {
    addSecretValues(
      [
        { key: 'db.password', value: 'hunter2-db' },
        { key: 'replicas', value: '1' },
        { key: 'flags[0]', value: 'no' }
      ],
      'values/db.yaml, decrypted'
    )
    expect(mask('hunter2-db replicas 1 no')).toBe('*** replicas 1 no')
    const [warning, ...more] = takeSecretWarnings()
    expect(more).toEqual([])
    expect(warning).toMatch(
      /^values\/db\.yaml, decrypted: 2 value\(s\) of under 4 characters are not masked in the log \(replicas, flags\[0\]\)/
    )
    expect(warning).not.toMatch(/\b1\b|\bno\b/)
  })

  it("a URL's short query value is a value; its short password a credential", () => {
    expect(addUrlSecrets('https://u:pw@host/store?v=1&sig=sig-0123456789')).toBe(
      'https://host/store?…'
    )
    expect(mask('pw sig-0123456789 v=1')).toBe('*** *** v=1')
    expect(takeSecretWarnings()).toEqual([
      'the password in https://host/store?… is a credential of under 4 characters: it is masked all the same, which hides that string wherever it shows in the log. Use a longer one',
      'the query of https://host/store?…: 1 value(s) of under 4 characters are not masked in the log (v): masking so short a string would garble the log, and so short a secret is guessable anyway'
    ])
  })

  it('a multi-line credential is masked whole and by its lines, short last lines aside', () => {
    addSecret('-----BEGIN KEY-----\nMIIEabcdefgh\nAw==\nQ=\n-----END KEY-----', 'a key')
    expect(mask('MIIEabcdefgh')).toBe('***')
    expect(mask('Q= stays')).toBe('Q= stays')
    expect(takeSecretWarnings()).toEqual([])
  })
})

describe('holdsSecret', () => {
  it('tells whether mask() would change the text', () => {
    resetSecrets()
    addSecret('s3cret-value', 'a test')
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
