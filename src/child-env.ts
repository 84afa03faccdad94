import { SEED_ENV } from './config.ts'

// The environment of every child process (helm, hooks, git).

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
