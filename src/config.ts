import * as core from '@actions/core'
import { existsSync, readFileSync } from 'node:fs'
import { actionDefaults } from './action-defaults.ts'
import { addSecret, addSecretValues, addUrlSecrets } from './secrets/masking.ts'
import { DURATION, durationSeconds } from './plan/plan-options.ts'
import type { Config, WaveLine } from './types/config.ts'
import type { RepositoryAlias } from './types/plan.ts'
import { errorMessage } from './error-message.ts'

// The only module that reads inputs. Every value is checked here once, so a bad
// input fails the step before anything runs, with the input's name and what is allowed.

export class InputError extends Error {}

/** The older environment names (README: Inputs), used where the input is not given. */
export const SEED_ENV: Readonly<Record<string, string>> = {
  'github-token': 'GITHUB_ACCESS_TOKEN',
  'kubeconfig-store-url': 'KUBECONFIG_REPO_URL',
  'kubeconfig-filename': 'GITOPS_KUBECONFIG_FILENAME',
  'setup-name-size': 'GITOPS_SETUP_NAME_SIZE',
  shell: 'GITOPS_SHELL_EXEC'
}

/**
 * The runner fills action.yml's defaults in before the action sees them, so "not given"
 * and "given the default" look alike: a seed environment name, when set, wins over a
 * defaulted input (except github-token, see below).
 */
function defaultOf(name: string): string {
  const value = actionDefaults().get(name)
  if (value === undefined) throw new Error(`input '${name}' is not declared in action.yml`)
  return value
}

interface RawInput {
  readonly value: string
  /** How the value was given, for error messages. */
  readonly origin: string
}

function input(name: string): RawInput {
  const given = core.getInput(name).trim()
  const envName = SEED_ENV[name]
  const fromEnv = envName ? process.env[envName]?.trim() : undefined
  // github-token's default is the workflow token, which we cannot tell from an explicit
  // value: a GITHUB_ACCESS_TOKEN set in the workflow is deliberate, so it wins.
  const defaulted = given === '' || given === defaultOf(name) || name === 'github-token'
  if (envName && fromEnv && defaulted) {
    return {
      value: fromEnv,
      origin: `environment variable ${envName} (fallback for input '${name}')`
    }
  }
  const value = given === '' ? defaultOf(name) : given
  return { value, origin: `input '${name}'` }
}

function fail(raw: RawInput, allowed: string, show = true): never {
  const got = show ? ` (got '${raw.value}')` : ''
  throw new InputError(`${raw.origin} ${allowed}${got}.`)
}

function wholeNumber(name: string, min: number, max: number, why = ''): number {
  const raw = input(name)
  const value = Number(raw.value)
  if (!/^\d+$/.test(raw.value) || value < min || value > max) {
    fail(raw, `must be a whole number from ${min} to ${max}${why}`)
  }
  return value
}

/** Deeper setups than this are no layout anyone uses; the bound keeps path checks cheap. */
const MAX_SETUP_NAME_SIZE = 16
/** Clusters at once: each holds helm processes; more would only starve the runner. */
const MAX_PARALLEL = 64
/** A signing key as long as the signature it makes (128 bits as hex). */
const MIN_OWNERSHIP_KEY = 32

/** A store that takes longer than this per request is down, not slow. */
const MAX_STORE_TIMEOUT_SECONDS = 600
/** With backoff doubling from 1 s, 10 attempts already wait over 8 minutes in all. */
const MAX_STORE_ATTEMPTS = 10

/** The longest a Node.js timer can wait (2^31-1 ms); a longer one fires at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

function boolean(name: string): boolean {
  const raw = input(name)
  if (/^(true|True|TRUE)$/.test(raw.value)) return true
  if (/^(false|False|FALSE)$/.test(raw.value)) return false
  return fail(raw, 'must be true or false')
}

function oneOf<const T extends string>(name: string, allowed: readonly T[]): T {
  const raw = input(name)
  if (!(allowed as readonly string[]).includes(raw.value))
    fail(raw, `must be one of ${allowed.join(', ')}`)
  return raw.value as T
}

function url(raw: RawInput, schemes: readonly string[]): string {
  let parsed: URL
  try {
    parsed = new URL(raw.value)
  } catch {
    // The value may hold credentials: never echo it.
    return fail(raw, `must be a URL (${schemes.join(', ')})`, false)
  }
  if (!schemes.includes(parsed.protocol)) {
    fail(raw, `must use one of ${schemes.join(', ')} (got ${parsed.protocol})`, false)
  }
  return raw.value
}

/**
 * The store URL: a query (a signed URL's token) is kept and masked, the setup path goes
 * into the path before it; a fragment would never reach the server, so it is refused.
 */
