// prepareHelm against the bed's tarball mirror (nginx, TLS from the bed CA), into a
// fresh tool cache. It runs in a child Node process: Node trusts an extra CA only
// from NODE_EXTRA_CA_CERTS at start-up, as a runner with a private CA would set it.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { mirrorUrl, testbed } from '../support/testbed.ts'

const bed = testbed()
const repoRoot = resolve(import.meta.dirname, '..', '..')

const script = `
import { prepareHelm } from './src/tools/helm-tool.ts'
const config = JSON.parse(process.env.TEST_CONFIG)
try {
  const helm = await prepareHelm(config)
  console.log('RESULT ' + JSON.stringify(helm))
} catch (error) {
  console.log('ERROR ' + error.message)
}
`

async function prepare(
  helmVersion: string,
  base: string,
  toolCache: string,
  extraEnv: Record<string, string> = {}
) {
  const temp = mkdtempSync(join(tmpdir(), 'runner-temp-'))
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: bed.ca,
        RUNNER_TOOL_CACHE: toolCache,
        RUNNER_TEMP: temp,
        TEST_CONFIG: JSON.stringify({ helmVersion, helmDownloadUrl: mirrorUrl(base) }),
        ...extraEnv
      }
    }
  )
  const result = /^RESULT (.*)$/m.exec(stdout)?.[1]
  const error = /^ERROR (.*)$/m.exec(stdout)?.[1]
  return {
    helm: result
      ? (JSON.parse(result) as { path: string; version: string; major: number })
      : undefined,
    error,
    stdout
  }
}

describe('helm from the tool cache or the mirror', () => {
  it.each([
    ['Helm 4', bed.helm4Version, 4],
    ['Helm 3', bed.helm3Version, 3]
  ])(
    '%s: downloads, checks the SHA-256, caches; the second run downloads nothing',
    async (_name, version, major) => {
      const toolCache = mkdtempSync(join(tmpdir(), 'tool-cache-'))
      const first = await prepare(version, bed.helmMirror, toolCache)
      expect(first.error).toBeUndefined()
      expect(first.helm).toMatchObject({ version, major })
      expect(first.stdout).toMatch(/SHA-256 [0-9a-f]{64} matches/)
      expect(first.stdout).toContain(`helm ${version} downloaded from`)
      expect(first.helm?.path.startsWith(toolCache)).toBe(true)
      expect(existsSync(join(toolCache, 'helm', version.replace(/^v/, ''), 'amd64.complete'))).toBe(
        true
      )

      // The mirror URL is now broken: only a cache hit can succeed.
      const second = await prepare(version, 'https://127.0.0.1:9/nowhere', toolCache)
      expect(second.error).toBeUndefined()
      expect(second.stdout).toContain(`helm ${version} from the tool cache`)
      expect(second.helm?.path).toBe(first.helm?.path)
    }
  )

  it('refuses a tarball whose checksum does not match, and caches nothing', async () => {
    const toolCache = mkdtempSync(join(tmpdir(), 'tool-cache-'))
    const { helm, error } = await prepare(bed.helm4Version, bed.helmMirrorBad, toolCache)
    expect(helm).toBeUndefined()
    expect(error).toMatch(
      new RegExp(
        `helm ${bed.helm4Version.replace(/\./g, '\\.')} from https://\\S+ does not match its published checksum \\(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64} from \\S+\\.sha256sum\\); refusing to use it`
      )
    )
    expect(readdirSync(toolCache)).toEqual([])
  })

  it('names helm-version when it is not a release', async () => {
    const { error } = await prepare(
      'latest',
      bed.helmMirror,
      mkdtempSync(join(tmpdir(), 'tool-cache-'))
    )
    expect(error).toBe('helm-version "latest" is not a helm release such as v4.3.1 (or "system")')
  })

  it('system uses the helm on PATH', async () => {
    const dir = resolve(bed.helm3, '..')
    const { helm } = await prepare(
      'system',
      bed.helmMirror,
      mkdtempSync(join(tmpdir(), 'tool-cache-')),
      {
        PATH: `${dir}:${process.env.PATH}`
      }
    )
    expect(helm).toEqual({ path: bed.helm3, version: bed.helm3Version, major: 3 })
  })
})
