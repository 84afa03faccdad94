import * as core from '@actions/core'

// Every secret the action learns is registered here before anything can print it.
// The runner masks its own log; we also mask what we write ourselves (outputs,
// summary, annotations, errors from child processes), since those bypass it.

const secrets = new Set<string>()

/** Shorter values would mask ordinary words; they are not credentials worth the noise. */
const MIN_SECRET_LENGTH = 4

/** Registers a secret with the runner and with mask(), line by line for multi-line values. */
export function addSecret(value: string | undefined | null): void {
  if (!value) return
  const parts = [value, ...value.split(/\r?\n/)].map((s) => s.trim())
  for (const part of parts) {
    if (part.length < MIN_SECRET_LENGTH || secrets.has(part)) continue
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
    addSecret(decodeURIComponent(parsed.password))
    addSecret(parsed.password)
    if (parsed.password) addSecret(`${parsed.username}:${parsed.password}`)
    parsed.username = ''
    parsed.password = ''
    // A query can carry a signed URL's token: registered, and left out of what is printed.
    for (const value of parsed.searchParams.values()) addSecret(value)
    const hadQuery = parsed.search !== ''
    parsed.search = ''
    return hadQuery ? `${parsed.toString()}?…` : parsed.toString()
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
}
