import { describe, expect, it } from 'vitest'
import { parseChecksum } from '../../../src/tools/download.ts'

describe('checksum file', () => {
  const hex = 'a'.repeat(64)
  const other = 'b'.repeat(64)
  it.each([
    [`${hex}  helm-v4.3.1-linux-amd64.tar.gz\n`, undefined, hex],
    [`${hex.toUpperCase()}\n`, undefined, hex],
    ['not a digest', undefined, undefined],
    ['', undefined, undefined],
    // a one-file .sha256sum: its only digest, whatever name it carries
    [`${hex}  other-name\n`, 'sops-v3.13.3.linux.amd64', hex],
    // the release's checksums list: the line of the file asked for
    [
      `${other}  sops-v3.13.3.darwin.arm64\n${hex}  sops-v3.13.3.linux.amd64\n`,
      'sops-v3.13.3.linux.amd64',
      hex
    ],
    [`${other} *sops-v3.13.3.linux.amd64\n${hex}  x\n`, 'sops-v3.13.3.linux.amd64', other],
    // a list without the file: no digest, never a neighbour's
    [`${other}  a\n${hex}  b\n`, 'sops-v3.13.3.linux.amd64', undefined]
  ])('%j for %s', (text, name, expected) => expect(parseChecksum(text, name)).toBe(expected))
})