function storeUrl(raw: RawInput): string {
  const checked = url(raw, ['https:', 'http:', 'file:'])
  const parsed = new URL(checked)
  if (parsed.hash) fail(raw, 'must not have a #fragment (the server never sees it)', false)
  if (parsed.search && parsed.protocol === 'file:')
    fail(raw, 'must not have a ?query with file:// (a file path has none)', false)
  // Each query value is registered by addUrlSecrets; the whole query also shows as one.
  addSecretValues([{ key: 'the whole query', value: parsed.search.slice(1) }], raw.origin)
  return checked
}

/**
 * helm and sops come as release files over HTTP(S); one already on the runner is
 * `<tool>-version: system`, so file:// is refused here rather than failing later as HTTP.
 */
function downloadUrl(raw: RawInput, tool: 'helm' | 'sops'): string {
  const parsed = URL.canParse(raw.value) ? new URL(raw.value) : undefined
  if (parsed?.protocol === 'file:') {
    fail(
      raw,
      `must be an https:// or http:// URL (a mirror); for a ${tool} already on the runner use ${tool}-version: system`,
      false
    )
  }
  return url(raw, ['https:', 'http:'])
}

/** One entry a line or comma-separated; commas inside {a,b} belong to the glob. */
function list(name: string): string[] {
  const globs = input(name).value.split(/\r?\n/).flatMap(lineGlobs)
  for (const glob of globs) checkBraces({ value: glob, origin: `input '${name}'` })
  return globs
}

/** A line's comma-separated globs, trimmed, without empty entries and `#` comments. */
function lineGlobs(line: string): string[] {
  const entries: string[] = []
  let depth = 0
  let current = ''
  for (const char of line) {
    if (char === '{') depth++
    if (char === '}') depth = Math.max(0, depth - 1)
    if (char === ',' && depth === 0) {
      entries.push(current)
      current = ''
    } else current += char
  }
  entries.push(current)
  return entries.map((e) => e.trim()).filter((e) => e !== '' && !e.startsWith('#'))
}

/**
 * One wave a line. An empty line between waves is refused rather than skipped: it
 * would most likely be a wave whose setups were deleted by mistake. A `#` line is a comment.
 */
function waves(): WaveLine[] {
  const raw = input('waves')
  if (raw.value === '') return []
  const lines: WaveLine[] = []
  for (const [index, text] of raw.value.split(/\r?\n/).entries()) {
    const where = `${raw.origin} line ${index + 1}`
    if (text.trim().startsWith('#')) continue
    const globs = lineGlobs(text)
    if (globs.length === 0)
      throw new InputError(
        `${where} is empty: each line is a wave of comma-separated setup globs; remove the empty line or name the setups of that wave.`
      )
    for (const glob of globs) checkBraces({ value: glob, origin: where })
    lines.push({ line: index + 1, globs })
  }
  return lines
}

/**
 * A soak is spent waiting inside the job: a job on a GitHub-hosted runner ends after 6
 * hours, so two soaks of this bound and the deploys still fit in one.
 */
export const MAX_WAVE_SOAK_HOURS = 2

/** `wave-soak`: a Go duration (`0` alone too, as Go takes it) up to MAX_WAVE_SOAK_HOURS. */
function waveSoakMs(): number {
  const raw = input('wave-soak')
  const allowed = `must be a Go duration such as 0s, 90s, 10m or 1h30m, at most ${MAX_WAVE_SOAK_HOURS}h (a job on a GitHub-hosted runner ends after 6h; soak longer between jobs of a workflow instead)`
  if (raw.value === '0') return 0
  if (!DURATION.test(raw.value)) fail(raw, allowed)
  const seconds = durationSeconds(raw.value)
  if (seconds > MAX_WAVE_SOAK_HOURS * 3600) fail(raw, allowed)
  return Math.round(seconds * 1000)
}

/** Alternatives a glob's braces may expand to: each one is matched against every path. */
const MAX_BRACE_EXPANSION = 256

/**
 * Brace expansion multiplies the patterns matched against each path: `{1..100000}`
 * takes minutes, so ranges are refused and alternatives bounded.
 */
function checkBraces(raw: RawInput): void {
  if (/\{[^{}]*\.\.[^{}]*\}/.test(raw.value)) {
    fail(raw, 'must not use brace ranges such as {1..9}; list the alternatives as {a,b} or use *')
  }
  let expansion = 1
  const open: number[] = []
  for (const char of raw.value) {
    if (char === '{') open.push(1)
    else if (char === ',' && open.length > 0) open[open.length - 1]! += 1
    else if (char === '}' && open.length > 0) expansion *= open.pop() as number
  }
  if (expansion > MAX_BRACE_EXPANSION) {
    fail(raw, `expands to ${expansion} patterns; at most ${MAX_BRACE_EXPANSION} are allowed`)
  }
}

