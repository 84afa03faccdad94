import { chmod } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { sopsEnv } from '../child-env.ts'
import { run } from '../process.ts'
import { addUrlSecrets } from '../secrets/masking.ts'
import type { Config } from '../types/config.ts'
import { downloadVerified } from './download.ts'
import { onPath } from './path.ts'
import { fillTemplate, semverOf, toolPlatform } from './platform.ts'

// The sops binary, taken like helm: the tool cache first, else the release binary from
// `sops-download-url`, refused unless its SHA-256 matches the published one.

const TOOL_NAME = 'sops'

export interface Sops {
  readonly path: string
  /** As the binary reports it, e.g. `v3.13.3`. */
  readonly version: string
}

export async function prepareSops(config: Config, signal?: AbortSignal): Promise<Sops> {
  if (config.sopsVersion === 'system') {
    const path = onPath('sops')
    if (!path)
      throw new Error(
        'sops-version is "system" but there is no sops on PATH; install sops first or set sops-version to a release'
      )
    return describe(path, 'the sops on PATH')
  }
  const version = config.sopsVersion
  const semver = semverOf(version)
  if (!semver) throw new Error(`sops-version "${version}" is not a sops release such as v3.13.3`)
  const platform = toolPlatform()
  const binary = platform.os === 'windows' ? 'sops.exe' : 'sops'
  const cached = tc.find(TOOL_NAME, semver, platform.arch)
  if (cached) {
    // Only a binary that passed the checks below is ever cached: no process to start here.
    const path = join(cached, binary)
    core.info(`Using sops ${version} from the tool cache: ${path}`)
    return { path, version }
  }
  const url = fillTemplate(config.sopsDownloadUrl, version, platform)
  const file = await downloadVerified({
    url,
    // A mirror serves `<file>.sha256sum`; the official releases list every file's digest.
    checksumUrls: [`${url}.sha256sum`, `${dirname(url)}/sops-${version}.checksums.txt`],
    what: `sops ${version}`,
    kind: 'the binary',
    versionInput: 'sops-version',
    urlInput: 'sops-download-url',
    signal
  })
  await chmod(file, 0o755)
  const downloaded = await describe(file, `sops ${version} downloaded from ${addUrlSecrets(url)}`)
  if (downloaded.version !== version)
    throw new Error(
      `${addUrlSecrets(url)} holds sops ${downloaded.version}, not ${version}: check sops-download-url`
    )
  const cachedDir = await tc.cacheFile(file, binary, TOOL_NAME, semver, platform.arch)
  return { path: join(cachedDir, binary), version }
}

/** Asks the binary its version (`sops 3.13.3 (latest)`): the download may not hold what its name says. */
async function describe(path: string, origin: string): Promise<Sops> {
  const result = await run(path, ['--version', '--disable-version-check'], { env: sopsEnv({}) })
  const reported = /\bsops (\d+\.\d+\.\d+\S*)/.exec(result.stdout)?.[1]
  if (result.code !== 0 || !reported)
    throw new Error(
      `${origin} (${path}) does not run as sops: ${result.stderr.trim() || `exit ${result.code}`}`
    )
  core.info(`Using ${origin}: ${path} (v${reported})`)
  return { path, version: `v${reported}` }
}
