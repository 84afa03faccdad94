import type { RepositoryAlias } from '../types/plan.ts'
import { unreadable } from './checkout.ts'
import type { Checkout } from './checkout.ts'
import { isNullNode, parseConfigRoot } from './yaml-tree.ts'
import type { YamlNode } from './yaml-tree.ts'

// Chart repository aliases: the `helm-repositories` input first, then
// `.gitops/repositories.yaml`. The file is committed, so it must hold no
// credentials: those come from a secret through the input.

export const REPOSITORIES_FILE = '.gitops/repositories.yaml'

/** A problem with the repositories file stops the run: every alias plan depends on it. */
export class RepositoriesFileError extends Error {
  /** URLs holding committed credentials: registered as secrets before the error is reported. */
  readonly leakedUrls: readonly string[]
  constructor(message: string, leakedUrls: readonly string[] = []) {
    super(message)
    this.leakedUrls = leakedUrls
  }
}

const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const CREDENTIAL_KEYS = new Set([
  'username',
  'password',
  'token',
  'certFile',
  'keyFile',
  'caFile',
  'passCredentials'
])

export function loadRepositories(
  checkout: Checkout,
  fromInput: readonly RepositoryAlias[],
  files: readonly string[]
): RepositoryAlias[] {
  const fromFile = files.includes(REPOSITORIES_FILE) ? readRepositoriesFile(checkout) : []
  const names = new Set(fromInput.map((r) => r.name))
  return [...fromInput, ...fromFile.filter((r) => !names.has(r.name))]
}

/** A list of aliases is a few lines; a larger file is a mistake that must not be read whole. */
const MAX_REPOSITORIES_BYTES = 64 * 1024

function readRepositoriesFile(checkout: Checkout): RepositoryAlias[] {
  const read = checkout.readText(REPOSITORIES_FILE, MAX_REPOSITORIES_BYTES)
  if (!read.ok) {
    throw new RepositoriesFileError(
      `${REPOSITORIES_FILE} ${unreadable(read, 'it', MAX_REPOSITORIES_BYTES)}`
    )
  }
  return parseRepositoriesFile(read.text)
}

export function parseRepositoriesFile(text: string): RepositoryAlias[] {
  const fail = (line: number | undefined, message: string, leakedUrl?: string): never => {
    throw new RepositoriesFileError(
      `${REPOSITORIES_FILE}${line ? ` line ${line}` : ''}: ${message}`,
      leakedUrl === undefined ? [] : [leakedUrl]
    )
  }
  const root = parseConfigRoot(text, fail)
  if (root === undefined) return []
  const shape = 'must be `repositories:` with a list of `name:` and `url:` entries'
  if (root.kind !== 'mapping') return fail(root.line, shape)
  const aliases: RepositoryAlias[] = []
  for (const { key, value } of root.entries) {
    if (key.kind !== 'scalar' || key.text !== 'repositories')
      return fail(key.line, `unknown key; the file ${shape}`)
    if (isNullNode(value)) continue
    if (value.kind !== 'sequence') return fail(value.line, shape)
    for (const item of value.items) aliases.push(entry(item, fail))
  }
  const seen = new Set<string>()
  for (const alias of aliases) {
    if (seen.has(alias.name)) fail(undefined, `alias '${alias.name}' is defined twice`)
    seen.add(alias.name)
  }
  return aliases
}

function entry(
  item: YamlNode,
  fail: (line: number | undefined, message: string, leakedUrl?: string) => never
): RepositoryAlias {
  if (item.kind !== 'mapping')
    return fail(item.line, 'each repository must be a mapping with `name` and `url`')
  const fields = new Map<string, YamlNode>()
  for (const { key, value } of item.entries) {
    if (key.kind !== 'scalar') return fail(key.line, 'keys must be plain names')
    if (CREDENTIAL_KEYS.has(key.text)) {
      return fail(
        key.line,
        `'${key.text}' is a credential and must not be committed: give this repository in the helm-repositories input, from a secret`,
        value.kind === 'scalar' ? `https://x:${encodeURIComponent(value.text)}@x` : undefined
      )
    }
    if (key.text !== 'name' && key.text !== 'url')
      return fail(key.line, `unknown key '${key.text}'; allowed keys: name, url`)
    fields.set(key.text, value)
  }
  const name = fields.get('name')
  const url = fields.get('url')
  if (!name || name.kind !== 'scalar' || !ALIAS_NAME.test(name.text)) {
    return fail(
      name?.line ?? item.line,
      "'name' must be an alias of letters, digits, '.', '_' and '-'"
    )
  }
  if (!url || url.kind !== 'scalar')
    return fail(url?.line ?? item.line, `repository '${name.text}' needs a 'url'`)
  let parsed: URL
  try {
    parsed = new URL(url.text)
  } catch {
    return fail(url.line, `repository '${name.text}' has an invalid url`)
  }
  if (parsed.username || parsed.password) {
    return fail(
      url.line,
      `the url of repository '${name.text}' holds credentials, which must not be committed: give this repository in the helm-repositories input, from a secret (and rotate the leaked password)`,
      url.text
    )
  }
  if (!['https:', 'http:', 'oci:'].includes(parsed.protocol)) {
    return fail(
      url.line,
      `the url of repository '${name.text}' must be https://, http:// or oci://`
    )
  }
  return { name: name.text, url: url.text }
}
