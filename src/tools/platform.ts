// The runner's OS and architecture as release downloads name them (helm and sops alike).

export interface Platform {
  readonly os: string
  readonly arch: string
}

const ARCH_NAMES: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64'
}

export function toolPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch
): Platform {
  return { os: platform === 'win32' ? 'windows' : platform, arch: ARCH_NAMES[arch] ?? arch }
}

/** Fills `{version}`, `{os}` and `{arch}` of a download URL template. */
export function fillTemplate(
  template: string,
  version: string,
  platform: Platform = toolPlatform()
): string {
  return template
    .replaceAll('{version}', version)
    .replaceAll('{os}', platform.os)
    .replaceAll('{arch}', platform.arch)
}

/** `v4.3.1` → `4.3.1`, the form the tool cache keys on; undefined if it is no release. */
export function semverOf(version: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(version.trim())?.[1]
}
