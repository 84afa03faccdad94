import { SEED_ENV } from './config.ts'

// The environment of every child process (helm, hooks, git), and sops' own.

const OIDC_REQUEST_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN']

/**
 * What no child process gets: whatever the action reads as its configuration
 * (inputs, their seed fallbacks, the saved state) or speaks through (its output
 * and state files), and the runner's own credentials. A chart can read its
 * process's environment (a template through /proc/self/environ), so none of it
 * may be there.
 */
const WITHHELD = new Set([
  ...Object.values(SEED_ENV),
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  ...OIDC_REQUEST_VARIABLES
])
const WITHHELD_PREFIXES = ['INPUT_', 'STATE_']

/** The environment of helm and git (and, with hookOnlyEnv, of hooks): the runner's, minus what is withheld. */
export function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (WITHHELD.has(key) || WITHHELD_PREFIXES.some((p) => key.startsWith(p))) continue
    env[key] = value
  }
  return { ...env, ...extra }
}

/**
 * The OIDC token request of the job, for hooks alone: a hook is the ops
 * repository's own script, where a cloud login belongs (as in any workflow
 * step); helm runs charts from elsewhere and never gets it.
 */
export function hookOnlyEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const key of OIDC_REQUEST_VARIABLES) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }
  return env
}

/**
 * What sops reads beside its key: where it runs (paths, proxies, CA files, the
 * home with ~/.aws, ~/.azure, ~/.config/sops, gpg's home) and the credentials a
 * cloud login step leaves in the environment. Upper-cased names; Windows' own
 * names are there for a Windows runner.
 */
const SOPS_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_CONFIG_HOME',
  'GNUPGHOME',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SYSTEMROOT',
  'WINDIR',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA'
])
/** sops' own settings and the KMS clients' (AWS, GCP, Azure, Vault). */
const SOPS_PREFIXES = ['SOPS_', 'AWS_', 'GOOGLE_', 'CLOUDSDK_', 'AZURE_', 'VAULT_']

/**
 * The environment of sops: only what it needs, from `env`, and `extra` (the age
 * key). Nothing of the runner (GITHUB_*, RUNNER_*, ACTIONS_*), of the action's
 * configuration (INPUT_*, STATE_*) or of the job's other variables: sops runs a
 * binary downloaded at run time, and no more should reach it than it uses.
 */
export function sopsEnv(
  extra: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env
): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(env)) {
    const name = key.toUpperCase()
    if (SOPS_NAMES.has(name) || SOPS_PREFIXES.some((p) => name.startsWith(p))) kept[key] = value
  }
  return { ...kept, ...extra }
}
