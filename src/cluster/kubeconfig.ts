import { load } from 'js-yaml'

// Pure: what in a kubeconfig is secret, and whether it is a kubeconfig at all.
// The secrets are registered for masking before anything can print them.

/** Keys of `users[].user` whose values are credentials. */
const USER_SECRET_KEYS = ['token', 'password', 'client-key-data', 'client-certificate-data']
/** Keys of `users[].user.auth-provider.config` whose values are credentials. */
const AUTH_PROVIDER_SECRET_KEYS = ['id-token', 'refresh-token', 'access-token', 'client-secret']

export type KubeconfigCheck =
  | { readonly ok: true; readonly secrets: readonly string[] }
  | { readonly ok: false; readonly reason: string }

/** Parses without ever quoting the text back (a YAML error excerpt could hold a token). */
export function checkKubeconfig(text: string): KubeconfigCheck {
  let doc: unknown
  try {
    doc = load(text)
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark
    const reason = (error as { reason?: string }).reason ?? 'unreadable YAML'
    return {
      ok: false,
      reason: `YAML error${mark?.line !== undefined ? ` at line ${mark.line + 1}` : ''}: ${reason}`
    }
  }
  if (!isRecord(doc)) return { ok: false, reason: 'not a YAML map' }
  const clusters = doc.clusters
  if (!Array.isArray(clusters) || clusters.length === 0)
    return { ok: false, reason: 'it has no clusters' }
  if (doc.kind !== undefined && doc.kind !== 'Config')
    return { ok: false, reason: `kind is "${String(doc.kind)}", not Config` }
  return { ok: true, secrets: kubeconfigSecrets(doc) }
}

export function kubeconfigSecrets(doc: Record<string, unknown>): string[] {
  const secrets: string[] = []
  const users = Array.isArray(doc.users) ? doc.users : []
  for (const entry of users) {
    const user = isRecord(entry) && isRecord(entry.user) ? entry.user : undefined
    if (!user) continue
    for (const key of USER_SECRET_KEYS) pushString(secrets, user[key])
    const provider = isRecord(user['auth-provider']) ? user['auth-provider'] : undefined
    const config = provider && isRecord(provider.config) ? provider.config : undefined
    for (const key of AUTH_PROVIDER_SECRET_KEYS) pushString(secrets, config?.[key])
    const exec = isRecord(user.exec) ? user.exec : undefined
    for (const env of Array.isArray(exec?.env) ? exec.env : []) {
      if (isRecord(env)) pushString(secrets, env.value)
    }
  }
  // A base64 key also appears decoded (PEM) once a client prints it.
  for (const value of [...secrets]) {
    if (/^[A-Za-z0-9+/=\s]+$/.test(value) && value.length >= 16) {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      if (decoded.includes('-----BEGIN')) secrets.push(decoded)
    }
  }
  return secrets
}

function pushString(into: string[], value: unknown): void {
  if (typeof value === 'string' && value.length > 0) into.push(value)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
