import { describe, expect, it } from 'vitest'
import { load } from 'js-yaml'
import {
  encryptedLeaves,
  keysNeeded,
  redacted,
  sopsMetadata
} from '../../../src/secrets/sops-file.ts'
import { contentDigest } from '../../../src/render/digest.ts'

const enc = (data: string, type: string): string =>
  `ENC[AES256_GCM,data:${data},iv:aXY=,tag:dGFn,type:${type}]`

// The shape sops writes: encrypted leaves, clear ones (unencrypted_suffix), metadata.
const ENCRYPTED = `
db:
  password: ${enc('cGFzcw==', 'str')}
  port: ${enc('NTQzMg==', 'int')}
  enabled: ${enc('dHJ1ZQ==', 'bool')}
  host_unencrypted: db.internal
tokens:
  - ${enc('dDE=', 'str')}
sops:
  age:
    - recipient: age1qqqq
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
  kms:
    - arn: arn:aws:kms:eu-west-1:111:key/abc
  key_groups:
    - gcp_kms:
        - resource_id: projects/p/locations/global/keyRings/r/cryptoKeys/k
      pgp:
        - fp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4
  lastmodified: '2026-01-01T00:00:00Z'
  mac: ${enc('bWFj', 'str')}
  unencrypted_suffix: _unencrypted
  version: 3.13.3
`
const DECRYPTED = {
  db: { password: 'hunter2-db', port: 5432, enabled: true, host_unencrypted: 'db.internal' },
  tokens: ['token-one']
}

describe('SOPS files', () => {
  it('tells a SOPS file (YAML or JSON) from a plain values file', () => {
    expect(sopsMetadata(ENCRYPTED)).toMatchObject({ version: '3.13.3' })
    const json = JSON.stringify({ a: enc('eA==', 'str'), sops: { mac: 'm', version: '3.9.0' } })
    expect(sopsMetadata(json)).toBeDefined()
    expect(sopsMetadata('message: hi\n')).toBeUndefined()
    // a chart value that happens to be named sops is not metadata
    expect(sopsMetadata('sops:\n  enabled: true\n')).toBeUndefined()
    expect(sopsMetadata('- a\n- b\n')).toBeUndefined()
    expect(sopsMetadata('a: [\n')).toBeUndefined()
  })

  it('names every key that can open it, from the top level and the key groups', () => {
    expect(keysNeeded(sopsMetadata(ENCRYPTED) ?? {})).toEqual([
      'age recipient age1qqqq',
      'AWS KMS key arn:aws:kms:eu-west-1:111:key/abc',
      'GCP KMS key projects/p/locations/global/keyRings/r/cryptoKeys/k',
      'PGP key FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4'
    ])
  })

  it('the values to mask are the encrypted leaves, booleans and clear leaves left out', () => {
    expect(encryptedLeaves(load(ENCRYPTED), DECRYPTED)).toEqual([
      { key: 'db.password', value: 'hunter2-db' },
      { key: 'db.port', value: '5432' },
      { key: 'tokens[0]', value: 'token-one' }
    ])
  })

  it('a preview gets digests of the ciphertext, clear values, no metadata', () => {
    const out = redacted(ENCRYPTED)
    expect(out).toEqual({
      db: {
        password: `sops:sha256:${contentDigest(enc('cGFzcw==', 'str'))}`,
        port: `sops:sha256:${contentDigest(enc('NTQzMg==', 'int'))}`,
        enabled: `sops:sha256:${contentDigest(enc('dHJ1ZQ==', 'bool'))}`,
        host_unencrypted: 'db.internal'
      },
      tokens: [`sops:sha256:${contentDigest(enc('dDE=', 'str'))}`]
    })
    // a changed secret shows as a changed digest
    expect(contentDigest(enc('cGFzcw==', 'str'))).not.toBe(contentDigest(enc('cGFzczI=', 'str')))
  })
})
