import { join } from 'node:path'
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { childEnv } from '../child-env.ts'
import { run } from '../process.ts'
import { addUrlSecrets } from '../secrets/masking.ts'
import { downloadVerified } from './download.ts'
import { onPath } from './path.ts'
import { fillTemplate, semverOf, toolPlatform, type Platform } from './platform.ts'
import type { Config } from '../types/config.ts'
import type { Helm } from '../apply/helm.ts'
import type { HelmMajor } from '../apply/helm-args.ts'

// The helm binary: the tool cache first, else the release tarball from
// `helm-download-url`, refused unless its SHA-256 matches the published one.

const TOOL_NAME = 'helm'

/** `v4.3.1` → `4.3.1`, the form the tool cache keys on. */
export function helmSemver(version: string): string {
  const semver = semverOf(version)
  if (!semver)
    throw new Error(`helm-version "${version}" is not a helm release such as v4.3.1 (or "system")`)
  return semver
}

export function majorOf(version: string): HelmMajor {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (major === 3 || major === 4) return major
  throw new Error(`helm ${version} is not supported: use a Helm 4 or Helm 3 release (helm-version)`)
}

export async function prepareHelm(config: Config, signal?: AbortSignal): Promise<Helm> {
  if (config.helmVersion === 'system') {
    const path = onPath('helm')
    if (!path)
      throw new Error(
        'helm-version is "system" but there is no helm on PATH; install helm first or set helm-version to a release'
      )
    return describe(path, 'the helm on PATH')
  }
  const version = `v${helmSemver(config.helmVersion)}`
  const platform = toolPlatform()
  const binary = platform.os === 'windows' ? 'helm.exe' : 'helm'
  const cached = tc.find(TOOL_NAME, helmSemver(version), platform.arch)
  if (cached) {
    // Only a binary that passed the checks below is ever cached: no process to start here.
    const path = join(cached, binary)
    core.info(`Using helm ${version} from the tool cache: ${path}`)
    return { path, version, major: majorOf(version) }
  }

  const url = fillTemplate(config.helmDownloadUrl, version, platform)
  const dir = await download(url, platform, version, signal)
  const downloaded = await describe(
    join(dir, binary),
    `helm ${version} downloaded from ${addUrlSecrets(url)}`
  )
  if (downloaded.version !== version)
    throw new Error(
      `${addUrlSecrets(url)} holds helm ${downloaded.version}, not ${version}: check helm-download-url`
    )
  const cachedDir = await tc.cacheDir(dir, TOOL_NAME, helmSemver(version), platform.arch)
  return { ...downloaded, path: join(cachedDir, binary) }
}

async function download(
  url: string,
  platform: Platform,
  version: string,
  signal: AbortSignal | undefined
): Promise<string> {
  const archive = await downloadVerified({
    url,
    checksumUrls: [`${url}.sha256sum`],
    what: `helm ${version}`,
    kind: 'the tarball',
    versionInput: 'helm-version',
    urlInput: 'helm-download-url',
    signal
  })
  const extracted = url.endsWith('.zip')
    ? await tc.extractZip(archive)
    : await tc.extractTar(archive)
  // Official tarballs hold `<os>-<arch>/helm`.
  return join(extracted, `${platform.os}-${platform.arch}`)
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
