import { describe, expect, it } from 'vitest'
import { helmSemver, majorOf } from '../../../src/tools/helm-tool.ts'

describe('versions', () => {
  it.each([
    ['v4.3.1', '4.3.1'],
    ['v3.22.0', '3.22.0'],
    ['v4.0.0-rc.1', '4.0.0-rc.1']
  ])('%s → %s', (input, expected) => expect(helmSemver(input)).toBe(expected))
  it('refuses what is not a release, naming the input', () => {
    expect(() => helmSemver('latest')).toThrow(/helm-version "latest"/)
    expect(() => majorOf('v2.17.0')).toThrow(/Helm 4 or Helm 3/)
    expect(majorOf('v3.22.0')).toBe(3)
    expect(majorOf('v4.3.1+g1234')).toBe(4)
  })
})
