import { contentDigest } from '../render/digest.ts'
import { load } from 'js-yaml'
import type { KeyedValue } from './masking.ts'

// What a SOPS-encrypted values file tells without its key: that it is one, which
// keys can open it, which of its values are encrypted, and digests of them.

type Tree = unknown

/** The `sops` metadata of a file SOPS wrote (YAML or JSON), or undefined for a plain file. */
export function sopsMetadata(text: string): Record<string, unknown> | undefined {
  let doc: unknown
  try {
    doc = load(text)
  } catch {
    return undefined // not YAML: helm will say so
  }
  if (!isMapping(doc)) return undefined
  const meta = doc.sops
  if (!isMapping(meta) || typeof meta.mac !== 'string') return undefined
  return meta
}

/** The keys that can decrypt a file, for the error when none could: `age age1…`, `AWS KMS arn:…`. */
export function keysNeeded(meta: Record<string, unknown>): string[] {
  const groups = [meta, ...(Array.isArray(meta.key_groups) ? meta.key_groups : [])]
  const keys: string[] = []
  const each = (group: unknown, kind: string, describe: (k: Record<string, unknown>) => string) => {
    if (!isMapping(group)) return
    const entries = group[kind]
    if (!Array.isArray(entries)) return
    for (const entry of entries) if (isMapping(entry)) keys.push(describe(entry))
  }
  for (const group of groups) {
    each(group, 'age', (k) => `age recipient ${String(k.recipient)}`)
    each(group, 'kms', (k) => `AWS KMS key ${String(k.arn)}`)
    each(group, 'gcp_kms', (k) => `GCP KMS key ${String(k.resource_id)}`)
    each(
      group,
      'azure_kv',
      (k) => `Azure Key Vault key ${String(k.vault_url)}/keys/${String(k.name)}`
    )
    each(
      group,
      'hc_vault',
      (k) =>
        `Vault key ${String(k.vault_address)}/v1/${String(k.engine_path)}/keys/${String(k.key_name)}`
    )
    each(group, 'pgp', (k) => `PGP key ${String(k.fp)}`)
  }
  return [...new Set(keys)]
}

const ENCRYPTED = /^ENC\[[A-Z0-9_]+,data:.*,type:(str|int|float|bool|bytes|comment)\]$/

/**
 * The decrypted values of the leaves that were encrypted, as text, to register as
 * secrets. Booleans are left out: masking `true` everywhere would hide nothing.
 * Leaves SOPS left in clear (unencrypted_suffix and the like) are not secrets. Each
 * comes with its key path (`db.password`, `tokens[0]`), for a warning to name.
 */
export function encryptedLeaves(encrypted: Tree, decrypted: Tree): KeyedValue[] {
  const found: KeyedValue[] = []
  const walk = (enc: Tree, dec: Tree, key: string): void => {
    if (typeof enc === 'string') {
      const type = ENCRYPTED.exec(enc)?.[1]
      if (type && type !== 'bool' && dec !== null && dec !== undefined)
        found.push({ key, value: String(dec) })
    } else if (Array.isArray(enc)) {
      enc.forEach((item, i) => walk(item, Array.isArray(dec) ? dec[i] : undefined, `${key}[${i}]`))
    } else if (isMapping(enc)) {
      for (const [name, value] of Object.entries(enc))
        if (name !== 'sops')
          walk(value, isMapping(dec) ? dec[name] : undefined, key ? `${key}.${name}` : name)
    }
  }
  walk(encrypted, decrypted, '')
  return found
}

/**
 * A file's values for a preview, never decrypted: each encrypted leaf becomes
 * `sops:sha256:<digest of its ciphertext>` (a changed secret shows as a changed
 * digest), clear leaves stay, the `sops` metadata goes.
 */
export function redacted(text: string): Record<string, unknown> {
  const doc = load(text)
  const walk = (node: Tree): Tree => {
    if (typeof node === 'string' && ENCRYPTED.test(node))
      return `sops:sha256:${contentDigest(node)}`
    if (Array.isArray(node)) return node.map(walk)
    if (isMapping(node))
      return Object.fromEntries(
        Object.entries(node)
          .filter(([key]) => key !== 'sops')
          .map(([key, value]) => [key, walk(value)])
      )
    return node
  }
  return walk(doc) as Record<string, unknown>
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
