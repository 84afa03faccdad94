import { describe, expect, it } from 'vitest'
import { fillTemplate, semverOf, toolPlatform } from '../../../src/tools/platform.ts'

describe('release download URL', () => {
  it.each([
    ['linux', 'x64', 'linux', 'amd64'],
    ['linux', 'arm64', 'linux', 'arm64'],
    ['darwin', 'arm64', 'darwin', 'arm64'],
    ['win32', 'x64', 'windows', 'amd64'],
    ['linux', 'ppc64', 'linux', 'ppc64le']
  ] as const)('%s/%s → %s-%s', (platform, arch, os, toolArch) => {
    expect(toolPlatform(platform, arch)).toEqual({ os, arch: toolArch })
  })
  it('fills every placeholder, as often as it appears', () => {
    const linux = { os: 'linux', arch: 'amd64' }
    expect(
      fillTemplate('https://get.helm.sh/helm-{version}-{os}-{arch}.tar.gz', 'v4.3.1', linux)
    ).toBe('https://get.helm.sh/helm-v4.3.1-linux-amd64.tar.gz')
    expect(
      fillTemplate('https://m/{version}/{os}-{arch}/helm-{version}.tgz', 'v3.22.0', {
        os: 'darwin',
        arch: 'arm64'
      })
    ).toBe('https://m/v3.22.0/darwin-arm64/helm-v3.22.0.tgz')
    expect(
      fillTemplate(
        'https://github.com/getsops/sops/releases/download/{version}/sops-{version}.{os}.{arch}',
        'v3.13.3',
        linux
      )
    ).toBe('https://github.com/getsops/sops/releases/download/v3.13.3/sops-v3.13.3.linux.amd64')
  })
  it.each([
    ['v3.13.3', '3.13.3'],
    ['4.0.0-rc.1', '4.0.0-rc.1'],
    ['latest', undefined]
  ])('semver of %s is %s', (input, expected) => expect(semverOf(input)).toBe(expected))
})
