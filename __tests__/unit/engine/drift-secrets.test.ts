import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ValuesFiles } from '../../../src/secrets/sops-values.ts'
import { releaseSecrets } from '../../../src/engine/drift-secrets.ts'
import { mask, resetSecrets } from '../../../src/secrets/masking.ts'
import type { Config } from '../../../src/types/config.ts'
import { fakeHelm } from '../../support/fakes/helm.ts'

afterEach(resetSecrets)

const enc = (type: string) => `ENC[AES256_GCM,data:eA==,iv:aXY=,tag:dGFn,type:${type}]`
const target = { setup: 'local/a', namespace: 'ns', release: 'web', plan: 'local/a/ns/web.yaml' }

/** A workspace with one encrypted and one plain values file, and a helm that prints `values` (or fails). */
function fixture(values: unknown) {
  const workspace = mkdtempSync(join(tmpdir(), 'drift-secrets-'))
  writeFileSync(
    join(workspace, 'secret.yaml'),
    `db:\n  password: ${enc('str')}\n  pin: ${enc('int')}\n  tls: ${enc('bool')}\n  host: db.local\nsops:\n  mac: m\n  version: 3.9.0\n`
  )
  writeFileSync(join(workspace, 'plain.yaml'), 'message: hello\n')
  const helm = fakeHelm({
    values: values === undefined ? new Error('must not run') : JSON.stringify(values)
  })
  const signal = new AbortController().signal
  return {
    helm,
    values: new ValuesFiles({ config: { workspace } as Config, dir: workspace, signal }),
    env: { PATH: process.env.PATH ?? '' },
    signal
  }
}

describe('releaseSecrets: what a drift check keeps out of its report', () => {
  it('registers the deployed strings at the encrypted paths, short ones matched whole', async () => {
    const context = fixture({
      db: { password: 's3cret-pass', pin: 123, tls: true, host: 'db.local' },
      message: 'hello'
    })
    const holds = await releaseSecrets(target, ['plain.yaml', 'secret.yaml'], context)
    // [text, holds a secret]
    const table: [string, boolean][] = [
      ['s3cret-pass', true],
      ['url=https://x?p=s3cret-pass', true],
      ['123', true],
      ['1234', false],
      ['true', false],
      ['db.local', false],
      ['hello', false]
    ]
    expect(table.map(([text]) => [text, holds(text)])).toEqual(table)
    expect(mask('pw s3cret-pass')).toBe('pw ***')
  })

  it('never calls helm for a plan without encrypted values: the mask alone decides', async () => {
    const context = fixture(undefined)
    const holds = await releaseSecrets(target, ['plain.yaml'], context)
    expect(holds('hello')).toBe(false)
    expect(context.helm.calls).toEqual([])
  })
})
