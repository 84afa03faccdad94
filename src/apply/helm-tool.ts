import { createHash } from 'node:crypto'
import { createReadStream, readFileSync, accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { childEnv } from '../child-env.ts'
import { run } from '../process.ts'
import { addUrlSecrets } from '../secrets/masking.ts'
import type { Config } from '../types.ts'
import { downloadFile } from './download.ts'
import type { Helm } from './helm.ts'
import type { HelmMajor } from './helm-args.ts'

// The helm binary: the tool cache first, else the release tarball from
// `helm-download-url`, refused unless its SHA-256 matches the published one.

const TOOL_NAME = 'helm'

/** Helm's names for the runner's OS and architecture. */
export function helmPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch
): { os: string; arch: string } {
  const os = platform === 'win32' ? 'windows' : platform
  const archNames: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64'
  }
  return { os, arch: archNames[arch] ?? arch }
}

/** Fills `{version}`, `{os}` and `{arch}` of the `helm-download-url` template. */
export function helmDownloadUrl(
  template: string,
  version: string,
  platform = helmPlatform()
): string {
  return template
    .replaceAll('{version}', version)
    .replaceAll('{os}', platform.os)
    .replaceAll('{arch}', platform.arch)
}

/** `v4.3.1` → `4.3.1`, the form the tool cache keys on. */
export function semverOf(version: string): string {
  const match = /^v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(version.trim())
  if (!match?.[1]) {
    throw new Error(`helm-version "${version}" is not a helm release such as v4.3.1 (or "system")`)
  }
  return match[1]
}

export function majorOf(version: string): HelmMajor {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (major === 3 || major === 4) return major
  throw new Error(`helm ${version} is not supported: use a Helm 4 or Helm 3 release (helm-version)`)
}

/** The first hex digest in a `.sha256sum` file (`<hex>  <file name>`). */
export function parseChecksum(text: string): string | undefined {
  return /\b([0-9a-fA-F]{64})\b/.exec(text)?.[1]?.toLowerCase()
}

export async function prepareHelm(config: Config, signal?: AbortSignal): Promise<Helm> {
  if (config.helmVersion === 'system') return describe(whichHelm(), 'the helm on PATH')
  const version = `v${semverOf(config.helmVersion)}`
  const platform = helmPlatform()
  const binary = platform.os === 'windows' ? 'helm.exe' : 'helm'
  const cached = tc.find(TOOL_NAME, semverOf(version), platform.arch)
  if (cached) {
    // Only a binary that passed the checks below is ever cached: no process to start here.
    const path = join(cached, binary)
    core.info(`Using helm ${version} from the tool cache: ${path}`)
    return { path, version, major: majorOf(version) }
  }

  const url = helmDownloadUrl(config.helmDownloadUrl, version, platform)
  const dir = await download(url, platform, version, signal)
  const downloaded = await describe(
    join(dir, binary),
    `helm ${version} downloaded from ${addUrlSecrets(url)}`
  )
  if (downloaded.version !== version)
    throw new Error(
      `${addUrlSecrets(url)} holds helm ${downloaded.version}, not ${version}: check helm-download-url`
    )
  const cachedDir = await tc.cacheDir(dir, TOOL_NAME, semverOf(version), platform.arch)
  return { ...downloaded, path: join(cachedDir, binary) }
}

async function download(
  url: string,
  platform: { os: string; arch: string },
  version: string,
  signal: AbortSignal | undefined
): Promise<string> {
  const safeUrl = addUrlSecrets(url)
  const { plainUrl, auth } = splitCredentials(url)
  const failed = (what: string, error: unknown): Error =>
    new Error(
      `could not download ${what} of helm ${version} from ${what === 'checksum' ? safeUrl + '.sha256sum' : safeUrl}: ` +
        `${error instanceof Error ? error.message : String(error)} (check helm-version and helm-download-url)`
    )
  const archive = await downloadFile(plainUrl, { auth, signal }).catch((e: unknown) => {
    throw failed('the tarball', e)
  })
  const checksumFile = await downloadFile(`${plainUrl}.sha256sum`, { auth, signal }).catch(
    (e: unknown) => {
      throw failed('checksum', e)
    }
  )
  const expected = parseChecksum(readFileSync(checksumFile, 'utf8'))
  if (!expected)
    throw new Error(`${safeUrl}.sha256sum holds no SHA-256 digest; refusing to use helm ${version}`)
  const actual = await sha256(archive)
  if (actual !== expected) {
    throw new Error(
      `helm ${version} from ${safeUrl} does not match its published checksum ` +
        `(SHA-256 ${actual}, expected ${expected} from ${safeUrl}.sha256sum); refusing to use it. ` +
        `Check that helm-download-url points at an unaltered mirror.`
    )
  }
  core.info(`helm ${version}: SHA-256 ${actual} matches ${safeUrl}.sha256sum`)
  const extracted = url.endsWith('.zip')
    ? await tc.extractZip(archive)
    : await tc.extractTar(archive)
  // Official tarballs hold `<os>-<arch>/helm`.
  return join(extracted, `${platform.os}-${platform.arch}`)
}

/** HTTP clients drop user info in a URL: it becomes an Authorization header. */
function splitCredentials(url: string): { plainUrl: string; auth: string | undefined } {
  const parsed = new URL(url)
  if (!parsed.username && !parsed.password) return { plainUrl: url, auth: undefined }
  const user = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  return {
    plainUrl: parsed.toString(),
    auth: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  }
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

function whichHelm(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, process.platform === 'win32' ? 'helm.exe' : 'helm')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here.
    }
  }
  throw new Error(
    'helm-version is "system" but there is no helm on PATH; install helm first or set helm-version to a release'
  )
}

/** Asks the binary its version: the tarball may not hold what its name says. */
async function describe(path: string, origin: string): Promise<Helm> {
  const result = await run(path, ['version', '--template', '{{.Version}}'], { env: childEnv({}) })
  if (result.code !== 0)
    throw new Error(
      `${origin} (${path}) does not run: ${result.stderr.trim() || `exit ${result.code}`}`
    )
  const version = result.stdout.trim()
  const helm: Helm = { path, version, major: majorOf(version) }
  core.info(`Using ${origin}: ${path} (${version})`)
  return helm
}