const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

function helmRepositories(): RepositoryAlias[] {
  const raw = input('helm-repositories')
  const aliases: RepositoryAlias[] = []
  const lines = raw.value.split(/\r?\n/)
  for (const [index, line] of lines.entries()) {
    const text = line.trim()
    if (text === '' || text.startsWith('#')) continue
    const parts = text.split(/\s+/)
    // Register before validating, so a malformed line cannot print its password.
    for (const part of parts) if (part.includes('://')) addUrlSecrets(part)
    const [name, repoUrl] = parts
    const where = `${raw.origin} line ${index + 1}`
    if (parts.length !== 2 || !name || !repoUrl) {
      throw new InputError(`${where} must be "name url" (two words).`)
    }
    if (!ALIAS_NAME.test(name)) {
      throw new InputError(
        `${where}: alias '${name}' may hold only letters, digits, '.', '_' and '-'.`
      )
    }
    if (aliases.some((a) => a.name === name)) {
      throw new InputError(`${where}: alias '${name}' is defined twice.`)
    }
    url({ value: repoUrl, origin: where }, ['https:', 'http:', 'oci:'])
    aliases.push({ name, url: repoUrl })
  }
  return aliases
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----'

function storeCa(): string | undefined {
  const raw = input('kubeconfig-store-ca')
  if (raw.value === '') return undefined
  if (raw.value.includes(PEM_CERTIFICATE)) return raw.value
  if (!existsSync(raw.value)) {
    fail(raw, 'must be PEM certificate text or the path of a file holding it (no such file)')
  }
  const text = readFileSync(raw.value, 'utf8')
  if (!text.includes(PEM_CERTIFICATE)) fail(raw, `names a file without a PEM certificate`)
  return text
}

// eslint-disable-next-line no-control-regex
const NOT_IN_FILE_NAME = /[/\\\u0000-\u001f\u007f]/

function kubeconfigFilename(): string {
  const raw = input('kubeconfig-filename')
  if (raw.value === '.' || raw.value === '..' || NOT_IN_FILE_NAME.test(raw.value)) {
    fail(
      raw,
      'must be a file name in the setup folder of the store (no "/", "\\", control characters, "." or "..")'
    )
  }
  return raw.value
}

const HELM_VERSION = /^v?(3|4)\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/

function helmVersion(): string {
  const raw = input('helm-version')
  if (raw.value === 'system') return raw.value
  if (!HELM_VERSION.test(raw.value)) {
    fail(raw, 'must be "system" or a Helm 3 or 4 release such as v4.3.1 or v3.19.0')
  }
  return raw.value.startsWith('v') ? raw.value : `v${raw.value}`
}

const SOPS_VERSION = /^v?3\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/

function sopsVersion(): string {
  const raw = input('sops-version')
  if (raw.value === 'system') return raw.value
  if (!SOPS_VERSION.test(raw.value))
    fail(raw, 'must be "system" or a sops 3 release such as v3.13.3')
  return raw.value.startsWith('v') ? raw.value : `v${raw.value}`
}

/**
 * age identities, one a line (comments allowed, as in a key file). Registered before they
 * are checked, with the lower-case form too: bech32 is read in either case.
 */
function sopsAgeKey(): string | undefined {
  const raw = input('sops-age-key')
  if (raw.value === '') return undefined
  const keys = raw.value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  // The comments (`# public key: age1…`) are no secret; every key line is, in both cases.
  for (const key of keys)
    for (const form of [key, key.toLowerCase()]) addSecret(form, "input 'sops-age-key'")
  if (keys.length === 0 || keys.some((k) => !/^AGE-SECRET-KEY-1[0-9A-Z]+$/i.test(k)))
    fail(raw, 'must hold age private keys (AGE-SECRET-KEY-1...), one a line', false)
  return raw.value
}

function helmArgs(): string[] {
  const raw = input('helm-args')
  try {
    return splitArgs(raw.value)
  } catch (error) {
    throw new InputError(`${raw.origin}: ${errorMessage(error)}.`)
  }
}

/**
 * Splits like a POSIX shell would (blanks separate, '…' literal, "…" with \ escapes,
 * \ escapes outside quotes) without running one: no expansion, no substitution.
 */
export function splitArgs(text: string): string[] {
  const args: string[] = []
  let current: string | undefined
  let quote: "'" | '"' | undefined
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (quote === "'") {
      if (char === "'") quote = undefined
      else current += char
    } else if (quote === '"') {
      if (char === '"') quote = undefined
      else if (char === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] as string)) {
        const next = text[++i] as string
        if (next !== '\n') current += next
      } else current += char
    } else if (char === "'" || char === '"') {
      quote = char
      current ??= ''
    } else if (char === '\\') {
      if (i + 1 >= text.length) throw new Error('ends with a lone backslash')
      const next = text[++i] as string
      if (next !== '\n') current = (current ?? '') + next
    } else if (/\s/.test(char)) {
      if (current !== undefined) args.push(current)
      current = undefined
    } else current = (current ?? '') + char
  }
  if (quote) throw new Error(`has an unterminated ${quote} quote`)
  if (current !== undefined) args.push(current)
  return args
}

