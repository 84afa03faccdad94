import { describe, expect, it } from 'vitest'
import {
  helmDownloadUrl,
  helmPlatform,
  majorOf,
  parseChecksum,
  semverOf
} from '../../../src/apply/helm-tool.ts'

describe('helm download URL', () => {
  it.each([
    ['linux', 'x64', 'linux', 'amd64'],
    ['linux', 'arm64', 'linux', 'arm64'],
    ['darwin', 'arm64', 'darwin', 'arm64'],
    ['win32', 'x64', 'windows', 'amd64'],
    ['linux', 'ppc64', 'linux', 'ppc64le']
  ] as const)('%s/%s → %s-%s', (platform, arch, os, helmArch) => {
    expect(helmPlatform(platform, arch)).toEqual({ os, arch: helmArch })
  })
  it('fills every placeholder, as often as it appears', () => {
    expect(
      helmDownloadUrl('https://get.helm.sh/helm-{version}-{os}-{arch}.tar.gz', 'v4.3.1', {
        os: 'linux',
        arch: 'amd64'
      })
    ).toBe('https://get.helm.sh/helm-v4.3.1-linux-amd64.tar.gz')
    expect(
      helmDownloadUrl('https://m/{version}/{os}-{arch}/helm-{version}.tgz', 'v3.22.0', {
        os: 'darwin',
        arch: 'arm64'
      })
    ).toBe('https://m/v3.22.0/darwin-arm64/helm-v3.22.0.tgz')
  })
})

describe('versions', () => {
  it.each([
    ['v4.3.1', '4.3.1'],
    ['4.3.1', '4.3.1'],
    ['v3.22.0', '3.22.0'],
    ['v4.0.0-rc.1', '4.0.0-rc.1']
  ])('%s → %s', (input, expected) => expect(semverOf(input)).toBe(expected))
  it('refuses what is not a release, naming the input', () => {
    expect(() => semverOf('latest')).toThrow(/helm-version "latest"/)
    expect(() => majorOf('v2.17.0')).toThrow(/Helm 4 or Helm 3/)
    expect(majorOf('v3.22.0')).toBe(3)
    expect(majorOf('v4.3.1+g1234')).toBe(4)
  })
})

describe('checksum file', () => {
  const hex = 'a'.repeat(64)
  it.each([
    [`${hex}  helm-v4.3.1-linux-amd64.tar.gz\n`, hex],
    [`${hex.toUpperCase()}\n`, hex],
    ['not a digest', undefined],
    ['', undefined]
  ])('%j', (text, expected) => expect(parseChecksum(text)).toBe(expected))
})
