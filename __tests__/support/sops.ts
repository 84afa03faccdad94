// sops and an age identity for tests of SOPS-encrypted values: the bed's (TESTBED_SOPS,
// TESTBED_AGE_KEY_FILE, TESTBED_AGE_RECIPIENT), else the binaries build.sh put in the
// shared cache and an age key made here (a bed started before it built sops).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { testbedValues } from './testbed.ts'

export interface SopsKit {
  readonly sops: string
  readonly version: string
  readonly ageKeygen: string
  /** AGE-SECRET-KEY-1... */
  readonly ageKey: string
  readonly recipient: string
}

const repoRoot = resolve(import.meta.dirname, '..', '..')

/** A fresh age identity (another one than the kit's: a wrong key). */
export function newAgeKey(ageKeygen: string): { key: string; recipient: string } {
  const dir = mkdtempSync(join(tmpdir(), 'age-'))
  try {
    const file = join(dir, 'key.txt')
    execFileSync(ageKeygen, ['-o', file], { stdio: 'ignore' })
    const key = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('AGE-SECRET-KEY-'))
    const recipient = execFileSync(ageKeygen, ['-y', file], { encoding: 'utf8' }).trim()
    if (!key) throw new Error(`age-keygen wrote no key to ${file}`)
    return { key, recipient }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function sopsKit(): SopsKit {
  const v = testbedValues()
  const cache = v.TESTBED_CACHE ?? join(repoRoot, '.cache')
  const version = v.TESTBED_SOPS_VERSION || 'v3.13.3'
  const ageKeygen = join(cache, 'age', 'v1.3.1', 'age-keygen')
  if (v.TESTBED_SOPS && v.TESTBED_AGE_KEY_FILE && v.TESTBED_AGE_RECIPIENT) {
    const key = readFileSync(v.TESTBED_AGE_KEY_FILE, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('AGE-SECRET-KEY-'))
    if (key)
      return {
        sops: v.TESTBED_SOPS,
        version,
        ageKeygen,
        ageKey: key,
        recipient: v.TESTBED_AGE_RECIPIENT
      }
  }
  const { key, recipient } = newAgeKey(ageKeygen)
  return { sops: join(cache, 'sops', version, 'sops'), version, ageKeygen, ageKey: key, recipient }
}

/** Encrypts a values file's YAML (or JSON, by the name's extension) for one age recipient. */
export function encrypt(
  kit: SopsKit,
  name: string,
  text: string,
  recipient = kit.recipient
): string {
  const dir = mkdtempSync(join(tmpdir(), 'sops-'))
  try {
    const file = join(dir, basename(name))
    writeFileSync(file, text)
    return execFileSync(kit.sops, ['--encrypt', '--age', recipient, file], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