/**
 * The key that signs the releases this action deploys, so that prune can tell them from
 * forged ones. Anyone who may read the release Secrets sees signatures: a short key could
 * be found by trying, so it must be long.
 */
function ownershipKey(): string | undefined {
  const raw = input('ownership-key')
  if (raw.value === '') return undefined
  addSecret(raw.value, "input 'ownership-key'")
  if (raw.value.trim().length < MIN_OWNERSHIP_KEY)
    fail(
      raw,
      `must be at least ${MIN_OWNERSHIP_KEY} characters (e.g. the output of openssl rand -hex 32, kept as a secret)`,
      false
    )
  return raw.value
}

/** The environment name template: `{setup}` is the one placeholder. */
function deploymentEnvironment(): string {
  const { value } = input('deployment-environment')
  const unknown = value.replace(/\{setup\}/g, '').match(/[{}]/)
  if (!value.trim() || unknown)
    throw new Error(
      `The deployment-environment input '${value}' is not a usable name template: give a non-empty name, with {setup} where the setup's name goes (e.g. '{setup}' or 'prod-{setup}').`
    )
  return value.trim()
}

export function readConfig(): Config {
  const token = input('github-token').value
  addSecret(token, "input 'github-token'")

  const storeRaw = input('kubeconfig-store-url')
  if (storeRaw.value) addUrlSecrets(storeRaw.value)
  const helmDownload = input('helm-download-url')
  addUrlSecrets(helmDownload.value)
  const sopsDownload = input('sops-download-url')
  addUrlSecrets(sopsDownload.value)

  return {
    githubToken: token,
    kubeconfigStoreUrl: storeRaw.value ? storeUrl(storeRaw) : undefined,
    kubeconfigStoreCa: storeCa(),
    kubeconfigFilename: kubeconfigFilename(),
    storeTimeoutMs: wholeNumber('kubeconfig-store-timeout', 1, MAX_STORE_TIMEOUT_SECONDS) * 1000,
    storeAttempts: wholeNumber('kubeconfig-store-attempts', 1, MAX_STORE_ATTEMPTS),
    setupNameSize: wholeNumber('setup-name-size', 1, MAX_SETUP_NAME_SIZE),
    shell: input('shell').value,
    helmVersion: helmVersion(),
    helmDownloadUrl: downloadUrl(helmDownload, 'helm'),
    sopsVersion: sopsVersion(),
    sopsDownloadUrl: downloadUrl(sopsDownload, 'sops'),
    sopsAgeKey: sopsAgeKey(),
    helmRepositories: helmRepositories(),
    helmArgs: helmArgs(),
    plans: list('plans'),
    dispatchBranches: list('dispatch-branches'),
    ignore: list('ignore'),
    parallel: wholeNumber('parallel', 1, MAX_PARALLEL),
    parallelPlans: wholeNumber('parallel-plans', 1, MAX_PARALLEL),
    waves: waves(),
    waveSoakMs: waveSoakMs(),
    pendingGraceMs: wholeNumber('pending-grace', 0, MAX_TIMER_SECONDS) * 1000,
    failFast: boolean('fail-fast'),
    hookTimeoutMs:
      wholeNumber(
        'hook-timeout',
        1,
        MAX_TIMER_SECONDS,
        ' (seconds; about 24 days is the longest a timer can wait)'
      ) * 1000,
    dryRun: boolean('dry-run'),
    deployments: boolean('deployments'),
    deploymentEnvironment: deploymentEnvironment(),
    mode: oneOf('mode', ['deploy', 'drift']),
    drift: oneOf('drift', ['report', 'correct']),
    failOnDrift: boolean('fail-on-drift'),
    prune: boolean('prune'),
    ownershipKey: ownershipKey(),
    driftIssues: boolean('drift-issues'),
    workspace: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}
