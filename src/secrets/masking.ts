import * as core from '@actions/core'

// Every secret the action learns is registered here before anything can print it.
// The runner masks its own log; we also mask what we write ourselves (outputs,
// summary, annotations, errors from child processes), since those bypass it.

const secrets = new Set<string>()
/** What report/ is to warn about, each once: short secrets, never their values. */
const warnings = new Set<string>()

/** Shorter values would mask ordinary words and digits wherever they show in the log. */
export const MIN_SECRET_LENGTH = 4

/**
 * What a secret is: a `credential` (a token, a password, a key) is secret for sure;
 * a `value` may be one (a decrypted SOPS value like `1` or `no`, a URL's query value).
 */
export type SecretKind = 'credential' | 'value'
/** What becomes of a secret: masked, masked though short, or left unmasked because short. */
export type Masking = 'mask' | 'mask, warn' | 'leave, warn' | 'nothing'

/**
 * A short credential is masked all the same: hiding a short string wherever it shows
 * is the lesser harm. A short value is left unmasked: masking `1` would garble the
 * log, and so short a secret is guessable anyway. Either way a warning says where.
 */
export function maskingOf(value: string, kind: SecretKind): Masking {
  const length = value.trim().length
  if (length === 0) return 'nothing'
  if (length >= MIN_SECRET_LENGTH) return 'mask'
  return kind === 'credential' ? 'mask, warn' : 'leave, warn'
}

/**
 * Registers a credential with the runner and with mask(), line by line for
 * multi-line values. `where` names its source in a warning, never its value.
 */
export function addSecret(value: string | undefined | null, where: string): void {
  if (!value) return
  const masking = maskingOf(value, 'credential')
  if (masking === 'mask, warn')
    warnings.add(
      `${where} is a credential of under ${MIN_SECRET_LENGTH} characters: it is masked all the same, which hides that string wherever it shows in the log. Use a longer one`
    )
  if (masking !== 'nothing') register(value)
}

export interface KeyedValue {
  /** Its name where it was found (`db.password`, a query parameter): warned about, unlike the value. */
  readonly key: string
  readonly value: string
}

/** Registers values of `where` that may be secrets; a short one is left unmasked, with a warning naming its key. */
export function addSecretValues(found: readonly KeyedValue[], where: string): void {
  const short: string[] = []
  for (const { key, value } of found) {
    const masking = maskingOf(value, 'value')
    if (masking === 'mask') register(value)
    else if (masking === 'leave, warn') short.push(key)
  }
  if (short.length)
    warnings.add(
      `${where}: ${short.length} value(s) of under ${MIN_SECRET_LENGTH} characters are not masked in the log (${short.join(', ')}): masking so short a string would garble the log, and so short a secret is guessable anyway`
    )
}

/** The warnings about short secrets since the last call, for report/ to write. */
export function takeSecretWarnings(): string[] {
  const taken = [...warnings]
  warnings.clear()
  return taken
}

function register(value: string): void {
  const whole = value.trim()
  // Lines shorter than the minimum are fragments (a PEM's last line), not secrets of their own.
  const parts = [whole, ...value.split(/\r?\n/).map((s) => s.trim())].filter(
    (part, i) => i === 0 || part.length >= MIN_SECRET_LENGTH
  )
  for (const part of parts) {
    if (secrets.has(part)) continue
    secrets.add(part)
    core.setSecret(part)
    // A secret can also appear URL-encoded (user info) or base64-encoded (kubeconfig data).
    for (const variant of [encodeURIComponent(part), Buffer.from(part).toString('base64')]) {
      if (variant !== part && !secrets.has(variant)) {
        secrets.add(variant)
        core.setSecret(variant)
      }
    }
  }
}

/** Registers the user info and query values of a URL (if any) and returns the URL without them, for printing. */
export function addUrlSecrets(url: string): string {
  try {
    const parsed = new URL(url)
    const { username, password } = parsed
    const query = [...parsed.searchParams].map(([key, value]) => ({ key, value }))
    parsed.username = ''
    parsed.password = ''
    // A query can carry a signed URL's token: registered, and left out of what is printed.
    parsed.search = ''
    const printed = query.length ? `${parsed.toString()}?…` : parsed.toString()
    addSecret(decodeURIComponent(password), `the password in ${printed}`)
    addSecret(password, `the password in ${printed}`)
    if (password) addSecret(`${username}:${password}`, `the user info in ${printed}`)
    // A query value may be a signed URL's token or a plain setting (`?v=1`).
    addSecretValues(query, `the query of ${printed}`)
    return printed
  } catch {
    return url
  }
}

/** Replaces every registered secret in text with ***. Longest first, so no tail of one survives. */
export function mask(text: string): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('***')
  }
  return out
}

/** Whether mask() would change the text: it holds a registered secret. */
export function holdsSecret(text: string): boolean {
  for (const secret of secrets) if (text.includes(secret)) return true
  return false
}

/** For tests: forget every registered secret. */
export function resetSecrets(): void {
  secrets.clear()
  warnings.clear()
}
