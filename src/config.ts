import * as core from '@actions/core'
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { addSecret, addUrlSecrets } from './report/masking.ts'
import type { Config, RepositoryAlias } from './types.ts'

// The only module that reads inputs. Every value is checked here once, so a bad
// input fails the step before anything runs, with the input's name and what is allowed.

export class InputError extends Error {}

/** The seed document's environment names, used where the input is not given. */
const SEED_ENV: Readonly<Record<string, string>> = {
  'github-token': 'GITHUB_ACCESS_TOKEN',
  'kubeconfig-store-url': 'KUBECONFIG_REPO_URL',
  'kubeconfig-filename': 'GITOPS_KUBECONFIG_FILENAME',
  'setup-name-size': 'GITOPS_SETUP_NAME_SIZE',
  shell: 'GITOPS_SHELL_EXEC'
}

/**
 * The defaults of action.yml. The runner fills a default in before the action
 * sees it, so "not given" and "given the default" look alike: a seed environment
 * name, when set, wins over a defaulted input (except github-token, see below).
 */
const DEFAULTS: Readonly<Record<string, string>> = {
  'kubeconfig-filename': 'kubeconfig.yaml',
  'setup-name-size': '2',
  shell: '/bin/bash',
  'helm-version': 'v4.3.1',
  'helm-download-url': 'https://get.helm.sh/helm-{version}-{os}-{arch}.tar.gz',
  parallel: '4',
  'parallel-plans': '4',
  'pending-grace': '600',
  'fail-fast': 'false',
  'hook-timeout': '300',
  'dry-run': 'false'
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
  const defaulted = given === '' || given === DEFAULTS[name] || name === 'github-token'
  if (envName && fromEnv && defaulted) {
    return {
      value: fromEnv,
      origin: `environment variable ${envName} (fallback for input '${name}')`
    }
  }
  const value = given === '' ? (DEFAULTS[name] ?? '') : given
  return { value, origin: `input '${name}'` }
}

function fail(raw: RawInput, allowed: string, show = true): never {
  const got = show ? ` (got '${raw.value}')` : ''
  throw new InputError(`${raw.origin} ${allowed}${got}.`)
}

function wholeNumber(name: string, min: number): number {
  const raw = input(name)
  if (!/^\d+$/.test(raw.value) || Number(raw.value) < min) {
    fail(raw, `must be a whole number of at least ${min}`)
  }
  return Number(raw.value)
}

function boolean(name: string): boolean {
  const raw = input(name)
  if (/^(true|True|TRUE)$/.test(raw.value)) return true
  if (/^(false|False|FALSE)$/.test(raw.value)) return false
  return fail(raw, 'must be true or false')
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

/** One entry a line or comma-separated; commas inside {a,b} belong to the glob. */
function list(name: string): string[] {
  const entries: string[] = []
  for (const line of input(name).value.split(/\r?\n/)) {
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
  }
  return entries.map((e) => e.trim()).filter((e) => e !== '' && !e.startsWith('#'))
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
    url({ value: repoUrl, origin: where }, ['https:', 'http:'])
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

function kubeconfigFilename(): string {
  const raw = input('kubeconfig-filename')
  const parts = raw.value.split('/')
  if (
    raw.value === '' ||
    isAbsolute(raw.value) ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    fail(
      raw,
      'must be a relative file name inside a setup folder of the store (no "..", no leading "/")'
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

function helmArgs(): string[] {
  const raw = input('helm-args')
  try {
    return splitArgs(raw.value)
  } catch (error) {
    throw new InputError(`${raw.origin}: ${(error as Error).message}.`)
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

export function readConfig(): Config {
  const token = input('github-token').value
  addSecret(token)

  const storeRaw = input('kubeconfig-store-url')
  if (storeRaw.value) addUrlSecrets(storeRaw.value)
  const helmDownload = input('helm-download-url')
  addUrlSecrets(helmDownload.value)

  return {
    githubToken: token,
    kubeconfigStoreUrl: storeRaw.value ? url(storeRaw, ['https:', 'http:', 'file:']) : undefined,
    kubeconfigStoreCa: storeCa(),
    kubeconfigFilename: kubeconfigFilename(),
    setupNameSize: wholeNumber('setup-name-size', 1),
    shell: input('shell').value,
    helmVersion: helmVersion(),
    helmDownloadUrl: url(helmDownload, ['https:', 'http:', 'file:']),
    helmRepositories: helmRepositories(),
    helmArgs: helmArgs(),
    plans: list('plans'),
    ignore: list('ignore'),
    parallel: wholeNumber('parallel', 1),
    parallelPlans: wholeNumber('parallel-plans', 1),
    pendingGraceMs: wholeNumber('pending-grace', 0) * 1000,
    failFast: boolean('fail-fast'),
    hookTimeoutMs: wholeNumber('hook-timeout', 1) * 1000,
    dryRun: boolean('dry-run'),
    workspace: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}
