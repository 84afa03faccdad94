// The sops tool and SOPS-encrypted values in process, with the real sops and age keys:
// the download (checksum from `.sha256sum` or the release's checksums list, a wrong one
// refused), the tool cache, decryption into a private file with every value masked,
// the error of a wrong key, and a preview that never decrypts.
import { createHash } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ValuesFiles } from '../../src/secrets/sops-values.ts'
import { mask, resetSecrets } from '../../src/secrets/masking.ts'
import { prepareSops } from '../../src/tools/sops.ts'
import type { Config } from '../../src/types/config.ts'
import { testConfig } from '../support/config.ts'
import { body, file, startFaultServer, status, type FaultServer } from '../support/fault-servers.ts'
import { removeTempDirs, tempDir } from '../support/git-repo.ts'
import { encrypt, newAgeKey, sopsKit } from '../support/sops.ts'

const kit = sopsKit()
const name = `sops-${kit.version}.linux.amd64`
const digest = createHash('sha256').update(readFileSync(kit.sops)).digest('hex')

let server: FaultServer | undefined
let workspace: string
let config: Config

beforeEach(async () => {
  resetSecrets()
  vi.stubEnv('RUNNER_TOOL_CACHE', await tempDir('sops-tool-cache-'))
  vi.stubEnv('RUNNER_TEMP', await tempDir('sops-runner-temp-'))
  workspace = await tempDir('sops-ops-')
  await mkdir(join(workspace, 'values'))
})
afterEach(async () => {
  vi.unstubAllEnvs()
  await server?.close()
  server = undefined
})
afterAll(removeTempDirs)

async function mirror(sums: Parameters<typeof startFaultServer>[0]): Promise<string> {
  server = await startFaultServer({ [`/sops/${name}`]: [file(kit.sops)], ...sums })
  return `${server.url}/sops/sops-{version}.{os}.{arch}`
}

function configWith(sopsDownloadUrl: string, sopsAgeKey: string | undefined = kit.ageKey): Config {
  return testConfig({ sopsVersion: kit.version, sopsDownloadUrl, sopsAgeKey, workspace })
}

describe('the sops tool', () => {
  it('downloads sops, checks its .sha256sum, caches it; the next run downloads nothing', async () => {
    config = configWith(
      await mirror({ [`/sops/${name}.sha256sum`]: [body(`${digest}  ${name}\n`)] })
    )
    const sops = await prepareSops(config)
    expect(sops.version).toBe(kit.version)
    expect(sops.path).toContain(process.env.RUNNER_TOOL_CACHE)
    expect(server?.count(`/sops/${name}`)).toBe(1)
    const again = await prepareSops(config)
    expect(again.path).toBe(sops.path)
    expect(server?.count(`/sops/${name}`)).toBe(1)
  })

  it("falls back to the release's checksums list when there is no .sha256sum", async () => {
    const list = `${'0'.repeat(64)}  sops-${kit.version}.darwin.arm64\n${digest}  ${name}\n`
    config = configWith(
      await mirror({
        [`/sops/${name}.sha256sum`]: [status(404)],
        [`/sops/sops-${kit.version}.checksums.txt`]: [body(list)]
      })
    )
    expect((await prepareSops(config)).version).toBe(kit.version)
  })

  it('sops-version system takes the sops on PATH, and says so when there is none', async () => {
    config = testConfig({ sopsVersion: 'system', workspace })
    vi.stubEnv('PATH', `${dirname(kit.sops)}:${process.env.PATH ?? ''}`)
    expect(await prepareSops(config)).toEqual({ path: kit.sops, version: kit.version })
    vi.stubEnv('PATH', workspace)
    await expect(prepareSops(config)).rejects.toThrow(
      'sops-version is "system" but there is no sops on PATH; install sops first or set sops-version to a release'
    )
  })

  it('refuses a binary whose checksum does not match and caches nothing', async () => {
    config = configWith(
      await mirror({ [`/sops/${name}.sha256sum`]: [body(`${'1'.repeat(64)}  ${name}\n`)] })
    )
    await expect(prepareSops(config)).rejects.toThrow(
      /^sops v3\.\d+\.\d+ from http:\/\/127\.0\.0\.1:\d+\/sops\/\S+ does not match its published checksum \(SHA-256 [0-9a-f]{64}, expected 1{64} from \S+\.sha256sum\); refusing to use it\. Check that sops-download-url points at an unaltered mirror\.$/
    )
    expect(statSync(process.env.RUNNER_TOOL_CACHE ?? '').isDirectory()).toBe(true)
    expect(() => statSync(join(process.env.RUNNER_TOOL_CACHE ?? '', 'sops'))).toThrow()
  })
})

describe('SOPS-encrypted values files', () => {
  const plaintext = `db-pass-${Math.random().toString(36).slice(2)}`
  const values = `password: ${plaintext}\nport: 5432\nenabled: true\n`

  async function filesFor(recipient = kit.recipient) {
    config = configWith(
      await mirror({ [`/sops/${name}.sha256sum`]: [body(`${digest}  ${name}\n`)] })
    )
    writeFileSync(
      join(workspace, 'values/secret.yaml'),
      encrypt(kit, 'secret.yaml', values, recipient)
    )
    writeFileSync(join(workspace, 'values/plain.yaml'), 'message: hi\n')
    const dir = await tempDir('sops-values-')
    return new ValuesFiles({ config, dir, signal: new AbortController().signal })
  }

  it('decrypts into a private file, masks every encrypted value first, leaves plain files alone', async () => {
    const files = await filesFor()
    const [plain, secret] = await files.forDeploy(['values/plain.yaml', 'values/secret.yaml'])
    expect(plain).toBe(join(workspace, 'values/plain.yaml'))
    expect(secret).not.toContain(workspace)
    expect(readFileSync(secret ?? '', 'utf8')).toContain(`password: ${plaintext}`)
    expect(statSync(secret ?? '').mode & 0o777).toBe(0o600)
    expect(mask(`x ${plaintext} 5432 ${Buffer.from(plaintext).toString('base64')}`)).toBe(
      'x *** *** ***'
    )
    expect(mask('enabled: true')).toBe('enabled: true')
  })

  it('a wrong key names the file and the recipient it needed, never the content', async () => {
    const other = newAgeKey(kit.ageKeygen)
    const files = await filesFor(other.recipient)
    const error = await files.forDeploy(['values/secret.yaml']).catch((e: unknown) => e as Error)
    expect((error as Error).message).toMatch(
      new RegExp(
        `^could not decrypt values/secret\\.yaml with sops: it needs one of: age recipient ${other.recipient}\\. Give the age private key in sops-age-key`
      )
    )
    expect((error as Error).message).not.toContain(plaintext)
  })

  it('a preview never decrypts: digests of the ciphertext, no sops, no key', async () => {
    const files = await filesFor()
    config = configWith('http://127.0.0.1:9/never/{version}', undefined)
    const preview = new ValuesFiles({
      config,
      dir: await tempDir('sops-values-'),
      signal: new AbortController().signal
    })
    const out = await preview.forPreview(['values/secret.yaml'])
    const text = readFileSync(out.paths[0] ?? '', 'utf8')
    expect(text).toMatch(/^password: sops:sha256:[0-9a-f]{16}$/m)
    expect(text).not.toContain('sops:\n')
    expect(text).not.toContain(plaintext)
    expect(out.notes[0]).toMatch(/^values\/secret\.yaml is SOPS-encrypted: not decrypted/)
    expect(files).toBeDefined()
  })
})
